package com.llmbackup.catalog;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * Whether a snapshot's copy of a file is still what its manifest entry says: there, a
 * regular file, the same size and the same SHA-256. A byte changed on the backup volume
 * (bit rot, an editor, a bad disk) keeps the size: only the content tells. The restore
 * guard reads every file once with this, before anything is stopped.
 */
public final class SnapshotCheck {

    private static final int BUFFER = 1 << 20;

    private SnapshotCheck() {
    }

    /** Empty when the copy matches; else what is wrong, naming the file. */
    public static Optional<String> problem(Path snapshot, Manifest.FileEntry entry, byte[] buffer) throws IOException {
        Path copy = RawNames.resolve(snapshot, entry.path());
        if (!Files.exists(copy, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.of(RawNames.display(entry.path()) + " is missing");
        }
        if (!Files.isRegularFile(copy, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.of(RawNames.display(entry.path()) + " is no longer a regular file");
        }
        long size = Files.size(copy);
        if (size != entry.size()) {
            return Optional.of(RawNames.display(entry.path()) + " has another size than its manifest says (" + size + " bytes, manifest " + entry.size() + ")");
        }
        if (entry.sha256() == null) {
            return Optional.empty(); // nothing recorded to compare with
        }
        String actual = sha256(copy, buffer);
        if (!actual.equals(entry.sha256())) {
            return Optional.of(RawNames.display(entry.path()) + " does not match its manifest (SHA-256 " + actual + ", manifest " + entry.sha256()
                    + "): it was changed or damaged since the backup");
        }
        return Optional.empty();
    }

    public static byte[] buffer() {
        return new byte[BUFFER];
    }

    /** The SHA-256 of a file, read with {@code buffer}. */
    public static String sha256(Path file, byte[] buffer) throws IOException {
        MessageDigest digest = Sha256.newDigest();
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        }
        return Sha256.hex(digest);
    }
}
