package com.llmbackup.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The variables a restore's start and tasks take, and the path spellings the filter must see through. */
class SubmittedVariablesTests {

    @ParameterizedTest(name = "{0} with {1}")
    @CsvSource({"Task_ApproveRestore, approved", "Task_ApproveRestore, approvalComment", "Task_ResolveFailedRestore, resolution"})
    void checkTaskWhenVariableIsAllowedAcceptsIt(String task, String variable) {
        assertThat(SubmittedVariables.checkTask(task, Set.of(variable))).isEmpty();
    }

    @ParameterizedTest(name = "{0} with {1}")
    @CsvSource({"Task_ApproveRestore, requestedBy", "Task_ApproveRestore, targetUploadsDir", "Task_ApproveRestore, rollingBack",
            "Task_ResolveFailedRestore, approved", "Task_ResolveFailedRestore, stoppedServices"})
    void checkTaskWhenVariableIsNotAllowedRefusesNamingWhatIs(String task, String variable) {
        assertThat(SubmittedVariables.checkTask(task, Set.of(variable))).hasValueSatisfying(m -> assertThat(m)
                .startsWith("Variables [" + variable + "] cannot be sent when completing " + task + ": only [")
                .contains(task.equals("Task_ApproveRestore") ? "[approvalComment, approved]" : "[resolution]"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"Task_SomethingElse, anything", "Task_SomethingElse, ''", "BackupRunProcess, runKind", "NewProcess, ''"})
    void checkWhenTaskOrProcessIsNotListedRefusesEvenNothing(String key, String variable) {
        Set<String> sent = variable.isEmpty() ? Set.of() : Set.of(variable);
        assertThat(SubmittedVariables.checkTask(key, sent)).hasValueSatisfying(m -> assertThat(m).startsWith("Nothing can be sent"));
        assertThat(SubmittedVariables.checkStart(key, sent)).hasValueSatisfying(m -> assertThat(m).startsWith("Nothing can be sent"));
    }

    /** The processes that take nothing at their start (their rows, locks and sets are their own), and the cleanup's dryRun. */
    @ParameterizedTest(name = "{0} with {1}")
    @CsvSource({"DailyBackupProcess, runId", "WeeklyBackupProcess, runId", "PreflightProcess, runId", "BackupCleanupProcess, runId",
            "BackupCleanupProcess, leaseWaitingSince", "DailyBackupProcess, runOutcome", "WeeklyBackupProcess, backupId"})
    void checkStartWhenATimerProcessIsSentARunVariableRefusesIt(String process, String variable) {
        assertThat(SubmittedVariables.checkStart(process, Set.of(variable))).hasValueSatisfying(m ->
                assertThat(m).startsWith("Variables [" + variable + "] cannot be sent when starting " + process + ": only ["));
        assertThat(SubmittedVariables.checkStart(process, Set.of())).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"requestedBy", "rollingBack", "sideBySide", "safetyBackupId", "approved"})
    void checkStartWhenVariableIsNotAFormFieldRefusesIt(String variable) {
        assertThat(SubmittedVariables.checkStart("RestoreProcess", Set.of("backupId", variable))).hasValueSatisfying(m ->
                assertThat(m).startsWith("Variables [" + variable + "] cannot be sent when starting RestoreProcess"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"backupKind", "backupId", "restoreDatabase", "restoreUploads", "reason", "targetDatabase", "targetUploadsDir",
            "applicationStopped"})
    void checkStartWhenVariableIsAFormFieldAcceptsIt(String variable) {
        assertThat(SubmittedVariables.checkStart("RestoreProcess", Set.of(variable))).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"drillRuns", "drillRunId", "leaseAcquired", "leaseWaitingSince", "drillPassed"})
    void checkStartWhenADrillVariableIsNotAFormFieldRefusesIt(String variable) {
        assertThat(SubmittedVariables.checkStart("RestoreDrillProcess", Set.of("backupKind", "backupId", variable))).hasValue("Variables ["
                + variable + "] cannot be sent when starting RestoreDrillProcess: only [backupId, backupKind] are taken. Who asked and "
                + "who approved come from the login; a run's history row and plan from its own instance.");
        assertThat(SubmittedVariables.checkStart("RestoreDrillProcess", Set.of("backupKind", "backupId"))).isEmpty();
    }

    static Stream<Arguments> decisions() {
        return Stream.of(Arguments.of(null, null, true), Arguments.of(true, null, false), Arguments.of("true", null, false),
                Arguments.of(false, null, true), Arguments.of("false", "wrong set", false), Arguments.of("maybe", null, true));
    }

    @ParameterizedTest(name = "approved={0}, comment={1}: refused={2}")
    @MethodSource("decisions")
    void checkTaskValuesWhenTheApprovalHasNoClearDecisionRefusesIt(Object approved, String comment, boolean refused) {
        Map<String, Object> values = new HashMap<>();
        values.put("approved", approved);
        values.put("approvalComment", comment);
        assertThat(SubmittedVariables.checkTaskValues("Task_ApproveRestore", values).isPresent()).isEqualTo(refused);
    }

    @ParameterizedTest(name = "reason={0}: refused={1}")
    @CsvSource(nullValues = "null", value = {"null, true", "'', true", "user1 deleted documents, false"})
    void checkStartValuesWhenARestoreHasNoReasonRefusesIt(String reason, boolean refused) {
        Map<String, Object> values = new HashMap<>();
        values.put("reason", reason);
        assertThat(SubmittedVariables.checkStartValues("RestoreProcess", values).isPresent()).isEqualTo(refused);
        assertThat(SubmittedVariables.checkStartValues("RestoreDrillProcess", values)).isEmpty();
    }
}
