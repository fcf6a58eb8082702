package com.llmbackup.process.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.test.FileTrees;
import com.llmbackup.test.TestDocker;
import org.camunda.bpm.engine.runtime.Job;
import org.junit.jupiter.api.Test;

/**
 * The orchestrator dying inside a step that changes the application (stop, restore data,
 * start), one test per path out of "Restore interrupted". The state a killed orchestrator
 * leaves is made exactly: the step's mark under its job, the job locked by an orchestrator
 * that never reports again, the work half done (and, inside the data step, a pg_restore
 * session left holding a lock). The heartbeat gives the job back at once; the step does not
 * run again on its own. (KilledDuringRestoreJarTests kills a real jar with SIGKILL.)
 */
class RestoreInterruptedProcessTests extends AbstractInterruptedRestoreTests {

    /**
     * Killed inside the swap, after the live database was closed to connections and before the
     * rename: the live name still points at the database from before, the checked copy waits;
     * the killed attempt's pg_restore (SIGKILL does not end the child) is still connected.
     */
    @Test
    void restoreWhenOrchestratorDiedInsideTheSwapWaitsForOperatorAndAgainCompletes() throws Exception {
        String id = backup("DailyBackupProcess");
        State atBackup = state();
        changeDataAfterBackup();
        String pi = approvedRestore(id, "Task_RestoreData");
        long runId = restoreRow(pi).id();
        try (Connection leftover = pgRestoreSession()) {
            leftover.setAutoCommit(false);
            leftover.createStatement().execute("lock table documents in access share mode");
            STACK.execute("postgres", "alter database " + DATABASE + " with allow_connections false");
            dieInside(pi, "Task_RestoreData");

            JsonNode task = awaitTask(pi, "Task_ResolveInterruptedRestore");
            assertThat(variable(pi, "failedStep")).isEqualTo("Task_RestoreData");
            assertThat(variable(pi, "failureMessage")).startsWith("The orchestrator stopped while Task_RestoreData was running (started ")
                    .contains("the step was not run again on its own", "either the one from before or the restored one, never a mix",
                            "the uploads may be half restored. The services stay stopped");
            assertThat(variable(pi, "applicationState")).contains("backend: ", " exited", "frontend: ",
                    "database: llm_webapp is the database from before the restore, untouched (the checked copy llm_webapp__restoring_"
                            + runId + " waits to be swapped in)", "pg_restore sessions: llm_webapp: pid ");
            assertThat(STACK.state("backend").getRunning()).as("nothing started again").isFalse();
            HistoryEntry waiting = restoreRow(pi);
            assertThat(waiting.status()).isEqualTo(RunStatus.WAITING_FOR_OPERATOR);
            assertThat(waiting.problems().failedStep()).isEqualTo("Task_RestoreData");
            assertThat(waiting.request().details()).contains("Started Task_RestoreBeside", "Started Task_StopServices",
                    "Started Task_RestoreData", "Interrupted at Task_RestoreData. Application then: backend: ");
            JsonNode alert = awaitAlert(pi, "restore");
            assertThat(alert.get("event").asText()).isEqualTo("restore_waiting_for_operator");
            assertThat(alert.get("task").asText()).contains("Restore interrupted (Task_ResolveInterruptedRestore)");
            assertThat(Files.readString(DIR.resolve("llm-backup.log"))).contains("FAILED at Task_RestoreData, waiting for an operator "
                    + "(Task_ResolveInterruptedRestore); it keeps the lock");
            assertThat(leases.current()).as("the uploads may be half restored: the lock is kept").hasValueSatisfying(l -> assertThat(l.owner())
                    .isEqualTo(pi));
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
        assertThat(row.request().details()).contains("Resolution by bob: again (from the start of Task_RestoreData)")
                .containsPattern("Ended \\d+ session\\(s\\) on llm_webapp for the swap: pid \\d+ \\(user postgres, application pg_restore");
        assertThat(row.problems().interruptedStep()).isNull();
        assertThat(leases.current()).isEmpty();
    }

    @Test
    void restoreWhenOrchestratorDiedInsideTheSwapAndOperatorRollsBackGivesTheDataFromBefore() throws Exception {
        String id = backup("DailyBackupProcess");
        changeDataAfterBackup();
        State beforeRestore = state();
        String pi = approvedRestore(id, "Task_RestoreData");
        STACK.execute("postgres", "alter database " + DATABASE + " with allow_connections false");
        dieInside(pi, "Task_RestoreData");

        complete(awaitTask(pi, "Task_ResolveInterruptedRestore"), "bob", Map.of("resolution", "rollback"));

        assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");
        assertThat(state()).as("the database from before (open again), the uploads from the safety set").isEqualTo(beforeRestore);
        HistoryEntry row = restoreRow(pi);
        assertThat(row.status()).isEqualTo(RunStatus.FAILED);
        assertThat(row.message()).startsWith("The restore failed (Task_RestoreData: The orchestrator stopped while Task_RestoreData")
                .contains("rolled back to safety/");
        assertThat(row.request().details()).contains("Roll back: llm_webapp is the database from before the restore; its copy was dropped");
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
                "pg_restore sessions: none");
        assertThat(leases.current()).as("no data changed: the lock is given up while the operator decides").isEmpty();
        complete(task, "bob", Map.of("resolution", "again"));

        assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");
        assertThat(state()).isEqualTo(atBackup);
        for (String service : List.of("backend", "frontend")) {
            assertThat(STACK.state(service).getRunning()).as(service + " runs after the restore").isTrue();
        }
        assertThat(restoreRow(pi).request().details()).contains("Resolution by bob: again (from the start of Task_StopServices)");
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
        assertThat(row.problems().failedStep()).isEqualTo("Task_StartServices");
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
        assertThat(withoutRoot(FileTrees.describe(copy))).isEqualTo(atBackup.uploads());
        assertThat(state()).as("production untouched").isEqualTo(production);
        assertThat(restoreRow(pi).request().details()).contains("Dropped database llm_webapp_partial, the partial copy of the interrupted attempt");
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

}
