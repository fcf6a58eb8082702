package com.llmbackup.uploads;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.llmbackup.catalog.Durable;
import com.llmbackup.catalog.Manifest.FileEntry;
import com.llmbackup.catalog.ManifestFiles;
import com.llmbackup.catalog.RawNames;
import com.llmbackup.catalog.Sha256;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.springframework.stereotype.Component;

/**
 * The weekly full archive: a POSIX/PAX tar of the uploads folder whose entries are
 * {@code uploads/...} whatever the folder is called (so the runbook's
 * {@code tar -xzf FILE -C /} restores {@code /uploads}), compressed on every core into one
 * standard gzip file ({@link ParallelGzipOutputStream}). Long and non-ASCII names, empty
 * folders, symbolic links (never followed), modes, owners and mtimes are kept. Every file
 * is hashed as it is written. {@link #verify} reads the archive back as a stream and checks
 * each entry against the manifest.
 *
 * <p>Files that change while they are archived: a tar header states the entry's size before
 * its content, and a gzip stream cannot take back what it was given, so a file is first read
 * in full and looked at again, and only a consistent read goes into the archive. A file up to
 * 1 MB is read into memory; a larger one is copied by the kernel ({@code transferTo}) into a
 * spool file beside the archive (page cache, deleted right after: no second pass through
 * user space), then streamed from the spool into the entry. So an entry always holds exactly
 * the bytes its header and the manifest claim: a file that shrinks is never padded, one that
 * grows is never cut. A file that changed during its read is read again (up to
 * {@value LiveFolderWalk#ATTEMPTS} times); if it keeps changing, the last read is archived as it
 * was read, with a warning. A file deleted meanwhile is a warning, not a failure. The archive
 * is forced to disk before {@link #archive} returns.
 */
@Component
public class TarGzArchiver {

    static final String PREFIX = "uploads";
    static final int COMPRESSIBLE_LEVEL = 1;
    private static final int BUFFER = 1 << 20;

    private final CopyHook hook;

    public TarGzArchiver() {
        this(CopyHook.NONE);
    }

    TarGzArchiver(CopyHook hook) {
        this.hook = hook;
    }

    /** Where a large file's consistent read waits for its tar entry: beside the archive, on the backup volume. */
    static Path spoolOf(Path archive) {
        return archive.resolveSibling("." + archive.getFileName() + ".spool");
    }

    /** The archive with its entries in memory (small trees, tests): the result lists them in path order. */
    public Result archive(Path source, Path target, Snapshotter.Progress progress) {
        List<FileEntry> entries = new ArrayList<>();
        Result r = archive(source, target, entries::add, progress);
        return new Result(List.copyOf(entries), r.bytes(), r.fileCount(), r.archiveBytes(), r.sha256(), r.blocks(), r.storedBlocks(),
                r.warnings());
    }

