package com.llmbackup.process.restore;

import java.util.List;
import java.util.Optional;

import com.llmbackup.config.BackupProperties;
import com.llmbackup.config.Text;
import com.llmbackup.pitr.PitrRestoreStep;
import com.llmbackup.process.engine.Executions;
import com.llmbackup.process.engine.Steps;
import com.llmbackup.restore.DecisionRefusedException;
import com.llmbackup.restore.FrozenPlans;
import com.llmbackup.restore.HealthCheckFailedException;
import com.llmbackup.restore.IncompleteDecisionException;
import com.llmbackup.restore.RestoreExecutor;
import com.llmbackup.restore.RestoreGuard;
import com.llmbackup.restore.RestoreRecorder;
import com.llmbackup.restore.RestoreRefusedException;
import com.llmbackup.restore.RestoreRequest;
import com.llmbackup.restore.RestoreSteps;
import org.camunda.bpm.engine.AuthorizationException;
import org.camunda.bpm.engine.BadUserRequestException;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.DelegateTask;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.delegate.TaskListener;
import org.camunda.bpm.engine.impl.form.validator.FormFieldValidationException;
import org.camunda.bpm.engine.impl.identity.Authentication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The delegates of {@code RestoreProcess} (the safety backup reuses BackupDelegates): each
 * reads its variables, calls one step of {@link RestoreSteps} (or {@link RestoreRecorder} for a
 * record alone), writes what the next steps and the operator's forms need. A refused set ends
 * the process through Err_RestoreRefused before anything changed. Once the services may be stopped, every
 * failure becomes Err_RestoreFailed (or Err_HealthCheckFailed), never an incident: the model
 * starts the services again and hands the decision to an operator.
 */
@Configuration(proxyBeanMethods = false)
class RestoreDelegates {

    static final String ERR_RESTORE_REFUSED = "Err_RestoreRefused";
    static final String ERR_RESTORE_FAILED = "Err_RestoreFailed";
    static final String ERR_HEALTH_CHECK_FAILED = "Err_HealthCheckFailed";
    static final String ERR_RESTORE_INTERRUPTED = "Err_RestoreInterrupted";

    /**
     * The guard: checks the request and freezes it as the run's plan. The requester is the
     * user the engine authenticated for the start, whatever {@code requestedBy} says.
     */
    @Bean
    JavaDelegate validateBackupDelegate(RestoreSteps steps, RestoreRecorder recorder, BackupProperties properties) {
        return execution -> {
            RestoreVariables vars = RestoreVariables.of(execution);
            String starter = starter(execution);
            RestoreRequest request = vars.startRequest().withRequester(starter);
            RestoreVariables.Paths paths = vars.restorePaths();
            RestoreSteps.Validation validation = steps.validate(execution.getProcessInstanceId(), request, paths.paths(),
                    vars.stopApplication(), vars.claimedRequester(), RecoveryConfirmation.judge(execution, recorder, request, properties.restore().requireSecondOperator()),
                    RestoreGuard.databaseMethod(vars.databaseMethod()).or(paths::refusal));
            vars.putRestoreRunId(validation.runId());
            vars.putRequester(starter); // what the approval form shows
            if (validation.refusal() != null) {
                throw error(vars, execution, ERR_RESTORE_REFUSED, validation.refusal());
            }
            vars.putPlan(validation.plan(), request.sideBySide(), request.inPlaceDatabase());
            vars.putApprovalRule(steps.approvalRule(starter));
            if (validation.preApprovedBy() != null) {
                vars.putApproval(validation.preApprovedBy(), Steps.now());
                execution.setVariable("approved", true);
            }
        };
    }

