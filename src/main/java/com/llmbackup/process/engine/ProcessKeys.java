package com.llmbackup.process.engine;

import org.camunda.bpm.engine.delegate.DelegateExecution;

/** Process definition keys (= BPMN file names), part of the public contract. */
public final class ProcessKeys {
    public static final String PREFLIGHT = "PreflightProcess";
    public static final String DAILY_BACKUP = "DailyBackupProcess";
    public static final String WEEKLY_BACKUP = "WeeklyBackupProcess";
    public static final String CLEANUP = "BackupCleanupProcess";
    public static final String RESTORE = "RestoreProcess";
    public static final String BACKUP_RUN = "BackupRunProcess";
    public static final String RESTORE_DRILL = "RestoreDrillProcess";
    public static final String DISASTER_RECOVERY = "DisasterRecoveryProcess";

    /** The key of the process an execution belongs to (the part of its definition id before ':'). */
    public static String keyOf(DelegateExecution execution) {
        String id = execution.getProcessDefinitionId();
        return id.substring(0, id.indexOf(':'));
    }

    private ProcessKeys() {
    }
}
