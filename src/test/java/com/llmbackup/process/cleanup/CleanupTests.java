package com.llmbackup.process.cleanup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.catalog.FilePermissions;
import com.llmbackup.catalog.LeaseManager;
import com.llmbackup.catalog.OwnerLiveness;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.catalog.Trees;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.process.AbstractBackupProcessTests;
import com.llmbackup.retention.RetentionPlanner;
import com.llmbackup.retention.RetentionRules;
import com.llmbackup.test.FileTrees;
import com.llmbackup.test.LocalHttp;
import com.llmbackup.test.ManualClock;
import com.llmbackup.uploads.Snapshotter;
import com.llmbackup.wal.WalArchive;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Retention over whole catalogs built in a temporary folder with a controlled clock (the
 * real DMN table decides through the engine), and the cleanup process's paths.
 */
class CleanupTests extends AbstractBackupProcessTests {

    private static final LocalDate TODAY = LocalDate.of(2025, 11, 30); // a Sunday

    @Autowired
    DmnRetentionRules rules;
    @Autowired
    BackupProperties properties;

    @TempDir
    Path root;

    private final ManualClock clock = new ManualClock(TODAY.atTime(3, 0).toInstant(ZoneOffset.UTC), ZoneOffset.UTC);

    /** Survivors of a plan, as "kind/id". */
    private Set<String> survivors() {
        BackupCatalog catalog = new BackupCatalog(root, FilePermissions.ownerOnly(), clock);
        return new RetentionPlanner(properties, clock).plan(catalog.list(), rules).stream()
                .filter(d -> !d.verdict().delete()).map(d -> d.set().label()).collect(Collectors.toCollection(TreeSet::new));
    }

    private void complete(BackupKind kind, LocalDate date, String extraManifest) throws Exception {
        BackupSetId id = BackupSetId.first(date);
        Path dir = Files.createDirectories(root.resolve(kind.dir()));
        Files.writeString(dir.resolve(kind.dumpName(id)), "PGDMP");
        Files.writeString(dir.resolve(kind.globalsName(id)), "CREATE ROLE llm_user;");
        if (kind.archivesUploads()) {
            Files.writeString(dir.resolve(kind.uploadsName(id)), "gz");
        } else {
            Files.createDirectories(dir.resolve(kind.uploadsName(id)));
        }
        Files.writeString(dir.resolve(kind.manifestName(id)), """
                {"formatVersion": 1, "kind": "%s", "id": "%s", "status": "complete", "artifacts": [], "files": []%s}"""
                .formatted(kind.dir(), id, extraManifest));
    }

    private void legacy(BackupKind kind, LocalDate date) throws Exception {
        BackupSetId id = BackupSetId.first(date);
        Path dir = Files.createDirectories(root.resolve(kind.dir()));
        Files.writeString(dir.resolve(kind.dumpName(id)), "PGDMP");
    }

    private static String label(BackupKind kind, int daysAgo) {
        return kind.dir() + "/" + BackupSetId.first(TODAY.minusDays(daysAgo));
    }

    @Test
    void sixtyDaysOfDailiesAndNineWeekliesKeepThirtyDaysAndFourFulls() throws Exception {
        for (int age = 0; age < 60; age++) {
            complete(BackupKind.DAILY, TODAY.minusDays(age), "");
        }
        for (int week = 0; week < 9; week++) {
            complete(BackupKind.WEEKLY, TODAY.minusWeeks(week), "");
        }
        Set<String> expected = new TreeSet<>();
        for (int age = 0; age <= 30; age++) {
            expected.add(label(BackupKind.DAILY, age));
        }
        for (int week = 0; week < 9; week++) {
            if (week < 4 || week * 7 <= 30) {
                expected.add(label(BackupKind.WEEKLY, week * 7));
            }
        }

        assertThat(survivors()).isEqualTo(expected);
    }

    @Test
    void fourNewestFullsSurviveWhenWeekliesFailedForSixWeeks() throws Exception {
        for (int age = 0; age < 60; age++) {
            complete(BackupKind.DAILY, TODAY.minusDays(age), "");
        }
        for (int week = 6; week < 12; week++) {
            complete(BackupKind.WEEKLY, TODAY.minusWeeks(week), "");
        }

        assertThat(survivors()).filteredOn(s -> s.startsWith("weekly/")).containsExactly(
                label(BackupKind.WEEKLY, 63), label(BackupKind.WEEKLY, 56), label(BackupKind.WEEKLY, 49), label(BackupKind.WEEKLY, 42));
    }

