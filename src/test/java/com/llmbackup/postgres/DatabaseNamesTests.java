package com.llmbackup.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The names beside the live database: plain when they fit in 63 bytes, shortened the same way every time when not. */
class DatabaseNamesTests {

    @Test
    void namesWhenTheyFitAreTheLiveNameAndTheRun() {
        assertThat(DatabaseNames.restoring("llm_webapp", 12)).isEqualTo("llm_webapp__restoring_12");
        assertThat(DatabaseNames.previous("llm_webapp", 12)).isEqualTo("llm_webapp__before_12");
        assertThat(DatabaseNames.previousRun("llm_webapp", "llm_webapp__before_12")).hasValue(12);
        assertThat(DatabaseNames.restoringRun("llm_webapp", "llm_webapp__restoring_12")).hasValue(12);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "a live name of 63 bytes, aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "a live name of 45 bytes, bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
            "Korean (3 bytes each), 웹앱데이터베이스웹앱데이터베이스웹앱데이터베이스"})
    void namesWhenTooLongAreShortenedToValidUtf8WithinTheLimitAndFoundAgain(String what, String live) {
        long run = 9_223_372_036_854_775_807L;
        String restoring = DatabaseNames.restoring(live, run);
        String previous = DatabaseNames.previous(live, run);

        for (String name : new String[] {restoring, previous}) {
            byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
            assertThat(bytes.length).as(name).isLessThanOrEqualTo(63);
            assertThat(new String(bytes, StandardCharsets.UTF_8)).as("whole characters only").isEqualTo(name);
            assertThat(name).as("same every time").isEqualTo(name.endsWith("__before_" + run) ? DatabaseNames.previous(live, run)
                    : DatabaseNames.restoring(live, run));
        }
        assertThat(DatabaseNames.previousRun(live, previous)).hasValue(run);
        assertThat(DatabaseNames.restoringRun(live, restoring)).hasValue(run);
        assertThat(DatabaseNames.previousRun(live, restoring)).isEmpty();
    }

    @Test
    void namesWhenShortenedDifferForLiveNamesThatShareTheirStart() {
        String a = "x".repeat(60) + "a";
        String b = "x".repeat(60) + "b";
        assertThat(DatabaseNames.previous(a, 1)).isNotEqualTo(DatabaseNames.previous(b, 1));
        assertThat(DatabaseNames.previousRun(b, DatabaseNames.previous(a, 1))).as("another live database's name is not ours").isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"llm_webapp__before_x", "other__before_12", "llm_webapp__before_12_old", "llm_webapp_before_12"})
    void previousRunWhenTheNameIsNotOneOfOursIsEmpty(String name) {
        assertThat(DatabaseNames.previousRun("llm_webapp", name)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"llm_webapp__before_12, true", "copy__restoring_3, true", "llm_check, false", "before_restore, false"})
    void reservedWhenANameHasTheFormOfOursIsTrue(String name, boolean reserved) {
        assertThat(DatabaseNames.reserved(name)).isEqualTo(reserved);
    }
}