    /**
     * {@code restoreToTime}: the database replayed to that time beside production into a pitr
     * set, which the guard then checks as any set; a time the window cannot reach is a refusal.
     */
    @Bean
    JavaDelegate replayToTimeDelegate(PitrRestoreStep step) {
        return execution -> {
            RestoreVariables vars = RestoreVariables.of(execution);
            RestoreRequest request = vars.startRequest().withRequester(starter(execution));
            PitrRestoreStep.Result result = step.replay(execution.getProcessInstanceId(), request, vars.restoreToTime());
            vars.putRestoreRunId(result.runId());
            if (result.refusal() != null) {
                throw error(vars, execution, ERR_RESTORE_REFUSED, new RestoreRefusedException(result.refusal()));
            }
            vars.putPointInTime(result.backupId(), result.meaning());
        };
    }

    /** For the model's gateways: whether the frozen plan is side by side (never the variable). */
    @Bean
    RestorePlans restorePlans(FrozenPlans plans, RestoreRecorder recorder, RestoreSteps steps) {
        return new RestorePlans(plans, recorder, steps);
    }

    @Bean
    JavaDelegate recordRefusalDelegate(RestoreRecorder recorder) {
        return execution -> {
            RestoreVariables vars = RestoreVariables.of(execution);
            long runId = recorder.runOf(execution.getProcessInstanceId());
            // a refusal with its key is shown in the viewer's language; words only as they are
            Text text = vars.failureText();
            if (text != null) {
                recorder.refused(runId, text);
            } else {
                recorder.refused(runId, vars.failureMessage());
            }
        };
    }

    /**
     * On completing Task_ApproveRestore: an explicit decision (400 in Tasklist and over REST
     * without one, or for a rejection without a comment), who approved, when, and the
     * second-operator rule (403).
     */
    @Bean
    TaskListener approveRestoreListener(RestoreSteps steps, RestoreRecorder recorder) {
        return task -> {
            RestoreVariables vars = RestoreVariables.of(task);
            String approver = currentUser(task);
            Boolean decision = vars.decision();
            try {
                steps.approve(recorder.runOf(task.getProcessInstanceId()), approver, decision, vars.approvalComment());
            } catch (IncompleteDecisionException incomplete) {
                throw new FormFieldValidationException("approved", incomplete.getMessage());
            } catch (DecisionRefusedException refused) {
                throw new AuthorizationException(refused.getMessage());
            }
            vars.putDecision(decision);
            vars.putApproval(approver, Steps.now());
        };
    }

    @Bean
    JavaDelegate recordRejectionDelegate(RestoreRecorder recorder) {
        return execution -> {
            RestoreVariables vars = RestoreVariables.of(execution);
            recorder.rejected(recorder.runOf(execution.getProcessInstanceId()), vars.approvedBy(), vars.approvalComment());
        };
    }

    @Bean
    JavaDelegate recordRestoreAbortedDelegate(RestoreRecorder recorder) {
        return execution -> {
            RestoreVariables vars = RestoreVariables.of(execution);
            recorder.safetyBackupFailed(recorder.runOf(execution.getProcessInstanceId()), vars.failedStep(), vars.failureMessage());
        };
    }

    @Bean
    JavaDelegate stopServicesDelegate(RestoreSteps steps, RestoreRecorder recorder) {
        return changingStep(steps, recorder, (execution, vars, runId) ->
                vars.putStoppedServices(steps.stopServices(runId, vars.stoppedServices().orElse(List.of()))));
    }

    /** Before the services stop: the database restored beside the live one and checked; production is not touched. */
    @Bean
    JavaDelegate restoreBesideDelegate(RestoreSteps steps, RestoreRecorder recorder) {
        return changingStep(steps, recorder, (execution, vars, runId) -> steps.restoreBeside(runId));
    }

    @Bean
    JavaDelegate restoreDataDelegate(RestoreSteps steps, RestoreRecorder recorder) {
        return changingStep(steps, recorder, (execution, vars, runId) -> steps.restoreData(runId));
    }

