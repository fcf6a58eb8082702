package com.llmbackup.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.convert.DurationStyle;

/** Binding {@code backup.*} the way the application does, from a map of settings. */
public class SettingsTests {

    public static BackupProperties bind(Map<String, String> settings) {
        return new Binder(new MapConfigurationPropertySource(settings))
                .bindOrCreate("backup", BackupProperties.class);
    }

    @Test
    void bindGivesRunbookDefaultsWhenNothingIsSet() {
        BackupProperties p = bind(Map.of());

        assertThat(p.root()).hasToString("/backup");
        assertThat(p.uploadsDir()).hasToString("/uploads");
        assertThat(p.logFile()).hasToString("/var/log/llm-backup.log");
        assertThat(p.database().name()).isEqualTo("llm_webapp");
        assertThat(p.database().grantRole()).isEqualTo("llm_user");
        assertThat(p.schedule().daily()).isEqualTo("0 0 2 * * ?");
        assertThat(p.schedule().weekly()).isEqualTo("0 0 2 ? * SUN");
        assertThat(p.schedule().cleanup()).isEqualTo("0 0 3 * * ?");
        assertThat(p.schedule().drill()).isEqualTo("0 0 4 1 1,4,7,10 ?");
        assertThat(p.retention().days()).isEqualTo(30);
        assertThat(p.retention().minFull()).isEqualTo(4);
        assertThat(p.compose().project()).isEqualTo("llm-webapp");
        assertThat(p.compose().serviceList()).containsExactly("backend", "frontend");
        assertThat(p.health().url()).isEqualTo("http://localhost:8000/api/v1/health");
        assertThat(p.rpo()).hasHours(24);
        assertThat(p.dr().rto()).hasHours(4);
        assertThat(p.restore().requireSecondOperator()).isFalse();
        assertThat(p.drill().timeout()).hasHours(2);
        assertThat(p.drill().maxAge()).hasDays(100);
        assertThat(p.drill().filesQuery()).isNull();
        assertThat(p.clock().maxSkew()).hasMinutes(5);
        assertThat(p.docker().timeout()).hasMinutes(2);
        assertThat(p.restore().stopTimeout()).hasSeconds(30);
    }

    /** docker-java stops listening after backup.docker.timeout; the engine answers a stop after its grace and the kill. */
    @ParameterizedTest(name = "stop-timeout {0}, docker.timeout {1}")
    @CsvSource({"3m,2m", "91s,2m", "10m,10m"})
    void bindRejectsStopTimeoutWhenTheDockerClientWouldStopWaitingFirst(String stopTimeout, String dockerTimeout) {
        assertThatThrownBy(() -> bind(Map.of("backup.restore.stop-timeout", stopTimeout, "backup.docker.timeout", dockerTimeout)))
                .rootCause()
                .hasMessageStartingWith("Invalid setting backup.restore.stop-timeout='" + DurationStyle.detectAndParse(stopTimeout)
                        + "': the Docker client waits " + DurationStyle.detectAndParse(dockerTimeout) + " (backup.docker.timeout) for the "
                        + "answer to a stop, which comes after the stop timeout and the kill that follows it: set backup.docker.timeout "
                        + "to at least the stop timeout plus 30s, or lower the stop timeout.");
    }

    @Test
    void bindAcceptsStopTimeoutWhenTheDockerClientWaitsLongerThanItAndTheKill() {
        assertThat(bind(Map.of("backup.restore.stop-timeout", "90s")).restore().stopTimeout()).hasSeconds(90);
        assertThat(bind(Map.of("backup.restore.stop-timeout", "10m", "backup.docker.timeout", "11m")).docker().timeout()).hasMinutes(11);
    }

