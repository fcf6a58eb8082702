package com.llmbackup.retention;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import com.llmbackup.backup.ClockCheck;
import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupHistory;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupLog;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.LeaseManager;
import com.llmbackup.catalog.LeaseWaitTimeoutException;
import com.llmbackup.catalog.Manifest;
import com.llmbackup.catalog.OwnerLiveness;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.config.Text;
import com.llmbackup.offsite.OffsiteRetention;
import com.llmbackup.restore.KeptDatabases;
import com.llmbackup.wal.WalArchive;
import com.llmbackup.wal.WalSegment;
import org.springframework.stereotype.Service;

/**
 * The runbook's cleanup-old-backups.sh without its defects: every set is decided by the
 * retention rules, deleted as a whole unit with its reason logged, under the same lock as
 * the backup runs. A dry run decides and reports, and deletes nothing.
 */
@Service
public class CleanupService {

    private final BackupProperties properties;
    private final BackupCatalog catalog;
    private final LeaseManager leases;
    private final BackupHistory history;
    private final BackupLog backupLog;
    private final RetentionPlanner planner;
    private final OwnerLiveness liveness;
    private final OffsiteRetention offsite;
    private final ClockCheck clockCheck;
    private final WalArchive wal;
    private final KeptDatabases keptDatabases;

    public CleanupService(BackupProperties properties, BackupCatalog catalog, LeaseManager leases, BackupHistory history,
                          BackupLog backupLog, RetentionPlanner planner, OwnerLiveness liveness,
                          OffsiteRetention offsite, ClockCheck clockCheck, WalArchive wal, KeptDatabases keptDatabases) {
        this.clockCheck = clockCheck;
        this.wal = wal;
        this.keptDatabases = keptDatabases;
        this.offsite = offsite;
        this.liveness = liveness;
        this.properties = properties;
        this.catalog = catalog;
        this.leases = leases;
        this.history = history;
        this.backupLog = backupLog;
        this.planner = planner;
    }

    public long begin(String owner) {
        return history.runningRun(owner, RunKind.CLEANUP).map(HistoryEntry::id).orElseGet(() -> history.start(RunKind.CLEANUP, owner));
    }

    /** The cleanup's history row for the steps after the lock: found by its own instance, never by a variable. */
    public long runOf(String owner) {
        return history.newestOwned(owner, RunKind.CLEANUP).map(HistoryEntry::id)
                .orElseThrow(() -> new IllegalStateException("Process instance " + owner + " has no cleanup in the history: "
                        + "its lock step records it first."));
    }

    /** Takes the lock on the backup root, or says it is busy; gives up after {@code backup.lock.max-wait}. */
    public boolean acquire(String owner, Instant waitingSince, Instant now) {
        // before the lock, as a backup run does: a clock ahead judges another orchestrator's renewals lapsed,
        // and the takeover's recover() would clear what that run is writing
        clockCheck.check(Text.of("clock.unchanged.lockNotTaken"));
        LeaseManager.Attempt attempt = leases.tryAcquire(owner, RunKind.CLEANUP.label());
        if (attempt.busy()) {
            LeaseWaitTimeoutException.check(waitingSince, properties.lock().maxWait(), now, attempt.holder(), backupLog.texts());
            return false;
        }
        catalog.recover(attempt.lease());
        return true;
    }

    /** Every set with its decision, in catalog order; ages come from the clock, so it must be one to trust. */
    public List<RetentionPlanner.Decision> plan(RetentionRules rules) {
        clockCheck.check(Text.of("clock.unchanged.notDecided"));
        return planner.plan(catalog.list(), rules, heldByOpenRestores());
    }

    /** The WAL on disk decided after the sets (docs/wal.md): what the sets kept decides which WAL a recovery still needs. */
    public List<RetentionPlanner.WalDecision> planWal(List<RetentionPlanner.Decision> setDecisions, RetentionRules rules) {
        return planner.planWal(setDecisions, wal.list(), rules);
    }

    /** The sets open restores still need: each one's source and its safety set (an automatic pin, gone when it ends). */
    public Map<String, String> heldByOpenRestores() {
        Map<String, String> held = new HashMap<>();
        for (HistoryEntry run : history.list()) {
            if (run.kind() != RunKind.RESTORE || !run.status().open()) {
                continue;
            }
            if (liveness.of(run.processInstanceId()) == OwnerLiveness.State.ENDED) {
                // its process instance was deleted while it waited: it holds nothing any more
                String step = run.problems().failedStep();
                history.fail(run.id(), step == null ? "unknown" : step, Text.of("cleanup.restoreGone", run.processInstanceId()));
                continue;
            }
            String why = "needed by restore run " + run.id() + " (" + run.status().name() + ", process instance " + run.processInstanceId() + ")";
            if (run.request().source() != null) {
                held.put(run.request().source(), why);
            }
            history.listByOwner(run.processInstanceId()).stream()
                    .filter(e -> e.kind() == RunKind.SAFETY && e.status() == RunStatus.COMPLETED && e.backupId() != null)
                    .forEach(e -> held.put(BackupKind.SAFETY.dir() + "/" + e.backupId(), why));
        }
        return held;
    }

