package com.llmbackup.offsite;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.llmbackup.catalog.BackupKind;
import com.llmbackup.config.Text;

/**
 * GFS retention of the offsite copies, decided per set with a reason, like restic's
 * {@code --keep-daily/--keep-weekly/--keep-monthly} but per kind and on the set's own date
 * (a copy caught up days later still counts for the day it was taken): of each of the newest
 * {@code keepDaily} days (weeks, months) that have a set, the newest set is kept. The
 * {@code minFull} newest weekly sets are always kept; an older copy of a set already copied
 * again is forgotten. Weekly sets are not kept by keep-daily (one a week: their unit is the
 * week). Snapshots that copy none of our sets are not decided (left alone).
 */
public final class OffsiteRetentionPlanner {

    private OffsiteRetentionPlanner() {
    }

    public record Policy(int keepDaily, int keepWeekly, int keepMonthly, int minFull) {
    }

    /** One copy and its fate; {@code set} is null for a copy of the WAL folder. */
    public record Decision(OffsiteSnapshot snapshot, OffsiteSnapshot.SetRef set, boolean keep, Text reason) {
        public Text line() {
            return Text.of(keep ? "offsite.retention.keep" : "offsite.retention.forget", label(), snapshot.shortId(), reason);
        }

        public String label() {
            return set == null ? "WAL" : set.label();
        }
    }

    public static List<Decision> plan(List<OffsiteSnapshot> snapshots, Policy policy) {
        List<Decision> decisions = new ArrayList<>();
        Map<BackupKind, List<OffsiteSnapshot>> byKind = new LinkedHashMap<>();
        for (OffsiteSnapshot s : snapshots) {
            s.set().ifPresent(ref -> byKind.computeIfAbsent(ref.kind(), k -> new ArrayList<>()).add(s));
        }
        for (Map.Entry<BackupKind, List<OffsiteSnapshot>> entry : byKind.entrySet()) {
            // newest set first; of two copies of one set, the newer copy first
            List<OffsiteSnapshot> ordered = entry.getValue().stream()
                    .sorted(Comparator.comparing((OffsiteSnapshot s) -> s.set().orElseThrow().id())
                            .thenComparing(OffsiteSnapshot::time).reversed())
                    .toList();
            decideKind(entry.getKey(), ordered, policy, decisions);
        }
        return decisions;
    }

    /**
     * The copies of the WAL folder (each holds the whole folder as it was; local retention already
     * dropped what no base backup needs): the newest is kept, and the newest of each of the
     * {@code keepDaily} newest days that have one, so a folder damaged locally is still offsite as it was.
     */
    public static List<Decision> planWal(List<OffsiteSnapshot> snapshots, Policy policy) {
        List<OffsiteSnapshot> newestFirst = snapshots.stream().filter(OffsiteSnapshot::wal)
                .sorted(Comparator.comparing(OffsiteSnapshot::time).reversed()).toList();
        List<Decision> decisions = new ArrayList<>();
        Set<LocalDate> days = new HashSet<>();
        for (OffsiteSnapshot snapshot : newestFirst) {
            LocalDate day = snapshot.time().atZone(ZoneOffset.UTC).toLocalDate();
            if (decisions.isEmpty()) {
                days.add(day);
                decisions.add(new Decision(snapshot, null, true, Text.of("offsite.retention.walNewest")));
            } else if (!days.contains(day) && days.size() < Math.max(1, policy.keepDaily())) {
                days.add(day);
                decisions.add(new Decision(snapshot, null, true, Text.of("offsite.retention.walOfDay", day, policy.keepDaily())));
            } else {
                decisions.add(new Decision(snapshot, null, false, Text.of("offsite.retention.walOlder", policy.keepDaily())));
            }
        }
        return decisions;
    }

    private static void decideKind(BackupKind kind, List<OffsiteSnapshot> newestFirst, Policy policy, List<Decision> out) {
        Map<String, OffsiteSnapshot> copied = new LinkedHashMap<>();
        Set<LocalDate> days = new HashSet<>();
        Set<String> weeks = new HashSet<>();
        Set<String> months = new HashSet<>();
        int fulls = 0;
        for (OffsiteSnapshot snapshot : newestFirst) {
            OffsiteSnapshot.SetRef ref = snapshot.set().orElseThrow();
            OffsiteSnapshot newer = copied.putIfAbsent(ref.label(), snapshot);
            if (newer != null) {
                out.add(new Decision(snapshot, ref, false, Text.of("offsite.retention.copiedAgain", newer.shortId())));
                continue;
            }
            LocalDate date = ref.id().date();
            String week = date.get(IsoFields.WEEK_BASED_YEAR) + "-W" + String.format("%02d", date.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
            String month = date.toString().substring(0, 7);
            List<Text> reasons = new ArrayList<>();
            if (kind == BackupKind.WEEKLY && fulls < policy.minFull()) {
                fulls++;
                reasons.add(Text.of("offsite.retention.minFull", policy.minFull()));
            }
            // a weekly is taken once a week: its days are weeks, so keep-daily is not its rule
            if (kind != BackupKind.WEEKLY && !days.contains(date) && days.size() < policy.keepDaily()) {
                days.add(date);
                reasons.add(Text.of("offsite.retention.ofDay", kind.dir(), date, policy.keepDaily()));
            }
            if (!weeks.contains(week) && weeks.size() < policy.keepWeekly()) {
                weeks.add(week);
                reasons.add(Text.of("offsite.retention.ofWeek", kind.dir(), week, policy.keepWeekly()));
            }
            if (!months.contains(month) && months.size() < policy.keepMonthly()) {
                months.add(month);
                reasons.add(Text.of("offsite.retention.ofMonth", kind.dir(), month, policy.keepMonthly()));
            }
            if (reasons.isEmpty()) {
                out.add(new Decision(snapshot, ref, false, kind == BackupKind.WEEKLY
                        ? Text.of("offsite.retention.beyondWeekly", kind.dir(), policy.keepWeekly(), policy.keepMonthly())
                        : Text.of("offsite.retention.beyond", kind.dir(), policy.keepDaily(), policy.keepWeekly(), policy.keepMonthly())));
            } else {
                out.add(new Decision(snapshot, ref, true, Text.joinedTexts(reasons)));
            }
        }
    }
}
