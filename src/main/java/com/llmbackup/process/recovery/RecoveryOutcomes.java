package com.llmbackup.process.recovery;

import com.llmbackup.recovery.DisasterRecoveryService;
import org.camunda.bpm.engine.delegate.DelegateExecution;

/**
 * Read by the recovery model's gateway ({@code ${recoveryOutcomes.restored(execution)}}): the
 * called restore's history row decides, found by the restore's process instance the engine
 * recorded as called by this recovery (never by a variable). Public for the expression language.
 */
public final class RecoveryOutcomes {

    private final DisasterRecoveryService recoveries;

    RecoveryOutcomes(DisasterRecoveryService recoveries) {
        this.recoveries = recoveries;
    }

    /** The restore completed: the application answered its health check (a rolled-back restore is not a recovery). */
    public boolean restored(DelegateExecution execution) {
        return recoveries.restored(new RecoveryHistory(execution.getProcessEngineServices().getHistoryService(),
                execution.getProcessInstanceId()).restoreInstance().orElse(null));
    }
}
