package com.llmbackup.process.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.RawNames;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.process.AbstractBackupProcessTests;
import com.llmbackup.test.FileTrees;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * The fault suite (docs/faults.md): real PostgreSQL, real files, the real engine with the
 * production retry count (R2: a failed step runs once more, then becomes an incident). Each
 * case ends with no complete set that does not restore, and what happened in the history,
 * the log and the alert.
 */
// the free-space check's margin (64MB by default) would stop a run before a small volume fills up
@TestPropertySource(properties = {"backup.retry-cycle=R2/PT1S", "backup.space.margin=1KB"})
class FaultProcessTests extends AbstractBackupProcessTests {

    private static final Path ROOT = DIR.resolve("backup");

    @Test
    void dumpRetriedByEngineAfterServerRestartedMidwayCompletesWithSameFilesAsFirstRun() throws Exception {
        ProcessInstance reference = runtime.startProcessInstanceByKey("DailyBackupProcess");
        runJobs(reference);
        ProcessInstance instance = runtime.startProcessInstanceByKey("DailyBackupProcess");
        executeUntil(instance, "Task_DumpDatabase");
        Job dumpJob = jobsOf(instance).get(0);

        // a session holding a table lock keeps the dump waiting, so the restart lands in the middle of it
        CompletableFuture<Void> attempt;
        try (Connection blocker = PG.connect(DATABASE)) {
            blocker.setAutoCommit(false);
            blocker.createStatement().execute("lock table documents in access exclusive mode");
            attempt = CompletableFuture.runAsync(() -> management.executeJob(dumpJob.getId()));
            awaitDumpWaitingForLock();
            PG.restart();
        } catch (SQLException endedByRestart) {
            attempt = null;
        }
        if (attempt == null) {
            throw new AssertionError("the blocker's session should outlive the restart call");
        }
        assertThat(attempt).failsWithin(60, TimeUnit.SECONDS);
        Job retried = management.createJobQuery().jobId(dumpJob.getId()).singleResult();
        assertThat(retried.getRetries()).as("retries left after the first failure (R2)").isEqualTo(1);
        assertThat(retried.getExceptionMessage()).contains("The dump of " + DATABASE + " was interrupted");

        runJobs(instance);

        assertThat(instance).isEnded().hasPassed("EndEvent_BackupCompleted");
        assertThat(runtime.createIncidentQuery().processInstanceId(calledRun(instance).getId()).count()).isZero();
        HistoryEntry row = history.listByOwner(instance.getId()).get(0);
        assertThat(row.status()).isEqualTo(RunStatus.COMPLETED);
        String first = (String) historicVariable(reference, "backupId");
        String second = (String) historicVariable(instance, "backupId");
        Path daily = ROOT.resolve("daily");
        assertThat(FileTrees.describe(daily.resolve("uploads_" + second))).isEqualTo(FileTrees.describe(daily.resolve("uploads_" + first)));
        // the copied files as the first run's (the config folder itself was made at another time)
        assertThat(withoutTop(FileTrees.describe(daily.resolve("config_" + second))))
                .isEqualTo(withoutTop(FileTrees.describe(daily.resolve("config_" + first))));
        JsonNode firstManifest = json.readTree(daily.resolve("manifest_" + first + ".json").toFile());
        JsonNode secondManifest = json.readTree(daily.resolve("manifest_" + second + ".json").toFile());
        assertThat(secondManifest.get("rowCounts")).isEqualTo(firstManifest.get("rowCounts"));
        assertThat(secondManifest.get("artifacts").size()).isEqualTo(firstManifest.get("artifacts").size());
        assertNoStagingLeft();
    }

    @Test
    void fullVolumeDuringDumpBecomesIncidentAndNextRunCompletesOnceSpaceIsFreed() throws Exception {
        // incompressible rows: the dump is larger than what the volume has left
        PG.execute(DATABASE, "create table fault_blobs as select g as id, decode(md5(random()::text || g), 'hex') as b "
                + "from generate_series(1, 40000) g");
        mountSmallVolume(8);
        try {
            fillLeaving(256 * 1024);
            ProcessInstance full = runtime.startProcessInstanceByKey("DailyBackupProcess");
            runJobs(full);

            assertIncidentRecorded(full, "Task_DumpDatabase", "pg_dump: error: could not write to output file: No space left on device");
            assertNothingIncompleteListedAsComplete();
            Files.delete(ROOT.resolve("filler"));
            ProcessInstance next = runtime.startProcessInstanceByKey("DailyBackupProcess");
            runJobs(next);
            assertThat(next).isEnded().hasPassed("EndEvent_BackupCompleted");
            assertThat(calledRun(next)).hasPassed("Task_VerifyDump");
            assertNoStagingLeft();
        } finally {
            PG.execute(DATABASE, "drop table fault_blobs");
            exec("umount", ROOT.toString());
        }
    }

    @Test
    void fullVolumeDuringArchiveBecomesIncidentAndNextWeeklyCompletesOnceSpaceIsFreed() throws Exception {
        Path scan = DIR.resolve("uploads/user9/scan.pdf");
        Files.createDirectories(scan.getParent());
        byte[] noise = new byte[3 * 1024 * 1024];
        new Random(14).nextBytes(noise);
        Files.write(scan, noise);
        mountSmallVolume(16);
        try {
            fillLeaving(1024 * 1024);
            ProcessInstance full = runtime.startProcessInstanceByKey("WeeklyBackupProcess");
            runJobs(full);

            assertIncidentRecorded(full, BackupKind.WEEKLY, "Task_ArchiveUploads", "into uploads_full_");
            assertThat(history.listByOwner(full.getId()).get(0).message()).endsWith("failed: No space left on device");
            assertNothingIncompleteListedAsComplete();
            Files.delete(ROOT.resolve("filler"));
            ProcessInstance next = runtime.startProcessInstanceByKey("WeeklyBackupProcess");
            runJobs(next);
            assertThat(next).isEnded().hasPassed("EndEvent_BackupCompleted");
            assertThat(calledRun(next)).hasPassed("Task_VerifyArchive");
            assertNoStagingLeft();
        } finally {
            exec("umount", ROOT.toString());
            Files.delete(scan);
            Files.delete(scan.getParent());
        }
    }

