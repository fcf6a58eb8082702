package com.llmbackup.offsite;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.config.Texts;
import com.llmbackup.test.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The offsite GFS rules, one at a time, and a year of daily runs over a controlled clock. */
class OffsiteRetentionPlannerTests {

    private static final Texts EN = Texts.of("en");
    private static final Texts KO = Texts.of("ko");

    private static int counter;

    /** {@code daily/20251031} -> a snapshot copying that set, taken on its date. */
    static OffsiteSnapshot snapshot(String label) {
        String[] parts = label.split("/");
        BackupKind kind = BackupKind.fromDir(parts[0]);
        BackupSetId id = BackupSetId.parse(parts[1]);
        String hex = String.format("%08x", ++counter);
        return new OffsiteSnapshot(hex + "0".repeat(56), hex, id.date().atTime(2, 0).toInstant(ZoneOffset.UTC).plusSeconds(id.sequence()),
                OffsiteSnapshot.tagsOf(kind, id));
    }

    static List<String> kept(List<OffsiteRetentionPlanner.Decision> decisions) {
        return decisions.stream().filter(OffsiteRetentionPlanner.Decision::keep).map(d -> d.set().label()).sorted().toList();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
            "keep-daily keeps the newest set of each of the newest days; 3,0,0,4; daily/20251027 daily/20251028 daily/20251029 daily/20251030 daily/20251031; daily/20251029 daily/20251030 daily/20251031",
            "of two sets of a day only the newer counts; 2,0,0,4; daily/20251030 daily/20251031 daily/20251031_2; daily/20251030 daily/20251031_2",
            "days without a set do not use up keep-daily; 2,0,0,4; daily/20251001 daily/20251020 daily/20251031; daily/20251020 daily/20251031",
            "keep-weekly keeps the newest set of each of the newest ISO weeks; 0,2,0,4; daily/20251020 daily/20251022 daily/20251026 daily/20251029 daily/20251031; daily/20251026 daily/20251031",
            "keep-monthly keeps the newest set of each of the newest months; 0,0,2,4; daily/20250815 daily/20250930 daily/20251015 daily/20251031; daily/20250930 daily/20251031",
            "the newest full backups are kept beyond every keep rule; 1,0,0,4; weekly/20250907 weekly/20250914 weekly/20250921 weekly/20250928 weekly/20251005 weekly/20251012; weekly/20250921 weekly/20250928 weekly/20251005 weekly/20251012",
            "kinds are decided apart: a safety set takes no daily's day; 1,0,0,4; daily/20251031 safety/20251031 daily/20251030; daily/20251031 safety/20251031",
            "keep-daily does not keep weekly sets (their unit is the week); 5,1,0,1; weekly/20251019 weekly/20251026 weekly/20251102; weekly/20251102",
    })
    void planKeepsWhatTheRuleSaysWhenSetsAreGiven(String rule, String policy, String sets, String expected) {
        int[] p = Arrays.stream(policy.split(",")).mapToInt(Integer::parseInt).toArray();
        List<OffsiteSnapshot> snapshots = Arrays.stream(sets.split(" ")).map(OffsiteRetentionPlannerTests::snapshot).toList();

        List<OffsiteRetentionPlanner.Decision> decisions = OffsiteRetentionPlanner.plan(snapshots,
                new OffsiteRetentionPlanner.Policy(p[0], p[1], p[2], p[3]));

        assertThat(decisions).hasSize(snapshots.size());
        assertThat(kept(decisions)).as(rule).containsExactlyElementsOf(Arrays.stream(expected.split(" ")).sorted().toList());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "daily/20251031| 1,0,0,4| Keep offsite daily/20251031 (snapshot *): newest daily set of day 2025-10-31 (keep-daily 1)",
            "daily/20251030| 1,0,0,4| Forget offsite daily/20251030 (snapshot *): beyond the GFS policy: not the newest daily set of one of the 1 newest days, 0 newest weeks or 0 newest months that have one",
            "weekly/20251026| 0,1,0,1| Keep offsite weekly/20251026 (snapshot *): one of the 1 newest full backups (backup.retention.min-full); newest weekly set of week 2025-W43 (keep-weekly 1)",
    })
    void decisionLineNamesTheReasonWhenASetIsDecided(String set, String policy, String expected) {
        int[] p = Arrays.stream(policy.split(",")).mapToInt(Integer::parseInt).toArray();
        List<OffsiteSnapshot> snapshots = List.of(snapshot("daily/20251030"), snapshot("daily/20251031"), snapshot("weekly/20251026"));

        String line = EN.render(OffsiteRetentionPlanner.plan(snapshots, new OffsiteRetentionPlanner.Policy(p[0], p[1], p[2], p[3])).stream()
                .filter(d -> d.set().label().equals(set)).findFirst().orElseThrow().line());

        assertThat(line.replaceAll("\\(snapshot [0-9a-f]+\\)", "(snapshot *)")).isEqualTo(expected);
    }

    @Test
    void planForgetsTheOlderCopyWhenASetWasCopiedTwice() {
        OffsiteSnapshot older = snapshot("daily/20251031");
        OffsiteSnapshot newer = new OffsiteSnapshot("ffffffff" + "0".repeat(56), "ffffffff", older.time().plusSeconds(3600), older.tags());

        List<OffsiteRetentionPlanner.Decision> decisions = OffsiteRetentionPlanner.plan(List.of(older, newer),
                new OffsiteRetentionPlanner.Policy(30, 8, 12, 4));

        assertThat(decisions).filteredOn(d -> !d.keep()).singleElement().satisfies(d -> {
            assertThat(d.snapshot()).isEqualTo(older);
            assertThat(EN.render(d.reason())).isEqualTo("an older copy of a set copied again (snapshot ffffffff is kept)");
            assertThat(KO.render(d.reason())).isEqualTo("다시 복사된 세트의 오래된 복사본 (스냅샷 ffffffff을(를) 유지)");
        });
    }

    @Test
    void planLeavesSnapshotsAloneWhenTheyCopyNoneOfOurSets() {
        OffsiteSnapshot foreign = new OffsiteSnapshot("a".repeat(64), "aaaaaaaa", Instant.parse("2025-10-01T00:00:00Z"), List.of("manual"));

        assertThat(OffsiteRetentionPlanner.plan(List.of(foreign, snapshot("daily/20251031")), new OffsiteRetentionPlanner.Policy(1, 0, 0, 4)))
                .extracting(d -> d.set().label()).containsExactly("daily/20251031");
    }

    /**
     * A year and a half of nightly runs (a daily each night, a weekly each Sunday), the
     * cleanup forgetting after each: what stays is the newest 30 days, the newest set of the
     * 8 newest weeks and of the 12 newest months, and the 4 newest weeklies, nothing else.
     */
    @Test
    void planKeepsTheGfsSetsWhenItRunsEveryNightForMonths() {
        ManualClock clock = ManualClock.at("2024-06-01T02:00:00Z");
        OffsiteRetentionPlanner.Policy policy = new OffsiteRetentionPlanner.Policy(30, 8, 12, 4);
        List<OffsiteSnapshot> repository = new ArrayList<>();
        List<String> forgotten = new ArrayList<>();
        for (int night = 0; night < 540; night++) {
            LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
            repository.add(snapshot("daily/" + today.toString().replace("-", "")));
            if (today.getDayOfWeek() == DayOfWeek.SUNDAY) {
                repository.add(snapshot("weekly/" + today.toString().replace("-", "")));
            }
            for (OffsiteRetentionPlanner.Decision d : OffsiteRetentionPlanner.plan(repository, policy)) {
                if (!d.keep()) {
                    repository.remove(d.snapshot());
                    forgotten.add(EN.render(d.line()));
                }
            }
            clock.advance(Duration.ofDays(1));
        }
        LocalDate last = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).minusDays(1);
        Set<String> dailies = repository.stream().map(s -> s.set().orElseThrow()).filter(r -> r.kind() == BackupKind.DAILY)
                .map(r -> r.id().date().toString()).collect(Collectors.toSet());
        for (int d = 0; d < 30; d++) {
            assertThat(dailies).contains(last.minusDays(d).toString());
        }
        for (int m = 0; m < 12; m++) {
            LocalDate endOfMonth = last.minusMonths(m).withDayOfMonth(last.minusMonths(m).lengthOfMonth());
            assertThat(dailies).contains((endOfMonth.isAfter(last) ? last : endOfMonth).toString());
        }
        assertThat(dailies).hasSizeLessThanOrEqualTo(30 + 8 + 12).hasSizeGreaterThan(30 + 12 - 2);
        long weeklies = repository.stream().filter(s -> s.set().orElseThrow().kind() == BackupKind.WEEKLY).count();
        assertThat(weeklies).isBetween(12L, 8L + 12);
        assertThat(forgotten).allSatisfy(line -> assertThat(line).startsWith("Forget offsite ").contains(": beyond the GFS policy"));
        assertThat(forgotten).hasSize(540 + 77 - repository.size());
    }

    @Test
    void planWalKeepsNewestCopyAndNewestOfEachRecentDayAndLeavesSetsAlone() {
        List<OffsiteSnapshot> snapshots = new ArrayList<>();
        String[] times = {"2025-10-29T02:00:00Z", "2025-10-30T02:00:00Z", "2025-10-30T14:15:00Z", "2025-10-31T02:00:00Z",
                "2025-10-31T02:15:00Z", "2025-10-31T02:30:00Z"};
        for (String time : times) {
            String hex = String.format("%08x", ++counter);
            snapshots.add(new OffsiteSnapshot(hex + "0".repeat(56), hex, Instant.parse(time), List.of("llm-backup", "kind:wal")));
        }
        snapshots.add(snapshot("daily/20251031"));

        List<OffsiteRetentionPlanner.Decision> wal = OffsiteRetentionPlanner.planWal(snapshots, new OffsiteRetentionPlanner.Policy(2, 0, 0, 4));

        assertThat(wal).hasSize(6).allSatisfy(d -> assertThat(d.label()).isEqualTo("WAL"));
        assertThat(wal.stream().filter(OffsiteRetentionPlanner.Decision::keep).map(d -> d.snapshot().time().toString()))
                .containsExactly("2025-10-31T02:30:00Z", "2025-10-30T14:15:00Z");
        assertThat(EN.render(wal.get(0).reason())).isEqualTo("the newest copy of the WAL folder");
        assertThat(EN.render(wal.get(1).line())).startsWith("Forget offsite WAL (snapshot ").endsWith("an older copy of the WAL folder: not the newest "
                + "of one of the 2 newest days (a newer copy holds every segment still needed)");
        assertThat(OffsiteRetentionPlanner.plan(snapshots, new OffsiteRetentionPlanner.Policy(2, 0, 0, 4)))
                .as("the sets' plan leaves the WAL copies alone").hasSize(1);
    }
}
