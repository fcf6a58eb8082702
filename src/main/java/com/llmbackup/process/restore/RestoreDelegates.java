package com.llmbackup.process.restore;

import java.util.List;
import java.util.stream.Stream;

import com.llmbackup.config.BackupProperties;
import com.llmbackup.process.engine.Executions;
import com.llmbackup.process.engine.Steps;
import com.llmbackup.restore.HealthCheckFailedException;
import com.llmbackup.restore.RestoreExecutor;
import com.llmbackup.restore.RestoreGuard;
import com.llmbackup.restore.RestorePlan;
import com.llmbackup.restore.RestoreRecorder;
import com.llmbackup.restore.RestoreRequest;
import com.llmbackup.restore.RestoreService;
import org.camunda.bpm.engine.AuthorizationException;
import org.camunda.bpm.engine.BadUserRequestException;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.DelegateTask;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.delegate.TaskListener;
import org.camunda.bpm.engine.history.UserOperationLogEntry;
import org.camunda.bpm.engine.impl.identity.Authentication;
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

    /**
     * The guard: checks the request and freezes it as the run's plan. The requester is the
     * user the engine authenticated for the start, whatever {@code requestedBy} says.
     */
    @Bean
    JavaDelegate validateBackupDelegate(RestoreService restores, RestoreRecorder recorder, BackupProperties properties) {
        return execution -> {
            RestoreVariables vars = RestoreVariables.of(execution);
            String starter = starter(execution);
            RestoreRequest request = vars.startRequest().withRequester(starter);
            long runId = recorder.findRun(execution.getProcessInstanceId()).orElseGet(() -> recorder.begin(request, execution.getProcessInstanceId()));
            vars.putRestoreRunId(runId);
            String claimed = vars.claimedRequester();
            if (claimed != null && !claimed.equals(starter)) {
                recorder.addDetail(runId, "requestedBy '" + claimed + "' sent with the start was ignored: the restore was started by " + starter + ".");
            }
            vars.putRequester(starter); // what the approval form shows
            try {
                RestorePlan plan = restores.plan(request);
                restores.freeze(runId, request);
                vars.putPlan(plan, request.sideBySide());
            } catch (RuntimeException e) {
                throw error(vars, execution, ERR_RESTORE_REFUSED, e);
            }
            preApproval(execution, vars, recorder, runId, request, starter, properties.restore().requireSecondOperator());
        };
    }

    /**
     * A restore called by a disaster recovery whose confirmation the engine recorded as completed
     * by an authenticated operator is approved in that operator's name (RecoveryApproval): the
     * model's gateway then skips Task_ApproveRestore, reading the approver from the history row.
     */
    private static void preApproval(DelegateExecution execution, RestoreVariables vars, RestoreRecorder recorder, long runId,
                                    RestoreRequest request, String requester, boolean requireSecondOperator) {
        String callerKey = Executions.callerKey(execution);
        if (callerKey == null || recorder.approver(runId).isPresent()) {
            return; // started on its own (the approval task decides), or a retried guard that recorded it already
        }
        DelegateExecution callerExecution = execution.getProcessInstance().getSuperExecution();
        String caller = callerExecution.getProcessInstanceId();
        var log = execution.getProcessEngineServices().getHistoryService();
        List<RecoveryApproval.Completion> completions = log
                .createUserOperationLogQuery().processInstanceId(caller)
                .operationType(UserOperationLogEntry.OPERATION_TYPE_COMPLETE).list().stream()
                .filter(entry -> entry.getTaskId() != null)
                .map(entry -> new RecoveryApproval.Completion(taskKey(execution, entry.getTaskId()), entry.getUserId()))
                .toList();
        // a hand-made change of either instance (modification, variables) voids the confirmation: the set may not be the one confirmed
        List<String> changes = Stream.of(caller, execution.getProcessInstanceId())
                .flatMap(instance -> log.createUserOperationLogQuery().processInstanceId(instance).list().stream())
                .filter(entry -> RecoveryApproval.CHANGES.contains(entry.getOperationType()))
                .map(entry -> entry.getOperationType() + " by " + entry.getUserId()).distinct().toList();
        var recovery = new RecoveryApproval.Recovery(Boolean.TRUE.equals(callerExecution.getVariable("confirmed")),
                recorder.recoverySet(caller).orElse(null),
                request.backupKind() + "/" + request.backupId(), changes);
        RecoveryApproval.Verdict verdict = RecoveryApproval.check(callerKey, completions, recovery, requester, requireSecondOperator);
        recorder.addDetail(runId, verdict.reason());
        if (verdict.preApproved()) {
            vars.putApproval(verdict.approver(), Steps.now());
            execution.setVariable("approved", true);
            recorder.approved(runId, verdict.approver(), "confirmed in disaster recovery " + caller);
        }
    }

    private static String taskKey(DelegateExecution execution, String taskId) {
        var task = execution.getProcessEngineServices().getHistoryService().createHistoricTaskInstanceQuery().taskId(taskId).singleResult();
        return task == null ? null : task.getTaskDefinitionKey();
    }

    /** For the model's gateways: whether the frozen plan is side by side (never the variable). */
    @Bean
    RestorePlans restorePlans(RestoreService restores, RestoreRecorder recorder) {
        return new RestorePlans(restores, recorder);
    }


    @Bean
    JavaDelegate recordRefusalDelegate(RestoreRecorder recorder) {
        return execution -> recorder.refused(recorder.runOf(execution.getProcessInstanceId()), RestoreVariables.of(execution).failureMessage());
    }

    /** On completing Task_ApproveRestore: who approved, when, and the second-operator rule. */
    @Bean
    TaskListener approveRestoreListener(RestoreRecorder recorder, BackupProperties properties) {
        return task -> {
            RestoreVariables vars = RestoreVariables.of(task);
            String approver = currentUser(task);
            long runId = recorder.runOf(task.getProcessInstanceId());
            RestoreGuard.ownApproval(approver, recorder.requester(runId), vars.approved(), properties.restore().requireSecondOperator())
                    .ifPresent(why -> {
                        throw new AuthorizationException(why);
                    });
            vars.putApproval(approver, Steps.now());
            if (vars.approved()) {
                recorder.approved(runId, approver, vars.approvalComment());
            }
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
            recorder.failed(recorder.runOf(execution.getProcessInstanceId()), vars.failedStep(), "The safety backup failed (" + vars.failureMessage()
                    + "). Nothing was restored and the application was not stopped. Fix the cause and start the restore again.");
        };
    }

    @Bean
    JavaDelegate stopServicesDelegate(RestoreService restores, RestoreRecorder recorder, RestoreExecutor executor, BackupProperties properties) {
        return changingStep(restores, recorder, (execution, vars, runId) -> {
            restores.holdsLock(runId); // a restart, or a takeover, must not let it run under a backup
            restores.planned(runId, restores.rollingBack(runId)); // the set is still the one approved
            List<String> before = vars.stoppedServices().orElse(List.of());
            List<String> stopped = executor.stopServices(runId);
            // after an interrupted stop, the services its first attempt stopped are stopped already: start them all at the end;
            // a rollback after an interruption finds them stopped by the first stop: they are still this restore's to start
            boolean afterInterruptedStop = recorder.interruptedStep(runId).filter("Task_StopServices"::equals).isPresent();
            List<String> configured = properties.compose().serviceList();
            vars.putStoppedServices(afterInterruptedStop ? configured
                    : configured.stream().filter(s -> before.contains(s) || stopped.contains(s)).toList());
        });
    }

    @Bean
    JavaDelegate restoreDataDelegate(RestoreService restores, RestoreRecorder recorder, RestoreExecutor executor) {
        return changingStep(restores, recorder, (execution, vars, runId) -> {
            restores.holdsLock(runId);
            executor.restoreData(restores.planned(runId, restores.rollingBack(runId)), runId);
        });
    }

    @Bean
    JavaDelegate startServicesDelegate(RestoreService restores, RestoreRecorder recorder, RestoreExecutor executor) {
        return changingStep(restores, recorder, (execution, vars, runId) -> {
            restores.holdsLock(runId);
            executor.startServices(vars.stoppedServices().orElse(List.of()), runId);
        });
    }

    /**
     * After an interruption: records it (the row waits for an operator, the alert goes out) and
     * shows the application's state. Nothing is started or restored; the lock is kept when the
     * data may be half restored.
     */
    @Bean
    JavaDelegate recordInterruptionDelegate(RestoreService restores, RestoreRecorder recorder, RestoreExecutor executor) {
        return execution -> {
            RestoreVariables vars = RestoreVariables.of(execution);
            long runId = recorder.runOf(execution.getProcessInstanceId());
            String state = executor.applicationState(restores.executed(runId, restores.rollingBack(runId)));
            RestoreExecutor.Diagnostics diagnostics = executor.diagnose();
            vars.putDiagnostics(diagnostics.healthResponse(), diagnostics.backendLog());
            vars.putApplicationState(state);
            recorder.addDetail(runId, "Interrupted at " + vars.failedStep() + ". Application then: " + state.replace("\n", "; "));
            recorder.awaitOperator(runId, vars.failedStep(), vars.failureMessage(), "Task_ResolveInterruptedRestore");
        };
    }

    /** When a resolve task opens: the answer to an earlier task is not this one's (Tasklist would preselect it, REST reuse it). */
    @Bean
    TaskListener clearResolutionListener() {
        return task -> task.getExecution().removeVariable("resolution");
    }

    /** On completing Task_ResolveInterruptedRestore: again, rollback or close, possible now. */
    @Bean
    TaskListener resolveInterruptedListener(RestoreService restores, RestoreRecorder recorder) {
        return resolution(restores, recorder, "Task_ResolveInterruptedRestore");
    }

    @Bean
    JavaDelegate checkHealthDelegate(RestoreService restores, RestoreRecorder recorder, RestoreExecutor executor) {
        return execution -> {
            RestoreVariables vars = RestoreVariables.of(execution);
            try {
                long runId = recorder.runOf(execution.getProcessInstanceId());
                restores.holdsLock(runId);
                executor.checkHealth(runId);
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
    JavaDelegate recoverServicesDelegate(RestoreRecorder recorder, RestoreExecutor executor, BackupProperties properties) {
        return execution -> {
            RestoreVariables vars = RestoreVariables.of(execution);
            long runId = recorder.runOf(execution.getProcessInstanceId());
            recorder.addDetail(runId, "Failed at " + vars.failedStep() + ": " + vars.failureMessage());
            recorder.clearInterruption(runId); // a failure handled here supersedes an earlier interruption: the services start again
            List<String> toStart = vars.stoppedServices().orElse("Task_StopServices".equals(vars.failedStep())
                    ? properties.compose().serviceList() : List.of());
            String startProblem = "";
            try {
                executor.startServices(toStart, runId);
            } catch (RuntimeException e) {
                startProblem = "\nStarting the services again failed too: " + e.getMessage();
            }
            RestoreExecutor.Diagnostics diagnostics = executor.diagnose();
            vars.putDiagnostics(diagnostics.healthResponse() + startProblem, diagnostics.backendLog());
            recorder.awaitOperator(runId, vars.failedStep(), vars.failureMessage());
        };
    }

    /** On completing Task_ResolveFailedRestore: retry, rollback or close, possible now. */
    @Bean
    TaskListener resolveRestoreListener(RestoreService restores, RestoreRecorder recorder) {
        return resolution(restores, recorder, "Task_ResolveFailedRestore");
    }

    /**
     * An operator's decision after a failure or an interruption: one the task offers and possible
     * now (RestoreGuard, from the recorded step, never a variable); retry, again and rollback
     * take the lock first, refused naming its holder while it is busy.
     */
    private static TaskListener resolution(RestoreService restores, RestoreRecorder recorder, String taskKey) {
        return task -> {
            String resolution = RestoreVariables.of(task).resolution();
            long runId = recorder.runOf(task.getProcessInstanceId());
            String step = recorder.interruptedStep(runId).orElseGet(() -> recorder.failedStep(runId));
            RestoreGuard.resolution(taskKey, resolution, step, restores.sideBySide(runId), restores.hasSafetySet(runId)).ifPresent(why -> {
                throw new BadUserRequestException(why);
            });
            try {
                restores.resumeByOperator(runId, resolution);
            } catch (IllegalStateException busy) {
                throw new BadUserRequestException(busy.getMessage());
            }
            recorder.addDetail(runId, "Resolution by " + currentUser(task) + ": " + resolution
                    + (resolution.equals("again") ? " (from the start of " + step + ")" : ""));
        };
    }

    @Bean
    JavaDelegate prepareRollbackDelegate(RestoreService restores, RestoreRecorder recorder) {
        return execution -> {
            RestoreVariables vars = RestoreVariables.of(execution);
            vars.startRollback();
            long runId = recorder.runOf(execution.getProcessInstanceId());
            restores.startRollback(runId);
            RestoreRequest rollback = restores.planned(runId, true);
            vars.putRestoreSet(rollback.backupKind() + "/" + rollback.backupId()); // what the forms show from now on
            recorder.addDetail(runId, "Rolling back to " + rollback.backupKind() + "/" + rollback.backupId());
        };
    }

    @Bean
    JavaDelegate recordRestoreDelegate(RestoreService restores, RestoreRecorder recorder) {
        return execution -> {
            RestoreVariables vars = RestoreVariables.of(execution);
            long runId = recorder.runOf(execution.getProcessInstanceId());
            boolean rolledBack = restores.rollingBack(runId);
            recorder.completed(runId, restores.executed(runId, rolledBack), vars.approvedAt(), rolledBack,
                    vars.firstFailure());
        };
    }

    @Bean
    JavaDelegate recordRestoreFailedDelegate(RestoreService restores, RestoreRecorder recorder, RestoreExecutor executor) {
        return execution -> {
            RestoreVariables vars = RestoreVariables.of(execution);
            long runId = recorder.runOf(execution.getProcessInstanceId());
            RestoreRequest plan = restores.executed(runId, restores.rollingBack(runId));
            var interrupted = recorder.interruptedStep(runId);
            String after;
            if (interrupted.isEmpty()) {
                after = " Closed as failed by an operator; the services were started again.";
            } else {
                // a pg_restore the stopped attempt left must not go on writing once nobody owns the restore
                List<String> ended = executor.endLeftoverRestores(plan);
                String sessions = ended.isEmpty() ? "" : " Ended " + ended.size() + " pg_restore session(s) left by the interrupted attempt.";
                if (plan.sideBySide()) {
                    after = " Closed as failed by an operator after the interruption. Production was not touched; the partial copy ("
                            + (plan.restoreDatabase() ? "DROP DATABASE " + plan.targetDatabase() : "")
                            + (plan.restoreDatabase() && plan.restoreUploads() ? "; " : "")
                            + (plan.restoreUploads() ? "rm -r " + plan.targetUploadsDir() : "") + ") remains: drop it." + sessions;
                } else {
                    // after an interruption nothing was started again: the application is as the operator saw it
                    after = " Closed as failed by an operator after the interruption; the services were left as they were ("
                            + executor.applicationState(plan).replace("\n", "; ") + ")."
                            + (interrupted.get().equals(RestoreGuard.DATA_STEP) ? " The data may be half restored and backups run again "
                            + "from now on: restore a set (the safety set to go back) before the application is used again."
                            : " Start them once the data are checked.") + sessions;
                }
            }
            recorder.failed(runId, vars.failedStep(), vars.failureMessage() + after);
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
    private static JavaDelegate changingStep(RestoreService restores, RestoreRecorder recorder, Step body) {
        JavaDelegate step = restoreStep(recorder, body);
        return execution -> {
            long runId = recorder.runOf(execution.getProcessInstanceId());
            String job = Executions.currentJobId(execution);
            var mark = recorder.stepInFlight(runId).filter(m -> m.jobId().equals(job));
            if (mark.isPresent()) {
                String message = recorder.interrupted(runId, mark.get(), restores.executed(runId, restores.rollingBack(runId)));
                Executions.afterCommit(() -> recorder.clearStep(runId, job));
                RestoreVariables.of(execution).putFailure(execution.getCurrentActivityId(), message);
                throw new BpmnError(ERR_RESTORE_INTERRUPTED, message);
            }
            recorder.startStep(runId, execution.getCurrentActivityId(), job, restores.executed(runId, restores.rollingBack(runId)));
            Executions.afterCommit(() -> recorder.endStep(runId, job));
            step.execute(execution);
        };
    }

    @FunctionalInterface
    private interface Step {
        void run(DelegateExecution execution, RestoreVariables vars, long runId);
    }
}
