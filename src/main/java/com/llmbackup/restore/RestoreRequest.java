package com.llmbackup.restore;

/**
 * What an operator asked to restore: a set ({@code backupKind}/{@code backupId}), which
 * halves of it, why, and where to. With {@code targetDatabase} or {@code targetUploadsDir}
 * the restore runs side by side: into a new database and an empty folder, production untouched.
 * {@code requestedBy} is the engine's authenticated starter, never a variable;
 * {@code applicationStopped} is the operator's word that the application is stopped by other
 * means (no compose service of it to stop).
 */
public record RestoreRequest(String backupKind, String backupId, boolean restoreDatabase, boolean restoreUploads,
                             String reason, String requestedBy, String targetDatabase, String targetUploadsDir,
                             boolean applicationStopped) {

    public RestoreRequest {
        backupKind = blankToNull(backupKind);
        backupId = blankToNull(backupId);
        targetDatabase = blankToNull(targetDatabase);
        targetUploadsDir = blankToNull(targetUploadsDir);
        reason = blankToNull(reason);
    }

    public boolean sideBySide() {
        return targetDatabase != null || targetUploadsDir != null;
    }

    /** The same request against another set (a roll back restores the safety set the same way). */
    public RestoreRequest withSet(String kind, String id) {
        return new RestoreRequest(kind, id, restoreDatabase, restoreUploads, reason, requestedBy, targetDatabase, targetUploadsDir,
                applicationStopped);
    }

    public RestoreRequest withRequester(String user) {
        return new RestoreRequest(backupKind, backupId, restoreDatabase, restoreUploads, reason, user, targetDatabase, targetUploadsDir,
                applicationStopped);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
