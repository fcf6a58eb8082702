package com.llmbackup.uploads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;

import com.llmbackup.catalog.Manifest.FileEntry;
import com.llmbackup.test.FileTrees;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Incremental snapshots of a real tree, compared entry by entry with the source. */
class SnapshotterTests {

    @TempDir
    Path dir;

    private final Snapshotter snapshotter = new Snapshotter();

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

    private static void assertNoInodeShared(Path live, Path snapshot) throws IOException {
        try (var files = Files.walk(live)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path copy = snapshot.resolve(live.relativize(p));
                if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS) && Files.exists(copy)) {
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
