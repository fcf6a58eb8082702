package com.llmbackup.recovery;

import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.config.Text;
import com.llmbackup.config.Texts;

/**
 * How a disaster recovery ended, for its report: failed before a set was chosen, cancelled by
 * the confirming operator, recovered (the called restore completed without rolling back), or
 * failed with the restore. Pure: the service passes the answers and the restore's history row.
 * The message is the report's words, in {@code backup.language} ({@code texts}).
 */
public record RecoveryEnding(String outcome, String message) {

    /**
     * @param answers  what the recovery's steps and operator answered
     * @param restore  the called restore's history row, null when it has none
     * @param restored whether that restore completed without rolling back
     */
    public static RecoveryEnding of(DisasterRecoveryService.Answers answers, String confirmedBy, HistoryEntry restore, boolean restored,
                                    Texts texts) {
        if (!answers.failedStep().isEmpty() && answers.recoveryId() == null) {
            return new RecoveryEnding(RecoveryReport.FAILED, answers.failureMessage());
        }
        if (!answers.confirmed()) {
            return new RecoveryEnding(RecoveryReport.CANCELLED, texts.render(answers.confirmationComment() == null
                    ? Text.of("recovery.ending.notConfirmed", confirmedBy)
                    : Text.of("recovery.ending.notConfirmed.comment", confirmedBy, answers.confirmationComment())));
        }
        if (restored) {
            return new RecoveryEnding(RecoveryReport.RECOVERED, restore.message());
        }
        return new RecoveryEnding(RecoveryReport.FAILED, texts.render(restore == null ? Text.of("recovery.ending.noRow")
                : Text.of("recovery.ending.restoreEnded", restore.status(), restore.message())));
    }
}
