package com.llmbackup.uploads;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.llmbackup.catalog.Manifest.FileEntry;
import com.llmbackup.test.FileTrees;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Names that are not valid UTF-8 on real files (Latin-1 bytes written by GNU tar): never
 * renamed, never two collapsed into one, but skipped with their bytes escaped in a warning.
 */
class FileNamesTests {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"a.pdf", "회의록.txt", "회의록 2025 (최종).hwp", "replacement \uFFFD is valid UTF-8.txt"})
    void isUtf8WhenNameIsValidUtf8(String name) throws Exception {
        Path file = Files.writeString(dir.resolve(name), "x");

        try (Stream<Path> listed = Files.list(dir)) {
            assertThat(FileNames.isUtf8(listed.filter(p -> p.getFileName().toString().equals(name)).findFirst().orElseThrow()))
                    .isTrue();
        }
        assertThat(file).exists();
    }

    @Test
    void isUtf8IsFalseAndNameIsEscapedWhenNameIsLatin1() throws Exception {
        FileTrees.writeLatin1Named(dir, Map.of("user1/café.txt", "latin"));

        Path listed = only(dir.resolve("user1"));

        assertThat(FileNames.isUtf8(listed)).isFalse();
        assertThat(FileNames.escaped(dir, listed)).isEqualTo("user1/caf%E9.txt");
        assertThat(FileNames.skipped(dir, listed, false)).startsWith("Skipped user1/caf%E9.txt: its name is not valid UTF-8");
    }

    @Test
    void snapshotSkipsAndNamesLatin1FilesAndKeepsKoreanOnes() throws Exception {
        Path source = dir.resolve("uploads");
        FileTrees.write(source, Map.of("user1/회의록.txt", "회의", "user1/a.pdf", "a"));
        // two names the JVM would both show as "caf\uFFFD.txt": stored, they would collapse into one file
        FileTrees.writeLatin1Named(source, Map.of("user1/café.txt", "e acute", "user1/cafè.txt", "e grave", "old/Noël/x.txt", "x"));

        Snapshotter.Result result = new Snapshotter().snapshot(source, dir.resolve("snapshot"), null, Map.of(), Snapshotter.Progress.NONE);

        assertThat(result.entries()).extracting(FileEntry::path)
                .containsExactlyInAnyOrder(".", "user1", "user1/회의록.txt", "user1/a.pdf", "old");
        assertThat(result.warnings()).hasSize(3)
                .anyMatch(w -> w.startsWith("Skipped user1/caf%E9.txt: its name is not valid UTF-8"))
                .anyMatch(w -> w.startsWith("Skipped user1/caf%E8.txt: "))
                .anyMatch(w -> w.startsWith("Skipped old/No%EBl and everything in it: "));
        assertThat(dir.resolve("snapshot/user1/회의록.txt")).hasContent("회의");
        assertThat(names(dir.resolve("snapshot/user1"))).containsExactlyInAnyOrder("회의록.txt", "a.pdf");
        assertThat(names(source.resolve("user1"))).as("the source is left as it was").hasSize(4);
    }

    @Test
    void archiveSkipsAndNamesLatin1FilesAndKeepsKoreanOnes() throws Exception {
        Path source = dir.resolve("uploads");
        FileTrees.write(source, Map.of("user1/회의록.txt", "회의"));
        FileTrees.writeLatin1Named(source, Map.of("user1/café.txt", "e acute", "user1/cafè.txt", "e grave"));
        Path archive = dir.resolve("uploads_full.tar.gz");

        TarGzArchiver archiver = new TarGzArchiver();
        TarGzArchiver.Result result = archiver.archive(source, archive, Snapshotter.Progress.NONE);

        assertThat(result.entries()).extracting(FileEntry::path).containsExactlyInAnyOrder(".", "user1", "user1/회의록.txt");
        assertThat(result.warnings()).containsExactlyInAnyOrder(
                FileNames.skipped(source, only(source.resolve("user1"), "%E9"), false),
                FileNames.skipped(source, only(source.resolve("user1"), "%E8"), false));
        archiver.verify(archive, result.entries(), result.sha256());
    }

    private static Path only(Path folder) throws Exception {
        try (Stream<Path> listed = Files.list(folder)) {
            return listed.findFirst().orElseThrow();
        }
    }

    private static Path only(Path folder, String escapedByte) throws Exception {
        try (Stream<Path> listed = Files.list(folder)) {
            return listed.filter(p -> p.toUri().getRawPath().contains(escapedByte)).findFirst().orElseThrow();
        }
    }

    private static List<String> names(Path folder) throws Exception {
        try (Stream<Path> listed = Files.list(folder)) {
            return listed.map(p -> p.getFileName().toString()).toList();
        }
    }
}
