package com.llmbackup.restore;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

import com.llmbackup.catalog.BackupHistory;
import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.config.Text;
import com.llmbackup.postgres.DatabaseRestorer;
import org.springframework.stereotype.Service;

/**
 * The undo of a completed restore ({@code undoRestoreOf}): within {@code backup.restore.keep-previous}
 * of its end, the database it swapped out is swapped back and the uploads restored from its safety
 * set; a restore of its own (same guard, approval, safety backup), found and checked here. Only the
 * newest restore of the live database can be undone: undoing an older one would throw away the
 * restores after it.
 */
@Service
public class RestoreUndo {

    private final BackupHistory history;
    private final RestoreRuns runs;
    private final FrozenPlans plans;
    private final DatabaseRestorer databases;
    private final BackupProperties properties;
    private final Clock clock;

    public RestoreUndo(BackupHistory history, RestoreRuns runs, FrozenPlans plans, DatabaseRestorer databases, BackupProperties properties,
                       Clock clock) {
        this.history = history;
        this.runs = runs;
        this.plans = plans;
        this.databases = databases;
        this.properties = properties;
        this.clock = clock;
    }

    /**
     * The undo {@code request} (of restore run {@code undoRestoreOf}) made concrete: the undone
     * run's safety set and halves. Refused ({@link RestoreRefusedException}) when that run cannot
     * be undone now, saying why and what to do instead. {@code selfRunId} is the undo's own run.
     */
    public RestoreRequest plan(RestoreRequest request, long selfRunId) {
        long target = request.undoRestoreOf();
        HistoryEntry run = history.find(target).filter(e -> e.kind() == RunKind.RESTORE)
                .orElseThrow(() -> refused("There is no restore run " + target + " to undo (undoRestoreOf is the runId of a completed restore in "
                        + "/api/backups?kind=restore)."));
        RestoreRequest done = plans.frozenRequest(target).orElseThrow(() -> refused("Restore run " + target + " never passed its guard: "
                + "it changed nothing to undo."));
        String safety = plans.safetySet(target).orElse(null);
        Optional<Text> why = RestoreGuard.undo(target, run.status(), runs.rollingBack(target), done.sideBySide(), done.restoreDatabase(),
                runs.method(target).orElse(null), runs.previousDatabase(target).filter(databases::exists).isPresent(),
                keptUntil(run).orElse(null), clock.instant(), laterRestore(target, selfRunId), safety);
        why.ifPresent(w -> {
            throw refused(w);
        });
        return request.undoing(safety, true, done.restoreUploads());
    }

    /**
     * After the approval, before anything changes: the undone run is still the newest restore of
     * the live database. The approval waits without the lock, so another restore may have run in
     * the meantime; swapping the undone run's database back now would throw that one away.
     */
    public void requireNewest(long undone, long selfRunId) {
        String later = laterRestore(undone, selfRunId);
        if (later != null) {
            throw new IllegalStateException("While this undo of restore run " + undone + " waited for its approval, " + later
                    + " replaced the live database: swapping back the database from before run " + undone + " would throw that one away. "
                    + "Nothing was changed; close this undo, and undo the newer restore instead if that is what you want.");
        }
    }

    /** Until when a completed restore can be undone (for the page and /api/backups), if it can: from the history alone. */
    public Optional<Instant> undoableUntil(HistoryEntry run) {
        if (run.kind() != RunKind.RESTORE || run.status() != RunStatus.COMPLETED || runs.previousDatabase(run.id()).isEmpty()) {
            return Optional.empty();
        }
        return keptUntil(run).filter(until -> until.isAfter(clock.instant())).filter(until -> laterRestore(run.id(), -1) == null);
    }

    private Optional<Instant> keptUntil(HistoryEntry run) {
        return Optional.ofNullable(run.endedAt()).map(end -> end.plus(properties.restore().keepPrevious()));
    }

    /**
     * A restore after {@code runId} that replaced (or is replacing) the live database, described;
     * null when none. After means started later, or ended later: ids follow the starts, and one
     * started earlier may have waited for its approval and swapped after {@code runId}; an open one
     * counts whatever its id.
     */
    private String laterRestore(long runId, long selfRunId) {
        Instant ended = history.find(runId).map(HistoryEntry::endedAt).orElse(null);
        return history.list().stream()
                .filter(e -> e.kind() == RunKind.RESTORE && e.id() != runId && e.id() != selfRunId)
                .filter(e -> e.id() > runId || e.status().open() || ended == null
                        || (e.endedAt() != null && e.endedAt().isAfter(ended)))
                .filter(e -> plans.frozenRequest(e.id()).filter(p -> p.restoreDatabase() && !p.sideBySide()).isPresent())
                .filter(e -> e.status() == RunStatus.COMPLETED || e.status().open() || (e.status() == RunStatus.FAILED
                        && !runs.rollingBack(e.id()) && (runs.previousDatabase(e.id()).isPresent()
                        || runs.method(e.id()).filter(DatabaseHalf.IN_PLACE::equals).isPresent())))
                .map(e -> "restore run " + e.id() + " (" + e.status().name() + ", " + e.request().source() + ")")
                .findFirst().orElse(null);
    }

    private static RestoreRefusedException refused(String message) {
        return new RestoreRefusedException(message + " Nothing was changed; the application was not stopped.", null);
    }

    private RestoreRefusedException refused(Text why) {
        return new RestoreRefusedException(Text.of("restore.refused.nothingChanged", why), history.texts(), null);
    }
}
