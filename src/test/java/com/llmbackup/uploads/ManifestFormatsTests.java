package com.llmbackup.uploads;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.FilePermissions;
import com.llmbackup.catalog.LeaseManager;
import com.llmbackup.catalog.Manifest;
import com.llmbackup.catalog.Manifest.FileEntry;
import com.llmbackup.catalog.ManifestFiles;
import com.llmbackup.catalog.OwnerLiveness;
import com.llmbackup.catalog.SnapshotCheck;
import com.llmbackup.test.FileTrees;
import com.llmbackup.test.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sets written before issue 19 (format 1: the file list inline in the manifest, in walk order)
 * beside sets of format 2 (the list in {@code files_<id>.jsonl}): both list, link, verify and restore.
 */
class ManifestFormatsTests {

    @TempDir
    Path dir;

    private final ManualClock clock = ManualClock.at("2025-10-31T02:00:00Z");
    private final Snapshotter snapshotter = new Snapshotter();
    private Path root;
    private Path uploads;
    private LeaseManager leases;
    private BackupCatalog catalog;

    @BeforeEach
    void setUp() throws Exception {
        root = Files.createDirectories(dir.resolve("backup"));
        uploads = dir.resolve("uploads");
        // names whose plain string order differs from the walk's (a.txt before a/ by String.compareTo)
        FileTrees.write(uploads, Map.of("a/b.pdf", "in a folder", "a.txt", "beside it", "a-b/c.txt", "dash",
                "user1/회의록.txt", "minutes", "user10/x.pdf", "ten"));
        leases = new LeaseManager(root, Duration.ofMinutes(2), clock, OwnerLiveness.ALWAYS_ACTIVE, FilePermissions.ownerOnly());
        catalog = new BackupCatalog(root, FilePermissions.ownerOnly(), clock);
    }

    @AfterEach
    void tearDown() {
        leases.close();
    }

    @Test
    void formatOneSetIsListedLinkedAgainstVerifiedAndRestoredWhenTheNextDailyWritesFormatTwo() throws Exception {
        BackupSet old = writeFormatOneSet("20251030");

        assertThat(catalog.list(BackupKind.DAILY)).singleElement().satisfies(s -> {
            assertThat(s.status()).isEqualTo(BackupSet.Status.COMPLETE);
            assertThat(s.manifest().formatVersion()).isEqualTo(1);
        });

        // the next daily: streamed against the old set's inline list, writing a format-2 list
        LeaseManager.Lease lease = leases.tryAcquire("run-2", "daily backup").lease();
        BackupCatalog.StagedSet staged = catalog.stage(BackupKind.DAILY, lease);
        Snapshotter.Result next;
        String listSha;
        try (ManifestFiles.Entries previous = catalog.files(old);
             ManifestFiles.Writer list = ManifestFiles.write(staged.fileList())) {
            next = snapshotter.snapshot(uploads, staged.uploadsPath(), snapshotOf(old), previous, list, Snapshotter.Progress.NONE);
            list.close();
            listSha = list.sha256();
        }
        assertThat(next.filesLinked()).as("every unchanged file linked to the old set's copy").isEqualTo(5);
        assertThat(next.filesCopied()).isZero();
        assertThat(Files.getAttribute(staged.uploadsPath().resolve("a/b.pdf"), "unix:ino", LinkOption.NOFOLLOW_LINKS))
                .isEqualTo(Files.getAttribute(snapshotOf(old).resolve("a/b.pdf"), "unix:ino", LinkOption.NOFOLLOW_LINKS));
        BackupSet published = catalog.publish(staged, formatTwoManifest(staged, Files.size(staged.fileList()), listSha), lease);

        assertThat(published.files()).extracting(p -> p.getFileName().toString())
                .containsExactly("files_20251031.jsonl", "manifest_20251031.json", "uploads_20251031");
        assertThat(catalog.list(BackupKind.DAILY)).extracting(s -> s.manifest().formatVersion()).containsExactly(1, 2);
        for (BackupSet set : catalog.list(BackupKind.DAILY)) {
            assertVerifies(set);
            Path restored = dir.resolve("restored-" + set.id());
            UploadsRestorer.Result result = new UploadsRestorer().fromSnapshot(snapshotOf(set), () -> catalog.files(set), restored,
                    null, Snapshotter.Progress.NONE);
            assertThat(result.filesTotal()).isEqualTo(5);
            assertThat(FileTrees.describe(restored)).as(set.label()).isEqualTo(FileTrees.describe(uploads));
        }
    }

