package com.llmbackup.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EtaTests {

    private static final Instant START = Instant.parse("2025-10-31T02:00:00Z");

    @ParameterizedTest(name = "{0} s, {1} of {2} bytes -> {3}")
    @CsvSource(nullValues = "none", value = {
            "600, 250, 1000, 2025-10-31T02:40:00Z",   // a quarter in 10 min: 30 min to go
            "600, 1000, 1000, 2025-10-31T02:10:00Z",  // done: now
            "600, 1200, 1000, 2025-10-31T02:10:00Z",  // more than announced: now, never the past
            "600, 0, 1000, none",                     // nothing done yet: no rate
            "600, 100, none, none",                   // total unknown
            "0, 100, 1000, none",                     // no time passed
            "3600, 1099511627776, 10995116277760, 2025-10-31T12:00:00Z"}) // 1 TiB of 10 in 1 h: 9 h to go: no overflow
    void estimateWhenProgressKnownIsRemainingBytesAtTheAverageRate(long elapsedSeconds, Long done, Long total, String expected) {
        assertThat(Eta.estimate(START, START.plusSeconds(elapsedSeconds), done, total).map(Instant::toString).orElse(null))
                .isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(nullValues = "none", value = {
            "'pinned by alice', alice",
            "'before the upgrade to 2.0 (bob)', bob",
            "'audit (2025) (carol)', carol",
            "'hand-written reason', none"})
    void pinnedByWhenPinApiWroteTheReasonIsTheUser(String reason, String user) {
        assertThat(BackupSetsController.pinnedBy(reason)).isEqualTo(user);
    }
}
