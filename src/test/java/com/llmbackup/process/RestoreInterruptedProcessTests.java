package com.llmbackup.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;
import com.llmbackup.catalog.BackupHistory.HistoryEntry;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.restore.RestoreService;
import com.llmbackup.test.TestDocker;
import com.llmbackup.test.TestWebAppStack;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.runtime.Job;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The orchestrator dying inside a step that changes the application (stop, restore data,
 * start), one test per path out of "Restore interrupted". The state a killed orchestrator
 * leaves is made exactly: the step's mark under its job, the job locked by an orchestrator
 * that never reports again, the work half done (and, inside the data step, a pg_restore
 * session left holding a lock). The heartbeat gives the job back at once; the step does not
 * run again on its own. (KilledDuringRestoreJarTests kills a real jar with SIGKILL.)
 */
class RestoreInterruptedProcessTests extends AbstractRestoreProcessTests {

    @Autowired
    ManagementService management;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    OrchestratorNodes nodes;
    @Autowired
    RestoreService restores;
    @Autowired
    com.llmbackup.restore.RestoreRecorder recorder;

    /** Each test starts with the application running and healthy, whatever the one before left. */
    @org.junit.jupiter.api.BeforeEach
    void applicationRuns() throws Exception {
        // a restore a failed test left open would hold the lock and the sets
        runtime.createProcessInstanceQuery().processDefinitionKey("RestoreProcess").list()
                .forEach(p -> runtime.deleteProcessInstance(p.getId(), "left by an earlier test"));
        for (String service : List.of("backend", "frontend")) {
            if (!Boolean.TRUE.equals(STACK.state(service).getRunning())) {
                TestDocker.client().startContainerCmd(STACK.containerId(service)).exec();
            }
        }
        awaitHealthy();
    }

    @org.junit.jupiter.api.AfterEach
    void jobsRun() {
        for (String step : List.of("Task_StopServices", "Task_RestoreData", "Task_StartServices")) {
            resumeJobsOf(step);
        }
    }

