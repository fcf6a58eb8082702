package com.llmbackup.process.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import com.llmbackup.config.InvalidSettingException;
import com.llmbackup.config.SettingsTests;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The schedules are judged by the engine's own cron parser when the timers' expressions are made. */
class ScheduleExpressionsTests {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "backup.schedule.weekly|0 0 25 ? * SUN",
            "backup.schedule.daily|0 61 2 * * ?",
            "backup.schedule.cleanup|0 0 3 32 * ?",
            "backup.schedule.drill|0 0 4 1 13 ?",
            "backup.schedule.daily|0 0 2 * * XYZ"})
    void scheduleExpressionsRefuseWhenAFieldIsOutOfRange(String key, String cron) {
        assertThatThrownBy(() -> new ScheduleExpressions(SettingsTests.bind(Map.of(key, cron))))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageStartingWith("Invalid setting " + key + "='" + cron + "': ")
                .hasMessageEndingWith("Use 6 fields: seconds minutes hours day-of-month month day-of-week, e.g. '0 0 2 * * ?'.");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "backup.schedule.daily|0 30 1 * * ?",
            "backup.schedule.weekly|0 0 2 ? * SAT",
            "backup.schedule.drill|0 0 4 1 1,4,7,10 ?"})
    void scheduleExpressionsAcceptWhenTheEngineParsesTheSchedule(String key, String cron) {
        ScheduleExpressions expressions = new ScheduleExpressions(SettingsTests.bind(Map.of(key, cron)));

        assertThat(Map.of("backup.schedule.daily", expressions.daily(), "backup.schedule.weekly", expressions.weekly(),
                "backup.schedule.drill", expressions.drill())).containsEntry(key, cron);
    }
}
