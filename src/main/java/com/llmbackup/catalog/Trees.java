package com.llmbackup.catalog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The one tree delete, for the catalog's sets and staging folders, the offsite staging, the
 * drill's scratch folders and the restore's extras in a live uploads folder: a file, a link or
 * a folder with everything in it. Symbolic links are deleted as links and never followed (a
 * link to a folder outside the tree leaves that folder untouched); each folder is made
 * {@code rwx------} before its entries go, so a read-only copy (a snapshot's 0555 folder) is
 * deleted without root; an absent path is nothing to do.
 */
public final class Trees {

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private Trees() {
    }

    /** {@link #deleteCounting}, a failure as {@code cannot delete <path>: <why>}. */
    public static void delete(Path path) {
        try {
            deleteCounting(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + path + ": " + e.getMessage(), e);
        }
    }

    /** Deletes the path as {@link Trees} says; returns how many entries (files, links, folders) went. */
    public static long deleteCounting(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return 0;
        }
        if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            Files.delete(path);
            return 1;
        }
        Remover remover = new Remover();
        Files.walkFileTree(path, remover);
        return remover.deleted;
    }

    /** Without FOLLOW_LINKS the walk reports a link (to a folder too) as a file: deleted as a link. */
    private static final class Remover extends SimpleFileVisitor<Path> {
        private long deleted;

        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
            // as a non-root user, the entries of a 0555 folder cannot be removed until it is writable
            Files.setPosixFilePermissions(dir, OWNER_ONLY);
            return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
            Files.delete(file);
            deleted++;
            return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
            if (exc != null) {
                throw exc;
            }
            Files.delete(dir);
            deleted++;
            return FileVisitResult.CONTINUE;
        }
    }
}