    @Test
    void oldWorldReadableFoldersAreOwnerOnlyAfterNextRun() throws Exception {
        // the old scripts' /backup and /backup/daily, made under umask 022
        Files.createDirectories(ROOT.resolve("daily"));
        Files.createDirectories(ROOT.resolve("weekly"));
        for (Path folder : new Path[] {ROOT, ROOT.resolve("daily"), ROOT.resolve("weekly")}) {
            Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxr-xr-x"));
        }

        ProcessInstance instance = runtime.startProcessInstanceByKey("DailyBackupProcess");
        runJobs(instance);

        assertThat(instance).isEnded().hasPassed("EndEvent_BackupCompleted");
        for (Path folder : new Path[] {ROOT, ROOT.resolve("daily"), ROOT.resolve("weekly")}) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(folder))).as(folder.toString()).isEqualTo("rwx------");
        }
    }

    @Test
    void nameThatIsNotUtf8IsBackedUpByteExactInSnapshotAndFileListWhileKoreanNamesAreKept() throws Exception {
        Path uploads = DIR.resolve("uploads");
        FileTrees.writeLatin1Named(uploads, Map.of("user3/café.txt", "e acute", "user3/cafè.txt", "e grave"));
        ProcessInstance instance;
        try {
            instance = runtime.startProcessInstanceByKey("DailyBackupProcess");
            runJobs(instance);
        } finally {
            exec("rm", "-r", uploads.resolve("user3").toString());
        }

        assertThat(instance).isEnded().hasPassed("EndEvent_BackupCompleted");
        String id = (String) historicVariable(instance, "backupId");
        HistoryEntry row = history.listByOwner(instance.getId()).get(0);
        assertThat(String.valueOf(row.problems().warnings())).doesNotContain("not valid UTF-8");
        Path snapshot = ROOT.resolve("daily/uploads_" + id);
        assertThat(snapshot.resolve("user2/회의록.txt")).hasContent("회의");
        // two names the JVM shows alike, each under its own bytes
        assertThat(RawNames.resolve(snapshot, "user3/caf\uDCE9.txt")).hasContent("e acute");
        assertThat(RawNames.resolve(snapshot, "user3/caf\uDCE8.txt")).hasContent("e grave");
        assertThat(Files.readString(ROOT.resolve("daily/files_" + id + ".jsonl")))
                .contains("\"path\":\"user3/caf\\uDCE9.txt\"", "\"path\":\"user3/caf\\uDCE8.txt\"");
    }

    private static Map<String, String> withoutTop(Map<String, String> tree) {
        Map<String, String> copy = new TreeMap<>(tree);
        copy.remove(".");
        return copy;
    }

    private void awaitDumpWaitingForLock() throws Exception {
        for (int i = 0; i < 600; i++) {
            try (var c = PG.connect("postgres"); var rs = c.createStatement().executeQuery(
                    "select count(*) from pg_stat_activity where datname = '" + DATABASE + "' and wait_event_type = 'Lock'")) {
                rs.next();
                if (rs.getInt(1) > 0) {
                    return;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the dump never waited for the table lock");
    }

    /** A tmpfs of {@code megabytes} over the backup root, with an earlier small set so the space check passes. */
    private static void mountSmallVolume(int megabytes) throws Exception {
        Files.createDirectories(ROOT);
        exec("mount", "-t", "tmpfs", "-o", "size=" + megabytes + "m", "tmpfs", ROOT.toString());
        FileTrees.write(ROOT, Map.of(
                "daily/manifest_20000101.json", tinySet("daily", "20000101"),
                "weekly/manifest_full_20000102.json", tinySet("weekly", "20000102")));
    }

    private static String tinySet(String kind, String id) {
        return "{\"formatVersion\": 1, \"kind\": \"" + kind + "\", \"id\": \"" + id + "\", \"status\": \"complete\", "
                + "\"artifacts\": [], \"files\": [], \"stats\": {\"bytes\": 1, \"fileCount\": 0, \"filesCopied\": 0, \"filesLinked\": 0}}";
    }

    private static void fillLeaving(long bytes) throws Exception {
        long usable = Files.getFileStore(ROOT).getUsableSpace();
        Files.write(ROOT.resolve("filler"), new byte[(int) (usable - bytes)]);
    }

    private void assertNothingIncompleteListedAsComplete() {
        for (BackupSet set : catalog.list()) {
            if (set.status() == BackupSet.Status.COMPLETE && set.manifest().artifacts().isEmpty()) {
                continue; // the tiny stand-in sets above
            }
            assertThat(set.status()).as(set.label()).isIn(BackupSet.Status.COMPLETE, BackupSet.Status.LEGACY);
            for (var artifact : set.manifest().artifacts()) {
                assertThat(catalog.kindDir(set.kind()).resolve(artifact.name())).as(set.label()).exists();
            }
        }
        assertThat(catalog.find(BackupKind.DAILY, BackupSetId.parse("20000101"))).isPresent();
    }
}
