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
import com.llmbackup.config.Text;
import com.llmbackup.postgres.DatabaseNames;

/**
 * The rules a restore request, its targets and an operator's decisions must pass, as pure
 * functions of the facts (which the service gathers from the catalog, the database server,
 * the Docker engine and the history): each answers the refusal an operator reads, or empty (a
 * Text, but for the checks SubmittedVariables also asks: decision, reasonGiven, databaseMethod).
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
    public static Optional<Text> nothingToRestore(boolean restoreDatabase, boolean restoreUploads) {
        return restoreDatabase || restoreUploads ? Optional.empty() : Optional.of(Text.of("restore.guard.nothing"));
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
    public static Optional<Text> targetDatabase(String db, String production, boolean exists) {
        if (db == null) {
            return Optional.of(Text.of("restore.guard.targetDatabase.missing"));
        }
        if (!DATABASE_NAME.matcher(db).matches()) {
            return Optional.of(Text.of("restore.guard.targetDatabase.name", db));
        }
        if (db.equals(production) || db.equals("postgres") || db.startsWith("template")) {
            return Optional.of(Text.of("restore.guard.targetDatabase.notNew", db, production));
        }
        if (DatabaseNames.reserved(db)) {
            return Optional.of(Text.of("restore.guard.targetDatabase.reserved", db));
        }
        if (db.startsWith("llm_backup_drill_")) {
            // the restore drill's scratch names: the drill removes leftovers of that form
            return Optional.of(Text.of("restore.guard.targetDatabase.drill", db));
        }
        if (exists) {
            return Optional.of(Text.of("restore.guard.targetDatabase.exists", db));
        }
        return Optional.empty();
    }

    /**
     * A side-by-side folder (normalized, absolute): given, strictly below the allowed root, apart
     * from the live uploads and from the backup sets. The service checks symbolic links and emptiness.
     */
    public static Optional<Text> targetFolder(Path dir, Path live, Path allowed, Path backupRoot, List<Path> setFolders) {
        if (dir == null) {
            return Optional.of(Text.of("restore.guard.targetFolder.missing"));
        }
        // the restore runs as root and makes the folder exactly the backup: only below the one scratch root
        if (!dir.startsWith(allowed) || dir.equals(allowed)) {
            return Optional.of(Text.of("restore.guard.targetFolder.notBelow", dir, allowed, allowed.resolve("uploads-check")));
        }
        if (allowed.relativize(dir).getName(0).toString().startsWith("drill-")) {
            return Optional.of(Text.of("restore.guard.targetFolder.drill", dir, allowed.resolve("drill-*"), allowed.resolve("uploads-check")));
        }
        if (dir.startsWith(live) || live.startsWith(dir)) {
            return Optional.of(Text.of("restore.guard.targetFolder.live", dir, live, allowed));
        }
        if (setFolders.stream().anyMatch(dir::startsWith)) {
            return Optional.of(Text.of("restore.guard.targetFolder.sets", dir, backupRoot, allowed));
        }
        return Optional.empty();
    }

    /**
     * In place, the application must be stopped by the restore: at least one configured service
     * found, unless the requester says it is stopped by other means.
     */
    public static Optional<Text> servicesFound(Map<String, Integer> containersPerService, boolean applicationStopped, String project,
                                                 Set<String> projectsFound) {
        if (containersPerService.values().stream().anyMatch(n -> n > 0) || applicationStopped) {
            return Optional.empty();
        }
        return Optional.of(Text.of("restore.guard.services", String.join(", ", containersPerService.keySet()), project,
                projectsFound.isEmpty() ? Text.of("restore.guard.services.none") : String.join(", ", projectsFound)));
    }

    /** With backup.restore.require-second-operator, the requester cannot approve their own restore (rejecting is fine). */
    public static Optional<Text> ownApproval(String approver, String requester, boolean approved, boolean requireSecondOperator) {
        if (approved && requireSecondOperator && approver.equals(requester)) {
            return Optional.of(Text.of("restore.guard.ownApproval", approver));
        }
        return Optional.empty();
    }

    /**
     * An operator's answer to a failure or an interruption ({@code task}): one the task offers,
     * and possible now. {@code failedStep} is where the restore failed or was interrupted.
     */
    public static Optional<Text> resolution(String task, String resolution, String failedStep, boolean sideBySide, boolean hasSafetySet) {
        Set<String> allowed = RESOLUTIONS.get(task);
        List<String> names = allowed.stream().sorted(Comparator.comparing(RestoreGuard::order)).toList();
        Text choices = Text.of("restore.guard.resolution.choices", String.join(", ", names.subList(0, names.size() - 1)),
                names.get(names.size() - 1));
        if (resolution == null || resolution.isBlank()) {
            return Optional.of(Text.of("restore.guard.resolution.missing", choices));
        }
        if (!allowed.contains(resolution)) {
            return Optional.of(Text.of("restore.guard.resolution.unknown", choices, resolution));
        }
        if (resolution.equals("rollback") && (sideBySide || !hasSafetySet)) {
            return Optional.of(Text.of("restore.guard.resolution.noRollback", task.equals("Task_ResolveInterruptedRestore") ? "again" : "retry"));
        }
        if (resolution.equals("retry") && !List.of("Task_StartServices", "Task_CheckHealth").contains(failedStep)) {
            return Optional.of(Text.of("restore.guard.resolution.retry", failedStep));
        }
        return Optional.empty();
    }

    /**
     * Whether completed restore run {@code runId} can be undone now: it completed in place, its
     * database half swapped ({@code method}) and the database it replaced is still kept (until
     * {@code keptUntil}); no restore replaced the database after it ({@code laterRestore}, or
     * null); its safety set exists for the uploads (and as the second line).
     */
    public static Optional<Text> undo(long runId, RunStatus status, boolean rolledBack, boolean sideBySide, boolean restoredDatabase,
                                        String method, boolean previousKept, Instant keptUntil, Instant now, String laterRestore,
                                        String safetySet) {
        Object instead = safetySet == null ? "" : Text.of("restore.guard.undo.instead", safetySet);
        if (status != RunStatus.COMPLETED || rolledBack) {
            return Optional.of(Text.of("restore.guard.undo.status", runId, rolledBack ? Text.of("restore.guard.undo.rolledBack") : status.name()));
        }
        if (sideBySide) {
            return Optional.of(Text.of("restore.guard.undo.sideBySide", runId));
        }
        if (!restoredDatabase || !("swap".equals(method) || "undo".equals(method))) {
            return Optional.of(Text.of("restore.guard.undo.notSwapped", runId,
                    Text.of(restoredDatabase ? "restore.guard.undo.inPlace" : "restore.guard.undo.uploadsOnly"), instead));
        }
        if (laterRestore != null) {
            return Optional.of(Text.of("restore.guard.undo.notNewest", runId, laterRestore, instead));
        }
        if (!previousKept || keptUntil == null || !now.isBefore(keptUntil)) {
            return Optional.of(Text.of("restore.guard.undo.notKept", runId,
                    keptUntil == null ? "" : Text.of("restore.guard.undo.keptUntil", keptUntil), instead));
        }
        if (safetySet == null) {
            return Optional.of(Text.of("restore.guard.undo.noSafety", runId));
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
    public static Optional<Text> swappable(String live, boolean inPlaceAsked) {
        if (inPlaceAsked || !"postgres".equals(live)) {
            return Optional.empty();
        }
        return Optional.of(Text.of("restore.guard.swappable"));
    }

    /**
     * Room for a second copy of the database (a restore beside it): refused with the figures when
     * the server's volume has less free than the copy needs, unless the old in-place way was asked for.
     */
    public static Optional<Text> room(DatabaseSpace.Room room, boolean inPlaceAsked, String live, List<String> keptPrevious) {
        if (inPlaceAsked || !room.known() || room.freeBytes() >= room.neededBytes()) {
            return Optional.empty();
        }
        return Optional.of(Text.of("restore.guard.room", live, room.where(), Sizes.human(room.freeBytes()), Sizes.human(room.neededBytes()),
                Sizes.human(room.liveBytes()), Sizes.human(room.dumpBytes()),
                keptPrevious.isEmpty() ? "" : Text.of("restore.guard.room.kept", String.join("; ", keptPrevious))));
    }

    private static int order(String resolution) {
        return List.of("retry", "again", "rollback", "close").indexOf(resolution);
    }
}
