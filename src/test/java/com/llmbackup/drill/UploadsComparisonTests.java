package com.llmbackup.drill;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.llmbackup.catalog.Manifest.FileEntry;
import com.llmbackup.test.FileTrees;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class UploadsComparisonTests {

    // SHA-256 of "a"
    static final String SHA_A = "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb";
    static final FileEntry FILE = new FileEntry("user1/a.pdf", FileEntry.FILE, 1, 0, 0640, null, null, null, null, SHA_A, null);
    static final FileEntry DIR = new FileEntry("user1", FileEntry.DIRECTORY, 0, 0, 0750, null, null, null, null, null, null);
    static final FileEntry LINK = new FileEntry("latest", FileEntry.SYMLINK, 0, 0, 0777, null, null, null, null, null, "user1/a.pdf");

    static Stream<Arguments> differences() {
        return Stream.of(
                Arguments.of("missing", FILE, null, "user1/a.pdf is missing from the restored uploads (manifest: file)"),
                Arguments.of("another type", FILE, new UploadsComparison.Observed("directory", 0, 0640, null, null),
                        "user1/a.pdf is a directory in the restored uploads, the manifest says file"),
                Arguments.of("another size", FILE, new UploadsComparison.Observed("file", 2, 0640, SHA_A, null),
                        "user1/a.pdf has 2 bytes restored, the manifest 1"),
                Arguments.of("another mode", FILE, new UploadsComparison.Observed("file", 1, 0100644, SHA_A, null),
                        "user1/a.pdf has mode 644 restored, the manifest 640"),
                Arguments.of("a folder's mode", DIR, new UploadsComparison.Observed("directory", 0, 0700, null, null),
                        "user1 has mode 700 restored, the manifest 750"),
                Arguments.of("another content", FILE, new UploadsComparison.Observed("file", 1, 0640, "00", null),
                        "user1/a.pdf does not match its manifest in the restored uploads (SHA-256 00, manifest " + SHA_A + ")"),
                Arguments.of("another link target", LINK, new UploadsComparison.Observed("symlink", 0, 0777, null, "user2"),
                        "latest links to user2 restored, the manifest to user1/a.pdf"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("differences")
    void differenceWhenRestoredOtherwiseNamesThePath(String rule, FileEntry expected, UploadsComparison.Observed observed, String why) {
        assertThat(UploadsComparison.difference(expected, observed)).hasValue(why);
    }

    @Test
    void differenceWhenAsInTheManifestPasses() {
        assertThat(UploadsComparison.difference(FILE, new UploadsComparison.Observed("file", 1, 0100640, SHA_A, null))).isEmpty();
        assertThat(UploadsComparison.difference(LINK, new UploadsComparison.Observed("symlink", 0, 0777, null, "user1/a.pdf"))).isEmpty();
    }

    @Test
    void compareWhenTheFolderHoldsMoreOrLessNamesEachPath(@TempDir Path restored) throws Exception {
        FileTrees.write(restored, Map.of("user1/a.pdf", "a", "user1/extra.txt", "x"));
        Files.setPosixFilePermissions(restored.resolve("user1/a.pdf"), PosixFilePermissions.fromString("rw-r-----"));
        Files.setPosixFilePermissions(restored.resolve("user1"), PosixFilePermissions.fromString("rwxr-x---"));
        FileEntry root = new FileEntry(".", FileEntry.DIRECTORY, 0, 0, 0700, null, null, null, null, null, null);
        FileEntry gone = new FileEntry("user2/b.pdf", FileEntry.FILE, 2, 0, 0640, null, null, null, null, "ff", null);
        assertThat(UploadsComparison.compare(List.of(root, DIR, FILE, gone), restored)).containsExactly(
                "user2/b.pdf is missing from the restored uploads (manifest: file)",
                "user1/extra.txt is in the restored uploads but not in the manifest");
    }

    static final FileEntry ROOT = new FileEntry(".", FileEntry.DIRECTORY, 0, 0, 0700, null, null, null, null, null, null);

    static Stream<Arguments> untrustworthyLists() {
        FileEntry noSha = new FileEntry("user1/a.pdf", FileEntry.FILE, 1, 0, 0640, null, null, null, null, null, null);
        FileEntry up = new FileEntry("../outside.txt", FileEntry.FILE, 1, 0, 0640, null, null, null, null, SHA_A, null);
        FileEntry absolute = new FileEntry("/etc/hostname", FileEntry.FILE, 1, 0, 0640, null, null, null, null, SHA_A, null);
        return Stream.of(
                Arguments.of("an empty file list (not even the uploads folder)", List.of(),
                        List.of("the manifest lists no uploads entries, not even the uploads folder itself: there is nothing to compare with")),
                Arguments.of("a file without its SHA-256", List.of(ROOT, DIR, noSha),
                        List.of("user1/a.pdf has no SHA-256 in the manifest: its content cannot be checked")),
                Arguments.of("a path climbing out", List.of(ROOT, DIR, FILE, up),
                        List.of("../outside.txt is not a path inside the uploads folder (manifest)")),
                Arguments.of("an absolute path", List.of(ROOT, DIR, FILE, absolute),
                        List.of("/etc/hostname is not a path inside the uploads folder (manifest)")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("untrustworthyLists")
    void compareWhenTheManifestListCannotBeTrustedFails(String rule, List<FileEntry> manifest, List<String> why, @TempDir Path scratch)
            throws Exception {
        Path restored = Files.createDirectories(scratch.resolve("drill-1"));
        FileTrees.write(restored, Map.of("user1/a.pdf", "a"));
        Files.setPosixFilePermissions(restored.resolve("user1/a.pdf"), PosixFilePermissions.fromString("rw-r-----"));
        Files.setPosixFilePermissions(restored.resolve("user1"), PosixFilePermissions.fromString("rwxr-x---"));
        // a file beside the scratch folder, with the content the climbing entry claims
        Files.writeString(scratch.resolve("outside.txt"), "a");
        List<String> problems = UploadsComparison.compare(manifest, restored);
        if (manifest.isEmpty()) {
            assertThat(problems).startsWith(why.toArray(String[]::new));
        } else {
            assertThat(problems).containsExactlyElementsOf(why);
        }
    }
}
