package com.llmbackup.retention;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.config.BackupProperties;
import org.springframework.stereotype.Component;

/**
 * Works out, for every set of the catalog, the facts the retention table needs (age in
 * whole days from the set's own date, how many complete full backups are newer, whether it
 * is the newest of its kind, whether it is dated later than the clock) and asks the rules. Every set gets a decision and a reason.
 */
@Component
public class RetentionPlanner {

    private final BackupProperties.Retention retention;
    private final Duration maxSkew;
    private final Clock clock;

    public RetentionPlanner(BackupProperties properties, Clock clock) {
        this.retention = properties.retention();
        this.maxSkew = properties.clock().maxSkew();
        this.clock = clock;
    }

    public List<Decision> plan(List<BackupSet> sets, RetentionRules rules) {
        return plan(sets, rules, Map.of());
    }

    /**
     * {@code held}: sets ("kind/id") an open restore still needs (its source, its safety set),
     * with why; the table keeps them as it keeps a pinned set, the reason naming the restore.
     * A set dated later than the clock is never the newest of its kind nor a newer full backup:
     * a set from a clock that was ahead must not make the real newest ones look old.
     */
    public List<Decision> plan(List<BackupSet> sets, RetentionRules rules, Map<String, String> held) {
        Instant now = clock.instant();
        LocalDate today = LocalDate.ofInstant(now, clock.getZone());
        Set<String> future = sets.stream().filter(s -> s.fromTheFuture(now, maxSkew, clock.getZone())).map(BackupSet::label)
                .collect(Collectors.toSet());
        List<BackupSet> counted = sets.stream().filter(s -> counts(s) && !future.contains(s.label())).toList();
        List<BackupSet> fulls = counted.stream()
                .filter(s -> s.kind() == BackupKind.WEEKLY)
                .sorted(Comparator.comparing(BackupSet::id).reversed()).toList();
        List<Decision> decisions = new ArrayList<>();
        for (BackupSet set : sets) {
            Optional<BackupSet> newest = counted.stream().filter(s -> s.kind() == set.kind())
                    .max(Comparator.comparing(BackupSet::id));
            int newerFulls = (int) fulls.stream().filter(f -> f.id().compareTo(set.id()) > 0).count();
            String heldBy = held.get(set.label());
            RetentionRules.Facts facts = new RetentionRules.Facts(set.kind().dir(), status(set), set.pinned() || heldBy != null,
                    set.manifest() == null ? null : set.manifest().pinnedReason(), heldBy,
                    ChronoUnit.DAYS.between(set.date(), today), newerFulls,
                    newest.map(n -> n.id().equals(set.id())).orElse(false), future.contains(set.label()), retention.days(), retention.minFull());
            decisions.add(new Decision(set, rules.decide(facts)));
        }
        return decisions;
    }

    /** Complete sets and the old scripts' legacy sets count as backups one can restore. */
    private static boolean counts(BackupSet set) {
        return set.status() == BackupSet.Status.COMPLETE || set.status() == BackupSet.Status.LEGACY;
    }

    private static String status(BackupSet set) {
        return set.status().name().toLowerCase(Locale.ROOT);
    }

    /** A set and what the rules decided for it. */
    public record Decision(BackupSet set, RetentionRules.Verdict verdict) {
    }
}