    /**
     * Archives {@code source} into {@code target}, walking it in path order (so the archive's
     * entries are in the order of the file list) and handing each entry to {@code entries}.
     */
    public Result archive(Path source, Path target, ManifestFiles.Sink entries, Snapshotter.Progress progress) {
        if (!Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS)) {
            throw new UncheckedIOException(source + ": the uploads folder does not exist or is not a folder; check backup.uploads-dir",
                    new NoSuchFileException(source.toString()));
        }
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        Path spool = spoolOf(target);
        ParallelGzipOutputStream gzip;
        List<String> warnings = new ArrayList<>();
        Writer writer;
        try {
            // a retried step: the archive is rewritten from the start (truncated below), a spool left behind goes
            Files.deleteIfExists(spool);
            // level 1: on the uploads' text it costs a few percent of the text's size against gzip -6
            // (well under 1% of an archive dominated by PDFs and images) at three times the speed
            gzip = new ParallelGzipOutputStream(new BufferedOutputStream(Files.newOutputStream(target), BUFFER), threads, COMPRESSIBLE_LEVEL);
            try (TarArchiveOutputStream tar = new TarArchiveOutputStream(gzip, BUFFER)) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                tar.setAddPaxHeadersForNonAsciiNames(true);
                writer = new Writer(source, tar, spool, hook, entries, warnings, progress);
                SortedWalk.walk(source, writer);
                tar.finish();
            } finally {
                Files.deleteIfExists(spool);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("archive of " + source + " into " + target.getFileName() + " failed: "
                    + LiveFolderWalk.describe(e, source), e);
        }
        // durable before any manifest can call the set complete
        Durable.force(target);
        try {
            return new Result(List.of(), writer.bytes, writer.files, Files.size(target), gzip.sha256(),
                    gzip.blocks(), gzip.storedBlocks(), List.copyOf(warnings));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@link #verify(Path, ManifestFiles.Entries, String)} against entries in memory (tests). */
    public void verify(Path archive, List<FileEntry> expected, String expectedSha256) {
        try (ManifestFiles.Entries entries = ManifestFiles.of(expected)) {
            verify(archive, entries, expectedSha256);
        }
    }

    /**
     * Reads the archive back and checks its checksum and every entry against the manifest
     * (count, types, sizes, SHA-256, link targets); a mismatch or damage names the entry.
     * {@code expected} come in path order, as the archive's entries were written: each entry
     * meets its own at once; an archive in another order (written before format 2) still
     * verifies, holding the entries it has not reached yet.
     */
    public void verify(Path archive, ManifestFiles.Entries expected, String expectedSha256) {
        Map<String, FileEntry> ahead = new HashMap<>();
        MessageDigest whole = Sha256.newDigest();
        MessageDigest content = Sha256.newDigest();
        String current = "(archive header)";
        byte[] buffer = new byte[BUFFER];
        String name = archive.getFileName().toString();
        // the digest below the buffer: the gzip reader marks and resets, which must not count twice
        try (InputStream file = new BufferedInputStream(new DigestInputStream(Files.newInputStream(archive), whole), BUFFER);
             GzipCompressorInputStream gz = new GzipCompressorInputStream(file, true);
             TarArchiveInputStream tar = new TarArchiveInputStream(gz)) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                current = entry.getName();
                String path = relative(RawTarNames.name(entry));
                FileEntry want = ahead.remove(path);
                while (want == null && expected.hasNext()) {
                    FileEntry next = expected.next();
                    if (next.path().equals(path)) {
                        want = next;
                    } else {
                        ahead.put(next.path(), next);
                        if (ManifestFiles.PATH_ORDER.compare(next.path(), path) > 0) {
                            break; // passed where it would be: not in the manifest
                        }
                    }
                }
                if (want == null) {
                    throw new ArchiveInvalidException("Archive " + name + ": entry " + entry.getName() + " is not in the manifest.");
                }
                if (entry.isSymbolicLink()) {
                    String link = RawTarNames.linkName(entry);
                    if (!link.equals(want.linkTarget())) {
                        throw mismatch(name, entry, "link target " + RawNames.display(link) + ", manifest says "
                                + RawNames.display(want.linkTarget()));
                    }
                } else if (entry.isDirectory()) {
                    if (!FileEntry.DIRECTORY.equals(want.type())) {
                        throw mismatch(name, entry, "a folder, manifest says " + want.type());
                    }
                } else {
                    if (entry.getSize() != want.size()) {
                        throw mismatch(name, entry, entry.getSize() + " bytes, manifest says " + want.size());
                    }
                    content.reset();
                    int n;
                    while ((n = tar.read(buffer)) > 0) {
                        content.update(buffer, 0, n);
                    }
                    String sha = Sha256.hex(content);
                    if (!sha.equals(want.sha256())) {
                        throw mismatch(name, entry, "SHA-256 " + sha + ", manifest says " + want.sha256());
                    }
                }
            }
            // read what follows the tar's end: the gzip trailers (their CRC checks) and the rest of the file
            current = "after the last entry (" + current + ")";
            while (gz.read(buffer) > 0) {
                // draining
            }
            while (file.read(buffer) > 0) {
                // draining
            }
        } catch (ArchiveInvalidException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            String why = String.valueOf(e.getMessage());
            throw new ArchiveInvalidException("Archive " + name + " is damaged at entry " + current + ": "
                    + (why.endsWith(".") ? why.substring(0, why.length() - 1) : why) + ".", e);
        }
        long missing = ahead.size();
        String example = ahead.isEmpty() ? null : ahead.keySet().stream().min(ManifestFiles.PATH_ORDER).orElseThrow();
        while (expected.hasNext()) {
            FileEntry left = expected.next();
            missing++;
            if (example == null) {
                example = left.path();
            }
        }
        if (missing > 0) {
            throw new ArchiveInvalidException("Archive " + name + " lacks " + missing + " entr" + (missing == 1 ? "y" : "ies")
                    + " of the manifest, e.g. " + PREFIX + "/" + example + ".");
        }
        String sha = Sha256.hex(whole);
        if (expectedSha256 != null && !sha.equals(expectedSha256)) {
            throw new ArchiveInvalidException("Archive " + name + ": SHA-256 " + sha + ", manifest says " + expectedSha256 + ".");
        }
    }

    private static ArchiveInvalidException mismatch(String archive, TarArchiveEntry entry, String what) {
        return new ArchiveInvalidException("Archive " + archive + ": entry " + entry.getName() + " does not match the manifest: " + what + ".");
    }

    static String relative(String entryName) {
        String name = entryName.endsWith("/") ? entryName.substring(0, entryName.length() - 1) : entryName;
        if (name.equals(PREFIX)) {
            return ".";
        }
        return name.startsWith(PREFIX + "/") ? name.substring(PREFIX.length() + 1) : "\0" + name;
    }

    /** The archive's side of the walk: each folder, link and consistent read of a file becomes an entry. */
    private static final class Writer extends LiveFolderWalk {
        private final TarArchiveOutputStream tar;
        private final Path spool;
        private final CopyHook hook;
        private final ManifestFiles.Sink entries;
        private final Snapshotter.Progress progress;
        private final byte[] buffer = new byte[BUFFER];
        private final MessageDigest sha = Sha256.newDigest();
        /** The spool holds a read not yet written into the archive (or an abandoned one). */
        private boolean spooled;
        /** Files in the archive so far, and their bytes. */
        private long files;
        private long bytes;

        Writer(Path source, TarArchiveOutputStream tar, Path spool, CopyHook hook, ManifestFiles.Sink entries, List<String> warnings,
               Snapshotter.Progress progress) {
            super(source, warnings);
            this.tar = tar;
            this.spool = spool;
            this.hook = hook;
            this.entries = entries;
            this.progress = progress.atMostTwiceASecond();
        }

        @Override
        void directory(Path dir, String rel, Map<String, Object> unix) throws IOException {
            TarArchiveEntry entry = new TarArchiveEntry(rel.equals(".") ? PREFIX + "/" : PREFIX + "/" + rel + "/", TarConstants.LF_DIR);
            describe(entry, unix, TarArchiveEntry.DEFAULT_DIR_MODE & ~07777);
            put(entry, unix, null);
            tar.closeArchiveEntry();
            entries.add(attributes.entry(rel, FileEntry.DIRECTORY, 0, unix, null, null));
        }

        @Override
        void regularFile(Path file, String rel, Map<String, Object> unix) throws IOException {
            // a file deleted meanwhile throws before anything of it is put in the archive
            Read read = readConsistently(file, rel, unix);
            if (read != null) {
                write(rel, read);
            }
        }

        @Override
        void symlink(Path file, String rel, Map<String, Object> unix) throws IOException {
            String target = FileNames.linkTarget(Files.readSymbolicLink(file));
            TarArchiveEntry entry = new TarArchiveEntry(PREFIX + "/" + rel, TarConstants.LF_SYMLINK);
            entry.setLinkName(target);
            describe(entry, unix, 0120000);
            put(entry, unix, target);
            tar.closeArchiveEntry();
            entries.add(attributes.entry(rel, FileEntry.SYMLINK, 0, unix, null, target));
        }

        /** A file's content as read: in {@link #buffer} or in the spool; {@code unix} is what the file was before the read. */
        private record Read(Map<String, Object> unix, long size, boolean spooled) {
        }

        /**
         * Reads until a read is consistent: the file had the same size, mtime and ctime before
         * and after it, and the read holds that size; else the last read, with a warning. Null
         * when the file turned into something else meanwhile (handled here).
         */
        private Read readConsistently(Path file, String rel, Map<String, Object> unix) throws IOException {
            Read read = null;
            boolean consistent = false;
            for (int attempt = 1; attempt <= ATTEMPTS && !consistent; attempt++) {
                hook.opening(file, rel);
                read = read(file, unix);
                hook.copied(file, rel, attempt);
                if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                    Files.deleteIfExists(spool);
                    spooled = false;
                    replaced(file, rel);
                    return null;
                }
                Map<String, Object> after = attributes.read(file);
                consistent = read.size() == (Long) unix.get("size") && sameContentState(unix, after);
                unix = after;
            }
            if (!consistent) {
                warnings.add(keptChanging(rel, read.size()));
            }
            return read;
        }

        private Read read(Path file, Map<String, Object> unix) throws IOException {
            if (spooled) {
                Files.deleteIfExists(spool); // an earlier, inconsistent read of this file
                spooled = false;
            }
            try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                ByteBuffer memory = ByteBuffer.wrap(buffer);
                while (memory.hasRemaining() && in.read(memory) >= 0) {
                    // filling
                }
                if (memory.hasRemaining() || in.position() >= in.size()) {
                    return new Read(unix, memory.position(), false);
                }
                // larger than the buffer: the kernel copies it into the spool, what is read so far first
                spooled = true;
                try (FileChannel out = FileChannel.open(spool, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    memory.flip();
                    while (memory.hasRemaining()) {
                        out.write(memory);
                    }
                    long position = in.position();
                    long n;
                    while ((n = in.transferTo(position, 1L << 30, out)) > 0) {
                        position += n;
                    }
                    return new Read(unix, out.size(), true);
                }
            }
        }

        /** The entry, exactly the bytes read: its header's size is the read's size. */
        private void write(String rel, Read read) throws IOException {
            TarArchiveEntry entry = new TarArchiveEntry(PREFIX + "/" + rel, TarConstants.LF_NORMAL);
            describe(entry, read.unix(), 0100000);
            entry.setSize(read.size());
            put(entry, read.unix(), null);
            sha.reset();
            if (!read.spooled()) {
                sha.update(buffer, 0, (int) read.size());
                tar.write(buffer, 0, (int) read.size());
            } else {
                long left = read.size();
                try (InputStream in = Files.newInputStream(spool)) {
                    int n;
                    while (left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) > 0) {
                        sha.update(buffer, 0, n);
                        tar.write(buffer, 0, n);
                        left -= n;
                    }
                }
                Files.delete(spool);
                spooled = false;
                if (left != 0) {
                    throw new IOException("the spool " + spool + " lost " + left + " bytes of " + rel + " (backup volume failing?)");
                }
            }
            tar.closeArchiveEntry();
            entries.add(attributes.entry(rel, FileEntry.FILE, read.size(), read.unix(), Sha256.hex(sha), null));
            files++;
            bytes += read.size();
            progress.update(files, -1, bytes, -1);
        }

        /** Puts the entry, under its own extended header where its name or link target is not valid UTF-8. */
        private void put(TarArchiveEntry entry, Map<String, Object> unix, String linkTarget) throws IOException {
            String name = entry.getName();
            if (RawTarNames.needed(name, linkTarget)) {
                RawTarNames.put(tar, entry, name, linkTarget, (FileTime) unix.get("lastModifiedTime"));
            } else {
                tar.putArchiveEntry(entry);
            }
        }

        private void describe(TarArchiveEntry entry, Map<String, Object> unix, int typeBits) {
            int mode = (Integer) unix.get("mode") & 07777;
            entry.setMode(typeBits | mode);
            int uid = (Integer) unix.get("uid");
            int gid = (Integer) unix.get("gid");
            entry.setUserId(uid);
            entry.setGroupId(gid);
            entry.setUserName(attributes.userName(uid));
            entry.setGroupName(attributes.groupName(gid));
            entry.setLastModifiedTime((FileTime) unix.get("lastModifiedTime"));
        }

    }

    /**
     * Figures of an archive: what went in, what came out; {@code entries} are filled by the
     * in-memory {@code archive}, empty when they were streamed to a sink.
     */
    public record Result(List<FileEntry> entries, long bytes, long fileCount, long archiveBytes, String sha256,
                         long blocks, long storedBlocks, List<String> warnings) {
    }
}
