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
import com.llmbackup.wal.Lsn;
import com.llmbackup.wal.WalArchive;
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
     * A set dated later than the clock is never the newest of its kind nor a newer full or base backup:
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
        List<BackupSet> withBase = sets.stream().filter(s -> hasBaseBackup(s) && !future.contains(s.label())).toList();
        List<Decision> decisions = new ArrayList<>();
        for (BackupSet set : sets) {
            Optional<BackupSet> newest = counted.stream().filter(s -> s.kind() == set.kind())
                    .max(Comparator.comparing(BackupSet::id));
            int newerFulls = (int) fulls.stream().filter(f -> f.id().compareTo(set.id()) > 0).count();
            String heldBy = held.get(set.label());
            int newerBase = (int) withBase.stream().filter(b -> b.kind() == set.kind() && b.id().compareTo(set.id()) > 0).count();
            RetentionRules.Facts facts = new RetentionRules.Facts(set.kind().dir(), status(set), set.pinned() || heldBy != null,
                    set.manifest() == null ? null : set.manifest().pinnedReason(), heldBy,
                    ChronoUnit.DAYS.between(set.date(), today), newerFulls,
                    newest.map(n -> n.id().equals(set.id())).orElse(false), future.contains(set.label()), retention.days(),
                    retention.minFull(), false, hasBaseBackup(set), newerBase, null);
            decisions.add(new Decision(set, rules.decide(facts)));
        }
        return decisions;
    }

    /**
     * The WAL on disk after the sets' decisions (docs/wal.md): with a retained base backup, the
     * segments before the oldest one's start (no recovery starts before it) and those from it on;
     * without one, the segments older than {@code backup.retention.days} and the younger ones. Each
     * non-empty range is decided once by the rules; the segment being written is never in a range
     * that can go.
     */
    public List<WalDecision> planWal(List<Decision> setDecisions, WalArchive.Listing wal, RetentionRules rules) {
        Optional<BackupSet> oldest = setDecisions.stream().filter(d -> !d.verdict().delete()).map(Decision::set)
                .filter(RetentionPlanner::hasBaseBackup)
                .min(Comparator.comparing(s -> Lsn.parse(s.manifest().baseBackup().startLsn())));
        List<WalArchive.WalFile> segments = wal.segments().stream().filter(f -> !(f.segment().partial() && !f.preGap())).toList();
        Instant now = clock.instant();
        List<WalDecision> decisions = new ArrayList<>();
        if (oldest.isPresent()) {
            long start = Lsn.parse(oldest.get().manifest().baseBackup().startLsn()).segment(wal.segmentSize());
            List<WalArchive.WalFile> before = segments.stream().filter(f -> f.segment().number() < start).toList();
            List<WalArchive.WalFile> needed = segments.stream().filter(f -> f.segment().number() >= start).toList();
            decide(before, false, true, oldest.get().label(), now, wal.segmentSize(), rules, decisions);
            decide(needed, true, true, oldest.get().label(), now, wal.segmentSize(), rules, decisions);
        } else {
            Instant cutoff = now.minus(Duration.ofDays(retention.days()));
            decide(segments.stream().filter(f -> f.modifiedAt().isBefore(cutoff)).toList(), false, false, null, now, wal.segmentSize(),
                    rules, decisions);
            decide(segments.stream().filter(f -> !f.modifiedAt().isBefore(cutoff)).toList(), false, false, null, now, wal.segmentSize(),
                    rules, decisions);
        }
        return decisions;
    }

    private void decide(List<WalArchive.WalFile> files, boolean needed, boolean baseRetained, String oldest, Instant now, long segmentSize,
                        RetentionRules rules, List<WalDecision> out) {
        if (files.isEmpty()) {
            return;
        }
        Instant newest = files.stream().map(WalArchive.WalFile::modifiedAt).max(Comparator.naturalOrder()).orElseThrow();
        long ageDays = Duration.between(newest, now).toDays();
        RetentionRules.Facts facts = new RetentionRules.Facts("wal", "complete", false, null, null, ageDays, 0, false, false,
                retention.days(), retention.minFull(), needed, baseRetained, 0, oldest);
        WalRange range = new WalRange(files.get(0).segment().name(segmentSize), files.get(files.size() - 1).segment().name(segmentSize),
                files.size(), files.stream().mapToLong(WalArchive.WalFile::size).sum());
        out.add(new WalDecision(range, rules.decide(facts)));
    }

    static boolean hasBaseBackup(BackupSet set) {
        return set.status() == BackupSet.Status.COMPLETE && set.manifest() != null && set.manifest().baseBackup() != null;
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

    /** Segments {@code first} to {@code last} (names, every timeline), how many and their bytes. */
    public record WalRange(String first, String last, int segments, long bytes) {
        /** As the plan and the log name it: {@code 000000010000000000000003..00000001000000000000002A}. */
        public String id() {
            return first + ".." + last;
        }

        public static WalRange parse(String id) {
            int dots = id.indexOf("..");
            return new WalRange(id.substring(0, dots), id.substring(dots + 2), 0, 0);
        }
    }

    /** A range of WAL and what the rules decided for it. */
    public record WalDecision(WalRange range, RetentionRules.Verdict verdict) {
    }
}
