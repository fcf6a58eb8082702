package com.llmbackup.process;

/** Process definition keys (= BPMN file names), part of the public contract. */
final class ProcessKeys {
    static final String PREFLIGHT = "PreflightProcess";
    static final String DAILY_BACKUP = "DailyBackupProcess";
    static final String WEEKLY_BACKUP = "WeeklyBackupProcess";
    static final String CLEANUP = "BackupCleanupProcess";
    static final String RESTORE = "RestoreProcess";
    static final String BACKUP_RUN = "BackupRunProcess";
    static final String RESTORE_DRILL = "RestoreDrillProcess";
    static final String DISASTER_RECOVERY = "DisasterRecoveryProcess";

    /** The key of the process an execution belongs to (the part of its definition id before ':'). */
    static String keyOf(org.camunda.bpm.engine.delegate.DelegateExecution execution) {
        String id = execution.getProcessDefinitionId();
        return id.substring(0, id.indexOf(':'));
    }

    private ProcessKeys() {
    }
}
