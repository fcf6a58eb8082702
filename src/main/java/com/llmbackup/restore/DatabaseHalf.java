package com.llmbackup.restore;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.llmbackup.config.BackupProperties;
import com.llmbackup.config.Text;
import com.llmbackup.postgres.DatabaseNames;
import com.llmbackup.postgres.DatabaseRestorer;
import org.springframework.stereotype.Component;

/**
 * The database half of a restore, by its method. In place by default: the dump restored beside
 * the live database ({@code <db>__restoring_<run>}) and checked while the application still runs,
 * then, with the application stopped, swapped in by one transaction, the live database kept as
 * {@code <db>__before_<run>} for {@code backup.restore.keep-previous}. The live name points at the
 * old or the new database at every instant, and the server's catalog says which: the kept name
 * exists once the swap committed, a checked copy is closed to connections. A roll back swaps the
 * kept database back, an undo of a completed restore too. Side by side, the copy stays under its
 * own name; the old way ({@code in-place}) runs {@code pg_restore --clean} into the live database.
 */
@Component
public class DatabaseHalf {

    static final String SWAP = "swap";
    static final String IN_PLACE = "in-place";
    static final String UNDO = "undo";

    private final BackupProperties properties;
    private final DatabaseRestorer databases;
    private final RestoreRecorder recorder;
    private final RestoreRuns runs;

    public DatabaseHalf(BackupProperties properties, DatabaseRestorer databases, RestoreRecorder recorder, RestoreRuns runs) {
        this.properties = properties;
        this.databases = databases;
        this.recorder = recorder;
        this.runs = runs;
    }

    String live() {
        return properties.database().name();
    }

    /**
     * Task_RestoreBeside: the copy restored and checked beside the live database, which is not
     * touched (the application keeps running). A checked copy of this run is kept as it is (a
     * step run again); a partial one is dropped first. A failure drops the copy.
     */
    void restoreBeside(RestoreRequest plan, RestoreInspector.Source source, long runId) {
        String beside = DatabaseNames.restoring(live(), runId);
        runs.setMethod(runId, SWAP);
        if (checkedCopy(runId)) {
            recorder.addDetail(runId, Text.of("detail.db.besideKept", beside));
            return;
        }
        discard(beside, runId);
        roles(source, runId);
        DatabaseRestorer.Result result = databases.restoreInto(source.dump(), beside, expectedRows(source)); // a failure drops it
        databases.close(beside); // checked: from now on nobody changes it, and the catalog says it is ready
        recordRestored(runId, Text.of("detail.db.step.beside", beside), true, result);
    }

    /** Task_RestoreData's database half, by the plan's method (the safety set's plan when rolling back). */
    void restore(RestoreRequest plan, RestoreInspector.Source source, long runId, boolean rollingBack) {
        if (plan.sideBySide()) {
            roles(source, runId);
            recordRestored(runId, Text.of("detail.db.step.side", plan.targetDatabase()), false,
                    databases.restoreInto(source.dump(), plan.targetDatabase(), expectedRows(source)));
            return;
        }
        if (rollingBack) {
            rollBack(plan, source, runId);
        } else if (plan.undo()) {
            undo(plan, runId);
        } else if (plan.inPlaceDatabase()) {
            runs.setMethod(runId, IN_PLACE);
            roles(source, runId);
            DatabaseRestorer.Result result = databases.restoreInPlace(source.dump(), live(), expectedRows(source));
            runs.addPhase(runId, "in place " + ApprovalText.seconds(result.restoreMillis()) + ", check " + ApprovalText.seconds(result.checkMillis()));
            recorder.addDetail(runId, Text.of("detail.db.inPlace", live(), ApprovalText.seconds(result.restoreMillis() + result.checkMillis()),
                    summary(result)));
            result.warnings().forEach(w -> recorder.addWarning(runId, w));
        } else {
            swapIn(plan, source, runId);
        }
    }

