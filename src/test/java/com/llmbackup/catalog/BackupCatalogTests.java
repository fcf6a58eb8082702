package com.llmbackup.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.llmbackup.catalog.BackupCatalog.StagedSet;
import com.llmbackup.catalog.BackupSet.Status;
import com.llmbackup.test.ManualClock;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The catalog on real files in a temporary backup root. */
class BackupCatalogTests {

    @TempDir
    Path root;

    private final ManualClock clock = ManualClock.at("2025-10-31T02:00:00Z");
    private LeaseManager leases;
    private BackupCatalog catalog;

    @BeforeEach
    void setUp() {
        leases = new LeaseManager(root, Duration.ofMinutes(2), clock, OwnerLiveness.ALWAYS_ACTIVE, FilePermissions.ownerOnly());
        catalog = new BackupCatalog(root, FilePermissions.ownerOnly(), clock);
    }

    @AfterEach
    void tearDown() {
        leases.close();
    }

    @Test
    void listAdoptsLegacySetsWhenSeedFilesHaveNoManifest() throws IOException {
        tree(Map.of(
                "daily/db_20251030.dump", "PGDMP",
                "daily/uploads_20251030/user1/a.pdf", "pdf",
                "daily/db_20251031.dump", "PGDMP",
                "weekly/db_full_20251026.dump", "PGDMP",
                "weekly/uploads_full_20251026.tar.gz", "gz",
                "daily/notes.txt", "operator's notes",
                "daily/previous/x", "the seed's never-existing link-dest"));

        List<BackupSet> sets = catalog.list();

        assertThat(sets).extracting(BackupSet::label, BackupSet::status, BackupSet::date).containsExactly(
                Tuple.tuple("daily/20251030", Status.LEGACY, LocalDate.of(2025, 10, 30)),
                Tuple.tuple("daily/20251031", Status.LEGACY, LocalDate.of(2025, 10, 31)),
                Tuple.tuple("weekly/20251026", Status.LEGACY, LocalDate.of(2025, 10, 26)));
        assertThat(sets.get(0).files()).extracting(p -> p.getFileName().toString())
                .containsExactly("db_20251030.dump", "uploads_20251030");
        assertThat(sets).allMatch(BackupSet::restorable);
    }

