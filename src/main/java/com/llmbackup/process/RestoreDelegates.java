package com.llmbackup.process;

import java.util.List;
import java.util.Set;

import com.llmbackup.config.BackupProperties;
import com.llmbackup.restore.HealthCheckFailedException;
import com.llmbackup.restore.RestorePlan;
import com.llmbackup.restore.RestoreRequest;
import com.llmbackup.restore.RestoreService;
import org.camunda.bpm.engine.AuthorizationException;
import org.camunda.bpm.engine.BadUserRequestException;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.DelegateTask;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.delegate.TaskListener;
import org.camunda.bpm.engine.impl.identity.Authentication;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The delegates of {@code RestoreProcess} (the safety backup reuses {@link BackupDelegates}):
 * each reads its variables, calls one step of {@link RestoreService}, writes what the next
 * steps and the operator's forms need. A refused set ends the process through
 * Err_RestoreRefused before anything changed. Once the services may be stopped, every
 * failure becomes Err_RestoreFailed (or Err_HealthCheckFailed), never an incident: the model
 * starts the services again and hands the decision to an operator.
 */
@Configuration(proxyBeanMethods = false)
class RestoreDelegates {

    static final String ERR_RESTORE_REFUSED = "Err_RestoreRefused";
    static final String ERR_RESTORE_FAILED = "Err_RestoreFailed";
    static final String ERR_HEALTH_CHECK_FAILED = "Err_HealthCheckFailed";
    static final String ERR_RESTORE_INTERRUPTED = "Err_RestoreInterrupted";
    private static final Set<String> RESOLUTIONS = Set.of("retry", "rollback", "close");
    private static final Set<String> INTERRUPTED_RESOLUTIONS = Set.of("again", "rollback", "close");

    /**
     * The guard: checks the request and freezes it as the run's plan. The requester is the
     * user the engine authenticated for the start, whatever {@code requestedBy} says.
     */
    @Bean
    JavaDelegate validateBackupDelegate(RestoreService restores) {
        return execution -> {
            RestoreVariables vars = RestoreVariables.of(execution);
            String starter = starter(execution);
            RestoreRequest request = vars.startRequest().withRequester(starter);
            long runId = restores.findRun(execution.getProcessInstanceId()).orElseGet(() -> restores.begin(request, execution.getProcessInstanceId()));
            vars.putRestoreRunId(runId);
            String claimed = vars.claimedRequester();
            if (claimed != null && !claimed.equals(starter)) {
                restores.addDetail(runId, "requestedBy '" + claimed + "' sent with the start was ignored: the restore was started by " + starter + ".");
            }
            vars.putRequester(starter); // what the approval form shows
            try {
                RestorePlan plan = restores.plan(request);
                restores.freeze(runId, request);
                vars.putPlan(plan, request.sideBySide());
            } catch (RuntimeException e) {
                throw error(vars, execution, ERR_RESTORE_REFUSED, e);
            }
        };
    }

    /** For the model's gateways: whether the frozen plan is side by side (never the variable). */
    @Bean
    RestorePlans restorePlans(RestoreService restores) {
        return new RestorePlans(restores);
    }


    @Bean
    JavaDelegate recordRefusalDelegate(RestoreService restores) {
        return execution -> restores.refused(restores.runOf(execution.getProcessInstanceId()), RestoreVariables.of(execution).failureMessage());
    }

    /** On completing Task_ApproveRestore: who approved, when, and the second-operator rule. */
    @Bean
    TaskListener approveRestoreListener(RestoreService restores, BackupProperties properties) {
        return task -> {
            RestoreVariables vars = RestoreVariables.of(task);
            String approver = currentUser(task);
            long runId = restores.runOf(task.getProcessInstanceId());
            if (vars.approved() && properties.restore().requireSecondOperator() && approver.equals(restores.requester(runId))) {
                throw new AuthorizationException("Restore requested by " + approver + " must be approved by another operator "
                        + "(backup.restore.require-second-operator is on). Ask a colleague in group operators to approve it.");
            }
            vars.putApproval(approver, ClockUtil.getCurrentTime().toInstant());
            if (vars.approved()) {
                restores.approved(runId, approver, vars.approvalComment());
            }
        };
    }

    @Bean
    JavaDelegate recordRejectionDelegate(RestoreService restores) {
        return execution -> {
            RestoreVariables vars = RestoreVariables.of(execution);
            restores.rejected(restores.runOf(execution.getProcessInstanceId()), vars.approvedBy(), vars.approvalComment());
        };
    }

    @Bean
    JavaDelegate recordRestoreAbortedDelegate(RestoreService restores) {
        return execution -> {
            RestoreVariables vars = RestoreVariables.of(execution);
            restores.failed(restores.runOf(execution.getProcessInstanceId()), vars.failedStep(), "The safety backup failed (" + vars.failureMessage()
                    + "). Nothing was restored and the application was not stopped. Fix the cause and start the restore again.");
        };
    }

