package com.llmbackup.process;

import com.llmbackup.restore.RestoreService;
import org.camunda.bpm.engine.delegate.DelegateExecution;

/**
 * Read by the restore model's gateways ({@code ${restorePlans.sideBySide(execution)}}): the
 * frozen plan decides the path, never a variable. Public for the expression language.
 */
public final class RestorePlans {

    private final RestoreService restores;

    RestorePlans(RestoreService restores) {
        this.restores = restores;
    }

    public boolean sideBySide(DelegateExecution execution) {
        return restores.sideBySide(restores.runOf(execution.getProcessInstanceId()));
    }

    /** Whether the recorded interruption (never a variable) stopped the restore inside {@code step}. */
    public boolean interruptedAt(DelegateExecution execution, String step) {
        return restores.interruptedStep(restores.runOf(execution.getProcessInstanceId())).filter(step::equals).isPresent();
    }
}