    @Test
    void newestDailyAndWeeklySurviveWhenBackupsStoppedFortyDaysAgo() throws Exception {
        for (int age = 40; age < 70; age++) {
            complete(BackupKind.DAILY, TODAY.minusDays(age), "");
        }
        complete(BackupKind.WEEKLY, TODAY.minusDays(42), "");

        assertThat(survivors()).containsExactly(label(BackupKind.DAILY, 40), label(BackupKind.WEEKLY, 42));
    }

    /** Made while the clock was ten years ahead: neither the newest (which would expire the real newest) nor young. */
    @Test
    void setsDatedLaterThanTheClockAreKeptAsSuchAndLeaveTheRealNewestKept() throws Exception {
        for (int age = 40; age < 50; age++) {
            complete(BackupKind.DAILY, TODAY.minusDays(age), "");
        }
        for (int week = 6; week < 11; week++) {
            complete(BackupKind.WEEKLY, TODAY.minusWeeks(week), "");
        }
        complete(BackupKind.DAILY, TODAY.plusDays(3652), ", \"completedAt\": \"2035-11-29T02:10:00Z\"");
        complete(BackupKind.WEEKLY, TODAY.plusDays(3652), "");

        assertThat(survivors()).containsExactlyInAnyOrder(label(BackupKind.DAILY, 40), label(BackupKind.DAILY, -3652),
                label(BackupKind.WEEKLY, 42), label(BackupKind.WEEKLY, 49), label(BackupKind.WEEKLY, 56), label(BackupKind.WEEKLY, 63),
                label(BackupKind.WEEKLY, -3652));
        BackupCatalog catalog = new BackupCatalog(root, FilePermissions.ownerOnly(), clock);
        assertThat(new RetentionPlanner(properties, clock).plan(catalog.list(), rules).stream()
                .filter(d -> d.set().label().equals(label(BackupKind.DAILY, -3652))).findFirst().orElseThrow().verdict().reason())
                .startsWith("Dated later than this orchestrator's clock");
    }

    @Test
    void legacySetsKeptWhileYoungDeletedByAgeAndCountedAmongFulls() throws Exception {
        legacy(BackupKind.DAILY, TODAY.minusDays(3));
        legacy(BackupKind.DAILY, TODAY.minusDays(45));
        complete(BackupKind.DAILY, TODAY, "");
        for (int week = 5; week < 10; week++) {
            legacy(BackupKind.WEEKLY, TODAY.minusWeeks(week));
        }

        assertThat(survivors()).containsExactlyInAnyOrder(label(BackupKind.DAILY, 0), label(BackupKind.DAILY, 3),
                label(BackupKind.WEEKLY, 35), label(BackupKind.WEEKLY, 42), label(BackupKind.WEEKLY, 49), label(BackupKind.WEEKLY, 56));
    }

    @Test
    void pinnedNinetyDayOldSetSurvives() throws Exception {
        complete(BackupKind.DAILY, TODAY, "");
        complete(BackupKind.DAILY, TODAY.minusDays(90), ", \"pinned\": true, \"pinnedReason\": \"audit 2025\"");
        complete(BackupKind.DAILY, TODAY.minusDays(91), "");

        assertThat(survivors()).containsExactlyInAnyOrder(label(BackupKind.DAILY, 0), label(BackupKind.DAILY, 90));
    }