    @Bean
    JavaDelegate stopServicesDelegate(RestoreService restores, BackupProperties properties) {
        return changingStep(restores, (execution, vars, runId) -> {
            restores.holdsLock(runId); // a restart, or a takeover, must not let it run under a backup
            restores.planned(runId, restores.rollingBack(runId)); // the set is still the one approved
            List<String> before = vars.stoppedServices().orElse(List.of());
            List<String> stopped = restores.stopServices(runId);
            // after an interrupted stop, the services its first attempt stopped are stopped already: start them all at the end;
            // a rollback after an interruption finds them stopped by the first stop: they are still this restore's to start
            boolean afterInterruptedStop = restores.interruptedStep(runId).filter("Task_StopServices"::equals).isPresent();
            List<String> configured = properties.compose().serviceList();
            vars.putStoppedServices(afterInterruptedStop ? configured
                    : configured.stream().filter(s -> before.contains(s) || stopped.contains(s)).toList());
        });
    }

    @Bean
    JavaDelegate restoreDataDelegate(RestoreService restores) {
        return changingStep(restores, (execution, vars, runId) -> {
            restores.holdsLock(runId);
            restores.restoreData(restores.planned(runId, restores.rollingBack(runId)), runId);
        });
    }

    @Bean
    JavaDelegate startServicesDelegate(RestoreService restores) {
        return changingStep(restores, (execution, vars, runId) -> {
            restores.holdsLock(runId);
            restores.startServices(vars.stoppedServices().orElse(List.of()), runId);
        });
    }

    /**
     * After an interruption: records it (the row waits for an operator, the alert goes out) and
     * shows the application's state. Nothing is started or restored; the lock is kept when the
     * data may be half restored.
     */
    @Bean
    JavaDelegate recordInterruptionDelegate(RestoreService restores) {
        return execution -> {
            RestoreVariables vars = RestoreVariables.of(execution);
            long runId = restores.runOf(execution.getProcessInstanceId());
            String state = restores.applicationState(runId);
            RestoreService.Diagnostics diagnostics = restores.diagnose();
            vars.putDiagnostics(diagnostics.healthResponse(), diagnostics.backendLog());
            vars.putApplicationState(state);
            restores.addDetail(runId, "Interrupted at " + vars.failedStep() + ". Application then: " + state.replace("\n", "; "));
            restores.awaitOperator(runId, vars.failedStep(), vars.failureMessage(), "Task_ResolveInterruptedRestore");
        };
    }

    /** On completing Task_ResolveInterruptedRestore: again, rollback or close, possible now. */
    @Bean
    TaskListener resolveInterruptedListener(RestoreService restores) {
        return task -> {
            RestoreVariables vars = RestoreVariables.of(task);
            String resolution = vars.resolution();
            if (!INTERRUPTED_RESOLUTIONS.contains(resolution)) {
                throw new BadUserRequestException("resolution must be again, rollback or close, not '" + resolution + "'.");
            }
            long runId = restores.runOf(task.getProcessInstanceId());
            if (resolution.equals("rollback") && (restores.sideBySide(runId) || !restores.hasSafetySet(runId))) {
                throw new BadUserRequestException("There is nothing to roll back to: a side-by-side restore changed no production data. "
                        + "Choose again or close (and drop the partial copy by hand).");
            }
            try {
                restores.resumeByOperator(runId, resolution);
            } catch (IllegalStateException busy) {
                throw new BadUserRequestException(busy.getMessage());
            }
            restores.addDetail(runId, "Resolution by " + currentUser(task) + ": " + resolution
                    + (resolution.equals("again") ? " (from the start of " + restores.interruptedStep(runId).orElse("?") + ")" : ""));
        };
    }

