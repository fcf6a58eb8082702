package com.llmbackup.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.mock.web.MockHttpServletRequest;

/** The variables a restore's start and tasks take, and the path spellings the filter must see through. */
class SubmittedVariablesTests {

    @ParameterizedTest(name = "{0} with {1}")
    @CsvSource({"Task_ApproveRestore, approved", "Task_ApproveRestore, approvalComment", "Task_ResolveFailedRestore, resolution",
            "Task_SomethingElse, anything"})
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
                + "who approved come from the login; the plan is the one the guard checked.");
        assertThat(SubmittedVariables.checkStart("RestoreDrillProcess", Set.of("backupKind", "backupId"))).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"/task/abc/complete/, /task/abc/complete", "//task//abc/complete, /task/abc/complete",
            "/task/abc/complete;jsessionid=1, /task/abc/complete", "/task/abc/complete///, /task/abc/complete"})
    void normalizedWhenPathIsSpelledOddlyGivesThePathTheRestLayerRoutes(String pathInfo, String expected) {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/engine-rest" + pathInfo);
        request.setServletPath("/engine-rest");
        request.setPathInfo(pathInfo);
        assertThat(SubmittedVariablesFilter.normalized(request)).isEqualTo("/engine-rest" + expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"/engine-rest/task/%61bc/complete, /engine-rest/task/abc/complete",
            "/engine-rest/process-definition/key/RestoreProces%73/start/, /engine-rest/process-definition/key/RestoreProcess/start"})
    void normalizedWhenOnlyTheRawUriIsKnownDecodesIt(String uri, String expected) {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", uri);
        request.setServletPath("");
        assertThat(SubmittedVariablesFilter.normalized(request)).isEqualTo(expected);
    }
}
