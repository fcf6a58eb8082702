package com.llmbackup.restore;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import com.llmbackup.catalog.RunStatus;
import com.llmbackup.catalog.Sizes;
import com.llmbackup.postgres.DatabaseNames;

/**
 * The rules a restore request, its targets and an operator's decisions must pass, as pure
 * functions of the facts (which the service gathers from the catalog, the database server,
 * the Docker engine and the history): each answers the refusal an operator reads, or empty.
 * The service adds "Nothing was changed; the application was not stopped." to a refused request.
 */
public final class RestoreGuard {

    /** The step that stops the application; an interruption there may leave some services stopped. */
    public static final String STOP_STEP = "Task_StopServices";
    /** The step that restores the database beside the live one, before the services stop: production is not touched there. */
    public static final String BESIDE_STEP = "Task_RestoreBeside";
    /** The step that changes the data; a failure or an interruption there may leave them half restored. */
    public static final String DATA_STEP = "Task_RestoreData";
    /** What each operator task of the restore may answer. */
    public static final Map<String, Set<String>> RESOLUTIONS = Map.of(
            "Task_ResolveFailedRestore", Set.of("retry", "rollback", "close"),
            "Task_ResolveInterruptedRestore", Set.of("again", "rollback", "close"));

    private static final Pattern DATABASE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private RestoreGuard() {
    }

    /** A request must restore something. */
    public static Optional<String> nothingToRestore(boolean restoreDatabase, boolean restoreUploads) {
        return restoreDatabase || restoreUploads ? Optional.empty()
                : Optional.of("Nothing to restore: restoreDatabase and restoreUploads are both false.");
    }

    /** A request says why: the approver and the history read it. */
    public static Optional<String> reasonGiven(String reason) {
        return reason != null && !reason.isBlank() ? Optional.empty()
                : Optional.of("A restore request needs a reason (the variable reason): say what happened, so the approver can judge it.");
    }

    /** An approval's {@code approved} as sent: true, false, or null (none). A form may send its choice as the text "true" or "false". */
    public static Boolean decisionOf(Object approved) {
        if (approved instanceof Boolean b) {
            return b;
        }
        return "true".equals(approved) ? Boolean.TRUE : "false".equals(approved) ? Boolean.FALSE : null;
    }

    /**
     * An approval's decision is explicit ({@code approved} true or false, never missing), and a
     * rejection says why in {@code approvalComment}.
     */
    public static Optional<String> decision(Boolean approved, String comment) {
        if (approved == null) {
            return Optional.of("Choose approve or reject (the variable approved, true or false): a restore is never approved or "
                    + "rejected by leaving the decision out.");
        }
        if (!approved && (comment == null || comment.isBlank())) {
            return Optional.of("A rejection needs a comment (approvalComment): say why, so the requester knows what to do next.");
        }
        return Optional.empty();
    }

    /** A side-by-side database: named, a plain name, not production, postgres or a template, and new. */
    public static Optional<String> targetDatabase(String db, String production, boolean exists) {
        if (db == null) {
            return Optional.of("Side-by-side restore: give targetDatabase too, or set restoreDatabase=false.");
        }
        if (!DATABASE_NAME.matcher(db).matches()) {
            return Optional.of("targetDatabase '" + db + "' is not a plain database name (lower-case letters, digits, _).");
        }
        if (db.equals(production) || db.equals("postgres") || db.startsWith("template")) {
            return Optional.of("targetDatabase '" + db + "' is not a new database: a side-by-side restore never writes into "
                    + production + ", postgres or a template.");
        }
        if (DatabaseNames.reserved(db)) {
            return Optional.of("targetDatabase '" + db + "' is of the form a restore gives its own copies (__restoring_, __before_): "
                    + "choose another name.");
        }
        if (db.startsWith("llm_backup_drill_")) {
            // the restore drill's scratch names: the drill removes leftovers of that form
            return Optional.of("targetDatabase '" + db + "' is a name the restore drill keeps for its scratch databases "
                    + "(llm_backup_drill_*): choose another name.");
        }
        if (exists) {
            return Optional.of("Database " + db + " already exists: a side-by-side restore writes only into a new database. "
                    + "Choose another name, or drop it (DROP DATABASE " + db + ") if it is an old copy.");
        }
        return Optional.empty();
    }

