package com.llmbackup.process.recovery;

import com.llmbackup.catalog.BackupHistory;
import com.llmbackup.catalog.RunStatus;
import org.camunda.bpm.engine.delegate.DelegateExecution;

/**
 * Read by the recovery model's gateway ({@code ${recoveryOutcomes.restored(execution)}}): the
 * called restore's history row decides, found by the run id its guard wrote. Public for the
 * expression language.
 */
public final class RecoveryOutcomes {

    private final BackupHistory history;

    RecoveryOutcomes(BackupHistory history) {
        this.history = history;
    }

    /** The restore completed: the application answered its health check (a rolled-back restore is not a recovery). */
    public boolean restored(DelegateExecution execution) {
        Long runId = DisasterRecoveryVariables.of(execution).restoreRunId();
        return runId != null && history.find(runId).filter(e -> e.status() == RunStatus.COMPLETED)
                .filter(e -> !history.rollingBack(runId)).isPresent();
    }
}
