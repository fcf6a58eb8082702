package com.llmbackup.restore;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;

import com.llmbackup.catalog.BackupHistory;
import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.postgres.DatabaseNames;
import com.llmbackup.postgres.DatabaseRestorer;
import org.springframework.stereotype.Service;

/**
 * The databases restores leave beside the live one: the one a restore replaced
 * ({@code <db>__before_<run>}, kept {@code backup.restore.keep-previous} for an undo) and a copy
 * a restore that ended never swapped in ({@code <db>__restoring_<run>}). The cleanup drops them
 * when their time is over, each with its reason, never while a restore that could use one is
 * open (its roll back, or an undo of it, waiting for an operator).
 */
@Service
public class KeptDatabases {

    private final BackupProperties properties;
    private final DatabaseRestorer databases;
    private final BackupHistory history;
    private final FrozenPlans plans;
    private final Clock clock;

    public KeptDatabases(BackupProperties properties, DatabaseRestorer databases, BackupHistory history, FrozenPlans plans, Clock clock) {
        this.properties = properties;
        this.databases = databases;
        this.history = history;
        this.plans = plans;
        this.clock = clock;
    }

    /** One database of ours and what the cleanup does with it, and why. */
    public record Decision(String database, boolean drop, String reason) {
    }

    /** Every database of ours on the server, decided. */
    public List<Decision> plan() {
        String live = properties.database().name();
        List<HistoryEntry> restores = history.list().stream().filter(e -> e.kind() == RunKind.RESTORE).toList();
        Set<Long> undoneByOpen = restores.stream().filter(e -> e.status().open())
                .map(e -> plans.frozenRequest(e.id()).map(RestoreRequest::undoRestoreOf).orElse(null))
                .filter(id -> id != null).collect(Collectors.toSet());
        List<Decision> out = new ArrayList<>();
        for (String db : databases.databases()) {
            OptionalLong previous = DatabaseNames.previousRun(live, db);
            OptionalLong copy = DatabaseNames.restoringRun(live, db);
            if (previous.isEmpty() && copy.isEmpty()) {
                continue;
            }
            long runId = previous.isPresent() ? previous.getAsLong() : copy.getAsLong();
            Optional<HistoryEntry> run = restores.stream().filter(e -> e.id() == runId).findFirst();
            out.add(decide(db, previous.isPresent(), runId, run, undoneByOpen.contains(runId), clock.instant(),
                    properties.restore().keepPrevious()));
        }
        return out;
    }

    /** The rule for one database (pure). */
    static Decision decide(String db, boolean previous, long runId, Optional<HistoryEntry> run, boolean undoWaits, Instant now,
                           Duration keep) {
        if (run.isEmpty()) {
            return new Decision(db, false, "Kept " + db + ": no restore run " + runId + " in the history (drop it by hand when it is "
                    + "not needed: DROP DATABASE \"" + db + "\")");
        }
        HistoryEntry r = run.get();
        if (r.status().open()) {
            return new Decision(db, false, "Kept " + db + ": restore run " + runId + " is open (" + r.status().name() + ")"
                    + (previous ? ", its roll back swaps it back" : ", it is its copy"));
        }
        if (!previous) {
            return new Decision(db, true, "Dropped " + db + ": the copy of restore run " + runId + ", which ended (" + r.status().name()
                    + ") without swapping it in");
        }
        if (undoWaits) {
            return new Decision(db, false, "Kept " + db + ": an undo of restore run " + runId + " is open");
        }
        Instant ended = r.endedAt() == null ? r.startedAt() : r.endedAt();
        Instant until = ended.plus(keep);
        if (now.isBefore(until)) {
            return new Decision(db, false, "Kept " + db + " until " + until + " for an undo of restore run " + runId
                    + " (backup.restore.keep-previous " + keep + ")");
        }
        return new Decision(db, true, "Dropped " + db + ": the database restore run " + runId + " replaced, kept " + keep
                + " after the run ended at " + ended + " (backup.restore.keep-previous)");
    }

    /** Drops what the plan drops (nothing on a dry run); returns a line per database, as the log and the run's details keep them. */
    public List<String> apply(boolean dryRun) {
        List<String> lines = new ArrayList<>();
        for (Decision d : plan()) {
            if (!d.drop()) {
                lines.add(d.reason());
            } else if (dryRun) {
                lines.add("Would drop " + d.reason().substring("Dropped ".length()));
            } else {
                try {
                    databases.drop(d.database());
                    lines.add(d.reason());
                } catch (RuntimeException e) {
                    lines.add("Could not drop " + d.database() + ": " + e.getMessage());
                }
            }
        }
        return lines;
    }
}
