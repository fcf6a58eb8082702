package com.llmbackup.catalog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Forces what a backup wrote to disk before its manifest may say {@code complete}: a set
 * that is complete in the page cache is not complete after a power cut (issue 14, defect 1).
 * A file is forced with its metadata (size, mode, mtime); a folder's fsync makes the names
 * in it (new files, links, renames) durable.
 */
public final class Durable {

    private Durable() {
    }

    /** fsync of a file's content and metadata; a failure means the bytes may not be on disk, so it fails the step. */
    public static void force(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot flush " + file + " to disk: " + e.getMessage()
                    + ". The backup volume may be failing or full; check dmesg and free space.", e);
        }
    }

    /** Forces every file of the list, then every folder (one batched pass after writing them all, cheaper than one each as written). */
    public static void forceAll(List<Path> files, List<Path> dirs) {
        files.forEach(Durable::force);
        dirs.forEach(Durable::syncDirectory);
    }

    /** Writes bytes to a new or truncated file and forces them before returning. */
    public static void write(Path file, byte[] bytes) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** fsync of a folder (Linux allows it), making the entries created, linked or renamed in it durable. */
    public static void syncDirectory(Path dir) {
        FilePermissions.syncDirectory(dir);
    }
}
