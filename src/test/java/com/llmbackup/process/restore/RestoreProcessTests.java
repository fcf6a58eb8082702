package com.llmbackup.process.restore;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.catalog.FilePermissions;
import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.Manifest;
import com.llmbackup.catalog.RawNames;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.catalog.SnapshotCheck;
import com.llmbackup.config.Texts;
import com.llmbackup.exec.Command;
import com.llmbackup.exec.CommandFailedException;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.process.AbstractRestoreProcessTests;
import com.llmbackup.test.FileTrees;
import com.llmbackup.test.LocalHttp;
import com.llmbackup.test.TestDocker;
import com.llmbackup.test.TestPostgres;
import com.llmbackup.test.TestWebAppStack;
import org.camunda.bpm.engine.history.HistoricActivityInstance;
import org.camunda.bpm.engine.history.HistoricProcessInstance;
import org.junit.jupiter.api.Test;
/**
 * {@code RestoreProcess} on a real container stack (db, backend, frontend of one compose
 * project), with the job executor running, driven the way an operator drives it: through
 * {@code /engine-rest} as the operators alice (who asks) and bob (who approves; the
 * second-operator rule is on here). One test per path of the model.
 */
class RestoreProcessTests extends AbstractRestoreProcessTests {

    @Test
    void restoreWhenApprovedBringsBackDailySetAndRestartsOnlyAppServices() throws Exception {
        String id = backup("DailyBackupProcess");
        State atBackup = state();
        changeDataAfterBackup();
        assertThat(state()).isNotEqualTo(atBackup);
        String dbStartedAt = STACK.state("db").getStartedAt();
        Instant before = Instant.now();

        String pi = startRestore("alice", Map.of("backupKind", "daily", "backupId", id, "reason", "user1 deleted documents"));
        JsonNode task = awaitTask(pi, "Task_ApproveRestore");
        JsonNode formVars = json.readTree(call("GET", "/engine-rest/task/" + task.get("id").asText() + "/variables", "bob", null).body());
        assertThat(formVars.get("restoreSummary").get("value").asText())
                .contains("Set: daily/" + id + " (complete, written ")
                .contains("is lost")
                .contains("database llm_webapp (now ")
                .contains("files created since are deleted")
                .contains("Requested by: alice; reason: user1 deleted documents");
        // what Tasklist renders: the deployed Camunda Form with the fields the approver reads and fills
        String form = call("GET", "/engine-rest/task/" + task.get("id").asText() + "/deployed-form", "bob", null).body();
        assertThat(form).contains("\"restoreSummary\"", "\"dataLoss\"", "\"overwrites\"", "\"approved\"", "\"approvalComment\"");
        complete(task, "bob", Map.of("approved", true, "approvalComment", "checked with user1"));

        HistoricProcessInstance done = awaitEnded(pi);
        assertThat(done.getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");
        assertThat(state()).isEqualTo(atBackup);
        assertThat(STACK.state("db").getStartedAt()).as("the db container was never stopped").isEqualTo(dbStartedAt);
        assertThat(STACK.state("db").getRunning()).isTrue();
        for (String service : List.of("backend", "frontend")) {
            var s = STACK.state(service);
            assertThat(Instant.parse(s.getFinishedAt())).as(service + " stopped during the restore").isAfter(before);
            assertThat(s.getRunning()).as(service + " runs again").isTrue();
        }
        assertThat(STACK.healthStatus()).isEqualTo(200);
        HistoryEntry row = restoreRow(pi);
        assertThat(row.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(row.request().requestedBy()).isEqualTo("alice");
        assertThat(row.request().approvedBy()).isEqualTo("bob");
        assertThat(row.request().source()).isEqualTo("daily/" + id);
        assertThat(row.figures().rtoMillis()).isPositive();
        assertThat(row.request().details()).contains("Approved by bob", "checked with user1", "Stop services: ", "(backend, frontend)",
                "Restore beside llm_webapp__restoring_", "row counts equal the backup's", "Swap: ", "Restore uploads ", "Start services: ", "Health check: ");
        assertThat(row.message()).contains("Restored daily/" + id + "; the application is healthy. Database (restore beside, check, swap): "
                + "restore beside ").contains(" Time from approval: ");
        String safetyId = (String) historicVariable(pi, "safetyBackupId");
        assertThat(json.readTree(DIR.resolve("backup/safety/manifest_" + safetyId + ".json").toFile()).get("status").asText())
                .isEqualTo("complete");
        // the safety backup was a call of BackupRunProcess, kind safety: a snapshot, and the lock kept for the restore
        var run = historyService.createHistoricProcessInstanceQuery().superProcessInstanceId(pi).singleResult();
        assertThat(run.getProcessDefinitionKey()).isEqualTo("BackupRunProcess");
        List<String> passed = historyService.createHistoricActivityInstanceQuery().processInstanceId(run.getId()).list().stream()
                .map(HistoricActivityInstance::getActivityId).toList();
        assertThat(passed).contains("Task_DumpDatabase", "Task_SnapshotUploads", "Task_PublishSet", "EndEvent_RunCompleted")
                .doesNotContain("Task_ArchiveUploads", "Task_ReleaseLease");
        assertThat(history.listByOwner(pi)).filteredOn(e -> e.kind() == RunKind.SAFETY).singleElement()
                .satisfies(e -> assertThat(e.status()).isEqualTo(RunStatus.COMPLETED));
        assertThat(Files.readString(DIR.resolve("llm-backup.log"))).contains("Restore completed: Restored daily/" + id);
    }

    @Test
    void restoreWhenSafetyBackupFailsTechnicallyRecordsAndAlertsTheIncident() throws Exception {
        String id = backup("DailyBackupProcess");
        String backendStarted = STACK.state("backend").getStartedAt();
        String pi = startRestore("alice", Map.of("backupId", id, "reason", "incident in the safety backup"));
        JsonNode task = awaitTask(pi, "Task_ApproveRestore");
        // after the guard read it: the safety backup's pg_dump cannot connect, retries, then becomes an incident
        STACK.execute("postgres", "alter database " + DATABASE + " allow_connections false");
        try {
            complete(task, "bob", Map.of("approved", true));
            HistoryEntry safety = awaitRow(pi, RunKind.SAFETY, RunStatus.FAILED);
            assertThat(safety.problems().failedStep()).isEqualTo("Task_DumpDatabase");
            assertThat(safety.message()).contains("is not currently accepting connections");
            String run = historyService.createHistoricProcessInstanceQuery().superProcessInstanceId(pi).singleResult().getId();
            assertThat(runtime.createIncidentQuery().processInstanceId(run).singleResult().getActivityId()).isEqualTo("Task_DumpDatabase");
            assertThat(runtime.createIncidentQuery().processInstanceId(pi).singleResult().getActivityId())
                    .as("shown on the restore's call activity too").isEqualTo("CallActivity_SafetyBackup");
            assertThat(restoreRow(pi).status()).as("the restore waits on its incident; its own row is not the safety's")
                    .isEqualTo(RunStatus.RUNNING);
            JsonNode alert = awaitAlert(pi, "safety");
            assertThat(alert.get("failedStep").asText()).isEqualTo("Task_DumpDatabase");
            assertThat(alert.get("message").asText()).contains("is not currently accepting connections");
            assertThat(Files.readString(DIR.resolve("llm-backup.log"))).contains("Safety backup FAILED at Task_DumpDatabase: ");
            assertThat(STACK.state("backend").getStartedAt()).as("the application was not stopped").isEqualTo(backendStarted);
        } finally {
            STACK.execute("postgres", "alter database " + DATABASE + " allow_connections true");
            runtime.deleteProcessInstance(pi, "test: the incident was shown");
        }
    }

    @Test
    void restoreWhenApprovedBringsBackWeeklySetFromArchive() throws Exception {
        String id = backup("WeeklyBackupProcess");
        State atBackup = state();
        changeDataAfterBackup();

        String pi = startRestore("alice", Map.of("backupKind", "weekly", "backupId", id));
        complete(awaitTask(pi, "Task_ApproveRestore"), "bob", Map.of("approved", true));

        assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");
        // a tar keeps mtimes to 100 ns: compared to the microsecond
        assertThat(state().micros()).isEqualTo(atBackup.micros());
        assertThat(restoreRow(pi).request().details()).contains("Restore uploads " + UPLOADS);
    }

    @Test
    void restoreWhenApprovedBringsBackLegacySetOfOldScripts() throws Exception {
        // what backup-daily.sh left: a dump and an rsync copy, no manifest
        Path daily = Files.createDirectories(DIR.resolve("backup/daily"));
        new CommandRunner().run(Command.of(TestPostgres.get().binDir().resolve("pg_dump").toString(), "-Fc",
                "--host=127.0.0.1", "--port=" + STACK.dbPort(), "--username=postgres", "--file=" + daily.resolve("db_20240105.dump"),
                DATABASE).withEnvironment("PGPASSWORD", TestWebAppStack.DB_PASSWORD));
        new CommandRunner().run(Command.of("cp", "-a", UPLOADS + "/.", daily.resolve("uploads_20240105").toString()));
        State atBackup = state();
        changeDataAfterBackup();

        String pi = startRestore("alice", Map.of("backupKind", "daily", "backupId", "20240105"));
        JsonNode task = awaitTask(pi, "Task_ApproveRestore");
        assertThat(variable(pi, "restoreSummary")).contains("Set: daily/20240105 (legacy, ");
        complete(task, "bob", Map.of("approved", true));

        assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");
        assertThat(state()).isEqualTo(atBackup);
    }

    @Test
    void restoreWhenRejectedChangesNothing() throws Exception {
        String id = backup("DailyBackupProcess");
        changeDataAfterBackup();
        State current = state();
        String backendStarted = STACK.state("backend").getStartedAt();

        String pi = startRestore("alice", Map.of("backupId", id));
        complete(awaitTask(pi, "Task_ApproveRestore"), "bob", Map.of("approved", false, "approvalComment", "wrong date"));

        assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreRejected");
        assertThat(state()).isEqualTo(current);
        assertThat(STACK.state("backend").getStartedAt()).isEqualTo(backendStarted);
        HistoryEntry row = restoreRow(pi);
        assertThat(row.status()).isEqualTo(RunStatus.REJECTED);
        assertThat(row.message()).isEqualTo("Rejected by bob: wrong date. Nothing was changed.");
        assertThat(historicVariable(pi, "safetyBackupId")).isNull();
    }

    @Test
    void restoreWhenInputIsBadOrSetDamagedIsRefusedBeforeAppStops() throws Exception {
        String id = backup("DailyBackupProcess");
        String weekly = backup("WeeklyBackupProcess");
        String damaged = backup("DailyBackupProcess");
        // a set whose snapshot copy of a file had one byte changed (same size): a file of its own, linked from no other set
        Path only = UPLOADS.resolve("user4/only-here.txt");
        Files.createDirectories(only.getParent());
        Files.writeString(only, "written once");
        String rotten = backup("DailyBackupProcess");
        Files.delete(only);
        Files.delete(only.getParent());
        Path root = DIR.resolve("backup");
        Path copy = root.resolve("daily/uploads_" + rotten + "/user4/only-here.txt");
        byte[] copyBytes = Files.readAllBytes(copy);
        copyBytes[3] ^= 0x20;
        Files.write(copy, copyBytes);
        // a complete set whose dump changed after the backup (one byte)
        Path dump = root.resolve("daily/db_" + damaged + ".dump");
        byte[] dumpBytes = Files.readAllBytes(dump);
        dumpBytes[dumpBytes.length - 10] ^= 0x5a;
        Files.write(dump, dumpBytes);
        // an unfinished publish (crash): manifest says publishing
        Files.writeString(root.resolve("daily/manifest_20240201.json"), "{\"formatVersion\":1,\"kind\":\"daily\",\"id\":\"20240201\",\"status\":\"publishing\"}");
        Files.writeString(root.resolve("daily/db_20240201.dump"), "partial");
        // a legacy dump that is not a dump
        Files.writeString(root.resolve("daily/db_20240301.dump"), "this is not a pg_dump archive");
        // a weekly archive changed after the backup
        Path archive = root.resolve("weekly/uploads_full_" + weekly + ".tar.gz");
        byte[] bytes = Files.readAllBytes(archive);
        bytes[bytes.length / 2] ^= 0x5a;
        Files.write(archive, bytes);
        changeDataAfterBackup();
        State current = state();
        String backendStarted = STACK.state("backend").getStartedAt();

        Map<Map<String, Object>, String> cases = new LinkedHashMap<>();
        cases.put(Map.of("backupId", "2025-10-31"), "Backup id '2025-10-31' is not of the form YYYYMMDD or YYYYMMDD_N");
        cases.put(Map.of("backupId", "20251399"), "has no valid date");
        cases.put(Map.of("backupKind", "monthly", "backupId", id), "Unknown backup kind 'monthly': use daily, weekly or safety.");
        cases.put(Map.of("backupKind", "daily"), "backupId is missing: give the set's date as YYYYMMDD (or YYYYMMDD_N). Restorable daily sets: ");
        cases.put(Map.of("backupId", "20000101"), "No backup set daily/20000101 in " + root + ". Restorable daily sets: ");
        cases.put(Map.of("backupId", "20240201"), "Set daily/20240201 cannot be restored: it is incomplete");
        cases.put(Map.of("backupId", "20240301"), "pg_restore --list cannot read db_20240301.dump");
        cases.put(Map.of("backupKind", "weekly", "backupId", weekly), "uploads_full_" + weekly + ".tar.gz");
        cases.put(Map.of("backupId", damaged), "db_" + damaged + ".dump of daily/" + damaged
                + " does not match its manifest (SHA-256 ");
        cases.put(Map.of("backupId", rotten), "The snapshot of daily/" + rotten + " is damaged: user4/only-here.txt does not match "
                + "its manifest (SHA-256 ");
        cases.put(Map.of("backupId", id, "restoreDatabase", false, "restoreUploads", false), "Nothing to restore");
        cases.put(Map.of("backupId", id, "targetDatabase", DATABASE, "targetUploadsDir", DIR.resolve("backup/scratch/copy").toString()),
                "targetDatabase 'llm_webapp' is not a new database");
        cases.put(Map.of("backupId", id, "targetDatabase", "copy_db", "targetUploadsDir", UPLOADS.resolve("x").toString()),
                "is not below " + DIR.resolve("backup/scratch") + " (backup.restore.side-by-side-root)");
        // the restore runs as root and makes the folder equal to the backup: "/" would be wiped
        cases.put(Map.of("backupId", id, "restoreDatabase", false, "targetUploadsDir", "/"), "targetUploadsDir / is not below ");
        cases.put(Map.of("backupId", id, "restoreDatabase", false, "targetUploadsDir", DIR.resolve("backup/scratch/../daily").toString()),
                "is not below ");
        for (var c : cases.entrySet()) {
            String pi = startRestore("alice", c.getKey());
            HistoricProcessInstance done = awaitEnded(pi);
            assertThat(done.getEndActivityId()).as(c.getKey().toString()).isEqualTo("EndEvent_RestoreRefused");
            String message = (String) historicVariable(pi, "failureMessage");
            assertThat(message).as(c.getKey().toString()).contains(c.getValue()).endsWith("Nothing was changed; the application was not stopped.");
            HistoryEntry row = restoreRow(pi);
            assertThat(row.status()).isEqualTo(RunStatus.REFUSED);
            assertThat(row.message()).isEqualTo(message);
            if (c.getValue().startsWith("targetUploadsDir")) {
                // the guard's refusal keeps its key: the Korean page shows it in Korean
                assertThat(row.text()).as(c.getKey().toString()).isNotNull();
                assertThat(Texts.of("ko").render(row.text())).containsPattern("\\p{IsHangul}").contains("targetUploadsDir /");
            }
        }
        assertThat(state()).isEqualTo(current);
        assertThat(STACK.state("backend").getStartedAt()).isEqualTo(backendStarted);
        assertThat(Files.readString(DIR.resolve("llm-backup.log"))).contains("Restore REFUSED: No backup set daily/20000101");
    }

    @Test
    void restoreWhenArchiveIsHostileIsRefusedWithoutWritingOutside() throws Exception {
        Path weeklyDir = Files.createDirectories(DIR.resolve("backup/weekly"));
        Path archive = weeklyDir.resolve("uploads_full_20240110.tar.gz");
        Path outside = DIR.resolve("escaped.txt");
        writeTarGz(archive, List.of(
                new String[] {"uploads/", "dir", null},
                new String[] {"uploads/ok.txt", "file", "fine"},
                new String[] {"uploads/../escaped.txt", "file", "got out"}));
        Path trick = weeklyDir.resolve("uploads_full_20240111.tar.gz");
        writeTarGz(trick, List.of(
                new String[] {"uploads/link", "symlink", DIR.toString()},
                new String[] {"uploads/link/escaped.txt", "file", "through the link"}));
        State current = state();

        for (String[] c : List.of(new String[] {"20240110", "its name climbs out with '..'"},
                new String[] {"20240111", "it would be written through the symbolic link link"})) {
            String pi = startRestore("alice", Map.of("backupKind", "weekly", "backupId", c[0], "restoreDatabase", false));
            assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreRefused");
            assertThat((String) historicVariable(pi, "failureMessage")).contains("Refused archive entry").contains(c[1]);
        }
        assertThat(outside).doesNotExist();
        assertThat(state()).isEqualTo(current);
    }

    @Test
    void restoreWhenHealthFailsShowsBackendLogAndRollbackRestoresPreviousState() throws Exception {
        // a backup of data version 1, which the current backend no longer serves
        Files.writeString(UPLOADS.resolve(".app-version"), "1");
        String id = backup("DailyBackupProcess");
        Files.writeString(UPLOADS.resolve(".app-version"), "2");
        changeDataAfterBackup();
        State beforeRestore = state();

        String pi = startRestore("alice", Map.of("backupId", id, "reason", "test the old set"));
        complete(awaitTask(pi, "Task_ApproveRestore"), "bob", Map.of("approved", true));
        JsonNode failure = awaitTask(pi, "Task_ResolveFailedRestore");

        assertThat(variable(pi, "failedStep")).isEqualTo("Task_CheckHealth");
        assertThat(variable(pi, "failureMessage")).contains("The web app did not become healthy within 12 s").contains("HTTP 404");
        assertThat(variable(pi, "backendLog")).contains("backend: ERROR data version 1 is not supported (this backend needs 2)");
        assertThat(STACK.state("backend").getRunning()).as("services run again while the operator decides").isTrue();
        // a resolution the model does not know is refused with the choices
        assertThat(call("POST", "/engine-rest/task/" + failure.get("id").asText() + "/complete", "bob",
                vars(Map.of("resolution", "undo"))).body()).contains("resolution must be retry, rollback or close, not 'undo'.");

        complete(failure, "bob", Map.of("resolution", "rollback"));
        HistoricProcessInstance done = awaitEnded(pi);
        assertThat(done.getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");
        assertThat(state()).isEqualTo(beforeRestore);
        assertThat(STACK.healthStatus()).isEqualTo(200);
        HistoryEntry row = restoreRow(pi);
        assertThat(row.status()).isEqualTo(RunStatus.FAILED);
        assertThat(row.message()).contains("The restore failed (Task_CheckHealth: The web app did not become healthy")
                .contains("rolled back to safety/").contains("the application is healthy");
        assertThat(row.request().details()).contains("Resolution by bob: rollback", "Rolling back to safety/");
    }

    @Test
    void restoreAndItsRollbackKeepLatin1NamedFilesFoldersAndAFifoWithTheirBytes() throws Exception {
        // issue 25: names that are not UTF-8 (Latin-1 bytes) and a FIFO in the live folder
        FileTrees.writeLatin1Named(UPLOADS, Map.of("user9/café.txt", "e acute", "old/Noël/x.txt", "x"));
        Process mkfifo = new ProcessBuilder("mkfifo", UPLOADS.resolve("app.pipe").toString()).start();
        assertThat(mkfifo.waitFor()).isZero();
        try {
            Files.writeString(UPLOADS.resolve(".app-version"), "1");
            String id = backup("DailyBackupProcess");
            Files.writeString(UPLOADS.resolve(".app-version"), "2");
            Files.writeString(RawNames.resolve(UPLOADS, "user9/caf\uDCE9.txt"), "changed since");
            FileTrees.writeLatin1Named(UPLOADS, Map.of("user9/naïve.txt", "created since"));

            String pi = startRestore("alice", Map.of("backupId", id, "reason", "test the old set"));
            complete(awaitTask(pi, "Task_ApproveRestore"), "bob", Map.of("approved", true));
            JsonNode failure = awaitTask(pi, "Task_ResolveFailedRestore");

            // the set holds the Latin-1 names: written back byte-exact; what no set holds is kept
            assertThat(RawNames.resolve(UPLOADS, "user9/caf\uDCE9.txt")).hasContent("e acute");
            assertThat(RawNames.resolve(UPLOADS, "old/No\uDCEBl/x.txt")).hasContent("x");
            assertThat(RawNames.resolve(UPLOADS, "user9/na\uDCEFve.txt")).hasContent("created since");
            assertThat(Files.exists(UPLOADS.resolve("app.pipe"), LinkOption.NOFOLLOW_LINKS)).isTrue();

            complete(failure, "bob", Map.of("resolution", "rollback"));
            assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");
            // the rollback: the safety set, which holds them as they were before the restore
            assertThat(RawNames.resolve(UPLOADS, "user9/caf\uDCE9.txt")).hasContent("changed since");
            assertThat(RawNames.resolve(UPLOADS, "user9/na\uDCEFve.txt")).hasContent("created since");
            assertThat(RawNames.resolve(UPLOADS, "old/No\uDCEBl/x.txt")).hasContent("x");
            assertThat(Files.exists(UPLOADS.resolve("app.pipe"), LinkOption.NOFOLLOW_LINKS)).isTrue();
        } finally {
            new ProcessBuilder("rm", "-rf", UPLOADS.resolve("user9").toString(), UPLOADS.resolve("old").toString(),
                    UPLOADS.resolve("app.pipe").toString()).start().waitFor();
        }
    }

    @Test
    void restoreWhenHealthFailsAndOperatorFixesItRetryCompletes() throws Exception {
        Files.writeString(UPLOADS.resolve(".app-version"), "1");
        String id = backup("DailyBackupProcess");
        Files.writeString(UPLOADS.resolve(".app-version"), "2");

        String pi = startRestore("alice", Map.of("backupId", id));
        complete(awaitTask(pi, "Task_ApproveRestore"), "bob", Map.of("approved", true));
        JsonNode failure = awaitTask(pi, "Task_ResolveFailedRestore");
        assertThat(STACK.healthStatus()).isEqualTo(404);
        // the operator migrates the restored data and restarts the backend, then retries the check
        Files.writeString(UPLOADS.resolve(".app-version"), "2");
        TestDocker.client().restartContainerCmd(STACK.containerId("backend")).withTimeout(5).exec();
        complete(failure, "bob", Map.of("resolution", "retry"));

        assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");
        HistoryEntry row = restoreRow(pi);
        assertThat(row.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(row.request().details()).contains("Failed at Task_CheckHealth: ", "Resolution by bob: retry");
        assertThat(row.request().details().lines().filter(l -> l.startsWith("Health check: ")).count()).isEqualTo(2);
    }

    @Test
    void restoreWhenPgRestoreFailsMidwayLeavesProductionUntouchedAndWaitsForOperator() throws Exception {
        String id = backup("DailyBackupProcess");
        // the dump loses its tail (disk error) and its manifest is made to match: the guard's
        // SHA-256 and pg_restore --list (table of contents) both pass, the data do not
        Path dump = DIR.resolve("backup/daily/db_" + id + ".dump");
        byte[] bytes = Files.readAllBytes(dump);
        Files.write(dump, Arrays.copyOf(bytes, bytes.length * 3 / 4));
        Path manifestFile = DIR.resolve("backup/daily/manifest_" + id + ".json");
        ObjectNode manifest = (ObjectNode) json.readTree(manifestFile.toFile());
        for (JsonNode a : manifest.get("artifacts")) {
            if (a.get("name").asText().equals(dump.getFileName().toString())) {
                ((ObjectNode) a).put("sha256", FileTrees.sha256(dump)).put("size", Files.size(dump));
            }
        }
        json.writeValue(manifestFile.toFile(), manifest);
        State beforeRestore = state();
        String backendStarted = STACK.state("backend").getStartedAt();

        String pi = startRestore("alice", Map.of("backupId", id, "restoreUploads", false));
        complete(awaitTask(pi, "Task_ApproveRestore"), "bob", Map.of("approved", true));
        JsonNode failure = awaitTask(pi, "Task_ResolveFailedRestore");

        assertThat(variable(pi, "failedStep")).isEqualTo("Task_RestoreBeside");
        assertThat(variable(pi, "failureMessage")).contains("pg_restore into llm_webapp__restoring_")
                .contains("Production was not touched; the partial copy llm_webapp__restoring_");
        // the copy failed before the services stopped: production as it was, the application running all along
        assertThat(state()).isEqualTo(beforeRestore);
        assertThat(STACK.state("backend").getStartedAt()).isEqualTo(backendStarted);
        assertThat(variable(pi, "healthResponse")).contains(STACK.healthUrl()).contains("HTTP 200");
        HistoryEntry waiting = restoreRow(pi);
        assertThat(waiting.status()).isEqualTo(RunStatus.WAITING_FOR_OPERATOR);
        assertThat(waiting.problems().failedStep()).isEqualTo("Task_RestoreBeside");
        JsonNode alert = awaitAlert(pi, "restore");
        assertThat(alert.get("event").asText()).isEqualTo("restore_waiting_for_operator");
        assertThat(alert.get("failedStep").asText()).isEqualTo("Task_RestoreBeside");
        assertThat(alert.get("task").asText()).contains("Task_ResolveFailedRestore");
        assertThat(alert.get("cockpitPath").asText()).endsWith(pi);
        assertThat(leases.current()).as("nothing is half restored: the lock is released").isEmpty();
        // retry would only poll the health URL: after a data failure it would record a restore that did not happen
        String failureId = failure.get("id").asText();
        assertThat(call("POST", "/engine-rest/task/" + failureId + "/claim", "bob", "{\"userId\":\"bob\"}").statusCode()).isEqualTo(204);
        HttpResponse<String> retry = call("POST", "/engine-rest/task/" + failureId + "/complete", "bob", vars(Map.of("resolution", "retry")));
        assertThat(retry.statusCode()).isEqualTo(500);
        assertThat(retry.body()).contains("retry only polls the health URL again, but the restore failed at Task_RestoreBeside");

        complete(failure, "bob", Map.of("resolution", "close"));
        assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreFailed");
        HistoryEntry row = restoreRow(pi);
        assertThat(row.status()).isEqualTo(RunStatus.FAILED);
        assertThat(row.problems().failedStep()).isEqualTo("Task_RestoreBeside");
        assertThat(row.message()).contains("Closed as failed by an operator; the services were started again.")
                .contains("The database was not swapped: llm_webapp is the one from before the restore");
        assertThat(leases.current()).as("the lock is released").isEmpty();
        assertThat(state()).isEqualTo(beforeRestore);
    }

    @Test
    void restoreWhenUploadsVolumeFillsUpWaitsForOperatorAndRollbackAfterSpaceIsFreedGivesSafetySet() throws Exception {
        // a scan the backup holds and the live folder no longer has: the restore must write its 2 MiB
        Path scan = UPLOADS.resolve("user5/scan.pdf");
        Files.createDirectories(scan.getParent());
        byte[] noise = new byte[2 * 1024 * 1024];
        new Random(14).nextBytes(noise);
        Files.write(scan, noise);
        String id = backup("DailyBackupProcess");
        Files.delete(scan);
        Files.delete(scan.getParent());
        changeDataAfterBackup();
        // the live uploads folder on a small volume of its own (4 MiB), which something else fills, up to 512 KiB
        Path volume = DIR.resolve("uploads-volume");
        Files.createDirectories(volume);
        exec("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", volume.toString());
        String pi = null;
        try {
            exec("cp", "-a", UPLOADS.toString(), volume.toString());
            exec("mount", "--bind", volume.resolve("uploads").toString(), UPLOADS.toString());
            Path filler = volume.resolve("filler");
            Files.write(filler, new byte[(int) (Files.getFileStore(volume).getUsableSpace() - 512 * 1024)]);
            State beforeRestore = state();

            pi = startRestore("alice", Map.of("backupId", id, "reason", "uploads volume nearly full"));
            complete(awaitTask(pi, "Task_ApproveRestore"), "bob", Map.of("approved", true));
            JsonNode failure = awaitTask(pi, "Task_ResolveFailedRestore");

            assertThat(variable(pi, "failedStep")).isEqualTo("Task_RestoreData");
            assertThat(historyService.createHistoricActivityInstanceQuery().processInstanceId(pi)
                    .activityId("Boundary_RestoreDataFailed").count()).as("caught as Err_RestoreFailed, not an incident").isEqualTo(1);
            String message = variable(pi, "failureMessage");
            assertThat(message).startsWith("Restoring " + UPLOADS + " from " + DIR.resolve("backup/daily/uploads_" + id)
                            + " failed: No space left on device. The volume of " + UPLOADS + " is full (")
                    .contains("; the set's files total 2.0 MiB): the folder is partly restored. Free space on that volume, "
                            + "then roll back (to the safety set) or close the restore.");
            for (String service : List.of("backend", "frontend")) {
                assertThat(STACK.state(service).getRunning()).as(service + " started again").isTrue();
            }
            HistoryEntry waiting = restoreRow(pi);
            assertThat(waiting.status()).isEqualTo(RunStatus.WAITING_FOR_OPERATOR);
            assertThat(waiting.problems().failedStep()).isEqualTo("Task_RestoreData");
            assertThat(waiting.message()).isEqualTo(message);
            JsonNode alert = awaitAlert(pi, "restore");
            assertThat(alert.get("event").asText()).isEqualTo("restore_waiting_for_operator");
            assertThat(alert.get("failedStep").asText()).isEqualTo("Task_RestoreData");
            assertThat(alert.get("message").asText()).isEqualTo(message);
            assertThat(Files.readString(DIR.resolve("llm-backup.log"))).contains("Restore daily/" + id
                    + " FAILED at Task_RestoreData, waiting for an operator (Task_ResolveFailedRestore); it keeps the lock "
                    + "(the data may be half restored): backups wait until it is resolved: Restoring " + UPLOADS);
            try (var left = Files.walk(UPLOADS)) {
                assertThat(left.map(p -> p.getFileName().toString())).as("no half-written file takes the space")
                        .noneMatch(n -> n.startsWith(".llm-backup-restore-"));
            }
            // nothing of the backup set or the safety set is lost: the backup root is on another volume
            String safetyId = (String) historicVariable(pi, "safetyBackupId");
            assertSetSound(BackupKind.DAILY, id);
            assertSetSound(BackupKind.SAFETY, safetyId);

            Files.delete(filler);
            complete(failure, "bob", Map.of("resolution", "rollback"));
            assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");
            assertThat(state()).as("the safety set's data, database and uploads").isEqualTo(beforeRestore);
            HistoryEntry row = restoreRow(pi);
            assertThat(row.status()).isEqualTo(RunStatus.FAILED);
            assertThat(row.message()).contains("The restore failed (Task_RestoreData: Restoring " + UPLOADS)
                    .contains("No space left on device").contains("rolled back to safety/" + safetyId);
            assertThat(row.request().details()).contains("Resolution by bob: rollback", "Rolling back to safety/" + safetyId);
            assertThat(STACK.healthStatus()).isEqualTo(200);
        } finally {
            if (pi != null && historyService.createHistoricProcessInstanceQuery().processInstanceId(pi).unfinished().count() > 0) {
                runtime.deleteProcessInstance(pi, "test cleanup");
                leases.release(pi);
            }
            try {
                exec("umount", UPLOADS.toString());
            } catch (CommandFailedException notBound) {
                // the bind mount failed: nothing to undo
            }
            exec("umount", volume.toString());
            // the backend was started again on the small volume: bind it to the folder itself again
            TestDocker.client().restartContainerCmd(STACK.containerId("backend")).withTimeout(5).exec();
        }
    }

    /** The set is complete and each of its artifacts and snapshot files matches its manifest. */
    void assertSetSound(BackupKind kind, String id) throws Exception {
        var catalog = new BackupCatalog(DIR.resolve("backup"),
                FilePermissions.ownerOnly(), Clock.systemUTC());
        var set = catalog.find(kind, BackupSetId.parse(id)).orElseThrow();
        assertThat(set.status()).as(set.label()).isEqualTo(BackupSet.Status.COMPLETE);
        for (var artifact : set.manifest().artifacts()) {
            Path file = catalog.kindDir(kind).resolve(artifact.name());
            if (artifact.sha256() != null) {
                assertThat(FileTrees.sha256(file)).as(set.label() + " " + artifact.name()).isEqualTo(artifact.sha256());
            }
        }
        byte[] buffer = SnapshotCheck.buffer();
        Path snapshot = catalog.kindDir(kind).resolve(kind.uploadsName(set.id()));
        List<Manifest.FileEntry> files;
        try (var entries = catalog.files(set)) {
            files = entries.stream().filter(e -> e.type().equals(Manifest.FileEntry.FILE)).toList();
        }
        assertThat(files).as(set.label() + " files").isNotEmpty();
        for (var entry : files) {
            assertThat(SnapshotCheck.problem(snapshot, entry, buffer)).as(set.label() + " " + entry.path()).isEmpty();
        }
    }

    static void exec(String... argv) {
        new CommandRunner().run(Command.of(List.of(argv)));
    }

    @Test
    void resolutionWhenABackupHoldsTheLockIsRefusedNamingIt() throws Exception {
        String id = backup("DailyBackupProcess");
        Files.writeString(UPLOADS.resolve(".app-version"), "1");
        String v1 = backup("DailyBackupProcess");
        Files.writeString(UPLOADS.resolve(".app-version"), "2");
        String pi = startRestore("alice", Map.of("backupId", v1));
        complete(awaitTask(pi, "Task_ApproveRestore"), "bob", Map.of("approved", true));
        JsonNode failure = awaitTask(pi, "Task_ResolveFailedRestore");
        HistoryEntry waiting = restoreRow(pi);
        assertThat(waiting.status()).isEqualTo(RunStatus.WAITING_FOR_OPERATOR);
        assertThat(awaitAlert(pi, "restore").get("failedStep").asText()).isEqualTo("Task_CheckHealth");
        // the data are fully restored (the health check failed): the lock is given up, backups and the cleanup run
        assertThat(leases.current()).as("the lock is released while the operator task waits").isEmpty();
        String meanwhile = backup("DailyBackupProcess");
        assertThat(meanwhile).as("a daily backup started meanwhile completes").isNotBlank();
        assertThat(cleanup.heldByOpenRestores()).containsKeys("daily/" + v1, "safety/" + historicVariable(pi, "safetyBackupId"))
                .allSatisfy((set, why) -> assertThat(why).startsWith("needed by restore run " + waiting.id() + " (WAITING_FOR_OPERATOR"));
        String cleanupPi = runtime.startProcessInstanceByKey("BackupCleanupProcess").getId();
        assertThat(awaitEnded(cleanupPi).getEndActivityId()).isEqualTo("EndEvent_CleanupCompleted");
        assertThat((String) historicVariable(cleanupPi, "planSummary")).contains("daily/" + v1 + ": keep - Kept: needed by restore run "
                + waiting.id() + " (WAITING_FOR_OPERATOR");
        // a backup (another live instance) holds the lock while the operator decides
        String holder = startRestore("alice", Map.of("backupId", id));
        awaitTask(holder, "Task_ApproveRestore");
        leases.tryAcquire(holder, "test: a backup run");
        try {
            String taskId = failure.get("id").asText();
            assertThat(call("POST", "/engine-rest/task/" + taskId + "/claim", "bob", "{\"userId\":\"bob\"}").statusCode()).isEqualTo(204);
            HttpResponse<String> refused = call("POST", "/engine-rest/task/" + taskId + "/complete", "bob", vars(Map.of("resolution", "rollback")));
            assertThat(refused.statusCode()).isEqualTo(500);
            assertThat(refused.body()).contains("The backup root is locked by run " + holder + " (test: a backup run)")
                    .contains("choose rollback again when it has finished");
            assertThat(runtime.getActiveActivityIds(pi)).containsExactly("Task_ResolveFailedRestore");
        } finally {
            leases.release(holder);
            runtime.deleteProcessInstance(holder, "test cleanup");
        }
        HttpResponse<String> rollback = call("POST", "/engine-rest/task/" + failure.get("id").asText() + "/complete", "bob",
                vars(Map.of("resolution", "rollback")));
        assertThat(rollback.statusCode()).as(rollback.body()).isEqualTo(204);
        assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");
        assertThat(restoreRow(pi).status()).isEqualTo(RunStatus.FAILED);
        assertThat(STACK.healthStatus()).isEqualTo(200);
    }

    /** The old way (asked for): pg_restore --clean would wait for a session holding locks; it is waited for, then named. */
    @Test
    void restoreInPlaceWhenAnotherSessionHoldsLocksNamesItAndRollbackRecovers() throws Exception {
        String id = backup("DailyBackupProcess");
        changeDataAfterBackup();
        State beforeRestore = state();
        try (var blocker = STACK.connect(DATABASE)) {
            blocker.createStatement().execute("set application_name = 'report-tool'");
            blocker.setAutoCommit(false);
            blocker.createStatement().execute("lock table users in access share mode");

            String pi = startRestore("alice", Map.of("backupId", id, "restoreUploads", false, "databaseMethod", "in-place"));
            complete(awaitTask(pi, "Task_ApproveRestore"), "bob", Map.of("approved", true));
            JsonNode failure = awaitTask(pi, "Task_ResolveFailedRestore");

            assertThat(variable(pi, "failedStep")).isEqualTo("Task_RestoreData");
            assertThat(variable(pi, "failureMessage"))
                    .startsWith("1 other session(s) still hold locks on tables of llm_webapp after 3 s (backup.restore.lock-timeout)")
                    .contains("application report-tool").contains("idle in transaction")
                    .contains("Nothing was restored yet. End them (SELECT pg_terminate_backend(pid))");
            blocker.rollback();

            complete(failure, "bob", Map.of("resolution", "rollback"));
            assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");
            assertThat(state()).isEqualTo(beforeRestore);
            assertThat(restoreRow(pi).message()).contains("rolled back to safety/");
        }
    }

    @Test
    void approvalWhenRequesterApprovesOwnRestoreIsRefused() throws Exception {
        String id = backup("DailyBackupProcess");
        String pi = startRestore("alice", Map.of("backupId", id));
        JsonNode task = awaitTask(pi, "Task_ApproveRestore");

        HttpResponse<String> own = call("POST", "/engine-rest/task/" + task.get("id").asText() + "/complete", "alice",
                vars(Map.of("approved", true)));
        assertThat(own.statusCode()).isNotEqualTo(204);
        assertThat(own.body()).contains("Restore requested by alice must be approved by another operator");
        assertThat(awaitTask(pi, "Task_ApproveRestore").get("id").asText()).isEqualTo(task.get("id").asText());

        complete(task, "bob", Map.of("approved", false, "approvalComment", "not now"));
        assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreRejected");
    }

    @Test
    void sideBySideRestoreWhenCleanupRunsMeanwhileKeepsItsSource() throws Exception {
        String id = backup("DailyBackupProcess");
        State atBackup = state();
        Path copy = DIR.resolve("backup/scratch/while-cleanup-" + System.nanoTime());
        String pi = startRestore("alice", Map.of("backupId", id, "targetDatabase", "llm_webapp_during_cleanup",
                "targetUploadsDir", copy.toString()));
        JsonNode task = awaitTask(pi, "Task_ApproveRestore");
        long runId = restoreRow(pi).id();

        String cleanupPi = runtime.startProcessInstanceByKey("BackupCleanupProcess").getId();
        assertThat(awaitEnded(cleanupPi).getEndActivityId()).isEqualTo("EndEvent_CleanupCompleted");
        assertThat((String) historicVariable(cleanupPi, "planSummary"))
                .contains("daily/" + id + ": keep - Kept: needed by restore run " + runId + " (RUNNING");
        complete(task, "bob", Map.of("approved", true));

        assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");
        assertThat(digest("llm_webapp_during_cleanup")).isEqualTo(atBackup.database());
        assertThat(withoutRoot(FileTrees.describe(copy))).isEqualTo(atBackup.uploads());
        STACK.execute("postgres", "drop database llm_webapp_during_cleanup");
    }

    @Test
    void sideBySideRestoreLeavesProductionUntouched() throws Exception {
        String id = backup("DailyBackupProcess");
        State atBackup = state();
        changeDataAfterBackup();
        State current = state();
        String backendStarted = STACK.state("backend").getStartedAt();
        Path copy = DIR.resolve("backup/scratch/copy-" + System.nanoTime());

        String pi = startRestore("alice", Map.of("backupId", id, "targetDatabase", "llm_webapp_copy", "targetUploadsDir", copy.toString()));
        JsonNode task = awaitTask(pi, "Task_ApproveRestore");
        // one language in Tasklist: backup.language (en in the test contexts)
        assertThat(variable(pi, "dataLoss")).isEqualTo("None: production is not touched (side-by-side restore).");
        complete(task, "bob", Map.of("approved", true));

        assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");
        assertThat(state()).isEqualTo(current);
        assertThat(STACK.state("backend").getStartedAt()).as("never stopped").isEqualTo(backendStarted);
        assertThat(digest("llm_webapp_copy")).isEqualTo(atBackup.database());
        assertThat(withoutRoot(FileTrees.describe(copy))).isEqualTo(atBackup.uploads());
        assertThat(historicVariable(pi, "safetyBackupId")).as("no safety backup").isNull();
        assertThat(restoreRow(pi).message()).contains("side by side into database llm_webapp_copy and folder " + copy);
        STACK.execute("postgres", "drop database llm_webapp_copy");
    }

    @Test
    void restoreWhenSafetyBackupCannotTakeLockIsAbortedBeforeAnythingChanges() throws Exception {
        String id = backup("DailyBackupProcess");
        changeDataAfterBackup();
        State current = state();
        // another active run holds the lock for longer than backup.lock.max-wait (6 s)
        String holder = startRestore("alice", Map.of("backupId", id));
        awaitTask(holder, "Task_ApproveRestore");
        leases.tryAcquire(holder, "test: another run");
        try {
            String pi = startRestore("alice", Map.of("backupId", id));
            complete(awaitTask(pi, "Task_ApproveRestore"), "bob", Map.of("approved", true));
            assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreAborted");
            assertThat(state()).isEqualTo(current);
            HistoryEntry row = restoreRow(pi);
            assertThat(row.status()).isEqualTo(RunStatus.FAILED);
            assertThat(row.message()).contains("The safety backup failed (").contains(holder)
                    .contains("Nothing was restored and the application was not stopped.");
        } finally {
            leases.release(holder);
            runtime.deleteProcessInstance(holder, "test cleanup");
        }
    }

    @Test
    void operatorWhenRestoreWaitsForApprovalCannotChangeSuspendOrRedirectIt() throws Exception {
        String id = backup("DailyBackupProcess");
        String pi = startRestore("alice", Map.of("backupId", id));
        JsonNode task = awaitTask(pi, "Task_ApproveRestore");
        String taskId = task.get("id").asText();
        Map<String, Object> before = variablesOf(pi);
        String value = "{\"value\": \"/\", \"type\": \"String\"}";
        Map<String, HttpResponse<String>> attempts = new LinkedHashMap<>();
        attempts.put("set a variable", call("PUT", "/engine-rest/process-instance/" + pi + "/variables/targetUploadsDir", "bob", value));
        attempts.put("modify variables", call("POST", "/engine-rest/process-instance/" + pi + "/variables", "bob",
                "{\"modifications\": {\"backupId\": {\"value\": \"20000101\"}}}"));
        attempts.put("delete a variable", call("DELETE", "/engine-rest/process-instance/" + pi + "/variables/backupId", "bob", null));
        attempts.put("set a task variable", call("PUT", "/engine-rest/task/" + taskId + "/variables/targetUploadsDir", "bob", value));
        attempts.put("skip to Task_RestoreData", call("POST", "/engine-rest/process-instance/" + pi + "/modification", "bob",
                "{\"instructions\": [{\"type\": \"startBeforeActivity\", \"activityId\": \"Task_RestoreData\"}]}"));
        attempts.put("suspend", call("PUT", "/engine-rest/process-instance/" + pi + "/suspended", "alice", "{\"suspended\": true}"));
        attempts.put("delete the instance", call("DELETE", "/engine-rest/process-instance/" + pi, "alice", null));
        attempts.forEach((what, r) -> assertThat(r.statusCode()).as(what + ": " + r.body()).isEqualTo(403));

        assertThat(variablesOf(pi)).isEqualTo(before);
        var instance = runtime.createProcessInstanceQuery().processInstanceId(pi).singleResult();
        assertThat(instance.isSuspended()).isFalse();
        assertThat(runtime.getActiveActivityIds(pi)).containsExactly("Task_ApproveRestore");
        complete(task, "bob", Map.of("approved", false, "approvalComment", "only a test"));
        assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreRejected");
    }

    @Test
    void requestedByWhenSentOrChangedDoesNotChangeWhoAsked() throws Exception {
        String id = backup("DailyBackupProcess");
        HttpResponse<String> spoofedStart = call("POST", "/engine-rest/process-definition/key/RestoreProcess/start", "alice",
                vars(Map.of("backupId", id, "requestedBy", "bob")));
        assertThat(spoofedStart.statusCode()).isEqualTo(400);
        assertThat(json.readTree(spoofedStart.body()).get("message").asText()).isEqualTo("Variables [requestedBy] cannot be sent when "
                + "starting RestoreProcess: only [applicationStopped, backupId, backupKind, databaseMethod, reason, restoreDatabase, "
                + "restorePaths, restoreToTime, restoreUploads, stopApplication, targetDatabase, targetUploadsDir, undoRestoreOf] are taken. Who asked "
                + "and who approved come from the login; a run's history row and plan from its own instance.");

        String pi = startRestore("alice", Map.of("backupId", id));
        JsonNode task = awaitTask(pi, "Task_ApproveRestore");
        String taskId = task.get("id").asText();
        assertThat(call("POST", "/engine-rest/task/" + taskId + "/claim", "alice", "{\"userId\":\"alice\"}").statusCode()).isEqualTo(204);
        HttpResponse<String> spoofedCompletion = call("POST", "/engine-rest/task/" + taskId + "/complete", "alice",
                vars(Map.of("approved", true, "requestedBy", "bob", "targetUploadsDir", "/")));
        assertThat(spoofedCompletion.statusCode()).isEqualTo(400);
        assertThat(json.readTree(spoofedCompletion.body()).get("message").asText())
                .startsWith("Variables [requestedBy, targetUploadsDir] cannot be sent when completing Task_ApproveRestore: only [approvalComment, approved] are taken.");
        // an admin (here the engine's API) may change the variable; who asked stays the one the engine authenticated
        runtime.setVariable(pi, "requestedBy", "bob");
        HttpResponse<String> ownApproval = call("POST", "/engine-rest/task/" + taskId + "/complete", "alice", vars(Map.of("approved", true)));
        assertThat(ownApproval.statusCode()).isEqualTo(500);
        assertThat(ownApproval.body()).contains("Restore requested by alice must be approved by another operator");
        assertThat(restoreRow(pi).request().requestedBy()).isEqualTo("alice");
        // operators claim and complete; handing a claimed task on is the admin's (TASK_WORK has no unclaim)
        assertThat(call("POST", "/engine-rest/task/" + taskId + "/unclaim", "alice", null).statusCode()).isEqualTo(403);
        assertThat(LocalHttp.call(port, "POST", "/engine-rest/task/" + taskId + "/unclaim", "admin:admin-pw", null)
                .statusCode()).isEqualTo(204);
        complete(task, "bob", Map.of("approved", false, "approvalComment", "not now"));
        assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreRejected");
    }

    @Test
    void variablesChangedByAdminAfterApprovalDoNotChangeWhatIsRestored() throws Exception {
        String approvedSet = backup("DailyBackupProcess");
        State atApprovedSet = state();
        changeDataAfterBackup();
        String otherSet = backup("DailyBackupProcess");
        Files.writeString(UPLOADS.resolve("user1/after both.pdf"), "later");
        Path evil = DIR.resolve("backup/scratch/redirected-" + System.nanoTime());

        String pi = startRestore("alice", Map.of("backupId", approvedSet));
        JsonNode task = awaitTask(pi, "Task_ApproveRestore");
        // keep the safety backup waiting for the lock (held by a live instance) while an admin changes the variables
        String holder = startRestore("alice", Map.of("backupId", approvedSet));
        awaitTask(holder, "Task_ApproveRestore");
        leases.tryAcquire(holder, "test: hold the safety backup");
        try {
            complete(task, "bob", Map.of("approved", true));
            awaitSafetyWaitingForLock(pi);
            for (String[] change : new String[][] {{"backupId", "\"" + otherSet + "\""}, {"targetUploadsDir", "\"" + evil + "\""},
                    {"restoreDatabase", "false"}, {"sideBySide", "true"}, {"backupKind", "\"weekly\""}}) {
                var r = LocalHttp.call(port, "PUT", "/engine-rest/process-instance/" + pi + "/variables/" + change[0],
                        "admin:admin-pw", "{\"value\": " + change[1] + "}");
                assertThat(r.statusCode()).as(change[0] + ": " + r.body()).isEqualTo(204);
            }
        } finally {
            leases.release(holder);
            runtime.deleteProcessInstance(holder, "test cleanup");
        }

        assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");
        assertThat(state()).as("the approved set, database and uploads, in place").isEqualTo(atApprovedSet);
        assertThat(evil).doesNotExist();
        HistoryEntry row = restoreRow(pi);
        assertThat(row.request().source()).isEqualTo("daily/" + approvedSet);
        assertThat(row.message()).startsWith("Restored daily/" + approvedSet + "; the application is healthy.");
        assertThat(row.request().details()).contains("Restore beside llm_webapp__restoring_", "Swap: ", "Restore uploads " + UPLOADS);
    }
}
