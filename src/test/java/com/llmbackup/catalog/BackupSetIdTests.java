package com.llmbackup.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;

import org.junit.jupiter.api.Test;

class BackupSetIdTests {

    @Test
    void parseReadsDateAndSequence() {
        assertThat(BackupSetId.parse("20251031")).isEqualTo(new BackupSetId(LocalDate.of(2025, 10, 31), 1));
        assertThat(BackupSetId.parse("20251031_2")).isEqualTo(new BackupSetId(LocalDate.of(2025, 10, 31), 2));
        assertThat(BackupSetId.parse("20251031_2")).hasToString("20251031_2");
        assertThat(BackupSetId.parse("20251031")).hasToString("20251031");
    }

    @Test
    void parseRefusesMalformedIdWithExpectedForm() {
        assertThatThrownBy(() -> BackupSetId.parse("2025-10-31"))
                .hasMessage("Backup id '2025-10-31' is not of the form YYYYMMDD or YYYYMMDD_N, e.g. 20251031 or 20251031_2.");
        assertThatThrownBy(() -> BackupSetId.parse(null))
                .hasMessage("Backup id 'null' is not of the form YYYYMMDD or YYYYMMDD_N, e.g. 20251031 or 20251031_2.");
    }

    @Test
    void parseRefusesDayThatIsNotInCalendar() {
        assertThatThrownBy(() -> BackupSetId.parse("20250231"))
                .hasMessage("Backup id '20250231' has no valid date (20250231 is not a day of the calendar).");
    }

    @Test
    void parseRefusesSequenceOne() {
        assertThatThrownBy(() -> BackupSetId.parse("20251031_1"))
                .hasMessage("Backup id '20251031_1': a second set of a day is _2, the first has no suffix.");
    }

    @Test
    void compareOrdersByDateThenSequence() {
        assertThat(BackupSetId.parse("20251031_2")).isGreaterThan(BackupSetId.parse("20251031"));
        assertThat(BackupSetId.parse("20251101")).isGreaterThan(BackupSetId.parse("20251031_9"));
    }

    @Test
    void matchRecognizesSeedNamesPerKind() {
        assertThat(BackupKind.DAILY.match("db_20251031.dump")).isPresent();
        assertThat(BackupKind.DAILY.match("uploads_20251031")).isPresent();
        assertThat(BackupKind.DAILY.match("uploads_20251031.tar.gz")).isEmpty();
        assertThat(BackupKind.WEEKLY.match("uploads_full_20251026.tar.gz")).isPresent();
        assertThat(BackupKind.WEEKLY.match("db_full_20251026_2.dump").orElseThrow().id()).hasToString("20251026_2");
        assertThat(BackupKind.WEEKLY.match("db_20251026.dump")).isEmpty();
        assertThat(BackupKind.DAILY.match("previous")).isEmpty();
    }

    @Test
    void fromDirRefusesUnknownKind() {
        assertThat(BackupKind.fromDir("Weekly")).isEqualTo(BackupKind.WEEKLY);
        assertThatThrownBy(() -> BackupKind.fromDir("monthly")).hasMessage("Unknown backup kind 'monthly': use daily, weekly or safety.");
    }
}
