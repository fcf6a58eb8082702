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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import com.llmbackup.catalog.Durable;
import com.llmbackup.catalog.Manifest.FileEntry;
import com.llmbackup.catalog.ManifestFiles;
import com.llmbackup.catalog.RawNames;
import com.llmbackup.catalog.Sha256;
import com.llmbackup.catalog.Trees;
import org.springframework.stereotype.Component;

/**
 * Incremental snapshots of the uploads folder, as {@code rsync -a --link-dest} should have
 * made them (the runbook's defect D1): a file that {@link UnchangedFile} finds unchanged
 * since the previous snapshot's manifest (size, mtime, mode, owner, ctime) is hard-linked to
 * the previous copy, if that copy still has its recorded size, and keeps its checksum
 * without being read; new and changed files are copied, hashed while copying, then looked
 * at again: a file that changed during its copy is copied again (up to {@value LiveFolderWalk#ATTEMPTS}
 * times), and if it keeps changing the last copy is kept as read, with a warning. A file
 * deleted during the walk is a warning, not a failure. Folders (empty ones too), modes,
 * owners (as root) and mtimes are kept; symbolic links are kept as links and never
 * followed; deleted files are simply absent. Everything written is forced to disk before
 * the snapshot returns. The live folder never shares an inode with a snapshot: nothing is
 * ever linked to the source.
 */
@Component
public class Snapshotter {

    private static final int BUFFER = 1 << 20;
    private static final long PROGRESS_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    private final CopyHook hook;

    public Snapshotter() {
        this(CopyHook.NONE);
    }

    Snapshotter(CopyHook hook) {
        this.hook = hook;
    }

