package com.llmbackup.process.restore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.catalog.Trees;
import com.llmbackup.config.Texts;
import com.llmbackup.process.AbstractRestoreProcessTests;
import com.llmbackup.restore.FileRestores;
import com.llmbackup.restore.FrozenPlans;
import com.llmbackup.test.FileTrees;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * {@code RestoreProcess} with {@code restorePaths} on the real stack, approved by a second
 * operator as any restore: chosen files and folders back into place with the application
 * running (or, asked, stopped around it) and the database untouched, every other file byte- and
 * mtime-identical; side by side;
 * the undo; a refusal before the approval; the changing step run twice.
 */
class RestoreFilesProcessTests extends AbstractRestoreProcessTests {

    private static final String CHOSEN = "[\"user1/a.pdf\", \"user2/\"]";

    @Autowired
    FileRestores files;
    @Autowired
    FrozenPlans plans;

    @BeforeEach
    void running() throws Exception {
        applicationRunning();
    }

    /** A backup, then the changes a user makes: a.pdf edited, user2 deleted, a new file. */
    private String backupThenChange() throws Exception {
        FileTrees.write(UPLOADS, Map.of("user1/a.pdf", "report A", "user2/회의록 2025.txt", "회의 내용"));
        String id = backup("DailyBackupProcess");
        Thread.sleep(20);
        Files.writeString(UPLOADS.resolve("user1/a.pdf"), "report A, edited");
        Trees.delete(UPLOADS.resolve("user2"));
        Files.writeString(UPLOADS.resolve("user1/new since backup.pdf"), "new " + System.nanoTime());
        return id;
    }

    /** The uploads without the chosen paths and the folders that hold them (whose mtimes a rename changes). */
    private static Map<String, String> others(Map<String, String> uploads) {
        Map<String, String> copy = new TreeMap<>(uploads);
        copy.keySet().removeIf(k -> k.equals("user1") || k.equals("user1/a.pdf") || k.equals("user2") || k.startsWith("user2/"));
        return copy;
    }

    private String restoreFiles(String id, Map<String, Object> more) throws Exception {
        Map<String, Object> vars = new HashMap<>(Map.of("backupKind", "daily", "backupId", id, "restorePaths", CHOSEN,
                "reason", "alice deleted user2's minutes"));
        vars.putAll(more);
        String pi = startRestore("alice", vars);
        var task = awaitTask(pi, "Task_ApproveRestore");
        assertThat(variable(pi, "restoreSummary")).contains("Restore 2 path(s) of daily/" + id).contains("user1/a.pdf: 1 file(s)")
                .contains("user2: 1 file(s)");
        complete(task, "bob", Map.of("approved", true, "approvalComment", "ok"));
        assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");
        return pi;
    }

    @Test
    void restoreFilesWhenApprovedPutsBackAFileAndAFolderAndNothingElse() throws Exception {
        String id = backupThenChange();
        State before = state();
        String backendStarted = STACK.state("backend").getStartedAt();

        String pi = restoreFiles(id, Map.of());

        State after = state();
        assertThat(after.database()).as("no database change").isEqualTo(before.database());
        assertThat(others(after.uploads())).as("every other file byte- and mtime-identical").isEqualTo(others(before.uploads()));
        assertThat(Files.readString(UPLOADS.resolve("user1/a.pdf"))).isEqualTo("report A");
        assertThat(Files.readString(UPLOADS.resolve("user2/회의록 2025.txt"))).isEqualTo("회의 내용");
        assertThat(STACK.state("backend").getStartedAt()).as("the application was never stopped").isEqualTo(backendStarted);
        assertThat(historicVariable(pi, "safetyBackupId")).as("no safety backup").isNull();
        HistoryEntry row = awaitRow(pi, RunKind.RESTORE, RunStatus.COMPLETED);
        assertThat(row.message()).startsWith("Restored user1/a.pdf, user2 from daily/" + id + " into place;");
        assertThat(Texts.of("ko").render(row.text())).startsWith("daily/" + id + "에서 user1/a.pdf, user2을(를) 제자리에 복원했습니다.");
        Path kept = files.runFolder(row.id()).resolve("replaced/user1/a.pdf");
        assertThat(Files.readString(kept)).isEqualTo("report A, edited");
        assertThat(leases.current()).as("the lock given up").isEmpty();

        // the changing step a second time (a restarted job): nothing changes
        Map<String, String> once = FileTrees.describe(UPLOADS);
        files.restore(row.id(), plans.executed(row.id(), false), plans.restorePaths(row.id()), false);
        assertThat(FileTrees.describe(UPLOADS)).isEqualTo(once);
        assertThat(Files.readString(kept)).isEqualTo("report A, edited");
    }

