package com.llmbackup.catalog;

import java.time.Duration;
import java.time.Instant;

/** A run waited for the lease on the backup root longer than {@code backup.lock.max-wait}. */
public class LeaseWaitTimeoutException extends RuntimeException {

    public LeaseWaitTimeoutException(String message) {
        super(message);
    }

    /**
     * Throws when a run that has waited since {@code waitingSince} has reached the bound;
     * the message names the holder so the operator can look at it in Cockpit.
     */
    public static void check(Instant waitingSince, Duration maxWait, Instant now, LeaseManager.LeaseInfo holder) {
        if (!now.isBefore(waitingSince.plus(maxWait))) {
            throw new LeaseWaitTimeoutException("Gave up waiting for the lock on the backup root after "
                    + maxWait.toString().substring(2).toLowerCase() + " (backup.lock.max-wait): run " + holder.owner()
                    + " (" + holder.purpose() + ") has held it since " + holder.acquiredAt()
                    + ". Look at that run in Cockpit; this run changed nothing.");
        }
    }
}
