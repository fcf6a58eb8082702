package com.llmbackup.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import com.llmbackup.exec.Command;
import com.llmbackup.exec.CommandRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one tree delete: links are deleted as links, what they point to is never touched. */
class TreesTests {

    @TempDir
    Path dir;

    @Test
    void deleteWhenTreeHoldsALinkToAFolderOutsideRemovesTheLinkAndLeavesItsTarget() throws IOException {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("keep.txt"), "not ours");
        Files.setPosixFilePermissions(outside, PosixFilePermissions.fromString("r-xr-xr-x"));
        Path tree = Files.createDirectories(dir.resolve("tree/a"));
        Files.writeString(tree.resolve("f.txt"), "ours");
        Files.createSymbolicLink(tree.resolve("to-outside"), outside);
        Files.createSymbolicLink(tree.resolve("to-file"), outside.resolve("keep.txt"));

        long deleted = Trees.deleteCounting(dir.resolve("tree"));

        assertThat(dir.resolve("tree")).doesNotExist();
        assertThat(deleted).as("tree, a, f.txt and the two links").isEqualTo(5);
        assertThat(outside.resolve("keep.txt")).hasContent("not ours");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(outside))).as("never made writable through the link")
                .isEqualTo("r-xr-xr-x");
    }

    @Test
    void deleteWhenPathIsALinkToAFolderRemovesOnlyTheLink() throws IOException {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("keep.txt"), "not ours");
        Path link = Files.createSymbolicLink(dir.resolve("link"), outside);

        assertThat(Trees.deleteCounting(link)).isEqualTo(1);

        assertThat(Files.exists(link, LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(outside.resolve("keep.txt")).hasContent("not ours");
    }

    @Test
    void deleteWhenLinkIsDanglingRemovesIt() throws IOException {
        Path link = Files.createSymbolicLink(dir.resolve("dangling"), dir.resolve("nowhere"));

        Trees.delete(link);

        assertThat(Files.exists(link, LinkOption.NOFOLLOW_LINKS)).isFalse();
    }

    @Test
    void deleteWhenPathIsMissingDoesNothing() throws IOException {
        assertThat(Trees.deleteCounting(dir.resolve("missing"))).isZero();
        Trees.delete(dir.resolve("missing/below"));

        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void deleteWhenPathIsAFileRemovesIt() throws IOException {
        Path file = Files.writeString(dir.resolve("f.txt"), "x");

        assertThat(Trees.deleteCounting(file)).isEqualTo(1);

        assertThat(file).doesNotExist();
    }

    @Test
    void deleteWhenFoldersAreReadOnlyRemovesThem() throws IOException {
        Path tree = Files.createDirectories(dir.resolve("snapshot/user1"));
        Files.writeString(tree.resolve("a.pdf"), "A");
        Files.setPosixFilePermissions(tree, PosixFilePermissions.fromString("r-xr-xr-x"));
        Files.setPosixFilePermissions(dir.resolve("snapshot"), PosixFilePermissions.fromString("r-xr-xr-x"));

        Trees.delete(dir.resolve("snapshot"));

        assertThat(dir.resolve("snapshot")).doesNotExist();
    }

    @Test
    void deleteWhenAnEntryCannotGoNamesThePath() throws Exception {
        // a mount point inside the tree cannot be removed (EBUSY), even by root
        Path mount = Files.createDirectories(dir.resolve("tree/mounted"));
        new CommandRunner().run(Command.of("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount.toString()));
        try {
            Files.writeString(mount.resolve("f.txt"), "x");

            assertThatThrownBy(() -> Trees.delete(dir.resolve("tree"))).isInstanceOf(UncheckedIOException.class)
                    .hasMessage("cannot delete " + dir.resolve("tree") + ": " + mount + ": Device or resource busy");
            assertThat(mount.resolve("f.txt")).as("the mounted volume's content went before its mount point refused").doesNotExist();
        } finally {
            new CommandRunner().run(Command.of("umount", mount.toString()));
        }
    }
}
