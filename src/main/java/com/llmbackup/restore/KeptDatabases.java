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
import com.llmbackup.config.Text;
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

    /** One database of ours and what the cleanup does with it, and why (a dropped one's reason is {@code kept.dropped}). */
    public record Decision(String database, boolean drop, Text reason) {
    }

    /** A line of the cleanup's details: {@code kept} when the database stays (the log leaves those out). */
    public record Line(Text text, boolean kept) {
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
            return new Decision(db, false, Text.of("kept.noRun", db, runId));
        }
        HistoryEntry r = run.get();
        if (r.status().open()) {
            return new Decision(db, false, Text.of(previous ? "kept.openPrevious" : "kept.openCopy", db, runId, r.status().name()));
        }
        if (!previous) {
            return new Decision(db, true, Text.of("kept.dropped", db, Text.of("kept.copyEnded", runId, r.status().name())));
        }
        if (undoWaits) {
            return new Decision(db, false, Text.of("kept.undoOpen", db, runId));
        }
        Instant ended = r.endedAt() == null ? r.startedAt() : r.endedAt();
        Instant until = ended.plus(keep);
        if (now.isBefore(until)) {
            return new Decision(db, false, Text.of("kept.until", db, until, runId, keep));
        }
        return new Decision(db, true, Text.of("kept.dropped", db, Text.of("kept.replacedExpired", runId, keep, ended)));
    }

    /** Drops what the plan drops (nothing on a dry run); returns a line per database, as the log and the run's details keep them. */
    public List<Line> apply(boolean dryRun) {
        List<Line> lines = new ArrayList<>();
        for (Decision d : plan()) {
            if (!d.drop()) {
                lines.add(new Line(d.reason(), true));
            } else if (dryRun) {
                // kept.dropped's arguments, said as what would be done
                lines.add(new Line(Text.of("kept.wouldDrop", d.reason().args().toArray()), false));
            } else {
                try {
                    databases.drop(d.database());
                    lines.add(new Line(d.reason(), false));
                } catch (RuntimeException e) {
                    lines.add(new Line(Text.of("kept.dropFailed", d.database(), e.getMessage()), false));
                }
            }
        }
        return lines;
    }
}
