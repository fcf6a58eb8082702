package com.llmbackup.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.config.Texts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which set a recovery restores: the named one, else the newest complete daily or weekly. */
class RecoveryChoiceTests {

    private static final Texts EN = Texts.of("en");

    private static final List<BackupSet> SETS = List.of(
            set(BackupKind.DAILY, "20251030", BackupSet.Status.COMPLETE),
            set(BackupKind.WEEKLY, "20251026", BackupSet.Status.COMPLETE),
            set(BackupKind.DAILY, "20251031", BackupSet.Status.COMPLETE),
            set(BackupKind.DAILY, "20251031_2", BackupSet.Status.INCOMPLETE),
            set(BackupKind.SAFETY, "20251101", BackupSet.Status.COMPLETE),
            set(BackupKind.DAILY, "20251020", BackupSet.Status.LEGACY),
            set(BackupKind.WEEKLY, "20251019", BackupSet.Status.CORRUPT));

    @Test
    void chooseWhenNothingIsNamedTakesTheNewestCompleteDailyOrWeeklyNeverASafetySet() {
        assertThat(RecoveryChoice.choose(SETS, null, " ", "/backup", EN).label()).isEqualTo("daily/20251031");
    }

    @Test
    void chooseWhenTheWeeklyIsNewestTakesIt() {
        List<BackupSet> sets = List.of(set(BackupKind.DAILY, "20251025", BackupSet.Status.COMPLETE),
                set(BackupKind.WEEKLY, "20251026", BackupSet.Status.COMPLETE));
        assertThat(RecoveryChoice.choose(sets, "", "", "/backup", EN).label()).isEqualTo("weekly/20251026");
    }

    @ParameterizedTest(name = "{0}/{1}")
    @CsvSource({"daily, 20251030", "safety, 20251101", "weekly, 20251026", "daily, 20251020"})
    void chooseWhenASetIsNamedTakesItIfRestorable(String kind, String id) {
        assertThat(RecoveryChoice.choose(SETS, kind, id, "/backup", EN).label()).isEqualTo(kind + "/" + id);
    }

    @Test
    void chooseWhenOnlyTheIdIsNamedTakesTheDaily() {
        assertThat(RecoveryChoice.choose(SETS, null, "20251030", "/backup", EN).label()).isEqualTo("daily/20251030");
    }

    @Test
    void chooseWhenTheBackupRootIsEmptySaysToCopyTheFiles() {
        assertThatThrownBy(() -> RecoveryChoice.choose(List.of(), null, null, "/backup", EN)).isInstanceOf(RecoveryRefusedException.class)
                .hasMessage("There is no complete daily or weekly set in /backup (it holds no sets). Copy the backup files into it "
                        + "(Task_CopyBackups) and start the recovery again, or name a set (backupKind, backupId).");
        assertThatThrownBy(() -> RecoveryChoice.choose(List.of(), null, null, "/backup", Texts.of("ko")))
                .hasMessageStartingWith("/backup에 완전한 일일 또는 주간 세트가 없습니다 (세트가 하나도 없음).");
    }

    @Test
    void chooseWhenOnlyIncompleteOrLegacySetsExistRefusesListingThem() {
        assertThatThrownBy(() -> RecoveryChoice.choose(List.of(set(BackupKind.DAILY, "20251031_2", BackupSet.Status.INCOMPLETE),
                set(BackupKind.DAILY, "20251020", BackupSet.Status.LEGACY)), null, null, "/backup", EN))
                .hasMessageContaining("(found: daily/20251031_2 incomplete, daily/20251020 legacy)");
    }

    @Test
    void chooseWhenTheNamedSetIsMissingRefusesNamingTheRoot() {
        assertThatThrownBy(() -> RecoveryChoice.choose(SETS, "weekly", "20251102", "/backup", EN))
                .hasMessageStartingWith("There is no set weekly/20251102 in /backup (found: ")
                .hasMessageEndingWith("). Copy it there, or leave backupId empty for the newest complete set.");
    }

    @ParameterizedTest(name = "{0}/{1} is {2}")
    @CsvSource({"daily, 20251031_2, incomplete", "weekly, 20251019, corrupt"})
    void chooseWhenTheNamedSetIsNotRestorableRefuses(String kind, String id, String status) {
        assertThatThrownBy(() -> RecoveryChoice.choose(SETS, kind, id, "/backup", EN))
                .hasMessage("Set " + kind + "/" + id + " is " + status + ": it cannot be restored. Name another set.");
    }

    @ParameterizedTest(name = "{0}/{1}")
    @CsvSource({"monthly, 20251031", "daily, 2025-10-31", "../daily, 20251031"})
    void chooseWhenTheNameIsMalformedRefuses(String kind, String id) {
        assertThatThrownBy(() -> RecoveryChoice.choose(SETS, kind, id, "/backup", EN)).isInstanceOf(RecoveryRefusedException.class);
    }

    private static BackupSet set(BackupKind kind, String id, BackupSet.Status status) {
        return new BackupSet(kind, BackupSetId.parse(id), status, null, List.of(), null);
    }
}
