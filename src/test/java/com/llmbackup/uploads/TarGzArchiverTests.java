package com.llmbackup.uploads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Random;

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
        } catch (java.nio.file.NoSuchFileException e) {
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
        Map<String, String> out = new java.util.TreeMap<>();
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
        var expected = new java.util.ArrayList<>(result.entries());
        expected.add(new com.llmbackup.catalog.Manifest.FileEntry("user9/missing.pdf", "file", 3, 0, 0644, 0, 0, "root", "root", "00", null));

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
}
