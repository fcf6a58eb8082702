package com.llmbackup.uploads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;

import com.llmbackup.catalog.Trees;
import com.llmbackup.exec.Command;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.test.FileTrees;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Restores on real folders: exactly the backup's tree, nothing shared with it, nothing written outside. */
class UploadsRestorerTests {

    private final Snapshotter snapshotter = new Snapshotter();
    private final TarGzArchiver archiver = new TarGzArchiver();
    private final UploadsRestorer restorer = new UploadsRestorer();

    @TempDir
    Path dir;

    @Test
    void fromSnapshotWhenFolderIsACopyKeepsFilesWhoseSha256MatchesAndWritesOnlyWhatDiffers() throws Exception {
        Path live = dir.resolve("uploads");
        FileTrees.write(live, Map.of("user1/a.pdf", "A", "user1/b.pdf", "BB", "user2/회의록.txt", "회의", "same-size.txt", "1234"));
        Snapshotter.Result snap = snapshotter.snapshot(live, dir.resolve("snap"), null, Map.of(), Snapshotter.Progress.NONE);
        Instant started = Instant.now();
        // the folder copied elsewhere (a migration, a disaster recovery): every inode and ctime new, mtimes kept
        Path copy = dir.resolve("copy");
        Process cp = new ProcessBuilder("cp", "-a", live.toString(), copy.toString()).start();
        assertThat(cp.waitFor()).isZero();
        // a change that keeps size and mtime: only its content tells
        FileTime mtime = Files.getLastModifiedTime(copy.resolve("same-size.txt"));
        Files.writeString(copy.resolve("same-size.txt"), "abcd");
        Files.setLastModifiedTime(copy.resolve("same-size.txt"), mtime);
        // a touched mtime on equal content
        Files.setLastModifiedTime(copy.resolve("user1/b.pdf"), FileTime.fromMillis(1_000));
        Object inode = FileTrees.inode(copy.resolve("user1/b.pdf"));
        Map<String, String> expected = FileTrees.describe(live);

        UploadsRestorer.Result result = restorer.fromSnapshot(dir.resolve("snap"), snap.entries(), copy, started,
                Snapshotter.Progress.NONE);

        assertThat(result.filesWritten()).isEqualTo(1);
        assertThat(result.filesKept()).isEqualTo(3);
        assertThat(result.filesHashed()).isEqualTo(3);
        assertThat(copy.resolve("same-size.txt")).hasContent("1234");
        assertThat(FileTrees.inode(copy.resolve("user1/b.pdf"))).as("read and kept, not rewritten").isEqualTo(inode);
        assertThat(withoutTop(FileTrees.describe(copy))).isEqualTo(withoutTop(expected));
    }