    /**
     * A side-by-side folder (normalized, absolute): given, strictly below the allowed root, apart
     * from the live uploads and from the backup sets. The service checks symbolic links and emptiness.
     */
    public static Optional<String> targetFolder(Path dir, Path live, Path allowed, Path backupRoot, List<Path> setFolders) {
        if (dir == null) {
            return Optional.of("Side-by-side restore: give targetUploadsDir too, or set restoreUploads=false.");
        }
        // the restore runs as root and makes the folder exactly the backup: only below the one scratch root
        if (!dir.startsWith(allowed) || dir.equals(allowed)) {
            return Optional.of("targetUploadsDir " + dir + " is not below " + allowed + " (backup.restore.side-by-side-root): a "
                    + "side-by-side restore writes only into a new or empty folder there, e.g. " + allowed.resolve("uploads-check") + ".");
        }
        if (allowed.relativize(dir).getName(0).toString().startsWith("drill-")) {
            return Optional.of("targetUploadsDir " + dir + " is below a name the restore drill keeps for its scratch folders "
                    + "(" + allowed.resolve("drill-*") + "): choose another folder, e.g. " + allowed.resolve("uploads-check") + ".");
        }
        if (dir.startsWith(live) || live.startsWith(dir)) {
            return Optional.of("targetUploadsDir " + dir + " overlaps the uploads folder " + live + ": choose another folder below "
                    + allowed + ".");
        }
        if (setFolders.stream().anyMatch(dir::startsWith)) {
            return Optional.of("targetUploadsDir " + dir + " is inside the backup sets of " + backupRoot + ": choose a folder below "
                    + allowed + ".");
        }
        return Optional.empty();
    }

    /**
     * In place, the application must be stopped by the restore: at least one configured service
     * found, unless the requester says it is stopped by other means.
     */
    public static Optional<String> servicesFound(Map<String, Integer> containersPerService, boolean applicationStopped, String project,
                                                 Set<String> projectsFound) {
        if (containersPerService.values().stream().anyMatch(n -> n > 0) || applicationStopped) {
            return Optional.empty();
        }
        return Optional.of("None of the services " + String.join(", ", containersPerService.keySet()) + " of compose project '"
                + project + "' was found on the Docker engine (projects found: "
                + (projectsFound.isEmpty() ? "none" : String.join(", ", projectsFound)) + "). Restoring now would replace the data under a "
                + "running application. Set backup.compose.project and backup.compose.services to the web app's; or, if you "
                + "stopped the application yourself, start the restore again with applicationStopped=true.");
    }

    /** With backup.restore.require-second-operator, the requester cannot approve their own restore (rejecting is fine). */
    public static Optional<String> ownApproval(String approver, String requester, boolean approved, boolean requireSecondOperator) {
        if (approved && requireSecondOperator && approver.equals(requester)) {
            return Optional.of("Restore requested by " + approver + " must be approved by another operator "
                    + "(backup.restore.require-second-operator is on). Ask a colleague in group operators to approve it.");
        }
        return Optional.empty();
    }

    /**
     * An operator's answer to a failure or an interruption ({@code task}): one the task offers,
     * and possible now. {@code failedStep} is where the restore failed or was interrupted.
     */
    public static Optional<String> resolution(String task, String resolution, String failedStep, boolean sideBySide, boolean hasSafetySet) {
        Set<String> allowed = RESOLUTIONS.get(task);
        List<String> names = allowed.stream().sorted(Comparator.comparing(RestoreGuard::order)).toList();
        String choices = String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
        if (resolution == null || resolution.isBlank()) {
            return Optional.of("Choose a resolution: " + choices + " (an earlier task's answer is not taken for this one).");
        }
        if (!allowed.contains(resolution)) {
            return Optional.of("resolution must be " + choices + ", not '" + resolution + "'.");
        }
        if (resolution.equals("rollback") && (sideBySide || !hasSafetySet)) {
            return Optional.of("There is nothing to roll back to: a side-by-side restore changed no production data. Choose "
                    + (task.equals("Task_ResolveInterruptedRestore") ? "again" : "retry") + " or close (and drop the partial copy by hand).");
        }
        if (resolution.equals("retry") && !List.of("Task_StartServices", "Task_CheckHealth").contains(failedStep)) {
            return Optional.of("retry only polls the health URL again, but the restore failed at " + failedStep
                    + ", before the data were fully restored: choose rollback (back to the safety set) or close.");
        }
        return Optional.empty();
    }

