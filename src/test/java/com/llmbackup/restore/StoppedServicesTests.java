package com.llmbackup.restore;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which services a restore starts again: exactly those it stopped, dependencies first. */
class StoppedServicesTests {

    private static final List<String> CONFIGURED = List.of("backend", "frontend", "worker");

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "none", value = {
            "the ones this stop found running, in configured order | none              | worker,backend | false | backend,worker",
            "none running: none to start                           | none              | none           | false | none",
            "a retried stop keeps what the first attempt stopped   | frontend          | backend        | false | backend,frontend",
            "after an interrupted stop: all configured             | none              | none           | true  | backend,frontend,worker",
            "after an interrupted stop, whatever was seen: all     | backend           | backend        | true  | backend,frontend,worker",
            "a service no longer configured is not started         | legacy            | legacy,backend | false | backend"})
    void afterStopWhenStoppedSomeSaysWhichToStartAgain(String rule, String before, String now, boolean afterInterruptedStop,
                                                        String expected) {
        assertThat(StoppedServices.afterStop(CONFIGURED, list(before), list(now), afterInterruptedStop)).as(rule).isEqualTo(list(expected));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "none", value = {
            "recorded: exactly those                        | backend  | Task_RestoreData  | backend",
            "recorded empty: none                           | ''       | Task_CheckHealth  | none",
            "failed while stopping, none recorded: all      | none     | Task_StopServices | backend,frontend,worker",
            "failed before stopping (no record): none       | none     | Task_ValidateBackup | none",
            "failed while stopping, some recorded: recorded | frontend | Task_StopServices | frontend"})
    void toStartAfterFailureWhenFailedAtStepSaysWhichToStart(String rule, String recorded, String failedStep, String expected) {
        Optional<List<String>> stopped = recorded == null ? Optional.empty() : Optional.of(list(recorded));
        assertThat(StoppedServices.toStartAfterFailure(CONFIGURED, stopped, failedStep)).as(rule).isEqualTo(list(expected));
    }

    private static List<String> list(String commaSeparated) {
        return commaSeparated == null || commaSeparated.isEmpty() ? List.of() : Arrays.asList(commaSeparated.split(","));
    }
}
