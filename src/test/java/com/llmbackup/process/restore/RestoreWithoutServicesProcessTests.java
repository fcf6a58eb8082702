package com.llmbackup.process.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;

import java.util.Map;

import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.process.AbstractBackupProcessTests;
import com.llmbackup.test.LocalHttp;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.junit.jupiter.api.Test;

/**
 * A restore in place when the web app's compose services are not on the Docker engine (here
 * project {@code llm-webapp} has no containers): it would run under an application started
 * some other way, so the guard refuses before anything changes, unless the operator says the
 * application is stopped.
 */
class RestoreWithoutServicesProcessTests extends AbstractBackupProcessTests {

    @Test
    void restoreWhenNoComposeServiceIsFoundIsRefusedNamingProjectAndServices() throws Exception {
        ensureUser("rsop", "rsop-pw", "operators");
        ProcessInstance daily = completedDaily();
        String id = (String) historicVariable(daily, "backupId");
        String safetyBefore = String.valueOf(catalog.list(BackupKind.SAFETY).size());

        ProcessInstance restore = startRestore(Map.of("backupId", id));
        runJobs(restore);

        assertThat(restore).isEnded().hasPassed("Task_ValidateBackup", "Task_RecordRefusal", "EndEvent_RestoreRefused")
                .hasNotPassed("Task_ApproveRestore", "CallActivity_SafetyBackup", "Task_StopServices");
        String message = (String) historicVariable(restore, "failureMessage");
        assertThat(message).startsWith("None of the services backend, frontend of compose project 'llm-webapp' was found on the Docker "
                + "engine (projects found: ").contains("Restoring now would replace the data under a running application.")
                .contains("start the restore again with applicationStopped=true.").endsWith("Nothing was changed; the application was not stopped.");
        var row = history.listByOwner(restore.getId()).stream().filter(e -> e.kind() == RunKind.RESTORE).findFirst().orElseThrow();
        assertThat(row.status()).isEqualTo(RunStatus.REFUSED);
        assertThat(String.valueOf(catalog.list(BackupKind.SAFETY).size())).isEqualTo(safetyBefore);
    }

    @Test
    void restoreWhenOperatorSaysApplicationIsStoppedGoesToApproval() throws Exception {
        ensureUser("rsop", "rsop-pw", "operators");
        ProcessInstance daily = completedDaily();
        String id = (String) historicVariable(daily, "backupId");

        ProcessInstance restore = startRestore(Map.of("backupId", id, "applicationStopped", true));
        runJobs(restore);

        assertThat(restore).isWaitingAt("Task_ApproveRestore");
        assertThat((String) runtime.getVariable(restore.getId(), "restoreSummary")).contains("Set: daily/" + id);
        runtime.deleteProcessInstance(restore.getId(), "test: only the guard is shown here");
    }

    ProcessInstance startRestore(Map<String, Object> variables) throws Exception {
        var body = json.createObjectNode();
        var vs = body.putObject("variables");
        variables.forEach((k, v) -> vs.putObject(k).set("value", json.valueToTree(v)));
        vs.putObject("reason").put("value", "the application was stopped by hand");
        var response = LocalHttp.call(port, "POST", "/engine-rest/process-definition/key/RestoreProcess/start", "rsop:rsop-pw",
                json.writeValueAsString(body));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return runtime.createProcessInstanceQuery().processInstanceId(json.readTree(response.body()).get("id").asText()).singleResult();
    }
}
