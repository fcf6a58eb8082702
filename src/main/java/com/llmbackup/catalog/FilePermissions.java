package com.llmbackup.catalog;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
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
        } catch (java.nio.file.FileAlreadyExistsException e) {
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
