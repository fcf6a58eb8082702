package com.llmbackup.process.restore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.config.Texts;
import com.llmbackup.process.AbstractRestoreProcessTests;
import com.llmbackup.test.TestWebAppStack;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The database half of an in-place restore on the container stack: restored beside the live
 * database and checked while the application runs, swapped in with the services stopped, exact
 * whatever was created since the backup; a failed check leaves production untouched and running;
 * the undo of a completed restore; the space check against the db container's volume and the old
 * in-place way asked for instead; a globals file changed after the approval.
 */
class RestoreSwapProcessTests extends AbstractRestoreProcessTests {

    @BeforeEach
    void running() throws Exception {
        applicationRunning();
    }

    @Test
    void restoreWhenObjectsWereCreatedSinceSwapsInExactlyTheBackupAndItsUndoBringsBackTheDatabaseFromBefore() throws Exception {
        String id = backup("DailyBackupProcess");
        State atBackup = state();
        changeDataAfterBackup();
        // created since the backup: a table, a schema, a function, a sequence, a table with a foreign key into a restored one
        STACK.execute(DATABASE, "create table notes (id int)", "create schema reports", "create table reports.monthly (n int)",
                "create function late() returns int language sql as 'select 1'", "create sequence late_seq",
                "create table comments (id int, user_id int references users)", "insert into comments values (1, 1)");
        State beforeRestore = state();

        String pi = startRestore("alice", Map.of("backupId", id, "reason", "a bad migration"));
        JsonNode approval = awaitTask(pi, "Task_ApproveRestore");
        assertThat(variable(pi, "databaseMethodText")).contains("restore beside, check, swap");
        assertThat(variable(pi, "restoreSummary")).contains("Space for the second copy: ").contains("in the container of compose service db");
        try (var reportTool = STACK.connect(DATABASE)) {
            reportTool.createStatement().execute("set application_name = 'report-tool'");
            complete(approval, "bob", Map.of("approved", true));
            assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");
            assertThat(reportTool.isValid(2)).as("a session on the live database is ended for the swap").isFalse();
        }

        assertThat(state()).isEqualTo(atBackup);
        HistoryEntry restore = restoreRow(pi);
        String previous = DATABASE + "__before_" + restore.id();
        assertThat(restore.message()).contains("Database (restore beside, check, swap): restore beside ", ", check ", ", swap ")
                .contains("The database it replaced is kept as " + previous + " until ");
        assertThat(restore.request().details()).contains("Restore beside " + DATABASE + "__restoring_" + restore.id() + ": ",
                "Check " + DATABASE + "__restoring_" + restore.id() + ": ", "Swap: ");
        assertThat(String.join("\n", restore.request().detailLines(Texts.of("ko")::render)))
                .contains(DATABASE + "__restoring_" + restore.id() + "(으)로 옆 복원: ", DATABASE + "__restoring_" + restore.id() + " 검사: ", "교체: ");
        assertThat(databases()).contains(previous).doesNotContain(DATABASE + "__restoring_" + restore.id());
        assertThat(restore.request().details()).containsPattern("Ended \\d+ session\\(s\\) on llm_webapp for the swap: pid \\d+ \\(user postgres, "
                + "application report-tool");
        assertThat(Files.readString(DIR.resolve("llm-backup.log"))).contains("for the swap: pid ").contains("application report-tool");
        JsonNode listed = restoreItem(restore.id());
        assertThat(listed.path("undoableUntil").isNull()).as("the page offers the undo").isFalse();

        String undo = startRestore("alice", Map.of("undoRestoreOf", restore.id(), "reason", "the backup was the wrong one"));
        JsonNode undoApproval = awaitTask(undo, "Task_ApproveRestore");
        assertThat(variable(undo, "restoreSummary")).contains("Database method: undo: " + previous + " (the database from before restore run "
                + restore.id() + ") is swapped back in as " + DATABASE);
        complete(undoApproval, "bob", Map.of("approved", true));
        assertThat(awaitEnded(undo).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");

        assertThat(state()).as("the database and the uploads from before the restore").isEqualTo(beforeRestore);
        HistoryEntry undone = restoreRow(undo);
        assertThat(undone.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(undone.message()).startsWith("Undid restore run " + restore.id() + ": ").contains("Database (undo: swapped back): swap ");
        assertThat(databases()).doesNotContain(previous).contains(DATABASE + "__before_" + undone.id());
        assertThat(restoreItem(restore.id()).path("undoableUntil").isNull()).as("undone: not again").isTrue();
        assertThat(restoreItem(undone.id()).path("undoableUntil").isNull()).as("the undo itself can be undone").isFalse();
        // the next tests back up and restore what the runbook's GRANT covers
        STACK.execute(DATABASE, "drop table notes, reports.monthly, comments", "drop schema reports", "drop function late()",
                "drop sequence late_seq");
    }

    /** The approval waits without the lock: a restore that ran meanwhile must not be thrown away by the undo approved after it. */
    @Test
    void undoWhenAnotherRestoreRanWhileItWaitedForItsApprovalFailsBeforeAnythingChanges() throws Exception {
        String id = backup("DailyBackupProcess");
        changeDataAfterBackup();
        String first = startRestore("alice", Map.of("backupId", id));
        complete(awaitTask(first, "Task_ApproveRestore"), "bob", Map.of("approved", true));
        assertThat(awaitEnded(first).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");
        long firstRun = restoreRow(first).id();
        String undo = startRestore("alice", Map.of("undoRestoreOf", firstRun, "reason", "the backup was the wrong one"));
        JsonNode undoApproval = awaitTask(undo, "Task_ApproveRestore");

        String second = startRestore("alice", Map.of("backupId", id));
        complete(awaitTask(second, "Task_ApproveRestore"), "bob", Map.of("approved", true));
        assertThat(awaitEnded(second).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");
        long secondRun = restoreRow(second).id();
        State afterSecond = state();
        String backendStarted = STACK.state("backend").getStartedAt();

        complete(undoApproval, "bob", Map.of("approved", true));
        JsonNode failure = awaitTask(undo, "Task_ResolveFailedRestore");

        assertThat(variable(undo, "failedStep")).isEqualTo("Task_RestoreBeside");
        assertThat(variable(undo, "failureMessage")).contains("While this undo of restore run " + firstRun + " waited for its approval, "
                + "restore run " + secondRun + " (COMPLETED").contains("Nothing was changed");
        assertThat(state()).as("the second restore's database and uploads stay").isEqualTo(afterSecond);
        assertThat(STACK.state("backend").getStartedAt()).as("the application was never stopped").isEqualTo(backendStarted);
        assertThat(databases()).contains(DATABASE + "__before_" + firstRun, DATABASE + "__before_" + secondRun);
        complete(failure, "bob", Map.of("resolution", "rollback"));
        assertThat(awaitEnded(undo).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");
        assertThat(restoreRow(undo).status()).isEqualTo(RunStatus.FAILED);
        assertThat(state()).isEqualTo(afterSecond);
    }

    /**
     * Run ids follow the starts, not the swaps: a restore started first and approved last swaps
     * after one with a higher id. Undoing that one would throw the newest restore away.
     */
    @Test
    void undoWhenARestoreStartedEarlierSwappedAfterItIsRefused() throws Exception {
        String id = backup("DailyBackupProcess");
        changeDataAfterBackup();
        String early = startRestore("alice", Map.of("backupId", id));
        JsonNode earlyApproval = awaitTask(early, "Task_ApproveRestore");
        String late = startRestore("alice", Map.of("backupId", id));
        complete(awaitTask(late, "Task_ApproveRestore"), "bob", Map.of("approved", true));
        assertThat(awaitEnded(late).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");
        complete(earlyApproval, "bob", Map.of("approved", true));
        assertThat(awaitEnded(early).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");
        long earlyRun = restoreRow(early).id();
        long lateRun = restoreRow(late).id();
        assertThat(earlyRun).isLessThan(lateRun);
        State newest = state();

        String undo = startRestore("alice", Map.of("undoRestoreOf", lateRun, "reason", "the backup was the wrong one"));

        assertThat(awaitEnded(undo).getEndActivityId()).isEqualTo("EndEvent_RestoreRefused");
        assertThat(restoreRow(undo).message()).contains("Restore run " + lateRun + " is not the newest: restore run " + earlyRun);
        assertThat(state()).as("the newest restore's database stays").isEqualTo(newest);
    }

    @Test
    void restoreWhenTheCheckFindsADamagedRowCountLeavesProductionUntouchedAndRunning() throws Exception {
        String id = backup("DailyBackupProcess");
        // the manifest says one user more than the dump holds: the copy's check must catch it
        Path manifestFile = DIR.resolve("backup/daily/manifest_" + id + ".json");
        ObjectNode manifest = (ObjectNode) json.readTree(manifestFile.toFile());
        ObjectNode rows = (ObjectNode) manifest.get("rowCounts");
        rows.put("public.users", rows.get("public.users").asLong() + 1);
        json.writeValue(manifestFile.toFile(), manifest);
        changeDataAfterBackup();
        State beforeRestore = state();
        String backendStarted = STACK.state("backend").getStartedAt();

        String pi = startRestore("alice", Map.of("backupId", id));
        complete(awaitTask(pi, "Task_ApproveRestore"), "bob", Map.of("approved", true));
        JsonNode failure = awaitTask(pi, "Task_ResolveFailedRestore");

        assertThat(variable(pi, "failedStep")).isEqualTo("Task_RestoreBeside");
        assertThat(variable(pi, "failureMessage")).contains("differs from the backup: row counts: public.users has ")
                .contains("Production was not touched; the copy was dropped.");
        assertThat(state()).isEqualTo(beforeRestore);
        assertThat(STACK.state("backend").getStartedAt()).as("the application was never stopped").isEqualTo(backendStarted);
        assertThat(STACK.healthStatus()).isEqualTo(200);
        assertThat(databases()).noneMatch(db -> db.contains("__restoring_"));
        assertThat(leases.current()).as("production is as it was: backups may run while the operator decides").isEmpty();

        complete(failure, "bob", Map.of("resolution", "rollback"));
        assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");
        HistoryEntry row = restoreRow(pi);
        assertThat(row.status()).isEqualTo(RunStatus.FAILED);
        assertThat(row.message()).contains("rolled back: production was not touched");
        assertThat(state()).isEqualTo(beforeRestore);
        assertThat(STACK.state("backend").getStartedAt()).isEqualTo(backendStarted);
    }

    @Test
    void restoreWhenTheServerHasNoRoomForASecondCopyIsRefusedWithTheFiguresAndRunsTheOldWayWhenAskedFor() throws Exception {
        String id = backup("DailyBackupProcess");
        State atBackup = state();
        changeDataAfterBackup();
        // the live database on a tablespace of the db container's small volume, filled but for 6 MiB (less than a copy needs, room for sorts)
        String small = TestWebAppStack.SMALL_VOLUME + "/ts-" + Long.toHexString(System.nanoTime());
        STACK.execInDb("mkdir", small); // the server's own folder: it sets the tablespace's permissions
        STACK.execute("postgres", "create tablespace small location '" + small + "'",
                "alter database " + DATABASE + " set tablespace small");
        try {
            STACK.execInDb("sh", "-c", "dd if=/dev/zero of=" + small + "/filler bs=1M count=$(( $(df -Pk " + small
                    + " | tail -n 1 | awk '{print $4}') / 1024 - 6 ))");

            String refused = startRestore("alice", Map.of("backupId", id));
            assertThat(awaitEnded(refused).getEndActivityId()).isEqualTo("EndEvent_RestoreRefused");
            assertThat(restoreRow(refused).message()).startsWith("Not enough space for a second copy of database " + DATABASE + ": " + small
                    + " in the container of compose service db has ").contains(" free, the copy needs about ").contains("the live database ")
                    .contains("start the restore again with databaseMethod=in-place");

            String pi = startRestore("alice", Map.of("backupId", id, "databaseMethod", "in-place"));
            JsonNode approval = awaitTask(pi, "Task_ApproveRestore");
            assertThat(variable(pi, "inPlaceDatabase")).as("the form shows it in red").isEqualTo("true");
            assertThat(variable(pi, "restoreSummary")).contains("Database method: IN PLACE, as asked: pg_restore --clean into " + DATABASE);
            complete(approval, "bob", Map.of("approved", true));
            assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");

            assertThat(state()).isEqualTo(atBackup);
            assertThat(restoreRow(pi).message()).contains("Database (in place, as asked): in place ");
            long runId = restoreRow(pi).id();
            assertThat(databases()).as("the old way leaves no database beside").doesNotContain(DATABASE + "__restoring_" + runId,
                    DATABASE + "__before_" + runId);
        } finally {
            STACK.execInDb("rm", "-f", small + "/filler");
            STACK.execute("postgres", "alter database " + DATABASE + " set tablespace pg_default", "drop tablespace small");
        }
    }

    @Test
    void restoreWhenTheGlobalsFileChangedAfterTheApprovalIsRefusedBeforeAnythingChanges() throws Exception {
        String id = backup("DailyBackupProcess");
        changeDataAfterBackup();
        State beforeRestore = state();
        String backendStarted = STACK.state("backend").getStartedAt();
        String pi = startRestore("alice", Map.of("backupId", id));
        JsonNode approval = awaitTask(pi, "Task_ApproveRestore");
        // after the guard checked it: someone adds a statement to the set's roles
        Files.writeString(DIR.resolve("backup/daily/globals_" + id + ".sql"), "ALTER ROLE postgres WITH PASSWORD 'owned';\n",
                StandardOpenOption.APPEND);

        complete(approval, "bob", Map.of("approved", true));
        JsonNode failure = awaitTask(pi, "Task_ResolveFailedRestore");

        assertThat(variable(pi, "failedStep")).isEqualTo("Task_RestoreBeside");
        assertThat(variable(pi, "failureMessage")).startsWith("globals_" + id + ".sql of daily/" + id + " does not match its manifest")
                .endsWith("Nothing was restored from it.");
        assertThat(state()).isEqualTo(beforeRestore);
        assertThat(STACK.state("backend").getStartedAt()).isEqualTo(backendStarted);
        complete(failure, "bob", Map.of("resolution", "close"));
        assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreFailed");
    }

    @Test
    void cleanupWhenKeepPreviousHasPassedDropsTheReplacedDatabaseWithItsReasonAndKeepsAYoungerOne() throws Exception {
        String id = backup("DailyBackupProcess");
        String older = startRestore("alice", Map.of("backupId", id, "restoreUploads", false));
        complete(awaitTask(older, "Task_ApproveRestore"), "bob", Map.of("approved", true));
        assertThat(awaitEnded(older).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");
        String younger = startRestore("alice", Map.of("backupId", id, "restoreUploads", false));
        complete(awaitTask(younger, "Task_ApproveRestore"), "bob", Map.of("approved", true));
        assertThat(awaitEnded(younger).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");
        long olderRun = restoreRow(older).id();
        long youngerRun = restoreRow(younger).id();
        // the older restore ended 25 hours ago (backup.restore.keep-previous is 24 h)
        history.table().update("update backup_history set ended_at = ? where id = ?",
                Timestamp.from(Instant.now().minusSeconds(25 * 3600)), olderRun);

        String pi = runtime.startProcessInstanceByKey("BackupCleanupProcess").getId();
        assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_CleanupCompleted");

        assertThat(databases()).doesNotContain(DATABASE + "__before_" + olderRun).contains(DATABASE + "__before_" + youngerRun);
        HistoryEntry cleanup = history.listByOwner(pi).get(0);
        assertThat(cleanup.request().details()).contains("Dropped " + DATABASE + "__before_" + olderRun + ": the database restore run "
                + olderRun + " replaced, kept PT24H after the run ended at ").contains("Kept " + DATABASE + "__before_" + youngerRun + " until ");
        assertThat(Files.readString(DIR.resolve("llm-backup.log"))).contains("Dropped " + DATABASE + "__before_" + olderRun + ": ");
    }

    private List<String> databases() throws Exception {
        List<String> names = new ArrayList<>();
        try (var c = STACK.connect("postgres"); ResultSet rs = c.createStatement().executeQuery("select datname from pg_database")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    private JsonNode restoreItem(long runId) throws Exception {
        for (JsonNode item : json.readTree(call("GET", "/api/backups?kind=restore&size=100", "bob", null).body()).get("items")) {
            if (item.get("runId").asLong() == runId) {
                return item;
            }
        }
        throw new AssertionError("no restore run " + runId + " in /api/backups");
    }
}
