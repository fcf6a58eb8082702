package com.llmbackup.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.llmbackup.catalog.Manifest.FileEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The streamed file lists (format 2) and the inline lists of format 1. */
class ManifestFilesTests {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} before {1}")
    @CsvSource({
            ".,-x",               // the root first, though '-' sorts below '.'
            ".,a",
            "a,a/b",              // a folder before its content
            "a/b,a.txt",          // a folder's content before the next sibling ('/' below '.')
            "a/z,a-b",            // and below '-'
            "a/b/c,a/c",
            "A,a",
            "user1/x.pdf,user10/a.pdf",
            "é,한글"})
    void pathOrderPutsFirstBeforeSecondWhenWalkedSortedPerFolder(String first, String second) {
        assertThat(ManifestFiles.PATH_ORDER.compare(first, second)).isNegative();
        assertThat(ManifestFiles.PATH_ORDER.compare(second, first)).isPositive();
    }

    static List<FileEntry> lineCases() {
        return List.of(
                new FileEntry(".", FileEntry.DIRECTORY, 0, 1_796_661_194_390_093_926L, 0755, 0, 0, "root", "root", null, null),
                new FileEntry("user1/report \"final\".pdf", FileEntry.FILE, 12, -5, 0644, 1000, 1000, "www-data", "www-data",
                        "ab".repeat(32), null, 1_796_661_194_000_000_001L),
                new FileEntry("tab\there\\back\u0001\u001f\nline", FileEntry.FILE, 0, 0, 0, null, null, null, null, null, null, null),
                new FileEntry("é/한글/😀.txt", FileEntry.SYMLINK, 0, 1, 0777, 7, 8, "ü", "ö", null, "../é/\u2028x", null),
                new FileEntry("caf\uDCE9.txt", FileEntry.FILE, 1, 2, 0600, 0, 0, "root", "root", null, null, 3L));
    }

    @ParameterizedTest
    @MethodSource("lineCases")
    void fileListLineIsWhatDataBindingWritesAndReadsBackTheSameEntryWhenWritten(FileEntry entry) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        FileListLine.write(entry, line);
        String text = line.toString(StandardCharsets.UTF_8);
        ObjectMapper json = new ObjectMapper();
        // lists written before and after read alike: byte for byte what data binding wrote (a lone
        // surrogate, a byte that is not UTF-8, escaped as data binding escapes every surrogate)
        assertThat(line.toByteArray()).isEqualTo(json.writeValueAsBytes(entry));
        assertThat(FileListLine.read(text)).isEqualTo(entry);
        assertThat(json.readValue(text, FileEntry.class)).isEqualTo(entry);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "[]|not a JSON object",
            "{\"path\":\"a\",\"size\":\"12\"}|field size is not an integer",
            "{\"path\":\"a\",\"size\":1.5}|field size is not an integer",
            "{\"path\":\"a\",\"size\":99999999999999999999}|a number out of range in field size",
            "{\"path\":\"a\",\"uid\":4294967296}|a number out of range in field uid",
            "{\"path\":\"a\"}{\"path\":\"b\"}|more than one JSON object",
            "{\"path\":7}|field path is not a string",
            "{\"path\":\"a}|a string is not closed",
            "{\"path\":\"a\\q\"}|an unknown escape",
            "{\"path\":\"a\\u12\"}|a broken \\u escape",
            "{\"path\":\"a\" \"type\":\"file\"}|expected ',' or '}' at column 14",
            "{\"x\":[1,}|expected a value"})
    void fileListLineRefusesALineWhenItIsNotOneEntry(String line, String why) {
        assertThatThrownBy(() -> FileListLine.read(line)).isInstanceOf(IOException.class).hasMessageContaining(why);
    }

    @Test
    void fileListLineReadsUnknownFieldsAndMissingNumbersAsDataBindingDoesWhenANewerReleaseWroteIt() throws IOException {
        FileEntry entry = FileListLine.read(" { \"path\" : \"a\", \"future\":{\"x\":[1,-2.5e3,true,false,null,\"s\\\"\",{}],\"y\":[]},"
                + "\"type\":\"file\",\"uid\":null,\"ctimeNanos\":null}\n");
        assertThat(entry).isEqualTo(new FileEntry("a", "file", 0, 0, 0, null, null, null, null, null, null, null));
    }

    @Test
    void readAheadGivesTheSameEntriesAndTheSourcesFailureWhereTheReadingReachesIt() throws IOException {
        Path list = dir.resolve("files_20251031.jsonl");
        List<FileEntry> written = thousandFiles();
        try (ManifestFiles.Writer writer = ManifestFiles.write(list)) {
            written.forEach(writer::add);
        }
        try (ManifestFiles.Entries ahead = ManifestFiles.readAhead(ManifestFiles.read(list, null))) {
            assertThat(ahead.stream().toList()).isEqualTo(written);
        }
        try (ManifestFiles.Entries ahead = ManifestFiles.readAhead(ManifestFiles.read(list, "0".repeat(64)))) {
            for (int i = 0; i < written.size(); i++) {
                assertThat(ahead.next()).isEqualTo(written.get(i));
            }
            assertThatThrownBy(ahead::hasNext).isInstanceOf(CorruptManifestException.class).hasMessageContaining("the manifest says 000");
        }
        try (ManifestFiles.Entries closedEarly = ManifestFiles.readAhead(ManifestFiles.read(list, null))) {
            assertThat(closedEarly.next()).isEqualTo(written.get(0));
        }
    }

    /** More entries than a batch of the threads that read ahead and write behind. */
    private static List<FileEntry> thousandFiles() {
        List<FileEntry> entries = new ArrayList<>();
        entries.add(dir("."));
        for (int i = 0; i < 1000; i++) {
            entries.add(file(String.format("f%04d", i)));
        }
        return entries;
    }

    @Test
    void writeBehindWritesEveryEntryInOrderByCloseAndPassesOnTheSinksFailure() throws IOException {
        Path list = dir.resolve("files_20251031.jsonl");
        List<FileEntry> written = thousandFiles();
        try (ManifestFiles.Writer writer = ManifestFiles.write(list)) {
            try (ManifestFiles.Behind behind = ManifestFiles.writeBehind(writer)) {
                written.forEach(behind::add);
            }
            assertThat(writer.count()).isEqualTo(written.size());
        }
        try (ManifestFiles.Entries entries = ManifestFiles.read(list, null)) {
            assertThat(entries.stream().toList()).isEqualTo(written);
        }

        ManifestFiles.Behind failing = ManifestFiles.writeBehind(entry -> {
            throw new IllegalStateException("volume gone");
        });
        failing.add(dir("."));
        assertThatThrownBy(failing::close).isInstanceOf(IllegalStateException.class).hasMessage("volume gone");
    }

    @Test
    void writeThenReadGivesEntriesBackInOrderWithTheirSha256() throws IOException {
        Path list = dir.resolve("files_20251031.jsonl");
        List<FileEntry> written = List.of(dir("."), dir("a"), file("a/b.txt"), file("a.txt"));
        String sha;
        try (ManifestFiles.Writer writer = ManifestFiles.write(list)) {
            written.forEach(writer::add);
            writer.close();
            sha = writer.sha256();
            assertThat(writer.size()).isEqualTo(Files.size(list));
            assertThat(writer.count()).isEqualTo(4);
        }
        assertThat(Files.readAllLines(list)).hasSize(4).allMatch(line -> line.startsWith("{\"path\":"));

        try (ManifestFiles.Entries entries = ManifestFiles.read(list, sha)) {
            assertThat(entries.stream().toList()).isEqualTo(written);
        }
    }

    @Test
    void writeRefusesEntryWhenOutOfPathOrder() {
        try (ManifestFiles.Writer writer = ManifestFiles.write(dir.resolve("files_20251031.jsonl"))) {
            writer.add(file("a.txt"));
            assertThatThrownBy(() -> writer.add(file("a/b.txt")))
                    .hasMessageContaining("a/b.txt after a.txt is not in path order");
        }
    }

    @Test
    void readFailsNamingTheListWhenItWasChangedSinceTheBackup() throws IOException {
        Path list = dir.resolve("files_20251031.jsonl");
        String sha;
        try (ManifestFiles.Writer writer = ManifestFiles.write(list)) {
            writer.add(file("a.txt"));
            writer.add(file("b.txt"));
            writer.close();
            sha = writer.sha256();
        }
        Files.writeString(list, Files.readString(list).replace("\"size\":3", "\"size\":4"));

        try (ManifestFiles.Entries entries = ManifestFiles.read(list, sha)) {
            assertThatThrownBy(() -> entries.stream().toList()).isInstanceOf(CorruptManifestException.class)
                    .hasMessageContaining(list.toString()).hasMessageContaining("the manifest says " + sha)
                    .hasMessageContaining("changed or damaged since the backup");
        }
    }

    @Test
    void readFailsWhenLinesAreOutOfOrderOrNotEntries() throws IOException {
        Path list = dir.resolve("files_20251031.jsonl");
        ObjectMapper json = new ObjectMapper();
        Files.writeString(list, json.writeValueAsString(file("b.txt")) + "\n" + json.writeValueAsString(file("a.txt")) + "\n");
        try (ManifestFiles.Entries entries = ManifestFiles.read(list, null)) {
            assertThatThrownBy(() -> entries.stream().toList()).isInstanceOf(CorruptManifestException.class)
                    .hasMessageContaining("line 2 is out of path order");
        }
        Files.writeString(list, "{\"path\":\"a\"\n");
        try (ManifestFiles.Entries entries = ManifestFiles.read(list, null)) {
            assertThatThrownBy(entries::hasNext).isInstanceOf(CorruptManifestException.class)
                    .hasMessageContaining("line 1 is not a valid entry");
        }
    }

    /** A list edited by hand or by an attacker (its SHA-256 in the header edited to match) must not name a file outside the snapshot. */
    @ParameterizedTest(name = "path [{0}]")
    @CsvSource({"../etc/passwd", "/etc/passwd", "a/../../x", "a//b", "./a", "a/", "a/./b", "..", "''"})
    void readFailsNamingTheLineWhenPathLeavesTheSnapshot(String path) throws IOException {
        Path list = dir.resolve("files_20251031.jsonl");
        ObjectMapper json = new ObjectMapper();
        Files.writeString(list, json.writeValueAsString(dir(".")) + "\n" + json.writeValueAsString(file(path)) + "\n");
        try (ManifestFiles.Entries entries = ManifestFiles.read(list, null)) {
            assertThatThrownBy(() -> entries.stream().toList()).isInstanceOf(CorruptManifestException.class)
                    .hasMessageContaining(list.toString())
                    .hasMessageContaining("line 2 names the path '" + path + "', which is not a relative path inside the snapshot");
        }
    }

    @ParameterizedTest(name = "path [{0}]")
    @CsvSource({"../etc/passwd", "/etc/passwd", "a/../../x"})
    void readOfFormatOneSetFailsWhenPathLeavesTheSnapshot(String path) throws IOException {
        Path daily = Files.createDirectories(dir.resolve("daily"));
        Files.createDirectories(daily.resolve("uploads_20251030"));
        Files.writeString(daily.resolve("manifest_20251030.json"), new ObjectMapper().findAndRegisterModules().writeValueAsString(
                Map.of("formatVersion", 1, "kind", "daily", "id", "20251030", "status", "complete", "files", List.of(dir("."), file(path)),
                        "artifacts", List.of(Manifest.Artifact.directory("uploads_20251030", 6, 2)))));
        BackupSet set = new BackupCatalog(dir, FilePermissions.ownerOnly(), Clock.systemUTC())
                .newestComplete(BackupKind.DAILY).orElseThrow();

        assertThatThrownBy(() -> ManifestFiles.read(set)).isInstanceOf(CorruptManifestException.class)
                .hasMessageContaining("names the path '" + path + "', which is not a relative path inside the snapshot");
    }

    /** A format-2 manifest that lost its file list (edited, or written by a broken build) would check no uploads file at all. */
    @Test
    void readFailsWhenAFormatTwoSetWithUploadsListsNoFileList() throws IOException {
        Path daily = Files.createDirectories(dir.resolve("daily"));
        Files.createDirectories(daily.resolve("uploads_20251030"));
        Files.writeString(daily.resolve("manifest_20251030.json"), new ObjectMapper().findAndRegisterModules().writeValueAsString(
                Map.of("formatVersion", 2, "kind", "daily", "id", "20251030", "status", "complete",
                        "artifacts", List.of(Manifest.Artifact.directory("uploads_20251030", 6, 2)))));
        BackupSet set = new BackupCatalog(dir, FilePermissions.ownerOnly(), Clock.systemUTC())
                .newestComplete(BackupKind.DAILY).orElseThrow();

        assertThatThrownBy(() -> ManifestFiles.read(set)).isInstanceOf(CorruptManifestException.class)
                .hasMessageContaining("manifest_20251030.json is corrupt: it lists the uploads uploads_20251030 but not their file list files_20251030.jsonl");
    }

    @Test
    void readOfFormatOneSetGivesItsInlineEntriesInPathOrder() throws IOException {
        Path daily = Files.createDirectories(dir.resolve("daily"));
        Files.createDirectories(daily.resolve("uploads_20251030"));
        List<FileEntry> walkOrder = List.of(dir("."), file("a.txt"), dir("a"), file("a/b.txt"));
        Files.writeString(daily.resolve("manifest_20251030.json"), new ObjectMapper().findAndRegisterModules().writeValueAsString(
                Map.of("formatVersion", 1, "kind", "daily", "id", "20251030", "status", "complete", "files", walkOrder,
                        "artifacts", List.of(Manifest.Artifact.directory("uploads_20251030", 6, 2)))));
        BackupSet set = new BackupCatalog(dir, FilePermissions.ownerOnly(), Clock.systemUTC())
                .newestComplete(BackupKind.DAILY).orElseThrow();

        List<String> paths = new ArrayList<>();
        try (ManifestFiles.Entries entries = ManifestFiles.read(set)) {
            entries.forEachRemaining(e -> paths.add(e.path()));
        }

        assertThat(set.manifest().formatVersion()).isEqualTo(1);
        assertThat(paths).containsExactly(".", "a", "a/b.txt", "a.txt");
    }

    static FileEntry file(String path) {
        return new FileEntry(path, FileEntry.FILE, 3, 1_000_000_000L, 0644, 1000, 1000, "u", "g", "ab".repeat(32), null, 5L);
    }

    static FileEntry dir(String path) {
        return new FileEntry(path, FileEntry.DIRECTORY, 0, 1_000_000_000L, 0755, 1000, 1000, "u", "g", null, null, null);
    }
}
