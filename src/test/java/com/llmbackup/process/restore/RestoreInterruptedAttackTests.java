package com.llmbackup.process.restore;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.test.LocalHttp;
import com.llmbackup.test.TestDocker;
import com.llmbackup.test.WebappSession;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Attacks on "Restore interrupted" found by a review (an operator's mistake, two operators at
 * once, a power cut that also took the database down): each test asserts what the operator must
 * get. The killed orchestrator is made as in RestoreInterruptedProcessTests (mark under the job,
 * job locked by a silent owner, one heartbeat).
 */
class RestoreInterruptedAttackTests extends AbstractInterruptedRestoreTests {

    @Autowired
    PlatformTransactionManager transactions;

    @Test
    void againAfterInterruptedRestoreDataWhenApplicationStartedMeanwhileStopsItFirst() throws Exception {
        String id = backup("DailyBackupProcess");
        changeDataAfterBackup();
        String pi = approvedRestore(id, "Task_RestoreData");
        dieInside(pi, "Task_RestoreData");
        JsonNode task = awaitTask(pi, "Task_ResolveInterruptedRestore");
        // someone starts the web app again by hand (or docker's restart policy did at boot)
        for (String service : List.of("backend", "frontend")) {
            TestDocker.client().startContainerCmd(STACK.containerId(service)).exec();
        }
        String startedAt = STACK.state("backend").getStartedAt();
        suspendJobsOf("Task_RestoreData");
        complete(task, "bob", Map.of("resolution", "again"));
        awaitJob(pi, "Task_RestoreData");
        boolean runningWhenDataStepStarts = Boolean.TRUE.equals(STACK.state("backend").getRunning());
        resumeJobsOf("Task_RestoreData");
        String end = awaitEnded(pi).getEndActivityId();

        assertThat(runningWhenDataStepStarts && startedAt.equals(STACK.state("backend").getStartedAt()))
                .as("'again' restored under a running backend (never stopped between the resolution and the end: %s, %s); details: %s",
                        end, restoreRow(pi).message(), restoreRow(pi).request().details())
                .isFalse();
    }

    /**
     * Interrupted in the data step with the killed attempt's pg_restore still connected (SIGKILL
     * does not kill the child). "close" must not release the lock while that pg_restore can still
     * write, and must not leave it running.
     */
    @Test
    void closeAfterInterruptedRestoreDataEndsLeftoverPgRestoreOrKeepsLock() throws Exception {
        String id = backup("DailyBackupProcess");
        changeDataAfterBackup();
        String pi = approvedRestore(id, "Task_RestoreData");
        STACK.execute(DATABASE, "delete from documents where id < 500"); // half restored
        try (Connection leftover = pgRestoreSession()) {
            dieInside(pi, "Task_RestoreData");
            complete(awaitTask(pi, "Task_ResolveInterruptedRestore"), "bob", Map.of("resolution", "close"));
            assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreFailed");

            boolean pgRestoreStillConnected;
            try {
                leftover.createStatement().execute("select 1");
                pgRestoreStillConnected = true;
            } catch (SQLException e) {
                pgRestoreStillConnected = false;
            }
            // a daily now takes the free lock and saves the half-restored database as a complete set
            String daily = pgRestoreStillConnected && leases.current().isEmpty() ? backup("DailyBackupProcess") : null;
            assertThat(pgRestoreStillConnected && daily != null)
                    .as("after close the killed attempt's pg_restore is still connected, the lock is free and daily %s of the "
                            + "half-restored data completed; row message: %s", daily, restoreRow(pi).message())
                    .isFalse();
        }
    }

