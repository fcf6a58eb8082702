package com.llmbackup.health;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.RunStatus;

/**
 * The drill's part of the {@code backup} health, from the facts alone: DOWN while the latest
 * drill has a failed set (until a drill passes), and when no drill passed for
 * {@code backup.drill.max-age} (counted from the last passed drill, or, before any, from the
 * oldest complete backup: an installation younger than that is not blamed for not having drilled yet).
 */
public final class DrillHealth {

    private DrillHealth() {
    }

    /**
     * @param latestDrill  the rows (one per set) of the newest drill that has an ended row
     * @param lastPassed   when the newest passed drill row ended; null if none ever passed
     * @param backupsSince when the oldest complete daily or weekly set was completed; null if none
     */
    public record Facts(List<HistoryEntry> latestDrill, Instant lastPassed, Instant backupsSince) {
    }

    /** Why the health is DOWN because of drills, or empty. */
    public static Optional<String> down(Facts facts, Instant now, Duration maxAge) {
        List<HistoryEntry> failed = facts.latestDrill().stream().filter(r -> r.status() == RunStatus.FAILED).toList();
        if (!failed.isEmpty()) {
            return Optional.of("the latest restore drill failed: " + failed.stream()
                    .map(r -> (r.request().source() == null ? "run " + r.id() : r.request().source() + " (run " + r.id() + ")") + ": " + r.message())
                    .collect(Collectors.joining("; ")) + ". DOWN until a drill passes.");
        }
        if (facts.lastPassed() != null) {
            Duration age = Duration.between(facts.lastPassed(), now);
            if (age.compareTo(maxAge) > 0) {
                return Optional.of("the last passed restore drill ended " + age.toDays() + " days ago (" + facts.lastPassed()
                        + "), more than backup.drill.max-age " + maxAge.toDays() + " days.");
            }
            return Optional.empty();
        }
        if (facts.backupsSince() != null && Duration.between(facts.backupsSince(), now).compareTo(maxAge) > 0) {
            return Optional.of("no restore drill has passed, and complete backups exist since " + facts.backupsSince()
                    + ", more than backup.drill.max-age " + maxAge.toDays() + " days: start RestoreDrillProcess.");
        }
        return Optional.empty();
    }
}
