package com.llmbackup.uploads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import com.llmbackup.catalog.Manifest;
import com.llmbackup.catalog.Manifest.FileEntry;
import com.llmbackup.exec.Command;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.test.FileTrees;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The weekly archive checked with the standard tools: GNU tar and gzip. */
class TarGzArchiverTests {

    @TempDir
    Path dir;

    private final TarGzArchiver archiver = new TarGzArchiver();
    private final CommandRunner runner = new CommandRunner();

    private Path sourceTree() throws Exception {
        // the folder is not called "uploads": entries must still be uploads/...
        Path src = dir.resolve("llm-docs");
        String longName = "a".repeat(120) + "/" + "긴 이름의 문서 ".repeat(6) + ".pdf";
        FileTrees.write(src, Map.of(
                "user1/report.txt", "quarterly report\n".repeat(1000),
                "user1/회의록 2025.txt", "한국어 회의록",
                "user2/empty.bin", "",
                longName, "long",
                "empty-folder/", ""));
        Files.createSymbolicLink(src.resolve("user1/latest"), Path.of("report.txt"));
        Files.createSymbolicLink(src.resolve("user1/hosts"), Path.of("/etc/hosts"));
        Files.setPosixFilePermissions(src.resolve("user1/report.txt"), PosixFilePermissions.fromString("rw-r-----"));
        Files.setAttribute(src.resolve("user2/empty.bin"), "unix:uid", 1234);
        Files.setAttribute(src.resolve("user2/empty.bin"), "unix:gid", 1234);
        Files.setLastModifiedTime(src.resolve("user1/회의록 2025.txt"), FileTime.fromMillis(1_700_000_000_000L));
        Random random = new Random(7);
        byte[] noise = new byte[5 * 1024 * 1024];
        random.nextBytes(noise);
        try (OutputStream out = Files.newOutputStream(src.resolve("user3/scan.pdf").toAbsolutePath())) {
            out.write(noise);
        } catch (NoSuchFileException e) {
            Files.createDirectories(src.resolve("user3"));
            Files.write(src.resolve("user3/scan.pdf"), noise);
        }
        return src;
    }

    @Test
    void archiveExtractsWithGnuTarToEqualTreeAndPassesGzipTest() throws Exception {
        Path src = sourceTree();
        Path archive = dir.resolve("uploads_full_20251026.tar.gz");

        TarGzArchiver.Result result = archiver.archive(src, archive, Snapshotter.Progress.NONE);

        runner.run(Command.of("gzip", "-t", archive.toString()));
        Path out = Files.createDirectories(dir.resolve("extracted"));
        runner.run(Command.of("tar", "-xzf", archive.toString(), "-C", out.toString()));
        // PAX keeps mtimes to 100 ns: compare them to the microsecond
        assertThat(toMicros(FileTrees.describe(out.resolve("uploads")))).isEqualTo(toMicros(FileTrees.describe(src)));
        assertThat(result.fileCount()).isEqualTo(5);
        assertThat(result.entries()).hasSize(13);
        assertThat(result.sha256()).isEqualTo(FileTrees.sha256(archive));
        assertThat(result.archiveBytes()).isEqualTo(Files.size(archive));
        assertThat(result.storedBlocks()).as("the random 5 MB are stored, not squeezed").isGreaterThanOrEqualTo(3);
        String listing = runner.run(Command.of("tar", "-tzf", archive.toString())).stdout();
        assertThat(listing.lines()).allMatch(line -> line.startsWith("uploads/"));
        archiver.verify(archive, result.entries(), result.sha256());
    }

    private static Map<String, String> toMicros(Map<String, String> tree) {
        Map<String, String> out = new TreeMap<>();
        tree.forEach((path, what) -> out.put(path, what.replaceAll("mtime=(\\d+)\\d{3} ", "mtime=$1 ")));
        return out;
    }

    @Test
    void verifyNamesEntryWhenArchiveHasFlippedByte() throws Exception {
        Path src = sourceTree();
        Path archive = dir.resolve("uploads_full_20251026.tar.gz");
        TarGzArchiver.Result result = archiver.archive(src, archive, Snapshotter.Progress.NONE);
        byte[] bytes = Files.readAllBytes(archive);
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(archive, bytes);

        assertThatThrownBy(() -> archiver.verify(archive, result.entries(), null))
                .isInstanceOf(ArchiveInvalidException.class)
                .hasMessageStartingWith("Archive uploads_full_20251026.tar.gz ")
                .hasMessageMatching("(?s).*entry uploads/\\S.*");
    }

