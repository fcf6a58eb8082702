package com.llmbackup.uploads;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;

import com.llmbackup.catalog.Manifest.FileEntry;
import com.llmbackup.catalog.ManifestFiles;
import com.llmbackup.catalog.RawNames;
import com.llmbackup.catalog.Sha256;
import com.llmbackup.catalog.SnapshotCheck;

/**
 * Brings one target folder in line with the entries it is given, in path order (a parent
 * before its content), then removes what no entry named: {@link UploadsRestorer}'s writing
 * half, whatever the entries are read from. The folder itself is kept (it may be a mount
 * point or bound into a container). A file whose size, mtime, mode, owner and ctime already
 * match ({@link UnchangedFile}), or whose size and SHA-256 match the manifest's, is left alone
 * (its mode, owner and mtime set where they differ); every other file is written to a temporary
 * name beside it and renamed into place, so no reader sees half a file. Links in the live
 * folder are replaced, never followed; the {@link EntryRules} are applied again while
 * writing. Folders get their mode and mtime last, deepest first.
 */
final class FolderSync {

    private static final int BUFFER = 1 << 20;
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));
    private static final String TEMP_PREFIX = ".llm-backup-restore-";

    /** A file's content, opened once when it has to be written. */
    @FunctionalInterface
    interface Content {
        InputStream open() throws IOException;
    }

    private final Path target;
    private final Snapshotter.Progress progress;
    private final Snapshotter.Progress throttled;
    private final long filesTotal;
    private final long bytesTotal;
    /** Archive mtimes (PAX) are kept to 100 ns or less: compared to the microsecond. */
    private final UnchangedFile unchanged;
    /**
     * What was restored, for removing the rest: a snapshot's file list, read again in path order
     * against a sorted walk of the folder (nothing held); an archive's paths are kept here (null).
     */
    private final Supplier<ManifestFiles.Entries> listed;
    private final Set<String> present = new HashSet<>();
    private final Set<String> restoredLinks = new HashSet<>();
    private final Map<String, FileEntry> directories = new HashMap<>();
    private final List<String> warnings = new ArrayList<>();
    private final byte[] buffer = new byte[BUFFER];
    private final MessageDigest sha256 = Sha256.newDigest();
    private long filesDone;
    private long bytesDone;
    private long filesWritten;
    private long bytesWritten;
    private long filesKept;
    /** Of the files kept, those whose metadata could not prove them unchanged and whose SHA-256 did. */
    private long filesHashed;
    private long deleted;
    private long temp;

    FolderSync(Path target, Snapshotter.Progress progress, long filesTotal, long bytesTotal, boolean coarseTimes, Instant unchangedSince,
               Supplier<ManifestFiles.Entries> listed) {
        this.listed = listed;
        this.unchanged = UnchangedFile.forRestore(unchangedSince, coarseTimes, ROOT);
        this.target = target;
        this.progress = progress;
        this.throttled = progress.atMostTwiceASecond();
        this.filesTotal = filesTotal;
        this.bytesTotal = bytesTotal;
        try {
            if (Files.isSymbolicLink(target)) {
                throw new ArchiveInvalidException("The uploads folder " + target + " is a symbolic link: restore into the folder it points to.");
            }
            Files.createDirectories(target);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create " + target + ": " + e.getMessage(), e);
        }
    }

    void directory(String rel, FileEntry meta) throws IOException {
        Path path = parentsReady(rel);
        if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            removeAny(path, rel);
            Files.createDirectory(path);
        }
        present(rel);
        directories.put(rel, meta);
    }

    void file(String rel, FileEntry meta, Content content) throws IOException {
        Path path = parentsReady(rel);
        present(rel);
        if (alreadyThere(path, meta)) {
            filesKept++;
            done(meta.size());
            return;
        }
        refuseSpecial(path, rel);
        Path tmp = tempBeside(path);
        String sha;
        try (InputStream in = content.open();
             OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            sha256.reset();
            int n;
            while ((n = in.read(buffer)) > 0) {
                sha256.update(buffer, 0, n);
                out.write(buffer, 0, n);
            }
            sha = Sha256.hex(sha256);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        if (meta.sha256() != null && !meta.sha256().equals(sha)) {
            Files.deleteIfExists(tmp);
            throw new ArchiveInvalidException("The backup's copy of " + rel + " does not match its manifest (SHA-256 "
                    + sha + ", manifest " + meta.sha256() + "): the set is damaged. Roll back, then restore another set.");
        }
        Snapshotter.applyAttributes(tmp, meta, false);
        replace(tmp, path, rel);
        filesWritten++;
        bytesWritten += meta.size();
        done(meta.size());
    }

    void symlink(String rel, FileEntry meta, String linkTarget) throws IOException {
        Path path = parentsReady(rel);
        present(rel);
        restoredLinks.add(rel);
        if (Files.isSymbolicLink(path) && FileNames.linkTarget(Files.readSymbolicLink(path)).equals(linkTarget)) {
            Snapshotter.applyAttributes(path, meta, true);
            filesKept++;
        } else {
            refuseSpecial(path, rel);
            Path tmp = tempBeside(path);
            Files.createSymbolicLink(tmp, RawNames.relativePath(linkTarget));
            Snapshotter.applyAttributes(tmp, meta, true);
            replace(tmp, path, rel);
            filesWritten++;
        }
        String leaving = EntryRules.linkLeaving(target, path, rel, linkTarget);
        if (leaving != null) {
            warnings.add(leaving);
        }
        done(0);
    }

    void hardLink(String rel, String to) throws IOException {
        if (!present.contains(to) || !Files.isRegularFile(RawNames.resolve(target, to), LinkOption.NOFOLLOW_LINKS)) {
            throw EntryRules.hardLinkNotRestored(rel, to);
        }
        Path path = parentsReady(rel);
        present(rel);
        refuseSpecial(path, rel);
        Path tmp = tempBeside(path);
        Files.createLink(tmp, RawNames.resolve(target, to));
        replace(tmp, path, rel);
        filesWritten++;
        done(0);
    }

    UploadsRestorer.Result finish() throws IOException {
        removeExtras();
        // deepest first: setting a folder's mtime must come after everything inside it changed
        List<String> dirs = new ArrayList<>(directories.keySet());
        dirs.sort(Comparator.comparingInt((String d) -> d.split("/").length).reversed());
        for (String dir : dirs) {
            Snapshotter.applyAttributes(RawNames.resolve(target, dir), directories.get(dir), false);
        }
        progress.update(filesDone, filesTotal, bytesDone, bytesTotal);
        return new UploadsRestorer.Result(filesTotal, bytesTotal, filesWritten, bytesWritten, filesKept, filesHashed, deleted,
                List.copyOf(warnings));
    }

    private void present(String rel) {
        if (listed == null) {
            present.add(rel);
        }
    }

    /** The target path of an entry, with every folder above it a real folder (a link there is refused or replaced). */
    private Path parentsReady(String rel) throws IOException {
        for (String parent : EntryRules.parents(rel)) {
            if (restoredLinks.contains(parent)) {
                throw EntryRules.throughLink(rel, parent);
            }
            Path current = RawNames.resolve(target, parent);
            if (!Files.isDirectory(current, LinkOption.NOFOLLOW_LINKS)) {
                // a file or link of the live folder where the backup has a folder
                removeAny(current, parent);
                Files.createDirectory(current);
            }
            present(parent);
        }
        return EntryRules.inside(target, rel);
    }

    /**
     * Whether the live file already holds the backup's content: its metadata proves it
     * ({@link UnchangedFile}), or, where it cannot (a copied or moved folder: every ctime new; an
     * earlier restore; a touched mtime or mode), it has the same size and the manifest's
     * SHA-256, read from it: reading is cheaper than writing and forcing to disk (issue 30).
     * Then only what differs of its mode, owner and mtime is set.
     */
    private boolean alreadyThere(Path path, FileEntry meta) throws IOException {
        if (!Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        UnchangedFile.Difference difference = unchanged.compare(meta, UnchangedFile.State.read(path));
        if (difference == UnchangedFile.Difference.NONE) {
            return true;
        }
        if (meta.sha256() == null || difference == UnchangedFile.Difference.NOT_A_FILE || difference == UnchangedFile.Difference.SIZE
                || !meta.sha256().equals(SnapshotCheck.sha256(path, buffer))) {
            return false;
        }
        // the rules are checked in this order: from the ctime on, size, mtime, mode and owner are equal
        if (difference == UnchangedFile.Difference.MTIME || difference == UnchangedFile.Difference.MODE
                || difference == UnchangedFile.Difference.OWNER) {
            Snapshotter.applyAttributes(path, meta, false);
        }
        filesHashed++;
        return true;
    }

    private Path tempBeside(Path path) {
        return path.resolveSibling(TEMP_PREFIX + ProcessHandle.current().pid() + "-" + (temp++));
    }

    private void replace(Path tmp, Path path, String rel) throws IOException {
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            removeAny(path, rel);
        }
        // rename replaces a link itself, never what it points to
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Deletes what is at the path, where the backup has something else (a folder with its content,
     * links not followed): what no backup holds is never deleted ({@link Extras}), so a FIFO, a
     * socket or a device there, or kept inside that folder, fails the restore, naming it.
     */
    private void removeAny(Path path, String rel) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        // the backup holds this very name: only what no backup holds is kept
        SortedWalk.walk(path, rel, new Extras(unlisted -> false, false));
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new ArchiveInvalidException("The restore must put the backup's " + RawNames.display(rel) + " where the uploads folder "
                    + "holds what no backup can hold (a FIFO, socket or device, or a name kept as above), which a restore never "
                    + "deletes. Move it out of " + target + ", then retry the restore.");
        }
    }

    /** A FIFO, socket or device where the backup has an entry: never replaced (see {@link #removeAny}). */
    private void refuseSpecial(Path path, String rel) throws IOException {
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)
                && !Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(path)) {
            removeAny(path, rel);
        }
    }

    /**
     * Everything in the folder that the backup does not hold (files created since, leftovers of
     * an interrupted restore): for a snapshot, the folder walked in path order and merge-joined
     * with the file list; for an archive, the paths it wrote.
     */
    private void removeExtras() throws IOException {
        if (listed == null) {
            SortedWalk.walk(target, new Extras(present::contains, true));
            return;
        }
        try (ManifestFiles.Entries entries = listed.get()) {
            ManifestFiles.Cursor cursor = new ManifestFiles.Cursor(entries);
            SortedWalk.walk(target, new Extras(rel -> cursor.find(rel) != null, true));
        }
    }

    /**
     * Deletes what {@code kept} does not hold (paths as the file lists write them), except what
     * a backup could not hold: a FIFO, socket or device is never deleted (no set holds one), nor
     * a name that is not valid UTF-8 (sets made before such names were backed up skipped them).
     * Each is kept where it is with a warning, and so are the folders above it.
     */
    private final class Extras implements SortedWalk.Visitor {
        private final Predicate<String> kept;
        private final boolean keepRawNames;
        /** Per folder entered: whether it goes once its content is gone. */
        private final Deque<Boolean> removing = new ArrayDeque<>();

        Extras(Predicate<String> kept, boolean keepRawNames) {
            this.kept = kept;
            this.keepRawNames = keepRawNames;
        }

        @Override
        public FileVisitResult enter(Path dir, String rel, Map<String, Object> attributes) {
            if (rel.equals(".") || kept.test(rel)) {
                removing.push(false);
            } else if (keepRawNames && RawNames.hasRawBytes(rel)) {
                warnings.add(keptUnlisted(rel, "a folder whose name is not valid UTF-8 (bytes shown as %XX), which sets made before such names "
                        + "were backed up skipped"));
                return FileVisitResult.SKIP_SUBTREE;
            } else {
                removing.push(true);
            }
            return FileVisitResult.CONTINUE;
        }

        @Override
        public void leave(Path dir, String rel) throws IOException {
            if (removing.pop()) {
                try {
                    Files.delete(dir);
                    deleted++;
                } catch (DirectoryNotEmptyException e) {
                    // it holds what was kept
                }
            }
        }

        @Override
        public void visit(Path file, String rel, Map<String, Object> attributes) throws IOException {
            if (kept.test(rel)) {
                return;
            }
            if (!Boolean.TRUE.equals(attributes.get("isRegularFile")) && !Boolean.TRUE.equals(attributes.get("isSymbolicLink"))) {
                warnings.add(keptUnlisted(rel, "a FIFO, socket or device, which no backup holds"));
            } else if (keepRawNames && RawNames.hasRawBytes(rel)) {
                warnings.add(keptUnlisted(rel, "a file whose name is not valid UTF-8 (bytes shown as %XX), which sets made before such names "
                        + "were backed up skipped"));
            } else {
                Files.delete(file);
                deleted++;
            }
        }
    }

    private static String keptUnlisted(String rel, String what) {
        return "Kept " + RawNames.display(rel) + ": not in the backup, but " + what
                + ", and a restore never deletes what a backup may not have held.";
    }

    private void done(long size) {
        filesDone++;
        bytesDone += size;
        throttled.update(filesDone, filesTotal, bytesDone, bytesTotal);
    }
}
