package com.llmbackup.process.restore;

import java.util.List;
import java.util.stream.Stream;

import com.llmbackup.process.engine.Executions;
import com.llmbackup.restore.RestoreRecorder;
import com.llmbackup.restore.RestoreRequest;
import com.llmbackup.restore.RestoreSteps;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.history.UserOperationLogEntry;

/**
 * What the engine recorded of the disaster recovery that called a restore (who completed its
 * tasks, whether it confirmed, what was changed by hand), judged by {@link RecoveryApproval}
 * for the restore's guard.
 */
final class RecoveryConfirmation {

    private RecoveryConfirmation() {
    }

    /**
     * A restore called by a disaster recovery whose confirmation the engine recorded as completed
     * by an authenticated operator is approved in that operator's name (RecoveryApproval): the
     * model's gateway then skips Task_ApproveRestore, reading the approver from the history row.
     * Null when the restore was started on its own (the approval task decides).
     */
    static RestoreSteps.PreApproval judge(DelegateExecution execution, RestoreRecorder recorder, RestoreRequest request,
                                          boolean requireSecondOperator) {
        String callerKey = Executions.callerKey(execution);
        if (callerKey == null) {
            return null;
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
        RecoveryApproval.Verdict verdict = RecoveryApproval.check(callerKey, completions, recovery, request.requestedBy(), requireSecondOperator);
        return new RestoreSteps.PreApproval(verdict.approver(), verdict.reason(), caller);
    }

    private static String taskKey(DelegateExecution execution, String taskId) {
        var task = execution.getProcessEngineServices().getHistoryService().createHistoricTaskInstanceQuery().taskId(taskId).singleResult();
        return task == null ? null : task.getTaskDefinitionKey();
    }
}