    @Test
    void publishMakesCompleteSetWithOwnerOnlyModesWhenNothingFails() throws IOException {
        LeaseManager.Lease lease = acquire("run-1");
        StagedSet staged = stageDaily(lease, "dump-1");

        BackupSet set = catalog.publish(staged, manifest(staged), lease);

        assertThat(set.label()).isEqualTo("daily/20251031");
        assertThat(set.status()).isEqualTo(Status.COMPLETE);
        assertThat(set.manifest().completedAt()).isEqualTo(clock.instant());
        assertThat(root.resolve("daily/db_20251031.dump")).hasContent("dump-1");
        assertThat(root.resolve("daily/uploads_20251031/user1/a.pdf")).hasContent("pdf");
        assertThat(mode(root.resolve("daily/manifest_20251031.json"))).isEqualTo("rw-------");
        assertThat(mode(root.resolve("daily"))).isEqualTo("rwx------");
        assertThat(mode(root.resolve("daily/db_20251031.dump"))).isEqualTo("rw-------");
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void stageGivesNextIdWhenDayAlreadyHasSets() throws IOException {
        tree(Map.of("daily/db_20251031.dump", "legacy from the old script"));
        LeaseManager.Lease lease = acquire("run-1");

        StagedSet second = stageDaily(lease, "dump-2");
        catalog.publish(second, manifest(second), lease);
        StagedSet third = stageDaily(lease, "dump-3");
        StagedSet weekly = catalog.stage(BackupKind.WEEKLY, lease);

        assertThat(second.id()).hasToString("20251031_2");
        assertThat(third.id()).hasToString("20251031_3");
        assertThat(weekly.id()).hasToString("20251031");
        assertThat(root.resolve("daily/db_20251031.dump")).hasContent("legacy from the old script");
        assertThat(root.resolve("daily/db_20251031_2.dump")).hasContent("dump-2");
    }

    @ParameterizedTest
    @ValueSource(strings = {"before-manifest", "manifest-publishing", "renamed db_20251031.dump", "renamed uploads_20251031"})
    void crashedPublishIsNeverCompleteAndNextRunLeavesRootClean(String crashAt) throws IOException {
        LeaseManager.Lease first = acquire("run-1");
        StagedSet done = stageDaily(first, "kept");
        catalog.publish(done, manifest(done), first);
        clock.advance(Duration.ofDays(1));
        StagedSet staged = stageDaily(first, "crashed");
        BackupCatalog crashing = new BackupCatalog(root, FilePermissions.ownerOnly(), clock, step -> {
            if (step.equals(crashAt.replace("20251031", "20251101"))) {
                throw new SimulatedCrash(step);
            }
        });

        assertThatThrownBy(() -> crashing.publish(staged, manifest(staged), first)).isInstanceOf(SimulatedCrash.class);
        leases.close(); // the orchestrator died: nobody renews the lease any more

        // after a restart: a new orchestrator, a new run
        clock.advance(Duration.ofMinutes(10));
        try (LeaseManager restarted = new LeaseManager(root, Duration.ofMinutes(2), clock, OwnerLiveness.ALWAYS_ACTIVE,
                FilePermissions.ownerOnly())) {
            BackupCatalog after = new BackupCatalog(root, FilePermissions.ownerOnly(), clock);
            assertThat(after.list()).filteredOn(s -> s.status() == Status.COMPLETE)
                    .extracting(BackupSet::label).containsExactly("daily/20251031");

            LeaseManager.Attempt attempt = restarted.tryAcquire("run-2", "daily backup");
            assertThat(attempt.takenOverFrom()).isEqualTo("run-1");
            after.recover(attempt.lease());

            assertThat(after.list()).extracting(BackupSet::label, BackupSet::status)
                    .containsExactly(Tuple.tuple("daily/20251031", Status.COMPLETE));
            assertThat(leftovers()).isEmpty();
            assertThat(names(root.resolve("daily"))).containsExactlyInAnyOrder(
                    "db_20251031.dump", "uploads_20251031", "manifest_20251031.json");
        }
    }

    @Test
    void crashAfterCompleteManifestLeavesCompleteSetAndEmptyStagingIsCleared() throws IOException {
        LeaseManager.Lease lease = acquire("run-1");
        StagedSet staged = stageDaily(lease, "dump");
        BackupCatalog crashing = new BackupCatalog(root, FilePermissions.ownerOnly(), clock, step -> {
            if (step.equals("manifest-complete")) {
                throw new SimulatedCrash(step);
            }
        });

        assertThatThrownBy(() -> crashing.publish(staged, manifest(staged), lease)).isInstanceOf(SimulatedCrash.class);
        lease.release();
        catalog.recover(acquire("run-2"));

        assertThat(catalog.find(BackupKind.DAILY, BackupSetId.parse("20251031")).orElseThrow().status()).isEqualTo(Status.COMPLETE);
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void listReportsCorruptManifestAndRecoverNeverDeletesIt() throws IOException {
        tree(Map.of(
                "daily/db_20251029.dump", "PGDMP",
                "daily/manifest_20251029.json", "{\"formatVersion\": 1, \"kind\": \"daily\", \"id\": \"2025",
                "daily/db_20251030.dump", "PGDMP",
                "daily/manifest_20251030.json", ""));

        List<BackupSet> sets = catalog.list();
        catalog.recover(acquire("run-1"));

        assertThat(sets).extracting(BackupSet::status).containsExactly(Status.CORRUPT, Status.CORRUPT);
        assertThat(sets.get(0).problem()).startsWith("Manifest " + root.resolve("daily/manifest_20251029.json")
                + " is corrupt: it is not valid JSON").endsWith("The set is not trusted; inspect or remove the file by hand.");
        assertThat(sets.get(1).problem()).contains("is corrupt: it is empty.");
        assertThat(sets).noneMatch(BackupSet::restorable);
        assertThat(names(root.resolve("daily"))).containsExactlyInAnyOrder(
                "db_20251029.dump", "manifest_20251029.json", "db_20251030.dump", "manifest_20251030.json");
    }

    @Test
    void publishStopsWithoutPublishingWhenLeaseWasTakenOver() throws IOException {
        LeaseManager.Lease old = acquire("run-old");
        StagedSet staged = stageDaily(old, "late");
        leases.close();
        clock.advance(Duration.ofMinutes(5));
        try (LeaseManager other = new LeaseManager(root, Duration.ofMinutes(2), clock, OwnerLiveness.ALWAYS_ACTIVE,
                FilePermissions.ownerOnly())) {
            LeaseManager.Attempt taken = other.tryAcquire("run-new", "weekly backup");
            assertThat(taken.busy()).isFalse();
            assertThat(taken.reason()).startsWith("it was not renewed since 2025-10-31T02:00:00Z");

            assertThatThrownBy(() -> catalog.publish(staged, manifest(staged), old))
                    .isInstanceOf(LeaseLostException.class)
                    .hasMessage("Run run-old no longer holds the lease on " + root + ": run run-new (weekly backup) took it over."
                            + " It stops without publishing; its staging is cleared by the run that holds the lease.");
            assertThat(catalog.list()).isEmpty();

            catalog.recover(taken.lease());
            assertThat(leftovers()).isEmpty();
        }
    }

    @Test
    void stageLocksDownFoldersWhenTheyExistedWithOtherModes() throws IOException {
        // what the old scripts left: mkdir -p /backup/daily under umask 022
        for (String folder : List.of("", "daily", "weekly", ".staging", ".staging/run-1")) {
            Files.createDirectories(root.resolve(folder));
            Files.setPosixFilePermissions(root.resolve(folder), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        LeaseManager.Lease lease = acquire("run-1");

        StagedSet staged = catalog.stage(BackupKind.DAILY, lease);

        for (Path folder : List.of(root, root.resolve("daily"), root.resolve("weekly"), root.resolve(".staging"),
                root.resolve(".staging/run-1"), staged.dir(), staged.partsDir())) {
            assertThat(mode(folder)).as(root.relativize(folder).toString()).isEqualTo("rwx------");
        }
    }

    @Test
    void stageLocksDownWithConfiguredModeWhenDirsModeIsSet() throws IOException {
        Files.createDirectories(root.resolve("daily"));
        Files.setPosixFilePermissions(root.resolve("daily"), PosixFilePermissions.fromString("rwxrwxrwx"));
        BackupCatalog groupReadable = new BackupCatalog(root, new FilePermissions("rw-r-----", "rwxr-x---"), clock);

        groupReadable.stage(BackupKind.DAILY, acquire("run-1"));

        assertThat(mode(root.resolve("daily"))).isEqualTo("rwxr-x---");
    }

    @Test
    void stageAgainBySameRunReusesItsSetEmptied() throws IOException {
        LeaseManager.Lease lease = acquire("run-1");
        StagedSet first = stageDaily(lease, "first attempt");
        Files.writeString(first.partsDir().resolve("dump.json"), "{}");

        StagedSet again = catalog.stage(BackupKind.DAILY, lease);

        assertThat(again).isEqualTo(first);
        assertThat(names(again.dir())).isEmpty();
        assertThat(names(again.partsDir())).isEmpty();
        assertThat(names(root.resolve(".staging/run-1"))).containsExactlyInAnyOrder("daily_20251031", "daily_20251031.parts");
    }

    @ParameterizedTest
    @ValueSource(strings = {"manifest-publishing", "renamed db_20251031.dump", "renamed uploads_20251031"})
    void publishRetriedAfterFailureMidwayPublishesEveryArtifact(String failAt) throws IOException {
        LeaseManager.Lease lease = acquire("run-1");
        StagedSet staged = stageDaily(lease, "dump");
        BackupCatalog failing = new BackupCatalog(root, FilePermissions.ownerOnly(), clock, step -> {
            if (step.equals(failAt)) {
                throw new SimulatedCrash(step); // e.g. ENOSPC writing the manifest: the engine retries the step
            }
        });
        assertThatThrownBy(() -> failing.publish(staged, manifest(staged), lease)).isInstanceOf(SimulatedCrash.class);

        // the retry: the step finds its staged set as before the failed publish
        StagedSet again = catalog.staged(BackupKind.DAILY, staged.id(), lease);
        assertThat(names(again.dir())).containsExactlyInAnyOrder("db_20251031.dump", "uploads_20251031");
        assertThat(root.resolve("daily/manifest_20251031.json")).doesNotExist();
        BackupSet set = catalog.publish(again, manifest(again), lease);

        assertThat(set.status()).isEqualTo(Status.COMPLETE);
        assertThat(set.manifest().artifacts()).hasSize(2);
        assertThat(root.resolve("daily/db_20251031.dump")).hasContent("dump");
        assertThat(root.resolve("daily/uploads_20251031/user1/a.pdf")).hasContent("pdf");
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void publishedByGivesSetWhenRetryFollowsCompleteManifest() throws IOException {
        LeaseManager.Lease lease = acquire("run-1");
        StagedSet staged = stageDaily(lease, "dump");
        BackupCatalog failing = new BackupCatalog(root, FilePermissions.ownerOnly(), clock, step -> {
            if (step.equals("manifest-complete")) {
                throw new SimulatedCrash(step);
            }
        });
        assertThatThrownBy(() -> failing.publish(staged, manifest(staged), lease)).isInstanceOf(SimulatedCrash.class);
        String manifest = Files.readString(root.resolve("daily/manifest_20251031.json"));

        StagedSet again = catalog.staged(BackupKind.DAILY, staged.id(), lease);

        assertThat(catalog.publishedBy(again)).get().extracting(BackupSet::status).isEqualTo(Status.COMPLETE);
        assertThat(root.resolve("daily/manifest_20251031.json")).hasContent(manifest);
        assertThat(leftovers()).isEmpty();
        assertThat(catalog.publishedBy(catalog.stage(BackupKind.WEEKLY, lease))).as("another run's or kind's set").isEmpty();
    }

    private LeaseManager.Lease acquire(String owner) {
        LeaseManager.Attempt attempt = leases.tryAcquire(owner, "daily backup");
        assertThat(attempt.busy()).as("lease held by %s", attempt.holder()).isFalse();
        return attempt.lease();
    }

    private StagedSet stageDaily(LeaseManager.Lease lease, String dumpContent) throws IOException {
        StagedSet staged = catalog.stage(BackupKind.DAILY, lease);
        Files.writeString(staged.dumpFile(), dumpContent);
        Files.createDirectories(staged.uploadsPath().resolve("user1"));
        Files.writeString(staged.uploadsPath().resolve("user1/a.pdf"), "pdf");
        return staged;
    }

    private Manifest manifest(StagedSet staged) {
        return new Manifest(Manifest.FORMAT_VERSION, staged.kind().dir(), staged.id().toString(), null, staged.owner(),
                Instant.parse("2025-10-31T02:00:00Z"), null, "15.4", null, null, null,
                List.of(Manifest.Artifact.file(staged.kind().dumpName(staged.id()), 6, "00"),
                        Manifest.Artifact.directory(staged.kind().uploadsName(staged.id()), 3, 1)),
                List.of(), Map.of("public.documents", 3L), new Manifest.Stats(9, 1, 1, 0), List.of());
    }

    private void tree(Map<String, String> files) throws IOException {
        for (var e : files.entrySet()) {
            Path file = root.resolve(e.getKey());
            Files.createDirectories(file.getParent());
            Files.writeString(file, e.getValue());
        }
    }

    /** Anything a crash could leave: staging folders and temporary manifests. */
    private List<String> leftovers() throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(p -> !p.equals(root))
                    .map(p -> root.relativize(p).toString())
                    .filter(p -> p.startsWith(".staging/") && !p.equals(".staging") || p.endsWith(".tmp"))
                    .filter(p -> !p.equals(".staging/run-2") && !p.equals(".staging/run-new"))
                    .toList();
        }
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    static final class SimulatedCrash extends RuntimeException {
        SimulatedCrash(String step) {
            super("simulated crash at " + step);
        }
    }
}