    @Test
    void setsAnOpenRestoreNeedsSurviveWithTheRestoreNamedAsReason() throws Exception {
        complete(BackupKind.DAILY, TODAY, "");
        complete(BackupKind.DAILY, TODAY.minusDays(90), "");
        complete(BackupKind.SAFETY, TODAY.minusDays(60), "");
        complete(BackupKind.DAILY, TODAY.minusDays(91), "");
        BackupCatalog catalog = new BackupCatalog(root, FilePermissions.ownerOnly(), clock);
        Map<String, String> held = Map.of(label(BackupKind.DAILY, 90), "needed by restore run 7 (WAITING_FOR_OPERATOR, process instance pi-7)",
                label(BackupKind.SAFETY, 60), "needed by restore run 7 (WAITING_FOR_OPERATOR, process instance pi-7)");

        var decisions = new RetentionPlanner(properties, clock).plan(catalog.list(), rules, held);

        assertThat(decisions.stream().filter(d -> !d.verdict().delete()).map(d -> d.set().label()))
                .containsExactlyInAnyOrder(label(BackupKind.DAILY, 0), label(BackupKind.DAILY, 90), label(BackupKind.SAFETY, 60));
        assertThat(decisions.stream().filter(d -> d.set().label().equals(label(BackupKind.DAILY, 90))).findFirst().orElseThrow()
                .verdict().reason()).isEqualTo("Kept: needed by restore run 7 (WAITING_FOR_OPERATOR, process instance pi-7).");
    }

    @Test
    void incompleteSetFromYesterdayIsRemovedAndTodaysIsNotTouched() throws Exception {
        complete(BackupKind.DAILY, TODAY.minusDays(2), "");
        for (int age : new int[] {0, 1}) {
            BackupSetId id = BackupSetId.first(TODAY.minusDays(age));
            Files.writeString(root.resolve("daily/db_" + id + ".dump"), "half");
            Files.writeString(root.resolve("daily/manifest_" + id + ".json"),
                    "{\"formatVersion\": 1, \"kind\": \"daily\", \"id\": \"" + id + "\", \"status\": \"publishing\"}");
        }

        assertThat(survivors()).containsExactlyInAnyOrder(label(BackupKind.DAILY, 2), label(BackupKind.DAILY, 0));
    }