    @Test
    void bindRejectsStopTimeoutWhenNotWholeSeconds() {
        assertThatThrownBy(() -> bind(Map.of("backup.restore.stop-timeout", "1500ms")))
                .rootCause()
                .hasMessage("Invalid setting backup.restore.stop-timeout='PT1.5S': Docker takes whole seconds, e.g. 30s or 2m.");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"DELETE FROM documents", "select file_path from documents; drop table users",
            "file_path"})
    void bindRejectsFilesQueryWhenNotOneSelect(String query) {
        assertThatThrownBy(() -> bind(Map.of("backup.drill.files-query", query)))
                .rootCause()
                .hasMessage("Invalid setting backup.drill.files-query='" + query + "': it must be one SELECT whose first column is a "
                        + "file's path below the uploads folder, e.g. 'SELECT file_path FROM documents'.");
    }

    @Test
    void bindAcceptsFilesQueryWhenOneSelect() {
        assertThat(bind(Map.of("backup.drill.files-query", " SELECT file_path FROM documents; ")).drill().filesQuery())
                .isEqualTo("SELECT file_path FROM documents;");
        assertThat(bind(Map.of("backup.drill.timeout", "30m")).drill().timeout()).hasMinutes(30);
    }

    @Test
    void bindRejectsDrillTimeoutWhenZero() {
        assertThatThrownBy(() -> bind(Map.of("backup.drill.timeout", "0s")))
                .rootCause()
                .hasMessageStartingWith("Invalid setting backup.drill.timeout='PT0S': it must be a positive duration");
    }

    @Test
    void bindRejectsCronWhenItHasFiveFields() {
        assertThatThrownBy(() -> bind(Map.of("backup.schedule.daily", "0 2 * * *")))
                .isInstanceOf(BindException.class)
                .rootCause()
                .hasMessage("Invalid setting backup.schedule.daily='0 2 * * *': it has 5 fields, not 6. "
                        + "Use 6 fields: seconds minutes hours day-of-month month day-of-week, e.g. '0 0 2 * * ?'.");
    }

    @Test
    void bindRejectsRetentionWhenNegative() {
        assertThatThrownBy(() -> bind(Map.of("backup.retention.days", "-1")))
                .rootCause()
                .hasMessage("Invalid setting backup.retention.days='-1': it must be at least 1.");
    }

    @Test
    void bindRejectsNodeStaleAfterWhenShorterThanTwoHeartbeats() {
        assertThatThrownBy(() -> bind(Map.of("backup.lock.node-heartbeat", "30s", "backup.lock.node-stale-after", "45s")))
                .rootCause()
                .hasMessage("Invalid setting backup.lock.node-stale-after='PT45S': it must be at least twice backup.lock.node-heartbeat "
                        + "(PT30S): a live orchestrator would be taken for a stopped one.");
    }

    @Test
    void bindRejectsServiceListWhenSyntaxIsUnknown() {
        assertThatThrownBy(() -> bind(Map.of("backup.compose.services", "backend;frontend")))
                .rootCause()
                .hasMessageContaining("backup.compose.services='backend;frontend'")
                .hasMessageContaining("comma-separated");
    }

    @Test
    void bindRejectsHealthUrlWhenNotHttp() {
        assertThatThrownBy(() -> bind(Map.of("backup.health.url", "localhost:8000/health")))
                .rootCause()
                .hasMessage("Invalid setting backup.health.url='localhost:8000/health': it must be an http:// or https:// URL.");
    }

    @Test
    void bindRejectsPortWhenOutOfRange() {
        assertThatThrownBy(() -> bind(Map.of("backup.database.port", "70000")))
                .rootCause()
                .hasMessage("Invalid setting backup.database.port='70000': it must be between 1 and 65535.");
    }

    @Test
    void bindAcceptsServiceListWithSpaces() {
        Map<String, String> settings = new HashMap<>();
        settings.put("backup.compose.services", "backend, frontend ,worker");

        assertThat(bind(settings).compose().serviceList()).containsExactly("backend", "frontend", "worker");
    }

    @Test
    void databaseToStringHidesPassword() {
        BackupProperties p = bind(Map.of("backup.database.password", "s3cret"));

        assertThat(p.database().toString()).doesNotContain("s3cret").isEqualTo("Database[postgres@localhost:5432/llm_webapp]");
        assertThat(p.toString()).doesNotContain("s3cret");
    }
}
