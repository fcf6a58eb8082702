package com.llmbackup.process.restore;

import com.llmbackup.restore.FrozenPlans;
import com.llmbackup.restore.RestoreRecorder;
import com.llmbackup.restore.RestoreSteps;
import org.camunda.bpm.engine.delegate.DelegateExecution;

/**
 * Read by the restore model's gateways ({@code ${restorePlans.sideBySide(execution)}}): the
 * frozen plan decides the path, never a variable. Public for the expression language.
 */
public final class RestorePlans {

    private final FrozenPlans plans;
    private final RestoreRecorder recorder;
    private final RestoreSteps steps;

    RestorePlans(FrozenPlans plans, RestoreRecorder recorder, RestoreSteps steps) {
        this.plans = plans;
        this.recorder = recorder;
        this.steps = steps;
    }

    public boolean sideBySide(DelegateExecution execution) {
        return plans.sideBySide(recorder.runOf(execution.getProcessInstanceId()));
    }

    /** Whether the frozen plan restores chosen files (or undoes such a restore) rather than the set. */
    public boolean restoresFiles(DelegateExecution execution) {
        return steps.restoresFiles(recorder.runOf(execution.getProcessInstanceId()));
    }

    /** Whether that file restore stops the application around it ({@code stopApplication}, frozen). */
    public boolean stopsApplication(DelegateExecution execution) {
        return steps.stopsApplication(recorder.runOf(execution.getProcessInstanceId()));
    }

    /**
     * Whether a disaster recovery's confirmation approved this restore: the guard recorded an
     * approver in the run's history row before the approval task (RecoveryApproval), never a variable.
     */
    public boolean preApproved(DelegateExecution execution) {
        return recorder.approver(recorder.runOf(execution.getProcessInstanceId())).isPresent();
    }

    /** Whether the restore stopped before it changed anything of production (at Task_RestoreBeside): a roll back has nothing to restore. */
    public boolean productionUntouched(DelegateExecution execution) {
        return steps.productionUntouched(recorder.runOf(execution.getProcessInstanceId()));
    }

    /** Whether the recorded interruption (never a variable) stopped the restore inside {@code step}. */
    public boolean interruptedAt(DelegateExecution execution, String step) {
        return recorder.interruptedStep(recorder.runOf(execution.getProcessInstanceId())).filter(step::equals).isPresent();
    }
}
