package com.llmbackup.recovery;

import com.llmbackup.catalog.HistoryEntry;

/**
 * How a disaster recovery ended, for its report: failed before a set was chosen, cancelled by
 * the confirming operator, recovered (the called restore completed without rolling back), or
 * failed with the restore. Pure: the service passes the answers and the restore's history row.
 */
public record RecoveryEnding(String outcome, String message) {

    /**
     * @param answers  what the recovery's steps and operator answered
     * @param restore  the called restore's history row, null when it has none
     * @param restored whether that restore completed without rolling back
     */
    public static RecoveryEnding of(DisasterRecoveryService.Answers answers, String confirmedBy, HistoryEntry restore, boolean restored) {
        if (!answers.failedStep().isEmpty() && answers.recoveryId() == null) {
            return new RecoveryEnding(RecoveryReport.FAILED, answers.failureMessage());
        }
        if (!answers.confirmed()) {
            return new RecoveryEnding(RecoveryReport.CANCELLED, "not confirmed by " + confirmedBy
                    + (answers.confirmationComment() == null ? "" : ": " + answers.confirmationComment()) + ". Nothing was restored.");
        }
        if (restored) {
            return new RecoveryEnding(RecoveryReport.RECOVERED, restore.message());
        }
        return new RecoveryEnding(RecoveryReport.FAILED, "the restore ended "
                + (restore == null ? "without a history row" : restore.status() + ": " + restore.message()));
    }
}
