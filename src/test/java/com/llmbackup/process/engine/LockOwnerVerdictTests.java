package com.llmbackup.process.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import com.llmbackup.config.Texts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** When a job's lock owner counts as stopped, so that its job runs again now: one case per rule. */
class LockOwnerVerdictTests {

    static final Instant NOW = Instant.parse("2026-12-02T02:00:00Z");
    static final Instant STARTED = Instant.parse("2026-12-01T08:00:00Z");
    /** Processes running on this (pretend) machine: pid 100 started at STARTED, pid 200 started later (a reused pid). */
    static final Map<Long, Instant> PROCESSES = Map.of(100L, STARTED, 200L, Instant.parse("2026-12-02T01:30:00Z"));
    static final LockOwnerVerdict.Here HERE = new LockOwnerVerdict.Here("me", "host-a", NOW, Duration.ofMinutes(1),
            pid -> Optional.ofNullable(PROCESSES.get(pid)));

    static LockOwnerVerdict.Node node(String host, long pid, Instant heartbeat) {
        return new LockOwnerVerdict.Node("other", host, pid, STARTED, heartbeat);
    }

    static Stream<Arguments> stopped() {
        return Stream.of(
                Arguments.of("process gone on this machine, fresh heartbeat", node("host-a", 300, NOW.minusSeconds(5)),
                        "orchestrator other (process 300 on this machine) has ended"),
                Arguments.of("pid reused by a later process", node("host-a", 200, NOW.minusSeconds(5)),
                        "the pid now belongs to a process started at 2026-12-02T01:30:00Z"),
                Arguments.of("heartbeat older than stale-after, another machine", node("host-b", 100, NOW.minusSeconds(61)),
                        "last reported at 2026-12-02T01:58:59Z, more than 60 s ago"),
                Arguments.of("heartbeat stale, process still there on this machine (hung)", node("host-a", 100, NOW.minusSeconds(300)),
                        "last reported at"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stopped")
    void whyStoppedWhenOwnerHasStoppedNamesWhy(String rule, LockOwnerVerdict.Node node, String why) {
        assertThat(LockOwnerVerdict.whyStopped("other", NOW.minusSeconds(10), Optional.of(node), HERE)).hasValueSatisfying(
                reason -> assertThat(Texts.of("en").render(reason)).contains(why));
    }

    static Stream<Arguments> working() {
        return Stream.of(
                Arguments.of("fresh heartbeat on another machine", node("host-b", 300, NOW.minusSeconds(5))),
                Arguments.of("fresh heartbeat, same process on this machine", node("host-a", 100, NOW.minusSeconds(5))),
                Arguments.of("heartbeat exactly stale-after old", node("host-b", 300, NOW.minusSeconds(60))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("working")
    void whyStoppedWhenOwnerStillWorksIsEmpty(String rule, LockOwnerVerdict.Node node) {
        assertThat(LockOwnerVerdict.whyStopped("other", NOW.minusSeconds(10), Optional.of(node), HERE)).isEmpty();
    }

    @Test
    void whyStoppedWhenJobIsOwnIsEmptyWhateverItsAge() {
        assertThat(LockOwnerVerdict.whyStopped("me", NOW.minus(Duration.ofHours(11)), Optional.empty(), HERE)).isEmpty();
    }

    @Test
    void whyStoppedWhenUnknownOwnerLockedRecentlyIsEmpty() {
        // an orchestrator that just started may lock a job before its first heartbeat
        assertThat(LockOwnerVerdict.whyStopped("other", NOW.minusSeconds(30), Optional.empty(), HERE)).isEmpty();
    }

    @Test
    void whyStoppedWhenUnknownOwnerLockedLongAgoSaysItNeverReported() {
        assertThat(LockOwnerVerdict.whyStopped("other", NOW.minusSeconds(90), Optional.empty(), HERE).map(Texts.of("en")::render))
                .hasValue("orchestrator other never reported a heartbeat and locked the job at 2026-12-02T01:58:30Z");
    }
}
