package com.llmbackup.pitr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import com.llmbackup.wal.RecoveryWindow;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which times a point-in-time recovery may target: every refusal names the window (and its gaps). */
class PitrTargetsTests {

    static final Instant FROM = Instant.parse("2026-12-01T02:00:41Z");
    static final Instant GAP_FROM = Instant.parse("2026-12-03T03:10:00Z");
    static final Instant GAP_TO = Instant.parse("2026-12-05T02:00:38Z");
    static final Instant TO = Instant.parse("2026-12-07T15:02:07Z");
    static final Instant NOW = Instant.parse("2026-12-07T15:02:09Z");
    static final RecoveryWindow WINDOW = new RecoveryWindow(FROM, TO,
            List.of(new RecoveryWindow.Gap(GAP_FROM, GAP_TO, "WAL segments 00000001000000110000004A to 0000000100000011000000C3 are missing")),
            List.of(new RecoveryWindow.Start("weekly/20261201", 1, "10/2000028", "10/2000138", FROM, GAP_FROM, "WAL segments ..."),
                    new RecoveryWindow.Start("weekly/20261205", 1, "11/C4000028", "11/C4000138", GAP_TO, TO, null)),
            null, null);
    static final String NAMED = "The recovery window is 2026-12-01T02:00:41Z to 2026-12-07T15:02:07Z (gaps: 2026-12-03T03:10:00Z to 2026-12-05T02:00:38Z).";

    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of("in the future", Instant.parse("2026-12-07T16:00:00Z"), "The time 2026-12-07T16:00:00Z is in the future (now "
                        + NOW + "). " + NAMED),
                Arguments.of("before the oldest base backup", Instant.parse("2026-12-01T01:59:00Z"), "The time 2026-12-01T01:59:00Z is before "
                        + "the oldest base backup (weekly/20261201, consistent at 2026-12-01T02:00:41Z): no recovery starts earlier. " + NAMED),
                Arguments.of("after the window's end, not yet received", Instant.parse("2026-12-07T15:02:08Z"), "The time 2026-12-07T15:02:08Z "
                        + "is after the end of the recovery window: everything committed up to 2026-12-07T15:02:07Z is on disk, nothing later yet. "
                        + NAMED),
                Arguments.of("in a gap", Instant.parse("2026-12-04T12:00:00Z"), "The time 2026-12-04T12:00:00Z falls in a gap of the recovery "
                        + "window, 2026-12-03T03:10:00Z to 2026-12-05T02:00:38Z (WAL segments 00000001000000110000004A to "
                        + "0000000100000011000000C3 are missing). " + NAMED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void timeIsRefusedNamingTheWindowWhenTheWindowCannotReachIt(String what, Instant target, String message) {
        assertThat(PitrTargets.refusal(WINDOW, target, NOW)).contains(message);
    }

    static Stream<Instant> reachable() {
        return Stream.of(FROM, GAP_FROM, Instant.parse("2026-12-02T10:00:00Z"), GAP_TO, Instant.parse("2026-12-07T15:01:59Z"), TO);
    }

    @ParameterizedTest
    @MethodSource("reachable")
    void timeIsAcceptedWhenTheWindowCoversIt(Instant target) {
        assertThat(PitrTargets.refusal(WINDOW, target, NOW)).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("noWindows")
    void timeIsRefusedWithWhyWhenThereIsNoWindow(RecoveryWindow window, String message) {
        assertThat(PitrTargets.refusal(window, NOW, NOW)).contains(message);
    }

    static Stream<Arguments> noWindows() {
        return Stream.of(Arguments.of(new RecoveryWindow(null, null, List.of(), List.of(), null, "No base backup yet."),
                "No point-in-time recovery is possible yet: No base backup yet. Restore a set instead (backupKind, backupId)."));
    }

    @ParameterizedTest
    @MethodSource("zones")
    void timeWithAnyOffsetIsTheSameInstantWhenParsed(String text) {
        assertThat(PitrTargets.parse(text)).isEqualTo(Instant.parse("2026-12-07T06:01:59Z"));
    }

    static Stream<String> zones() {
        return Stream.of("2026-12-07T15:01:59+09:00", "2026-12-07T06:01:59Z", "2026-12-07T01:01:59-05:00", " 2026-12-07T06:01:59+00:00 ");
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void timeWithoutOffsetIsRefusedWhenParsed(String text) {
        assertThatThrownBy(() -> PitrTargets.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not an ISO-8601 time with an offset, e.g. 2026-12-07T15:01:59+09:00");
    }

    static Stream<String> malformed() {
        return Stream.of("2026-12-07T15:01:59", "2026-12-07 15:01", "yesterday", "");
    }
}
