package com.llmbackup.uploads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.CorruptManifestException;
import com.llmbackup.catalog.FilePermissions;
import com.llmbackup.catalog.Manifest.FileEntry;
import com.llmbackup.catalog.ManifestFiles;
import com.llmbackup.test.FileTrees;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Incremental snapshots of a real tree, compared entry by entry with the source. */
class SnapshotterTests {

    @TempDir
    Path dir;

    private final Snapshotter snapshotter = new Snapshotter();

    /** Linking trusts the previous list's checksums: a list changed after the backup must fail the step, also past the walk's last path. */
    @Test
    void snapshotFailsNamingThePreviousListWhenItChangedBeyondTheLastPathWalked() throws Exception {
        Path src = dir.resolve("uploads");
        FileTrees.write(src, Map.of("a.txt", "A", "z.txt", "Z"));
        Path first = dir.resolve("daily/uploads_20251030");
        Files.createDirectories(first.getParent());
        Path list = dir.resolve("daily/files_20251030.jsonl");
        String sha;
        try (ManifestFiles.Writer writer = ManifestFiles.write(list)) {
            snapshotter.snapshot(src, first, null, ManifestFiles.of(List.of()), writer, Snapshotter.Progress.NONE);
            writer.close();
            sha = writer.sha256();
        }
        List<String> lines = new ArrayList<>(Files.readAllLines(list));
        int last = lines.size() - 1;
        assertThat(lines.get(last)).contains("\"z.txt\"");
        lines.set(last, lines.get(last).replace("\"size\":1", "\"size\":2"));
        Files.writeString(list, String.join("\n", lines) + "\n");
        Files.delete(src.resolve("z.txt")); // the next walk ends before the changed line

        try (ManifestFiles.Entries previous = ManifestFiles.read(list, sha)) {
            assertThatThrownBy(() -> snapshotter.snapshot(src, dir.resolve("daily/uploads_20251031"), first, previous,
                    ManifestFiles.Sink.NONE, Snapshotter.Progress.NONE))
                    .isInstanceOf(CorruptManifestException.class)
                    .hasMessageContaining(list.toString()).hasMessageContaining("changed or damaged since the backup");
        }
    }

