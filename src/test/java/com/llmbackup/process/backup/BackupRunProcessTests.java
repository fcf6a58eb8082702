package com.llmbackup.process.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;

import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.process.AbstractBackupProcessTests;
import com.llmbackup.test.LocalHttp;
import org.camunda.bpm.engine.ProcessEngineException;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code BackupRunProcess} itself: the kind comes from the caller's model only. Its other
 * paths (completed daily and weekly, each business error, lease lost) are the daily's and the
 * weekly's tests, the completed safety run the restore's: each asserts the called run's path.
 */
class BackupRunProcessTests extends AbstractBackupProcessTests {

    @ParameterizedTest(name = "runKind {0}")
    @CsvSource(value = {"NULL", "daily", "weekly", "safety", "monthly"}, nullValues = "NULL")
    void startWhenNotCalledIsRefusedAndWritesNothing(String kind) throws Exception {
        long runsBefore = history.list().size();
        long instancesBefore = engine.getHistoryService().createHistoricProcessInstanceQuery().processDefinitionKey("BackupRunProcess").count();
        List<BackupSet> setsBefore = catalog.list();
        Map<String, Object> variables = new HashMap<>();
        variables.put("runKind", kind);

        assertThatThrownBy(() -> runtime.startProcessInstanceByKey("BackupRunProcess", variables))
                .isInstanceOf(ProcessEngineException.class)
                .hasMessageContaining("BackupRunProcess is not started on its own: it runs as a step of DailyBackupProcess (daily), "
                        + "WeeklyBackupProcess (weekly) or RestoreProcess (safety backup), which set its kind. Start one of those. "
                        + "Nothing was written.");

        assertThat(engine.getHistoryService().createHistoricProcessInstanceQuery().processDefinitionKey("BackupRunProcess").count())
                .as("no instance was created").isEqualTo(instancesBefore);
        assertThat(history.list()).as("no history row").hasSize((int) runsBefore);
        assertThat(catalog.list()).as("no set").hasSameSizeAs(setsBefore);
        assertNoStagingLeft();
        assertThat(engine.getRepositoryService().createProcessDefinitionQuery().processDefinitionKey("BackupRunProcess")
                .latestVersion().singleResult().isStartableInTasklist()).as("not offered in Tasklist").isFalse();
    }

    @Test
    void startOverRestWhenNotCalledIsForbiddenToOperatorsAndRefusedToAdmins() throws Exception {
        ensureUser("runop", "runop-pw", "operators");
        ensureUser("runadmin", "runadmin-pw", "camunda-admin");
        String body = "{\"variables\": {\"runKind\": {\"value\": \"weekly\"}}}";
        var operator = LocalHttp.call(port, "POST", "/engine-rest/process-definition/key/BackupRunProcess/start", "runop:runop-pw", body);
        assertThat(operator.statusCode()).as("operators start only the startable processes").isEqualTo(403);
        var admin = LocalHttp.call(port, "POST", "/engine-rest/process-definition/key/BackupRunProcess/start", "runadmin:runadmin-pw", body);
        assertThat(admin.statusCode()).isEqualTo(500);
        assertThat(json.readTree(admin.body()).get("message").asText()).contains("BackupRunProcess is not started on its own");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "at an inner step | {\"startInstructions\": [{\"type\": \"startBeforeActivity\", \"activityId\": \"Task_AcquireLease\"}], \"variables\": {\"runKind\": {\"value\": \"weekly\"}}}",
            "without its listeners | {\"skipCustomListeners\": true, \"variables\": {\"runKind\": {\"value\": \"weekly\"}}}"})
    void startWhenItWouldSkipTheGuardIsRefusedEvenToAdmins(String how, String body) throws Exception {
        ensureUser("runadmin", "runadmin-pw", "camunda-admin");
        long before = engine.getHistoryService().createHistoricProcessInstanceQuery().processDefinitionKey("BackupRunProcess").count();
        for (String path : List.of("/engine-rest/process-definition/key/BackupRunProcess/start",
                "/engine-rest/process-definition/key/BackupRunProcess/start/", "/engine-rest/process-definition/key/BackupRunProces%73/start")) {
            var response = LocalHttp.call(port, "POST", path, "runadmin:runadmin-pw", body);
            assertThat(response.statusCode()).as(how + " " + path + ": " + response.body()).isEqualTo(400);
            assertThat(json.readTree(response.body()).get("message").asText()).startsWith("A process is started at its start event only");
        }
        assertThat(engine.getHistoryService().createHistoricProcessInstanceQuery().processDefinitionKey("BackupRunProcess").count())
                .isEqualTo(before);
    }

    @Test
    void dailyStartedWithSpoofedKindWritesOrdinaryDailySet() throws Exception {
        ensureUser("runop", "runop-pw", "operators");
        List<BackupSet> weekliesBefore = catalog.list(BackupKind.WEEKLY);
        // what an operator could send to make a "weekly" of a daily (and so feed the 4-newest-fulls rule): a daily takes nothing
        Map<String, Object> spoofed = Map.of("runKind", "weekly", "backupKind", "weekly", "kind", "weekly");
        var response = LocalHttp.call(port, "POST", "/engine-rest/process-definition/key/DailyBackupProcess/start",
                "runop:runop-pw", "{\"variables\": {\"runKind\": {\"value\": \"weekly\"}, \"backupKind\": {\"value\": \"weekly\"},"
                        + " \"kind\": {\"value\": \"weekly\"}}}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(json.readTree(response.body()).get("message").asText())
                .startsWith("Variables [backupKind, kind, runKind] cannot be sent when starting DailyBackupProcess: only [] are taken.");
        // started with them anyway (an administrator's Java start): the run's kind is still its caller's
        ProcessInstance daily = runtime.startProcessInstanceByKey("DailyBackupProcess", spoofed);
        String id = daily.getId();
        runJobs(daily);

        assertThat(daily).isEnded().hasPassed("EndEvent_BackupCompleted");
        ProcessInstance run = calledRun(daily);
        assertThat(run).hasPassed("Task_SnapshotUploads").hasNotPassed("Task_ArchiveUploads");
        assertThat(engine.getHistoryService().createHistoricVariableInstanceQuery().processInstanceId(run.getId())
                .variableName("runKind").singleResult().getValue()).isEqualTo("daily");
        String backupId = (String) historicVariable(daily, "backupId");
        BackupSet set = catalog.find(BackupKind.DAILY, BackupSetId.parse(backupId)).orElseThrow();
        assertThat(set.status()).isEqualTo(BackupSet.Status.COMPLETE);
        assertThat(DIR.resolve("backup/daily/uploads_" + backupId)).isDirectory();
        assertThat(catalog.list(BackupKind.WEEKLY)).as("no weekly set appeared").hasSameSizeAs(weekliesBefore);
        assertThat(history.listByOwner(id)).singleElement().satisfies(row -> {
            assertThat(row.kind()).isEqualTo(RunKind.DAILY);
            assertThat(row.status()).isEqualTo(RunStatus.COMPLETED);
        });
        JsonNode manifest = json.readTree(DIR.resolve("backup/daily/manifest_" + backupId + ".json").toFile());
        assertThat(manifest.get("kind").asText()).isEqualTo("daily");
        assertThat(Files.readString(DIR.resolve("llm-backup.log"))).contains("Daily backup completed: db_" + backupId + ".dump");
    }
}
