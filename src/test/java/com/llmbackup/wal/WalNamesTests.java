package com.llmbackup.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** WAL positions, segment and history file names as PostgreSQL writes them. */
class WalNamesTests {

    private static final long MB16 = 16L * 1024 * 1024;

    @ParameterizedTest
    @CsvSource({"0/0, 0", "0/3000028, 50331688", "16/B374D848, 97500059720", "FFFFFFF/FFFFFFFF, 1152921504606846975"})
    void lsnParsesAndPrintsWhenWrittenAsPostgresDoes(String text, long value) {
        assertThat(Lsn.parse(text).value()).isEqualTo(value);
        assertThat(Lsn.parse(text)).hasToString(text);
    }

    @Test
    void lsnIsRefusedWhenNotAPosition() {
        assertThatThrownBy(() -> Lsn.parse("3000028")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0/3000028");
        assertThatThrownBy(() -> Lsn.parse("1/100000000")).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @CsvSource({
            "000000010000000000000003, 16, 1, 3, false",
            "00000002000000010000000A.partial, 16, 2, 266, true",
            "0000000100000000000000FF, 16, 1, 255, false",
            "000000010000000100000000, 1, 1, 4096, false"})
    void segmentNameGivesTimelineAndNumberWhenParsed(String name, int megabytes, int timeline, long number, boolean partial) {
        long size = megabytes * 1024L * 1024;
        WalSegment segment = WalSegment.parse(name, size).orElseThrow();

        assertThat(segment).isEqualTo(new WalSegment(timeline, number, partial));
        assertThat(segment.fileName(size)).isEqualTo(name);
    }

    @Test
    void otherNamesAreNoSegmentsWhenParsed() {
        assertThat(WalSegment.parse("00000002.history", MB16)).isEmpty();
        assertThat(WalSegment.parse(".receiver.json", MB16)).isEmpty();
        // 16 MB segments never have a low part beyond FF
        assertThat(WalSegment.parse("000000010000000000000100", MB16)).isEmpty();
        assertThat(WalSegment.historyTimeline("0000000A.history")).isEqualTo(Optional.of(10));
    }

    @Test
    void segmentOfLsnIsTheOneHoldingItsByte() {
        Lsn lsn = Lsn.parse("0/3000000");
        assertThat(lsn.segment(MB16)).isEqualTo(3);
        assertThat(lsn.segmentBefore(MB16)).isEqualTo(2);
        assertThat(new WalSegment(1, 3, false).start(MB16)).isEqualTo(lsn);
    }

    @Test
    void historyGivesEachTimelinesSpanWhenParsed() {
        TimelineHistory history = TimelineHistory.parse(3, """
                1\t0/3000158\tno recovery target specified

                2\t0/5000000\tbefore 2025-11-30 15:01:59.123+00
                """);

        assertThat(history.spans()).containsExactly(
                new TimelineHistory.Span(1, Lsn.ZERO, Optional.of(Lsn.parse("0/3000158"))),
                new TimelineHistory.Span(2, Lsn.parse("0/3000158"), Optional.of(Lsn.parse("0/5000000"))),
                new TimelineHistory.Span(3, Lsn.parse("0/5000000"), Optional.empty()));
        assertThat(history.switches()).extracting(TimelineHistory.Switch::parent).isEqualTo(List.of(1, 2));
    }
}
