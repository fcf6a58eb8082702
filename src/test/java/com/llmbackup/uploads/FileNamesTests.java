package com.llmbackup.uploads;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import com.llmbackup.catalog.Manifest.FileEntry;
import com.llmbackup.catalog.ManifestFiles;
import com.llmbackup.catalog.RawNames;
import com.llmbackup.test.FileTrees;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Names that are not valid UTF-8 on real files (Latin-1 bytes written by GNU tar), issue 25:
 * backed up and restored byte-exact, never renamed, never two collapsed into one, never
 * deleted by a restore whose set does not list them.
 */
class FileNamesTests {

    private static final Map<String, String> LATIN1 = Map.of("user1/café.txt", "e acute", "user1/cafè.txt", "e grave",
            "old/Noël/x.txt", "x");
    /** The same names as the file lists write them: each byte that is not UTF-8 as U+DCxx. */
    private static final Map<String, String> LISTED = Map.of("user1/caf\uDCE9.txt", "e acute", "user1/caf\uDCE8.txt", "e grave",
            "old/No\uDCEBl/x.txt", "x");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"a.pdf", "회의록.txt", "회의록 2025 (최종).hwp", "replacement \uFFFD is valid UTF-8.txt", "😀.png"})
    void nameIsTheNameItselfWhenItIsValidUtf8(String name) throws Exception {
        Files.writeString(dir.resolve(name), "x");

        Path listed = only(dir);

        assertThat(FileNames.name(listed)).isEqualTo(name);
        assertThat(RawNames.resolve(dir, name)).isEqualTo(listed).hasContent("x");
    }

    @Test
    void nameKeepsTheBytesAndResolvesBackToTheSameFileWhenItIsLatin1() throws Exception {
        FileTrees.writeLatin1Named(dir, Map.of("café.txt", "latin"));

        Path listed = only(dir);

        assertThat(FileNames.name(listed)).isEqualTo("caf\uDCE9.txt");
        assertThat(RawNames.display(FileNames.name(listed))).isEqualTo("caf%E9.txt");
        assertThat(RawNames.encode(FileNames.name(listed))).isEqualTo("caf\u00e9.txt".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(RawNames.resolve(dir, "caf\uDCE9.txt")).isEqualTo(listed).hasContent("latin");
        assertThat(RawNames.relative(dir, listed)).isEqualTo("caf\uDCE9.txt");
    }

    @Test
    void snapshotHoldsLatin1NamedFilesAndFoldersByteExactAndTheNextDayLinksThem() throws Exception {
        Path source = dir.resolve("uploads");
        FileTrees.write(source, Map.of("user1/회의록.txt", "회의", "user1/a.pdf", "a"));
        // two names the JVM would both show as "caf\uFFFD.txt": under that string they would collapse into one file
        FileTrees.writeLatin1Named(source, LATIN1);

        Snapshotter.Result day1 = new Snapshotter().snapshot(source, dir.resolve("day1"), null, Map.of(), Snapshotter.Progress.NONE);

        assertThat(day1.warnings()).isEmpty();
        assertThat(day1.entries()).extracting(FileEntry::path).containsExactly(".", "old", "old/No\uDCEBl", "old/No\uDCEBl/x.txt",
                "user1", "user1/a.pdf", "user1/caf\uDCE8.txt", "user1/caf\uDCE9.txt", "user1/회의록.txt");
        assertThat(contents(dir.resolve("day1"))).containsAllEntriesOf(LISTED).containsEntry("user1/회의록.txt", "회의");
        assertThat(names(source.resolve("user1"))).as("the source is left as it was").hasSize(4);

        Map<String, FileEntry> previous = new TreeMap<>();
        day1.entries().forEach(e -> previous.put(e.path(), e));
        Snapshotter.Result day2 = new Snapshotter().snapshot(source, dir.resolve("day2"), dir.resolve("day1"), previous,
                Snapshotter.Progress.NONE);

        assertThat(day2.filesLinked()).isEqualTo(5);
        assertThat(day2.filesCopied()).isZero();
        assertThat(FileTrees.inode(RawNames.resolve(dir.resolve("day2"), "user1/caf\uDCE9.txt")))
                .isEqualTo(FileTrees.inode(RawNames.resolve(dir.resolve("day1"), "user1/caf\uDCE9.txt")));
    }

    @Test
    void fileListHoldsLatin1NamesAsEscapedLoneSurrogatesAndReadsThemBack() throws Exception {
        Path source = dir.resolve("uploads");
        FileTrees.writeLatin1Named(source, LATIN1);
        Path list = dir.resolve("files_20251031.jsonl");

        try (ManifestFiles.Writer out = ManifestFiles.write(list)) {
            new Snapshotter().snapshot(source, dir.resolve("snap"), null, ManifestFiles.of(List.of()), out, Snapshotter.Progress.NONE);
        }

        // unambiguous: a valid UTF-8 name never decodes to a lone surrogate, and the line stays valid UTF-8
        assertThat(Files.readString(list)).contains("\"path\":\"user1/caf\\uDCE9.txt\"", "\"path\":\"old/No\\uDCEBl\"");
        try (ManifestFiles.Entries entries = ManifestFiles.read(list, null)) {
            assertThat(entries.stream().map(FileEntry::path)).contains("user1/caf\uDCE9.txt", "user1/caf\uDCE8.txt", "old/No\uDCEBl");
        }
    }

    @Test
    void weeklyArchiveHoldsLatin1NamesByteExactForItsRestoreAndForGnuTar() throws Exception {
        Path source = dir.resolve("uploads");
        FileTrees.write(source, Map.of("user1/회의록.txt", "회의"));
        FileTrees.writeLatin1Named(source, LATIN1);
        Files.createSymbolicLink(RawNames.resolve(source, "user1/latest"), RawNames.relativePath("caf\uDCE9.txt"));
        Path archive = dir.resolve("uploads_full.tar.gz");

        TarGzArchiver archiver = new TarGzArchiver();
        TarGzArchiver.Result result = archiver.archive(source, archive, Snapshotter.Progress.NONE);

        assertThat(result.warnings()).isEmpty();
        assertThat(result.entries()).extracting(FileEntry::path).contains("user1/caf\uDCE9.txt", "old/No\uDCEBl/x.txt");
        assertThat(result.entries()).filteredOn(e -> e.path().equals("user1/latest")).extracting(FileEntry::linkTarget)
                .containsExactly("caf\uDCE9.txt");
        archiver.verify(archive, result.entries(), result.sha256());

        Path restored = dir.resolve("restored");
        new UploadsRestorer().fromArchive(archive, List.of("uploads"), restored, null, Snapshotter.Progress.NONE);
        assertThat(contents(restored)).containsAllEntriesOf(LISTED);
        assertThat(FileNames.linkTarget(Files.readSymbolicLink(RawNames.resolve(restored, "user1/latest")))).isEqualTo("caf\uDCE9.txt");

        // the runbook's restore: GNU tar extracts the raw bytes of the hdrcharset=BINARY path records
        Path extracted = Files.createDirectories(dir.resolve("extracted"));
        Process tar = new ProcessBuilder("tar", "-xzf", archive.toString(), "-C", extracted.toString()).redirectErrorStream(true).start();
        String output = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(tar.waitFor()).as(output).isZero();
        assertThat(contents(extracted.resolve("uploads"))).containsAllEntriesOf(LISTED);
        assertThat(Files.getLastModifiedTime(RawNames.resolve(extracted.resolve("uploads"), "user1/caf\uDCE9.txt")))
                .isEqualTo(Files.getLastModifiedTime(RawNames.resolve(source, "user1/caf\uDCE9.txt")));
    }

    @Test
    void inPlaceRestoreAndItsRollbackKeepLatin1NamedFilesAndFoldersWithTheirBytes() throws Exception {
        Path live = dir.resolve("uploads");
        FileTrees.write(live, Map.of("user1/a.pdf", "A"));
        UploadsRestorer restorer = new UploadsRestorer();
        // a set that lacks the names (made before they were backed up, or before they were uploaded)
        Snapshotter.Result old = new Snapshotter().snapshot(live, dir.resolve("old"), null, Map.of(), Snapshotter.Progress.NONE);
        FileTrees.writeLatin1Named(live, LATIN1);
        Files.writeString(live.resolve("user1/created-since.pdf"), "new");
        // the restore's safety backup of the live folder, before anything is changed
        Snapshotter.Result safety = new Snapshotter().snapshot(live, dir.resolve("safety"), null, Map.of(), Snapshotter.Progress.NONE);

        UploadsRestorer.Result restore = restorer.fromSnapshot(dir.resolve("old"), old.entries(), live, Instant.now().plusSeconds(5),
                Snapshotter.Progress.NONE);

        assertThat(contents(live)).containsAllEntriesOf(LISTED).doesNotContainKey("user1/created-since.pdf");
        assertThat(restore.warnings()).anyMatch(w -> w.startsWith("Kept user1/caf%E9.txt: not in the backup, but a file whose name is not valid UTF-8"))
                .anyMatch(w -> w.startsWith("Kept old/No%EBl: not in the backup, but a folder whose name"));

        // the rollback: the safety set restored in place, the Latin-1 names in it byte-exact
        Files.writeString(RawNames.resolve(live, "user1/caf\uDCE9.txt"), "damaged since");
        restorer.fromSnapshot(dir.resolve("safety"), safety.entries(), live, Instant.now().plusSeconds(5), Snapshotter.Progress.NONE);

        assertThat(contents(live)).containsAllEntriesOf(LISTED).containsEntry("user1/created-since.pdf", "new");
    }

    private static Path only(Path folder) throws Exception {
        try (Stream<Path> listed = Files.list(folder)) {
            return listed.findFirst().orElseThrow();
        }
    }

    private static List<String> names(Path folder) throws Exception {
        try (Stream<Path> listed = Files.list(folder)) {
            return listed.map(FileNames::name).toList();
        }
    }

    /** Every regular file below the root by its file-list path (bytes kept), with its content. */
    static Map<String, String> contents(Path root) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.put(RawNames.relative(root, p), new String(Files.readAllBytes(p), StandardCharsets.UTF_8));
                }
            }
        }
        return out;
    }
}
