package com.llmbackup.restore;

/**
 * What an operator asked to restore: a set ({@code backupKind}/{@code backupId}), which
 * halves of it, why, and where to. With {@code targetDatabase} or {@code targetUploadsDir}
 * the restore runs side by side: into a new database and an empty folder, production untouched.
 */
public record RestoreRequest(String backupKind, String backupId, boolean restoreDatabase, boolean restoreUploads,
                             String reason, String requestedBy, String targetDatabase, String targetUploadsDir) {

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
        return new RestoreRequest(kind, id, restoreDatabase, restoreUploads, reason, requestedBy, targetDatabase, targetUploadsDir);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
