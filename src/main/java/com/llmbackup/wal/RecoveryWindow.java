package com.llmbackup.wal;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The times a point-in-time recovery can reach: from {@code from} (the oldest base backup's
 * consistent point that has unbroken WAL after it: a recovery can stop no earlier) to {@code to}
 * (the latest instant whose whole WAL is on disk), except the {@code gaps} (WAL missing, or a
 * timeline that cannot be followed). {@code from} and {@code to} are null when nothing can be
 * recovered yet ({@code note} says why). {@code baseBackups} are the usable starts, oldest first,
 * each with how far its WAL reaches; {@link #startFor} picks the one a recovery to a time uses.
 * Times are the database server's clock (that of its commit records).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RecoveryWindow(Instant from, Instant to, List<Gap> gaps, List<Start> baseBackups, WalReceiverStatus receiver,
                             String note) {

    public RecoveryWindow {
        gaps = List.copyOf(gaps);
        baseBackups = List.copyOf(baseBackups);
    }

    /** Times in ({@code from}, {@code to}) no recovery can reach, and why. */
    public record Gap(Instant from, Instant to, String reason) {
    }

    /**
     * A base backup a recovery can start from ({@code label}: {@code weekly/20251130}), consistent at
     * {@code consistentAt}, its WAL unbroken up to {@code reachesTo}; {@code brokenBy} says what ends it
     * before the window's end (null when it reaches the end).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Start(String label, int timeline, String startLsn, String endLsn, Instant consistentAt, Instant reachesTo,
                        String brokenBy) {
    }

    /**
     * Whether a recovery can stop at {@code time}: inside the window, in no gap, and reached by a
     * base backup. Not the gaps alone: a gap's end is recoverable when a base backup is consistent
     * there, but the window's end after a gap with no base backup after it is not.
     */
    public boolean covers(Instant time) {
        if (from == null || to == null || time.isBefore(from) || time.isAfter(to)) {
            return false;
        }
        return gaps.stream().noneMatch(g -> time.isAfter(g.from()) && time.isBefore(g.to())) && startFor(time).isPresent();
    }

    /** The newest base backup a recovery to {@code time} can start from. */
    public Optional<Start> startFor(Instant time) {
        return baseBackups.stream().filter(s -> !time.isBefore(s.consistentAt()) && !time.isAfter(s.reachesTo()))
                .max(Comparator.comparing(Start::consistentAt));
    }

    @JsonIgnore
    public boolean empty() {
        return from == null;
    }
}
