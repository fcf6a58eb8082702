package com.llmbackup.uploads;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import com.llmbackup.catalog.Manifest.FileEntry;
import com.llmbackup.catalog.ManifestFiles;
import com.llmbackup.catalog.RawNames;
import com.llmbackup.catalog.Sha256;
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
 * start of the backup, {@code unchangedSince}). A file those cannot prove unchanged (a copied
 * folder, an earlier restore) is read and kept if its size and SHA-256 are the manifest's;
 * only the rest is written (a legacy set or an archive records no SHA-256: written). Files are copied, never linked: the restored folder shares no inode
 * with the backup.
 *
 * <p>This class reads the sources: a snapshot with its file list, a legacy snapshot without
 * one ({@link LegacySnapshot}), a weekly archive. {@link FolderSync} writes the folder.
 * Archives and file lists are read as untrusted input ({@link EntryRules}): an entry with an
 * absolute name, a {@code ..} component, a name outside {@code uploads/}, a device or fifo, a
 * hard link to something not in the archive, or one that would be written through a symbolic
 * link is refused, before anything is written when {@link #scanArchive} runs first, and again
 * while writing.
 */
@Component
public class UploadsRestorer {

    private static final int BUFFER = 1 << 20;

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
        FolderSync sync = new FolderSync(target, progress, filesTotal, bytesTotal, false, unchangedSince, entries);
        try (ManifestFiles.Entries all = entries.get()) {
            while (all.hasNext()) {
                FileEntry e = all.next();
                String rel = EntryRules.listedRelative(e.path());
                switch (e.type()) {
                    case FileEntry.DIRECTORY -> sync.directory(rel, e);
                    case FileEntry.SYMLINK -> sync.symlink(rel, e, e.linkTarget());
                    case FileEntry.FILE -> {
                        Path source = RawNames.resolve(snapshot, rel);
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
        List<FileEntry> walked = LegacySnapshot.entries(snapshot);
        return () -> ManifestFiles.of(walked);
    }

    /**
     * Restores from a weekly {@code tar.gz} whose entries are {@code <prefix>/...}; {@code prefixes}
     * are the accepted first components ({@code uploads}, and the seed's {@code tar -czf F /path/to/uploads/}).
     */
    public Result fromArchive(Path archive, List<String> prefixes, Path target, Instant unchangedSince, Snapshotter.Progress progress) {
        Scan scan = scanArchive(archive, prefixes);
        FolderSync sync = new FolderSync(target, progress, scan.files(), scan.bytes(), true, unchangedSince, null);
        try (InputStream file = new BufferedInputStream(Files.newInputStream(archive), BUFFER);
             GzipCompressorInputStream gz = new GzipCompressorInputStream(file, true);
             TarArchiveInputStream tar = new TarArchiveInputStream(gz)) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                String rel = EntryRules.archiveRelative(RawTarNames.name(entry), prefixes);
                FileEntry meta = meta(rel, entry);
                if (rel.isEmpty()) {
                    continue; // the uploads folder itself: kept as it is
                }
                if (entry.isDirectory()) {
                    sync.directory(rel, meta);
                } else if (entry.isSymbolicLink()) {
                    sync.symlink(rel, meta, RawTarNames.linkName(entry));
                } else if (entry.isLink()) {
                    sync.hardLink(rel, EntryRules.archiveRelative(RawTarNames.linkName(entry), prefixes));
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

    /** Reads every entry's header and refuses the archive if any entry could write outside the uploads folder ({@link EntryRules}). */
    public Scan scanArchive(Path archive, List<String> prefixes) {
        EntryRules.ArchiveCheck check = new EntryRules.ArchiveCheck(prefixes);
        MessageDigest sha256 = Sha256.newDigest();
        try (InputStream file = new DigestInputStream(new BufferedInputStream(Files.newInputStream(archive), BUFFER), sha256);
             GzipCompressorInputStream gz = new GzipCompressorInputStream(file, true);
             TarArchiveInputStream tar = new TarArchiveInputStream(gz)) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                check.check(entry);
            }
            // the whole file, trailing padding included, for the checksum the manifest keeps
            file.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new ArchiveInvalidException("Cannot read the archive " + archive.getFileName() + ": " + e.getMessage()
                    + ". The file is damaged: restore another set.", e);
        }
        return new Scan(check.files(), check.bytes(), Sha256.hex(sha256));
    }

    private static FileEntry meta(String rel, TarArchiveEntry entry) {
        String type = entry.isDirectory() ? FileEntry.DIRECTORY : entry.isSymbolicLink() ? FileEntry.SYMLINK : FileEntry.FILE;
        long mtime = entry.getLastModifiedTime().to(TimeUnit.NANOSECONDS);
        return new FileEntry(rel, type, entry.getSize(), mtime, entry.getMode() & 07777, (int) entry.getLongUserId(),
                (int) entry.getLongGroupId(), entry.getUserName(), entry.getGroupName(), null,
                entry.isSymbolicLink() ? RawTarNames.linkName(entry) : null);
    }

    /**
     * What a restore did to the folder. {@code filesKept} counts the files already equal to the
     * backup's; {@code filesHashed} those of them whose metadata could not prove it and whose
     * SHA-256 did (read, not rewritten).
     */
    public record Result(long filesTotal, long bytesTotal, long filesWritten, long bytesWritten, long filesKept, long filesHashed,
                         long entriesDeleted, List<String> warnings) {
    }

    /** Files (and links) and bytes an archive holds, and the SHA-256 of the archive file. */
    public record Scan(long files, long bytes, String sha256) {
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