    @Test
    void restoreFilesWhenStopApplicationIsAskedStopsAndStartsItAround() throws Exception {
        String id = backupThenChange();
        State before = state();
        String backendStarted = STACK.state("backend").getStartedAt();

        String pi = restoreFiles(id, Map.of("stopApplication", true));

        assertThat(STACK.state("backend").getStartedAt()).as("stopped and started again").isNotEqualTo(backendStarted);
        assertThat(STACK.healthStatus()).isEqualTo(200);
        State after = state();
        assertThat(after.database()).isEqualTo(before.database());
        assertThat(others(after.uploads())).isEqualTo(others(before.uploads()));
        assertThat(Files.readString(UPLOADS.resolve("user1/a.pdf"))).isEqualTo("report A");
        assertThat(restoreRow(pi).message()).contains("the application was stopped for it and is healthy");
        assertThat(historicVariable(pi, "safetyBackupId")).as("no safety backup").isNull();
    }

    @Test
    void undoWhenApprovedPutsTheReplacedVersionsBackAndRemovesWhatItCreated() throws Exception {
        String id = backupThenChange();
        State before = state();
        String pi = restoreFiles(id, Map.of());
        long runId = restoreRow(pi).id();
        assertThat(filesUndoable(runId)).as("the page offers its undo").isTrue();

        String undo = startRestore("alice", Map.of("undoRestoreOf", runId, "reason", "the old minutes were wrong"));
        var task = awaitTask(undo, "Task_ApproveRestore");
        assertThat(variable(undo, "restoreSummary")).startsWith("Undo file restore run " + runId);
        complete(task, "bob", Map.of("approved", true, "approvalComment", "ok"));
        assertThat(awaitEnded(undo).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");

        State after = state();
        assertThat(after.database()).isEqualTo(before.database());
        Map<String, String> expected = new TreeMap<>(before.uploads());
        Map<String, String> actual = new TreeMap<>(after.uploads());
        expected.remove("user1");
        actual.remove("user1");
        assertThat(actual).isEqualTo(expected);
        assertThat(restoreRow(undo).message()).startsWith("Undid file restore run " + runId);
        assertThat(filesUndoable(runId)).as("undone: no second undo offered").isFalse();

        // a second undo of the same run is refused before the approval
        String again = startRestore("alice", Map.of("undoRestoreOf", runId, "reason", "twice"));
        assertThat(awaitEnded(again).getEndActivityId()).isEqualTo("EndEvent_RestoreRefused");
        assertThat(historicVariable(again, "failureMessage").toString()).contains("undone already");
    }

    /** What {@code /api/backups} says of a restore run: whether the page offers the undo of its files. */
    private boolean filesUndoable(long runId) throws Exception {
        for (JsonNode item : json.readTree(call("GET", "/api/backups?kind=restore&size=100", "alice", null).body()).get("items")) {
            if (item.get("runId").asLong() == runId) {
                return item.get("filesUndoable").asBoolean();
            }
        }
        throw new AssertionError("no restore run " + runId + " in /api/backups");
    }

    @Test
    void restoreFilesWhenSideBySideWritesOnlyIntoTheNewFolder() throws Exception {
        String id = backupThenChange();
        State before = state();
        Path target = DIR.resolve("backup/scratch/files-" + System.nanoTime());

        restoreFiles(id, Map.of("targetUploadsDir", target.toString()));

        assertThat(state()).isEqualTo(before);
        assertThat(FileTrees.read(target)).isEqualTo(Map.of("user1/a.pdf", "report A", "user2/회의록 2025.txt", "회의 내용"));
    }

    @Test
    void restoreFilesWhenAPathIsNotInTheSetIsRefusedBeforeTheApproval() throws Exception {
        String id = backupThenChange();

        String pi = startRestore("alice", Map.of("backupKind", "daily", "backupId", id, "restorePaths", "[\"user9/x.pdf\"]"));

        assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreRefused");
        assertThat(historicVariable(pi, "failureMessage")).isEqualTo("Set daily/" + id + " does not hold user9/x.pdf: choose paths "
                + "from its file list (GET /api/backups/sets/{kind}/{id}/files, or Files on the admin page). Nothing was changed; the "
                + "application was not stopped.");
        String outside = startRestore("alice", Map.of("backupKind", "daily", "backupId", id, "restorePaths", "[\"../etc/passwd\"]"));
        assertThat(awaitEnded(outside).getEndActivityId()).isEqualTo("EndEvent_RestoreRefused");
        assertThat(historicVariable(outside, "failureMessage").toString()).startsWith("restorePaths: '../etc/passwd' leads out");
    }
}
