package com.llmbackup.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import com.llmbackup.config.Texts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The report's figures: RTO from the declaration to healthy, RPO from the backup to the declaration. */
class RecoveryReportTests {

    private static final Instant DECLARED = Instant.parse("2025-11-01T08:00:00Z");

    @Test
    void ofWhenRecoveredComputesRtoAndRpoAgainstTheirTargets() {
        RecoveryReport r = report(RecoveryReport.RECOVERED, DECLARED.plus(Duration.ofMinutes(95)), Instant.parse("2025-11-01T02:10:00Z"));
        assertThat(r.rtoSeconds()).isEqualTo(95 * 60);
        assertThat(r.rtoMet()).isTrue();
        assertThat(r.rpoSeconds()).isEqualTo(5 * 3600 + 50 * 60);
        assertThat(r.rpoMet()).isTrue();
        assertThat(Texts.of("en").render(r.summary())).isEqualTo("Recovered daily/20251101: RTO 1 h 35 min (target 4 h 0 min, met), RPO 5 h 50 min "
                + "(target 24 h 0 min, met).");
    }

    @ParameterizedTest(name = "healthy after {0} min, backup {1} h old")
    @CsvSource({"241, 1, false, true", "240, 24, true, true", "30, 25, true, false"})
    void ofWhenATargetIsMissedSaysSo(long minutes, long backupAgeHours, boolean rtoMet, boolean rpoMet) {
        RecoveryReport r = report(RecoveryReport.RECOVERED, DECLARED.plus(Duration.ofMinutes(minutes)), DECLARED.minus(Duration.ofHours(backupAgeHours)));
        assertThat(r.rtoMet()).isEqualTo(rtoMet);
        assertThat(r.rpoMet()).isEqualTo(rpoMet);
        assertThat(Texts.of("en").render(r.summary())).contains(rtoMet ? ", met), RPO" : ", MISSED), RPO").endsWith(rpoMet ? ", met)." : ", MISSED).");
    }

    @Test
    void ofWhenNeverHealthyHasNoRto() {
        RecoveryReport r = report(RecoveryReport.FAILED, null, DECLARED.minus(Duration.ofHours(3)));
        assertThat(r.rtoSeconds()).isNull();
        assertThat(r.rtoMet()).isNull();
        assertThat(Texts.of("en").render(r.summary())).isEqualTo("Failed: restore failed");
    }

    @Test
    void ofWhenNoSetWasChosenHasNoRpo() {
        RecoveryReport r = report(RecoveryReport.CANCELLED, null, null);
        assertThat(r.rpoSeconds()).isNull();
        assertThat(Texts.of("en").render(r.summary())).isEqualTo("Cancelled: restore failed");
    }

    @Test
    void stepOfComputesItsDuration() {
        assertThat(RecoveryReport.Step.of("Task_CopyBackups", "Copy", "userTask", DECLARED, DECLARED.plusSeconds(1800), "alice").durationSeconds())
                .isEqualTo(1800);
    }

    @ParameterizedTest(name = "RTO {0}")
    @CsvSource({"PT4H, PT3H", "PT2H, PT1H30M", "PT1M, PT45S"})
    void escalationAfterIsThreeQuartersOfTheRto(Duration rto, Duration expected) {
        assertThat(RecoveryReport.escalationAfter(rto)).isEqualTo(expected);
    }

    private static RecoveryReport report(String outcome, Instant healthyAt, Instant backupTime) {
        return RecoveryReport.of(1, "pi", outcome, "restore failed", "alice", "bob", null, DECLARED, healthyAt, DECLARED.plusSeconds(7200),
                "daily/20251101", backupTime, Duration.ofHours(4), Duration.ofHours(24), false, null, true, List.of());
    }

    @ParameterizedTest
    @CsvSource({"0, a new server, as a recovery expects", "1, already holds 1 run(s) recorded here",
            "12, already holds 12 run(s) recorded here"})
    void serverFactWhenRunsWereRecordedHereWarnsElseSaysNewServer(long runs, String says) {
        assertThat(RecoveryReport.serverFact(runs)).contains(says);
        assertThat(RecoveryReport.serverFact(runs).startsWith("주의:")).isEqualTo(runs > 0);
    }
}