    private void swapIn(RestoreRequest plan, RestoreInspector.Source source, long runId) {
        String beside = DatabaseNames.restoring(live(), runId);
        String previous = DatabaseNames.previous(live(), runId);
        if (swapped(runId)) {
            if (databases.exists(previous)) {
                runs.setPreviousDatabase(runId, previous); // the swap committed, its record may not have
            }
            recorder.addDetail(runId, Text.of("detail.db.swappedBefore", previous));
            return;
        }
        if (!checkedCopy(runId)) {
            // a roll back's second line, or an interrupted copy: restored now, with the application stopped
            restoreBeside(plan, source, runId);
        }
        DatabaseRestorer.Swap swap = databases.swap(live(), beside, previous);
        if (!databases.exists(previous)) {
            recordSwap(runId, swap, Text.of("detail.db.swap.renamed", beside, live()));
            return;
        }
        runs.setPreviousDatabase(runId, previous);
        recordSwap(runId, swap, Text.of("detail.db.swap.in", beside, live(), previous, properties.restore().keepPrevious()));
    }

    /** Before the services stop: an undo's database to swap back must still be there (else it fails with nothing changed). */
    void requireUndoable(RestoreRequest plan) {
        String incoming = DatabaseNames.previous(live(), plan.undoRestoreOf());
        if (!databases.exists(incoming)) {
            throw new IllegalStateException("The database restore run " + plan.undoRestoreOf() + " replaced (" + incoming + ") is gone: "
                    + "the undo cannot swap it back. Nothing was changed; close this undo and restore safety/" + plan.backupId() + " instead.");
        }
    }

    /** An undo: the database the undone run replaced swapped back in; the one it restored kept as this run's previous. */
    private void undo(RestoreRequest plan, long runId) {
        runs.setMethod(runId, UNDO);
        String incoming = DatabaseNames.previous(live(), plan.undoRestoreOf());
        String outgoing = DatabaseNames.previous(live(), runId);
        if (databases.exists(outgoing)) {
            runs.setPreviousDatabase(plan.undoRestoreOf(), null); // the swap committed, its record may not have
            runs.setPreviousDatabase(runId, outgoing);
            recorder.addDetail(runId, Text.of("detail.db.undoSwappedBefore", outgoing, plan.undoRestoreOf()));
            return;
        }
        if (!databases.exists(incoming)) {
            throw new IllegalStateException("The database restore run " + plan.undoRestoreOf() + " replaced (" + incoming + ") is gone: "
                    + "the undo cannot swap it back. Nothing was changed in the database. Roll back, then restore safety/"
                    + plan.backupId() + " instead.");
        }
        DatabaseRestorer.Swap swap = databases.swap(live(), incoming, outgoing);
        runs.setPreviousDatabase(plan.undoRestoreOf(), null);
        runs.setPreviousDatabase(runId, outgoing);
        recordSwap(runId, swap, Text.of("detail.db.swap.undo", incoming, plan.undoRestoreOf(), live(), outgoing));
    }

