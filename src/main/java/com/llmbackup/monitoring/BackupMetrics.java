package com.llmbackup.monitoring;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import com.llmbackup.catalog.BackupHistory;
import com.llmbackup.catalog.BackupHistory.KindStats;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.wal.RecoveryWindows;
import com.llmbackup.wal.WalReceiver;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.stereotype.Component;

/**
 * Metrics at {@code /actuator/prometheus}, read from the history table (one grouped query,
 * at most every 5 s): per kind of run (daily, weekly, safety, cleanup, restore, drill) the
 * last success's end time, duration and size, failures, and runs by outcome
 * ({@code llm_backup_runs_total{kind="restore",status="REJECTED"}}; a drill's outcome is {@code kind="drill"}),
 * and per kind of set the newest passed restore drill ({@code llm_backup_last_verified_restore_timestamp_seconds{kind="weekly"}});
 * WAL streaming: {@code llm_backup_wal_lag_seconds}, {@code llm_backup_wal_last_received_timestamp_seconds},
 * {@code llm_backup_wal_slot_retained_bytes}, {@code llm_backup_wal_streaming} (1 or 0) and
 * {@code llm_backup_recovery_window_start_timestamp_seconds} (NaN while there is no window).
 */
@Component
class BackupMetrics implements MeterBinder {

    /** The outcomes counted per kind (a RUNNING row is not an outcome yet). */
    static final List<RunStatus> OUTCOMES = List.of(RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.REJECTED, RunStatus.REFUSED);

    private final BackupHistory history;
    private final Clock clock;
    private final WalReceiver wal;
    private final RecoveryWindows windows;
    private volatile Map<RunKind, KindStats> cached = Map.of();
    private volatile Map<String, Instant> verified = Map.of();
    private volatile Instant verifiedAt = Instant.EPOCH;
    private volatile Instant cachedAt = Instant.EPOCH;

    BackupMetrics(BackupHistory history, Clock clock, WalReceiver wal, RecoveryWindows windows) {
        this.history = history;
        this.clock = clock;
        this.wal = wal;
        this.windows = windows;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        offsiteGauge(registry);
        for (RunKind kind : RunKind.values()) {
            gauge(registry, "llm.backup.last.success.timestamp", kind, "seconds", "End of the newest successful run",
                    s -> s.lastCompleted() == null ? Double.NaN : s.lastCompleted().endedAt().toEpochMilli() / 1000.0);
            gauge(registry, "llm.backup.last.duration", kind, "seconds", "Duration of the newest successful run",
                    s -> s.lastCompleted() == null ? Double.NaN
                            : Duration.between(s.lastCompleted().startedAt(), s.lastCompleted().endedAt()).toMillis() / 1000.0);
            gauge(registry, "llm.backup.last.size", kind, "bytes", "Bytes written by the newest successful run",
                    s -> s.lastCompleted() == null || s.lastCompleted().figures().bytes() == null ? Double.NaN : s.lastCompleted().figures().bytes());
            FunctionCounter.builder("llm.backup.failures", this, m -> m.count(kind, RunStatus.FAILED))
                    .tag("kind", kind.label()).description("Runs that failed").register(registry);
            for (RunStatus status : OUTCOMES) {
                FunctionCounter.builder("llm.backup.runs", this, m -> m.count(kind, status))
                        .tags("kind", kind.label(), "status", status.name()).description("Runs by outcome").register(registry);
            }
        }
        bindVerifiedRestores(registry);
        bindWal(registry);
    }

    /** The receiver's own readings (in memory or its state file) and the window (computed at most every 2 s). */
    private void bindWal(MeterRegistry registry) {
        Gauge.builder("llm.backup.wal.lag", this, m -> nan(m.wal.status().lagSeconds()))
                .baseUnit("seconds").description("How far the WAL on disk is behind the database server").register(registry);
        Gauge.builder("llm.backup.wal.last.received.timestamp", this, m -> seconds(m.wal.status().lastReceivedAt()))
                .baseUnit("seconds").description("The latest instant whose whole WAL is on disk").register(registry);
        Gauge.builder("llm.backup.wal.slot.retained", this, m -> nan(m.wal.status().slotRetainedBytes()))
                .baseUnit("bytes").description("WAL the database server keeps for the receiver's slot").register(registry);
        Gauge.builder("llm.backup.wal.streaming", this, m -> m.wal.status().streaming() ? 1 : 0)
                .description("1 while pg_receivewal streams").register(registry);
        Gauge.builder("llm.backup.recovery.window.start.timestamp", this, m -> seconds(m.windows.current().from()))
                .baseUnit("seconds").description("The earliest instant a point-in-time recovery can reach").register(registry);
    }

