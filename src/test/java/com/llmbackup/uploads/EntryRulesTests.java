package com.llmbackup.uploads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** What an archive or file-list entry may be, one case per rule; every refusal is read by an operator, so its whole message is checked. */
class EntryRulesTests {

    private static final List<String> PREFIXES = List.of("uploads", "srv/llm/uploads");
    private static final String NOTHING_WRITTEN = ". Nothing was written outside the uploads folder; the archive is not restorable as it is.";

    /** Archives as an attacker writes them, in order: {@code type name [-> link]}; the last entry is the one refused. */
    static Stream<Arguments> refusedArchives() {
        return Stream.of(
                Arguments.of("a NUL in the name", List.of("file uploads/a\0b"),
                        "Refused archive entry 'uploads/a\0b': its name contains a NUL character"),
                Arguments.of("an absolute name", List.of("file /tmp/escaped.txt"),
                        "Refused archive entry '/tmp/escaped.txt': its name is an absolute path"),
                Arguments.of("a '..' component", List.of("file uploads/../../escaped.txt"),
                        "Refused archive entry 'uploads/../../escaped.txt': its name climbs out with '..'"),
                Arguments.of("a name outside every prefix", List.of("file etc/cron.d/job"),
                        "Refused archive entry 'etc/cron.d/job': it is not below uploads/ or srv/llm/uploads/"),
                Arguments.of("a name that only starts like a prefix", List.of("file uploads-old/a.pdf"),
                        "Refused archive entry 'uploads-old/a.pdf': it is not below uploads/ or srv/llm/uploads/"),
                Arguments.of("written through a link made earlier", List.of("symlink uploads/link -> /etc", "file uploads/link/cron.d/job"),
                        "Refused archive entry 'uploads/link/cron.d/job': it would be written through the symbolic link link"),
                Arguments.of("a folder through a link made earlier", List.of("symlink uploads/a/link -> ..", "dir uploads/a/link/b/"),
                        "Refused archive entry 'uploads/a/link/b/': it would be written through the symbolic link a/link"),
                Arguments.of("a fifo", List.of("fifo uploads/pipe"),
                        "Refused archive entry 'uploads/pipe': it is a device, fifo or other special file"),
                Arguments.of("a character device", List.of("chardev uploads/tty"),
                        "Refused archive entry 'uploads/tty': it is a device, fifo or other special file"),
                Arguments.of("a block device", List.of("blockdev uploads/sda"),
                        "Refused archive entry 'uploads/sda': it is a device, fifo or other special file"),
                Arguments.of("a hard link out of the folder", List.of("hardlink uploads/passwd -> /etc/passwd"),
                        "Refused archive entry 'uploads/passwd': it is a hard link to /etc/passwd, which is not a file earlier in the archive"),
                Arguments.of("a hard link to a file not met before it", List.of("file uploads/earlier", "hardlink uploads/h -> uploads/later"),
                        "Refused archive entry 'uploads/h': it is a hard link to uploads/later, which is not a file earlier in the archive"),
                Arguments.of("a hard link to a link", List.of("symlink uploads/l -> /etc/shadow", "hardlink uploads/h -> uploads/l"),
                        "Refused archive entry 'uploads/h': it is a hard link to uploads/l, which is not a file earlier in the archive"),
                Arguments.of("a hard link to a folder", List.of("dir uploads/d/", "hardlink uploads/h -> uploads/d"),
                        "Refused archive entry 'uploads/h': it is a hard link to uploads/d, which is not a file earlier in the archive"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedArchives")
    void checkWhenEntryBreaksARuleRefusesItNamingTheEntry(String rule, List<String> archive, String refusal) {
        EntryRules.ArchiveCheck check = new EntryRules.ArchiveCheck(PREFIXES);
        List<TarArchiveEntry> entries = archive.stream().map(EntryRulesTests::entry).toList();
        for (TarArchiveEntry allowed : entries.subList(0, entries.size() - 1)) {
            check.check(allowed);
        }

        assertThatThrownBy(() -> check.check(entries.get(entries.size() - 1))).isInstanceOf(ArchiveInvalidException.class)
                .hasMessage(refusal + NOTHING_WRITTEN);
    }

    @Test
    void checkWhenEveryEntryIsAllowedCountsFilesLinksAndBytes() {
        EntryRules.ArchiveCheck check = new EntryRules.ArchiveCheck(PREFIXES);
        for (String spec : List.of("dir uploads/", "dir uploads/a/", "file uploads/a/f.pdf", "symlink uploads/a/l -> f.pdf",
                "hardlink uploads/a/h -> uploads/a/f.pdf", "file srv/llm/uploads/b/g.txt", "symlink uploads/out -> /etc/hosts")) {
            check.check(entry(spec));
        }

        assertThat(check.files()).as("files, links and hard links").isEqualTo(5);
        assertThat(check.bytes()).as("the files' bytes, each once").isEqualTo(2 * 3);
    }

    @ParameterizedTest(name = "[{0}] -> [{1}]")
    @CsvSource({
            "uploads/a/b.pdf, a/b.pdf",
            "./uploads/x, x",
            "uploads//a/./b, a/b",
            "srv/llm/uploads/a/b.pdf, a/b.pdf",
            "uploads/, ''",
            "uploads, ''",
    })
    void archiveRelativeWhenNameIsBelowAPrefixGivesThePathInside(String name, String inside) {
        assertThat(EntryRules.archiveRelative(name, PREFIXES)).isEqualTo(inside);
    }

    @ParameterizedTest(name = "path [{0}]")
    @CsvSource({"''", "/etc/passwd", "..", "a/../../x", "a/..", "'a\0b'"})
    void listedRelativeWhenPathLeavesTheFolderRefusesIt(String rel) {
        assertThatThrownBy(() -> EntryRules.listedRelative(rel)).isInstanceOf(ArchiveInvalidException.class)
                .hasMessage("Refused archive entry '" + rel + "': it is not a path inside the uploads folder" + NOTHING_WRITTEN);
    }

    @ParameterizedTest(name = "path [{0}]")
    @CsvSource({"a.pdf", "user1/a.pdf", "user2/회의록 2025.txt", "a..b/..c"})
    void listedRelativeWhenPathIsInsideKeepsIt(String rel) {
        assertThat(EntryRules.listedRelative(rel)).isEqualTo(rel);
    }

    @ParameterizedTest(name = "path [{0}]")
    @CsvSource({"../x", "a/../../x", "/etc/passwd"})
    void insideWhenPathResolvesOutsideRefusesIt(String rel) {
        Path target = Path.of("/srv/llm/uploads");

        assertThatThrownBy(() -> EntryRules.inside(target, rel)).isInstanceOf(ArchiveInvalidException.class)
                .hasMessage("Refused archive entry '" + rel + "': it resolves outside /srv/llm/uploads" + NOTHING_WRITTEN);
    }

    @Test
    void insideWhenPathIsBelowTheTargetGivesIt() {
        assertThat(EntryRules.inside(Path.of("/srv/llm/uploads"), "a/b.pdf")).isEqualTo(Path.of("/srv/llm/uploads/a/b.pdf"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "l, /etc/hosts, true",
            "a/l, ../../x, true",
            "l, .., true",
            "a/l, ../b.pdf, false",
            "a/l, b.pdf, false",
            "a/l, ., false",
    })
    void linkLeavingWhenLinkPointsOutsideWarns(String rel, String linkTarget, boolean outside) {
        Path target = Path.of("/srv/llm/uploads");

        String warning = EntryRules.linkLeaving(target, target.resolve(rel), rel, linkTarget);

        if (outside) {
            assertThat(warning).isEqualTo("Restored " + rel + " as it was backed up: a symbolic link to " + linkTarget
                    + ", outside the uploads folder.");
        } else {
            assertThat(warning).isNull();
        }
    }

    @Test
    void parentsWhenPathIsNestedGivesEachFolderOutermostFirst() {
        assertThat(EntryRules.parents("a/b/c.pdf")).containsExactly("a", "a/b");
        assertThat(EntryRules.parents("c.pdf")).isEmpty();
    }

    private static TarArchiveEntry entry(String spec) {
        String[] typeAndRest = spec.split(" ", 2);
        String[] nameAndLink = typeAndRest[1].split(" -> ", 2);
        String name = nameAndLink[0];
        TarArchiveEntry entry = switch (typeAndRest[0]) {
            case "dir" -> new TarArchiveEntry(name, TarConstants.LF_DIR, true);
            case "symlink" -> new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
            case "hardlink" -> new TarArchiveEntry(name, TarConstants.LF_LINK, true);
            case "fifo" -> new TarArchiveEntry(name, TarConstants.LF_FIFO, true);
            case "chardev" -> new TarArchiveEntry(name, TarConstants.LF_CHR, true);
            case "blockdev" -> new TarArchiveEntry(name, TarConstants.LF_BLK, true);
            default -> {
                TarArchiveEntry file = new TarArchiveEntry(name, true);
                file.setSize(3);
                yield file;
            }
        };
        if (nameAndLink.length > 1) {
            entry.setLinkName(nameAndLink[1]);
        }
        return entry;
    }
}
