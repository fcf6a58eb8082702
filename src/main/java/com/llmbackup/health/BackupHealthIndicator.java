package com.llmbackup.health;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupHistory;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.catalog.VolumeUsage;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.config.Text;
import com.llmbackup.config.Texts;
import com.llmbackup.wal.WalReceiver;
import com.llmbackup.wal.WalReceiverStatus;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * The {@code backup} component of {@code /actuator/health}: DOWN when the newest complete
 * backup (daily or weekly) is older than {@code backup.rpo} plus a 2 hour margin, or the
 * backup volume is fuller than {@code backup.volume.max-used-percent}, or the restore drills say
 * the backups are not proven ({@link DrillHealth}: the latest drill failed, or none passed for
 * {@code backup.drill.max-age}), or a set is dated later than this clock (never counted as the
 * newest: see {@link BackupSet#fromTheFuture}), or WAL streaming is behind or cannot write
 * ({@link WalHealth}); the details say which, and the effective RPO (the WAL lag while streaming,
 * the newest dump's age otherwise).
 */
@Component("backup")
public class BackupHealthIndicator implements HealthIndicator {

    static final Duration MARGIN = Duration.ofHours(2);

    private final BackupCatalog catalog;
    private final BackupProperties properties;
    private final Clock clock;
    private final BackupHistory history;
    private final WalReceiver wal;
    private final WalHealth walHealth;

    /** Without the history (unit tests of the RPO and volume rules): no drill rule. */
    private final Texts texts;

    public BackupHealthIndicator(BackupCatalog catalog, BackupProperties properties, Clock clock) {
        this(catalog, properties, clock, null, null, null);
    }

    public BackupHealthIndicator(BackupCatalog catalog, BackupProperties properties, Clock clock, BackupHistory history) {
        this(catalog, properties, clock, history, null, null);
    }

    @Autowired
    public BackupHealthIndicator(BackupCatalog catalog, BackupProperties properties, Clock clock, BackupHistory history,
                                 WalReceiver wal, WalHealth walHealth) {
        this.catalog = catalog;
        // details in backup.language: built here, so the constructors stay as their callers know them
        this.texts = Texts.of(properties.language());
        this.properties = properties;
        this.clock = clock;
        this.history = history;
        this.wal = wal;
        this.walHealth = walHealth;
    }

    @Override
    public Health health() {
        Map<String, Object> details = new LinkedHashMap<>();
        boolean down = false;
        Optional<BackupSet> newest = newestComplete();
        Instant now = clock.instant();
        List<String> future = fromTheFuture();
        if (!future.isEmpty()) {
            details.put("clock", texts.render("health.clock", now, String.join(", ", future)));
            down = true;
        }
        if (newest.isEmpty()) {
            details.put("newestBackup", texts.render("health.newestBackup.none"));
            down = true;
        } else {
            Instant when = completedAt(newest.get());
            Duration age = Duration.between(when, now);
            details.put("newestBackup", newest.get().label());
            details.put("newestBackupCompletedAt", when.toString());
            details.put("newestBackupAgeHours", age.toHours());
            Optional<Text> breach = rpoBreach();
            if (breach.isPresent()) {
                details.put("rpo", texts.render("health.rpo.breached", breach.get()));
                down = true;
            }
        }
        try {
            long percent = VolumeUsage.of(catalog.root()).usedPercent();
            details.put("volumeUsedPercent", percent);
            if (percent > properties.volume().maxUsedPercent()) {
                details.put("volume", texts.render("health.volume.full", percent, properties.volume().maxUsedPercent()));
                down = true;
            }
        } catch (IOException e) {
            details.put("volume", texts.render("health.volume.unreadable", e.getMessage()));
            down = true;
        }
        if (wal != null && walHealth != null && walDetails(details, newest, now)) {
            down = true;
        }
        if (history != null) {
            DrillHealth.Facts facts = drillFacts();
            facts.latestDrill().stream().findFirst().ifPresent(r -> details.put("lastDrill", facts.latestDrill().stream()
                    .map(e -> (e.request().source() == null ? "run " + e.id() : e.request().source()) + " " + e.status().name()).toList()));
            details.put("lastPassedDrill", facts.lastPassed() == null ? "none" : facts.lastPassed().toString());
            Optional<String> drill = DrillHealth.down(facts, now, properties.drill().maxAge());
            if (drill.isPresent()) {
                details.put("drill", drill.get());
                down = true;
            }
        }
        return (down ? Health.down() : Health.up()).withDetails(details).build();
    }

    /** The receiver's state and the effective RPO in the details; true when streaming makes the health DOWN. */
    private boolean walDetails(Map<String, Object> details, Optional<BackupSet> newest, Instant now) {
        WalReceiverStatus status = wal.status();
        Optional<Duration> dumpAge = newest.map(s -> Duration.between(completedAt(s), now));
        walHealth.effectiveRpoSeconds(status, dumpAge).ifPresent(rpo -> details.put("effectiveRpoSeconds", rpo));
        details.put("rpoFrom", wal.enabled() && status.streaming() ? "wal" : "dump");
        if (!wal.enabled()) {
            return false;
        }
        details.put("wal", status.state().name() + (status.message() == null ? "" : ": " + status.message()));
        if (status.lastReceivedAt() != null) {
            details.put("walLastReceivedAt", status.lastReceivedAt().toString());
        }
        if (status.lagSeconds() != null) {
            details.put("walLagSeconds", status.lagSeconds());
        }
        Optional<String> problem = walHealth.volumeFull(status).or(() -> walHealth.lagBreach(status));
        problem.ifPresent(p -> details.put("walProblem", p));
        walHealth.slotBreach(status).ifPresent(p -> details.put("walSlot", p));
        return problem.isPresent();
    }

    /** The drills' facts from the history: the rows of the newest drill that ended a row, the last passed one, the oldest backup. */
    DrillHealth.Facts drillFacts() {
        List<HistoryEntry> drills = history.page(RunKind.DRILL, null, null, null, 0, 200).items();
        List<HistoryEntry> latest = drills.stream().filter(e -> e.endedAt() != null)
                .max(Comparator.comparing(HistoryEntry::endedAt).thenComparing(HistoryEntry::id))
                .map(e -> drills.stream().filter(d -> Objects.equals(d.processInstanceId(), e.processInstanceId())).toList())
                .orElse(List.of());
        Instant lastPassed = history.page(RunKind.DRILL, RunStatus.COMPLETED, null, null, 0, 1).items().stream()
                .map(HistoryEntry::endedAt).filter(Objects::nonNull).findFirst().orElse(null);
        Instant oldest = catalog.list().stream().filter(s -> s.status() == BackupSet.Status.COMPLETE && s.kind().scheduled())
                .map(this::completedAt).min(Comparator.naturalOrder()).orElse(null);
        return new DrillHealth.Facts(latest, lastPassed, oldest);
    }

    /** Why the RPO is breached now (no complete backup, or the newest is too old), or empty when it holds. */
    public Optional<Text> rpoBreach() {
        Optional<BackupSet> newest = newestComplete();
        if (newest.isEmpty()) {
            return Optional.of(Text.of("health.rpo.noBackup", catalog.root()));
        }
        Duration age = Duration.between(completedAt(newest.get()), clock.instant());
        if (age.compareTo(properties.rpo().plus(MARGIN)) > 0) {
            return Optional.of(Text.of("health.rpo.tooOld", newest.get().label(), age.toHours(), properties.rpo().toHours(), MARGIN.toHours()));
        }
        return Optional.empty();
    }

    /** The newest complete daily or weekly set; one dated later than this clock is none: its age is unknown. */
    private Optional<BackupSet> newestComplete() {
        Instant now = clock.instant();
        return catalog.list().stream()
                .filter(s -> s.status() == BackupSet.Status.COMPLETE && s.kind().scheduled())
                .filter(s -> !s.fromTheFuture(now, properties.clock().maxSkew(), clock.getZone()))
                .max(Comparator.comparing(this::completedAt));
    }

    private List<String> fromTheFuture() {
        Instant now = clock.instant();
        return catalog.list().stream()
                .filter(s -> s.restorable() && s.fromTheFuture(now, properties.clock().maxSkew(), clock.getZone()))
                .map(s -> s.label() + " (" + completedAt(s) + ")").toList();
    }

    private Instant completedAt(BackupSet set) {
        if (set.manifest() != null && set.manifest().completedAt() != null) {
            return set.manifest().completedAt();
        }
        // a manifest without a completion time: the end of its day
        return set.date().plusDays(1).atStartOfDay(clock.getZone()).toInstant();
    }
}
