package com.llmbackup.process.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A recovery task completes only with its checks ticked. */
class RecoveryChecklistTests {

    @ParameterizedTest(name = "{0}")
    @CsvSource({"Task_InstallPlatform, dockerInstalled, postgresInstalled", "Task_CopyBackups, backupsCopied, backupRootChecked",
            "Task_DeployApplication, applicationDeployed, servicesCreated", "Task_SetEnvironment, environmentSet, secretsChecked"})
    void missingWhenEveryCheckIsTickedIsEmpty(String task, String first, String second) {
        assertThat(RecoveryChecklist.missing(task, Map.of(first, true, second, true, "stepComment", "done"))).isEmpty();
    }

    @ParameterizedTest(name = "{0} without {2}")
    @CsvSource({"Task_InstallPlatform, dockerInstalled, postgresInstalled", "Task_CopyBackups, backupRootChecked, backupsCopied",
            "Task_SetEnvironment, environmentSet, secretsChecked"})
    void missingWhenACheckIsNotTickedNamesIt(String task, String ticked, String unticked) {
        Map<String, Object> values = new HashMap<>(Map.of(ticked, true));
        assertThat(RecoveryChecklist.missing(task, values)).contains("Not done yet: " + unticked + " must be ticked to complete " + task
                + " (the form's instructions say how). 아직 완료되지 않은 항목이 있습니다.");
        values.put(unticked, "true"); // a string is not a ticked checkbox
        assertThat(RecoveryChecklist.missing(task, values)).isPresent();
    }

    @Test
    void missingWhenNothingIsTickedNamesEveryCheck() {
        assertThat(RecoveryChecklist.missing("Task_DeployApplication", Map.of("applicationDeployed", false)))
                .hasValueSatisfying(m -> assertThat(m).startsWith("Not done yet: applicationDeployed, servicesCreated must be ticked"));
    }

    @Test
    void missingWhenTheConfirmationIsAnsweredEitherWayIsEmpty() {
        assertThat(RecoveryChecklist.missing("Task_ConfirmRecovery", Map.of("confirmed", false))).isEmpty();
        assertThat(RecoveryChecklist.missing("Task_ConfirmRecovery", Map.of("confirmed", true))).isEmpty();
    }

    @Test
    void missingWhenTheTaskIsNotARecoveryTaskRefuses() {
        assertThat(RecoveryChecklist.missing("Task_ApproveRestore", Map.of())).contains("Task_ApproveRestore is not a task of the disaster recovery.");
    }
}
