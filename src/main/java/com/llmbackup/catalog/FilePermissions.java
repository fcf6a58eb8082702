package com.llmbackup.catalog;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * The modes of what the catalog writes: owner only (0600 files, 0700 folders) unless
 * {@code backup.permissions.*} say otherwise. Backups hold the whole database and every
 * document, unencrypted (R11): nobody else on the machine should read them.
 */
public final class FilePermissions {

    private final Set<PosixFilePermission> files;
    private final Set<PosixFilePermission> dirs;

    public FilePermissions(String fileMode, String dirMode) {
        this.files = PosixFilePermissions.fromString(fileMode);
        this.dirs = PosixFilePermissions.fromString(dirMode);
    }

    public static FilePermissions ownerOnly() {
        return new FilePermissions("rw-------", "rwx------");
    }

    public Path createDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return dir;
        }
        if (dir.getParent() != null) {
            createDirectories(dir.getParent());
        }
        try {
            Files.createDirectory(dir);
            Files.setPosixFilePermissions(dir, dirs);
        } catch (FileAlreadyExistsException e) {
            // created concurrently: fine
        }
        return dir;
    }

    public Path createFile(Path file) throws IOException {
        if (!Files.exists(file)) {
            Files.createFile(file);
        }
        Files.setPosixFilePermissions(file, files);
        return file;
    }

    /**
     * Gives an existing folder the folders' mode (0700 by default), whatever it had: the old
     * scripts' {@code /backup/daily} was 0755, readable by every local user. Untouched when
     * it already has it (a chmod would change its ctime for nothing).
     */
    public void lockDown(Path dir) throws IOException {
        if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) && !Files.getPosixFilePermissions(dir).equals(dirs)) {
            try {
                Files.setPosixFilePermissions(dir, dirs);
            } catch (IOException e) {
                throw new IOException("cannot make " + dir + " " + PosixFilePermissions.toString(dirs) + " (chmod " + octal(dirs)
                        + " " + dir + "): " + e.getMessage() + "; run llm-backup as the folder's owner", e);
            }
        }
    }

    /** The folders' mode as chmod takes it, e.g. {@code 700}. */
    public String dirsOctal() {
        return octal(dirs);
    }

    /** Permissions a folder has beyond the folders' mode (e.g. group and others' read on a 0755 folder). */
    public Set<PosixFilePermission> beyondDirs(Set<PosixFilePermission> actual) {
        Set<PosixFilePermission> extra = EnumSet.noneOf(PosixFilePermission.class);
        extra.addAll(actual);
        extra.removeAll(dirs);
        return extra;
    }

    static String octal(Set<PosixFilePermission> perms) {
        int mode = 0;
        for (PosixFilePermission p : perms) {
            mode |= 1 << (8 - p.ordinal());
        }
        return Integer.toOctalString(mode);
    }

    public void apply(Path file) throws IOException {
        Files.setPosixFilePermissions(file, Files.isDirectory(file) ? dirs : files);
    }

    /** Makes renames and new entries in a folder durable (Linux allows fsync on a folder). */
    static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException ignored) {
            // not every file system supports it; the rename itself is still atomic
        }
    }
}
