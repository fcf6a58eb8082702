package com.llmbackup.process.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.catalog.FilePermissions;
import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.LeaseManager;
import com.llmbackup.catalog.OwnerLiveness;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.config.Texts;
import com.llmbackup.exec.Command;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.health.BackupHealthIndicator;
import com.llmbackup.process.AbstractBackupProcessTests;
import com.llmbackup.test.FileTrees;
import com.llmbackup.test.LocalHttp;
import com.llmbackup.test.TestPostgres;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The real engine running {@code DailyBackupProcess} against a real PostgreSQL database
 * and real folders: one test per path of the model, and the failures an operator meets.
 */
class DailyBackupProcessTests extends AbstractBackupProcessTests {

    @Autowired
    BackupHealthIndicator health;

    @Test
    void timerRunsDailyBackupToCompleteSetWithSeedNames() throws Exception {
        Job timer = management.createJobQuery().processDefinitionKey("DailyBackupProcess").timers().singleResult();
        assertThat(timer).as("the daily timer job").isNotNull();
        assertThat(timer.getDuedate().toInstant().atZone(ZoneId.systemDefault()).getHour()).isEqualTo(2);

        List<String> before = runtime.createProcessInstanceQuery().processDefinitionKey("DailyBackupProcess").list()
                .stream().map(ProcessInstance::getId).toList();
        ClockUtil.setCurrentTime(Date.from(timer.getDuedate().toInstant().plusSeconds(1)));
        management.executeJob(timer.getId());
        ProcessInstance instance = runtime.createProcessInstanceQuery().processDefinitionKey("DailyBackupProcess").list()
                .stream().filter(p -> !before.contains(p.getId())).findFirst().orElseThrow();
        runJobs(instance);

        assertThat(instance).isEnded().hasPassedInOrder("StartEvent_DailyTimer", "CallActivity_BackupRun", "EndEvent_BackupCompleted");
        assertThat(calledRun(instance)).isEnded().hasPassedInOrder("StartEvent_RunRequested", "Task_AcquireLease", "Task_CheckSpaceForSet",
                "Task_DumpDatabase", "Task_VerifyDump", "Task_DumpGlobals", "Task_CopyExtraFiles", "Task_SnapshotUploads",
                "Task_PublishSet", "Task_RecordHistory", "Task_ReleaseLease", "EndEvent_RunCompleted").hasNotPassed("Task_ArchiveUploads");
        String id = (String) historicVariable(instance, "backupId");
        BackupSet set = catalog.find(BackupKind.DAILY, BackupSetId.parse(id)).orElseThrow();
        assertThat(set.status()).isEqualTo(BackupSet.Status.COMPLETE);
        Path daily = DIR.resolve("backup/daily");
        assertThat(daily.resolve("db_" + id + ".dump")).isRegularFile();
        assertThat(daily.resolve("globals_" + id + ".sql")).content().contains("CREATE ROLE " + ROLE);
        assertThat(FileTrees.describe(daily.resolve("uploads_" + id))).isEqualTo(FileTrees.describe(DIR.resolve("uploads")));
        assertThat(daily.resolve("config_" + id + "/docker-compose.yml")).hasContent("services: {}");
        assertThat(PosixFilePermissions.toString(
                Files.getPosixFilePermissions(daily.resolve("config_" + id + "/.env")))).isEqualTo("rw-------");
        JsonNode manifest = json.readTree(daily.resolve("manifest_" + id + ".json").toFile());
        assertThat(manifest.get("status").asText()).isEqualTo("complete");
        assertThat(manifest.get("rowCounts").get("public.users").asLong()).isEqualTo(50);
        assertThat(manifest.get("rowCounts").get("public.documents").asLong()).isEqualTo(500);
        assertThat(manifest.get("artifacts").toString()).contains("db_" + id + ".dump").contains("\"sha256\"");
        HistoryEntry row = history.listByOwner(instance.getId()).get(0);
        assertThat(row.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(row.backupId()).isEqualTo(id);
        assertThat(row.progress().filesDone()).isEqualTo(3);
        assertThat(Files.readString(DIR.resolve("llm-backup.log"))).contains("] Daily backup completed: db_" + id + ".dump");

        // the dump restores with plain pg_restore into an empty database, every table equal
        String copy = PG.createDatabase("restored");
        new CommandRunner().run(Command.of(PG.binDir().resolve("pg_restore").toString(), "--no-owner",
                "--host=127.0.0.1", "--port=" + PG.port(), "--username=postgres", "--dbname=" + copy,
                daily.resolve("db_" + id + ".dump").toString()).withEnvironment("PGPASSWORD", TestPostgres.SUPERUSER_PASSWORD));
        for (String table : List.of("users", "documents")) {
            assertThat(tableDigest(copy, table)).as(table).isEqualTo(tableDigest(DATABASE, table));
        }
    }

    @Test
    void manualStartRunsSamePathAndSecondRunLinksUnchangedFiles() throws Exception {
        ProcessInstance first = runtime.startProcessInstanceByKey("DailyBackupProcess");
        runJobs(first);
        ProcessInstance second = runtime.startProcessInstanceByKey("DailyBackupProcess");
        runJobs(second);

        assertThat(second).isEnded().hasPassed("StartEvent_DailyTimer", "EndEvent_BackupCompleted");
        String firstId = (String) historicVariable(first, "backupId");
        String secondId = (String) historicVariable(second, "backupId");
        assertThat(secondId).isEqualTo(firstId.substring(0, 8) + "_" + (sequence(firstId) + 1));
        assertThat((Long) historicVariable(second, "filesLinked")).isEqualTo(3L);
        Path daily = DIR.resolve("backup/daily");
        assertThat(FileTrees.inode(daily.resolve("uploads_" + secondId + "/user1/a.pdf")))
                .isEqualTo(FileTrees.inode(daily.resolve("uploads_" + firstId + "/user1/a.pdf")));
    }

    @Test
    void nextRunCopiesAFileWhosePreviousCopyWasTruncatedAndSaysSoInHistoryAndManifest() throws Exception {
        ProcessInstance first = runtime.startProcessInstanceByKey("DailyBackupProcess");
        runJobs(first);
        String firstId = (String) historicVariable(first, "backupId");
        Path daily = DIR.resolve("backup/daily");
        // the power-loss stand-in: the older copy is empty, its manifest still says complete
        Files.write(daily.resolve("uploads_" + firstId + "/user2/회의록.txt"), new byte[0]);

        ProcessInstance second = runtime.startProcessInstanceByKey("DailyBackupProcess");
        runJobs(second);

        assertThat(second).isEnded().hasPassed("EndEvent_BackupCompleted");
        String secondId = (String) historicVariable(second, "backupId");
        assertThat(daily.resolve("uploads_" + secondId + "/user2/회의록.txt")).hasContent("회의");
        assertThat((Long) historicVariable(second, "filesLinked")).isEqualTo(2L);
        String warning = "The previous snapshot's copy uploads_" + firstId + "/user2/회의록.txt is damaged: 0 bytes, its manifest says 6.";
        assertThat(history.listByOwner(second.getId()).get(0).problems().warnings()).contains(warning);
        assertThat(json.readTree(daily.resolve("manifest_" + secondId + ".json").toFile()).get("warnings").toString()).contains(warning);
    }

    @Test
    void dailyUnderAClockTenYearsAheadOfTheDatabaseServerIsRefusedNamingBothAndNextRunCompletesAsTheNewest() throws Exception {
        orchestratorClock.step(Duration.ofDays(3652)); // a bad NTP step, a VM restored from a snapshot
        ProcessInstance ahead = runtime.startProcessInstanceByKey("DailyBackupProcess");
        runJobs(ahead);
        orchestratorClock.reset();

        assertThat(runtime.createIncidentQuery().processInstanceId(calledRun(ahead).getId()).singleResult().getActivityId())
                .isEqualTo("Task_AcquireLease");
        HistoryEntry row = history.listByOwner(ahead.getId()).get(0);
        assertThat(row.status()).isEqualTo(RunStatus.FAILED);
        String refusal = "This orchestrator's clock says 20\\d\\d-[^ ]+Z, the database server's \\(127\\.0\\.0\\.1:" + PG.port()
                + "\\) says 20\\d\\d-[^ ]+Z: it is ahead by 3652 days 0 h, more than backup.clock.max-skew \\(5 min 0 s\\)\\. "
                + "No set was staged\\. Set the clocks right .*";
        assertThat(row.message()).matches(refusal);
        assertThat(awaitAlert(ahead.getId()).get("message").asText()).matches(refusal);
        assertThat(Files.readString(DIR.resolve("llm-backup.log"))).contains("Daily backup FAILED at Task_AcquireLease: This orchestrator's clock says ");
        assertThat(catalog.list()).as("nothing dated ten years ahead").allMatch(s -> s.date().isBefore(LocalDate.now().plusDays(2)));
        assertNoStagingLeft();
        ensureUser("clockwatcher", "watcher-pw", null);
        assertThat(unresolvedFailures()).as("What needs me now").contains(row.id());

        ProcessInstance next = completedDaily();

        assertThat(next).isEnded().hasPassed("EndEvent_BackupCompleted");
        String id = (String) historicVariable(next, "backupId");
        assertThat(catalog.newestComplete(BackupKind.DAILY).orElseThrow().id()).hasToString(id);
        assertThat(health.health().getDetails()).containsEntry("newestBackup", "daily/" + id).doesNotContainKey("clock");
        assertThat(unresolvedFailures()).as("resolved by the run after it, although it started \"ten years later\"").doesNotContain(row.id());
        runtime.deleteProcessInstance(ahead.getId(), "test: the refused run was looked at");
    }

    private List<Long> unresolvedFailures() throws Exception {
        JsonNode body = json.readTree(LocalHttp.call(port, "GET", "/api/backups/attention", "clockwatcher:watcher-pw", null).body());
        return body.get("unresolvedFailures").findValues("runId").stream().map(JsonNode::asLong).toList();
    }

    @Test
    void dailyWhoseClockStepsAheadBeforeItPublishesPublishesNothing() {
        ProcessInstance daily = runtime.startProcessInstanceByKey("DailyBackupProcess");
        executeUntil(daily, "Task_PublishSet");
        String id = (String) runtime.getVariable(calledRun(daily).getId(), "backupId");

        orchestratorClock.step(Duration.ofHours(1));
        runJobs(daily);
        orchestratorClock.reset();

        assertThat(runtime.createIncidentQuery().processInstanceId(calledRun(daily).getId()).singleResult().getActivityId())
                .isEqualTo("Task_PublishSet");
        assertThat(history.listByOwner(daily.getId()).get(0).message()).contains("it is ahead by 1 h 0 min")
                .contains("daily/" + id + " was not published");
        assertThat(catalog.find(BackupKind.DAILY, BackupSetId.parse(id))).isEmpty();
        runtime.deleteProcessInstance(daily.getId(), "test: the refused run was looked at");
    }

    @Test
    void busyLockIsWaitedForThenRunGivesUpWithClearMessage() {
        ProcessInstance holder = runtime.startProcessInstanceByKey("DailyBackupProcess");
        executeNext(holder); // Task_AcquireLease: holds the lock now
        ProcessInstance waiting = runtime.startProcessInstanceByKey("DailyBackupProcess");
        executeNext(waiting); // Task_AcquireLease: busy

        assertThat(calledRun(waiting)).isWaitingAt("Event_WaitForLease");
        ClockUtil.setCurrentTime(Date.from(Instant.now().plus(Duration.ofMinutes(11))));
        management.executeJob(waitTimer(waiting).getId());
        runJobs(waiting);

        assertThat(waiting).isEnded().hasPassed("CallActivity_BackupRun", "EndEvent_BackupFailed");
        assertThat(calledRun(waiting)).isEnded().hasPassed("Boundary_LockTimeout", "Task_RecordFailure", "EndEvent_RunFailed");
        assertThat(historicVariable(waiting, "failedStep")).isEqualTo("Task_AcquireLease");
        HistoryEntry row = history.listByOwner(waiting.getId()).get(0);
        assertThat(row.status()).isEqualTo(RunStatus.FAILED);
        assertThat(row.problems().failedStep()).isEqualTo("Task_AcquireLease");
        assertThat(row.message()).startsWith("Gave up waiting for the lock on the backup root after 10m (backup.lock.max-wait): run "
                + holder.getId() + " (Daily backup)");
        ClockUtil.reset();
        runJobs(holder);
        assertThat(holder).isEnded().hasPassed("EndEvent_BackupCompleted");
    }

    @Test
    void runEndsWithNotEnoughSpaceWhenEstimateExceedsFreeSpace() throws Exception {
        // the last complete set claims 1 PiB: the next one cannot fit
        ProcessInstance last = runtime.startProcessInstanceByKey("DailyBackupProcess");
        runJobs(last);
        String id = (String) historicVariable(last, "backupId");
        Path manifestFile = DIR.resolve("backup/daily/manifest_" + id + ".json");
        String original = Files.readString(manifestFile);
        Files.writeString(manifestFile, original.replaceFirst("\"bytes\" : \\d+", "\"bytes\" : 1125899906842624"));
        try {
            ProcessInstance instance = runtime.startProcessInstanceByKey("DailyBackupProcess");
            runJobs(instance);

            assertThat(instance).isEnded().hasPassed("EndEvent_BackupFailed");
            assertThat(calledRun(instance)).hasPassed("Boundary_NotEnoughSpace", "Task_RecordFailure", "EndEvent_RunFailed");
            HistoryEntry row = history.listByOwner(instance.getId()).get(0);
            assertThat(row.problems().failedStep()).isEqualTo("Task_CheckSpaceForSet");
            assertThat(row.message()).startsWith("Not enough space on the backup volume for daily/").contains(" needed (estimate ")
                    .endsWith("Free space (the cleanup process deletes expired sets) or enlarge the volume.");
            assertThat(Texts.of("ko").render(row.text())).startsWith("백업 볼륨에 daily/").contains("공간이 부족합니다");
            assertThat(Files.readString(DIR.resolve("llm-backup.log"))).contains("Daily backup FAILED at Task_CheckSpaceForSet: Not enough space");
            assertNoStagingLeft();
        } finally {
            Files.writeString(manifestFile, original);
        }
    }

    @Test
    void runEndsWithDumpInvalidWhenDumpIsCorrupted() throws Exception {
        ProcessInstance instance = runtime.startProcessInstanceByKey("DailyBackupProcess");
        executeUntil(instance, "Task_VerifyDump");
        String id = (String) runtime.getVariable(calledRun(instance).getId(), "backupId");
        try (Stream<Path> dumps = Files.walk(DIR.resolve("backup/.staging"))) {
            Path dump = dumps.filter(p -> p.getFileName().toString().equals("db_" + id + ".dump")).findFirst().orElseThrow();
            Files.write(dump, new byte[] {'n', 'o', 't', ' ', 'a', ' ', 'd', 'u', 'm', 'p'});
        }
        runJobs(instance);

        assertThat(instance).isEnded().hasPassed("EndEvent_BackupFailed");
        assertThat(calledRun(instance)).hasPassed("Boundary_DumpInvalid", "EndEvent_RunFailed");
        HistoryEntry row = history.listByOwner(instance.getId()).get(0);
        assertThat(row.message()).startsWith("pg_restore --list cannot read db_" + id + ".dump (exit code 1): ");
        assertThat(catalog.find(BackupKind.DAILY, BackupSetId.parse(id))).isEmpty();
        assertNoStagingLeft();
    }

    @Test
    void runStopsWithoutPublishingWhenLockWasTakenOver() {
        ProcessInstance instance = runtime.startProcessInstanceByKey("DailyBackupProcess");
        executeUntil(instance, "Task_DumpDatabase");
        String id = (String) runtime.getVariable(calledRun(instance).getId(), "backupId");
        try (LeaseManager other = new LeaseManager(DIR.resolve("backup"), Duration.ofMinutes(2), Clock.systemUTC(),
                owner -> OwnerLiveness.State.ENDED, FilePermissions.ownerOnly())) {
            assertThat(other.tryAcquire("intruder", "test").takenOverFrom()).isEqualTo(instance.getId());
            runJobs(instance);
            other.release("intruder");
        }

        assertThat(instance).isEnded().hasPassed("EndEvent_LeaseLost").hasNotPassed("EndEvent_BackupFailed");
        assertThat(calledRun(instance)).hasPassed("StartEvent_LeaseLost", "Task_RecordLeaseLost", "EndEvent_LeaseLost")
                .hasNotPassed("Task_PublishSet");
        assertThat(catalog.find(BackupKind.DAILY, BackupSetId.parse(id))).isEmpty();
        assertThat(history.listByOwner(instance.getId()).get(0).message()).contains("took it over");
    }

    @Test
    void technicalFailuresBecomeIncidentsWithHistoryAndNextRunCompletes() throws Exception {
        // wrong password, database refusing connections, missing uploads folder: each retried, then an incident
        PG.execute("postgres", "alter role " + ROLE + " password 'changed-by-someone'");
        ProcessInstance wrongPassword;
        try {
            wrongPassword = runtime.startProcessInstanceByKey("DailyBackupProcess");
            runJobs(wrongPassword);
        } finally {
            PG.execute("postgres", "alter role " + ROLE + " password '" + ROLE_PASSWORD + "'");
        }
        assertIncidentRecorded(wrongPassword, "Task_DumpDatabase", "password authentication failed for user");

        // the database refuses every connection, as when it is down for maintenance
        PG.execute("postgres", "alter database " + DATABASE + " allow_connections false");
        ProcessInstance unreachable;
        try {
            unreachable = runtime.startProcessInstanceByKey("DailyBackupProcess");
            runJobs(unreachable);
        } finally {
            PG.execute("postgres", "alter database " + DATABASE + " allow_connections true");
        }
        assertIncidentRecorded(unreachable, "Task_DumpDatabase", "is not currently accepting connections");

        Path uploads = DIR.resolve("uploads");
        Path moved = DIR.resolve("uploads-moved");
        Files.move(uploads, moved);
        ProcessInstance noUploads;
        try {
            noUploads = runtime.startProcessInstanceByKey("DailyBackupProcess");
            runJobs(noUploads);
        } finally {
            Files.move(moved, uploads);
        }
        assertIncidentRecorded(noUploads, "Task_SnapshotUploads", "the uploads folder does not exist");

        ProcessInstance next = runtime.startProcessInstanceByKey("DailyBackupProcess");
        runJobs(next);
        assertThat(next).isEnded().hasPassed("EndEvent_BackupCompleted");
        assertThat(history.listByOwner(next.getId()).get(0).problems().warnings())
                .contains("Took the lock over from run " + noUploads.getId() + ": its process instance is in an incident.");
        assertNoStagingLeft();
        assertThat(catalog.list()).filteredOn(s -> s.status() != BackupSet.Status.COMPLETE).isEmpty();
    }

    @Test
    void fullBackupVolumeBecomesIncidentAndNextRunCompletesOnceSpaceIsFreed() throws Exception {
        Path root = DIR.resolve("backup");
        Path big = DIR.resolve("uploads/user9/big.bin");
        exec("mount", "-t", "tmpfs", "-o", "size=100m", "tmpfs", root.toString());
        try {
            // an earlier small set keeps the estimate low: the volume fills up while the snapshot is written
            FileTrees.write(root, Map.of("daily/manifest_20000101.json", """
                    {"formatVersion": 1, "kind": "daily", "id": "20000101", "status": "complete",
                     "artifacts": [], "files": [], "stats": {"bytes": 1, "fileCount": 0, "filesCopied": 0, "filesLinked": 0}}"""));
            Files.write(root.resolve("filler"), new byte[30 * 1024 * 1024]);
            Files.createDirectories(big.getParent());
            Files.write(big, new byte[80 * 1024 * 1024]);

            ProcessInstance full = runtime.startProcessInstanceByKey("DailyBackupProcess");
            runJobs(full);

            assertIncidentRecorded(full, "Task_SnapshotUploads", "No space left on device");
            Files.delete(root.resolve("filler"));
            Files.delete(big);
            ProcessInstance next = runtime.startProcessInstanceByKey("DailyBackupProcess");
            runJobs(next);
            assertThat(next).isEnded().hasPassed("EndEvent_BackupCompleted");
            assertNoStagingLeft();
        } finally {
            Files.deleteIfExists(big);
            exec("umount", root.toString());
        }
    }

}
