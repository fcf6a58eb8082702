package com.llmbackup.catalog;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What a backup set holds, written beside its artifacts as {@code manifest_<id>.json}.
 * The set is complete if and only if {@code status} is {@code complete}. The manifest is
 * versioned and grows: readers ignore fields they do not know, so a set written by a
 * newer release still lists. The history table can be rebuilt from manifests alone.
 * Since format 2 it is a small header: the uploads entries, which can be a million, are
 * streamed to and from {@code files_<id>.jsonl} ({@link ManifestFiles}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Manifest(
        int formatVersion,
        String kind,
        String id,
        String status,
        String processInstanceId,
        Instant startedAt,
        Instant completedAt,
        String postgresVersion,
        String basedOn,
        Boolean pinned,
        String pinnedReason,
        List<Artifact> artifacts,
        List<FileEntry> files,
        Map<String, Long> rowCounts,
        Stats stats,
        List<String> warnings,
        BaseBackup baseBackup) {

    /**
     * 2: the uploads entries are in the file list beside the manifest ({@link ManifestFiles}),
     * {@code files} is absent. 1: {@code files} holds them inline (sets written before issue 19).
     */
    public static final int FORMAT_VERSION = 2;
    public static final String PUBLISHING = "publishing";
    public static final String COMPLETE = "complete";

    @JsonCreator
    public Manifest {
    }

    /** A manifest without a base backup (every set but a weekly taken while WAL streams). */
    public Manifest(int formatVersion, String kind, String id, String status, String processInstanceId, Instant startedAt,
                    Instant completedAt, String postgresVersion, String basedOn, Boolean pinned, String pinnedReason,
                    List<Artifact> artifacts, List<FileEntry> files, Map<String, Long> rowCounts, Stats stats, List<String> warnings) {
        this(formatVersion, kind, id, status, processInstanceId, startedAt, completedAt, postgresVersion, basedOn, pinned,
                pinnedReason, artifacts, files, rowCounts, stats, warnings, null);
    }

    public boolean complete() {
        return COMPLETE.equals(status);
    }

    public boolean isPinned() {
        return Boolean.TRUE.equals(pinned);
    }

    public Manifest withStatus(String newStatus, Instant completed) {
        return new Manifest(formatVersion, kind, id, newStatus, processInstanceId, startedAt, completed, postgresVersion,
                basedOn, pinned, pinnedReason, artifacts, files, rowCounts, stats, warnings, baseBackup);
    }

    public Manifest withPin(boolean pin, String reason) {
        return new Manifest(formatVersion, kind, id, status, processInstanceId, startedAt, completedAt, postgresVersion,
                basedOn, pin, reason, artifacts, files, rowCounts, stats, warnings, baseBackup);
    }

    /** One published file or folder of the set, with its size and (for files) SHA-256. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Artifact(String name, String type, long size, String sha256, Long fileCount) {
        public static final String FILE = "file";
        public static final String DIRECTORY = "directory";

        public static Artifact file(String name, long size, String sha256) {
            return new Artifact(name, FILE, size, sha256, null);
        }

        public static Artifact directory(String name, long size, long fileCount) {
            return new Artifact(name, DIRECTORY, size, null, fileCount);
        }
    }

    /**
     * One entry of the uploads tree: what an incremental snapshot compares and a restore checks.
     * {@code ctimeNanos} (files only) is the inode change time seen before the stored copy was
     * read; manifests written before it was recorded lack it (null), which the snapshot treats
     * as "changed" (the file is copied, not linked).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record FileEntry(String path, String type, long size, long mtimeNanos, int mode, Integer uid, Integer gid,
                            String owner, String group, String sha256, String linkTarget, Long ctimeNanos) {
        public static final String FILE = "file";
        public static final String DIRECTORY = "directory";
        public static final String SYMLINK = "symlink";

        @JsonCreator
        public FileEntry {
        }

        /** An entry without a recorded ctime (as manifests before format 1's ctime, or a tar header). */
        public FileEntry(String path, String type, long size, long mtimeNanos, int mode, Integer uid, Integer gid,
                         String owner, String group, String sha256, String linkTarget) {
            this(path, type, size, mtimeNanos, mode, uid, gid, owner, group, sha256, linkTarget, null);
        }

        public FileEntry withContent(long newSize, String newSha256) {
            return new FileEntry(path, type, newSize, mtimeNanos, mode, uid, gid, owner, group, newSha256, linkTarget, ctimeNanos);
        }
    }

    /** Figures of the run that made the set, also kept in the history row. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Stats(long bytes, long fileCount, long filesCopied, long filesLinked) {
    }

    /**
     * The set's base backup ({@code pg_basebackup}, tar, gzip, WAL from the stream): the tar of the
     * data directory and PostgreSQL's {@code backup_manifest} beside it (both artifacts with their
     * SHA-256), where its WAL starts and where it is consistent ({@code startLsn}, {@code endLsn} on
     * {@code timeline}; the WAL between them comes from {@code <root>/wal}), when it started and
     * when it was consistent (the server's clock), the cluster it belongs to and its WAL segment size.
     * A recovery from it can stop no earlier than {@code consistentAt}.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record BaseBackup(String file, String manifestFile, int timeline, String startLsn, String endLsn,
                             Instant startedAt, Instant consistentAt, String systemIdentifier, long walSegmentSize) {
    }
}
