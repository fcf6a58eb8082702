package com.llmbackup.uploads;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.llmbackup.catalog.Manifest.FileEntry;
import com.llmbackup.catalog.RawNames;
import com.llmbackup.catalog.SnapshotCheck;
import com.llmbackup.catalog.Sha256;
import com.llmbackup.catalog.Trees;

/**
 * Chosen files and folders of a snapshot put back into a folder, nothing else of it touched
 * (issue 29): each file written beside its place under a fixed temporary name, checked against
 * the manifest's SHA-256, renamed in. What it replaces is moved into {@code kept} first
 * ({@code kept/replaced/<path>}), what it creates is listed in {@code kept/created.jsonl}, so
 * {@link #undo} puts the folder back. Safe to run twice: a file already equal to the manifest's
 * is left as it is, a version already kept is not kept again, and a temporary file a killed run
 * left is overwritten. The folders above the chosen paths keep their mtime.
 */
public final class PathRestorer {

    static final String TEMP_SUFFIX = ".llmbackup-file-restore";
    private static final String REPLACED = "replaced";
    private static final String CREATED = "created.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path live;
    private final Path kept;
    private final byte[] buffer = new byte[1 << 16];
    private final List<Created> created = new ArrayList<>();
    /** The paths of {@link #created}, for a lookup per file that stays cheap in a folder of a million. */
    private final Set<String> createdPaths = new HashSet<>();
    /** The chosen folders: they get the backup's mtime, never the one they had. */
    private final Set<Path> restoredFolders = new HashSet<>();
    private final Map<Path, FileTime> parentTimes = new LinkedHashMap<>();
    private final List<Map.Entry<Path, FileEntry>> folders = new ArrayList<>();
    private long filesWritten;
    private long filesKept;
    private long filesReplaced;
    private long bytesWritten;

    /** {@code kept} null: a new folder beside production (side by side), where nothing is replaced. */
    public PathRestorer(Path live, Path kept) {
        this.live = live;
        this.kept = kept;
    }

    /** What a restore did. */
    public record Result(long filesWritten, long filesAlreadyThere, long filesReplaced, long bytesWritten, long created) {
    }

    /** A path the restore created, and the content it wrote (null for a folder): the undo deletes it while it is still that. */
    record Created(String path, String sha256) {
    }

    /**
     * Restores {@code entries} (in path order, a folder before its content, all below the chosen
     * paths) from {@code snapshot}.
     */
    public Result restore(Path snapshot, Iterator<FileEntry> entries) {
        try {
            if (kept != null) {
                Files.createDirectories(kept.resolve(REPLACED));
                readCreated(kept).forEach(c -> {
                    created.add(c);
                    createdPaths.add(c.path());
                });
            } else {
                Files.createDirectories(live); // side by side: a new folder (the guard allowed it below the side-by-side root)
            }
            while (entries.hasNext()) {
                FileEntry e = entries.next();
                String rel = EntryRules.listedRelative(e.path());
                parents(rel);
                Path target = EntryRules.inside(live, rel);
                switch (e.type()) {
                    case FileEntry.DIRECTORY -> folder(target, rel, e);
                    case FileEntry.SYMLINK -> link(target, rel, e);
                    case FileEntry.FILE -> file(RawNames.resolve(snapshot, rel), target, rel, e);
                    default -> throw new ArchiveInvalidException("Unknown entry type " + e.type() + " for " + rel + " in the manifest.");
                }
            }
            // folders' times after their content, deepest first; then the folders above as they were
            for (int i = folders.size() - 1; i >= 0; i--) {
                Snapshotter.applyAttributes(folders.get(i).getKey(), folders.get(i).getValue(), false);
            }
            List<Path> above = new ArrayList<>(parentTimes.keySet());
            for (int i = above.size() - 1; i >= 0; i--) {
                if (Files.isDirectory(above.get(i), LinkOption.NOFOLLOW_LINKS)) {
                    Files.setLastModifiedTime(above.get(i), parentTimes.get(above.get(i)));
                }
            }
            return new Result(filesWritten, filesKept, filesReplaced, bytesWritten, created.size());
        } catch (IOException e) {
            throw new UncheckedIOException("Restoring files into " + live + " failed: " + e.getMessage(), e);
        }
    }