    /**
     * Copies {@code source} into {@code target}, reusing files of {@code previousDir} as
     * described by {@code previous} (its entries in path order; empty for a full copy), and
     * hands every entry of the new snapshot to {@code out} in path order. The tree is walked in
     * that same order and merge-joined with {@code previous}: nothing holds all the files. A
     * {@code target} left by an interrupted attempt (a retried step) is cleared first: the
     * result is that of a first run.
     */
    public Result snapshot(Path source, Path target, Path previousDir, ManifestFiles.Entries previous, ManifestFiles.Sink out,
                           Progress progress) {
        if (!Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS)) {
            throw new UncheckedIOException(source + ": the uploads folder does not exist or is not a folder; check backup.uploads-dir",
                    new NoSuchFileException(source.toString()));
        }
        clearLeftover(target);
        // counted beside the walk, for progress figures only: a second walk before it would delay the step
        CompletableFuture<Totals> totals = CompletableFuture.supplyAsync(() -> totals(source), COUNTER);
        Walker walker;
        // durable before any manifest can call the set complete: each copy and each finished
        // folder is forced in the background while the walk goes on, and waited for at the end
        // three threads: the walk lists and reads ahead, the previous list is parsed ahead, the new one
        // is written behind; this one links and copies (a fresh JVM's first daily is CPU-bound, issue 28)
        try (Durable.Batch durable = new Durable.Batch();
             ManifestFiles.Entries previousAhead = ManifestFiles.readAhead(previous);
             ManifestFiles.Behind entries = ManifestFiles.writeBehind(out)) {
            walker = new Walker(source, target, previousDir, previousAhead, entries, progress, totals, hook, durable);
            try {
                SortedWalk.walkAhead(source, walker);
            } catch (IOException e) {
                throw new UncheckedIOException("snapshot of " + source + " failed: " + LiveFolderWalk.describe(e, source), e);
            }
            // the previous list read to its end, so its SHA-256 is checked even when the walk ended
            // before its last entries (files deleted since): checksums carried over from a changed list must fail the step
            while (previousAhead.hasNext()) {
                previousAhead.next();
            }
            entries.close();
            durable.await();
        }
        // for the progress figures only: a failed count must not fail the snapshot
        Totals counted = totals.handle((t, e) -> e == null ? t : Totals.UNKNOWN).join();
        progress.update(walker.filesDone, counted.files(), walker.bytesDone, counted.bytes());
        return new Result(List.of(), walker.bytesDone, walker.filesDone, walker.filesCopied,
                walker.filesLinked, walker.bytesCopied, List.copyOf(walker.warnings));
    }

    /** The same with the entries in memory, both ways (small trees, tests): the result lists the new entries in path order. */
    public Result snapshot(Path source, Path target, Path previousDir, Map<String, FileEntry> previous, Progress progress) {
        List<FileEntry> entries = new ArrayList<>();
        Result result = snapshot(source, target, previousDir, ManifestFiles.of(previous.values()), entries::add, progress);
        return new Result(List.copyOf(entries), result.bytes(), result.fileCount(), result.filesCopied(), result.filesLinked(),
                result.bytesCopied(), result.warnings());
    }

    /** Regular files and their bytes in a tree, for progress figures. */
    private record Totals(long files, long bytes) {
        static final Totals UNKNOWN = new Totals(0, 0);
    }

    private static final Executor COUNTER = r -> {
        Thread t = new Thread(r, "snapshot-totals");
        t.setDaemon(true);
        t.start();
    };

    /** The tree's {@link Totals}; metadata only. */
    private static Totals totals(Path source) {
        class Counter extends SimpleFileVisitor<Path> {
            private long files;
            private long bytes;

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile()) {
                    files++;
                    bytes += attrs.size();
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
                return FileVisitResult.CONTINUE; // reported by the copying walk
            }
        }
        Counter counter = new Counter();
        try {
            Files.walkFileTree(source, counter);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Totals(counter.files, counter.bytes);
    }

    /** What a failed attempt left in the target ({@link Trees}: links never followed). */
    private static void clearLeftover(Path path) {
        try {
            Trees.deleteCounting(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear " + path + " left by an earlier attempt: " + e.getMessage(), e);
        }
    }

    /** A folder of the new snapshot whose attributes are set once its content is in. */
    private record OpenDir(Path copy, FileEntry entry) {
    }

    /** One copy of a file: the bytes it holds and their SHA-256. */
    private record Copy(long bytes, String sha256) {
    }

    /** The snapshot's side of the walk: folders made, links copied as links, files linked to the previous copy or copied. */
    private static final class Walker extends LiveFolderWalk {
        private final Path target;
        private final Path previousDir;
        /** The previous snapshot's entries, merge-joined with the walk. */
        private final ManifestFiles.Cursor previous;
        private final ManifestFiles.Sink entries;
        private final Progress progress;
        private final CompletableFuture<Totals> totals;
        private final CopyHook hook;
        private final UnchangedFile unchanged = UnchangedFile.forSnapshot();
        /** Forces the files written and every folder created. */
        private final Durable.Batch durable;
        private final Deque<OpenDir> openDirs = new ArrayDeque<>();
        private final byte[] buffer = new byte[BUFFER];
        private final MessageDigest sha256 = Sha256.newDigest();
        private long filesDone;
        private long filesCopied;
        private long filesLinked;
        private long bytesDone;
        private long bytesCopied;

        Walker(Path source, Path target, Path previousDir, ManifestFiles.Entries previous, ManifestFiles.Sink entries,
               Progress progress, CompletableFuture<Totals> totals, CopyHook hook, Durable.Batch durable) {
            super(source, new ArrayList<>());
            this.entries = entries;
            this.durable = durable;
            this.target = target;
            this.previousDir = previousDir;
            this.previous = new ManifestFiles.Cursor(previous);
            this.progress = progress.atMostTwiceASecond();
            this.totals = totals;
            this.hook = hook;
        }

        @Override
        void directory(Path dir, String rel, Map<String, Object> unix) throws IOException {
            Path dst = RawNames.resolve(target, rel);
            Files.createDirectory(dst);
            FileEntry entry = attributes.entry(rel, FileEntry.DIRECTORY, 0, unix, null, null);
            entries.add(entry);
            openDirs.push(new OpenDir(dst, entry));
        }

        @Override
        public void leave(Path dir, String rel) throws IOException {
            OpenDir open = openDirs.pop();
            // after its children: adding them changed the folder's mtime
            applyAttributes(open.copy(), open.entry(), false);
            durable.directory(open.copy());
        }

        @Override
        void regularFile(Path file, String rel, Map<String, Object> unix) throws IOException {
            FileEntry entry = copyOrLink(file, RawNames.resolve(target, rel), rel, unix);
            if (entry != null) {
                entries.add(entry);
            }
        }

        @Override
        void symlink(Path file, String rel, Map<String, Object> unix) throws IOException {
            Path dst = RawNames.resolve(target, rel);
            Path link = Files.readSymbolicLink(file);
            Files.createSymbolicLink(dst, link); // the path read: its bytes as they are
            FileEntry entry = attributes.entry(rel, FileEntry.SYMLINK, 0, unix, null, FileNames.linkTarget(link));
            applyAttributes(dst, entry, true);
            entries.add(entry);
        }

        @Override
        void vanishedWhileRead(String rel) throws IOException {
            Path dst = RawNames.resolve(target, rel);
            if (!Files.isDirectory(dst, LinkOption.NOFOLLOW_LINKS)) {
                Files.deleteIfExists(dst);
            }
        }

        private FileEntry copyOrLink(Path file, Path dst, String rel, Map<String, Object> unix) throws IOException {
            // both go in path order: the cursor only moves forward
            FileEntry prev = previous.find(rel);
            if (prev != null && previousDir != null && prev.sha256() != null
                    && unchanged.unchanged(prev, UnchangedFile.State.of(unix, true))) {
                Path old = RawNames.resolve(previousDir, rel);
                String damage = damage(old, prev, rel);
                if (damage == null) {
                    try {
                        Files.createLink(dst, old);
                        filesLinked++;
                        done(prev.size());
                        return attributes.entry(rel, FileEntry.FILE, prev.size(), unix, prev.sha256(), null);
                    } catch (IOException | UnsupportedOperationException e) {
                        // the old copy cannot be linked (another file system, too many links): copy instead
                        Files.deleteIfExists(dst);
                    }
                } else {
                    warnings.add(damage);
                }
            }
            return copyConsistently(file, dst, rel, unix);
        }

        /**
         * Why the previous snapshot's copy must not be linked (it no longer has the size or the
         * mtime its manifest records: a power cut before it reached the disk, or a write since), or
         * null. Its attributes only: cheap, nothing is read.
         */
        private String damage(Path old, FileEntry prev, String rel) throws IOException {
            String what;
            try {
                BasicFileAttributes a = Files.readAttributes(old, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (!a.isRegularFile()) {
                    what = "is no longer a file";
                } else if (a.size() != prev.size()) {
                    what = "is damaged: " + a.size() + " bytes, its manifest says " + prev.size();
                } else if (a.lastModifiedTime().to(TimeUnit.NANOSECONDS) != prev.mtimeNanos()) {
                    // a link shares the inode: the new set would hold a file whose mtime is not its manifest's
                    what = "was written to since its set was made (its mtime is not its manifest's)";
                } else {
                    return null;
                }
            } catch (NoSuchFileException e) {
                what = "is missing";
            }
            return "The previous snapshot's copy " + previousDir.getFileName() + "/" + RawNames.display(rel) + " " + what + ". Copied " + RawNames.display(rel) + " afresh instead of linking to it; "
                    + "the older sets holding that copy do not restore this file correctly.";
        }

        /**
         * Copies until a copy is consistent: the file had the same size, mtime and ctime before
         * and after it, and the copy holds that size. Otherwise the last copy is kept exactly as
         * read (the entry's size and SHA-256 are those of the copy) and a warning names the file.
         */
        private FileEntry copyConsistently(Path file, Path dst, String rel, Map<String, Object> unix) throws IOException {
            FileEntry seen = null;
            Copy copy = null;
            boolean consistent = false;
            for (int attempt = 1; attempt <= ATTEMPTS && !consistent; attempt++) {
                seen = attributes.entry(rel, FileEntry.FILE, (Long) unix.get("size"), unix, null, null);
                Files.deleteIfExists(dst);
                hook.opening(file, rel);
                copy = copyHashing(file, dst);
                hook.copied(file, rel, attempt);
                if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                    // it became a folder or a link while it was copied: the copy goes, what is there now is taken
                    Files.deleteIfExists(dst);
                    replaced(file, rel);
                    return null;
                }
                Map<String, Object> after = attributes.read(file);
                consistent = copy.bytes() == seen.size() && sameContentState(unix, after);
                unix = after;
            }
            if (!consistent) {
                warnings.add(keptChanging(rel, copy.bytes()));
            }
            FileEntry entry = seen.withContent(copy.bytes(), copy.sha256());
            applyAttributes(dst, entry, false);
            durable.file(dst);
            filesCopied++;
            bytesCopied += copy.bytes();
            done(copy.bytes());
            return entry;
        }

        private Copy copyHashing(Path from, Path to) throws IOException {
            sha256.reset();
            long total = 0;
            try (InputStream in = Files.newInputStream(from, LinkOption.NOFOLLOW_LINKS);
                 OutputStream out = Files.newOutputStream(to, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    sha256.update(buffer, 0, n);
                    out.write(buffer, 0, n);
                    total += n;
                }
            }
            return new Copy(total, Sha256.hex(sha256));
        }

        private void done(long size) {
            filesDone++;
            bytesDone += size;
            Totals counted = totals.getNow(Totals.UNKNOWN);
            progress.update(filesDone, counted.files(), bytesDone, counted.bytes());
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

    /**
     * Figures of a snapshot. {@code bytes} and {@code fileCount} cover the whole tree; copied and linked split it.
     * {@code entries} are filled by the in-memory {@code snapshot}, empty when they were streamed to a sink.
     */
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