    /** A side-by-side restore interrupted: production was never stopped; the messages must not say otherwise. */
    @Test
    void interruptedSideBySideSaysProductionUntouchedAndNamesPartialCopy() throws Exception {
        String id = backup("DailyBackupProcess");
        var copy = DIR.resolve("backup/scratch/attack-" + System.nanoTime());
        String pi = startRestore("alice", Map.of("backupId", id, "targetDatabase", "llm_webapp_attack", "targetUploadsDir", copy.toString()));
        suspendJobsOf("Task_RestoreData");
        complete(awaitTask(pi, "Task_ApproveRestore"), "bob", Map.of("approved", true));
        awaitJob(pi, "Task_RestoreData");
        STACK.execute("postgres", "create database llm_webapp_attack");
        dieInside(pi, "Task_RestoreData");
        JsonNode task = awaitTask(pi, "Task_ResolveInterruptedRestore");
        String told = variable(pi, "failureMessage");
        complete(task, "bob", Map.of("resolution", "close"));
        awaitEnded(pi);
        String closed = restoreRow(pi).message();
        STACK.execute("postgres", "drop database if exists llm_webapp_attack");

        assertThat(Boolean.TRUE.equals(STACK.state("backend").getRunning())).as("production runs throughout").isTrue();
        assertThat(told).as("interruption message of a side-by-side restore").doesNotContain("the services stay stopped");
        assertThat(closed).as("close message of a side-by-side restore").doesNotContain("start them once the data are checked")
                .contains("llm_webapp_attack");
    }