    private static double nan(Number value) {
        return value == null ? Double.NaN : value.doubleValue();
    }

    private static double seconds(Instant at) {
        return at == null ? Double.NaN : at.toEpochMilli() / 1000.0;
    }

    /** Per kind of set, the end of the newest passed restore drill of one (a restore that is proven to work). */
    private void bindVerifiedRestores(MeterRegistry registry) {
        for (BackupKind kind : BackupKind.values()) {
            Gauge.builder("llm.backup.last.verified.restore.timestamp", this, m -> {
                Instant at = m.verified().get(kind.dir());
                return at == null ? Double.NaN : at.toEpochMilli() / 1000.0;
            }).tag("kind", kind.dir()).baseUnit("seconds").description("End of the newest passed restore drill of a set of this kind")
                    .register(registry);
        }
    }

    private Map<String, Instant> verified() {
        Instant now = clock.instant();
        if (Duration.between(verifiedAt, now).toSeconds() >= 5) {
            Map<String, Instant> fresh = new HashMap<>();
            // newest first: the first passed drill of each kind of set counts
            for (var e : history.page(RunKind.DRILL, RunStatus.COMPLETED, null, null, 0, 500).items()) {
                if (e.request().source() != null && e.request().source().contains("/") && e.endedAt() != null) {
                    fresh.putIfAbsent(e.request().source().substring(0, e.request().source().indexOf('/')), e.endedAt());
                }
            }
            verified = fresh;
            verifiedAt = now;
        }
        return verified;
    }

    /** {@code llm_backup_offsite_last_success_timestamp_seconds}: the newest successful offsite copy (NaN: none yet). */
    private void offsiteGauge(MeterRegistry registry) {
        Gauge.builder("llm.backup.offsite.last.success.timestamp", this, m -> m.lastOffsiteCopy())
                .baseUnit("seconds").description("End of the newest successful offsite copy").register(registry);
    }

    private volatile double lastOffsite = Double.NaN;
    private volatile Instant lastOffsiteReadAt = Instant.EPOCH;

    private double lastOffsiteCopy() {
        Instant now = clock.instant();
        if (Duration.between(lastOffsiteReadAt, now).toSeconds() >= 5) {
            lastOffsite = history.lastOffsiteCopy().map(t -> t.toEpochMilli() / 1000.0).orElse(Double.NaN);
            lastOffsiteReadAt = now;
        }
        return lastOffsite;
    }

    private void gauge(MeterRegistry registry, String name, RunKind kind, String unit, String description, ToDoubleFunction<KindStats> value) {
        Gauge.builder(name, this, m -> {
            KindStats s = m.stats().get(kind);
            return s == null ? Double.NaN : value.applyAsDouble(s);
        }).tag("kind", kind.label()).baseUnit(unit).description(description).register(registry);
    }

    private double count(RunKind kind, RunStatus status) {
        KindStats s = stats().get(kind);
        return s == null ? 0 : s.countsByStatus().getOrDefault(status, 0L);
    }

    private Map<RunKind, KindStats> stats() {
        Instant now = clock.instant();
        if (Duration.between(cachedAt, now).toSeconds() >= 5) {
            Map<RunKind, KindStats> fresh = new EnumMap<>(RunKind.class);
            history.stats().forEach(s -> fresh.put(s.kind(), s));
            cached = fresh;
            cachedAt = now;
        }
        return cached;
    }

    /** The RPO watch runs on Spring's scheduler. */
    @Configuration(proxyBeanMethods = false)
    @EnableScheduling
    static class Scheduling {
    }
}