    /** Chosen files or folders into place (the application running) or side by side, or their undo: no safety backup, no stop. */
    @Bean
    JavaDelegate restoreFilesDelegate(RestoreSteps steps, RestoreRecorder recorder) {
        return changingStep(steps, recorder, (execution, vars, runId) -> steps.restoreFiles(runId));
    }

    @Bean
    JavaDelegate startServicesDelegate(RestoreSteps steps, RestoreRecorder recorder) {
        return changingStep(steps, recorder, (execution, vars, runId) -> steps.startServices(runId, vars.stoppedServices().orElse(List.of())));
    }

    /** After an interruption: recorded, and the application's state shown; nothing is started or restored. */
    @Bean
    JavaDelegate recordInterruptionDelegate(RestoreSteps steps, RestoreRecorder recorder) {
        return execution -> {
            RestoreVariables vars = RestoreVariables.of(execution);
            RestoreSteps.Interruption interruption = steps.recordInterruption(recorder.runOf(execution.getProcessInstanceId()),
                    vars.failedStep(), vars.failureMessage());
            vars.putDiagnostics(interruption.diagnostics().healthResponse(), interruption.diagnostics().backendLog());
            vars.putApplicationState(interruption.applicationState());
        };
    }

    /** When a resolve task opens: the answer to an earlier task is not this one's (Tasklist would preselect it, REST reuse it). */
    @Bean
    TaskListener clearResolutionListener() {
        return task -> task.getExecution().removeVariable("resolution");
    }

    /** On completing Task_ResolveInterruptedRestore: again, rollback or close, possible now. */
    @Bean
    TaskListener resolveInterruptedListener(RestoreSteps steps, RestoreRecorder recorder) {
        return resolution(steps, recorder, "Task_ResolveInterruptedRestore");
    }

    @Bean
    JavaDelegate checkHealthDelegate(RestoreSteps steps, RestoreRecorder recorder) {
        return execution -> {
            RestoreVariables vars = RestoreVariables.of(execution);
            try {
                steps.checkHealth(recorder.runOf(execution.getProcessInstanceId()));
            } catch (HealthCheckFailedException e) {
                vars.putDiagnostics(e.healthResponse(), e.backendLog());
                throw error(vars, execution, ERR_HEALTH_CHECK_FAILED, e);
            } catch (RuntimeException e) {
                throw error(vars, execution, ERR_RESTORE_FAILED, e);
            }
        };
    }

    /** Never fails: starts what the restore stopped (all configured services if stopping itself failed) and collects diagnostics. */
    @Bean
    JavaDelegate recoverServicesDelegate(RestoreSteps steps, RestoreRecorder recorder) {
        return execution -> {
            RestoreVariables vars = RestoreVariables.of(execution);
            RestoreExecutor.Diagnostics diagnostics = steps.recoverServices(recorder.runOf(execution.getProcessInstanceId()),
                    vars.failedStep(), vars.failureMessage(), vars.stoppedServices());
            vars.putDiagnostics(diagnostics.healthResponse(), diagnostics.backendLog());
        };
    }

    /** On completing Task_ResolveFailedRestore: retry, rollback or close, possible now. */
    @Bean
    TaskListener resolveRestoreListener(RestoreSteps steps, RestoreRecorder recorder) {
        return resolution(steps, recorder, "Task_ResolveFailedRestore");
    }

    /** An operator's decision after a failure or an interruption, by the user the engine authenticated; refused as a bad request. */
    private static TaskListener resolution(RestoreSteps steps, RestoreRecorder recorder, String taskKey) {
        return task -> {
            try {
                steps.resolve(recorder.runOf(task.getProcessInstanceId()), taskKey, RestoreVariables.of(task).resolution(), currentUser(task));
            } catch (DecisionRefusedException refused) {
                throw new BadUserRequestException(refused.getMessage());
            }
        };
    }

