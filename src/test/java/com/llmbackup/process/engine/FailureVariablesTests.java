package com.llmbackup.process.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Texts for the forms fit the engine's 4000-character string variables (a longer one failed the step's commit). */
class FailureVariablesTests {

    @Test
    void clampWhenLogIsLongKeepsItsNewestLinesWithinTheLimit() {
        String log = "old line\n".repeat(1000) + "backend: ERROR data version 1 is not supported";

        String kept = FailureVariables.clamp(log, true);

        assertThat(kept).hasSizeLessThanOrEqualTo(FailureVariables.MAX_TEXT).startsWith("[... ")
                .endsWith("backend: ERROR data version 1 is not supported");
    }

    @Test
    void clampWhenMessageIsLongKeepsItsStartWithinTheLimit() {
        String message = "pg_restore into llm_webapp failed (exit code 1): " + "x".repeat(5000);

        String kept = FailureVariables.clamp(message, false);

        assertThat(kept).hasSizeLessThanOrEqualTo(FailureVariables.MAX_TEXT).startsWith("pg_restore into llm_webapp failed (exit code 1): ")
                .endsWith("characters left out ...]");
    }

    @Test
    void clampWhenTextFitsLeavesItAlone() {
        assertThat(FailureVariables.clamp("short", true)).isEqualTo("short");
        assertThat(FailureVariables.clamp(null, false)).isNull();
    }
}
