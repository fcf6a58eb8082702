package com.llmbackup.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import com.llmbackup.test.FileTrees;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A snapshot's copy against its manifest entry, on real files: one test per way it can be damaged. */
class SnapshotCheckTests {

    @TempDir
    Path snapshot;

    private Manifest.FileEntry entry;

    @BeforeEach
    void copy() throws Exception {
        FileTrees.write(snapshot, Map.of("user2/회의록.txt", "회의 내용"));
        Path file = snapshot.resolve("user2/회의록.txt");
        entry = new Manifest.FileEntry("user2/회의록.txt", Manifest.FileEntry.FILE, Files.size(file), 0, 0644, 0, 0, null, null,
                FileTrees.sha256(file), null);
    }

    @Test
    void problemIsEmptyWhenCopyMatchesItsEntry() throws Exception {
        assertThat(SnapshotCheck.problem(snapshot, entry, SnapshotCheck.buffer())).isEmpty();
    }

    @Test
    void problemNamesFileWhenOneByteChangedAndSizeIsTheSame() throws Exception {
        Path file = snapshot.resolve("user2/회의록.txt");
        byte[] bytes = Files.readAllBytes(file);
        bytes[1] ^= 0x01;
        Files.write(file, bytes);

        assertThat(SnapshotCheck.problem(snapshot, entry, SnapshotCheck.buffer())).get().asString()
                .startsWith("user2/회의록.txt does not match its manifest (SHA-256 " + FileTrees.sha256(file) + ", manifest " + entry.sha256())
                .endsWith("): it was changed or damaged since the backup");
    }

    @Test
    void problemNamesFileWhenItWasTruncated() throws Exception {
        Files.write(snapshot.resolve("user2/회의록.txt"), new byte[0]);

        assertThat(SnapshotCheck.problem(snapshot, entry, SnapshotCheck.buffer())).hasValue(
                "user2/회의록.txt has another size than its manifest says (0 bytes, manifest " + entry.size() + ")");
    }

    @Test
    void problemNamesFileWhenItIsMissing() throws Exception {
        Files.delete(snapshot.resolve("user2/회의록.txt"));

        assertThat(SnapshotCheck.problem(snapshot, entry, SnapshotCheck.buffer())).hasValue("user2/회의록.txt is missing");
    }

    @Test
    void problemNamesFileWhenItWasReplacedByLink() throws Exception {
        Path file = snapshot.resolve("user2/회의록.txt");
        Files.delete(file);
        Files.createSymbolicLink(file, Path.of("/etc/hostname"));

        assertThat(SnapshotCheck.problem(snapshot, entry, SnapshotCheck.buffer())).hasValue("user2/회의록.txt is no longer a regular file");
    }
}
