package com.llmbackup.process.backup;

import com.llmbackup.catalog.BackupKind;
import com.llmbackup.process.engine.LeaseWaitVariables;
import org.camunda.bpm.engine.delegate.VariableScope;

/**
 * The variables of {@code BackupRunProcess}. Inputs: {@code runKind} (set by the caller's
 * model, checked by {@link RunKindGuard} at the start). Outputs to the caller: {@code backupId},
 * {@code runId}, {@code runOutcome}, {@code failedStep}, {@code failureMessage} and the figures
 * of the steps ({@code filesCopied}, {@code filesLinked}, {@code archiveBytes}, {@code filesArchived},
 * {@code dumpTocEntries}, {@code baseBackupFilesChecked}, {@code offsiteCopy}, {@code offsiteSetsCopied}).
 */
final class BackupRunVariables extends LeaseWaitVariables {

    static final String RUN_KIND = "runKind";
    static final String BACKUP_ID = "backupId";
    static final String RUN_OUTCOME = "runOutcome";

    private BackupRunVariables(VariableScope scope) {
        super(scope);
    }

    static BackupRunVariables of(VariableScope scope) {
        return new BackupRunVariables(scope);
    }

    /** The kind of set this run writes (the start listener refused a run without a valid one). */
    BackupKind runKind() {
        Object kind = scope.getVariable(RUN_KIND);
        if (kind == null) {
            throw new IllegalStateException("BackupRunProcess has no runKind: it runs only as a call from a backup or restore process");
        }
        return BackupKind.fromDir(kind.toString());
    }

    Object rawRunKind() {
        return scope.getVariable(RUN_KIND);
    }

    String backupId() {
        Object id = scope.getVariable(BACKUP_ID);
        if (id == null) {
            throw new IllegalStateException("no backupId: no set was staged for this run");
        }
        return id.toString();
    }

    void putBackupId(String backupId) {
        scope.setVariable(BACKUP_ID, backupId);
    }

    void putOutcome(RunOutcome outcome) {
        scope.setVariable(RUN_OUTCOME, outcome.value());
    }

    boolean hasOutcome() {
        return scope.getVariable(RUN_OUTCOME) != null;
    }

    void putDumpTocEntries(int entries) {
        scope.setVariable("dumpTocEntries", entries);
    }

    void putSnapshotFigures(long filesCopied, long filesLinked) {
        scope.setVariable("filesCopied", filesCopied);
        scope.setVariable("filesLinked", filesLinked);
    }

    void putArchiveFigures(long archiveBytes, long filesArchived) {
        scope.setVariable("archiveBytes", archiveBytes);
        scope.setVariable("filesArchived", filesArchived);
    }

    /** {@code baseBackupFilesChecked}: files of the base backup's tar checked against its backup_manifest (0: none taken). */
    void putBaseBackupFilesChecked(int files) {
        scope.setVariable("baseBackupFilesChecked", files);
    }

    /** {@code offsiteCopy}: copied, failed (a warning on the run) or disabled; {@code offsiteSetsCopied}: this set and caught-up ones. */
    void putOffsiteCopy(String result, int setsCopied) {
        scope.setVariable("offsiteCopy", result);
        scope.setVariable("offsiteSetsCopied", setsCopied);
    }

    /** How a run ended, as its caller's gateway reads it ({@code runOutcome}). */
    enum RunOutcome {
        COMPLETED("completed"), FAILED("failed"), LEASE_LOST("leaseLost");

        private final String value;

        RunOutcome(String value) {
            this.value = value;
        }

        String value() {
            return value;
        }
    }
}