    /**
     * Two operators complete "Restore interrupted" at once: the loser's completion rolls back
     * (OptimisticLockingException). Its afterCompletion must not undo the winner: here the loser's
     * listener ran first (took the free lock), the winner committed, then the loser rolled back.
     */
    @Test
    void concurrentCompletionWhenLoserRollsBackLeavesWinnersRestoreRunningWithLock() throws Exception {
        String id = backup("DailyBackupProcess");
        String pi = approvedRestore(id, "Task_StopServices");
        dieInside(pi, "Task_StopServices");
        JsonNode task = awaitTask(pi, "Task_ResolveInterruptedRestore");
        assertThat(leases.current()).as("interrupted at stop: lock given up").isEmpty();
        long runId = restoreRow(pi).id();
        int alertsBefore = alertsOf(pi);
        suspendJobsOf("Task_StopServices");
        new TransactionTemplate(transactions).executeWithoutResult(loser -> {
            plans.resumeByOperator(runId, "again"); // the loser's task listener
            try {
                complete(task, "bob", Map.of("resolution", "again")); // the winner, committed
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            loser.setRollbackOnly(); // the loser's flush fails
        });
        awaitJob(pi, "Task_StopServices");
        RunStatus whileAgainRuns = restoreRow(pi).status();
        boolean lockWhileAgainRuns = leases.current().filter(l -> l.owner().equals(pi)).isPresent();
        resumeJobsOf("Task_StopServices");
        JsonNode next = awaitTaskOrEnd(pi);
        HistoryEntry row = restoreRow(pi);

        assertThat(List.of(whileAgainRuns.name(), String.valueOf(lockWhileAgainRuns)))
                .as("while the winner's 'again' runs; then: %s, row %s '%s', alerts since: %s", next == null ? "ended" : next.get("taskDefinitionKey"),
                        row.status(), row.message(), alertsOf(pi) - alertsBefore)
                .containsExactly("RUNNING", "true");
    }

    /** A second interruption: the operator must choose again; the first choice (process variable 'resolution') must not be reused. */
    @Test
    void secondInterruptionWhenCompletedWithoutResolutionIsRefused() throws Exception {
        String id = backup("DailyBackupProcess");
        String pi = approvedRestore(id, "Task_RestoreData");
        dieInside(pi, "Task_RestoreData");
        JsonNode first = awaitTask(pi, "Task_ResolveInterruptedRestore");
        suspendJobsOf("Task_RestoreData");
        complete(first, "alice", Map.of("resolution", "again"));
        awaitJob(pi, "Task_RestoreData");
        dieInside(pi, "Task_RestoreData"); // killed again inside the repeated step
        JsonNode second = awaitTask(pi, "Task_ResolveInterruptedRestore");
        String prefilled = call("GET", "/engine-rest/task/" + second.get("id").asText() + "/form-variables", "bob", null).body();
        call("POST", "/engine-rest/task/" + second.get("id").asText() + "/claim", "bob", "{\"userId\":\"bob\"}");
        var r = call("POST", "/engine-rest/task/" + second.get("id").asText() + "/complete", "bob", "{\"variables\": {}}");

        assertThat(r.statusCode()).as("completing the second 'Restore interrupted' with no resolution (form prefilled with: %s)", prefilled)
                .isNotEqualTo(204);
    }

    /**
     * Interrupted in the data step while PostgreSQL is still down (the power cut took it too):
     * Task_RecordInterruption still opens "Restore interrupted" (it says what it cannot read,
     * never ends in an incident), and the half-restored data keep the lock: a daily started
     * meanwhile does not save them as a complete set.
     */
    @Test
    void interruptionWhenDatabaseIsDownStillAsksOperatorAndKeepsLockFromDaily() throws Exception {
        String id = backup("DailyBackupProcess");
        String pi = approvedRestore(id, "Task_RestoreData");
        STACK.execute(DATABASE, "delete from documents where id < 500"); // half restored
        suspendJobsOf("Task_RecordInterruption");
        dieInside(pi, "Task_RestoreData");
        awaitJob(pi, "Task_RecordInterruption");
        TestDocker.client().stopContainerCmd(STACK.containerId("db")).withTimeout(5).exec();
        try {
            resumeJobsOf("Task_RecordInterruption");
            awaitTask(pi, "Task_ResolveInterruptedRestore");
            assertThat(runtime.createIncidentQuery().processInstanceId(pi).count()).isZero();
            assertThat(variable(pi, "applicationState")).contains("database: cannot be read (");
            String dailyPi = runtime.startProcessInstanceByKey("DailyBackupProcess").getId();
            assertThat(awaitEnded(dailyPi).getEndActivityId()).isNotEqualTo("EndEvent_BackupCompleted");
            assertThat(history.listByOwner(dailyPi).get(0).message()).contains("Restore waiting for an operator at Restore interrupted");
            assertThat(leases.current()).hasValueSatisfying(l -> assertThat(l.owner()).isEqualTo(pi));
        } finally {
            TestDocker.client().startContainerCmd(STACK.containerId("db")).exec();
            for (int i = 0; i < 100; i++) {
                try (Connection c = STACK.connect(DATABASE)) {
                    break;
                } catch (SQLException e) {
                    Thread.sleep(200);
                }
            }
        }
    }

    /** A daily waiting for an interrupted restore's lock: what does its failure tell the operator? */
    @Test
    void dailyWhenInterruptedRestoreHoldsLockNamesTheRestoreAndItsTask() throws Exception {
        String id = backup("DailyBackupProcess");
        String pi = approvedRestore(id, "Task_RestoreData");
        dieInside(pi, "Task_RestoreData");
        awaitTask(pi, "Task_ResolveInterruptedRestore");
        String dailyPi = runtime.startProcessInstanceByKey("DailyBackupProcess").getId();
        awaitEnded(dailyPi);
        HistoryEntry daily = history.listByOwner(dailyPi).get(0);

        assertThat(daily.message()).as("the daily's failure (status %s)", daily.status())
                .doesNotContain("(Safety backup)").contains("Restore interrupted");
    }

    /**
     * Issue 25, finding 3: an operator ending the approval or "Restore interrupted" from outside its
     * form (bpmnError: with no boundary the engine used to end the restore without its listeners, its
     * row open and its lock free) or escalating it (sets variables the approval shows). Refused on both
     * APIs; each restore stays at its task with its row and lock. An administrator's bpmnError that
     * nothing catches fails (enableExceptionsAfterUnhandledBpmnError) instead of ending the restore.
     */
    @Test
    void bpmnErrorOrEscalationWhenAnOperatorSendsItOnApprovalOrInterruptedIsRefusedAndRestoreStays() throws Exception {
        String id = backup("DailyBackupProcess");
        String asking = startRestore("alice", Map.of("backupId", id));
        JsonNode approval = awaitTask(asking, "Task_ApproveRestore");
        String pi = approvedRestore(id, "Task_RestoreData");
        dieInside(pi, "Task_RestoreData");
        JsonNode interrupted = awaitTask(pi, "Task_ResolveInterruptedRestore");
        WebappSession tasklist = WebappSession.logIn("http://127.0.0.1:" + port, "tasklist", "bob", "bob-pw");
        assertThat(tasklist.login().statusCode()).as(tasklist.login().body()).isEqualTo(200);

        for (JsonNode task : List.of(approval, interrupted)) {
            String taskId = task.get("id").asText();
            String instance = task.get("processInstanceId").asText();
            String key = task.get("taskDefinitionKey").asText();
            RunStatus status = restoreRow(instance).status();
            call("POST", "/engine-rest/task/" + taskId + "/claim", "bob", "{\"userId\":\"bob\"}");
            for (String call : List.of("bpmnError", "bpmnEscalation")) {
                String body = "{\"errorCode\": \"Err_Operator\", \"escalationCode\": \"Esc_Operator\", \"variables\": "
                        + "{\"restoreSummary\": {\"value\": \"nothing is lost\"}}}";
                var rest = call("POST", "/engine-rest/task/" + taskId + "/" + call, "bob", body);
                var webapp = tasklist.send("POST", "/camunda/api/engine/engine/default/task/" + taskId + "/" + call, body);

                assertThat(List.of(rest.statusCode(), webapp.statusCode())).as("%s on %s: %s / %s", call, key, rest.body(), webapp.body())
                        .containsExactly(403, 403);
            }
            assertThat(runtime.getActiveActivityIds(instance)).as(key).containsExactly(key);
            assertThat(restoreRow(instance).status()).isEqualTo(status);
            assertThat(String.valueOf(runtime.getVariable(instance, "restoreSummary"))).doesNotContain("nothing is lost");
        }
        assertThat(leases.current()).hasValueSatisfying(l -> assertThat(l.owner()).isEqualTo(pi));

        var admin = LocalHttp.call(port, "POST", "/engine-rest/task/" + interrupted.get("id").asText() + "/bpmnError", "admin:admin-pw",
                "{\"errorCode\": \"Err_NobodyCatchesThis\"}");
        assertThat(admin.statusCode()).as(admin.body()).isNotEqualTo(204);
        assertThat(runtime.getActiveActivityIds(pi)).containsExactly("Task_ResolveInterruptedRestore");
        assertThat(restoreRow(pi).status()).isEqualTo(RunStatus.WAITING_FOR_OPERATOR);
        assertThat(leases.current()).hasValueSatisfying(l -> assertThat(l.owner()).isEqualTo(pi));

        complete(approval, "bob", Map.of("approved", false, "approvalComment", "not while another restore waits"));
        complete(interrupted, "bob", Map.of("resolution", "close"));
        awaitEnded(asking);
        awaitEnded(pi);
    }

    // --- helpers

    int alertsOf(String pi) {
        return (int) ALERTS.alerts().stream().filter(b -> b.contains(pi)).count();
    }

    JsonNode awaitTaskOrEnd(String pi) throws Exception {
        for (int i = 0; i < 600; i++) {
            JsonNode tasks = json.readTree(call("GET", "/engine-rest/task?processInstanceId=" + pi, "bob", null).body());
            if (tasks.size() > 0) {
                return tasks.get(0);
            }
            if (historyService.createHistoricProcessInstanceQuery().processInstanceId(pi).finished().count() > 0) {
                return null;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("neither a task nor the end: " + variablesOf(pi));
    }
}
