package com.llmbackup.uploads;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import com.llmbackup.catalog.Manifest.FileEntry;

/**
 * The one answer to "is this file still the one a manifest entry describes?", for the
 * snapshot (link to the previous copy instead of copying) and the restore (keep the live
 * file instead of rewriting it): a regular file with the same size, mtime (to the
 * nanosecond; a tar header keeps microseconds), mode, owner and ctime. The ctime is what
 * catches a rewrite that kept size and mtime: no program can set it back. It must equal
 * the ctime recorded when the entry was made; an entry without one (a manifest written
 * before it was recorded, or a tar header) can only be trusted when the caller knows when
 * the backup started and the file's ctime is older than that. Without either, the file
 * counts as changed.
 */
final class UnchangedFile {

    /** The first rule a file breaks, or {@link #NONE}. */
    enum Difference { NONE, NOT_A_FILE, SIZE, MTIME, MODE, OWNER, CTIME, CTIME_UNKNOWN, CHANGED_SINCE_BACKUP }

    /** What a file is now (lstat, links not followed). */
    record State(boolean regularFile, long size, long mtimeNanos, int mode, int uid, int gid, long ctimeNanos) {
        static State of(Map<String, Object> unix, boolean regularFile) {
            return new State(regularFile, (Long) unix.get("size"), ((FileTime) unix.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS),
                    (Integer) unix.get("mode") & 07777, (Integer) unix.get("uid"), (Integer) unix.get("gid"),
                    ((FileTime) unix.get("ctime")).to(TimeUnit.NANOSECONDS));
        }

        static State read(Path path) throws IOException {
            Map<String, Object> unix = Files.readAttributes(path, "unix:mode,uid,gid,size,lastModifiedTime,ctime,isRegularFile",
                    LinkOption.NOFOLLOW_LINKS);
            return of(unix, (Boolean) unix.get("isRegularFile"));
        }
    }

    // file times come from the kernel's coarse clock: a second's margin before the backup's start
    private static final long MARGIN_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final long mtimeUnit;
    private final boolean compareOwner;
    private final Long changedBeforeNanos;
    private final boolean backupStartRequired;

    private UnchangedFile(long mtimeUnit, boolean compareOwner, Instant backupStarted, boolean backupStartRequired) {
        this.mtimeUnit = mtimeUnit;
        this.compareOwner = compareOwner;
        this.changedBeforeNanos = backupStarted == null ? null
                : TimeUnit.SECONDS.toNanos(backupStarted.getEpochSecond()) + backupStarted.getNano() - MARGIN_NANOS;
        this.backupStartRequired = backupStartRequired;
    }

    /** The snapshot's rule: every attribute equal to the previous manifest's entry, its ctime included. */
    static UnchangedFile forSnapshot() {
        return new UnchangedFile(1, true, null, false);
    }

    /**
     * The restore's rule: also the ctime older than the start of the backup (a legacy set gives
     * none: every file counts as changed); archive times compared to the microsecond; the owner
     * only when the restore can set it (as root).
     */
    static UnchangedFile forRestore(Instant backupStarted, boolean archiveTimes, boolean compareOwner) {
        return new UnchangedFile(archiveTimes ? 1000 : 1, compareOwner, backupStarted, true);
    }

    boolean unchanged(FileEntry recorded, State now) {
        return compare(recorded, now) == Difference.NONE;
    }

    Difference compare(FileEntry recorded, State now) {
        if (recorded == null || !FileEntry.FILE.equals(recorded.type()) || !now.regularFile()) {
            return Difference.NOT_A_FILE;
        }
        if (recorded.size() != now.size()) {
            return Difference.SIZE;
        }
        if (Math.floorDiv(recorded.mtimeNanos(), mtimeUnit) != Math.floorDiv(now.mtimeNanos(), mtimeUnit)) {
            return Difference.MTIME;
        }
        if (recorded.mode() != now.mode()) {
            return Difference.MODE;
        }
        if (compareOwner && recorded.uid() != null
                && (!Objects.equals(recorded.uid(), now.uid()) || !Objects.equals(recorded.gid(), now.gid()))) {
            return Difference.OWNER;
        }
        if (recorded.ctimeNanos() != null && recorded.ctimeNanos() != now.ctimeNanos()) {
            return Difference.CTIME;
        }
        if (backupStartRequired && changedBeforeNanos == null) {
            return Difference.CTIME_UNKNOWN;
        }
        if (changedBeforeNanos != null && now.ctimeNanos() >= changedBeforeNanos) {
            return Difference.CHANGED_SINCE_BACKUP;
        }
        if (recorded.ctimeNanos() == null && changedBeforeNanos == null) {
            return Difference.CTIME_UNKNOWN;
        }
        return Difference.NONE;
    }
}
