package com.llmbackup.security;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import com.llmbackup.restore.RestoreGuard;

/**
 * Which variables a request may send, per restore and disaster recovery task and per start of
 * every process an operator may start: the approval takes {@code approved} and
 * {@code approvalComment}, the failure and interrupted tasks {@code resolution}, a recovery task
 * its checks, a start its form's fields (none for the backups and the preflight, {@code dryRun}
 * for the cleanup). Anything else (a {@code requestedBy}, a plan field, a {@code runId}, a target
 * changed at the approval) is refused with what is allowed; a process or task not listed here
 * takes nothing (fail closed). {@link #STARTS}' keys are the processes operators may start. Pure.
 */
final class SubmittedVariables {

    static final Map<String, Set<String>> TASKS = Map.of(
            "Task_ApproveRestore", Set.of("approved", "approvalComment"),
            "Task_ResolveFailedRestore", Set.of("resolution"),
            "Task_ResolveInterruptedRestore", Set.of("resolution"),
            // the disaster recovery: each task's checks (process/RecoveryChecklist) and a note
            "Task_InstallPlatform", Set.of("dockerInstalled", "postgresInstalled", "stepComment"),
            "Task_CopyBackups", Set.of("backupsCopied", "backupRootChecked", "stepComment"),
            "Task_DeployApplication", Set.of("applicationDeployed", "servicesCreated", "stepComment"),
            "Task_SetEnvironment", Set.of("environmentSet", "secretsChecked", "stepComment"),
            "Task_ConfirmRecovery", Set.of("confirmed", "confirmationComment"),
            "Task_RtoAtRisk", Set.of("acknowledged", "escalationComment"));
    static final Map<String, Set<String>> STARTS = Map.of(
            // the timers' processes, started by hand: nothing to send (their rows, locks and sets are their own)
            "PreflightProcess", Set.of(),
            "DailyBackupProcess", Set.of(),
            "WeeklyBackupProcess", Set.of(),
            "BackupCleanupProcess", Set.of("dryRun"),
            "RestoreProcess", Set.of("backupKind", "backupId", "restoreDatabase", "restoreUploads", "reason", "targetDatabase",
                    "targetUploadsDir", "applicationStopped", "databaseMethod", "undoRestoreOf", "restorePaths",
                    "stopApplication", "restoreToTime"),
            // the drill's own variables (its rows, the lock wait, the outcome) are the steps' alone
            "RestoreDrillProcess", Set.of("backupKind", "backupId"),
            "DisasterRecoveryProcess", Set.of("backupKind", "backupId", "reason"));

    private SubmittedVariables() {
    }

    /** Why the variables sent to complete a task of this key are refused; empty if they are fine. */
    static Optional<String> checkTask(String taskKey, Set<String> sent) {
        return check(TASKS.get(taskKey), sent, "completing " + taskKey);
    }

    /** Why the variables sent to start a process of this key are refused; empty if they are fine. */
    static Optional<String> checkStart(String processKey, Set<String> sent) {
        return check(STARTS.get(processKey), sent, "starting " + processKey);
    }

    /**
     * Why the values sent to complete a task are refused (the approval's explicit decision, a
     * rejection's comment: {@link RestoreGuard#decision}); empty if they are fine. The approval
     * listener holds the same rule for callers that do not come through REST.
     */
    static Optional<String> checkTaskValues(String taskKey, Map<String, Object> values) {
        if ("Task_ApproveRestore".equals(taskKey)) {
            return RestoreGuard.decision(RestoreGuard.decisionOf(values.get("approved")), text(values.get("approvalComment")));
        }
        return Optional.empty();
    }

    /** Why the values sent to start a process are refused (a restore's reason); empty if they are fine. */
    static Optional<String> checkStartValues(String processKey, Map<String, Object> values) {
        if ("RestoreProcess".equals(processKey)) {
            return RestoreGuard.reasonGiven(text(values.get("reason")));
        }
        return Optional.empty();
    }

    private static String text(Object value) {
        return value == null ? null : value.toString();
    }

    private static Optional<String> check(Set<String> allowed, Set<String> sent, String what) {
        if (allowed == null) {
            return Optional.of("Nothing can be sent when " + what + ": it is not a start or task operators work on.");
        }
        Set<String> refused = new TreeSet<>(sent);
        refused.removeAll(allowed);
        if (refused.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("Variables " + refused + " cannot be sent when " + what + ": only " + List.copyOf(new TreeSet<>(allowed))
                + " are taken. Who asked and who approved come from the login; a run's history row and plan from its own instance.");
    }
}