    /**
     * The roll back's database half: the kept database swapped back when this run swapped; nothing
     * to do when it never did (its copy is dropped); the old way again for an in-place run; the
     * safety set restored beside and swapped in when the kept database is gone (the second line).
     */
    private void rollBack(RestoreRequest safety, RestoreInspector.Source source, long runId) {
        String beside = DatabaseNames.restoring(live(), runId);
        String previous = DatabaseNames.previous(live(), runId);
        if (safety.undo()) {
            String undone = DatabaseNames.previous(live(), safety.undoRestoreOf());
            if (databases.exists(previous)) {
                DatabaseRestorer.Swap swap = databases.swap(live(), previous, undone);
                runs.setPreviousDatabase(runId, null);
                runs.setPreviousDatabase(safety.undoRestoreOf(), undone);
                recordSwap(runId, swap, Text.of("detail.db.swap.rollBackUndo", previous, live(), safety.undoRestoreOf(), undone));
            } else {
                databases.reopen(live());
                recorder.addDetail(runId, Text.of("detail.db.rollBack.undoNotSwapped"));
            }
            return;
        }
        if (safety.inPlaceDatabase()) {
            roles(source, runId);
            DatabaseRestorer.Result result = databases.restoreInPlace(source.dump(), live(), expectedRows(source));
            recordRestored(runId, Text.of("detail.db.step.rollBackInPlace", live(), source.set().label()), false, result);
            return;
        }
        if (databases.exists(previous)) {
            discard(beside, runId);
            DatabaseRestorer.Swap swap = databases.swap(live(), previous, beside);
            runs.setPreviousDatabase(runId, null);
            recordSwap(runId, swap, Text.of("detail.db.swap.rollBack", previous, live()));
            discard(beside, runId);
        } else if (databases.exists(beside)) {
            // the restored database is not live (never swapped in, or swapped back by an attempt that stopped before dropping it)
            discard(beside, runId);
            databases.reopen(live());
            runs.setPreviousDatabase(runId, null);
            recorder.addDetail(runId, Text.of("detail.db.rollBack.copyDropped", live()));
        } else if (runs.previousDatabase(runId).isPresent()) {
            // swapped, and the database it replaced is gone since (dropped by hand): the safety set is the second line
            recorder.addWarning(runId, previous + " is gone: the database is rolled back from the safety set " + source.set().label() + " instead");
            discard(beside, runId);
            restoreBeside(safety, source, runId);
            DatabaseRestorer.Swap swap = databases.swap(live(), beside, previous);
            recordSwap(runId, swap, Text.of("detail.db.swap.rollBackSafety", source.set().label(), live()));
            databases.drop(previous);
            runs.setPreviousDatabase(runId, null);
        } else {
            discard(beside, runId);
            databases.reopen(live());
            recorder.addDetail(runId, Text.of("detail.db.rollBack.neverSwapped", live()));
        }
    }

    /**
     * This run's copy is restored and checked: closed to connections (the catalog) and its check
     * recorded in the run's row (a database of that name made by anyone else is never swapped in).
     */
    private boolean checkedCopy(long runId) {
        return databases.checked(DatabaseNames.restoring(live(), runId)) && runs.phases(runId).filter(p -> p.contains("check ")).isPresent();
    }

    /** Whether this run's swap committed: its kept database exists (the catalog), or it was recorded. */
    boolean swapped(long runId) {
        return databases.exists(DatabaseNames.previous(live(), runId)) || runs.previousDatabase(runId).isPresent();
    }

    /**
     * The copy of an interrupted or failed attempt dropped (its pg_restore sessions ended first),
     * and the live database open again in case the attempt stopped between closing it and the swap.
     */
    void discardCopy(long runId) {
        discard(DatabaseNames.restoring(live(), runId), runId);
        if (!swapped(runId)) {
            databases.reopen(live());
        }
    }

    /** What an operator deciding after an interruption or a failure reads about the database. */
    String state(RestoreRequest plan, long runId) {
        String live = live();
        if (plan.sideBySide()) {
            return "database: production's " + live + " was not touched";
        }
        if (plan.undo()) {
            return databases.exists(DatabaseNames.previous(live, runId))
                    ? "database: " + live + " is the database from before restore run " + plan.undoRestoreOf() + " (the undo swapped; "
                    + DatabaseNames.previous(live, runId) + " holds the one that run restored)"
                    : "database: " + live + " is the one restore run " + plan.undoRestoreOf() + " restored (the undo has not swapped)";
        }
        if (plan.inPlaceDatabase()) {
            return "database: " + live + " restored in place (pg_restore --clean, as asked): it may be half restored";
        }
        String beside = DatabaseNames.restoring(live, runId);
        if (swapped(runId)) {
            return "database: " + live + " is the restored database (swapped in; the one from before is kept as "
                    + DatabaseNames.previous(live, runId) + ")";
        }
        boolean exists = databases.exists(beside);
        return "database: " + live + " is the database from before the restore, untouched" + (!exists ? ""
                : databases.checked(beside) ? " (the checked copy " + beside + " waits to be swapped in)"
                : " (the partial copy " + beside + " is dropped and made again by again, dropped by roll back and close)");
    }

