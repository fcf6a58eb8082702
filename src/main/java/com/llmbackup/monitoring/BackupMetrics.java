package com.llmbackup.monitoring;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import com.llmbackup.catalog.BackupHistory;
import com.llmbackup.catalog.BackupHistory.KindStats;
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
 * ({@code llm_backup_runs_total{kind="restore",status="REJECTED"}}).
 */
@Component
class BackupMetrics implements MeterBinder {

    static final List<String> KINDS = List.of("daily", "weekly", "safety", "cleanup", "restore", "drill");
    static final List<String> STATUSES = List.of(BackupHistory.COMPLETED, BackupHistory.FAILED, BackupHistory.REJECTED,
            BackupHistory.REFUSED);

    private final BackupHistory history;
    private final Clock clock;
    private volatile Map<String, KindStats> cached = Map.of();
    private volatile Instant cachedAt = Instant.EPOCH;

    BackupMetrics(BackupHistory history, Clock clock) {
        this.history = history;
        this.clock = clock;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (String kind : KINDS) {
            gauge(registry, "llm.backup.last.success.timestamp", kind, "seconds", "End of the newest successful run",
                    s -> s.lastCompleted() == null ? Double.NaN : s.lastCompleted().endedAt().toEpochMilli() / 1000.0);
            gauge(registry, "llm.backup.last.duration", kind, "seconds", "Duration of the newest successful run",
                    s -> s.lastCompleted() == null ? Double.NaN
                            : Duration.between(s.lastCompleted().startedAt(), s.lastCompleted().endedAt()).toMillis() / 1000.0);
            gauge(registry, "llm.backup.last.size", kind, "bytes", "Bytes written by the newest successful run",
                    s -> s.lastCompleted() == null || s.lastCompleted().bytes() == null ? Double.NaN : s.lastCompleted().bytes());
            FunctionCounter.builder("llm.backup.failures", this, m -> m.count(kind, BackupHistory.FAILED))
                    .tag("kind", kind).description("Runs that failed").register(registry);
            for (String status : STATUSES) {
                FunctionCounter.builder("llm.backup.runs", this, m -> m.count(kind, status))
                        .tags("kind", kind, "status", status).description("Runs by outcome").register(registry);
            }
        }
    }

    private void gauge(MeterRegistry registry, String name, String kind, String unit, String description, ToDoubleFunction<KindStats> value) {
        Gauge.builder(name, this, m -> {
            KindStats s = m.stats().get(kind);
            return s == null ? Double.NaN : value.applyAsDouble(s);
        }).tag("kind", kind).baseUnit(unit).description(description).register(registry);
    }

    private double count(String kind, String status) {
        KindStats s = stats().get(kind);
        return s == null ? 0 : s.countsByStatus().getOrDefault(status, 0L);
    }

    private Map<String, KindStats> stats() {
        Instant now = clock.instant();
        if (Duration.between(cachedAt, now).toSeconds() >= 5) {
            Map<String, KindStats> fresh = new java.util.HashMap<>();
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
