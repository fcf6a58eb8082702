package com.llmbackup.restore;

/**
 * What an operator asked to restore: a set ({@code backupKind}/{@code backupId}), which
 * halves of it, why, and where to. With {@code targetDatabase} or {@code targetUploadsDir}
 * the restore runs side by side: into a new database and an empty folder, production untouched.
 * {@code requestedBy} is the engine's authenticated starter, never a variable;
 * {@code applicationStopped} is the operator's word that the application is stopped by other
 * means (no compose service of it to stop). {@code inPlaceDatabase}: the requester asked for the
 * old way ({@code pg_restore --clean} into the live database) instead of restore beside, check,
 * swap. {@code undoRestoreOf}: the completed restore run this one undoes (its guard fills in that
 * run's safety set and halves). Built by the named factories; the canonical constructor is the
 * frozen plan's JSON form.
 */
public record RestoreRequest(String backupKind, String backupId, boolean restoreDatabase, boolean restoreUploads,
                             String reason, String requestedBy, String targetDatabase, String targetUploadsDir,
                             boolean applicationStopped, boolean inPlaceDatabase, Long undoRestoreOf) {

    public RestoreRequest {
        backupKind = blankToNull(backupKind);
        backupId = blankToNull(backupId);
        targetDatabase = blankToNull(targetDatabase);
        targetUploadsDir = blankToNull(targetUploadsDir);
        reason = blankToNull(reason);
    }

    /** Into production: the database and the uploads the application uses. */
    public static RestoreRequest inPlace(String backupKind, String backupId, boolean restoreDatabase, boolean restoreUploads,
                                         String reason, boolean applicationStopped) {
        return new RestoreRequest(backupKind, backupId, restoreDatabase, restoreUploads, reason, null, null, null, applicationStopped,
                false, null);
    }

    /**
     * The undo of completed restore run {@code runId}: the set and halves are that run's (its
     * safety set, the database it swapped out), filled in by the guard ({@link #undoing}).
     */
    public static RestoreRequest undo(long runId, String reason) {
        return new RestoreRequest(null, null, true, true, reason, null, null, null, false, false, runId);
    }

    /** Into a new database and an empty folder beside production, which is not touched. */
    public static RestoreRequest sideBySide(String backupKind, String backupId, boolean restoreDatabase, boolean restoreUploads,
                                            String reason, String targetDatabase, String targetUploadsDir) {
        return inPlace(backupKind, backupId, restoreDatabase, restoreUploads, reason, false).into(targetDatabase, targetUploadsDir);
    }

    /** A restore drill's look at a set: both halves, asked by nobody (the drill restores into scratch of its own). */
    public static RestoreRequest forDrill(String backupKind, String backupId) {
        return inPlace(backupKind, backupId, true, true, null, false);
    }

    /** A disaster recovery's restore of its chosen set, both halves, in the name of who declared it. */
    public static RestoreRequest forRecovery(String backupKind, String backupId, String reason, String declaredBy) {
        return inPlace(backupKind, backupId, true, true, reason, false).withRequester(declaredBy);
    }

    public boolean sideBySide() {
        return targetDatabase != null || targetUploadsDir != null;
    }

    public boolean undo() {
        return undoRestoreOf != null;
    }

    /** The database half, in place, restored beside and swapped in (not the old way, not an undo). */
    public boolean swapsDatabase() {
        return restoreDatabase && !sideBySide() && !inPlaceDatabase && !undo();
    }

    /** This undo made concrete: the undone run's safety set and halves. */
    public RestoreRequest undoing(String safetySetId, boolean database, boolean uploads) {
        return new RestoreRequest("safety", safetySetId, database, uploads, reason, requestedBy, null, null, applicationStopped, false,
                undoRestoreOf);
    }

    /** The same request with the old in-place method for the database, when {@code inPlace}. */
    public RestoreRequest withInPlaceDatabase(boolean inPlace) {
        return new RestoreRequest(backupKind, backupId, restoreDatabase, restoreUploads, reason, requestedBy, targetDatabase, targetUploadsDir,
                applicationStopped, inPlace, undoRestoreOf);
    }

    /** The same request against another set (a roll back restores the safety set the same way). */
    public RestoreRequest withSet(String kind, String id) {
        return new RestoreRequest(kind, id, restoreDatabase, restoreUploads, reason, requestedBy, targetDatabase, targetUploadsDir,
                applicationStopped, inPlaceDatabase, undoRestoreOf);
    }

    /** The same request side by side into these targets; with none given (null or blank) it stays in place. */
    public RestoreRequest into(String targetDatabase, String targetUploadsDir) {
        return new RestoreRequest(backupKind, backupId, restoreDatabase, restoreUploads, reason, requestedBy, targetDatabase, targetUploadsDir,
                applicationStopped, inPlaceDatabase, undoRestoreOf);
    }

    public RestoreRequest withRequester(String user) {
        return new RestoreRequest(backupKind, backupId, restoreDatabase, restoreUploads, reason, user, targetDatabase, targetUploadsDir,
                applicationStopped, inPlaceDatabase, undoRestoreOf);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