    @Test
    void verifyFailsWhenManifestListsEntryTheArchiveLacks() throws Exception {
        Path src = sourceTree();
        Path archive = dir.resolve("a.tar.gz");
        TarGzArchiver.Result result = archiver.archive(src, archive, Snapshotter.Progress.NONE);
        var expected = new ArrayList<>(result.entries());
        expected.add(new Manifest.FileEntry("user9/missing.pdf", "file", 3, 0, 0644, 0, 0, "root", "root", "00", null));

        assertThatThrownBy(() -> archiver.verify(archive, expected, result.sha256()))
                .hasMessage("Archive a.tar.gz lacks 1 entry of the manifest, e.g. uploads/user9/missing.pdf.");
    }

    @Test
    void runbookCommandRestoresUploadsFolderFromArchive() throws Exception {
        Path src = sourceTree();
        Path archive = dir.resolve("uploads_full_20251026.tar.gz");
        archiver.archive(src, archive, Snapshotter.Progress.NONE);
        Path fakeRoot = Files.createDirectories(dir.resolve("newserver"));

        // the runbook: tar -xzf /backup/weekly/uploads_full_YYYYMMDD.tar.gz -C /
        runner.run(Command.of("tar", "-xzf", archive.toString(), "-C", fakeRoot.toString()));

        assertThat(fakeRoot.resolve("uploads/user1/회의록 2025.txt")).hasContent("한국어 회의록");
    }

    @Test
    void archiveWhenFilesChangeDuringTheReadHoldsExactlyWhatItReadAndWarnsNamingEach() throws Exception {
        Path src = dir.resolve("uploads");
        FileTrees.write(src, Map.of(
                "logs/growing.log", "line\n".repeat(100),
                "db/shrinking.bin", "x".repeat(5000),
                "docs/same-size.txt", "AAAA",
                "docs/deleted.txt", "soon gone",
                "docs/becomes-folder", "a file for now",
                "docs/steady.txt", "steady"));
        byte[] noise = new byte[3 * 1024 * 1024];
        new Random(3).nextBytes(noise);
        Files.createDirectories(src.resolve("big"));
        Files.write(src.resolve("big/growing.pdf"), noise);   // larger than the read buffer: the spool path
        Files.write(src.resolve("big/shrinking.pdf"), noise);
        FileTime sameSizeMtime = Files.getLastModifiedTime(src.resolve("docs/same-size.txt"));
        Path tick = Files.createDirectories(dir.resolve("tick"));
        CopyHook during = new CopyHook() {
            @Override
            public void copied(Path file, String rel, int attempt) throws IOException {
                switch (rel) {
                    case "logs/growing.log", "big/growing.pdf" -> Files.writeString(file, "more\n", StandardOpenOption.APPEND);
                    case "db/shrinking.bin", "big/shrinking.pdf" -> {
                        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                            channel.truncate(Files.size(file) - 1000);
                        }
                    }
                    case "docs/same-size.txt" -> {
                        SnapshotterTests.nextCtimeTick(tick, file);
                        Files.writeString(file, "BBBB".replace('B', (char) ('B' + attempt)));
                        Files.setLastModifiedTime(file, sameSizeMtime);
                    }
                    case "docs/deleted.txt" -> Files.delete(file);
                    case "docs/becomes-folder" -> {
                        Files.delete(file);
                        Files.createDirectory(file);
                        Files.writeString(file.resolve("inside.txt"), "inside the new folder");
                    }
                    default -> {
                    }
                }
            }
        };
        Path archive = dir.resolve("uploads_full_20251102.tar.gz");

        TarGzArchiver.Result result = new TarGzArchiver(during).archive(src, archive, Snapshotter.Progress.NONE);

