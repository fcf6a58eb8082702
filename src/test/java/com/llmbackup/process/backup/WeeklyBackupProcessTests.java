package com.llmbackup.process.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.catalog.FilePermissions;
import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.LeaseManager;
import com.llmbackup.catalog.OwnerLiveness;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.exec.Command;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.process.AbstractBackupProcessTests;
import com.llmbackup.test.FileTrees;
import com.llmbackup.test.TestPostgres;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.junit.jupiter.api.Test;

/** {@code WeeklyBackupProcess} on the real engine, database and files; checked with GNU tar, gzip and pg_restore. */
class WeeklyBackupProcessTests extends AbstractBackupProcessTests {

    private final CommandRunner runner = new CommandRunner();

    @Test
    void timerRunsWeeklyBackupToFullSetThatStandardToolsRestore() throws Exception {
        Job timer = management.createJobQuery().processDefinitionKey("WeeklyBackupProcess").timers().singleResult();
        var due = timer.getDuedate().toInstant().atZone(ZoneId.systemDefault());
        assertThat(due.getDayOfWeek()).isEqualTo(DayOfWeek.SUNDAY);
        assertThat(due.getHour()).isEqualTo(2);
        List<String> before = runtime.createProcessInstanceQuery().processDefinitionKey("WeeklyBackupProcess").list()
                .stream().map(ProcessInstance::getId).toList();
        ClockUtil.setCurrentTime(Date.from(timer.getDuedate().toInstant().plusSeconds(1)));
        management.executeJob(timer.getId());
        ProcessInstance instance = runtime.createProcessInstanceQuery().processDefinitionKey("WeeklyBackupProcess").list()
                .stream().filter(p -> !before.contains(p.getId())).findFirst().orElseThrow();
        runJobs(instance);

        assertThat(instance).isEnded().hasPassed("CallActivity_BackupRun", "EndEvent_BackupCompleted");
        assertThat(calledRun(instance)).isEnded().hasPassedInOrder("Task_DumpDatabase", "Task_VerifyDump", "Task_DumpGlobals",
                "Task_ArchiveUploads", "Task_VerifyArchive", "Task_PublishSet", "Task_ReleaseLease", "EndEvent_RunCompleted")
                .hasNotPassed("Task_SnapshotUploads");
        String id = (String) historicVariable(instance, "backupId");
        BackupSet set = catalog.find(BackupKind.WEEKLY, BackupSetId.parse(id)).orElseThrow();
        assertThat(set.status()).isEqualTo(BackupSet.Status.COMPLETE);
        Path weekly = DIR.resolve("backup/weekly");
        Path archive = weekly.resolve("uploads_full_" + id + ".tar.gz");
        runner.run(Command.of("gzip", "-t", archive.toString()));
        Path out = Files.createTempDirectory("weekly-extract-");
        runner.run(Command.of("tar", "-xzf", archive.toString(), "-C", out.toString()));
        assertThat(micros(FileTrees.describe(out.resolve("uploads")))).isEqualTo(micros(FileTrees.describe(DIR.resolve("uploads"))));
        assertThat(weekly.resolve("globals_full_" + id + ".sql")).content().contains("CREATE ROLE " + ROLE);
        assertThat(json.readTree(weekly.resolve("manifest_full_" + id + ".json").toFile()).get("rowCounts").get("public.users").asLong())
                .isEqualTo(50);
        String copy = PG.createDatabase("weekly_restored");
        runner.run(Command.of(PG.binDir().resolve("pg_restore").toString(), "--no-owner", "--host=127.0.0.1",
                "--port=" + PG.port(), "--username=postgres", "--dbname=" + copy, weekly.resolve("db_full_" + id + ".dump").toString())
                .withEnvironment("PGPASSWORD", TestPostgres.SUPERUSER_PASSWORD));
        assertThat(tableDigest(copy, "documents")).isEqualTo(tableDigest(DATABASE, "documents"));
        HistoryEntry row = history.listByOwner(instance.getId()).get(0);
        assertThat(row.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(row.kind()).isEqualTo(RunKind.WEEKLY);
        assertThat(Files.readString(DIR.resolve("llm-backup.log"))).contains("] Weekly full backup completed: db_full_" + id + ".dump");
    }

    @Test
    void runEndsWithArchiveInvalidNamingEntryWhenArchiveIsDamaged() throws Exception {
        Path scan = DIR.resolve("uploads/user9/scan.pdf");
        Files.createDirectories(scan.getParent());
        byte[] noise = new byte[3 * 1024 * 1024];
        new Random(3).nextBytes(noise);
        Files.write(scan, noise);
        ProcessInstance instance = runtime.startProcessInstanceByKey("WeeklyBackupProcess");
        try {
            executeUntil(instance, "Task_VerifyArchive");
        } finally {
            Files.delete(scan);
            Files.delete(scan.getParent());
        }
        String id = (String) runtime.getVariable(calledRun(instance).getId(), "backupId");
        try (Stream<Path> files = Files.walk(DIR.resolve("backup/.staging"))) {
            Path archive = files.filter(p -> p.getFileName().toString().equals("uploads_full_" + id + ".tar.gz")).findFirst().orElseThrow();
            byte[] bytes = Files.readAllBytes(archive);
            bytes[bytes.length / 2] ^= 0x01;
            Files.write(archive, bytes);
        }
        runJobs(instance);

        assertThat(instance).isEnded().hasPassed("EndEvent_BackupFailed");
        assertThat(calledRun(instance)).hasPassed("Boundary_ArchiveInvalid", "Task_RecordFailure", "EndEvent_RunFailed");
        HistoryEntry row = history.listByOwner(instance.getId()).get(0);
        assertThat(row.problems().failedStep()).isEqualTo("Task_VerifyArchive");
        assertThat(row.message()).startsWith("Archive uploads_full_" + id + ".tar.gz").contains("entry uploads/user9/scan.pdf");
        assertThat(Files.readString(DIR.resolve("llm-backup.log"))).contains("Weekly full backup FAILED at Task_VerifyArchive: Archive uploads_full_");
        assertThat(catalog.find(BackupKind.WEEKLY, BackupSetId.parse(id))).isEmpty();
        assertNoStagingLeft();
    }

    @Test
    void weeklyWaitsForDailyHoldingLockThenBothComplete() {
        ProcessInstance daily = runtime.startProcessInstanceByKey("DailyBackupProcess");
        executeNext(daily); // the daily holds the lock
        ProcessInstance weekly = runtime.startProcessInstanceByKey("WeeklyBackupProcess");
        executeNext(weekly);
        assertThat(calledRun(weekly)).isWaitingAt("Event_WaitForLease");

        runJobs(daily);
        Job wait = waitTimer(weekly);
        management.executeJob(wait.getId());
        runJobs(weekly);

        assertThat(daily).isEnded().hasPassed("EndEvent_BackupCompleted");
        assertThat(weekly).isEnded().hasPassed("EndEvent_BackupCompleted");
        assertThat(calledRun(weekly)).hasPassed("Event_WaitForLease", "EndEvent_RunCompleted");
    }

    @Test
    void weeklyEndsWithDumpInvalidWhenDumpIsCorrupted() throws Exception {
        ProcessInstance instance = runtime.startProcessInstanceByKey("WeeklyBackupProcess");
        executeUntil(instance, "Task_VerifyDump");
        String id = (String) runtime.getVariable(calledRun(instance).getId(), "backupId");
        try (Stream<Path> files = Files.walk(DIR.resolve("backup/.staging"))) {
            Files.writeString(files.filter(p -> p.getFileName().toString().equals("db_full_" + id + ".dump")).findFirst().orElseThrow(),
                    "garbage");
        }
        runJobs(instance);

        assertThat(instance).isEnded().hasPassed("EndEvent_BackupFailed");
        assertThat(calledRun(instance)).hasPassed("Boundary_DumpInvalid", "EndEvent_RunFailed").hasNotPassed("Task_ArchiveUploads");
        assertThat(history.listByOwner(instance.getId()).get(0).message()).startsWith("pg_restore --list cannot read db_full_" + id + ".dump");
        assertNoStagingLeft();
    }

    @Test
    void weeklyGivesUpWithLockTimeoutWhenDailyHoldsLockTooLong() {
        ProcessInstance daily = runtime.startProcessInstanceByKey("DailyBackupProcess");
        executeNext(daily);
        ProcessInstance weekly = runtime.startProcessInstanceByKey("WeeklyBackupProcess");
        executeNext(weekly);
        ClockUtil.setCurrentTime(Date.from(Instant.now().plus(Duration.ofMinutes(11))));
        management.executeJob(waitTimer(weekly).getId());
        runJobs(weekly);
        ClockUtil.reset();
        runJobs(daily);

        assertThat(weekly).isEnded().hasPassed("EndEvent_BackupFailed");
        assertThat(calledRun(weekly)).hasPassed("Boundary_LockTimeout", "EndEvent_RunFailed");
        assertThat(history.listByOwner(weekly.getId()).get(0).message()).startsWith("Gave up waiting for the lock");
        assertThat(daily).isEnded().hasPassed("EndEvent_BackupCompleted");
    }

    @Test
    void weeklyStopsWithoutPublishingWhenLockWasTakenOver() {
        ProcessInstance instance = runtime.startProcessInstanceByKey("WeeklyBackupProcess");
        executeUntil(instance, "Task_ArchiveUploads");
        try (var other = new LeaseManager(DIR.resolve("backup"), Duration.ofMinutes(2),
                Clock.systemUTC(), owner -> OwnerLiveness.State.ENDED,
                FilePermissions.ownerOnly())) {
            other.tryAcquire("intruder", "test");
            runJobs(instance);
            other.release("intruder");
        }

        assertThat(instance).isEnded().hasPassed("EndEvent_LeaseLost");
        assertThat(calledRun(instance)).hasPassed("EndEvent_LeaseLost").hasNotPassed("Task_PublishSet");
    }

    @Test
    void weeklyEndsWithNotEnoughSpaceWhenLastFullSetWasHuge() throws Exception {
        ProcessInstance last = runtime.startProcessInstanceByKey("WeeklyBackupProcess");
        runJobs(last);
        Path manifest = DIR.resolve("backup/weekly/manifest_full_" + historicVariable(last, "backupId") + ".json");
        String original = Files.readString(manifest);
        Files.writeString(manifest, original.replaceFirst("\"bytes\" : \\d+", "\"bytes\" : 1125899906842624"));
        try {
            ProcessInstance instance = runtime.startProcessInstanceByKey("WeeklyBackupProcess");
            runJobs(instance);

            assertThat(instance).isEnded().hasPassed("EndEvent_BackupFailed");
            assertThat(calledRun(instance)).hasPassed("Boundary_NotEnoughSpace", "EndEvent_RunFailed");
            assertThat(history.listByOwner(instance.getId()).get(0).message()).startsWith("Not enough space on the backup volume for weekly/");
        } finally {
            Files.writeString(manifest, original);
        }
    }

    private static Map<String, String> micros(Map<String, String> tree) {
        Map<String, String> out = new TreeMap<>();
        tree.forEach((path, what) -> out.put(path, what.replaceAll("mtime=(\\d+)\\d{3} ", "mtime=$1 ")));
        return out;
    }
}