    @Bean
    JavaDelegate prepareRollbackDelegate(RestoreSteps steps, RestoreRecorder recorder) {
        return execution -> {
            RestoreVariables vars = RestoreVariables.of(execution);
            vars.startRollback();
            vars.putRestoreSet(steps.prepareRollback(recorder.runOf(execution.getProcessInstanceId()))); // what the forms show from now on
        };
    }

    @Bean
    JavaDelegate recordRestoreDelegate(RestoreSteps steps, RestoreRecorder recorder) {
        return execution -> {
            RestoreVariables vars = RestoreVariables.of(execution);
            steps.recordRestore(recorder.runOf(execution.getProcessInstanceId()), vars.approvedAt(), vars.firstFailure());
        };
    }

    @Bean
    JavaDelegate recordRestoreFailedDelegate(RestoreSteps steps, RestoreRecorder recorder) {
        return execution -> {
            RestoreVariables vars = RestoreVariables.of(execution);
            steps.recordFailed(recorder.runOf(execution.getProcessInstanceId()), vars.failedStep(), vars.failureMessage());
        };
    }

    /** The user the engine authenticated when the instance (when called: its caller) was started (REST, Tasklist); "unknown" without one. */
    private static String starter(DelegateExecution execution) {
        DelegateExecution instance = execution.getProcessInstance();
        while (true) {
            var started = execution.getProcessEngineServices().getHistoryService().createHistoricProcessInstanceQuery()
                    .processInstanceId(instance.getId()).singleResult();
            if (started != null && started.getStartUserId() != null) {
                return started.getStartUserId();
            }
            if (instance.getSuperExecution() == null) {
                return "unknown";
            }
            // a called restore (disaster recovery) starts in a job, with no login: it is asked by whoever started its caller
            instance = instance.getSuperExecution().getProcessInstance();
        }
    }

    private static String currentUser(DelegateTask task) {
        Authentication auth = task.getProcessEngineServices().getIdentityService().getCurrentAuthentication();
        if (auth != null && auth.getUserId() != null) {
            return auth.getUserId();
        }
        return task.getAssignee() != null ? task.getAssignee() : "unknown";
    }

    private static BpmnError error(RestoreVariables vars, DelegateExecution execution, String code, RuntimeException cause) {
        return Steps.error(vars, execution, code, cause);
    }

    /** A step after the approval: any failure goes to the model's recovery path, not into an incident. */
    private static JavaDelegate restoreStep(RestoreRecorder recorder, Step body) {
        return execution -> {
            RestoreVariables vars = RestoreVariables.of(execution);
            try {
                body.run(execution, vars, recorder.runOf(execution.getProcessInstanceId()));
            } catch (RuntimeException e) {
                throw error(vars, execution, ERR_RESTORE_FAILED, e);
            }
        };
    }

    /**
     * A step that changes the application in place (stop, restore data, start): it marks its
     * start under its engine job before doing anything; the mark goes once the engine committed
     * the step. The same job finding its mark again means the orchestrator died inside the step:
     * Err_RestoreInterrupted hands the restore to an operator instead of running it again.
     */
    private static JavaDelegate changingStep(RestoreSteps steps, RestoreRecorder recorder, Step body) {
        JavaDelegate step = restoreStep(recorder, body);
        return execution -> {
            long runId = recorder.runOf(execution.getProcessInstanceId());
            String job = Executions.currentJobId(execution);
            Optional<String> interrupted = steps.beginChangingStep(runId, execution.getCurrentActivityId(), job);
            if (interrupted.isPresent()) {
                Executions.afterCommit(() -> recorder.clearStep(runId, job));
                RestoreVariables.of(execution).putFailure(execution.getCurrentActivityId(), interrupted.get());
                throw new BpmnError(ERR_RESTORE_INTERRUPTED, interrupted.get());
            }
            Executions.afterCommit(() -> recorder.endStep(runId, job));
            step.execute(execution);
        };
    }

    @FunctionalInterface
    private interface Step {
        void run(DelegateExecution execution, RestoreVariables vars, long runId);
    }
}
