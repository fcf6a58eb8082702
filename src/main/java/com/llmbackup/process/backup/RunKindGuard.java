package com.llmbackup.process.backup;

import java.util.Map;

import com.llmbackup.catalog.BackupKind;
import com.llmbackup.process.engine.ProcessKeys;

/**
 * Which caller may ask {@code BackupRunProcess} for which kind of set. The kind is never
 * taken from a start request: a run started on its own, with no or an unknown kind, or with
 * a kind its caller does not write (a weekly set from the daily) is refused before anything
 * is written. Pure: the start listener passes the caller's process key and the kind it sent.
 */
final class RunKindGuard {

    /** The one kind each calling model writes. */
    static final Map<String, BackupKind> CALLERS = Map.of(
            ProcessKeys.DAILY_BACKUP, BackupKind.DAILY,
            ProcessKeys.WEEKLY_BACKUP, BackupKind.WEEKLY,
            ProcessKeys.RESTORE, BackupKind.SAFETY);

    private RunKindGuard() {
    }

    /** The kind to write, or {@link RefusedException} saying why not. {@code callerKey} is null for a run started on its own. */
    static BackupKind check(String callerKey, Object kind) {
        if (callerKey == null) {
            throw new RefusedException("BackupRunProcess is not started on its own: it runs as a step of DailyBackupProcess (daily), "
                    + "WeeklyBackupProcess (weekly) or RestoreProcess (safety backup), which set its kind. Start one of those. "
                    + "Nothing was written.");
        }
        BackupKind expected = CALLERS.get(callerKey);
        if (expected == null) {
            throw new RefusedException("BackupRunProcess was called by " + callerKey + ", which writes no backup set; only "
                    + "DailyBackupProcess, WeeklyBackupProcess and RestoreProcess call it. Nothing was written.");
        }
        if (kind == null || kind.toString().isBlank()) {
            throw new RefusedException("BackupRunProcess was called by " + callerKey + " without a run kind (runKind); its model must "
                    + "pass '" + expected.dir() + "'. Nothing was written.");
        }
        BackupKind asked;
        try {
            asked = BackupKind.fromDir(kind.toString());
        } catch (IllegalArgumentException e) {
            throw new RefusedException("BackupRunProcess was called by " + callerKey + " with " + e.getMessage() + " Nothing was written.");
        }
        if (asked != expected) {
            throw new RefusedException("BackupRunProcess was called by " + callerKey + " with run kind '" + asked.dir() + "', but "
                    + callerKey + " writes " + expected.dir() + " sets only. Nothing was written.");
        }
        return asked;
    }

    static final class RefusedException extends IllegalArgumentException {
        RefusedException(String message) {
            super(message);
        }
    }
}