    /** The folders above a chosen path: made when missing (listed as created), their mtime kept when present. */
    private void parents(String rel) throws IOException {
        Path current = live;
        String[] names = rel.split("/");
        remember(current);
        for (int i = 0; i < names.length - 1; i++) {
            current = current.resolve(names[i]);
            if (Files.isSymbolicLink(current)) {
                throw new ArchiveInvalidException("The uploads folder holds a symbolic link at " + current + ", above " + rel
                        + ": a restore never writes through a link. Nothing more was written.");
            }
            if (!Files.exists(current, LinkOption.NOFOLLOW_LINKS)) {
                create(names, i);
                Files.createDirectory(current);
            } else {
                remember(current);
            }
        }
    }

    private void create(String[] names, int upTo) throws IOException {
        record(new Created(String.join("/", Arrays.copyOfRange(names, 0, upTo + 1)), null));
    }

    private void remember(Path folder) throws IOException {
        if (!parentTimes.containsKey(folder) && !restoredFolders.contains(folder) && Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
            parentTimes.put(folder, Files.getLastModifiedTime(folder, LinkOption.NOFOLLOW_LINKS));
        }
    }

    private void folder(Path target, String rel, FileEntry e) throws IOException {
        if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                keep(target, rel);
            }
            record(new Created(rel, null));
            Files.createDirectory(target);
        }
        parentTimes.remove(target); // restored: it gets the backup's mtime, not its own
        restoredFolders.add(target);
        folders.add(Map.entry(target, e));
    }

    private void link(Path target, String rel, FileEntry e) throws IOException {
        if (Files.isSymbolicLink(target) && Files.readSymbolicLink(target).toString().equals(e.linkTarget())) {
            filesKept++;
            return;
        }
        Path tmp = temp(target);
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, Path.of(e.linkTarget()));
        Snapshotter.applyAttributes(tmp, e, true);
        putInPlace(tmp, target, rel, null);
    }

    private void file(Path source, Path target, String rel, FileEntry e) throws IOException {
        if (!Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
            throw new ArchiveInvalidException("The snapshot lacks " + rel + ", which its manifest lists: the set is damaged. Restore "
                    + "the file from another set.");
        }
        if (Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) && Files.size(target) == e.size()
                && (e.sha256() == null || e.sha256().equals(SnapshotCheck.sha256(target, buffer)))) {
            Snapshotter.applyAttributes(target, e, false); // already the backup's (a second run): only its attributes
            filesKept++;
            return;
        }
        Path tmp = temp(target);
        MessageDigest digest = Sha256.newDigest();
        try (InputStream in = Files.newInputStream(source, LinkOption.NOFOLLOW_LINKS);
             OutputStream out = new DigestOutputStream(Files.newOutputStream(tmp, StandardOpenOption.CREATE,
                     StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS), digest)) {
            in.transferTo(out);
        }
        String sha = Sha256.hex(digest);
        if (e.sha256() != null && !e.sha256().equals(sha)) {
            Files.deleteIfExists(tmp);
            throw new ArchiveInvalidException("The snapshot's copy of " + rel + " has SHA-256 " + sha + ", its manifest says " + e.sha256()
                    + ": the set is damaged. " + rel + " was not changed; restore it from another set.");
        }
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        Snapshotter.applyAttributes(tmp, e, false);
        putInPlace(tmp, target, rel, sha);
        filesWritten++;
        bytesWritten += e.size();
    }

    /** The temporary name beside a path: fixed, so a second run overwrites what a killed one left. */
    private static Path temp(Path target) {
        return target.resolveSibling("." + target.getFileName() + TEMP_SUFFIX);
    }

    /** What is at the place moved into {@code kept} (or listed as created), then the new one renamed in. */
    private void putInPlace(Path tmp, Path target, String rel, String sha) throws IOException {
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            keep(target, rel);
        } else if (!createdPaths.contains(rel)) {
            record(new Created(rel, sha));
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The live version moved into {@code kept/replaced}, once: a second run finds it kept and keeps the first. */
    private void keep(Path target, String rel) throws IOException {
        if (kept == null) {
            throw new ArchiveInvalidException(target + " is not empty: a side-by-side restore writes only into a new or empty folder.");
        }
        Path to = RawNames.resolve(kept.resolve(REPLACED), rel);
        if (Files.exists(to, LinkOption.NOFOLLOW_LINKS)) {
            // a second run: the live one is what this restore made, or made since; the first version kept is the one to undo to
            Trees.delete(target);
        } else {
            Files.createDirectories(to.getParent());
            move(target, to);
        }
        filesReplaced++;
    }

    private void record(Created c) throws IOException {
        if (!createdPaths.add(c.path())) {
            return; // listed by an earlier run
        }
        created.add(c);
        if (kept == null) {
            return;
        }
        Path list = kept.resolve(CREATED);
        try (FileChannel channel = FileChannel.open(list, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap((json(c) + "\n").getBytes(StandardCharsets.UTF_8)));
            channel.force(true); // listed before it exists: an undo after a crash still finds it
        }
    }

    private static String json(Created c) {
        try {
            return JSON.writeValueAsString(c);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Created> readCreated(Path kept) throws IOException {
        Path list = kept.resolve(CREATED);
        if (!Files.exists(list)) {
            return new ArrayList<>();
        }
        List<Created> out = new ArrayList<>();
        for (String line : Files.readAllLines(list, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                out.add(JSON.readValue(line, Created.class));
            }
        }
        return out;
    }

    /** A rename where it can; across volumes a copy, forced, renamed, then the original deleted. */
    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException otherVolume) {
            if (Files.isDirectory(from, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException("cannot move the folder " + from + " to " + to + " across volumes; move it out of the way by hand "
                        + "and retry", otherVolume);
            }
            Path tmp = to.resolveSibling(to.getFileName() + TEMP_SUFFIX);
            Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
            if (Files.isRegularFile(tmp, LinkOption.NOFOLLOW_LINKS)) {
                try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    channel.force(true);
                }
            }
            Files.move(tmp, to, StandardCopyOption.ATOMIC_MOVE);
            Files.delete(from);
        }
    }

    /** What an undo did. */
    public record Undone(long putBack, long removed, List<String> leftAlone) {
    }

    /**
     * Puts the folder back as it was before {@link #restore}: what it created removed (a file only
     * while it still holds what the restore wrote, a folder only when empty), what it replaced
     * moved back. Safe to run twice: what is back is no longer in {@code kept}.
     */
    public Undone undo() {
        try {
            List<Created> made = readCreated(kept);
            long removed = 0;
            List<String> leftAlone = new ArrayList<>();
            for (int i = made.size() - 1; i >= 0; i--) { // deepest first
                Created c = made.get(i);
                Path p = RawNames.resolve(live, c.path());
                if (c.sha256() == null) {
                    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                        try {
                            Files.delete(p);
                            removed++;
                        } catch (DirectoryNotEmptyException notEmpty) {
                            leftAlone.add(c.path() + "/ (not empty)");
                        }
                    }
                } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    if (c.sha256().equals(SnapshotCheck.sha256(p, buffer))) {
                        Files.delete(p);
                        removed++;
                    } else {
                        leftAlone.add(c.path() + " (changed since the restore)");
                    }
                }
            }
            Path replaced = kept.resolve(REPLACED);
            long back = 0;
            if (Files.isDirectory(replaced)) {
                List<Path> files;
                try (Stream<Path> walk = Files.walk(replaced)) {
                    files = walk.filter(p -> !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).toList();
                }
                for (Path from : files) {
                    String rel = RawNames.relative(replaced, from);
                    Path to = EntryRules.inside(live, rel);
                    Files.createDirectories(to.getParent());
                    if (Files.isDirectory(to, LinkOption.NOFOLLOW_LINKS)) {
                        Trees.delete(to); // the folder the restore put where a file was
                    }
                    Path tmp = temp(to);
                    Files.deleteIfExists(tmp);
                    move(from, tmp);
                    Files.move(tmp, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    back++;
                }
            }
            return new Undone(back, removed, leftAlone);
        } catch (FileAlreadyExistsException e) {
            throw new UncheckedIOException("Undoing the file restore in " + live + " failed: " + e.getFile() + " exists", e);
        } catch (IOException e) {
            throw new UncheckedIOException("Undoing the file restore in " + live + " failed: " + e.getMessage(), e);
        }
    }
}