    @Test
    void deletingWeeklySetRemovesDumpGlobalsArchiveAndManifestTogether() throws Exception {
        complete(BackupKind.WEEKLY, TODAY.minusDays(70), "");
        BackupCatalog catalog = new BackupCatalog(root, FilePermissions.ownerOnly(), clock);
        try (LeaseManager leases = new LeaseManager(root, Duration.ofMinutes(2), clock, OwnerLiveness.ALWAYS_ACTIVE, FilePermissions.ownerOnly())) {
            catalog.delete(catalog.list(BackupKind.WEEKLY).get(0), leases.tryAcquire("cleanup-test", "cleanup").lease());
        }

        try (Stream<Path> left = Files.list(root.resolve("weekly"))) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void deletingSetNeverFollowsLinksOutOfBackupRoot(@TempDir Path outside) throws Exception {
        Files.writeString(outside.resolve("precious.txt"), "not a backup");
        complete(BackupKind.DAILY, TODAY.minusDays(50), "");
        Path snapshot = root.resolve("daily/uploads_" + BackupSetId.first(TODAY.minusDays(50)));
        Files.createSymbolicLink(snapshot.resolve("link-to-outside"), outside);
        Files.createSymbolicLink(snapshot.resolve("file-link"), outside.resolve("precious.txt"));
        BackupCatalog catalog = new BackupCatalog(root, FilePermissions.ownerOnly(), clock);

        try (LeaseManager leases = new LeaseManager(root, Duration.ofMinutes(2), clock, OwnerLiveness.ALWAYS_ACTIVE, FilePermissions.ownerOnly())) {
            catalog.delete(catalog.list(BackupKind.DAILY).get(0), leases.tryAcquire("cleanup-test", "cleanup").lease());
        }

        assertThat(snapshot).doesNotExist();
        assertThat(outside.resolve("precious.txt")).hasContent("not a backup");
    }

    @Test
    void deletingOldSnapshotLeavesNewerSnapshotIntactAndFreesOnlyItsOwnFiles() throws Exception {
        Path uploads = root.resolve("src");
        FileTrees.write(uploads, Map.of("a.pdf", "a".repeat(10_000), "b.pdf", "b".repeat(20_000)));
        Snapshotter snapshotter = new Snapshotter();
        BackupSetId old = BackupSetId.first(TODAY.minusDays(40));
        BackupSetId newer = BackupSetId.first(TODAY);
        Files.createDirectories(root.resolve("daily"));
        var first = snapshotter.snapshot(uploads, root.resolve("daily/uploads_" + old), null, Map.of(), Snapshotter.Progress.NONE);
        Files.writeString(uploads.resolve("b.pdf"), "changed");
        snapshotter.snapshot(uploads, root.resolve("daily/uploads_" + newer), root.resolve("daily/uploads_" + old),
                first.entries().stream().collect(Collectors.toMap(e -> e.path(), e -> e)), Snapshotter.Progress.NONE);
        Files.writeString(root.resolve("daily/db_" + old + ".dump"), "PGDMP-old");
        Map<String, String> newerBefore = FileTrees.describe(root.resolve("daily/uploads_" + newer));
        BackupCatalog catalog = new BackupCatalog(root, FilePermissions.ownerOnly(), clock);

        long freed;
        try (LeaseManager leases = new LeaseManager(root, Duration.ofMinutes(2), clock, OwnerLiveness.ALWAYS_ACTIVE, FilePermissions.ownerOnly())) {
            freed = catalog.delete(catalog.find(BackupKind.DAILY, old).orElseThrow(), leases.tryAcquire("cleanup-test", "cleanup").lease());
        }

        assertThat(FileTrees.describe(root.resolve("daily/uploads_" + newer))).isEqualTo(newerBefore);
        assertThat(root.resolve("daily/uploads_" + newer + "/a.pdf")).hasContent("a".repeat(10_000));
        assertThat(freed).as("a.pdf is still linked from the newer snapshot").isEqualTo(20_000 + "PGDMP-old".length());
    }

    /** A weekly set of {@code date} whose manifest records a base backup starting in WAL segment {@code startSegment}. */
    private static void weeklyWithBaseBackup(Path root, LocalDate date, int startSegment, String extraManifest) throws Exception {
        BackupSetId id = BackupSetId.first(date);
        Path dir = Files.createDirectories(root.resolve("weekly"));
        Files.writeString(dir.resolve(BackupKind.WEEKLY.dumpName(id)), "PGDMP");
        Files.writeString(dir.resolve(BackupKind.WEEKLY.baseBackupName(id)), "tar");
        Files.writeString(dir.resolve(BackupKind.WEEKLY.manifestName(id)), """
                {"formatVersion": 2, "kind": "weekly", "id": "%s", "status": "complete", "artifacts": [],
                 "baseBackup": {"file": "base_full_%s.tar.gz", "timeline": 1, "startLsn": "0/%X000028", "endLsn": "0/%X000138",
                                "startedAt": "%sT02:00:00Z", "consistentAt": "%sT02:00:30Z", "walSegmentSize": 16777216}%s}"""
                .formatted(id, id, startSegment, startSegment, date, date, extraManifest));
    }

    private static void walSegments(Path root, int... numbers) throws Exception {
        Path wal = Files.createDirectories(root.resolve("wal"));
        for (int n : numbers) {
            Files.writeString(wal.resolve(String.format("0000000100000000%08X", n)), "segment " + n);
        }
    }

    @Test
    void walBeforeOldestRetainedBaseBackupIsDeletedAndTheRestKeptWhenPlanned() throws Exception {
        for (int week = 0; week < 8; week++) {
            weeklyWithBaseBackup(root, TODAY.minusWeeks(week), 0x20 - 2 * week, "");
        }
        walSegments(root, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x20);
        Files.writeString(root.resolve("wal/000000010000000000000021.partial"), "being written");
        BackupCatalog catalog = new BackupCatalog(root, FilePermissions.ownerOnly(), clock);
        RetentionPlanner planner = new RetentionPlanner(properties, clock);
        var sets = planner.plan(catalog.list(), rules);

        var wal = planner.planWal(sets, new WalArchive(root, FilePermissions.ownerOnly()).list(), rules);

        // kept: the 4 newest fulls and what is within 30 days (weeks 0 to 4): the oldest base backup starts in segment 0x18
        assertThat(sets.stream().filter(d -> !d.verdict().delete()).map(d -> d.set().label()))
                .containsExactlyInAnyOrder(label(BackupKind.WEEKLY, 0), label(BackupKind.WEEKLY, 7), label(BackupKind.WEEKLY, 14),
                        label(BackupKind.WEEKLY, 21), label(BackupKind.WEEKLY, 28));
        assertThat(wal).hasSize(2);
        assertThat(wal.get(0).range()).isEqualTo(new RetentionPlanner.WalRange("000000010000000000000010", "000000010000000000000017", 8, 80));
        assertThat(wal.get(0).verdict()).isEqualTo(new RetentionRules.Verdict("delete", "Older than the oldest retained base backup ("
                + label(BackupKind.WEEKLY, 28) + "): no recovery starts before it."));
        assertThat(wal.get(1).range().first()).isEqualTo("000000010000000000000018");
        assertThat(wal.get(1).range().last()).as("the segment being written is never in a range").isEqualTo("000000010000000000000020");
        assertThat(wal.get(1).verdict().action()).isEqualTo("keep");
    }

    @Test
    void cleanupDeletesWalBeforeOldestBaseBackupWithReasonInLog() throws Exception {
        Path backup = DIR.resolve("backup");
        LocalDate date = LocalDate.of(2000, 1, 8);
        BackupSetId id = BackupSetId.first(date);
        // pinned: whatever other tests left in the shared root, this base backup is retained and the oldest
        weeklyWithBaseBackup(backup, date, 5, ", \"pinned\": true, \"pinnedReason\": \"WAL retention test\"");
        walSegments(backup, 3, 4, 5, 6);
        try {
            ProcessInstance cleanup = runtime.startProcessInstanceByKey("BackupCleanupProcess");
            runJobs(cleanup);

            assertThat(cleanup).isEnded().hasPassed("Task_DeleteExpiredSets", "EndEvent_CleanupCompleted");
            try (Stream<Path> left = Files.list(backup.resolve("wal"))) {
                assertThat(left.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")))
                        .containsExactlyInAnyOrder("000000010000000000000005", "000000010000000000000006");
            }
            String reason = "Older than the oldest retained base backup (weekly/" + id + "): no recovery starts before it.";
            assertThat((String) historicVariable(cleanup, "planSummary"))
                    .contains("WAL 000000010000000000000003 to 000000010000000000000004 (2 segments): delete - " + reason)
                    .contains("WAL 000000010000000000000005 to 000000010000000000000006 (2 segments): keep - Needed to recover from base "
                            + "backup weekly/" + id + " on.");
            assertThat(Files.readString(DIR.resolve("llm-backup.log")))
                    .contains("] Deleted WAL 000000010000000000000003 to 000000010000000000000004 (2 segments): " + reason);
        } finally {
            for (String name : List.of(BackupKind.WEEKLY.dumpName(id), BackupKind.WEEKLY.baseBackupName(id), BackupKind.WEEKLY.manifestName(id))) {
                Files.deleteIfExists(backup.resolve("weekly").resolve(name));
            }
            Trees.delete(backup.resolve("wal"));
        }
    }

    @Test
    void cleanupDeletesExpiredSetWithReasonInLogAndHistory() throws Exception {
        ProcessInstance daily = runtime.startProcessInstanceByKey("DailyBackupProcess");
        runJobs(daily);
        Path old = DIR.resolve("backup/daily/db_20000101.dump");
        Files.writeString(old, "PGDMP from the old scripts");

        ProcessInstance cleanup = runtime.startProcessInstanceByKey("BackupCleanupProcess");
        runJobs(cleanup);

        assertThat(cleanup).isEnded().hasPassed("Task_DecideRetention", "Task_DeleteExpiredSets", "EndEvent_CleanupCompleted")
                .hasNotPassed("Task_ReportDryRun");
        assertThat(old).doesNotExist();
        assertThat((String) historicVariable(cleanup, "planSummary")).contains("daily/20000101: delete - Older than 30 days (");
        String log = Files.readString(DIR.resolve("llm-backup.log"));
        assertThat(log).contains("] Deleted daily/20000101: Older than 30 days (").contains("] Old backups cleaned up: ");
        var row = history.listByOwner(cleanup.getId()).get(0);
        assertThat(row.kind()).isEqualTo(RunKind.CLEANUP);
        assertThat(row.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(row.problems().warnings()).contains("Deleted daily/20000101: Older than 30 days");
    }

    @Test
    void cleanupUnderAClockAheadOfTheDatabaseServerDeletesNothingAndSaysWhy() throws Exception {
        runJobs(runtime.startProcessInstanceByKey("DailyBackupProcess")); // a newer complete daily set
        Path old = DIR.resolve("backup/daily/db_20000103.dump");
        Files.writeString(old, "PGDMP from the old scripts");
        List<String> before = catalog.list().stream().map(BackupSet::label).toList();
        ProcessInstance cleanup;
        orchestratorClock.step(Duration.ofDays(3652));
        try {
            cleanup = runtime.startProcessInstanceByKey("BackupCleanupProcess");
            runJobs(cleanup);
        } finally {
            orchestratorClock.reset();
        }

        assertThat(runtime.createIncidentQuery().processInstanceId(cleanup.getId()).singleResult().getActivityId())
                .as("refused before it takes the lock").isEqualTo("Task_TakeCleanupLock");
        assertThat(before).as("nothing was deleted").allMatch(label -> catalog.list().stream().anyMatch(s -> s.label().equals(label)));
        Files.delete(old);
        var row = history.listByOwner(cleanup.getId()).get(0);
        assertThat(row.status()).isEqualTo(RunStatus.FAILED);
        assertThat(row.message()).contains("This orchestrator's clock says ").contains(", the database server's (127.0.0.1:" + PG.port()
                + ") says ").contains("it is ahead by 3652 days").contains("No set was decided or deleted");
        assertThat(awaitAlert(cleanup.getId()).get("message").asText()).contains("the database server's (127.0.0.1:");
        runtime.deleteProcessInstance(cleanup.getId(), "test: the incident is seen");
    }

    /**
     * Another orchestrator's fetch holds the lock and renews it by the right clock: a cleanup here
     * under a clock ten years ahead must not judge it unrenewed, take it over and clear its staging.
     */
    @Test
    void cleanupUnderAClockAheadLeavesTheLockOfAnotherOrchestratorsFetchAndItsStagingAlone() throws Exception {
        String fetchOwner = "offsite-fetch-daily-20251031-other-node";
        try (LeaseManager otherNode = new LeaseManager(DIR.resolve("backup"), Duration.ofMinutes(2), Clock.systemUTC(),
                owner -> OwnerLiveness.State.ENDED, FilePermissions.ownerOnly())) {
            LeaseManager.Lease fetch = otherNode.tryAcquireForWork(fetchOwner, "Fetch daily/20251031 from offsite").lease();
            Path fetched = catalog.ownStaging(fetch).resolve("daily_20251031/db_20251031.dump");
            Files.createDirectories(fetched.getParent());
            Files.writeString(fetched, "PGDMP half fetched");
            ProcessInstance cleanup;
            orchestratorClock.step(Duration.ofDays(3652));
            try {
                cleanup = runtime.startProcessInstanceByKey("BackupCleanupProcess");
                runJobs(cleanup);
            } finally {
                orchestratorClock.reset();
            }

            assertThat(otherNode.current().orElseThrow().owner()).as("the fetch keeps its lock").isEqualTo(fetchOwner);
            assertThat(fetched).as("and what it staged").hasContent("PGDMP half fetched");
            assertThat(runtime.createIncidentQuery().processInstanceId(cleanup.getId()).singleResult().getIncidentMessage())
                    .contains("This orchestrator's clock says ").contains("it is ahead by 3652 days");
            runtime.deleteProcessInstance(cleanup.getId(), "test: the incident is seen");
            fetch.release();
        }
    }

    @Test
    void dryRunDeletesNothingAndListsReasons() throws Exception {
        runJobs(runtime.startProcessInstanceByKey("DailyBackupProcess")); // a newer complete daily set
        Path old = DIR.resolve("backup/daily/db_20000102.dump");
        Files.writeString(old, "PGDMP from the old scripts");
        try {
            ProcessInstance cleanup = runtime.startProcessInstanceByKey("BackupCleanupProcess", Map.of("dryRun", true));
            runJobs(cleanup);

            assertThat(cleanup).isEnded().hasPassed("Task_ReportDryRun", "EndEvent_CleanupCompleted").hasNotPassed("Task_DeleteExpiredSets");
            assertThat(old).exists();
            assertThat(Files.readString(DIR.resolve("llm-backup.log")))
                    .contains("] Would delete daily/20000102: Older than 30 days (").contains("nothing deleted");
        } finally {
            Files.deleteIfExists(old);
        }
    }

    @Test
    void cleanupGivesUpWithLockTimeoutWhileBackupHoldsLock() {
        ProcessInstance daily = runtime.startProcessInstanceByKey("DailyBackupProcess");
        executeNext(daily);
        ProcessInstance cleanup = runtime.startProcessInstanceByKey("BackupCleanupProcess");
        executeNext(cleanup);
        assertThat(cleanup).isWaitingAt("Event_WaitForCleanupLock");

        ClockUtil.setCurrentTime(Date.from(Instant.now().plus(Duration.ofMinutes(11))));
        management.executeJob(management.createJobQuery().processInstanceId(cleanup.getId()).timers().singleResult().getId());
        runJobs(cleanup);
        ClockUtil.reset();
        runJobs(daily);

        assertThat(cleanup).isEnded().hasPassed("Boundary_LockTimeout", "Task_RecordCleanupFailure", "EndEvent_CleanupFailed");
        assertThat(history.listByOwner(cleanup.getId()).get(0).message()).startsWith("Gave up waiting for the lock on the backup root");
        assertThat(daily).isEnded().hasPassed("EndEvent_BackupCompleted");
    }

    /**
     * Issue 25, finding 2: a start that names another run's history row (here a failed daily's). The
     * cleanup finds its row by its own instance: the daily stays FAILED (it stays in "what needs me now").
     */
    @Test
    void cleanupWhenStartedWithAFailedDailysRunIdCompletesOnlyItsOwnRow() {
        long failed = history.start(RunKind.DAILY, "pi-failed-daily-" + System.nanoTime());
        history.fail(failed, "Task_DumpDatabase", "the daily failed");
        var before = history.find(failed).orElseThrow();

        ProcessInstance cleanup = runtime.startProcessInstanceByKey("BackupCleanupProcess", Map.of("runId", failed));
        runJobs(cleanup);

        assertThat(cleanup).isEnded().hasPassed("EndEvent_CleanupCompleted");
        assertThat(history.find(failed).orElseThrow()).isEqualTo(before);
        assertThat(history.listByOwner(cleanup.getId())).singleElement().satisfies(row -> {
            assertThat(row.kind()).isEqualTo(RunKind.CLEANUP);
            assertThat(row.status()).isEqualTo(RunStatus.COMPLETED);
        });
    }

    /** The same start by an operator over REST: refused with what the start takes, and no row changes. */
    @Test
    void cleanupWhenAnOperatorSendsARunIdIsRefusedAndNoRowChanges() throws Exception {
        ensureUser("cleanop", "cleanop-pw", "operators");
        long failed = history.start(RunKind.DAILY, "pi-failed-daily-" + System.nanoTime());
        history.fail(failed, "Task_DumpDatabase", "the daily failed");
        var rows = history.list();
        long cleanups = engine.getHistoryService().createHistoricProcessInstanceQuery().processDefinitionKey("BackupCleanupProcess").count();

        HttpResponse<String> refused = LocalHttp.call(port, "POST", "/engine-rest/process-definition/key/BackupCleanupProcess/start",
                "cleanop:cleanop-pw", "{\"variables\": {\"runId\": {\"value\": " + failed + ", \"type\": \"Long\"}}}");

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
        assertThat(json.readTree(refused.body()).get("message").asText())
                .startsWith("Variables [runId] cannot be sent when starting BackupCleanupProcess: only [dryRun] are taken.");
        assertThat(history.list()).isEqualTo(rows);
        assertThat(engine.getHistoryService().createHistoricProcessInstanceQuery().processDefinitionKey("BackupCleanupProcess").count())
                .isEqualTo(cleanups);
        HttpResponse<String> dryRun = LocalHttp.call(port, "POST", "/engine-rest/process-definition/key/BackupCleanupProcess/start",
                "cleanop:cleanop-pw", "{\"variables\": {\"dryRun\": {\"value\": true, \"type\": \"Boolean\"}}}");
        assertThat(dryRun.statusCode()).as("the start form's own field: " + dryRun.body()).isEqualTo(200);
        runJobs(runtime.createProcessInstanceQuery().processInstanceId(json.readTree(dryRun.body()).get("id").asText()).singleResult());
    }
}