        // every entry holds what its header and the manifest say (verify reads each one back), and GNU tools agree
        archiver.verify(archive, result.entries(), result.sha256());
        runner.run(Command.of("gzip", "-t", archive.toString()));
        Path out = Files.createDirectories(dir.resolve("extracted"));
        runner.run(Command.of("tar", "-xzf", archive.toString(), "-C", out.toString()));
        assertThat(result.warnings()).anySatisfy(w -> assertThat(w).startsWith("logs/growing.log changed while it was backed up"))
                .anySatisfy(w -> assertThat(w).startsWith("big/growing.pdf changed while it was backed up"))
                .anySatisfy(w -> assertThat(w).startsWith("db/shrinking.bin changed while it was backed up"))
                .anySatisfy(w -> assertThat(w).startsWith("big/shrinking.pdf changed while it was backed up"))
                .anySatisfy(w -> assertThat(w).startsWith("docs/same-size.txt changed while it was backed up"))
                .anySatisfy(w -> assertThat(w).isEqualTo("docs/deleted.txt was deleted while it was backed up: it is not in this set."))
                .anySatisfy(w -> assertThat(w).isEqualTo("docs/becomes-folder was replaced by a folder while it was backed up: this set holds the folder."))
                .hasSize(7);
        Map<String, FileEntry> entries = SnapshotterTests.byPath(result.entries());
        // the third read is kept, whole: the file as it was after two changes, never padded or cut to an older size
        assertThat(entries.get("logs/growing.log").size()).isEqualTo(510);
        assertThat(entries.get("big/growing.pdf").size()).isEqualTo(noise.length + 10);
        assertThat(entries.get("db/shrinking.bin").size()).isEqualTo(3000);
        assertThat(entries.get("big/shrinking.pdf").size()).isEqualTo(noise.length - 2000);
        Path u = out.resolve("uploads");
        assertThat(Files.readAllBytes(u.resolve("big/growing.pdf"))).startsWith(noise).endsWith("more\nmore\n".getBytes());
        assertThat(Files.readAllBytes(u.resolve("big/shrinking.pdf"))).isEqualTo(Arrays.copyOf(noise, noise.length - 2000));
        assertThat(u.resolve("docs/same-size.txt")).hasContent("DDDD");
        assertThat(u.resolve("docs/deleted.txt")).doesNotExist();
        assertThat(u.resolve("docs/becomes-folder/inside.txt")).hasContent("inside the new folder");
        assertThat(u.resolve("docs/steady.txt")).hasContent("steady");
        SnapshotterTests.assertManifestMatchesStored(u, result.entries());
        assertThat(TarGzArchiver.spoolOf(archive)).doesNotExist();
    }

    @Test
    void archiveWhenLargeFileChangedOnceDuringItsReadArchivesTheNewContentWithoutWarning() throws Exception {
        Path src = dir.resolve("uploads");
        byte[] before = new byte[2 * 1024 * 1024];
        new Random(5).nextBytes(before);
        Files.createDirectories(src);
        Files.write(src.resolve("scan.pdf"), before);
        byte[] after = Arrays.copyOf(before, before.length + 7);
        CopyHook onceOnly = new CopyHook() {
            @Override
            public void copied(Path file, String rel, int attempt) throws IOException {
                if (attempt == 1) {
                    Files.write(file, after);
                }
            }
        };
        Path archive = dir.resolve("a.tar.gz");

        TarGzArchiver.Result result = new TarGzArchiver(onceOnly).archive(src, archive, Snapshotter.Progress.NONE);

        assertThat(result.warnings()).isEmpty();
        archiver.verify(archive, result.entries(), result.sha256());
        Path out = Files.createDirectories(dir.resolve("x"));
        runner.run(Command.of("tar", "-xzf", archive.toString(), "-C", out.toString()));
        assertThat(Files.readAllBytes(out.resolve("uploads/scan.pdf"))).isEqualTo(after);
    }

    @Test
    void archiveWhenRunAgainAfterFailingMidwayEndsAsAFirstRun() throws Exception {
        Path src = sourceTree();
        Path archive = dir.resolve("uploads_full_20251026.tar.gz");
        int[] reads = {0};
        CopyHook failsOnFourth = new CopyHook() {
            @Override
            public void copied(Path file, String rel, int attempt) throws IOException {
                if (++reads[0] == 4) {
                    throw new IOException("No space left on device");
                }
            }
        };
        assertThatThrownBy(() -> new TarGzArchiver(failsOnFourth).archive(src, archive, Snapshotter.Progress.NONE))
                .hasMessageContaining("No space left on device");
        assertThat(archive).exists();

        TarGzArchiver.Result result = archiver.archive(src, archive, Snapshotter.Progress.NONE);

        archiver.verify(archive, result.entries(), result.sha256());
        assertThat(result.warnings()).isEmpty();
        assertThat(result.fileCount()).isEqualTo(5);
        Path out = Files.createDirectories(dir.resolve("extracted"));
        runner.run(Command.of("tar", "-xzf", archive.toString(), "-C", out.toString()));
        assertThat(toMicros(FileTrees.describe(out.resolve("uploads")))).isEqualTo(toMicros(FileTrees.describe(src)));
        try (var left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).as("no spool left").noneMatch(n -> n.endsWith(".spool"));
        }
    }
}
