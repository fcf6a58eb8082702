package com.llmbackup.uploads;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.llmbackup.catalog.Manifest.FileEntry;
import org.springframework.stereotype.Component;

/**
 * Incremental snapshots of the uploads folder, as {@code rsync -a --link-dest} should have
 * made them (the runbook's defect D1): a file whose size, mtime, mode and owner match the
 * previous snapshot's manifest is hard-linked to it and keeps its checksum without being
 * read; new and changed files are copied once, hashed while copying. Folders (empty ones
 * too), modes, owners (as root) and mtimes are kept; symbolic links are kept as links and
 * never followed; deleted files are simply absent. The live folder never shares an inode
 * with a snapshot: nothing is ever linked to the source.
 */
@Component
public class Snapshotter {

    private static final int BUFFER = 1 << 20;
    private static final long PROGRESS_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    /**
     * Copies {@code source} into {@code target} (which must not exist), reusing files of
     * {@code previousDir} as described by {@code previous} (path to entry; empty for a full copy).
     */
    public Result snapshot(Path source, Path target, Path previousDir, Map<String, FileEntry> previous, Progress progress) {
        if (!Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS)) {
            throw new UncheckedIOException(source + ": the uploads folder does not exist or is not a folder; check backup.uploads-dir",
                    new NoSuchFileException(source.toString()));
        }
        long[] totals = totals(source);
        Walker walker = new Walker(source, target, previousDir, previous, progress, totals[0], totals[1]);
        try {
            Files.walkFileTree(source, walker);
        } catch (IOException e) {
            throw new UncheckedIOException("snapshot of " + source + " failed: " + describe(e), e);
        }
        progress.update(walker.filesDone, totals[0], walker.bytesDone, totals[1]);
        return new Result(List.copyOf(walker.entries), walker.bytesDone, walker.filesDone, walker.filesCopied,
                walker.filesLinked, walker.bytesCopied, List.copyOf(walker.warnings));
    }

    /** Files and bytes in the tree, for progress figures; metadata only. */
    private static long[] totals(Path source) {
        long[] totals = new long[2];
        try {
            Files.walkFileTree(source, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile()) {
                        totals[0]++;
                        totals[1] += attrs.size();
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE; // reported by the copying walk
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return totals;
    }

    private static String describe(IOException e) {
        if (e instanceof java.nio.file.FileSystemException fse) {
            return fse.getFile() + (fse.getReason() == null ? "" : ": " + fse.getReason());
        }
        return e.toString();
    }

    static String relative(Path root, Path path) {
        String rel = root.relativize(path).toString();
        return rel.isEmpty() ? "." : rel;
    }

    private static final class Walker extends SimpleFileVisitor<Path> {
        private final Path source;
        private final Path target;
        private final Path previousDir;
        private final Map<String, FileEntry> previous;
        private final Progress progress;
        private final long filesTotal;
        private final long bytesTotal;
        private final List<FileEntry> entries = new ArrayList<>();
        private final List<String> warnings = new ArrayList<>();
        private final Deque<Object[]> openDirs = new ArrayDeque<>();
        private final byte[] buffer = new byte[BUFFER];
        private final MessageDigest sha256;
        private final UnixAttributes attributes = new UnixAttributes();
        private long filesDone;
        private long filesCopied;
        private long filesLinked;
        private long bytesDone;
        private long bytesCopied;

        Walker(Path source, Path target, Path previousDir, Map<String, FileEntry> previous, Progress progress,
               long filesTotal, long bytesTotal) {
            this.source = source;
            this.target = target;
            this.previousDir = previousDir;
            this.previous = previous;
            this.progress = progress.atMostTwiceASecond();
            this.filesTotal = filesTotal;
            this.bytesTotal = bytesTotal;
            try {
                this.sha256 = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
            if (!FileNames.isUtf8(dir)) {
                warnings.add(FileNames.skipped(source, dir, true));
                return FileVisitResult.SKIP_SUBTREE;
            }
            String rel = relative(source, dir);
            Path dst = rel.equals(".") ? target : target.resolve(rel);
            Files.createDirectory(dst);
            Map<String, Object> unix = attributes.read(dir);
            FileEntry entry = attributes.entry(rel, FileEntry.DIRECTORY, 0, unix, null, null);
            entries.add(entry);
            openDirs.push(new Object[] {dst, entry});
            return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
            if (exc != null) {
                throw exc;
            }
            Object[] open = openDirs.pop();
            // after its children: adding them changed the folder's mtime
            applyAttributes((Path) open[0], (FileEntry) open[1], false);
            return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
            if (!FileNames.isUtf8(file)) {
                warnings.add(FileNames.skipped(source, file, false));
                return FileVisitResult.CONTINUE;
            }
            String rel = relative(source, file);
            Path dst = target.resolve(rel);
            Map<String, Object> unix = attributes.read(file);
            if (attrs.isSymbolicLink()) {
                Path link = Files.readSymbolicLink(file);
                Files.createSymbolicLink(dst, link);
                FileEntry entry = attributes.entry(rel, FileEntry.SYMLINK, 0, unix, null, link.toString());
                applyAttributes(dst, entry, true);
                entries.add(entry);
            } else if (attrs.isRegularFile()) {
                entries.add(copyOrLink(file, dst, rel, unix));
            } else {
                warnings.add("Skipped " + rel + ": not a regular file, folder or symbolic link.");
            }
            return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
            throw exc;
        }

        private FileEntry copyOrLink(Path file, Path dst, String rel, Map<String, Object> unix) throws IOException {
            long size = (Long) unix.get("size");
            FileEntry prev = previous.get(rel);
            FileEntry current = attributes.entry(rel, FileEntry.FILE, size, unix, null, null);
            if (prev != null && previousDir != null && FileEntry.FILE.equals(prev.type()) && prev.sha256() != null
                    && prev.size() == size && prev.mtimeNanos() == current.mtimeNanos() && prev.mode() == current.mode()
                    && java.util.Objects.equals(prev.uid(), current.uid()) && java.util.Objects.equals(prev.gid(), current.gid())) {
                Path old = previousDir.resolve(rel);
                try {
                    Files.createLink(dst, old);
                    filesLinked++;
                    done(size);
                    return withSha(current, prev.sha256());
                } catch (IOException | UnsupportedOperationException e) {
                    // the old copy is gone or cannot be linked: copy instead
                    Files.deleteIfExists(dst);
                }
            }
            String sha = copyHashing(file, dst);
            applyAttributes(dst, current, false);
            filesCopied++;
            bytesCopied += size;
            done(size);
            return withSha(current, sha);
        }

        private String copyHashing(Path from, Path to) throws IOException {
            sha256.reset();
            try (InputStream in = Files.newInputStream(from, LinkOption.NOFOLLOW_LINKS);
                 OutputStream out = Files.newOutputStream(to, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    sha256.update(buffer, 0, n);
                    out.write(buffer, 0, n);
                }
            }
            return HexFormat.of().formatHex(sha256.digest());
        }

        private void done(long size) {
            filesDone++;
            bytesDone += size;
            progress.update(filesDone, filesTotal, bytesDone, bytesTotal);
        }

        private static FileEntry withSha(FileEntry e, String sha) {
            return new FileEntry(e.path(), e.type(), e.size(), e.mtimeNanos(), e.mode(), e.uid(), e.gid(), e.owner(),
                    e.group(), sha, e.linkTarget());
        }

    }

    /** Sets mode, owner (as root) and mtime of a copied entry; links get owner and mtime only. */
    static void applyAttributes(Path dst, FileEntry entry, boolean symlink) throws IOException {
        LinkOption[] noFollow = {LinkOption.NOFOLLOW_LINKS};
        if (ROOT && entry.uid() != null) {
            Files.setAttribute(dst, "unix:uid", entry.uid(), noFollow);
            Files.setAttribute(dst, "unix:gid", entry.gid(), noFollow);
        }
        if (!symlink) {
            Files.setAttribute(dst, "unix:mode", entry.mode(), noFollow);
        }
        Files.getFileAttributeView(dst, BasicFileAttributeView.class, noFollow)
                .setTimes(FileTime.from(entry.mtimeNanos(), TimeUnit.NANOSECONDS), null, null);
    }

    /** Figures of a snapshot. {@code bytes} and {@code fileCount} cover the whole tree; copied and linked split it. */
    public record Result(List<FileEntry> entries, long bytes, long fileCount, long filesCopied, long filesLinked,
                         long bytesCopied, List<String> warnings) {
    }

    /** Files and bytes done of total, reported at most twice a second. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (filesDone, filesTotal, bytesDone, bytesTotal) -> {
        };

        void update(long filesDone, long filesTotal, long bytesDone, long bytesTotal);

        /** This progress, passed on at most twice a second; callers report the end themselves. */
        default Progress atMostTwiceASecond() {
            long[] last = {System.nanoTime()};
            return (filesDone, filesTotal, bytesDone, bytesTotal) -> {
                long now = System.nanoTime();
                if (now - last[0] >= PROGRESS_EVERY_NANOS) {
                    last[0] = now;
                    update(filesDone, filesTotal, bytesDone, bytesTotal);
                }
            };
        }
    }
}
