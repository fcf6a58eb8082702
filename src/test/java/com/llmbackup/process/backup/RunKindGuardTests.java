package com.llmbackup.process.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.llmbackup.catalog.BackupKind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which caller may ask BackupRunProcess for which kind: one test per rule and refusal. */
class RunKindGuardTests {

    @ParameterizedTest(name = "{0} may write {1}")
    @CsvSource({"DailyBackupProcess, daily, DAILY", "WeeklyBackupProcess, weekly, WEEKLY", "RestoreProcess, safety, SAFETY"})
    void checkWhenCallerWritesThatKindAcceptsIt(String caller, String kind, BackupKind expected) {
        assertThat(RunKindGuard.check(caller, kind)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "started on its own with kind {0}")
    @CsvSource(value = {"daily", "weekly", "safety", "NULL"}, nullValues = "NULL")
    void checkWhenStartedOnItsOwnRefusesWhateverTheKind(String kind) {
        assertThatThrownBy(() -> RunKindGuard.check(null, kind)).isInstanceOf(RunKindGuard.RefusedException.class)
                .hasMessage("BackupRunProcess is not started on its own: it runs as a step of DailyBackupProcess (daily), "
                        + "WeeklyBackupProcess (weekly) or RestoreProcess (safety backup), which set its kind. Start one of those. "
                        + "Nothing was written.");
    }

    @ParameterizedTest(name = "{0} asks for {1}")
    @CsvSource({"DailyBackupProcess, weekly, daily", "DailyBackupProcess, safety, daily", "WeeklyBackupProcess, daily, weekly",
            "RestoreProcess, daily, safety", "RestoreProcess, weekly, safety"})
    void checkWhenCallerAsksForAnotherKindRefusesIt(String caller, String kind, String writes) {
        assertThatThrownBy(() -> RunKindGuard.check(caller, kind))
                .hasMessage("BackupRunProcess was called by " + caller + " with run kind '" + kind + "', but " + caller + " writes "
                        + writes + " sets only. Nothing was written.");
    }

    @ParameterizedTest(name = "kind ''{0}''")
    @CsvSource(value = {"NULL", "''", "'  '"}, nullValues = "NULL")
    void checkWhenKindIsMissingRefusesNamingTheOneExpected(String kind) {
        assertThatThrownBy(() -> RunKindGuard.check("WeeklyBackupProcess", kind))
                .hasMessage("BackupRunProcess was called by WeeklyBackupProcess without a run kind (runKind); its model must pass "
                        + "'weekly'. Nothing was written.");
    }

    @ParameterizedTest(name = "kind {0}")
    @CsvSource({"monthly", "cleanup", "../daily"})
    void checkWhenKindIsUnknownRefusesListingTheKinds(String kind) {
        assertThatThrownBy(() -> RunKindGuard.check("DailyBackupProcess", kind))
                .hasMessage("BackupRunProcess was called by DailyBackupProcess with Unknown backup kind '" + kind
                        + "': use daily, weekly or safety. Nothing was written.");
    }

    @ParameterizedTest(name = "called by {0}")
    @CsvSource({"BackupCleanupProcess", "PreflightProcess", "BackupRunProcess"})
    void checkWhenCallerWritesNoSetRefusesIt(String caller) {
        assertThatThrownBy(() -> RunKindGuard.check(caller, "daily"))
                .hasMessage("BackupRunProcess was called by " + caller + ", which writes no backup set; only DailyBackupProcess, "
                        + "WeeklyBackupProcess and RestoreProcess call it. Nothing was written.");
    }
}
