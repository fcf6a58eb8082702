package com.llmbackup.process.recovery;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

import com.llmbackup.process.engine.ProcessKeys;
import com.llmbackup.process.restore.RecoveryApproval;
import com.llmbackup.recovery.DisasterRecoveryService;
import com.llmbackup.recovery.RecoveryReport;
import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.history.HistoricActivityInstance;
import org.camunda.bpm.engine.history.UserOperationLogEntry;

/**
 * What the engine's history says about one disaster recovery, for its report: when it was
 * declared, each step with its duration and who did it (a user task's operator from the user
 * operation log, which the login writes, never a variable or a claim), the called restore and
 * when its health check passed, whether the RTO escalation fired.
 */
final class RecoveryHistory {

    static final String AUTOMATED = "llm-backup";
    private static final List<String> STEP_TYPES = List.of("userTask", "serviceTask", "callActivity");

    private final HistoryService history;
    private final String processInstanceId;

    RecoveryHistory(HistoryService history, String processInstanceId) {
        this.history = history;
        this.processInstanceId = processInstanceId;
    }

    Instant declaredAt() {
        return history.createHistoricProcessInstanceQuery().processInstanceId(processInstanceId).singleResult().getStartTime().toInstant();
    }

    /** Who completed each task of the recovery, by task id, as the engine logged the authenticated user. */
    Map<String, String> completedBy() {
        return history.createUserOperationLogQuery().processInstanceId(processInstanceId)
                .operationType(UserOperationLogEntry.OPERATION_TYPE_COMPLETE).list().stream()
                .filter(e -> e.getTaskId() != null && e.getUserId() != null)
                .collect(Collectors.toMap(UserOperationLogEntry::getTaskId, UserOperationLogEntry::getUserId, (a, b) -> a));
    }

    /** Who completed the first finished task {@code taskKey}, if anyone did. */
    Optional<String> completerOf(String taskKey) {
        Map<String, String> by = completedBy();
        return activities().stream().filter(a -> taskKey.equals(a.getActivityId()) && a.getTaskId() != null)
                .map(a -> by.get(a.getTaskId())).filter(Objects::nonNull).findFirst();
    }

    /** The finished steps, in order; an automated step is done by llm-backup, a called process by its own steps. */
    List<RecoveryReport.Step> steps() {
        Map<String, String> by = completedBy();
        return activities().stream().filter(a -> STEP_TYPES.contains(a.getActivityType()) && a.getEndTime() != null)
                .map(a -> RecoveryReport.Step.of(a.getActivityId(), a.getActivityName(), a.getActivityType(), a.getStartTime().toInstant(),
                        a.getEndTime().toInstant(), "userTask".equals(a.getActivityType())
                                ? by.getOrDefault(a.getTaskId(), "unknown")
                                : "callActivity".equals(a.getActivityType()) ? a.getCalledProcessInstanceId() : AUTOMATED))
                .toList();
    }

    /** The recovery as the engine recorded it, for its report: declared by {@code declaredBy}, ending at {@code endedAt}. */
    DisasterRecoveryService.EngineRecord record(String declaredBy, Instant endedAt) {
        String restore = restoreInstance().orElse(null);
        return new DisasterRecoveryService.EngineRecord(processInstanceId, declaredBy, completerOf(RecoveryApproval.CONFIRM_TASK).orElse(null),
                declaredAt(), endedAt, restore, restore == null ? null : healthyAt(restore).orElse(null), escalated(), steps());
    }

    boolean escalated() {
        return activities().stream().anyMatch(a -> "Boundary_RtoAtRisk".equals(a.getActivityId()));
    }

    /** The restore this recovery called, if it got that far. */
    Optional<String> restoreInstance() {
        return history.createHistoricProcessInstanceQuery().superProcessInstanceId(processInstanceId)
                .processDefinitionKey(ProcessKeys.RESTORE).list().stream().map(p -> p.getId()).findFirst();
    }

    /** When the called restore's health check passed (the end of its last finished Task_CheckHealth). */
    Optional<Instant> healthyAt(String restoreInstance) {
        return history.createHistoricActivityInstanceQuery().processInstanceId(restoreInstance).activityId("Task_CheckHealth")
                .finished().list().stream().filter(a -> !a.isCanceled()).map(a -> a.getEndTime().toInstant())
                .max(Comparator.naturalOrder());
    }

    private List<HistoricActivityInstance> activities() {
        return history.createHistoricActivityInstanceQuery().processInstanceId(processInstanceId)
                .orderByHistoricActivityInstanceStartTime().asc().orderPartiallyByOccurrence().asc().list();
    }
}
