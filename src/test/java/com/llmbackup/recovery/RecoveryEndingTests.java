package com.llmbackup.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.config.Texts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How a disaster recovery's report says it ended, from its answers and the called restore's row. */
class RecoveryEndingTests {

    private static final Instant AT = Instant.parse("2025-10-31T02:00:00Z");

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "none", value = {
            "no set to recover           | Task_ChooseSet | none     | false | none      | false | none  | failed    | No restorable set",
            "cancelled with a comment    | ''             | 20251031 | false | too early | false | none  | cancelled | not confirmed by bob: too early. Nothing was restored.",
            "cancelled without a comment | ''             | 20251031 | false | none      | false | none  | cancelled | not confirmed by bob. Nothing was restored.",
            "restored                    | ''             | 20251031 | true  | none      | true  | COMPLETED | recovered | Restored daily/20251031",
            "the restore failed          | ''             | 20251031 | true  | none      | false | FAILED | failed   | the restore ended FAILED: Restored daily/20251031",
            "the restore never started   | ''             | 20251031 | true  | none      | false | none  | failed    | the restore ended without a history row",
            "failed after choosing a set | Task_RestoreRoles | 20251031 | true | none    | false | none  | failed    | the restore ended without a history row"})
    void ofWhenTheRecoveryEndsSaysHowAndWhy(String rule, String failedStep, String recoveryId, boolean confirmed, String comment,
                                            boolean restored, RunStatus restoreStatus, String outcome, String message) {
        var answers = new DisasterRecoveryService.Answers("daily", recoveryId, confirmed, comment, "server lost", failedStep,
                "No restorable set", true);
        HistoryEntry restore = restoreStatus == null ? null
                : HistoryEntry.of(7, RunKind.RESTORE, "20251031", "pi-7", restoreStatus, AT, AT, "Restored daily/20251031");

        RecoveryEnding ending = RecoveryEnding.of(answers, "bob", restore, restored, Texts.of("en"));

        assertThat(ending.outcome()).as(rule).isEqualTo(outcome);
        assertThat(ending.message()).as(rule).isEqualTo(message);
    }

    @Test
    void ofWhenTheLanguageIsKoreanSaysItInKorean() {
        var answers = new DisasterRecoveryService.Answers("daily", "20251031", false, "too early", "server lost", "", null, true);

        assertThat(RecoveryEnding.of(answers, "bob", null, false, Texts.of("ko")).message())
                .isEqualTo("bob이(가) 확인하지 않았습니다: too early. 아무것도 복원하지 않았습니다.");
    }
}