    /** The pg_restore sessions a killed attempt left on the live database and this run's copy. */
    List<String> leftoverSessions(RestoreRequest plan, long runId) {
        List<String> out = new ArrayList<>();
        for (String db : databasesOf(plan, runId)) {
            databases.restoreSessions(db).forEach(s -> out.add(db + ": " + s));
        }
        return out;
    }

    /** Ends those sessions (closing the restore must not leave one writing); returns them. */
    List<String> endLeftoverSessions(RestoreRequest plan, long runId) {
        List<String> out = new ArrayList<>();
        for (String db : databasesOf(plan, runId)) {
            if (databases.exists(db)) {
                databases.endRestoreSessions(db).forEach(s -> out.add(db + ": " + s));
            }
        }
        return out;
    }

    private List<String> databasesOf(RestoreRequest plan, long runId) {
        if (plan.sideBySide()) {
            return List.of(plan.targetDatabase());
        }
        return List.of(live(), DatabaseNames.restoring(live(), runId));
    }

    /** The database a run replaced and keeps, while it does. */
    Optional<String> previousDatabase(long runId) {
        return runs.previousDatabase(runId);
    }

    private void roles(RestoreInspector.Source source, long runId) {
        databases.restoreRoles(Files.isRegularFile(source.globals()) ? source.globals() : null).forEach(n -> recorder.addWarning(runId, n));
    }

    private void discard(String copy, long runId) {
        if (databases.exists(copy)) {
            List<String> left = databases.endRestoreSessions(copy);
            databases.drop(copy);
            recorder.addDetail(runId, left.isEmpty() ? Text.of("detail.db.dropped", copy)
                    : Text.of("detail.db.dropped.sessions", copy, String.join("; ", left)));
        }
    }

    private void recordRestored(long runId, Text step, boolean beside, DatabaseRestorer.Result r) {
        // the phases stay English: checkedCopy finds the check in them ("check "), and they are a keyed text's argument
        runs.addPhase(runId, (beside ? "restore beside " : "restore ") + ApprovalText.seconds(r.restoreMillis())
                + ", check " + ApprovalText.seconds(r.checkMillis()));
        recorder.addDetail(runId, Text.of("detail.db.restored", step, ApprovalText.seconds(r.restoreMillis()), summary(r)));
        recorder.addDetail(runId, Text.of("detail.db.check", r.database(), ApprovalText.seconds(r.checkMillis())));
        r.warnings().forEach(w -> recorder.addWarning(runId, w));
    }

    private void recordSwap(long runId, DatabaseRestorer.Swap swap, Text what) {
        runs.addPhase(runId, "swap " + ApprovalText.seconds(swap.millis()));
        recorder.addDetail(runId, Text.of("detail.db.swap", ApprovalText.seconds(swap.millis()), what));
        if (!swap.endedSessions().isEmpty()) {
            recorder.logged(runId, "Ended " + swap.endedSessions().size() + " session(s) on " + live() + " for the swap: "
                    + String.join("; ", swap.endedSessions()));
        }
    }

    private static String summary(DatabaseRestorer.Result r) {
        return "pg_restore --jobs " + r.jobs() + ", " + r.rowCounts().size() + " tables, "
                + r.rowCounts().values().stream().mapToLong(Long::longValue).sum() + " rows";
    }

    private static Map<String, Long> expectedRows(RestoreInspector.Source source) {
        return source.set().manifest() == null || source.set().manifest().rowCounts() == null ? Map.of() : source.set().manifest().rowCounts();
    }
}
