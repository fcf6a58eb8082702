package com.llmbackup.process.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.process.AbstractRestoreProcessTests;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.jdbc.DataSourceBuilder;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * DisasterRecoveryProcess against the real container stack, one test per path: recovered (the
 * user tasks completed over /engine-rest by alice and bob, the engine's database emptied of
 * every run before, the history rebuilt from the manifests, the restore pre-approved by the
 * confirmation), cancelled at the confirmation after the RTO escalation fired (the engine's
 * clock moved to the timer's due date), no restorable set, the declarer's own confirmation under
 * the second-operator rule (the restore asks a colleague, who rejects it: the recovery failed); and the restore's
 * approval that a REST start with forged variables cannot skip. Its own engine database (a
 * Spring context of its own), the restore tests' stack and backup root.
 */
@Import(DisasterRecoveryProcessTests.NewServerDatabase.class)
class DisasterRecoveryProcessTests extends AbstractRestoreProcessTests {

    /**
     * The new server's engine database: an H2 of its own (a DataSource bean makes Boot's own
     * back off; the restore tests' property sources would win over this class's).
     */
    @TestConfiguration(proxyBeanMethods = false)
    static class NewServerDatabase {
        @Bean
        @Primary
        DataSource newServerEngineDatabase() {
            return DataSourceBuilder.create().url("jdbc:h2:mem:recovery-" + DB_NAME).username("sa").password("").build();
        }
    }

    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    ManagementService management;

    @BeforeEach
    void applicationRuns() throws Exception {
        applicationRunning();
    }

    @AfterEach
    void realClock() {
        ClockUtil.reset();
    }

    @Test
    void recoveryWhenOperatorsCompleteEveryStepRestoresTheNewestSetAndReportsRtoAndRpo() throws Exception {
        String setId = backup("DailyBackupProcess");
        State backedUp = state();
        changeDataAfterBackup(); // the new server's state differs from the set: the restore must replace it
        newEngineDatabase();

        String pi = startRecovery("alice", Map.of("reason", "old server lost"));
        JsonNode install = awaitTask(pi, "Task_InstallPlatform");
        HttpResponse<String> unticked = call("POST", "/engine-rest/task/" + install.get("id").asText() + "/complete", "alice",
                vars(Map.of("dockerInstalled", true)));
        assertThat(unticked.statusCode()).isNotEqualTo(204);
        assertThat(unticked.body()).contains("Not done yet: postgresInstalled must be ticked to complete Task_InstallPlatform");
        HttpResponse<String> forged = call("POST", "/engine-rest/task/" + install.get("id").asText() + "/complete", "alice",
                vars(Map.of("dockerInstalled", true, "postgresInstalled", true, "confirmed", true)));
        assertThat(forged.statusCode()).isEqualTo(400);
        assertThat(forged.body()).contains("Variables [confirmed] cannot be sent when completing Task_InstallPlatform");
        complete(install, "alice", Map.of("dockerInstalled", true, "postgresInstalled", true, "stepComment", "docker 24, pg 15"));
        complete(awaitTask(pi, "Task_CopyBackups"), "bob", Map.of("backupsCopied", true, "backupRootChecked", true));
        complete(awaitTask(pi, "Task_DeployApplication"), "alice", Map.of("applicationDeployed", true, "servicesCreated", true));
        complete(awaitTask(pi, "Task_SetEnvironment"), "bob", Map.of("environmentSet", true, "secretsChecked", true));

        JsonNode confirm = awaitTask(pi, "Task_ConfirmRecovery");
        assertThat(variable(pi, "recoverySet")).isEqualTo("daily/" + setId);
        assertThat(variable(pi, "serverHistory")).contains("This server's history holds no run of its own: a new server");
        assertThat(history.list()).anySatisfy(e -> {
            assertThat(e.rebuilt()).isTrue();
            assertThat(e.backupId()).isEqualTo(setId);
        });
        complete(confirm, "bob", Map.of("confirmed", true, "confirmationComment", "go"));

        assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RecoveryEnded");
        assertThat(state()).isEqualTo(backedUp);
        String restorePi = historyService.createHistoricProcessInstanceQuery().superProcessInstanceId(pi)
                .processDefinitionKey("RestoreProcess").singleResult().getId();
        assertThat(historyService.createHistoricActivityInstanceQuery().processInstanceId(restorePi).activityId("Task_ApproveRestore").count())
                .as("the confirmation was the approval").isZero();
        var restore = restoreRow(restorePi);
        assertThat(restore.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(restore.request().requestedBy()).isEqualTo("alice");
        assertThat(restore.request().approvedBy()).isEqualTo("bob");
        assertThat(restore.request().details()).contains("Approved by bob in the disaster recovery's Task_ConfirmRecovery.");
        assertThat(history.listByOwner(restorePi)).anySatisfy(e -> assertThat(e.kind()).isEqualTo(RunKind.SAFETY));

        var row = awaitRow(pi, RunKind.RECOVERY, RunStatus.COMPLETED);
        assertThat(row.request().approvedBy()).isEqualTo("bob");
        assertThat(row.message()).startsWith("Recovered daily/" + setId + ": RTO ");
        JsonNode report = report(pi);
        assertThat(report.get("outcome").asText()).isEqualTo("recovered");
        assertThat(report.get("declaredBy").asText()).isEqualTo("alice");
        assertThat(report.get("confirmedBy").asText()).isEqualTo("bob");
        assertThat(report.get("rtoSeconds").asLong()).isNotNegative();
        assertThat(report.get("rtoTargetSeconds").asLong()).isEqualTo(4 * 3600);
        assertThat(report.get("rtoMet").asBoolean()).isTrue();
        assertThat(report.get("rpoSeconds").asLong()).isNotNegative();
        assertThat(report.get("rpoMet").asBoolean()).isTrue();
        assertThat(report.get("rtoEscalated").asBoolean()).isFalse();
        Map<String, String> by = new HashMap<>();
        report.get("steps").forEach(s -> by.put(s.get("activityId").asText(), s.get("by").asText()));
        assertThat(by).containsEntry("Task_InstallPlatform", "alice").containsEntry("Task_CopyBackups", "bob")
                .containsEntry("Task_DeployApplication", "alice").containsEntry("Task_SetEnvironment", "bob")
                .containsEntry("Task_ConfirmRecovery", "bob").containsEntry("Task_RestoreRoles", "llm-backup")
                .containsEntry("CallActivity_Restore", restorePi).containsKey("CallActivity_Preflight");
        report.get("steps").forEach(s -> assertThat(s.get("durationSeconds").asLong()).isNotNegative());
    }

    @Test
    void recoveryWhenThreeQuartersOfTheRtoPassEscalatesAndGoesOnUntilCancelled() throws Exception {
        backup("DailyBackupProcess");
        String pi = startRecovery("alice", Map.of());
        JsonNode install = awaitTask(pi, "Task_InstallPlatform");
        var timer = management.createJobQuery().processInstanceId(pi).timers().activityId("Boundary_RtoAtRisk").singleResult();
        Date declared = historyService.createHistoricProcessInstanceQuery().processInstanceId(pi).singleResult().getStartTime();
        assertThat(Duration.between(declared.toInstant(), timer.getDuedate().toInstant())).isBetween(Duration.ofHours(3).minusSeconds(5),
                Duration.ofHours(3).plusSeconds(5));

        // the engine's clock at the due date: the job executor fires the timer (executing it here as well would race it)
        ClockUtil.setCurrentTime(new Date(timer.getDuedate().getTime() + 1000));
        JsonNode escalation = awaitTask(pi, "Task_RtoAtRisk");
        JsonNode alert = awaitAlert(pi, "recovery");
        assertThat(alert.get("event").asText()).isEqualTo("rto_at_risk");
        assertThat(alert.get("message").asText()).contains("Open tasks: Docker와 PostgreSQL 설치 · Install Docker and PostgreSQL");
        assertThat(variable(pi, "rtoMessage")).contains("its RTO (backup.dr.rto PT4H) ends at");
        complete(escalation, "bob", Map.of("acknowledged", true, "escalationComment", "called the hoster"));
        ClockUtil.reset();

        complete(install, "alice", Map.of("dockerInstalled", true, "postgresInstalled", true));
        complete(awaitTask(pi, "Task_CopyBackups"), "alice", Map.of("backupsCopied", true, "backupRootChecked", true));
        complete(awaitTask(pi, "Task_DeployApplication"), "alice", Map.of("applicationDeployed", true, "servicesCreated", true));
        complete(awaitTask(pi, "Task_SetEnvironment"), "alice", Map.of("environmentSet", true, "secretsChecked", true));
        JsonNode confirmation = awaitTask(pi, "Task_ConfirmRecovery");
        // this engine recorded the daily above itself: the confirming operator is warned it may be production
        assertThat(variable(pi, "serverHistory")).startsWith("주의:")
                .contains("Warning: this server's history already holds").contains("if this is the production server, do not confirm");
        complete(confirmation, "bob", Map.of("confirmed", false, "confirmationComment", "wrong server"));

        assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RecoveryEnded");
        assertThat(historyService.createHistoricProcessInstanceQuery().superProcessInstanceId(pi).count()).as("nothing restored").isZero();
        var row = awaitRow(pi, RunKind.RECOVERY, RunStatus.REJECTED);
        assertThat(row.message()).isEqualTo("Cancelled: not confirmed by bob: wrong server. Nothing was restored.");
        JsonNode report = report(pi);
        assertThat(report.get("outcome").asText()).isEqualTo("cancelled");
        assertThat(report.get("rtoEscalated").asBoolean()).isTrue();
        assertThat(report.get("rtoSeconds").isNull()).isTrue();
    }

    @Test
    void recoveryWhenTheNamedSetIsNotInTheBackupRootReportsAFailureWithoutIncident() throws Exception {
        String pi = startRecovery("alice", Map.of("backupKind", "weekly", "backupId", "19990103"));
        completeManualSteps(pi, "bob");

        assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RecoveryEnded");
        var row = awaitRow(pi, RunKind.RECOVERY, RunStatus.FAILED);
        assertThat(row.message()).startsWith("Failed: There is no set weekly/19990103 in " + DIR.resolve("backup") + " (")
                .endsWith("Copy it there, or leave backupId empty for the newest complete set.");
        assertThat(report(pi).get("outcome").asText()).isEqualTo("failed");
        assertThat(awaitAlert(pi, "recovery").get("status").asText()).isEqualTo("FAILED");
    }

    @Test
    void recoveryWhenTheDeclarerConfirmsItThemselvesLeavesTheApprovalToAColleagueAndReportsTheRejectedRestore() throws Exception {
        String setId = backup("DailyBackupProcess");
        String pi = startRecovery("alice", Map.of("backupKind", "daily", "backupId", setId));
        completeManualSteps(pi, "alice");
        complete(awaitTask(pi, "Task_ConfirmRecovery"), "alice", Map.of("confirmed", true));

        // backup.restore.require-second-operator is on: alice's own confirmation does not approve the restore
        String restorePi = awaitCalledRestore(pi);
        JsonNode approval = awaitTask(restorePi, "Task_ApproveRestore");
        assertThat(restoreRow(restorePi).request().requestedBy()).isEqualTo("alice");
        assertThat(restoreRow(restorePi).request().details()).contains("The recovery was declared and confirmed by alice and "
                + "backup.restore.require-second-operator is on: another operator approves the restore in Task_ApproveRestore.");
        complete(approval, "bob", Map.of("approved", false, "approvalComment", "not this set"));

        assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RecoveryEnded");
        var row = awaitRow(pi, RunKind.RECOVERY, RunStatus.FAILED);
        assertThat(row.message()).isEqualTo("Failed: the restore ended REJECTED: Rejected by bob: not this set. Nothing was changed.");
        JsonNode report = report(pi);
        assertThat(report.get("outcome").asText()).isEqualTo("failed");
        assertThat(report.get("restoredSet").asText()).isEqualTo("daily/" + setId);
        assertThat(report.get("rtoSeconds").isNull()).isTrue();
        assertThat(report.get("rpoSeconds").asLong()).isNotNegative();
    }

    @Test
    void recoveryWhenTheChosenSetIsChangedBeforeTheConfirmationLeavesTheRestoreToAnApproval() throws Exception {
        String verified = backup("DailyBackupProcess");
        String other = backup("DailyBackupProcess");
        String pi = startRecovery("alice", Map.of("backupKind", "daily", "backupId", verified));
        completeManualSteps(pi, "alice");
        JsonNode confirm = awaitTask(pi, "Task_ConfirmRecovery");
        // by hand, after the choice and verification: the form still names the verified set, the restore would take the other
        identity.setAuthentication("admin", List.of("camunda-admin"));
        try {
            runtime.setVariable(pi, "recoveryId", other);
        } finally {
            identity.clearAuthentication();
        }
        assertThat(variable(pi, "recoverySet")).isEqualTo("daily/" + verified);
        complete(confirm, "bob", Map.of("confirmed", true));

        String restorePi = awaitCalledRestore(pi);
        JsonNode approval = awaitTask(restorePi, "Task_ApproveRestore");
        var row = restoreRow(restorePi);
        assertThat(row.request().approvedBy()).isNull();
        assertThat(row.request().details()).contains("The disaster recovery or this restore was changed by hand (SetVariable by admin): what is "
                + "restored may not be what bob confirmed, so an operator approves it in Task_ApproveRestore.");
        complete(approval, "bob", Map.of("approved", false, "approvalComment", "not the confirmed set"));
        assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RecoveryEnded");
    }

    @Test
    void restoreWhenStartedWithForgedApprovalVariablesStillWaitsForTheApproval() throws Exception {
        String setId = backup("DailyBackupProcess");
        HttpResponse<String> rest = call("POST", "/engine-rest/process-definition/key/RestoreProcess/start", "alice",
                vars(Map.of("backupId", setId, "approved", true, "approvedBy", "bob", "preApproved", true)));
        assertThat(rest.statusCode()).isEqualTo(400);
        assertThat(rest.body()).contains("Variables [approved, approvedBy, preApproved] cannot be sent when starting RestoreProcess");

        // past the filter (the Java API): the variables are there, and still nothing skips the approval
        identity.setAuthentication("alice", List.of("operators"));
        String pi;
        try {
            pi = runtime.startProcessInstanceByKey("RestoreProcess", Map.of("backupId", setId, "reason", "a forged start", "approved", true,
                    "approvedBy", "bob", "preApproved", true)).getId();
        } finally {
            identity.clearAuthentication();
        }
        JsonNode approval = awaitTask(pi, "Task_ApproveRestore");
        var row = restoreRow(pi);
        assertThat(row.request().approvedBy()).isNull();
        assertThat(String.valueOf(row.request().details())).doesNotContain("Approved by");
        complete(approval, "bob", Map.of("approved", false, "approvalComment", "test"));
        assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreRejected");
    }

    // --- helpers

    /** The new server's engine database: no run, no history (the backup volume is all that survived). */
    private void newEngineDatabase() {
        List<String> ended = historyService.createHistoricProcessInstanceQuery().finished().list().stream().map(p -> p.getId()).toList();
        if (!ended.isEmpty()) {
            historyService.deleteHistoricProcessInstances(ended);
        }
        jdbc.update("delete from backup_history");
        assertThat(history.list()).isEmpty();
        assertThat(runtime.createProcessInstanceQuery().processDefinitionKeyNotIn("DailyBackupProcess", "WeeklyBackupProcess",
                "BackupCleanupProcess").count()).isZero();
    }

    private String startRecovery(String user, Map<String, Object> variables) throws Exception {
        HttpResponse<String> r = call("POST", "/engine-rest/process-definition/key/DisasterRecoveryProcess/start", user, vars(variables));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json.readTree(r.body()).get("id").asText();
    }

    private void completeManualSteps(String pi, String user) throws Exception {
        complete(awaitTask(pi, "Task_InstallPlatform"), user, Map.of("dockerInstalled", true, "postgresInstalled", true));
        complete(awaitTask(pi, "Task_CopyBackups"), user, Map.of("backupsCopied", true, "backupRootChecked", true));
        complete(awaitTask(pi, "Task_DeployApplication"), user, Map.of("applicationDeployed", true, "servicesCreated", true));
        complete(awaitTask(pi, "Task_SetEnvironment"), user, Map.of("environmentSet", true, "secretsChecked", true));
    }

    private String awaitCalledRestore(String pi) throws Exception {
        for (int i = 0; i < 300; i++) {
            var called = historyService.createHistoricProcessInstanceQuery().superProcessInstanceId(pi).processDefinitionKey("RestoreProcess")
                    .singleResult();
            if (called != null) {
                return called.getId();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("recovery " + pi + " never called RestoreProcess: " + variablesOf(pi));
    }

    private JsonNode report(String pi) throws Exception {
        HttpResponse<String> r = call("GET", "/api/backups/recoveries", "bob", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        for (JsonNode item : json.readTree(r.body()).get("items")) {
            if (pi.equals(item.get("processInstanceId").asText())) {
                return item;
            }
        }
        throw new AssertionError("no report for " + pi + ": " + r.body());
    }
}
