package com.llmbackup.offsite;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSetId;

/** One restic snapshot of the repository: the copy of one set (or of the WAL folder), found by its tags. */
public record OffsiteSnapshot(String id, String shortId, Instant time, List<String> tags) {

    static final String PROJECT_TAG = "llm-backup";
    static final String KIND_TAG = "kind:";
    static final String ID_TAG = "id:";
    /**
     * A copy whose snapshot holds the uploads folder's content at its top, the set's own files
     * beside it (see {@link CopyLayout}); a copy without it holds the set's files and folders by
     * their names.
     */
    static final String UPLOADS_AT_ROOT_TAG = "layout:uploads-at-root";
    /** The kind tag's value (and the folder's name) of a copy of the WAL folder. */
    static final String WAL = "wal";

    static List<String> tagsOf(BackupKind kind, BackupSetId id) {
        return List.of(PROJECT_TAG, KIND_TAG + kind.dir(), ID_TAG + id);
    }

    /** The set this snapshot copies, when its tags name one (snapshots of other tools are left alone). */
    public Optional<SetRef> set() {
        String kind = tag(KIND_TAG);
        String setId = tag(ID_TAG);
        if (!tags.contains(PROJECT_TAG) || kind == null || setId == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(new SetRef(BackupKind.fromDir(kind), BackupSetId.parse(setId)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    boolean uploadsAtRoot() {
        return tags.contains(UPLOADS_AT_ROOT_TAG);
    }

    /** A copy of the WAL folder ({@code kind:wal}), not of a set. */
    public boolean wal() {
        return tags.contains(PROJECT_TAG) && WAL.equals(tag(KIND_TAG));
    }

    public boolean copies(BackupKind kind, BackupSetId setId) {
        return set().map(s -> s.kind() == kind && s.id().equals(setId)).orElse(false);
    }

    private String tag(String prefix) {
        return tags.stream().filter(t -> t.startsWith(prefix)).map(t -> t.substring(prefix.length())).findFirst().orElse(null);
    }

    /** A set named by kind and id ({@code daily/20251031}). */
    public record SetRef(BackupKind kind, BackupSetId id) {
        public String label() {
            return kind.dir() + "/" + id;
        }
    }
}
