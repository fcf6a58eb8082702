package com.llmbackup.offsite;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSetId;

/**
 * Where a set's files lie in its restic snapshot, and so what restic can compare with an
 * earlier copy. restic skips a file unchanged since its parent snapshot only when the file has
 * the same path in both; a set's uploads folder is named for the set ({@code uploads_<id>}),
 * so a snapshot holding it by name shares no uploads path with the day before and restic reads
 * every byte again. Backed up from inside that folder ({@code restic backup .}, which puts the
 * folder's entries at the top of the snapshot) with the set's own files beside them
 * ({@code ../manifest_<id>.json}, ...), the uploads paths are the same every day.
 * <p>
 * A set whose uploads folder holds an entry named like one of the set's own files at its top,
 * and a weekly set (its uploads are one archive), are copied by their names as before: there
 * the names would collide, here there is nothing to compare.
 */
record CopyLayout(Path workingDirectory, List<String> targets, boolean uploadsAtRoot) {

    /** The layout of a copy of the set {@code kind}/{@code id} whose files are {@code names} in {@code kindDir}. */
    static CopyLayout of(BackupKind kind, BackupSetId id, Path kindDir, List<String> names) {
        String uploadsName = kind.uploadsName(id);
        Path uploads = kindDir.resolve(uploadsName);
        List<String> own = ownFiles(kind, id);
        boolean atRoot = !kind.archivesUploads() && names.contains(uploadsName)
                && names.stream().allMatch(n -> n.equals(uploadsName) || own.contains(n))
                && own.stream().noneMatch(n -> Files.exists(uploads.resolve(n), LinkOption.NOFOLLOW_LINKS));
        if (!atRoot) {
            return new CopyLayout(kindDir, names.stream().sorted().toList(), false);
        }
        List<String> targets = new ArrayList<>();
        targets.add(".");
        names.stream().filter(n -> !n.equals(uploadsName)).sorted().forEach(n -> targets.add("../" + n));
        return new CopyLayout(uploads, List.copyOf(targets), true);
    }

    /** The names a set's own files may have (every artifact but the uploads, and the manifest). */
    static List<String> ownFiles(BackupKind kind, BackupSetId id) {
        return List.of(kind.manifestName(id), kind.dumpName(id), kind.fileListName(id), kind.globalsName(id), kind.configName(id));
    }

    /**
     * The restore's half: {@code restic restore} of an uploads-at-root copy went into
     * {@code target/uploads_<id>}; the set's own files found at its top move up beside it, so
     * {@code target} holds the set as a copy by names would have restored it.
     */
    static void unfold(BackupKind kind, BackupSetId id, Path target) {
        Path uploads = target.resolve(kind.uploadsName(id));
        for (String name : ownFiles(kind, id)) {
            Path file = uploads.resolve(name);
            if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.move(file, target.resolve(name), StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot move " + file + " beside the restored uploads: " + e.getMessage(), e);
                }
            }
        }
    }
}
