package com.llmbackup.process.restore;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import com.llmbackup.process.restore.RecoveryApproval.Completion;
import com.llmbackup.process.restore.RecoveryApproval.Recovery;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which caller may pre-approve a restore, and everything that is refused: one test per rule. */
class RecoveryApprovalTests {

    private static final List<Completion> CONFIRMED_BY_BOB = List.of(new Completion("Task_InstallPlatform", "alice"),
            new Completion("Task_ConfirmRecovery", "bob"));

    /** A confirmation that said yes, of the set restored, with nothing changed by hand. */
    private static final Recovery CLEAN = new Recovery(true, "daily/20261201", "daily/20261201", List.of());

    private static RecoveryApproval.Verdict check(String callerKey, List<Completion> completions, String declaredBy, boolean second) {
        return RecoveryApproval.check(callerKey, completions, CLEAN, declaredBy, second);
    }

    @Test
    void checkWhenConfirmationAnsweredNoIsNotPreApproved() {
        var verdict = RecoveryApproval.check("DisasterRecoveryProcess", CONFIRMED_BY_BOB, new Recovery(false, "daily/20261201",
                "daily/20261201", List.of()), "alice", false);
        assertThat(verdict.preApproved()).isFalse();
        assertThat(verdict.reason()).isEqualTo("The disaster recovery's Task_ConfirmRecovery was answered no by bob: an operator "
                + "approves the restore in Task_ApproveRestore.");
    }

    @Test
    void checkWhenRestoredSetIsNotTheConfirmedSetIsNotPreApproved() {
        var verdict = RecoveryApproval.check("DisasterRecoveryProcess", CONFIRMED_BY_BOB, new Recovery(true, "daily/20261201",
                "weekly/20261129", List.of()), "alice", false);
        assertThat(verdict.preApproved()).isFalse();
        assertThat(verdict.reason()).isEqualTo("bob confirmed set daily/20261201 but this restore is of weekly/20261129: an operator "
                + "approves it in Task_ApproveRestore.");
    }

    @ParameterizedTest
    @CsvSource({"ModifyProcessInstance by admin", "SetVariable by admin", "ModifyVariable by admin", "RemoveVariable by admin",
            "Migrate by admin"})
    void checkWhenEitherInstanceWasChangedByHandIsNotPreApproved(String change) {
        var verdict = RecoveryApproval.check("DisasterRecoveryProcess", CONFIRMED_BY_BOB, new Recovery(true, "daily/20261201",
                "daily/20261201", List.of(change)), "alice", false);
        assertThat(verdict.preApproved()).isFalse();
        assertThat(verdict.reason()).isEqualTo("The disaster recovery or this restore was changed by hand (" + change + "): what is "
                + "restored may not be what bob confirmed, so an operator approves it in Task_ApproveRestore.");
    }

    @Test
    void checkWhenRecoveryConfirmedByAnAuthenticatedOperatorApprovesInTheirName() {
        var verdict = check("DisasterRecoveryProcess", CONFIRMED_BY_BOB, "alice", true);
        assertThat(verdict.preApproved()).isTrue();
        assertThat(verdict.approver()).isEqualTo("bob");
        assertThat(verdict.reason()).isEqualTo("Approved by bob in the disaster recovery's Task_ConfirmRecovery.");
    }

    @Test
    void checkWhenStartedOnItsOwnLeavesTheApprovalToTheTaskWhateverWasCompleted() {
        var verdict = check(null, CONFIRMED_BY_BOB, "alice", false);
        assertThat(verdict.preApproved()).isFalse();
        assertThat(verdict.reason()).isEqualTo("Started on its own: an operator approves it in Task_ApproveRestore.");
    }

    @ParameterizedTest(name = "called by {0}")
    @CsvSource({"DailyBackupProcess", "RestoreDrillProcess", "RestoreProcess", "disasterrecoveryprocess"})
    void checkWhenCalledByAnotherProcessLeavesTheApprovalToTheTask(String caller) {
        var verdict = check(caller, CONFIRMED_BY_BOB, "alice", false);
        assertThat(verdict.preApproved()).isFalse();
        assertThat(verdict.reason()).isEqualTo("Called by " + caller + ", which cannot approve a restore: an operator approves it in "
                + "Task_ApproveRestore.");
    }

    @Test
    void checkWhenTheConfirmationWasNotCompletedLeavesTheApprovalToTheTask() {
        var verdict = check("DisasterRecoveryProcess", List.of(new Completion("Task_CopyBackups", "bob")), "alice", false);
        assertThat(verdict.preApproved()).isFalse();
        assertThat(verdict.reason()).isEqualTo("The disaster recovery's Task_ConfirmRecovery was not completed: an operator approves the "
                + "restore in Task_ApproveRestore.");
    }

    @ParameterizedTest(name = "completed by ''{0}''")
    @CsvSource(value = {"NULL", "''", "' '"}, nullValues = "NULL")
    void checkWhenNoAuthenticatedUserCompletedTheConfirmationLeavesTheApprovalToTheTask(String user) {
        var verdict = check("DisasterRecoveryProcess", List.of(new Completion("Task_ConfirmRecovery", user)), "alice", false);
        assertThat(verdict.preApproved()).isFalse();
        assertThat(verdict.reason()).isEqualTo("The engine has no single authenticated operator for the disaster recovery's "
                + "Task_ConfirmRecovery: an operator approves the restore in Task_ApproveRestore.");
    }

    @Test
    void checkWhenTwoConfirmationsAreRecordedLeavesTheApprovalToTheTask() {
        var verdict = check("DisasterRecoveryProcess", List.of(new Completion("Task_ConfirmRecovery", "bob"),
                new Completion("Task_ConfirmRecovery", "mallory")), "alice", false);
        assertThat(verdict.preApproved()).isFalse();
    }

    @Test
    void checkWhenDeclarerConfirmsTheirOwnRecoveryWithSecondOperatorRuleLeavesTheApprovalToAColleague() {
        var verdict = check("DisasterRecoveryProcess", CONFIRMED_BY_BOB, "bob", true);
        assertThat(verdict.preApproved()).isFalse();
        assertThat(verdict.reason()).isEqualTo("The recovery was declared and confirmed by bob and backup.restore.require-second-operator "
                + "is on: another operator approves the restore in Task_ApproveRestore.");
    }

    @Test
    void checkWhenDeclarerConfirmsTheirOwnRecoveryWithoutSecondOperatorRuleApproves() {
        assertThat(check("DisasterRecoveryProcess", CONFIRMED_BY_BOB, "bob", false).approver()).isEqualTo("bob");
    }
}
