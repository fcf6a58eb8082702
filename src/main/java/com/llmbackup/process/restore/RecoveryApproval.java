package com.llmbackup.process.restore;

import java.util.List;
import java.util.Set;

import com.llmbackup.process.engine.ProcessKeys;

/**
 * Whether a restore skips its approval task because a disaster recovery's operator already
 * confirmed it (RunKindGuard's pattern: the right comes from the calling model, never from a
 * variable). Only a {@code RestoreProcess} called by {@code DisasterRecoveryProcess} whose
 * {@code Task_ConfirmRecovery} the engine recorded as completed by an authenticated user is
 * pre-approved, and then in that user's name; the second-operator rule still applies (a
 * declarer confirming their own recovery leaves the approval to a colleague). Anything else,
 * a REST start with forged variables included, goes through Task_ApproveRestore. Pure: the
 * delegate passes the caller's key and the engine's record of the confirmation.
 */
public final class RecoveryApproval {

    public static final String CONFIRM_TASK = "Task_ConfirmRecovery";

    private RecoveryApproval() {
    }

    /** A completion of {@code taskKey} as the engine's user operation log recorded it ({@code userId} null without a login). */
    public record Completion(String taskKey, String userId) {
    }

    /**
     * What the engine shows of the recovery beside the completion: whether the confirmation said
     * yes, the set it named (the one the recovery's history row
     * recorded at its choice and verification) and the set this restore was called with,
     * and every user operation on either instance that moves its path or changes its variables
     * (a modification, a set or removed variable, a migration): after one of those, the set
     * restored may not be the one the operator read, verified and confirmed.
     */
    public record Recovery(boolean confirmed, String confirmedSet, String restoredSet, List<String> changes) {
    }

    /** User operations that change an instance's path or variables behind its confirmation (engine names). */
    public static final Set<String> CHANGES = Set.of("ModifyProcessInstance", "SetVariable", "SetVariables",
            "ModifyVariable", "RemoveVariable", "Migrate", "RestartProcessInstance");

    /** Pre-approved by {@code approver}, or not, saying why (written in the restore's history details). */
    public record Verdict(String approver, String reason) {
        boolean preApproved() {
            return approver != null;
        }
    }

    /**
     * @param callerKey   the calling process's key, null when the restore was started on its own
     * @param completions the caller's completed tasks (empty when there is no caller)
     * @param recovery    the confirmation's answer, the sets and the changes (ignored without a recovery caller)
     * @param declaredBy  who started the recovery (the restore's requester)
     */
    public static Verdict check(String callerKey, List<Completion> completions, Recovery recovery, String declaredBy,
                         boolean requireSecondOperator) {
        if (callerKey == null) {
            return new Verdict(null, "Started on its own: an operator approves it in Task_ApproveRestore.");
        }
        if (!ProcessKeys.DISASTER_RECOVERY.equals(callerKey)) {
            return new Verdict(null, "Called by " + callerKey + ", which cannot approve a restore: an operator approves it in Task_ApproveRestore.");
        }
        List<String> confirmers = completions.stream().filter(c -> CONFIRM_TASK.equals(c.taskKey())).map(Completion::userId).toList();
        if (confirmers.isEmpty()) {
            return new Verdict(null, "The disaster recovery's " + CONFIRM_TASK + " was not completed: an operator approves the restore in "
                    + "Task_ApproveRestore.");
        }
        if (confirmers.size() > 1 || confirmers.get(0) == null || confirmers.get(0).isBlank()) {
            return new Verdict(null, "The engine has no single authenticated operator for the disaster recovery's " + CONFIRM_TASK
                    + ": an operator approves the restore in Task_ApproveRestore.");
        }
        String confirmer = confirmers.get(0);
        if (!recovery.confirmed()) {
            return new Verdict(null, "The disaster recovery's " + CONFIRM_TASK + " was answered no by " + confirmer
                    + ": an operator approves the restore in Task_ApproveRestore.");
        }
        if (!recovery.changes().isEmpty()) {
            return new Verdict(null, "The disaster recovery or this restore was changed by hand (" + String.join(", ", recovery.changes())
                    + "): what is restored may not be what " + confirmer + " confirmed, so an operator approves it in Task_ApproveRestore.");
        }
        if (recovery.confirmedSet() == null || !recovery.confirmedSet().equals(recovery.restoredSet())) {
            return new Verdict(null, confirmer + " confirmed set " + recovery.confirmedSet() + " but this restore is of "
                    + recovery.restoredSet() + ": an operator approves it in Task_ApproveRestore.");
        }
        if (requireSecondOperator && confirmer.equals(declaredBy)) {
            return new Verdict(null, "The recovery was declared and confirmed by " + confirmer + " and backup.restore.require-second-operator "
                    + "is on: another operator approves the restore in Task_ApproveRestore.");
        }
        return new Verdict(confirmer, "Approved by " + confirmer + " in the disaster recovery's " + CONFIRM_TASK + ".");
    }
}
