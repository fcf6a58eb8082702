package com.llmbackup.process.recovery;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.llmbackup.process.restore.RecoveryApproval;

/**
 * The checks an operator ticks in each task of {@code DisasterRecoveryProcess} (its forms'
 * checkboxes): a task is completed only with every one of them ticked; the confirmation and
 * the RTO escalation take their answer instead. Pure.
 */
final class RecoveryChecklist {

    static final Map<String, List<String>> REQUIRED = Map.of(
            "Task_InstallPlatform", List.of("dockerInstalled", "postgresInstalled"),
            "Task_CopyBackups", List.of("backupsCopied", "backupRootChecked"),
            "Task_DeployApplication", List.of("applicationDeployed", "servicesCreated"),
            "Task_SetEnvironment", List.of("environmentSet", "secretsChecked"),
            "Task_RtoAtRisk", List.of("acknowledged"),
            RecoveryApproval.CONFIRM_TASK, List.of());

    private RecoveryChecklist() {
    }

    /** Why the task cannot be completed with these values; empty when every check is ticked. */
    static Optional<String> missing(String taskKey, Map<String, Object> values) {
        List<String> required = REQUIRED.get(taskKey);
        if (required == null) {
            return Optional.of(taskKey + " is not a task of the disaster recovery.");
        }
        List<String> unticked = required.stream().filter(check -> !Boolean.TRUE.equals(values.get(check))).toList();
        if (unticked.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("Not done yet: " + String.join(", ", unticked) + " must be ticked to complete " + taskKey
                + " (the form's instructions say how). 아직 완료되지 않은 항목이 있습니다.");
    }
}
