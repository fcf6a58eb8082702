package com.llmbackup.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import com.llmbackup.process.RecoveryApproval.Completion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which caller may pre-approve a restore, and everything that is refused: one test per rule. */
class RecoveryApprovalTests {

    private static final List<Completion> CONFIRMED_BY_BOB = List.of(new Completion("Task_InstallPlatform", "alice"),
            new Completion("Task_ConfirmRecovery", "bob"));

    @Test
    void checkWhenRecoveryConfirmedByAnAuthenticatedOperatorApprovesInTheirName() {
        var verdict = RecoveryApproval.check("DisasterRecoveryProcess", CONFIRMED_BY_BOB, "alice", true);
        assertThat(verdict.preApproved()).isTrue();
        assertThat(verdict.approver()).isEqualTo("bob");
        assertThat(verdict.reason()).isEqualTo("Approved by bob in the disaster recovery's Task_ConfirmRecovery.");
    }

    @Test
    void checkWhenStartedOnItsOwnLeavesTheApprovalToTheTaskWhateverWasCompleted() {
        var verdict = RecoveryApproval.check(null, CONFIRMED_BY_BOB, "alice", false);
        assertThat(verdict.preApproved()).isFalse();
        assertThat(verdict.reason()).isEqualTo("Started on its own: an operator approves it in Task_ApproveRestore.");
    }

    @ParameterizedTest(name = "called by {0}")
    @CsvSource({"DailyBackupProcess", "RestoreDrillProcess", "RestoreProcess", "disasterrecoveryprocess"})
    void checkWhenCalledByAnotherProcessLeavesTheApprovalToTheTask(String caller) {
        var verdict = RecoveryApproval.check(caller, CONFIRMED_BY_BOB, "alice", false);
        assertThat(verdict.preApproved()).isFalse();
        assertThat(verdict.reason()).isEqualTo("Called by " + caller + ", which cannot approve a restore: an operator approves it in "
                + "Task_ApproveRestore.");
    }

    @Test
    void checkWhenTheConfirmationWasNotCompletedLeavesTheApprovalToTheTask() {
        var verdict = RecoveryApproval.check("DisasterRecoveryProcess", List.of(new Completion("Task_CopyBackups", "bob")), "alice", false);
        assertThat(verdict.preApproved()).isFalse();
        assertThat(verdict.reason()).isEqualTo("The disaster recovery's Task_ConfirmRecovery was not completed: an operator approves the "
                + "restore in Task_ApproveRestore.");
    }

    @ParameterizedTest(name = "completed by ''{0}''")
    @CsvSource(value = {"NULL", "''", "' '"}, nullValues = "NULL")
    void checkWhenNoAuthenticatedUserCompletedTheConfirmationLeavesTheApprovalToTheTask(String user) {
        var verdict = RecoveryApproval.check("DisasterRecoveryProcess", List.of(new Completion("Task_ConfirmRecovery", user)), "alice", false);
        assertThat(verdict.preApproved()).isFalse();
        assertThat(verdict.reason()).isEqualTo("The engine has no single authenticated operator for the disaster recovery's "
                + "Task_ConfirmRecovery: an operator approves the restore in Task_ApproveRestore.");
    }

    @Test
    void checkWhenTwoConfirmationsAreRecordedLeavesTheApprovalToTheTask() {
        var verdict = RecoveryApproval.check("DisasterRecoveryProcess", List.of(new Completion("Task_ConfirmRecovery", "bob"),
                new Completion("Task_ConfirmRecovery", "mallory")), "alice", false);
        assertThat(verdict.preApproved()).isFalse();
    }

    @Test
    void checkWhenDeclarerConfirmsTheirOwnRecoveryWithSecondOperatorRuleLeavesTheApprovalToAColleague() {
        var verdict = RecoveryApproval.check("DisasterRecoveryProcess", CONFIRMED_BY_BOB, "bob", true);
        assertThat(verdict.preApproved()).isFalse();
        assertThat(verdict.reason()).isEqualTo("The recovery was declared and confirmed by bob and backup.restore.require-second-operator "
                + "is on: another operator approves the restore in Task_ApproveRestore.");
    }

    @Test
    void checkWhenDeclarerConfirmsTheirOwnRecoveryWithoutSecondOperatorRuleApproves() {
        assertThat(RecoveryApproval.check("DisasterRecoveryProcess", CONFIRMED_BY_BOB, "bob", false).approver()).isEqualTo("bob");
    }
}
