package com.llmbackup.uploads;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import com.llmbackup.catalog.Manifest.FileEntry;
import com.llmbackup.catalog.ManifestFiles;
import com.llmbackup.catalog.Sizes;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.springframework.stereotype.Component;

/**
 * Restores an uploads folder exactly as a backup holds it (the runbook's defect D8): files
 * created since the backup are removed, changed ones are replaced, modes, owners (as root)
 * and mtimes are those of the backup. The folder itself is kept (it may be a mount point
 * or bound into a container); its content is brought in line, as {@code rsync -a --delete}
 * would, but a file whose size, mtime, mode and owner already match is left alone, and
 * every other file is written to a temporary name and renamed into place, so no reader
 * sees half a file. "Already match" is {@link UnchangedFile}, the snapshot's own rule: size,
 * mtime, mode, owner and ctime (a file rewritten in the same clock tick keeps size and mtime;
 * its ctime, which no program can set back, must equal the one recorded and be older than the
 * start of the backup, {@code unchangedSince}); without that time (a legacy set) every file
 * is written. Files are copied, never linked: the restored folder shares no inode
 * with the backup.
 *
 * <p>Archives are read as untrusted input: an entry with an absolute name, a {@code ..}
 * component, a name outside {@code uploads/}, a device or fifo, a hard link to something
 * not in the archive, or one that would be written through a symbolic link is refused,
 * before anything is written when {@link #scanArchive} runs first, and again while writing.
 */
@Component
public class UploadsRestorer {