    /** Deletes the planned sets that still exist; logs each with its reason and the total freed. */
    public Result delete(List<PlannedDeletion> deletions, String owner, long runId) {
        LeaseManager.Lease lease = leases.resume(owner);
        // the plan was made under the clock checked then: the clock may have stepped since
        clockCheck.check(Text.of("clock.unchanged.notDeleted"));
        long freed = 0;
        List<String> done = new ArrayList<>();
        for (PlannedDeletion planned : deletions) {
            if (WAL.equals(planned.kind())) {
                Optional<String> line = deleteWal(RetentionPlanner.WalRange.parse(planned.id()), planned.reason());
                line.ifPresent(done::add);
                continue;
            }
            Optional<BackupSet> set = catalog.find(BackupKind.fromDir(planned.kind()), BackupSetId.parse(planned.id()));
            if (set.isEmpty()) {
                continue;
            }
            long bytes = catalog.delete(set.get(), lease);
            freed += bytes;
            String line = text("cleanup.deleted", set.get().label(), planned.reason(), human(bytes));
            done.add(line);
            backupLog.write(line);
        }
        backupLog.write(Text.of("log.cleanup.done", done.size(), human(freed)));
        leases.resume(owner);
        keptDatabases(false, runId);
        offsiteRetention(false, runId);
        finish(runId, done, freed);
        return new Result(done.size(), freed, done);
    }

    /**
     * Deletes the segments of a planned range that are still there (every timeline, never the one
     * being written) and the receipts of deleted segments; one log line with the reason.
     */
    private Optional<String> deleteWal(RetentionPlanner.WalRange range, String reason) {
        WalArchive.Listing listing = wal.list();
        long first = WalSegment.parse(range.first(), listing.segmentSize()).orElseThrow().number();
        long last = WalSegment.parse(range.last(), listing.segmentSize()).orElseThrow().number();
        List<WalArchive.WalFile> files = listing.segments().stream()
                .filter(f -> f.segment().number() >= first && f.segment().number() <= last)
                .filter(f -> !(f.segment().partial() && !f.preGap()))
                .toList();
        if (files.isEmpty()) {
            return Optional.empty();
        }
        long freed = wal.delete(files);
        wal.pruneReceipts(wal.list().segments().stream().map(f -> f.segment().name(listing.segmentSize())).toList());
        String line = text("cleanup.deletedWal", range.first(), range.last(), files.size(), reason, human(freed));
        backupLog.write(line);
        return Optional.of(line);
    }

    /** A dry run: what would be deleted and why, nothing touched. */
    public Result dryRun(List<PlannedDeletion> deletions, long runId) {
        List<String> lines = deletions.stream().map(d -> WAL.equals(d.kind())
                ? text("cleanup.wouldDeleteWal", RetentionPlanner.WalRange.parse(d.id()).first(), RetentionPlanner.WalRange.parse(d.id()).last(), d.reason())
                : text("cleanup.wouldDelete", d.kind() + "/" + d.id(), d.reason())).toList();
        lines.forEach(backupLog::write);
        backupLog.write(Text.of("log.cleanup.dryRun", lines.size()));
        keptDatabases(true, runId);
        offsiteRetention(true, runId);
        finish(runId, lines, 0);
        return new Result(0, 0, lines);
    }

    public void release(String owner) {
        leases.release(owner);
    }

    public void fail(long runId, String owner, String step, String message) {
        history.fail(runId, step, message);
        backupLog.write(Text.of("log.run.failedAt", RunKind.CLEANUP.titleText(), step, message));
        leases.release(owner);
    }

    /**
     * The databases restores left beside the live one (kept for an undo, or a copy never swapped
     * in): dropped when their time is over, each with its reason in the log and the run's details.
     * A server that cannot be reached is a warning, not a failed cleanup.
     */
    private void keptDatabases(boolean dryRun, long runId) {
        heldByOpenRestores(); // fails the rows of restores whose instance is gone first: they keep nothing
        try {
            for (KeptDatabases.Line line : keptDatabases.apply(dryRun)) {
                history.addDetail(runId, line.text());
                if (!line.kept()) {
                    backupLog.write(line.text());
                }
            }
        } catch (RuntimeException e) {
            String warning = text("cleanup.keptDatabasesUnchecked", e.getMessage());
            backupLog.write(Text.of("log.run.warning", RunKind.CLEANUP.titleText(), warning));
            history.addWarning(runId, warning);
        }
    }

    /**
     * The offsite copies' own GFS retention (each forgotten copy logged with its reason, in
     * the run's details); a repository that cannot be reached is a warning, not a failed cleanup.
     */
    private void offsiteRetention(boolean dryRun, long runId) {
        try {
            offsite.apply(dryRun).forEach(line -> history.addDetail(runId, line));
        } catch (RuntimeException e) {
            String warning = text("cleanup.offsiteRetentionFailed", e.getMessage());
            backupLog.write(Text.of("log.run.warning", RunKind.CLEANUP.titleText(), warning));
            history.addWarning(runId, warning);
        }
    }

    private void finish(long runId, List<String> lines, long freed) {
        lines.forEach(line -> history.addWarning(runId, line));
        history.complete(runId, null, new Manifest.Stats(freed, lines.size(), 0, 0));
    }

    /** A line for the log and the run's details, in backup.language. */
    private String text(String key, Object... args) {
        return backupLog.texts().render(key, args);
    }

    static String human(long bytes) {
        return String.format(Locale.ROOT, "%.2f GB", bytes / 1e9);
    }

    /** The kind of a planned deletion of WAL segments (its id: {@code first..last}). */
    public static final String WAL = "wal";

    /** One set the plan deletes (or, kind {@code wal}, a range of WAL segments), with the table's reason. */
    public record PlannedDeletion(String kind, String id, String reason) {
    }

    public record Result(int setsDeleted, long bytesFreed, List<String> lines) {
    }
}
