package com.llmbackup.catalog;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;

/**
 * A backup set as found on disk: kind, id, status and its files. The files on disk are
 * the source of truth; this is what a listing says about them.
 */
public record BackupSet(BackupKind kind, BackupSetId id, Status status, Manifest manifest, List<Path> files, String problem) {

    public enum Status {
        /** Its manifest says complete. */
        COMPLETE,
        /** Seed-named files without a manifest, left by the old scripts: adopted, restorable after verification. */
        LEGACY,
        /** A publish that did not finish: never restorable, rolled back by the next run. */
        INCOMPLETE,
        /** A manifest that cannot be read: reported, not trusted, never deleted silently. */
        CORRUPT
    }

    public LocalDate date() {
        return id.date();
    }

    /**
     * Whether the set is dated later than {@code now} by more than {@code tolerance} (its
     * completion time, or the start of its id's day): it was made under a clock that was ahead,
     * or this clock is behind. Its age is unknown, so it never counts as the newest or as young.
     */
    public boolean fromTheFuture(Instant now, Duration tolerance, ZoneId zone) {
        Instant limit = now.plus(tolerance);
        if (manifest != null && manifest.completedAt() != null && manifest.completedAt().isAfter(limit)) {
            return true;
        }
        return date().atStartOfDay(zone).toInstant().isAfter(limit);
    }

    public boolean restorable() {
        return status == Status.COMPLETE || status == Status.LEGACY;
    }

    public boolean pinned() {
        return manifest != null && manifest.isPinned();
    }

    /** {@code daily/20251031}: how operators and logs name a set. */
    public String label() {
        return kind.dir() + "/" + id;
    }
}
