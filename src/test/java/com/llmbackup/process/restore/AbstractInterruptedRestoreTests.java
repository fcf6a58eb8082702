package com.llmbackup.process.restore;

import static org.assertj.core.api.Assertions.assertThat;

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
import com.llmbackup.process.AbstractRestoreProcessTests;
import com.llmbackup.process.engine.OrchestratorNodes;
import com.llmbackup.restore.FrozenPlans;
import com.llmbackup.restore.RestoreRecorder;
import com.llmbackup.test.TestWebAppStack;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.runtime.Job;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What the tests of an interrupted restore share: the state a killed orchestrator leaves (the
 * step's mark under its job, the job locked for 12 h by an orchestrator that never reports
 * again), jobs held back at a step, a session posing as a leftover pg_restore, and a clean
 * start for each test (application running, no restore left open).
 */
abstract class AbstractInterruptedRestoreTests extends AbstractRestoreProcessTests {

    @Autowired
    ManagementService management;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    OrchestratorNodes nodes;
    @Autowired
    FrozenPlans plans;
    @Autowired
    RestoreRecorder recorder;

    /** Each test starts with the application running and healthy, whatever the one before left. */
    @BeforeEach
    void applicationRuns() throws Exception {
        applicationRunning();
    }

    @AfterEach
    void jobsRun() {
        for (String step : List.of("Task_StopServices", "Task_RestoreData", "Task_StartServices", "Task_RecordInterruption")) {
            resumeJobsOf(step);
        }
    }

    /**
     * Interrupted in the data step; the application is started meanwhile (an operator, or a
     * restart policy after the power cut). "again" goes straight to Task_RestoreData: it must not
     * run pg_restore --clean and the uploads sync under the running application.
     */
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
        recorder.startStep(runId, step, job.getId(), plans.executed(runId, false));
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