    @Bean
    JavaDelegate checkHealthDelegate(RestoreService restores) {
        return execution -> {
            RestoreVariables vars = RestoreVariables.of(execution);
            try {
                long runId = restores.runOf(execution.getProcessInstanceId());
                restores.holdsLock(runId);
                restores.checkHealth(runId);
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
    JavaDelegate recoverServicesDelegate(RestoreService restores, BackupProperties properties) {
        return execution -> {
            RestoreVariables vars = RestoreVariables.of(execution);
            long runId = restores.runOf(execution.getProcessInstanceId());
            restores.addDetail(runId, "Failed at " + vars.failedStep() + ": " + vars.failureMessage());
            restores.clearInterruption(runId); // a failure handled here supersedes an earlier interruption: the services start again
            List<String> toStart = vars.stoppedServices().orElse("Task_StopServices".equals(vars.failedStep())
                    ? properties.compose().serviceList() : List.of());
            String startProblem = "";
            try {
                restores.startServices(toStart, runId);
            } catch (RuntimeException e) {
                startProblem = "\nStarting the services again failed too: " + e.getMessage();
            }
            RestoreService.Diagnostics diagnostics = restores.diagnose();
            vars.putDiagnostics(diagnostics.healthResponse() + startProblem, diagnostics.backendLog());
            restores.awaitOperator(runId, vars.failedStep(), vars.failureMessage());
        };
    }

    /** On completing Task_ResolveFailedRestore: the resolution must be one the model knows, and possible. */
    @Bean
    TaskListener resolveRestoreListener(RestoreService restores) {
        return task -> {
            RestoreVariables vars = RestoreVariables.of(task);
            String resolution = vars.resolution();
            if (!RESOLUTIONS.contains(resolution)) {
                throw new BadUserRequestException("resolution must be retry, rollback or close, not '" + resolution + "'.");
            }
            long runId = restores.runOf(task.getProcessInstanceId());
            if (resolution.equals("rollback") && (restores.sideBySide(runId) || !restores.hasSafetySet(runId))) {
                throw new BadUserRequestException("There is nothing to roll back to: a side-by-side restore changed no production data. "
                        + "Choose retry or close (and drop the partial copy by hand).");
            }
            var refusal = RestoreService.resolutionRefusal(resolution, vars.failedStep());
            if (refusal.isPresent()) {
                throw new BadUserRequestException(refusal.get());
            }
            try {
                restores.resumeByOperator(runId, resolution);
            } catch (IllegalStateException busy) {
                throw new BadUserRequestException(busy.getMessage());
            }
            restores.addDetail(runId, "Resolution by " + currentUser(task) + ": " + resolution);
        };
    }

    @Bean
    JavaDelegate prepareRollbackDelegate(RestoreService restores) {
        return execution -> {
            RestoreVariables vars = RestoreVariables.of(execution);
            vars.startRollback();
            long runId = restores.runOf(execution.getProcessInstanceId());
            restores.startRollback(runId);
            RestoreRequest rollback = restores.planned(runId, true);
            restores.addDetail(runId, "Rolling back to " + rollback.backupKind() + "/" + rollback.backupId());
        };
    }

    @Bean
    JavaDelegate recordRestoreDelegate(RestoreService restores) {
        return execution -> {
            RestoreVariables vars = RestoreVariables.of(execution);
            long runId = restores.runOf(execution.getProcessInstanceId());
            boolean rolledBack = restores.rollingBack(runId);
            restores.completed(runId, restores.executed(runId, rolledBack), vars.approvedAt(), rolledBack,
                    vars.firstFailure());
        };
    }

    @Bean
    JavaDelegate recordRestoreFailedDelegate(RestoreService restores) {
        return execution -> {
            RestoreVariables vars = RestoreVariables.of(execution);
            long runId = restores.runOf(execution.getProcessInstanceId());
            // after an interruption nothing was started again: the application is as the operator saw it
            String after = restores.interruptedStep(runId).isPresent()
                    ? " Closed as failed by an operator after the interruption; the services were left as they were ("
                    + restores.applicationState(runId).replace("\n", "; ") + "): start them once the data are checked."
                    : " Closed as failed by an operator; the services were started again.";
            restores.failed(runId, vars.failedStep(), vars.failureMessage() + after);
        };
    }

    /** The user the engine authenticated when the instance was started (REST, Tasklist); "unknown" without one. */
    private static String starter(DelegateExecution execution) {
        var started = execution.getProcessEngineServices().getHistoryService().createHistoricProcessInstanceQuery()
                .processInstanceId(execution.getProcessInstanceId()).singleResult();
        return started == null || started.getStartUserId() == null ? "unknown" : started.getStartUserId();
    }

    private static String currentUser(DelegateTask task) {
        Authentication auth = task.getProcessEngineServices().getIdentityService().getCurrentAuthentication();
        if (auth != null && auth.getUserId() != null) {
            return auth.getUserId();
        }
        return task.getAssignee() != null ? task.getAssignee() : "unknown";
    }

    private static BpmnError error(RestoreVariables vars, DelegateExecution execution, String code, RuntimeException cause) {
        return BackupDelegates.error(vars, execution, code, cause);
    }

    /** A step after the approval: any failure goes to the model's recovery path, not into an incident. */
    private static JavaDelegate restoreStep(RestoreService restores, Step body) {
        return execution -> {
            RestoreVariables vars = RestoreVariables.of(execution);
            try {
                body.run(execution, vars, restores.runOf(execution.getProcessInstanceId()));
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
    private static JavaDelegate changingStep(RestoreService restores, Step body) {
        JavaDelegate step = restoreStep(restores, body);
        return execution -> {
            long runId = restores.runOf(execution.getProcessInstanceId());
            String job = Executions.currentJobId(execution);
            var mark = restores.stepInFlight(runId).filter(m -> m.jobId().equals(job));
            if (mark.isPresent()) {
                String message = restores.interrupted(runId, mark.get());
                Executions.afterCommit(() -> restores.clearStep(runId, job));
                RestoreVariables.of(execution).putFailure(execution.getCurrentActivityId(), message);
                throw new BpmnError(ERR_RESTORE_INTERRUPTED, message);
            }
            restores.startStep(runId, execution.getCurrentActivityId(), job);
            Executions.afterCommit(() -> restores.endStep(runId, job));
            step.execute(execution);
        };
    }

    @FunctionalInterface
    private interface Step {
        void run(DelegateExecution execution, RestoreVariables vars, long runId);
    }
}
