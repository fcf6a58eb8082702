package com.llmbackup.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunStatus;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DrillHealthTests {

    static final Instant NOW = Instant.parse("2026-12-02T04:00:00Z");
    static final Duration MAX_AGE = Duration.ofDays(100);
    static final HistoryEntry DAILY_PASSED = row(1, "daily/20261201", RunStatus.COMPLETED, null);
    static final HistoryEntry WEEKLY_FAILED = row(2, "weekly/20261129", RunStatus.FAILED,
            "Restore drill of weekly/20261129 failed (artifacts): db_full_20261129.dump does not match its manifest");
    static final HistoryEntry WEEKLY_RUNNING = row(2, "weekly/20261129", RunStatus.RUNNING, null);

    static Stream<Arguments> down() {
        return Stream.of(
                Arguments.of("the latest drill failed a set", List.of(DAILY_PASSED, WEEKLY_FAILED), NOW.minus(Duration.ofDays(1)), null,
                        "the latest restore drill failed: weekly/20261129 (run 2): Restore drill of weekly/20261129 failed (artifacts): "
                                + "db_full_20261129.dump does not match its manifest. DOWN until a drill passes."),
                Arguments.of("the last pass is too old", List.of(DAILY_PASSED), NOW.minus(Duration.ofDays(101)), null,
                        "the last passed restore drill ended 101 days ago (2026-08-23T04:00:00Z), more than backup.drill.max-age 100 days."),
                Arguments.of("never passed, backups older than the limit", List.of(), null, NOW.minus(Duration.ofDays(120)),
                        "no restore drill has passed, and complete backups exist since 2026-08-04T04:00:00Z, more than backup.drill.max-age "
                                + "100 days: start RestoreDrillProcess."));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("down")
    void downWhenTheDrillsDoNotProveTheBackupsSaysWhy(String rule, List<HistoryEntry> latest, Instant lastPassed, Instant since, String why) {
        assertThat(DrillHealth.down(new DrillHealth.Facts(latest, lastPassed, since), NOW, MAX_AGE)).hasValue(why);
    }

    static Stream<Arguments> up() {
        return Stream.of(
                Arguments.of("the latest drill passed", List.of(DAILY_PASSED), NOW.minus(Duration.ofDays(1)), NOW.minus(Duration.ofDays(400))),
                Arguments.of("a set of the latest drill still runs", List.of(DAILY_PASSED, WEEKLY_RUNNING), NOW, null),
                Arguments.of("never drilled, backups younger than the limit", List.of(), null, NOW.minus(Duration.ofDays(30))),
                Arguments.of("never drilled, no backups", List.of(), null, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("up")
    void downWhenTheDrillsProveTheBackupsSaysNothing(String rule, List<HistoryEntry> latest, Instant lastPassed, Instant since) {
        assertThat(DrillHealth.down(new DrillHealth.Facts(latest, lastPassed, since), NOW, MAX_AGE)).isEmpty();
    }

    private static HistoryEntry row(long id, String source, RunStatus status, String message) {
        return HistoryEntry.of(id, RunKind.DRILL, source.substring(source.indexOf('/') + 1), "pi-1", status, NOW.minusSeconds(600),
                        status.open() ? null : NOW.minusSeconds(60), message)
                .with(new HistoryEntry.Problems(status == RunStatus.FAILED ? "Task_RestoreDrillSet" : null, null, null))
                .with(new HistoryEntry.Request(null, null, source, null));
    }
}