    @Test
    void fromSnapshotWhenFolderChangedGivesExactlyTheBackupAndSharesNoInode() throws Exception {
        Path live = dir.resolve("uploads");
        FileTrees.write(live, Map.of("user1/a.pdf", "A", "user1/b.pdf", "BB", "user2/회의록 2025.txt", "회의", "same.txt", "same"));
        Files.createDirectories(live.resolve("empty"));
        Files.createSymbolicLink(live.resolve("user1/latest.pdf"), Path.of("a.pdf"));
        Files.setPosixFilePermissions(live.resolve("user1/b.pdf"), PosixFilePermissions.fromString("rw-r-----"));
        Files.setAttribute(live.resolve("user2/회의록 2025.txt"), "unix:uid", 1234);
        Instant started = Instant.now().plusSeconds(2);
        Thread.sleep(10);
        Snapshotter.Result snap = snapshotter.snapshot(live, dir.resolve("snap"), null, Map.of(), Snapshotter.Progress.NONE);
        Map<String, String> atBackup = FileTrees.describe(live);

        // after the backup: new, changed, deleted, chmod-only, a folder replaced by a link to elsewhere
        Files.writeString(live.resolve("user1/new.pdf"), "new");
        Files.writeString(live.resolve("user1/a.pdf"), "A, edited");
        Files.delete(live.resolve("user1/b.pdf"));
        Files.setPosixFilePermissions(live.resolve("same.txt"), PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.createDirectories(dir.resolve("elsewhere"));
        Files.writeString(dir.resolve("elsewhere/keep.txt"), "not ours");
        Trees.delete(live.resolve("user2"));
        Files.createSymbolicLink(live.resolve("user2"), dir.resolve("elsewhere"));

        UploadsRestorer.Result result = restorer.fromSnapshot(dir.resolve("snap"), snap.entries(), live, started, Snapshotter.Progress.NONE);

        assertThat(FileTrees.describe(live)).isEqualTo(atBackup);
        assertThat(result.entriesDeleted()).isGreaterThanOrEqualTo(2);
        assertThat(dir.resolve("elsewhere/keep.txt")).as("the link was replaced, never followed").hasContent("not ours");
        for (String file : List.of("user1/a.pdf", "user1/b.pdf", "same.txt", "user2/회의록 2025.txt")) {
            assertThat(FileTrees.inode(live.resolve(file))).as(file).isNotEqualTo(FileTrees.inode(dir.resolve("snap").resolve(file)));
        }
        try (var left = Files.list(live.resolve("user1"))) {
            assertThat(left.map(p -> p.getFileName().toString())).as("no temporary file left")
                    .noneMatch(n -> n.startsWith(".llm-backup-restore-"));
        }
    }

    @Test
    void fromSnapshotWhenFileRewrittenWithSameSizeAndTimeStillRestoresIt() throws Exception {
        Path live = dir.resolve("uploads");
        FileTrees.write(live, Map.of("v.txt", "1"));
        Instant backupStarted = Instant.now();
        Snapshotter.Result snap = snapshotter.snapshot(live, dir.resolve("snap"), null, Map.of(), Snapshotter.Progress.NONE);
        var mtime = Files.getLastModifiedTime(live.resolve("v.txt"));
        Files.writeString(live.resolve("v.txt"), "2");
        Files.setLastModifiedTime(live.resolve("v.txt"), mtime); // same size, same mtime: only ctime tells

        restorer.fromSnapshot(dir.resolve("snap"), snap.entries(), live, backupStarted, Snapshotter.Progress.NONE);

        assertThat(live.resolve("v.txt")).hasContent("1");
    }

    @Test
    void fromSnapshotWhenBackupCopyDamagedFailsNamingTheFile() throws Exception {
        Path live = dir.resolve("uploads");
        FileTrees.write(live, Map.of("doc.pdf", "original"));
        Snapshotter.Result snap = snapshotter.snapshot(live, dir.resolve("snap"), null, Map.of(), Snapshotter.Progress.NONE);
        Files.writeString(live.resolve("doc.pdf"), "changed since");
        Path copy = dir.resolve("snap/doc.pdf");
        Files.writeString(copy, "damaged!"); // same size as "original"

        assertThatThrownBy(() -> restorer.fromSnapshot(dir.resolve("snap"), snap.entries(), live, null, Snapshotter.Progress.NONE))
                .isInstanceOf(ArchiveInvalidException.class)
                .hasMessageContaining("The backup's copy of doc.pdf does not match its manifest");
        assertThat(live.resolve("doc.pdf")).as("the live file is kept when its backup copy is bad").hasContent("changed since");
    }

    @Test
    void fromArchiveWhenFolderChangedGivesTheArchivedTree() throws Exception {
        Path live = dir.resolve("uploads");
        FileTrees.write(live, Map.of("user1/a.pdf", "A", "user2/b.txt", "B"));
        Files.createSymbolicLink(live.resolve("user1/hosts"), Path.of("/etc/hosts"));
        Instant started = Instant.now().plusSeconds(2);
        archiver.archive(live, dir.resolve("u.tar.gz"), Snapshotter.Progress.NONE);
        Map<String, String> atBackup = micros(FileTrees.describe(live));
        Files.writeString(live.resolve("user1/later.pdf"), "later");
        Files.writeString(live.resolve("user2/b.txt"), "B, edited");

        UploadsRestorer.Result result = restorer.fromArchive(dir.resolve("u.tar.gz"), List.of("uploads"), live, started,
                Snapshotter.Progress.NONE);

        assertThat(micros(FileTrees.describe(live))).isEqualTo(atBackup);
        assertThat(result.warnings()).singleElement().asString().contains("user1/hosts").contains("outside the uploads folder");
    }

    @Test
    void fromArchiveWhenFolderVolumeIsFullNamesTheFolderAndWhatToDoAndLeavesNoPartialFile() throws Exception {
        Path live = dir.resolve("uploads");
        byte[] noise = new byte[2 * 1024 * 1024];
        new Random(14).nextBytes(noise);
        Files.createDirectories(live.resolve("user1"));
        Files.write(live.resolve("user1/scan.pdf"), noise);
        archiver.archive(live, dir.resolve("u.tar.gz"), Snapshotter.Progress.NONE);
        // the folder to restore into on a 1 MiB volume
        Path volume = Files.createDirectories(dir.resolve("volume"));
        Path target = volume.resolve("uploads");
        new CommandRunner().run(Command.of("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", volume.toString()));
        try {
            assertThatThrownBy(() -> restorer.fromArchive(dir.resolve("u.tar.gz"), List.of("uploads"), target, null, Snapshotter.Progress.NONE))
                    .hasMessageStartingWith("Restoring " + target + " from u.tar.gz failed: No space left on device. The volume of "
                            + target + " is full (")
                    .hasMessageEndingWith(" free; the set's files total 2.0 MiB): the folder is partly restored. Free space on that "
                            + "volume, then roll back (to the safety set) or close the restore.");
            try (var left = Files.walk(target)) {
                assertThat(left.filter(Files::isRegularFile)).as("no partial file takes the space").isEmpty();
            }
        } finally {
            new CommandRunner().run(Command.of("umount", volume.toString()));
        }
    }

    @Test
    void scanArchiveWhenEntryIsHostileRefusesItAndWritesNothing() throws Exception {
        Map<String, List<String[]>> hostile = new TreeMap<>();
        hostile.put("its name climbs out with '..'", List.<String[]>of(new String[] {"uploads/../../escaped.txt", "file", "x"}));
        hostile.put("its name is an absolute path", List.<String[]>of(new String[] {"/tmp/escaped.txt", "file", "x"}));
        hostile.put("it is not below uploads/", List.<String[]>of(new String[] {"etc/cron.d/job", "file", "x"}));
        hostile.put("it would be written through the symbolic link link", List.of(
                new String[] {"uploads/link", "symlink", dir.toString()}, new String[] {"uploads/link/escaped.txt", "file", "x"}));
        hostile.put("it is a hard link to /etc/passwd", List.<String[]>of(new String[] {"uploads/passwd", "hardlink", "/etc/passwd"}));
        hostile.put("it is a device, fifo or other special file", List.<String[]>of(new String[] {"uploads/dev", "fifo", null}));
        int n = 0;
        for (var c : hostile.entrySet()) {
            Path archive = dir.resolve("hostile" + (n++) + ".tar.gz");
            writeTarGz(archive, c.getValue());
            Path target = dir.resolve("target" + n);
            assertThatThrownBy(() -> restorer.fromArchive(archive, List.of("uploads"), target, null, Snapshotter.Progress.NONE))
                    .as(c.getKey()).isInstanceOf(ArchiveInvalidException.class)
                    .hasMessageContaining("Refused archive entry").hasMessageContaining(c.getKey())
                    .hasMessageContaining("Nothing was written outside the uploads folder");
            assertThat(target).doesNotExist();
        }
        assertThat(dir.resolve("escaped.txt")).doesNotExist();
        assertThat(Path.of("/tmp/escaped.txt")).doesNotExist();
    }

    private static Map<String, String> micros(Map<String, String> tree) {
        Map<String, String> out = new HashMap<>();
        tree.forEach((k, v) -> {
            if (!k.equals(".")) {
                out.put(k, v.replaceAll("mtime=(\\d+)(\\d{3})", "mtime=$1"));
            }
        });
        return out;
    }

    /** {name, type (file, symlink, hardlink, fifo), content or link target}, names kept raw as an attacker writes them. */
    static void writeTarGz(Path file, List<String[]> entries) throws Exception {
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(new GZIPOutputStream(Files.newOutputStream(file)))) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (String[] e : entries) {
                TarArchiveEntry entry;
                switch (e[1]) {
                    case "symlink" -> {
                        entry = new TarArchiveEntry(e[0], TarConstants.LF_SYMLINK, true);
                        entry.setLinkName(e[2]);
                    }
                    case "hardlink" -> {
                        entry = new TarArchiveEntry(e[0], TarConstants.LF_LINK, true);
                        entry.setLinkName(e[2]);
                    }
                    case "fifo" -> entry = new TarArchiveEntry(e[0], TarConstants.LF_FIFO, true);
                    default -> {
                        entry = new TarArchiveEntry(e[0], true);
                        entry.setSize(e[2].getBytes(StandardCharsets.UTF_8).length);
                    }
                }
                out.putArchiveEntry(entry);
                if (e[1].equals("file")) {
                    out.write(e[2].getBytes(StandardCharsets.UTF_8));
                }
                out.closeArchiveEntry();
            }
        }
    }

    private static Map<String, String> withoutTop(Map<String, String> tree) {
        Map<String, String> copy = new TreeMap<>(tree);
        copy.remove(".");
        return copy;
    }
}
