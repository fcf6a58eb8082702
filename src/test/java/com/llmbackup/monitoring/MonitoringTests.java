package com.llmbackup.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.process.AbstractBackupProcessTests;
import com.llmbackup.test.LocalHttp;
import org.assertj.core.data.Offset;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Failure alerts to a real local receiver, metrics at /actuator/prometheus and the health
 * details, on the backup processes' shared context (its webhook is {@link #ALERTS}).
 */
class MonitoringTests extends AbstractBackupProcessTests {


    @BeforeEach
    void watcher() {
        ensureUser("watcher", "watcher-pw", null);
    }

    @Test
    void alertWhenBackupFailsPostsOneJsonMessageNamingStepAndCause() throws Exception {
        ProcessInstance holder = runtime.startProcessInstanceByKey("DailyBackupProcess");
        executeNext(holder); // holds the lock
        ProcessInstance waiting = runtime.startProcessInstanceByKey("DailyBackupProcess");
        executeNext(waiting);
        ClockUtil.setCurrentTime(Date.from(Instant.now().plus(Duration.ofMinutes(11))));
        Job timer = waitTimer(waiting);
        management.executeJob(timer.getId());
        runJobs(waiting);
        assertThat(waiting).isEnded().hasPassed("EndEvent_BackupFailed");

        List<JsonNode> mine = awaitAlerts(waiting.getId(), 1);
        JsonNode alert = mine.get(0);
        assertThat(alert.get("event").asText()).isEqualTo("run_failed");
        assertThat(alert.get("kind").asText()).isEqualTo("daily");
        assertThat(alert.get("failedStep").asText()).isEqualTo("Task_AcquireLease");
        assertThat(alert.get("message").asText()).startsWith("Gave up waiting for the lock on the backup root after 10m");
        assertThat(alert.get("cockpitPath").isNull()).as("the run ended: Cockpit shows nothing of it").isTrue();
        assertThat(alert.get("detailPath").asText()).isEqualTo("/admin/index.html#run=" + alert.get("runId").asLong());
        Thread.sleep(500);
        assertThat(alertsFor(waiting.getId())).as("one message per failure").hasSize(1);

        ClockUtil.reset();
        runJobs(holder);
        assertThat(alertsFor(holder.getId())).as("no alert for a run that completed").isEmpty();
    }

    @Test
    void prometheusWhenLoggedInShowsPerKindMetrics() throws Exception {
        ProcessInstance run = runtime.startProcessInstanceByKey("DailyBackupProcess");
        runJobs(run);
        assertThat(run).isEnded().hasPassed("EndEvent_BackupCompleted");

        assertThat(get("/actuator/prometheus", null).statusCode()).isEqualTo(401);
        HttpResponse<String> metrics = get("/actuator/prometheus", "watcher:watcher-pw");
        assertThat(metrics.statusCode()).isEqualTo(200);
        double lastSuccess = value(metrics.body(), "llm_backup_last_success_timestamp_seconds{kind=\"daily\"}");
        assertThat(lastSuccess).isCloseTo(Instant.now().getEpochSecond(), Offset.offset(120.0));
        assertThat(value(metrics.body(), "llm_backup_last_size_bytes{kind=\"daily\"}")).isPositive();
        assertThat(value(metrics.body(), "llm_backup_last_duration_seconds{kind=\"daily\"}")).isNotNegative();
        assertThat(metrics.body()).contains("llm_backup_failures_total{kind=\"daily\"}", "llm_backup_failures_total{kind=\"restore\"}",
                "llm_backup_runs_total{kind=\"restore\",status=\"REJECTED\"}");
        assertThat(value(metrics.body(), "llm_backup_runs_total{kind=\"daily\",status=\"COMPLETED\"}"))
                .isEqualTo((double) history.list().stream().filter(e -> e.kind() == RunKind.DAILY && e.status() == RunStatus.COMPLETED).count());
    }

    @Test
    void healthWhenAnonymousShowsStatusOnlyAndDetailsAfterLogin() throws Exception {
        HttpResponse<String> anonymous = get("/actuator/health", null);
        assertThat(anonymous.body()).contains("\"status\"").doesNotContain("volumeUsedPercent").doesNotContain("\"backup\"");
        HttpResponse<String> loggedIn = get("/actuator/health", "watcher:watcher-pw");
        assertThat(loggedIn.body()).contains("\"backup\"").contains("volumeUsedPercent");
        // (another user than watcher: Camunda delays a user's logins after a wrong password)
        assertThat(get("/actuator/health", "nobody:wrong").statusCode()).as("a wrong login is refused, not ignored").isEqualTo(401);
    }

    /** The path Tomcat routes, not the one the login filter read: a way round from the open health to the metrics needs the login. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/actuator/health/../prometheus", "/actuator/health/%2e%2e/prometheus", "/actuator/health/%2E%2E/prometheus",
            "/actuator/health/..;/prometheus", "/actuator/health;x=1/../prometheus", "/actuator/health/./../prometheus",
            "/actuator/health/.%2e/prometheus", "/actuator//health/../prometheus", "/actuator/prometheus;/actuator/health/x",
            "/actuator/prometheus?/actuator/health/"})
    void prometheusWhenReachedThroughHealthPathNeedsLogin(String path) throws Exception {
        LocalHttp.RawResponse response = LocalHttp.raw(port, "GET", path, null, null);

        assertThat(response.body()).as("%s answered %s", path, response.statusCode()).doesNotContain("llm_backup_", "jvm_memory");
        assertThat(response.statusCode()).as(path).isIn(400, 401, 404);
    }

    private List<JsonNode> awaitAlerts(String processInstanceId, int count) throws Exception {
        for (int i = 0; i < 100; i++) {
            List<JsonNode> mine = alertsFor(processInstanceId);
            if (mine.size() >= count) {
                return mine;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no alert for " + processInstanceId + "; received: " + ALERTS.alerts());
    }

    private List<JsonNode> alertsFor(String processInstanceId) throws Exception {
        List<JsonNode> mine = new ArrayList<>();
        for (String body : ALERTS.alerts()) {
            JsonNode node = json.readTree(body);
            if (processInstanceId.equals(node.path("processInstanceId").asText())) {
                mine.add(node);
            }
        }
        return mine;
    }

    private static double value(String exposition, String series) {
        for (String line : exposition.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        throw new AssertionError(series + " not in the metrics");
    }

    private HttpResponse<String> get(String path, String credentials) throws Exception {
        return LocalHttp.call(port, "GET", path, credentials, null);
    }
}
