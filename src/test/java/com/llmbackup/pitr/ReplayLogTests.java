package com.llmbackup.pitr;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What the replaying server's log lines (PostgreSQL 15, lc_messages C, UTC) are read as. */
class ReplayLogTests {

    @Test
    void stopBeforeCommitGivesFirstTransactionAfterTargetWhenLogged() {
        ReplayLog log = new ReplayLog(segment -> { });

        log.accept("2026-12-07 22:28:06.548 UTC [4242] LOG:  recovery stopping before commit of transaction 745, time 2026-12-07 22:28:04.346361+00");

        assertThat(log.stoppedBeforeCommit()).isTrue();
        assertThat(log.stoppedBeforeXid()).isEqualTo(745L);
        assertThat(log.stoppedBeforeTime()).isEqualTo(Instant.parse("2026-12-07T22:28:04.346361Z"));
    }

    @Test
    void restoredSegmentsAreReportedInOrderWhenLogged() {
        List<String> restored = new ArrayList<>();
        ReplayLog log = new ReplayLog(restored::add);

        log.accept("LOG:  restored log file \"00000001000000000000000B\" from archive");
        log.accept("LOG:  restored log file \"00000001000000000000000C\" from archive");

        assertThat(restored).containsExactly("00000001000000000000000B", "00000001000000000000000C");
        assertThat(log.lastRestored()).isEqualTo("00000001000000000000000C");
    }

    static Stream<Arguments> brokenWal() {
        return Stream.of(
                Arguments.of("LOG:  invalid magic number 5A5A in log segment 000000010000000000000012, offset 65536", "000000010000000000000012", null),
                Arguments.of("LOG:  incorrect resource manager data checksum in record at 0/12010028", null, "0/12010028"),
                Arguments.of("LOG:  invalid record length at 0/13000148: wanted 24, got 0", null, "0/13000148"),
                Arguments.of("LOG:  unexpected pageaddr 0/5000000 in log segment 000000010000000000000014, offset 0", "000000010000000000000014", null));
    }

    @ParameterizedTest
    @MethodSource("brokenWal")
    void whereReadingStoppedIsKeptWhenTheWalCannotBeReadFurther(String line, String segment, String at) {
        ReplayLog log = new ReplayLog(s -> { });

        log.accept(line);

        assertThat(log.brokenSegment()).isEqualTo(segment);
        assertThat(log.brokenAt()).isEqualTo(at);
        assertThat(log.brokenWhy()).isEqualTo(line.strip());
    }

    @Test
    void targetNotReachedAndRedoEndAreKeptWhenLogged() {
        ReplayLog log = new ReplayLog(s -> { });

        log.accept("LOG:  redo done at 0/13000110 system usage: CPU: user: 0.00 s, system: 0.00 s, elapsed: 0.01 s");
        log.accept("FATAL:  recovery ended before configured recovery target was reached");

        assertThat(log.redoDoneAt()).isEqualTo("0/13000110");
        assertThat(log.targetNotReached()).isTrue();
    }
}
