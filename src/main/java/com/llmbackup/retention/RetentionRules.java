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
     * What the table looks at for one set; thresholds come from {@code backup.retention.*}.
     * {@code fromTheFuture}: dated later than the clock (see {@code BackupSet.fromTheFuture}).
     */
    record Facts(String kind, String status, boolean pinned, String pinnedReason, String heldBy, long ageDays, int newerCompleteFulls,
                 boolean newestOfKind, boolean fromTheFuture, int retentionDays, int minFull) {
    }

    record Verdict(String action, String reason) {
        public boolean delete() {
            return "delete".equals(action);
        }
    }
}
