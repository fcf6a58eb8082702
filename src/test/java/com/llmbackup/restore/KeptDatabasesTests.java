package com.llmbackup.restore;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.config.Texts;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What the cleanup does with each database a restore left beside the live one, and why. Pure. */
class KeptDatabasesTests {

    static final Instant NOW = Instant.parse("2026-12-08T12:00:00Z");
    static final Duration DAY = Duration.ofHours(24);
    private static final Texts EN = Texts.of("en");
    private static final Texts KO = Texts.of("ko");

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
            "kept within keep-previous  | true  | COMPLETED            | 2026-12-08T00:00:00Z | false | false | Kept llm_webapp__before_12 until 2026-12-09T00:00:00Z for an undo of restore run 12",
            "expired                    | true  | COMPLETED            | 2026-12-07T11:00:00Z | false | true  | Dropped llm_webapp__before_12: the database restore run 12 replaced, kept PT24H after the run ended at 2026-12-07T11:00:00Z",
            "its run waits for operator | true  | WAITING_FOR_OPERATOR | NULL                 | false | false | Kept llm_webapp__before_12: restore run 12 is open (WAITING_FOR_OPERATOR), its roll back swaps it back",
            "an undo of it waits        | true  | COMPLETED            | 2026-12-07T11:00:00Z | true  | false | Kept llm_webapp__before_12: an undo of restore run 12 is open",
            "a copy of an ended run     | false | FAILED               | 2026-12-08T11:00:00Z | false | true  | Dropped llm_webapp__restoring_12: the copy of restore run 12, which ended (FAILED) without swapping it in",
            "a copy of a running run    | false | RUNNING              | NULL                 | false | false | Kept llm_webapp__restoring_12: restore run 12 is open (RUNNING), it is its copy"})
    void decideWhenTheCleanupLooksAtADatabaseKeepsOrDropsItWithItsReason(String what, boolean previous, RunStatus status, Instant ended,
                                                                        boolean undoWaits, boolean drop, String reason) {
        String db = previous ? "llm_webapp__before_12" : "llm_webapp__restoring_12";
        HistoryEntry run = HistoryEntry.of(12, RunKind.RESTORE, null, "pi-12", status, NOW.minus(Duration.ofDays(3)), ended, null);

        KeptDatabases.Decision decision = KeptDatabases.decide(db, previous, 12, Optional.of(run), undoWaits, NOW, DAY);

        assertThat(decision.drop()).isEqualTo(drop);
        assertThat(EN.render(decision.reason())).startsWith(reason);
    }

    @ParameterizedTest
    @CsvSource({"true", "false"})
    void decideWhenNoRunIsInTheHistoryKeepsItAndSaysHowToDropIt(boolean previous) {
        KeptDatabases.Decision decision = KeptDatabases.decide("llm_webapp__before_3", previous, 3, Optional.empty(), false, NOW, DAY);

        assertThat(decision.drop()).isFalse();
        assertThat(EN.render(decision.reason())).isEqualTo("Kept llm_webapp__before_3: no restore run 3 in the history (drop it by hand when it is not "
                + "needed: DROP DATABASE \"llm_webapp__before_3\")");
        assertThat(KO.render(decision.reason())).startsWith("llm_webapp__before_3 유지: ");
    }
}
