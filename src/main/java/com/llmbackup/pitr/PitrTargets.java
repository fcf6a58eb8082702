package com.llmbackup.pitr;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.stream.Collectors;

import com.llmbackup.wal.RecoveryWindow;

/**
 * Whether a point-in-time recovery can reach a time, and if not, why, naming the recovery
 * window and its gaps so the operator can choose another. Pure: the window and the clock are given.
 */
public final class PitrTargets {

    private PitrTargets() {
    }

    /** {@code restoreToTime} as given: ISO-8601 with an offset or Z ({@code 2026-12-07T15:01:59+09:00}). */
    public static Instant parse(String value) {
        try {
            return OffsetDateTime.parse(value.strip()).toInstant();
        } catch (DateTimeParseException | NullPointerException e) {
            throw new IllegalArgumentException("restoreToTime '" + value + "' is not an ISO-8601 time with an offset, e.g. "
                    + "2026-12-07T15:01:59+09:00 or 2026-12-07T06:01:59Z.");
        }
    }

    /** Why a recovery to {@code target} is refused, or empty when the window covers it. */
    public static Optional<String> refusal(RecoveryWindow window, Instant target, Instant now) {
        if (window.empty()) {
            return Optional.of("No point-in-time recovery is possible yet: " + (window.note() == null ? "there is no recovery window" : window.note())
                    + " Restore a set instead (backupKind, backupId).");
        }
        String asked = "The time " + target + " ";
        if (target.isAfter(now)) {
            return Optional.of(asked + "is in the future (now " + now + "). " + describe(window));
        }
        if (target.isBefore(window.from())) {
            RecoveryWindow.Start oldest = window.baseBackups().get(0);
            return Optional.of(asked + "is before the oldest base backup (" + oldest.label() + ", consistent at " + oldest.consistentAt()
                    + "): no recovery starts earlier. " + describe(window));
        }
        if (target.isAfter(window.to())) {
            return Optional.of(asked + "is after the end of the recovery window: everything committed up to " + window.to()
                    + " is on disk, nothing later yet. " + describe(window));
        }
        for (RecoveryWindow.Gap gap : window.gaps()) {
            if (target.isAfter(gap.from()) && target.isBefore(gap.to())) {
                return Optional.of(asked + "falls in a gap of the recovery window, " + gap.from() + " to " + gap.to() + " (" + gap.reason()
                        + "). " + describe(window));
            }
        }
        if (window.startFor(target).isEmpty()) {
            return Optional.of(asked + "is reached by no base backup's WAL. " + describe(window));
        }
        return Optional.empty();
    }

    /** "The recovery window is 2026-12-01T02:00:41Z to 2026-12-07T15:02:07Z (gaps: ...)." */
    public static String describe(RecoveryWindow window) {
        String gaps = window.gaps().isEmpty() ? "no gaps"
                : "gaps: " + window.gaps().stream().map(g -> g.from() + " to " + g.to()).collect(Collectors.joining(", "));
        return "The recovery window is " + window.from() + " to " + window.to() + " (" + gaps + ").";
    }
}