    @Test
    void restoreWhenOrchestratorDiedInsideRestoreDataWaitsForOperatorAndAgainCompletes() throws Exception {
        String id = backup("DailyBackupProcess");
        State atBackup = state();
        changeDataAfterBackup();
        String pi = approvedRestore(id, "Task_RestoreData");
        // half restored: part of the data already replaced when the orchestrator died; its pg_restore goes on holding a lock
        STACK.execute(DATABASE, "delete from documents where id < 500");
        Files.deleteIfExists(UPLOADS.resolve("user1/new since backup.pdf"));
        State halfRestored = state();
        try (Connection leftover = pgRestoreSession()) {
            leftover.setAutoCommit(false);
            leftover.createStatement().execute("lock table documents in access share mode");
            dieInside(pi, "Task_RestoreData");

            JsonNode task = awaitTask(pi, "Task_ResolveInterruptedRestore");
            assertThat(variable(pi, "failedStep")).isEqualTo("Task_RestoreData");
            assertThat(variable(pi, "failureMessage")).startsWith("The orchestrator stopped while Task_RestoreData was running (started ")
                    .contains("the step was not run again on its own", "may be half restored; the services stay stopped");
            assertThat(variable(pi, "applicationState")).contains("backend: ", " exited", "frontend: ",
                    "pg_restore sessions on llm_webapp: pid ");
            assertThat(state()).as("nothing restored again without an operator").isEqualTo(halfRestored);
            assertThat(STACK.state("backend").getRunning()).as("nothing started again").isFalse();
            HistoryEntry waiting = restoreRow(pi);
            assertThat(waiting.status()).isEqualTo(RunStatus.WAITING_FOR_OPERATOR);
            assertThat(waiting.failedStep()).isEqualTo("Task_RestoreData");
            assertThat(waiting.details()).contains("Started Task_StopServices", "Started Task_RestoreData",
                    "Interrupted at Task_RestoreData. Application then: backend: ");
            JsonNode alert = awaitAlert(pi, "restore");
            assertThat(alert.get("event").asText()).isEqualTo("restore_waiting_for_operator");
            assertThat(alert.get("task").asText()).contains("Restore interrupted (Task_ResolveInterruptedRestore)");
            assertThat(Files.readString(DIR.resolve("llm-backup.log"))).contains("FAILED at Task_RestoreData, waiting for an operator "
                    + "(Task_ResolveInterruptedRestore); it keeps the lock");
            assertThat(leases.current()).as("the half-restored data keep the lock").hasValueSatisfying(l -> assertThat(l.owner()).isEqualTo(pi));
            // what Tasklist renders
            String form = call("GET", "/engine-rest/task/" + task.get("id").asText() + "/deployed-form", "bob", null).body();
            assertThat(form).contains("\"applicationState\"", "\"again\"", "\"rollback\"", "\"close\"");
            var retry = resolve(task, "retry");
            assertThat(retry.statusCode()).isEqualTo(500);
            assertThat(retry.body()).contains("resolution must be again, rollback or close, not 'retry'");

            complete(task, "bob", Map.of("resolution", "again"));
            assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");
            assertThatThrownBy(() -> leftover.createStatement().execute("select 1")).as("the stopped attempt's pg_restore was ended")
                    .isInstanceOf(SQLException.class);
        }
        assertThat(state()).isEqualTo(atBackup);
        assertThat(STACK.healthStatus()).isEqualTo(200);
        HistoryEntry row = restoreRow(pi);
        assertThat(row.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(row.details()).contains("Resolution by bob: again (from the start of Task_RestoreData)");
        assertThat(row.warnings()).contains("Ended 1 pg_restore session(s) on llm_webapp left by an earlier attempt");
        assertThat(row.interruptedStep()).isNull();
        assertThat(leases.current()).isEmpty();
    }

    @Test
    void restoreWhenOrchestratorDiedInsideRestoreDataAndOperatorRollsBackGivesSafetySet() throws Exception {
        String id = backup("DailyBackupProcess");
        changeDataAfterBackup();
        State beforeRestore = state();
        String pi = approvedRestore(id, "Task_RestoreData");
        STACK.execute(DATABASE, "delete from documents where id < 500");
        dieInside(pi, "Task_RestoreData");

        complete(awaitTask(pi, "Task_ResolveInterruptedRestore"), "bob", Map.of("resolution", "rollback"));

        assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");
        assertThat(state()).as("the safety set: the data as before the restore").isEqualTo(beforeRestore);
        HistoryEntry row = restoreRow(pi);
        assertThat(row.status()).isEqualTo(RunStatus.FAILED);
        assertThat(row.message()).startsWith("The restore failed (Task_RestoreData: The orchestrator stopped while Task_RestoreData")
                .contains("rolled back to safety/");
        assertThat(STACK.healthStatus()).isEqualTo(200);
    }

    @Test
    void restoreWhenOrchestratorDiedInsideStopServicesAgainStartsEveryServiceAtTheEnd() throws Exception {
        String id = backup("DailyBackupProcess");
        State atBackup = state();
        changeDataAfterBackup();
        String pi = approvedRestore(id, "Task_StopServices");
        // the first attempt had stopped the frontend when the orchestrator died
        TestDocker.client().stopContainerCmd(STACK.containerId("frontend")).withTimeout(5).exec();
        dieInside(pi, "Task_StopServices");

        JsonNode task = awaitTask(pi, "Task_ResolveInterruptedRestore");
        assertThat(variable(pi, "failureMessage")).contains("Some services may be stopped; no data were changed.");
        assertThat(variable(pi, "applicationState")).contains("backend: ", " running", "frontend: ", " exited",
                "pg_restore sessions on llm_webapp: none");
        assertThat(leases.current()).as("no data changed: the lock is given up while the operator decides").isEmpty();
        complete(task, "bob", Map.of("resolution", "again"));

        assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");
        assertThat(state()).isEqualTo(atBackup);
        for (String service : List.of("backend", "frontend")) {
            assertThat(STACK.state(service).getRunning()).as(service + " runs after the restore").isTrue();
        }
        assertThat(restoreRow(pi).details()).contains("Resolution by bob: again (from the start of Task_StopServices)");
    }

    @Test
    void restoreWhenOrchestratorDiedInsideStartServicesAndOperatorClosesLeavesServicesAsTheyAre() throws Exception {
        String id = backup("DailyBackupProcess");
        State atBackup = state();
        changeDataAfterBackup();
        String pi = approvedRestore(id, "Task_StartServices");
        dieInside(pi, "Task_StartServices");

        JsonNode task = awaitTask(pi, "Task_ResolveInterruptedRestore");
        assertThat(variable(pi, "failureMessage")).contains("The data were restored; some services may not be running.");
        complete(task, "bob", Map.of("resolution", "close"));

        assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreFailed");
        assertThat(state()).as("the data step had finished").isEqualTo(atBackup);
        assertThat(STACK.state("backend").getRunning()).as("close starts nothing").isFalse();
        HistoryEntry row = restoreRow(pi);
        assertThat(row.status()).isEqualTo(RunStatus.FAILED);
        assertThat(row.failedStep()).isEqualTo("Task_StartServices");
        assertThat(row.message()).contains("Closed as failed by an operator after the interruption; the services were left as they "
                + "were (backend: ").contains("exited").endsWith("Start them once the data are checked.");
        assertThat(leases.current()).isEmpty();
    }

    @Test
    void restoreWhenSideBySideDiedInsideRestoreDataAgainDropsPartialCopyAndCompletes() throws Exception {
        String id = backup("DailyBackupProcess");
        State atBackup = state();
        changeDataAfterBackup();
        State production = state();
        var copy = DIR.resolve("backup/scratch/interrupted-" + System.nanoTime());
        String pi = startRestore("alice", Map.of("backupId", id, "targetDatabase", "llm_webapp_partial", "targetUploadsDir", copy.toString()));
        suspendJobsOf("Task_RestoreData");
        complete(awaitTask(pi, "Task_ApproveRestore"), "bob", Map.of("approved", true));
        awaitJob(pi, "Task_RestoreData");
        // the interrupted attempt had created the copy and half filled it
        STACK.execute("postgres", "create database llm_webapp_partial");
        STACK.execute("llm_webapp_partial", "create table users (id int)", "insert into users values (1)");
        Files.createDirectories(copy.resolve("user1"));
        Files.writeString(copy.resolve("user1/a.pdf"), "half");
        dieInside(pi, "Task_RestoreData");

        complete(awaitTask(pi, "Task_ResolveInterruptedRestore"), "bob", Map.of("resolution", "again"));

        assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");
        assertThat(digest("llm_webapp_partial")).isEqualTo(atBackup.database());
        assertThat(withoutRoot(com.llmbackup.test.FileTrees.describe(copy))).isEqualTo(atBackup.uploads());
        assertThat(state()).as("production untouched").isEqualTo(production);
        assertThat(restoreRow(pi).details()).contains("Dropped database llm_webapp_partial, the partial copy of the interrupted attempt");
        STACK.execute("postgres", "drop database llm_webapp_partial");
    }

    @Test
    void rescueWhenLockOwnerStillReportsLeavesItsJobLocked() throws Exception {
        String id = backup("DailyBackupProcess");
        String pi = approvedRestore(id, "Task_StartServices");
        Job job = awaitJob(pi, "Task_StartServices");
        // another orchestrator, alive on another machine, has the job
        Instant now = Instant.now();
        jdbc.update("insert into orchestrator_node (lock_owner, host, pid, started_at, heartbeat_at) values (?, ?, ?, ?, ?)",
                "live-orchestrator", "other-host", 4242L, Timestamp.from(now.minus(Duration.ofHours(1))), Timestamp.from(now));
        lock(job, "live-orchestrator", now.minus(Duration.ofMinutes(10)));
        resumeJobsOf("Task_StartServices");

        assertThat(nodes.rescueJobs()).as("its heartbeat is fresh").isZero();
        assertThat(lockOwnerOf(job)).isEqualTo("live-orchestrator");

        // it stops reporting: after node-stale-after its job runs again, and the step was never started, so it simply runs
        jdbc.update("update orchestrator_node set heartbeat_at = ? where lock_owner = ?",
                Timestamp.from(now.minus(Duration.ofMinutes(5))), "live-orchestrator");
        nodes.rescueJobs();
        assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");
        jdbc.update("delete from orchestrator_node where lock_owner = ?", "live-orchestrator");
    }

    // --- the state a killed orchestrator leaves

    /** A restore approved by bob whose job at {@code step} waits, suspended, for the test to make it look interrupted. */
    String approvedRestore(String id, String step) throws Exception {
        String pi = startRestore("alice", Map.of("backupId", id));
        suspendJobsOf(step);
        complete(awaitTask(pi, "Task_ApproveRestore"), "bob", Map.of("approved", true));
        awaitJob(pi, step);
        return pi;
    }

    /** What SIGKILL inside {@code step} leaves: its mark, its job locked for 12 h by an orchestrator gone silent; then one heartbeat. */
    void dieInside(String pi, String step) throws Exception {
        Job job = markAndLock(pi, step);
        nodes.rescueJobs();
        // the heartbeat (this call, or the scheduled one) gives the job back
        assertThat(lockOwnerOf(job)).isNotEqualTo("killed-orchestrator");
    }

    Job markAndLock(String pi, String step) {
        Job job = management.createJobQuery().processInstanceId(pi).activityId(step).singleResult();
        long runId = restoreRow(pi).id();
        recorder.startStep(runId, step, job.getId(), restores.executed(runId, false));
        // locked 2 minutes ago by an orchestrator that never reported (node-stale-after is 1 minute)
        lock(job, "killed-orchestrator", Instant.now().minus(Duration.ofMinutes(2)));
        resumeJobsOf(step);
        return job;
    }

    void lock(Job job, String owner, Instant lockedAt) {
        jdbc.update("update ACT_RU_JOB set LOCK_OWNER_ = ?, LOCK_EXP_TIME_ = ? where ID_ = ?", owner,
                Timestamp.from(lockedAt.plus(Duration.ofHours(12))), job.getId());
    }

    String lockOwnerOf(Job job) {
        List<String> owners = jdbc.queryForList("select LOCK_OWNER_ from ACT_RU_JOB where ID_ = ?", String.class, job.getId());
        return owners.isEmpty() ? "(job done)" : String.valueOf(owners.get(0));
    }

    Job awaitJob(String pi, String step) throws Exception {
        for (int i = 0; i < 600; i++) {
            Job job = management.createJobQuery().processInstanceId(pi).activityId(step).singleResult();
            if (job != null) {
                return job;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(pi + " never reached " + step + ": " + variablesOf(pi));
    }

    void suspendJobsOf(String step) {
        management.suspendJobDefinitionById(jobDefinition(step), true);
    }

    void resumeJobsOf(String step) {
        management.activateJobDefinitionById(jobDefinition(step), true);
    }

    String jobDefinition(String step) {
        String definition = engine.getRepositoryService().createProcessDefinitionQuery().processDefinitionKey("RestoreProcess")
                .latestVersion().singleResult().getId();
        return management.createJobDefinitionQuery().processDefinitionId(definition).activityIdIn(step).singleResult().getId();
    }

    /** A session as the stopped attempt's pg_restore leaves it (libpq names it after the program). */
    Connection pgRestoreSession() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("password", TestWebAppStack.DB_PASSWORD);
        p.setProperty("ApplicationName", "pg_restore");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + STACK.dbPort() + "/" + DATABASE, p);
    }

    HttpResult resolve(JsonNode task, String resolution) throws Exception {
        String id = task.get("id").asText();
        call("POST", "/engine-rest/task/" + id + "/claim", "bob", "{\"userId\":\"bob\"}");
        var r = call("POST", "/engine-rest/task/" + id + "/complete", "bob", vars(Map.of("resolution", resolution)));
        call("POST", "/engine-rest/task/" + id + "/unclaim", "bob", null);
        return new HttpResult(r.statusCode(), r.body());
    }

    record HttpResult(int statusCode, String body) {
    }

    void awaitHealthy() throws Exception {
        for (int i = 0; i < 100 && STACK.healthStatus() != 200; i++) {
            Thread.sleep(100);
        }
        assertThat(STACK.healthStatus()).isEqualTo(200);
    }
}
