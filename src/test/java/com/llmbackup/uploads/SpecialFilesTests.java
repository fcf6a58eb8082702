package com.llmbackup.uploads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.llmbackup.catalog.Manifest.FileEntry;
import com.llmbackup.test.FileTrees;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FIFOs and sockets in the live uploads folder (issue 25): no backup holds one, so the backup
 * names each, and no restore or rollback deletes one, nor the folders above it.
 */
class SpecialFilesTests {

    @TempDir
    Path dir;

    @Test
    void snapshotAndArchiveNameFifoAndSocketWhenTheyCannotHoldThem() throws Exception {
        Path live = dir.resolve("uploads");
        FileTrees.write(live, Map.of("user1/a.pdf", "A"));
        fifo(live.resolve("user1/pipe"));
        try (ServerSocketChannel socket = socket(live.resolve("user1/app.sock"))) {
            Snapshotter.Result snapshot = new Snapshotter().snapshot(live, dir.resolve("snap"), null, Map.of(), Snapshotter.Progress.NONE);
            TarGzArchiver.Result archive = new TarGzArchiver().archive(live, dir.resolve("full.tar.gz"), Snapshotter.Progress.NONE);

            for (List<String> warnings : List.of(snapshot.warnings(), archive.warnings())) {
                assertThat(warnings).containsExactly(
                        "Not in this set: user1/app.sock is not a regular file, folder or symbolic link (a FIFO, socket or device). "
                                + "A restore keeps it where it is and never deletes it; the program that made it makes it again.",
                        "Not in this set: user1/pipe is not a regular file, folder or symbolic link (a FIFO, socket or device). "
                                + "A restore keeps it where it is and never deletes it; the program that made it makes it again.");
            }
            assertThat(snapshot.entries()).extracting(FileEntry::path).containsExactly(".", "user1", "user1/a.pdf");
        }
    }

    @Test
    void inPlaceRestoreAndItsRollbackKeepFifosAndSocketsAndTheFoldersAboveThem() throws Exception {
        Path live = dir.resolve("uploads");
        FileTrees.write(live, Map.of("user1/a.pdf", "A"));
        Snapshotter.Result backup = new Snapshotter().snapshot(live, dir.resolve("backup"), null, Map.of(), Snapshotter.Progress.NONE);
        fifo(live.resolve("user1/pipe"));
        // a folder created since the backup: its files go, the FIFO in it and so the folder stay
        FileTrees.write(live, Map.of("since/new.pdf", "new"));
        fifo(live.resolve("since/pipe"));
        try (ServerSocketChannel socket = socket(live.resolve("app.sock"))) {
            Snapshotter.Result safety = new Snapshotter().snapshot(live, dir.resolve("safety"), null, Map.of(), Snapshotter.Progress.NONE);
            UploadsRestorer restorer = new UploadsRestorer();

            UploadsRestorer.Result restore = restorer.fromSnapshot(dir.resolve("backup"), backup.entries(), live,
                    Instant.now().plusSeconds(5), Snapshotter.Progress.NONE);

            assertThat(live.resolve("user1/pipe")).satisfies(SpecialFilesTests::isFifo);
            assertThat(live.resolve("since/pipe")).satisfies(SpecialFilesTests::isFifo);
            assertThat(live.resolve("app.sock")).satisfies(SpecialFilesTests::isSocket);
            assertThat(live.resolve("since/new.pdf")).doesNotExist();
            assertThat(restore.warnings()).contains("Kept since/pipe: not in the backup, but a FIFO, socket or device, which no "
                    + "backup holds, and a restore never deletes what a backup may not have held.")
                    .anyMatch(w -> w.startsWith("Kept app.sock: "));

            restorer.fromSnapshot(dir.resolve("safety"), safety.entries(), live, Instant.now().plusSeconds(5), Snapshotter.Progress.NONE);

            assertThat(live.resolve("since/new.pdf")).hasContent("new");
            assertThat(live.resolve("since/pipe")).satisfies(SpecialFilesTests::isFifo);
            assertThat(live.resolve("app.sock")).satisfies(SpecialFilesTests::isSocket);
        }
    }

    @Test
    void restoreRefusesAndKeepsTheFifoWhenTheBackupHasAFileOfItsName() throws Exception {
        Path live = dir.resolve("uploads");
        FileTrees.write(live, Map.of("user1/report", "R"));
        Snapshotter.Result backup = new Snapshotter().snapshot(live, dir.resolve("backup"), null, Map.of(), Snapshotter.Progress.NONE);
        Files.delete(live.resolve("user1/report"));
        fifo(live.resolve("user1/report"));

        assertThatThrownBy(() -> new UploadsRestorer().fromSnapshot(dir.resolve("backup"), backup.entries(), live,
                Instant.now().plusSeconds(5), Snapshotter.Progress.NONE))
                .hasMessageContaining("must put the backup's user1/report where the uploads folder holds what no backup can hold")
                .hasMessageContaining("Move it out of " + live);
        assertThat(live.resolve("user1/report")).satisfies(SpecialFilesTests::isFifo);
    }

    private static void fifo(Path path) throws Exception {
        Process p = new ProcessBuilder("mkfifo", path.toString()).redirectErrorStream(true).start();
        assertThat(p.waitFor()).isZero();
    }

    private static ServerSocketChannel socket(Path path) throws Exception {
        return ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(path));
    }

    private static void isFifo(Path path) {
        assertThat(Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(Files.exists(path, LinkOption.NOFOLLOW_LINKS)).isTrue();
    }

    private static void isSocket(Path path) {
        isFifo(path);
    }
}