    private static final int BUFFER = 1 << 20;
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));
    private static final String TEMP_PREFIX = ".llm-backup-restore-";

    /** {@link #fromSnapshot(Path, Supplier, Path, Instant, Snapshotter.Progress)} with the entries in memory (tests, small trees). */
    public Result fromSnapshot(Path snapshot, List<FileEntry> expected, Path target, Instant unchangedSince, Snapshotter.Progress progress) {
        return fromSnapshot(snapshot, expected == null ? null : () -> ManifestFiles.of(expected), target, unchangedSince, progress);
    }

    /**
     * Restores from a daily (or safety) snapshot folder; {@code expected} opens its file list
     * (in path order, a parent before its content), or is null for a legacy set. The list is
     * read twice, streamed: once for the totals the progress shows, once to restore.
     */
    public Result fromSnapshot(Path snapshot, Supplier<ManifestFiles.Entries> expected, Path target, Instant unchangedSince,
                               Snapshotter.Progress progress) {
        Supplier<ManifestFiles.Entries> entries = expected != null ? expected : legacy(snapshot);
        long bytesTotal = 0;
        long filesTotal = 0;
        try (ManifestFiles.Entries all = entries.get()) {
            while (all.hasNext()) {
                FileEntry e = all.next();
                if (FileEntry.FILE.equals(e.type())) {
                    bytesTotal += e.size();
                }
                if (!FileEntry.DIRECTORY.equals(e.type())) {
                    filesTotal++;
                }
            }
        }
        Sync sync = new Sync(target, progress, filesTotal, bytesTotal, false, unchangedSince, entries);
        try (ManifestFiles.Entries all = entries.get()) {
            while (all.hasNext()) {
                FileEntry e = all.next();
                String rel = checkRelative(e.path());
                switch (e.type()) {
                    case FileEntry.DIRECTORY -> sync.directory(rel, e);
                    case FileEntry.SYMLINK -> sync.symlink(rel, e, e.linkTarget());
                    case FileEntry.FILE -> {
                        Path source = snapshot.resolve(rel);
                        if (!Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
                            throw new ArchiveInvalidException("The snapshot " + snapshot.getFileName() + " lacks " + rel
                                    + ", which its manifest lists: the set is damaged. Restore another set.");
                        }
                        sync.file(rel, e, () -> Files.newInputStream(source, LinkOption.NOFOLLOW_LINKS));
                    }
                    default -> throw new ArchiveInvalidException("Unknown entry type " + e.type() + " for " + rel + " in the manifest.");
                }
            }
            return sync.finish();
        } catch (IOException e) {
            throw failed(target, snapshot.toString(), bytesTotal, e);
        }
    }

    /** A legacy snapshot (no manifest): its entries read from the folder itself, once, in memory. */
    private static Supplier<ManifestFiles.Entries> legacy(Path snapshot) {
        List<FileEntry> walked = walk(snapshot);
        return () -> ManifestFiles.of(walked);
    }

    /**
     * Restores from a weekly {@code tar.gz} whose entries are {@code <prefix>/...}; {@code prefixes}
     * are the accepted first components ({@code uploads}, and the seed's {@code tar -czf F /path/to/uploads/}).
     */
    public Result fromArchive(Path archive, List<String> prefixes, Path target, Instant unchangedSince, Snapshotter.Progress progress) {
        Scan scan = scanArchive(archive, prefixes);
        Sync sync = new Sync(target, progress, scan.files(), scan.bytes(), true, unchangedSince, null);
        try (InputStream file = new BufferedInputStream(Files.newInputStream(archive), BUFFER);
             GzipCompressorInputStream gz = new GzipCompressorInputStream(file, true);
             TarArchiveInputStream tar = new TarArchiveInputStream(gz)) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                String rel = archiveRelative(entry.getName(), prefixes);
                FileEntry meta = meta(rel, entry);
                if (rel.isEmpty()) {
                    continue; // the uploads folder itself: kept as it is
                }
                if (entry.isDirectory()) {
                    sync.directory(rel, meta);
                } else if (entry.isSymbolicLink()) {
                    sync.symlink(rel, meta, entry.getLinkName());
                } else if (entry.isLink()) {
                    sync.hardLink(rel, archiveRelative(entry.getLinkName(), prefixes));
                } else {
                    TarArchiveInputStream body = tar;
                    sync.file(rel, meta, () -> new NonClosingStream(body));
                }
            }
            return sync.finish();
        } catch (IOException e) {
            throw failed(target, archive.getFileName().toString(), scan.bytes(), e);
        }
    }

    /**
     * A write that failed; a full volume says which folder's volume and what to do, since the
     * folder is left partly restored (extras are removed only at the end, nothing half written).
     */
    private static UncheckedIOException failed(Path target, String source, long bytesTotal, IOException e) {
        String message = "Restoring " + target + " from " + source + " failed: " + e.getMessage();
        String reason = e instanceof FileSystemException fs ? fs.getReason() : e.getMessage();
        if (reason != null && reason.contains("No space left on device")) {
            String free;
            try {
                free = Sizes.human(Files.getFileStore(target).getUsableSpace()) + " free";
            } catch (IOException unknown) {
                free = "free space unknown";
            }
            message += ". The volume of " + target + " is full (" + free + "; the set's files total " + Sizes.human(bytesTotal)
                    + "): the folder is partly restored. Free space on that volume, then roll back (to the safety set) or close the restore.";
        }
        return new UncheckedIOException(message, e);
    }

    /** Reads every entry's header and refuses the archive if any entry could write outside the uploads folder. */
    public Scan scanArchive(Path archive, List<String> prefixes) {
        long files = 0;
        long bytes = 0;
        Set<String> symlinks = new HashSet<>();
        Set<String> regular = new HashSet<>();
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream file = new DigestInputStream(new BufferedInputStream(Files.newInputStream(archive), BUFFER), sha256);
             GzipCompressorInputStream gz = new GzipCompressorInputStream(file, true);
             TarArchiveInputStream tar = new TarArchiveInputStream(gz)) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                String rel = archiveRelative(entry.getName(), prefixes);
                for (String parent : parents(rel)) {
                    if (symlinks.contains(parent)) {
                        throw hostile(entry.getName(), "it would be written through the symbolic link " + parent);
                    }
                }
                if (entry.isDirectory()) {
                    continue;
                }
                // commons-compress counts any non-folder as a "file": special files are asked for first
                if (entry.isFIFO() || entry.isCharacterDevice() || entry.isBlockDevice()) {
                    throw hostile(entry.getName(), "it is a device, fifo or other special file");
                }
                if (entry.isSymbolicLink()) {
                    symlinks.add(rel);
                } else if (entry.isLink()) {
                    String to;
                    try {
                        to = archiveRelative(entry.getLinkName(), prefixes);
                    } catch (ArchiveInvalidException outside) {
                        to = null;
                    }
                    if (to == null || !regular.contains(to)) {
                        throw hostile(entry.getName(), "it is a hard link to " + entry.getLinkName() + ", which is not a file earlier in the archive");
                    }
                } else if (entry.isFile()) {
                    regular.add(rel);
                    bytes += entry.getSize();
                } else {
                    throw hostile(entry.getName(), "it is a device, fifo or other special file");
                }
                files++;
            }
            // the whole file, trailing padding included, for the checksum the manifest keeps
            file.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new ArchiveInvalidException("Cannot read the archive " + archive.getFileName() + ": " + e.getMessage()
                    + ". The file is damaged: restore another set.", e);
        }
        return new Scan(files, bytes, HexFormat.of().formatHex(sha256.digest()));
    }

    /** An archive entry's path below the uploads folder ("" for the folder itself), or a refusal naming it. */
    static String archiveRelative(String name, List<String> prefixes) {
        if (name.indexOf('\0') >= 0) {
            throw hostile(name, "its name contains a NUL character");
        }
        if (name.startsWith("/")) {
            throw hostile(name, "its name is an absolute path");
        }
        List<String> parts = new ArrayList<>();
        for (String part : name.split("/")) {
            if (part.equals("..")) {
                throw hostile(name, "its name climbs out with '..'");
            }
            if (!part.isEmpty() && !part.equals(".")) {
                parts.add(part);
            }
        }
        String joined = String.join("/", parts);
        for (String prefix : prefixes) {
            String p = prefix.replaceAll("^/+|/+$", "");
            if (joined.equals(p)) {
                return "";
            }
            if (joined.startsWith(p + "/")) {
                return joined.substring(p.length() + 1);
            }
        }
        throw hostile(name, "it is not below " + String.join("/ or ", prefixes) + "/");
    }

    private static String checkRelative(String rel) {
        if (rel.isEmpty() || rel.startsWith("/") || rel.indexOf('\0') >= 0 || List.of(rel.split("/")).contains("..")) {
            throw hostile(rel, "it is not a path inside the uploads folder");
        }
        return rel;
    }

    private static ArchiveInvalidException hostile(String name, String why) {
        return new ArchiveInvalidException("Refused archive entry '" + name + "': " + why
                + ". Nothing was written outside the uploads folder; the archive is not restorable as it is.");
    }

    private static List<String> parents(String rel) {
        List<String> parents = new ArrayList<>();
        int slash = rel.indexOf('/');
        while (slash > 0) {
            parents.add(rel.substring(0, slash));
            slash = rel.indexOf('/', slash + 1);
        }
        return parents;
    }

    private static FileEntry meta(String rel, TarArchiveEntry entry) {
        String type = entry.isDirectory() ? FileEntry.DIRECTORY : entry.isSymbolicLink() ? FileEntry.SYMLINK : FileEntry.FILE;
        long mtime = entry.getLastModifiedTime().to(TimeUnit.NANOSECONDS);
        return new FileEntry(rel, type, entry.getSize(), mtime, entry.getMode() & 07777, (int) entry.getLongUserId(),
                (int) entry.getLongGroupId(), entry.getUserName(), entry.getGroupName(), null,
                entry.isSymbolicLink() ? entry.getLinkName() : null);
    }

    /** The entries of a legacy snapshot without a manifest, read from the folder itself. */
    private static List<FileEntry> walk(Path snapshot) {
        List<FileEntry> entries = new ArrayList<>();
        UnixAttributes attributes = new UnixAttributes();
        try {
            Files.walkFileTree(snapshot, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    if (!dir.equals(snapshot)) {
                        entries.add(attributes.entry(rel(dir), FileEntry.DIRECTORY, 0, attributes.read(dir), null, null));
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Map<String, Object> unix = attributes.read(file);
                    if (attrs.isSymbolicLink()) {
                        entries.add(attributes.entry(rel(file), FileEntry.SYMLINK, 0, unix, null, Files.readSymbolicLink(file).toString()));
                    } else if (attrs.isRegularFile()) {
                        entries.add(attributes.entry(rel(file), FileEntry.FILE, attrs.size(), unix, null, null));
                    }
                    return FileVisitResult.CONTINUE;
                }

                private String rel(Path p) {
                    return snapshot.relativize(p).toString();
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the snapshot " + snapshot + ": " + e.getMessage(), e);
        }
        return entries;
    }

    /** What a restore did to the folder. */
    public record Result(long filesTotal, long bytesTotal, long filesWritten, long bytesWritten, long filesKept,
                         long entriesDeleted, List<String> warnings) {
    }

    /** Files (and links) and bytes an archive holds, and the SHA-256 of the archive file. */
    public record Scan(long files, long bytes, String sha256) {
    }

    @FunctionalInterface
    private interface Content {
        InputStream open() throws IOException;
    }

    /** Brings one target folder in line with the entries it is given, then removes what no entry named. */
    private static final class Sync {
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
        private final MessageDigest sha256;
        private long filesDone;
        private long bytesDone;
        private long filesWritten;
        private long bytesWritten;
        private long filesKept;
        private long deleted;
        private long temp;

        Sync(Path target, Snapshotter.Progress progress, long filesTotal, long bytesTotal, boolean coarseTimes, Instant unchangedSince,
             Supplier<ManifestFiles.Entries> listed) {
            this.listed = listed;
            this.unchanged = UnchangedFile.forRestore(unchangedSince, coarseTimes, ROOT);
            this.target = target;
            this.progress = progress;
            this.throttled = progress.atMostTwiceASecond();
            this.filesTotal = filesTotal;
            this.bytesTotal = bytesTotal;
            try {
                this.sha256 = MessageDigest.getInstance("SHA-256");
                if (Files.isSymbolicLink(target)) {
                    throw new ArchiveInvalidException("The uploads folder " + target + " is a symbolic link: restore into the folder it points to.");
                }
                Files.createDirectories(target);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot create " + target + ": " + e.getMessage(), e);
            }
        }

        void directory(String rel, FileEntry meta) throws IOException {
            Path path = parentsReady(rel);
            if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                removeAny(path);
                Files.createDirectory(path);
            }
            present(rel);
            directories.put(rel, meta);
        }

        void file(String rel, FileEntry meta, Content content) throws IOException {
            Path path = parentsReady(rel);
            present(rel);
            if (unchanged(path, meta)) {
                filesKept++;
                done(meta.size());
                return;
            }
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
                sha = HexFormat.of().formatHex(sha256.digest());
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
            replace(tmp, path);
            filesWritten++;
            bytesWritten += meta.size();
            done(meta.size());
        }

        void symlink(String rel, FileEntry meta, String linkTarget) throws IOException {
            Path path = parentsReady(rel);
            present(rel);
            restoredLinks.add(rel);
            if (Files.isSymbolicLink(path) && Files.readSymbolicLink(path).toString().equals(linkTarget)) {
                Snapshotter.applyAttributes(path, meta, true);
                filesKept++;
            } else {
                Path tmp = tempBeside(path);
                Files.createSymbolicLink(tmp, Path.of(linkTarget));
                Snapshotter.applyAttributes(tmp, meta, true);
                replace(tmp, path);
                filesWritten++;
            }
            Path resolved = path.getParent().resolve(linkTarget).normalize();
            if (!resolved.startsWith(target)) {
                warnings.add("Restored " + rel + " as it was backed up: a symbolic link to " + linkTarget + ", outside the uploads folder.");
            }
            done(0);
        }

        void hardLink(String rel, String to) throws IOException {
            if (!present.contains(to) || !Files.isRegularFile(target.resolve(to), LinkOption.NOFOLLOW_LINKS)) {
                throw hostile(rel, "it is a hard link to " + to + ", which is not a file restored before it");
            }
            Path path = parentsReady(rel);
            present(rel);
            Path tmp = tempBeside(path);
            Files.createLink(tmp, target.resolve(to));
            replace(tmp, path);
            filesWritten++;
            done(0);
        }

        private void present(String rel) {
            if (listed == null) {
                present.add(rel);
            }
        }

        Result finish() throws IOException {
            if (listed != null) {
                removeUnlisted();
            } else {
                removeExtras();
            }
            // deepest first: setting a folder's mtime must come after everything inside it changed
            List<String> dirs = new ArrayList<>(directories.keySet());
            dirs.sort(Comparator.comparingInt((String d) -> d.split("/").length).reversed());
            for (String dir : dirs) {
                Snapshotter.applyAttributes(target.resolve(dir), directories.get(dir), false);
            }
            progress.update(filesDone, filesTotal, bytesDone, bytesTotal);
            return new Result(filesTotal, bytesTotal, filesWritten, bytesWritten, filesKept, deleted, List.copyOf(warnings));
        }

        /** The target path of an entry, with every folder above it a real folder (a link there is refused or replaced). */
        private Path parentsReady(String rel) throws IOException {
            Path current = target;
            for (String parent : parents(rel)) {
                if (restoredLinks.contains(parent)) {
                    throw hostile(rel, "it would be written through the symbolic link " + parent);
                }
                current = target.resolve(parent);
                if (!Files.isDirectory(current, LinkOption.NOFOLLOW_LINKS)) {
                    // a file or link of the live folder where the backup has a folder
                    removeAny(current);
                    Files.createDirectory(current);
                }
                present(parent);
            }
            Path path = target.resolve(rel);
            if (!path.normalize().startsWith(target)) {
                throw hostile(rel, "it resolves outside " + target);
            }
            return path;
        }

        private boolean unchanged(Path path, FileEntry meta) throws IOException {
            if (!Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
            return unchanged.unchanged(meta, UnchangedFile.State.read(path));
        }

        private Path tempBeside(Path path) {
            return path.resolveSibling(TEMP_PREFIX + ProcessHandle.current().pid() + "-" + (temp++));
        }

        private void replace(Path tmp, Path path) throws IOException {
            if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                removeAny(path);
            }
            // rename replaces a link itself, never what it points to
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }

        /** Deletes whatever is at the path (a folder with its content), links not followed. */
        private void removeAny(Path path) throws IOException {
            if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(path);
                deleted++;
                return;
            }
            Files.walkFileTree(path, new SimpleFileVisitor<>() {
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
            });
        }

        /** {@link #removeExtras} for a snapshot: the folder walked in path order and merge-joined with the file list. */
        private void removeUnlisted() throws IOException {
            try (ManifestFiles.Entries entries = listed.get()) {
                SortedWalk.walk(target, new SimpleFileVisitor<>() {
                    private final ManifestFiles.Cursor cursor = new ManifestFiles.Cursor(entries);

                    private boolean listed(Path path) {
                        return cursor.find(target.relativize(path).toString()) != null;
                    }

                    @Override
                    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                        if (!dir.equals(target) && !listed(dir)) {
                            removeAny(dir);
                            return FileVisitResult.SKIP_SUBTREE;
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                        if (!listed(file)) {
                            Files.delete(file);
                            deleted++;
                        }
                        return FileVisitResult.CONTINUE;
                    }
                });
            }
        }

        /** Everything in the folder that the backup does not hold: files created since, leftovers of an interrupted restore. */
        private void removeExtras() throws IOException {
            Files.walkFileTree(target, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    if (!dir.equals(target) && !present.contains(target.relativize(dir).toString())) {
                        removeAny(dir);
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    if (!present.contains(target.relativize(file).toString())) {
                        Files.delete(file);
                        deleted++;
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                    if (exc instanceof DirectoryNotEmptyException) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw exc;
                }
            });
        }

        private void done(long size) {
            filesDone++;
            bytesDone += size;
            throttled.update(filesDone, filesTotal, bytesDone, bytesTotal);
        }
    }

    /** The current tar entry's body for one copy; closing it must not close the archive. */
    private static final class NonClosingStream extends FilterInputStream {
        NonClosingStream(InputStream in) {
            super(in);
        }

        @Override
        public void close() {
            // the archive stream moves on to the next entry
        }
    }
}
