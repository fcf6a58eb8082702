package com.llmbackup.catalog;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

import com.llmbackup.config.Texts;

/** A run waited for the lease on the backup root longer than {@code backup.lock.max-wait}. */
public class LeaseWaitTimeoutException extends RuntimeException {

    public LeaseWaitTimeoutException(String message) {
        super(message);
    }

    /**
     * Throws when a run that has waited since {@code waitingSince} has reached the bound;
     * the message (in {@code texts}' language: it reaches the run, the alert and the log) names the
     * holder so the operator can look at it in Cockpit.
     */
    public static void check(Instant waitingSince, Duration maxWait, Instant now, LeaseManager.LeaseInfo holder, Texts texts) {
        if (!now.isBefore(waitingSince.plus(maxWait))) {
            throw new LeaseWaitTimeoutException(texts.render("lock.gaveUp", maxWait.toString().substring(2).toLowerCase(Locale.ROOT),
                    holder.owner(), holder.purpose(), holder.acquiredAt()));
        }
    }
}
