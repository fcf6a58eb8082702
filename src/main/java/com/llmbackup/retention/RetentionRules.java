package com.llmbackup.retention;

/**
 * Decides one backup set: keep or delete, with a reason an operator understands. The
 * rules live in the DMN table {@code RetentionDecision}; the process layer evaluates it
 * through the engine, so every decision shows in Cockpit's decision history.
 */
@FunctionalInterface
public interface RetentionRules {

    Verdict decide(Facts facts);

    /**
     * What the table looks at for one set, or (kind {@code wal}) one range of WAL segments;
     * thresholds come from {@code backup.retention.*}. {@code fromTheFuture}: a set dated later than
     * the clock (see {@code BackupSet.fromTheFuture}; never for WAL). For a set, {@code hasBaseBackup}
     * says it holds one and {@code newerBaseBackups} how many complete sets with one are newer; for
     * WAL, {@code walNeeded} says a retained base backup needs the range, {@code hasBaseBackup} that
     * one is retained at all, and {@code oldestBaseBackup} names the oldest retained one.
     */
    record Facts(String kind, String status, boolean pinned, String pinnedReason, String heldBy, long ageDays, int newerCompleteFulls,
                 boolean newestOfKind, boolean fromTheFuture, int retentionDays, int minFull, boolean walNeeded, boolean hasBaseBackup,
                 int newerBaseBackups, String oldestBaseBackup) {

        /** A set without a base backup. */
        public Facts(String kind, String status, boolean pinned, String pinnedReason, String heldBy, long ageDays, int newerCompleteFulls,
                     boolean newestOfKind, boolean fromTheFuture, int retentionDays, int minFull) {
            this(kind, status, pinned, pinnedReason, heldBy, ageDays, newerCompleteFulls, newestOfKind, fromTheFuture, retentionDays,
                    minFull, false, false, 0, null);
        }
    }

    record Verdict(String action, String reason) {
        public boolean delete() {
            return "delete".equals(action);
        }
    }
}
