package com.llmbackup.drill;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

import com.llmbackup.catalog.Manifest.FileEntry;
import com.llmbackup.catalog.ManifestFiles;
import com.llmbackup.catalog.RawNames;
import com.llmbackup.catalog.SnapshotCheck;
import com.llmbackup.uploads.SortedWalk;

/**
 * The restored uploads against the manifest, entry by entry: type, size, mode and (for files)
 * SHA-256, a symbolic link's target; and nothing restored that the manifest does not list. The
 * one place that reads a manifest's file list for the drill, so a change of how that list is
 * read changes only {@link #compare}. Owners are not compared: a drill run by a user other than
 * root cannot give files away, and the restore's own owner rule is {@code UploadsRestorer}'s.
 */
final class UploadsComparison {

    private UploadsComparison() {
    }

    /** What was found at an entry's path (null: nothing there). */
    record Observed(String type, long size, int mode, String sha256, String linkTarget) {
    }

    /** Every difference between the manifest's entries and the folder {@code restored}, each naming its path. */
    static List<String> compare(List<FileEntry> manifest, Path restored) {
        return compare(() -> ManifestFiles.of(manifest), restored);
    }

    /**
     * {@link #compare(List, Path)} reading the file list twice as a stream (path order): once
     * entry by entry, once merge-joined with a sorted walk of the folder for what it does not
     * list, so no set of every path is held (a million files in a bounded heap).
     */
    static List<String> compare(Supplier<ManifestFiles.Entries> manifest, Path restored) {
        List<String> problems = new ArrayList<>();
        byte[] buffer = SnapshotCheck.buffer();
        boolean root = false;
        try (ManifestFiles.Entries entries = manifest.get()) {
            while (entries.hasNext()) {
                FileEntry entry = entries.next();
                root |= ".".equals(entry.path());
                check(entry, restored, buffer, problems);
            }
        }
        if (!root) {
            // every snapshot and archive lists the uploads folder itself: a list without it was cut short or never written
            problems.add(0, "the manifest lists no uploads entries, not even the uploads folder itself: there is nothing to compare with");
        }
        try (ManifestFiles.Entries entries = manifest.get()) {
            ManifestFiles.Cursor cursor = new ManifestFiles.Cursor(entries);
            SortedWalk.walk(restored, new SortedWalk.Visitor() {
                @Override
                public FileVisitResult enter(Path dir, String rel, Map<String, Object> attributes) {
                    unlisted(rel);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public void visit(Path file, String rel, Map<String, Object> attributes) {
                    unlisted(rel);
                }

                private void unlisted(String rel) {
                    if (!rel.equals(".") && cursor.find(rel) == null) {
                        problems.add(rel + " is in the restored uploads but not in the manifest");
                    }
                }

                @Override
                public void failed(Path path, String rel, IOException e) {
                    problems.add(rel + " cannot be read in the restored uploads: " + e.getMessage());
                }
            });
        } catch (IOException | UncheckedIOException e) {
            problems.add("the restored uploads " + restored + " cannot be listed: " + e.getMessage());
        }
        // a name that is not UTF-8 shown with its bytes as %XX: the drill's evidence is stored as text
        problems.replaceAll(RawNames::display);
        return problems;
    }

    private static void check(FileEntry expected, Path restored, byte[] buffer, List<String> problems) {
        {
            String rel = expected.path();
            Optional<String> untrusted = untrusted(expected);
            if (untrusted.isPresent()) {
                problems.add(untrusted.get());
                return; // never read outside the restored folder
            }
            Path path = RawNames.resolve(restored, rel);
            Observed observed;
            try {
                observed = observe(path, FileEntry.FILE.equals(expected.type()), buffer);
            } catch (IOException e) {
                problems.add(rel + " cannot be read in the restored uploads: " + e.getMessage());
                return;
            }
            if (rel.equals(".")) {
                // the uploads folder itself is kept as it is by a restore (it may be a mount point): only its being there counts
                if (observed == null || !FileEntry.DIRECTORY.equals(observed.type())) {
                    problems.add("the restored uploads folder " + restored + " is missing");
                }
                return;
            }
            difference(expected, observed).ifPresent(problems::add);
        }
    }

    /**
     * An entry the comparison cannot vouch for: a path that is not inside the uploads folder (it would
     * be read outside the restored copy), or a file without a SHA-256 (only its size could be compared).
     */
    static Optional<String> untrusted(FileEntry entry) {
        String rel = entry.path();
        if (!inside(rel)) {
            return Optional.of(rel + " is not a path inside the uploads folder (manifest)");
        }
        if (FileEntry.FILE.equals(entry.type()) && entry.sha256() == null) {
            return Optional.of(rel + " has no SHA-256 in the manifest: its content cannot be checked");
        }
        return Optional.empty();
    }

    private static boolean inside(String rel) {
        return rel != null && !rel.isEmpty() && !rel.startsWith("/") && rel.indexOf('\0') < 0 && !List.of(rel.split("/")).contains("..");
    }

    /** The rule for one entry: empty when what was restored is what the manifest says. */
    static Optional<String> difference(FileEntry expected, Observed observed) {
        String rel = expected.path();
        if (observed == null) {
            return Optional.of(rel + " is missing from the restored uploads (manifest: " + expected.type() + ")");
        }
        if (!expected.type().equals(observed.type())) {
            return Optional.of(rel + " is a " + observed.type() + " in the restored uploads, the manifest says " + expected.type());
        }
        if (FileEntry.FILE.equals(expected.type()) && expected.size() != observed.size()) {
            return Optional.of(rel + " has " + observed.size() + " bytes restored, the manifest " + expected.size());
        }
        if (!FileEntry.SYMLINK.equals(expected.type()) && (expected.mode() & 07777) != (observed.mode() & 07777)) {
            return Optional.of(rel + " has mode " + Integer.toOctalString(observed.mode() & 07777) + " restored, the manifest "
                    + Integer.toOctalString(expected.mode() & 07777));
        }
        if (FileEntry.FILE.equals(expected.type()) && expected.sha256() != null && !expected.sha256().equals(observed.sha256())) {
            return Optional.of(rel + " does not match its manifest in the restored uploads (SHA-256 " + observed.sha256()
                    + ", manifest " + expected.sha256() + ")");
        }
        if (FileEntry.SYMLINK.equals(expected.type()) && !Objects.equals(expected.linkTarget(), observed.linkTarget())) {
            return Optional.of(rel + " links to " + observed.linkTarget() + " restored, the manifest to " + expected.linkTarget());
        }
        return Optional.empty();
    }

    private static Observed observe(Path path, boolean hash, byte[] buffer) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        Map<String, Object> unix = Files.readAttributes(path, "unix:mode,size", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) unix.get("mode");
        if (Files.isSymbolicLink(path)) {
            return new Observed(FileEntry.SYMLINK, 0, mode, null, Files.readSymbolicLink(path).toString());
        }
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            return new Observed(FileEntry.DIRECTORY, 0, mode, null, null);
        }
        if (!Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
            return new Observed("special file", 0, mode, null, null);
        }
        return new Observed(FileEntry.FILE, (Long) unix.get("size"), mode, hash ? SnapshotCheck.sha256(path, buffer) : null, null);
    }
}
