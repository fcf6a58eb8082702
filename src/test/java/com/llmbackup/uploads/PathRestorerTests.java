package com.llmbackup.uploads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import com.llmbackup.catalog.Manifest.FileEntry;
import com.llmbackup.catalog.ManifestFiles;
import com.llmbackup.catalog.Trees;
import com.llmbackup.test.FileTrees;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chosen paths of a real snapshot put back into a real folder: only they change, the versions
 * replaced are kept and put back by the undo, and every step may run twice.
 */
class PathRestorerTests {

    @TempDir
    Path dir;
    Path live;
    Path snapshot;
    Path kept;
    List<FileEntry> entries;

    @BeforeEach
    void backedUpThenChanged() throws Exception {
        live = dir.resolve("uploads");
        snapshot = dir.resolve("snapshot");
        kept = dir.resolve("restores/run_7");
        FileTrees.write(live, Map.of("user1/a.pdf", "report A", "user1/b.pdf", "bb", "user2/x/1.txt", "one", "user2/2.txt", "two",
                "other.txt", "other"));
        entries = new Snapshotter().snapshot(live, snapshot, null, Map.of(), Snapshotter.Progress.NONE).entries();
        Thread.sleep(20); // a new mtime for what changes below
        Files.writeString(live.resolve("user1/a.pdf"), "report A, edited");
        Trees.delete(live.resolve("user2"));
        Files.writeString(live.resolve("other.txt"), "other, edited after the backup");
        Files.writeString(live.resolve("user1/new.pdf"), "new");
    }

    private List<FileEntry> chosen(String... paths) {
        return entries.stream().filter(e -> List.of(paths).stream().anyMatch(p -> e.path().equals(p) || e.path().startsWith(p + "/")))
                .sorted((x, y) -> ManifestFiles.PATH_ORDER.compare(x.path(), y.path())).toList();
    }

    private Map<String, String> files() throws Exception {
        Map<String, String> tree = new TreeMap<>(FileTrees.describe(live));
        tree.keySet().removeIf(k -> Files.isDirectory(live.resolve(k)));
        return tree;
    }

    @Test
    void restoreWhenAFileAndAFolderAreChosenChangesOnlyThem() throws Exception {
        Map<String, String> before = files();
        PathRestorer.Result result = new PathRestorer(live, kept).restore(snapshot, chosen("user1/a.pdf", "user2").iterator());

        assertThat(Files.readString(live.resolve("user1/a.pdf"))).isEqualTo("report A");
        assertThat(FileTrees.read(live.resolve("user2"))).isEqualTo(Map.of("x/1.txt", "one", "2.txt", "two"));
        Map<String, String> after = files();
        for (String untouched : List.of("user1/b.pdf", "user1/new.pdf", "other.txt")) {
            assertThat(after.get(untouched)).as(untouched).isEqualTo(before.get(untouched));
        }
        assertThat(Files.readString(kept.resolve("replaced/user1/a.pdf"))).isEqualTo("report A, edited");
        assertThat(result.filesWritten()).isEqualTo(3);
        assertThat(result.filesReplaced()).isEqualTo(1);
        // the restored file is the backup's, mtime included
        FileEntry a = entries.stream().filter(e -> e.path().equals("user1/a.pdf")).findFirst().orElseThrow();
        assertThat(Files.getLastModifiedTime(live.resolve("user1/a.pdf")).to(TimeUnit.NANOSECONDS)).isEqualTo(a.mtimeNanos());
        for (String folder : List.of("user2", "user2/x")) {
            FileEntry entry = entries.stream().filter(e -> e.path().equals(folder)).findFirst().orElseThrow();
            assertThat(Files.getLastModifiedTime(live.resolve(folder)).to(TimeUnit.NANOSECONDS)).as(folder).isEqualTo(entry.mtimeNanos());
        }
    }

