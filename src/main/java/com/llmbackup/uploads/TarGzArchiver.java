package com.llmbackup.uploads;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import com.llmbackup.catalog.Manifest.FileEntry;
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
 * is read once, hashed while it is written. {@link #verify} reads the archive back as a
 * stream and checks each entry against the manifest.
 */
@Component
public class TarGzArchiver {

    static final String PREFIX = "uploads";
    static final int COMPRESSIBLE_LEVEL = 1;
    private static final int BUFFER = 1 << 20;

    public Result archive(Path source, Path target, Snapshotter.Progress progress) {
        if (!Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS)) {
            throw new UncheckedIOException(source + ": the uploads folder does not exist or is not a folder; check backup.uploads-dir",
                    new NoSuchFileException(source.toString()));
        }
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        ParallelGzipOutputStream gzip;
        List<FileEntry> entries = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        long[] figures = new long[2];
        try {
            // level 1: on the uploads' text it costs a few percent of the text's size against gzip -6
            // (well under 1% of an archive dominated by PDFs and images) at three times the speed
            gzip = new ParallelGzipOutputStream(new BufferedOutputStream(Files.newOutputStream(target), BUFFER), threads, COMPRESSIBLE_LEVEL);
            try (TarArchiveOutputStream tar = new TarArchiveOutputStream(gzip, BUFFER)) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                tar.setAddPaxHeadersForNonAsciiNames(true);
                Writer writer = new Writer(source, tar, entries, warnings, figures, progress);
                Files.walkFileTree(source, writer);
                tar.finish();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("archive of " + source + " into " + target.getFileName() + " failed: " + e.getMessage(), e);
        }
        try {
            return new Result(List.copyOf(entries), figures[1], figures[0], Files.size(target), gzip.sha256(),
                    gzip.blocks(), gzip.storedBlocks(), List.copyOf(warnings));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads the archive back and checks its checksum and every entry against the manifest
     * (count, types, sizes, SHA-256, link targets); a mismatch or damage names the entry.
     */
    public void verify(Path archive, List<FileEntry> expected, String expectedSha256) {
        Map<String, FileEntry> byPath = new HashMap<>();
        expected.forEach(e -> byPath.put(e.path(), e));
        MessageDigest whole = digest();
        MessageDigest content = digest();
        String current = "(archive header)";
        int seen = 0;
        byte[] buffer = new byte[BUFFER];
        String name = archive.getFileName().toString();
        // the digest below the buffer: the gzip reader marks and resets, which must not count twice
        try (InputStream file = new BufferedInputStream(new DigestInputStream(Files.newInputStream(archive), whole), BUFFER);
             GzipCompressorInputStream gz = new GzipCompressorInputStream(file, true);
             TarArchiveInputStream tar = new TarArchiveInputStream(gz)) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                current = entry.getName();
                String path = relative(entry.getName());
                FileEntry want = byPath.remove(path);
                if (want == null) {
                    throw new ArchiveInvalidException("Archive " + name + ": entry " + entry.getName() + " is not in the manifest.");
                }
                seen++;
                if (entry.isSymbolicLink()) {
                    if (!entry.getLinkName().equals(want.linkTarget())) {
                        throw mismatch(name, entry, "link target " + entry.getLinkName() + ", manifest says " + want.linkTarget());
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
                    String sha = HexFormat.of().formatHex(content.digest());
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
        if (!byPath.isEmpty()) {
            throw new ArchiveInvalidException("Archive " + name + " lacks " + byPath.size() + " entr" + (byPath.size() == 1 ? "y" : "ies")
                    + " of the manifest, e.g. " + PREFIX + "/" + byPath.keySet().iterator().next() + ".");
        }
        String sha = HexFormat.of().formatHex(whole.digest());
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

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final class Writer extends SimpleFileVisitor<Path> {
        private final Path source;
        private final TarArchiveOutputStream tar;
        private final List<FileEntry> entries;
        private final List<String> warnings;
        private final long[] figures;
        private final Snapshotter.Progress progress;
        private final byte[] buffer = new byte[BUFFER];
        private final MessageDigest sha = digest();
        private final UnixAttributes attributes = new UnixAttributes();

        Writer(Path source, TarArchiveOutputStream tar, List<FileEntry> entries, List<String> warnings, long[] figures,
               Snapshotter.Progress progress) {
            this.source = source;
            this.tar = tar;
            this.entries = entries;
            this.warnings = warnings;
            this.figures = figures;
            this.progress = progress.atMostTwiceASecond();
        }

        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
            if (!FileNames.isUtf8(dir)) {
                warnings.add(FileNames.skipped(source, dir, true));
                return FileVisitResult.SKIP_SUBTREE;
            }
            String rel = Snapshotter.relative(source, dir);
            Map<String, Object> unix = attributes.read(dir);
            TarArchiveEntry entry = new TarArchiveEntry(rel.equals(".") ? PREFIX + "/" : PREFIX + "/" + rel + "/", TarConstants.LF_DIR);
            describe(entry, unix, TarArchiveEntry.DEFAULT_DIR_MODE & ~07777);
            tar.putArchiveEntry(entry);
            tar.closeArchiveEntry();
            entries.add(attributes.entry(rel, FileEntry.DIRECTORY, 0, unix, null, null));
            return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
            if (!FileNames.isUtf8(file)) {
                warnings.add(FileNames.skipped(source, file, false));
                return FileVisitResult.CONTINUE;
            }
            String rel = Snapshotter.relative(source, file);
            Map<String, Object> unix = attributes.read(file);
            if (attrs.isSymbolicLink()) {
                String target = Files.readSymbolicLink(file).toString();
                TarArchiveEntry entry = new TarArchiveEntry(PREFIX + "/" + rel, TarConstants.LF_SYMLINK);
                entry.setLinkName(target);
                describe(entry, unix, 0120000);
                tar.putArchiveEntry(entry);
                tar.closeArchiveEntry();
                entries.add(attributes.entry(rel, FileEntry.SYMLINK, 0, unix, null, target));
            } else if (attrs.isRegularFile()) {
                long size = (Long) unix.get("size");
                TarArchiveEntry entry = new TarArchiveEntry(PREFIX + "/" + rel, TarConstants.LF_NORMAL);
                describe(entry, unix, 0100000);
                entry.setSize(size);
                tar.putArchiveEntry(entry);
                sha.reset();
                long copied = 0;
                try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
                    int n;
                    while (copied < size && (n = in.read(buffer, 0, (int) Math.min(buffer.length, size - copied))) > 0) {
                        tar.write(buffer, 0, n);
                        sha.update(buffer, 0, n);
                        copied += n;
                    }
                }
                if (copied != size) {
                    throw new IOException(file + " changed size while being archived (" + size + " bytes expected, " + copied + " read)");
                }
                tar.closeArchiveEntry();
                entries.add(attributes.entry(rel, FileEntry.FILE, size, unix, HexFormat.of().formatHex(sha.digest()), null));
                figures[0]++;
                figures[1] += size;
                progress.update(figures[0], -1, figures[1], -1);
            } else {
                warnings.add("Skipped " + rel + ": not a regular file, folder or symbolic link.");
            }
            return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
            throw exc;
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

    /** Figures of an archive: its entries (for the manifest), what went in, what came out. */
    public record Result(List<FileEntry> entries, long bytes, long fileCount, long archiveBytes, String sha256,
                         long blocks, long storedBlocks, List<String> warnings) {
    }
}
