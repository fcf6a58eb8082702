package com.llmbackup.api;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * When a run will likely end, from the bytes it has done since it started and the bytes it
 * has to do, at its average rate so far. Pure. Empty while nothing is done yet (no rate) or
 * the total is unknown.
 */
final class Eta {

    private Eta() {
    }

    static Optional<Instant> estimate(Instant startedAt, Instant now, Long bytesDone, Long bytesTotal) {
        if (startedAt == null || bytesDone == null || bytesTotal == null || bytesDone <= 0 || bytesTotal <= 0) {
            return Optional.empty();
        }
        long elapsedMillis = Duration.between(startedAt, now).toMillis();
        if (elapsedMillis <= 0) {
            return Optional.empty();
        }
        long remaining = Math.max(0, bytesTotal - bytesDone);
        // remaining / (done / elapsed), in double: terabytes times hours overflow a long
        long remainingMillis = (long) (remaining * (double) elapsedMillis / bytesDone);
        return Optional.of(now.plusMillis(remainingMillis));
    }
}