    /**
     * Whether completed restore run {@code runId} can be undone now: it completed in place, its
     * database half swapped ({@code method}) and the database it replaced is still kept (until
     * {@code keptUntil}); no restore replaced the database after it ({@code laterRestore}, or
     * null); its safety set exists for the uploads (and as the second line).
     */
    public static Optional<String> undo(long runId, RunStatus status, boolean rolledBack, boolean sideBySide, boolean restoredDatabase,
                                        String method, boolean previousKept, Instant keptUntil, Instant now, String laterRestore,
                                        String safetySet) {
        String instead = safetySet == null ? "" : " To go back anyway, restore its safety set (backupKind safety, backupId " + safetySet + ").";
        if (status != RunStatus.COMPLETED || rolledBack) {
            return Optional.of("Restore run " + runId + " is " + (rolledBack ? "rolled back" : status.name()) + ": only a completed "
                    + "restore can be undone.");
        }
        if (sideBySide) {
            return Optional.of("Restore run " + runId + " was side by side: it changed no production data, there is nothing to undo.");
        }
        if (!restoredDatabase || !("swap".equals(method) || "undo".equals(method))) {
            return Optional.of("Restore run " + runId + " did not swap the database (" + (restoredDatabase ? "restored in place" : "uploads only")
                    + "): there is no database of before to swap back." + instead);
        }
        if (laterRestore != null) {
            return Optional.of("Restore run " + runId + " is not the newest: " + laterRestore + " replaced the database after it. "
                    + "Undo that one first." + instead);
        }
        if (!previousKept || keptUntil == null || !now.isBefore(keptUntil)) {
            return Optional.of("The database from before restore run " + runId + " is no longer kept (backup.restore.keep-previous"
                    + (keptUntil == null ? "" : ", until " + keptUntil) + ")." + instead);
        }
        if (safetySet == null) {
            return Optional.of("Restore run " + runId + " has no safety set: its uploads cannot be brought back.");
        }
        return Optional.empty();
    }

    /** {@code databaseMethod} at the start: {@code swap} (default) or {@code in-place}. */
    public static Optional<String> databaseMethod(String value) {
        if (value == null || value.isBlank() || value.equals("swap") || value.equals("in-place")) {
            return Optional.empty();
        }
        return Optional.of("databaseMethod must be swap (restore beside, check, swap: the default) or in-place (pg_restore --clean into "
                + "the live database, when the server has no room for a second copy), not '" + value + "'.");
    }

    /**
     * The swap closes the live database to connections and renames it from a connection to
     * {@code postgres}: PostgreSQL refuses both for the database it is connected to, so a live
     * database named {@code postgres} can only be restored in place.
     */
    public static Optional<String> swappable(String live, boolean inPlaceAsked) {
        if (inPlaceAsked || !"postgres".equals(live)) {
            return Optional.empty();
        }
        return Optional.of("The live database is named postgres (backup.database.name), which the swap cannot replace: it closes "
                + "the live database and renames it from a connection to postgres, and PostgreSQL refuses that for the database it "
                + "is connected to. Start the restore again with databaseMethod=in-place (pg_restore --clean into the live database: "
                + "not atomic, and objects created since the backup remain), or move the application to a database of its own name.");
    }

    /**
     * Room for a second copy of the database (a restore beside it): refused with the figures when
     * the server's volume has less free than the copy needs, unless the old in-place way was asked for.
     */
    public static Optional<String> room(DatabaseSpace.Room room, boolean inPlaceAsked, String live, List<String> keptPrevious) {
        if (inPlaceAsked || !room.known() || room.freeBytes() >= room.neededBytes()) {
            return Optional.empty();
        }
        return Optional.of("Not enough space for a second copy of database " + live + ": " + room.where() + " has "
                + Sizes.human(room.freeBytes()) + " free, the copy needs about " + Sizes.human(room.neededBytes()) + " (the live database "
                + Sizes.human(room.liveBytes()) + ", the dump " + Sizes.human(room.dumpBytes()) + ", and a tenth more for the write-ahead log). "
                + (keptPrevious.isEmpty() ? "" : "Kept for undo: " + String.join("; ", keptPrevious) + " (DROP DATABASE frees it). ")
                + "Free space there, or start the restore again with databaseMethod=in-place (pg_restore --clean into the live database: "
                + "not atomic, and objects created since the backup remain).");
    }

    private static int order(String resolution) {
        return List.of("retry", "again", "rollback", "close").indexOf(resolution);
    }
}