    @Test
    void formatTwoFileListBelongsToItsSetWhenDeletedOrRolledBack() throws Exception {
        LeaseManager.Lease lease = leases.tryAcquire("run-1", "daily backup").lease();
        BackupCatalog.StagedSet staged = catalog.stage(BackupKind.DAILY, lease);
        try (ManifestFiles.Writer list = ManifestFiles.write(staged.fileList())) {
            snapshotter.snapshot(uploads, staged.uploadsPath(), null, ManifestFiles.of(List.of()), list, Snapshotter.Progress.NONE);
        }
        BackupSet set = catalog.publish(staged, formatTwoManifest(staged, 0, null), lease);

        catalog.delete(set, lease);

        assertThat(root.resolve("daily")).isEmptyDirectory();
        // a list without its manifest (a crash midway through a delete) is no legacy set
        Files.writeString(root.resolve("daily/files_20251029.jsonl"), "");
        assertThat(catalog.list(BackupKind.DAILY)).isEmpty();
    }

    /** A daily set as the release before issue 19 wrote it: entries inline, in the walk's order, formatVersion 1. */
    private BackupSet writeFormatOneSet(String id) throws Exception {
        Path snapshot = Files.createDirectories(root.resolve("daily")).resolve("uploads_" + id);
        Snapshotter.Result r = snapshotter.snapshot(uploads, snapshot, null, Map.of(), Snapshotter.Progress.NONE);
        List<FileEntry> walkOrder = new ArrayList<>(r.entries());
        Collections.reverse(walkOrder.subList(1, walkOrder.size())); // any order but the path order
        Map<String, Object> manifest = new HashMap<>();
        manifest.put("formatVersion", 1);
        manifest.put("kind", "daily");
        manifest.put("id", id);
        manifest.put("status", "complete");
        manifest.put("processInstanceId", "run-1");
        manifest.put("startedAt", "2025-10-30T02:00:00Z");
        manifest.put("completedAt", "2025-10-30T02:01:00Z");
        manifest.put("artifacts", List.of(Manifest.Artifact.directory("uploads_" + id, r.bytes(), r.fileCount())));
        manifest.put("files", walkOrder);
        manifest.put("stats", new Manifest.Stats(r.bytes(), r.fileCount(), r.filesCopied(), 0));
        new ObjectMapper().findAndRegisterModules().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(root.resolve("daily/manifest_" + id + ".json").toFile(), manifest);
        return catalog.list(BackupKind.DAILY).stream().filter(s -> s.id().toString().equals(id)).findFirst().orElseThrow();
    }

    private Manifest formatTwoManifest(BackupCatalog.StagedSet staged, long listSize, String listSha) {
        return new Manifest(Manifest.FORMAT_VERSION, "daily", staged.id().toString(), null, staged.owner(), Instant.parse("2025-10-31T02:00:00Z"),
                null, null, "20251030", null, null,
                List.of(Manifest.Artifact.file(staged.kind().fileListName(staged.id()), listSize, listSha),
                        Manifest.Artifact.directory(staged.kind().uploadsName(staged.id()), 0, 5)),
                null, Map.of(), new Manifest.Stats(0, 5, 0, 5), List.of());
    }

    /** What the restore guard checks: every file its list names is there with its size and SHA-256. */
    private void assertVerifies(BackupSet set) throws Exception {
        byte[] buffer = SnapshotCheck.buffer();
        int files = 0;
        try (ManifestFiles.Entries entries = catalog.files(set)) {
            String last = null;
            while (entries.hasNext()) {
                FileEntry e = entries.next();
                assertThat(last == null || ManifestFiles.PATH_ORDER.compare(last, e.path()) < 0).as("path order at " + e.path()).isTrue();
                last = e.path();
                if (FileEntry.FILE.equals(e.type())) {
                    assertThat(SnapshotCheck.problem(snapshotOf(set), e, buffer)).as(set.label() + " " + e.path()).isEmpty();
                    files++;
                }
            }
        }
        assertThat(files).as(set.label()).isEqualTo(5);
    }

    private Path snapshotOf(BackupSet set) {
        return catalog.kindDir(set.kind()).resolve(set.kind().uploadsName(set.id()));
    }
}