    @Test
    void restoreWhenRunTwiceKeepsTheFirstVersionAndWritesNothingMore() throws Exception {
        new PathRestorer(live, kept).restore(snapshot, chosen("user1/a.pdf", "user2").iterator());
        Map<String, String> once = FileTrees.describe(live);
        Map<String, String> keptOnce = FileTrees.describe(kept);

        PathRestorer.Result second = new PathRestorer(live, kept).restore(snapshot, chosen("user1/a.pdf", "user2").iterator());

        assertThat(second.filesWritten()).isZero();
        assertThat(second.filesAlreadyThere()).isEqualTo(3);
        assertThat(FileTrees.describe(live)).isEqualTo(once);
        assertThat(FileTrees.describe(kept)).isEqualTo(keptOnce);
    }

    @Test
    void restoreWhenKilledBetweenKeepingAndRenamingFinishesOnTheSecondRun() throws Exception {
        // as a kill after the live version was moved aside leaves it: kept, gone from the folder, a temporary file beside
        Files.createDirectories(kept.resolve("replaced/user1"));
        Files.move(live.resolve("user1/a.pdf"), kept.resolve("replaced/user1/a.pdf"));
        Files.writeString(live.resolve("user1/.a.pdf" + PathRestorer.TEMP_SUFFIX), "half");

        new PathRestorer(live, kept).restore(snapshot, chosen("user1/a.pdf").iterator());

        assertThat(Files.readString(live.resolve("user1/a.pdf"))).isEqualTo("report A");
        assertThat(Files.exists(live.resolve("user1/.a.pdf" + PathRestorer.TEMP_SUFFIX))).isFalse();
        new PathRestorer(live, kept).undo();
        assertThat(Files.readString(live.resolve("user1/a.pdf"))).isEqualTo("report A, edited");
    }

    @Test
    void undoWhenRunTwicePutsTheFolderBackAsBefore() throws Exception {
        Map<String, String> before = FileTrees.describe(live);
        before.remove("user1"); // the folders above keep their mtime, the one holding a.pdf too; compared below without them
        before.remove(".");
        new PathRestorer(live, kept).restore(snapshot, chosen("user1/a.pdf", "user2").iterator());

        PathRestorer.Undone undone = new PathRestorer(live, kept).undo();
        PathRestorer.Undone again = new PathRestorer(live, kept).undo();

        Map<String, String> after = FileTrees.describe(live);
        after.remove("user1");
        after.remove(".");
        assertThat(after).isEqualTo(before);
        assertThat(undone.putBack()).isEqualTo(1);
        assertThat(undone.removed()).isEqualTo(4); // user2, user2/x and their two files
        assertThat(again.putBack()).isZero();
        assertThat(again.removed()).isZero();
    }

    @Test
    void restoreWhenTheSnapshotCopyDiffersFromTheManifestRefusesAndLeavesTheFile() throws Exception {
        Files.writeString(snapshot.resolve("user1/a.pdf"), "tampered");

        assertThatThrownBy(() -> new PathRestorer(live, kept).restore(snapshot, chosen("user1/a.pdf").iterator()))
                .isInstanceOf(ArchiveInvalidException.class).hasMessageContaining("the set is damaged. user1/a.pdf was not changed");
        assertThat(Files.readString(live.resolve("user1/a.pdf"))).isEqualTo("report A, edited");
    }

    @Test
    void restoreWhenAFolderAboveIsALinkRefuses(@TempDir Path outside) throws Exception {
        Trees.delete(live.resolve("user1"));
        Files.createSymbolicLink(live.resolve("user1"), outside);

        assertThatThrownBy(() -> new PathRestorer(live, kept).restore(snapshot, chosen("user1/a.pdf").iterator()))
                .isInstanceOf(ArchiveInvalidException.class).hasMessageContaining("never writes through a link");
        assertThat(outside).isEmptyDirectory();
    }

    @Test
    void restoreWhenSideBySideWritesIntoANewFolder() throws Exception {
        Path target = dir.resolve("scratch/files-check"); // new: made by the restore

        new PathRestorer(target, null).restore(snapshot, chosen("user2").iterator());

        assertThat(FileTrees.read(target)).isEqualTo(Map.of("user2/x/1.txt", "one", "user2/2.txt", "two"));
    }
}