    @Test
    void secondSnapshotEqualsSourceAndLinksUnchangedFilesWhenTreeChanged() throws Exception {
        Path src = dir.resolve("uploads");
        FileTrees.write(src, Map.of(
                "user1/report.pdf", "report v1",
                "user1/unchanged.pdf", "same bytes every day",
                "user1/회의록 2025 최종.txt", "한국어 내용",
                "user2/to-delete.txt", "gone tomorrow",
                "user2/to-rename.txt", "moves tomorrow",
                "user2/chmod-only.sh", "#!/bin/sh\necho hi\n",
                "user2/empty.bin", "",
                "empty-folder/", ""));
        Files.createSymbolicLink(src.resolve("user1/latest.pdf"), Path.of("report.pdf"));
        Files.createSymbolicLink(src.resolve("user1/outside"), Path.of("/etc/hostname"));
        Files.setPosixFilePermissions(src.resolve("user2/chmod-only.sh"), PosixFilePermissions.fromString("rw-r-----"));
        Files.setAttribute(src.resolve("user2/to-rename.txt"), "unix:uid", 1234);
        Files.setAttribute(src.resolve("user2/to-rename.txt"), "unix:gid", 1234);
        writeRandom(src.resolve("user3/large.pdf"), 300L * 1024 * 1024);
        Files.setLastModifiedTime(src.resolve("user1/unchanged.pdf"), FileTime.fromMillis(1_700_000_000_123L));

        Path first = dir.resolve("daily/uploads_20251030");
        Files.createDirectories(first.getParent());
        Snapshotter.Result r1 = snapshotter.snapshot(src, first, null, Map.of(), Snapshotter.Progress.NONE);
        assertThat(FileTrees.describe(first)).isEqualTo(FileTrees.describe(src));
        assertThat(r1.filesLinked()).isZero();
        assertThat(r1.filesCopied()).isEqualTo(8);
        Map<String, String> firstBefore = FileTrees.describe(first);

        // one day of changes
        Files.writeString(src.resolve("user1/report.pdf"), "report v2, longer");
        Files.writeString(src.resolve("user1/new.pdf"), "added");
        Files.delete(src.resolve("user2/to-delete.txt"));
        Files.move(src.resolve("user2/to-rename.txt"), src.resolve("user2/renamed.txt"));
        Files.setPosixFilePermissions(src.resolve("user2/chmod-only.sh"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.createDirectories(src.resolve("user4/nested/empty"));

        Path second = dir.resolve("daily/uploads_20251031");
        List<long[]> progress = new ArrayList<>();
        Snapshotter.Result r2 = snapshotter.snapshot(src, second, first, byPath(r1.entries()),
                (fd, ft, bd, bt) -> progress.add(new long[] {fd, ft, bd, bt}));

        assertThat(FileTrees.describe(second)).isEqualTo(FileTrees.describe(src));
        assertThat(FileTrees.describe(first)).as("the first snapshot is untouched").isEqualTo(firstBefore);
        assertThat(Files.getPosixFilePermissions(first.resolve("user2/chmod-only.sh")))
                .isEqualTo(PosixFilePermissions.fromString("rw-r-----"));
        for (String unchanged : List.of("user1/unchanged.pdf", "user1/회의록 2025 최종.txt", "user2/empty.bin", "user3/large.pdf")) {
            assertThat(FileTrees.inode(second.resolve(unchanged))).as(unchanged).isEqualTo(FileTrees.inode(first.resolve(unchanged)));
        }
        for (String changed : List.of("user1/report.pdf", "user2/chmod-only.sh")) {
            assertThat(FileTrees.inode(second.resolve(changed))).as(changed).isNotEqualTo(FileTrees.inode(first.resolve(changed)));
        }
        assertThat(Files.exists(second.resolve("user2/to-rename.txt"))).isFalse();
        assertThat(Files.exists(second.resolve("user2/to-delete.txt"))).isFalse();
        assertThat(Files.getAttribute(second.resolve("user2/renamed.txt"), "unix:uid")).isEqualTo(1234);
        assertThat(Files.isSymbolicLink(second.resolve("user1/outside"))).isTrue();
        assertThat(r2.filesLinked()).isEqualTo(4);
        assertThat(r2.filesCopied()).isEqualTo(4);
        assertThat(r2.bytesCopied()).isLessThan(1024);
        assertThat(progress).last().satisfies(p -> assertThat(p).containsExactly(8, 8, r2.bytes(), r2.bytes()));
        assertThat(byPath(r2.entries()).get("user1/unchanged.pdf").sha256())
                .isEqualTo(FileTrees.sha256(src.resolve("user1/unchanged.pdf")));
        assertThat(byPath(r2.entries()).get("user1/report.pdf").sha256())
                .isEqualTo(FileTrees.sha256(src.resolve("user1/report.pdf")));
        assertThat(byPath(r2.entries()).get("user1/latest.pdf").linkTarget()).isEqualTo("report.pdf");
        assertNoInodeShared(src, first);
        assertNoInodeShared(src, second);
    }

    @Test
    void snapshotCopiesWhenPreviousFileIsGone() throws Exception {
        Path src = dir.resolve("uploads");
        FileTrees.write(src, Map.of("a.txt", "a"));
        Path first = dir.resolve("s1");
        Snapshotter.Result r1 = snapshotter.snapshot(src, first, null, Map.of(), Snapshotter.Progress.NONE);
        Files.delete(first.resolve("a.txt"));

        Snapshotter.Result r2 = snapshotter.snapshot(src, dir.resolve("s2"), first, byPath(r1.entries()), Snapshotter.Progress.NONE);

        assertThat(r2.filesCopied()).isEqualTo(1);
        assertThat(dir.resolve("s2/a.txt")).hasContent("a");
    }

    @Test
    void snapshotFailsWithClearMessageWhenUploadsFolderIsMissing() {
        Path missing = dir.resolve("no-uploads");

        assertThatThrownBy(() -> snapshotter.snapshot(missing, dir.resolve("s"), null, Map.of(), Snapshotter.Progress.NONE))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining(missing + ": the uploads folder does not exist or is not a folder; check backup.uploads-dir");
    }

    @Test
    void snapshotWhenPreviousCopyTruncatedCopiesItFreshWarnsAndRestoresTheRightContent() throws Exception {
        Path src = dir.resolve("uploads");
        FileTrees.write(src, Map.of("user1/contract.pdf", "signed contract, all pages", "user1/other.pdf", "other"));
        Path first = dir.resolve("daily/uploads_20251030");
        Files.createDirectories(first.getParent());
        Snapshotter.Result r1 = snapshotter.snapshot(src, first, null, Map.of(), Snapshotter.Progress.NONE);
        // the power-loss stand-in: the older copy lost its tail, its manifest still says complete
        try (var channel = FileChannel.open(first.resolve("user1/contract.pdf"), StandardOpenOption.WRITE)) {
            channel.truncate(6);
        }

        Path second = dir.resolve("daily/uploads_20251031");
        Snapshotter.Result r2 = snapshotter.snapshot(src, second, first, byPath(r1.entries()), Snapshotter.Progress.NONE);

        assertThat(r2.filesCopied()).isEqualTo(1);
        assertThat(r2.filesLinked()).isEqualTo(1);
        assertThat(FileTrees.inode(second.resolve("user1/contract.pdf"))).isNotEqualTo(FileTrees.inode(first.resolve("user1/contract.pdf")));
        assertThat(r2.warnings()).singleElement().asString()
                .contains("The previous snapshot's copy uploads_20251030/user1/contract.pdf is damaged: 6 bytes, its manifest says 26")
                .contains("Copied user1/contract.pdf afresh instead of linking to it");
        assertManifestMatchesStored(second, r2.entries());
        Path restored = dir.resolve("restored");
        new UploadsRestorer().fromSnapshot(second, r2.entries(), restored, null, Snapshotter.Progress.NONE);
        assertThat(restored.resolve("user1/contract.pdf")).hasContent("signed contract, all pages");
        assertThat(FileTrees.describe(restored)).isEqualTo(FileTrees.describe(src));
    }

    @Test
    void snapshotWhenPreviousCopyWasWrittenToSinceCopiesItFreshSoTheNewSetMatchesItsManifest() throws Exception {
        Path src = dir.resolve("uploads");
        FileTrees.write(src, Map.of("user1/contract.pdf", "signed contract, all pages", "user1/other.pdf", "other"));
        Path first = dir.resolve("daily/uploads_20251030");
        Files.createDirectories(first.getParent());
        Snapshotter.Result r1 = snapshotter.snapshot(src, first, null, Map.of(), Snapshotter.Progress.NONE);
        // someone opened the older copy and wrote the same bytes back: size and content as recorded, its mtime not
        Path old = first.resolve("user1/contract.pdf");
        Files.setLastModifiedTime(old, FileTime.fromMillis(Files.getLastModifiedTime(old).toMillis() + 60_000));

        Path second = dir.resolve("daily/uploads_20251031");
        Snapshotter.Result r2 = snapshotter.snapshot(src, second, first, byPath(r1.entries()), Snapshotter.Progress.NONE);

        assertThat(r2.filesCopied()).isEqualTo(1);
        assertThat(r2.filesLinked()).isEqualTo(1);
        assertThat(FileTrees.inode(second.resolve("user1/contract.pdf"))).isNotEqualTo(FileTrees.inode(old));
        assertThat(r2.warnings()).singleElement().asString()
                .contains("The previous snapshot's copy uploads_20251030/user1/contract.pdf was written to since its set was made")
                .contains("Copied user1/contract.pdf afresh instead of linking to it");
        assertManifestMatchesStored(second, r2.entries());
        assertThat(FileTrees.describe(second)).isEqualTo(FileTrees.describe(src));
    }

    @Test
    void snapshotWhenFileRewrittenWithSameSizeAndMtimeCopiesItBecauseCtimeMoved() throws Exception {
        Path src = dir.resolve("uploads");
        FileTrees.write(src, Map.of("v.txt", "version 1"));
        Snapshotter.Result r1 = snapshotter.snapshot(src, dir.resolve("s1"), null, Map.of(), Snapshotter.Progress.NONE);
        FileTime mtime = Files.getLastModifiedTime(src.resolve("v.txt"));
        nextCtimeTick(src.resolve("v.txt"));
        Files.writeString(src.resolve("v.txt"), "version 2");
        Files.setLastModifiedTime(src.resolve("v.txt"), mtime);

        Snapshotter.Result r2 = snapshotter.snapshot(src, dir.resolve("s2"), dir.resolve("s1"), byPath(r1.entries()), Snapshotter.Progress.NONE);

        assertThat(r2.filesLinked()).isZero();
        assertThat(dir.resolve("s2/v.txt")).hasContent("version 2");
        assertManifestMatchesStored(dir.resolve("s2"), r2.entries());
    }

    @Test
    void snapshotWhenPreviousManifestHasNoCtimeCopiesInsteadOfLinking() throws Exception {
        Path src = dir.resolve("uploads");
        FileTrees.write(src, Map.of("a.txt", "a", "b/c.txt", "c"));
        Files.createDirectories(dir.resolve("daily"));
        Snapshotter.Result r1 = snapshotter.snapshot(src, dir.resolve("daily/uploads_20251030"), null, Map.of(), Snapshotter.Progress.NONE);
        // the manifest as an earlier release wrote it: no ctimeNanos, read back through the catalog
        ObjectMapper json = new ObjectMapper();
        List<Map<String, Object>> oldEntries = new ArrayList<>();
        for (FileEntry e : r1.entries()) {
            Map<String, Object> m = json.convertValue(e, new TypeReference<Map<String, Object>>() { });
            m.remove("ctimeNanos");
            oldEntries.add(m);
        }
        Files.writeString(dir.resolve("daily/manifest_20251030.json"), json.writeValueAsString(Map.of("formatVersion", 1,
                "kind", "daily", "id", "20251030", "status", "complete", "files", oldEntries)));
        BackupCatalog catalog = new BackupCatalog(dir, FilePermissions.ownerOnly(), Clock.systemUTC());
        List<FileEntry> old;
        try (var entries = catalog.files(catalog.newestComplete(BackupKind.DAILY).orElseThrow())) {
            old = entries.stream().toList();
        }
        assertThat(old).hasSize(r1.entries().size()).allMatch(e -> e.ctimeNanos() == null);

        Snapshotter.Result r2 = snapshotter.snapshot(src, dir.resolve("s2"), dir.resolve("daily/uploads_20251030"), byPath(old),
                Snapshotter.Progress.NONE);
        Snapshotter.Result r3 = snapshotter.snapshot(src, dir.resolve("s3"), dir.resolve("s2"), byPath(r2.entries()),
                Snapshotter.Progress.NONE);

        assertThat(r2.filesLinked()).as("no ctime recorded: changed").isZero();
        assertThat(r2.filesCopied()).isEqualTo(2);
        assertThat(r3.filesLinked()).as("recorded now: linked the day after").isEqualTo(2);
    }

    @Test
    void snapshotWhenFilesChangeDuringTheCopyStoresWhatItReadAndWarnsNamingEach() throws Exception {
        Path src = dir.resolve("uploads");
        FileTrees.write(src, Map.of(
                "logs/growing.log", "line\n".repeat(100),
                "db/shrinking.bin", "x".repeat(5000),
                "docs/same-size.txt", "AAAA",
                "docs/deleted.txt", "soon gone",
                "docs/becomes-folder", "a file for now",
                "docs/steady.txt", "steady"));
        writeRandom(src.resolve("big/growing.pdf"), 3L * 1024 * 1024);
        FileTime sameSizeMtime = Files.getLastModifiedTime(src.resolve("docs/same-size.txt"));
        Path tick = Files.createDirectories(dir.resolve("tick"));
        // deterministic "during": the hook runs after each read of a file, before it is looked at again
        CopyHook during = new CopyHook() {
            @Override
            public void copied(Path file, String rel, int attempt) throws IOException {
                switch (rel) {
                    case "logs/growing.log", "big/growing.pdf" -> Files.writeString(file, "more\n", StandardOpenOption.APPEND);
                    case "db/shrinking.bin" -> {
                        try (var channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                            channel.truncate(Files.size(file) - 1000);
                        }
                    }
                    case "docs/same-size.txt" -> {
                        nextCtimeTick(tick, file);
                        Files.writeString(file, "BBBB".replace('B', (char) ('B' + attempt)));
                        Files.setLastModifiedTime(file, sameSizeMtime);
                    }
                    case "docs/deleted.txt" -> Files.delete(file);
                    case "docs/becomes-folder" -> {
                        if (attempt == 1) {
                            Files.delete(file);
                            Files.createDirectory(file);
                            Files.writeString(file.resolve("inside.txt"), "inside the new folder");
                        }
                    }
                    default -> {
                    }
                }
            }
        };
        Path target = dir.resolve("snap");

        Snapshotter.Result result = new Snapshotter(during).snapshot(src, target, null, Map.of(), Snapshotter.Progress.NONE);

        assertManifestMatchesStored(target, result.entries());
        assertThat(result.warnings()).anySatisfy(w -> assertThat(w).startsWith("logs/growing.log changed while it was backed up"))
                .anySatisfy(w -> assertThat(w).startsWith("big/growing.pdf changed while it was backed up"))
                .anySatisfy(w -> assertThat(w).startsWith("db/shrinking.bin changed while it was backed up"))
                .anySatisfy(w -> assertThat(w).startsWith("docs/same-size.txt changed while it was backed up"))
                .anySatisfy(w -> assertThat(w).isEqualTo("docs/deleted.txt was deleted while it was backed up: it is not in this set."))
                .anySatisfy(w -> assertThat(w).isEqualTo("docs/becomes-folder was replaced by a folder while it was backed up: this set holds the folder."))
                .hasSize(6);
        Map<String, FileEntry> entries = byPath(result.entries());
        // the last read is kept: what was in the file when the third read began (two mutations in)
        assertThat(entries.get("logs/growing.log").size()).isEqualTo(500 + 2 * 5);
        assertThat(entries.get("big/growing.pdf").size()).isEqualTo(3L * 1024 * 1024 + 2 * 5);
        assertThat(entries.get("db/shrinking.bin").size()).isEqualTo(3000);
        assertThat(target.resolve("docs/same-size.txt")).hasContent("DDDD");
        assertThat(entries).doesNotContainKey("docs/deleted.txt");
        assertThat(target.resolve("docs/becomes-folder/inside.txt")).hasContent("inside the new folder");
        assertThat(entries.get("docs/becomes-folder").type()).isEqualTo(FileEntry.DIRECTORY);
        assertThat(target.resolve("docs/steady.txt")).hasContent("steady");
        // and the set restores: every stored file passes the restore's SHA-256 check
        Path restored = dir.resolve("restored");
        new UploadsRestorer().fromSnapshot(target, result.entries(), restored, null, Snapshotter.Progress.NONE);
        assertThat(FileTrees.describe(restored)).isEqualTo(FileTrees.describe(target));
    }

    @Test
    void snapshotWhenFileChangedOnceDuringItsCopyCopiesItAgainWithoutWarning() throws Exception {
        Path src = dir.resolve("uploads");
        FileTrees.write(src, Map.of("report.txt", "draft"));
        CopyHook onceOnly = new CopyHook() {
            @Override
            public void copied(Path file, String rel, int attempt) throws IOException {
                if (attempt == 1) {
                    Files.writeString(file, "final version, longer");
                }
            }
        };

        Snapshotter.Result result = new Snapshotter(onceOnly).snapshot(src, dir.resolve("snap"), null, Map.of(), Snapshotter.Progress.NONE);

        assertThat(result.warnings()).isEmpty();
        assertThat(dir.resolve("snap/report.txt")).hasContent("final version, longer");
        assertManifestMatchesStored(dir.resolve("snap"), result.entries());
    }

    @Test
    void snapshotWhenFileDeletedAfterListingWarnsAndGoesOn() throws Exception {
        Path src = dir.resolve("uploads");
        FileTrees.write(src, Map.of("d/a.txt", "a", "d/b.txt", "b", "d/c.txt", "c"));
        // the folder was listed in one go; whichever file comes first deletes the others before they are looked at
        CopyHook deleteSiblings = new CopyHook() {
            boolean done;

            @Override
            public void opening(Path file, String rel) throws IOException {
                if (!done) {
                    done = true;
                    try (var siblings = Files.list(file.getParent())) {
                        for (Path p : siblings.filter(p -> !p.equals(file)).toList()) {
                            Files.delete(p);
                        }
                    }
                }
            }
        };

        Snapshotter.Result result = new Snapshotter(deleteSiblings).snapshot(src, dir.resolve("snap"), null, Map.of(),
                Snapshotter.Progress.NONE);

        assertThat(result.fileCount()).isEqualTo(1);
        assertThat(result.warnings()).hasSize(2).allMatch(w -> w.matches("d/[abc]\\.txt was deleted while it was backed up: it is not in this set\\."));
        assertManifestMatchesStored(dir.resolve("snap"), result.entries());
    }

    @Test
    void snapshotWhenFileUnreadableFailsNamingTheFileAndTheFix() throws Exception {
        Path src = dir.resolve("uploads");
        FileTrees.write(src, Map.of("private/salary.xlsx", "secret"));
        // root reads everything: the open's refusal is what the kernel gives a non-root service user
        CopyHook denied = new CopyHook() {
            @Override
            public void opening(Path file, String rel) throws IOException {
                throw new AccessDeniedException(file.toString());
            }
        };

        assertThatThrownBy(() -> new Snapshotter(denied).snapshot(src, dir.resolve("snap"), null, Map.of(), Snapshotter.Progress.NONE))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("cannot read " + src.resolve("private/salary.xlsx") + ": permission denied")
                .hasMessageContaining("run llm-backup as root")
                .hasMessageContaining("setfacl -R -m u:USER:rX " + src);
    }

    @Test
    void snapshotWhenRunAgainAfterFailingMidwayEndsAsAFirstRun() throws Exception {
        Path src = dir.resolve("uploads");
        FileTrees.write(src, Map.of("a/1.txt", "1", "a/2.txt", "2", "b/3.txt", "3", "b/4.txt", "4", "c/", ""));
        Files.setPosixFilePermissions(src.resolve("b"), PosixFilePermissions.fromString("r-xr-xr-x"));
        Path target = Files.createDirectories(dir.resolve("staging")).resolve("uploads_20251031");
        int[] copies = {0};
        CopyHook failsOnThird = new CopyHook() {
            @Override
            public void copied(Path file, String rel, int attempt) throws IOException {
                if (++copies[0] == 3) {
                    throw new IOException("Input/output error");
                }
            }
        };
        assertThatThrownBy(() -> new Snapshotter(failsOnThird).snapshot(src, target, null, Map.of(), Snapshotter.Progress.NONE))
                .hasMessageContaining("Input/output error");
        assertThat(target).exists();

        Snapshotter.Result retried = snapshotter.snapshot(src, target, null, Map.of(), Snapshotter.Progress.NONE);
        Snapshotter.Result fresh = snapshotter.snapshot(src, dir.resolve("fresh"), null, Map.of(), Snapshotter.Progress.NONE);

        assertThat(FileTrees.describe(target)).isEqualTo(FileTrees.describe(src));
        assertThat(retried.entries()).isEqualTo(fresh.entries());
        assertThat(retried.filesCopied()).isEqualTo(4);
        assertThat(retried.warnings()).isEmpty();
        Files.setPosixFilePermissions(src.resolve("b"), PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** Every file entry's size and SHA-256 are those of the stored copy, and every stored file has an entry. */
    static void assertManifestMatchesStored(Path stored, List<FileEntry> entries) throws IOException {
        Map<String, FileEntry> files = entries.stream().filter(e -> FileEntry.FILE.equals(e.type()))
                .collect(Collectors.toMap(FileEntry::path, Function.identity()));
        for (FileEntry e : files.values()) {
            Path copy = stored.resolve(e.path());
            assertThat(Files.size(copy)).as("size of %s", e.path()).isEqualTo(e.size());
            assertThat(FileTrees.sha256(copy)).as("SHA-256 of %s", e.path()).isEqualTo(e.sha256());
        }
        try (var all = Files.walk(stored)) {
            assertThat(all.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .map(p -> stored.relativize(p).toString())).as("stored files").containsExactlyInAnyOrderElementsOf(files.keySet());
        }
    }

    /** Waits (by writing, not sleeping) until the file-system clock has moved past the file's ctime. */
    static void nextCtimeTick(Path file) throws IOException {
        nextCtimeTick(file.getParent(), file);
    }

    static void nextCtimeTick(Path probeDir, Path file) throws IOException {
        long ctime = ctime(file);
        Path probe = probeDir.resolve(".tick-probe");
        do {
            Files.writeString(probe, "tick");
        } while (ctime(probe) <= ctime);
        Files.delete(probe);
    }

    private static long ctime(Path p) throws IOException {
        return ((FileTime) Files.getAttribute(p, "unix:ctime", LinkOption.NOFOLLOW_LINKS))
                .to(TimeUnit.NANOSECONDS);
    }

    private static void assertNoInodeShared(Path live, Path snapshot) throws IOException {
        try (var files = Files.walk(live)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path copy = snapshot.resolve(live.relativize(p));
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && Files.exists(copy)) {
                    assertThat(FileTrees.inode(copy)).as("live %s", p).isNotEqualTo(FileTrees.inode(p));
                }
            }
        }
    }

    static Map<String, FileEntry> byPath(List<FileEntry> entries) {
        return entries.stream().collect(Collectors.toMap(FileEntry::path, Function.identity()));
    }

    private static void writeRandom(Path file, long size) throws IOException {
        Files.createDirectories(file.getParent());
        Random random = new Random(42);
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long done = 0; done < size; done += chunk.length) {
                random.nextBytes(chunk);
                out.write(chunk, 0, (int) Math.min(chunk.length, size - done));
            }
        }
    }
}
