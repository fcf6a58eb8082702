package com.llmbackup.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.llmbackup.catalog.Manifest;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.config.Text;
import com.llmbackup.process.AbstractBackupProcessTests;
import com.llmbackup.test.LocalHttp;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The history API for the admin panel: login, filters, paging, and storage figures. */
class BackupHistoryApiTests extends AbstractBackupProcessTests {


    @BeforeEach
    void panelUser() {
        ensureUser("panel", "panel-pw", null);
    }

    private HttpResponse<String> get(String path, boolean login) throws Exception {
        return LocalHttp.call(port, "GET", path, login ? "panel:panel-pw" : null, null);
    }

    @Test
    void historyListsRunsWithFiltersAndPagingForLoggedInUser() throws Exception {
        runJobs(runtime.startProcessInstanceByKey("DailyBackupProcess"));
        long failed = history.start(RunKind.WEEKLY, "pi-api-failed");
        history.fail(failed, "Task_DumpDatabase", "pg_dump exited with code 1: connection refused");
        long other = history.start(RunKind.WEEKLY, "pi-api-ok");
        history.complete(other, "20251026", new Manifest.Stats(1234, 2, 2, 0));

        assertThat(get("/api/backups", false).statusCode()).isEqualTo(401);

        JsonNode failures = json.readTree(get("/api/backups?status=FAILED&kind=weekly", true).body());
        assertThat(failures.get("items")).isNotEmpty().allSatisfy(item -> {
            assertThat(item.get("status").asText()).isEqualTo("FAILED");
            assertThat(item.get("kind").asText()).isEqualTo("weekly");
        });
        JsonNode mine = null;
        for (JsonNode item : failures.get("items")) {
            if (item.get("runId").asLong() == failed) {
                mine = item;
            }
        }
        assertThat(mine).isNotNull();
        assertThat(mine.get("failedStep").asText()).isEqualTo("Task_DumpDatabase");
        assertThat(mine.get("message").asText()).isEqualTo("pg_dump exited with code 1: connection refused");
        assertThat(mine.get("cockpitUrl").isNull()).as("its instance ended: Cockpit shows nothing").isTrue();
        assertThat(mine.get("detailUrl").asText()).isEqualTo("/admin/index.html#run=" + failed);
        List<String> fields = new ArrayList<>();
        mine.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactly("runId", "kind", "backupId", "status", "state", "stateDetail", "taskUrl", "processInstanceId",
                "cockpitUrl", "detailUrl", "startedAt", "endedAt", "durationSeconds", "bytes", "fileCount", "filesCopied", "filesLinked", "failedStep",
                "interruptedStep", "message", "warnings", "requestedBy", "approvedBy", "source", "details", "rtoSeconds", "offsite",
                "progress");

        JsonNode first = json.readTree(get("/api/backups?size=1&page=0", true).body());
        JsonNode second = json.readTree(get("/api/backups?size=1&page=1", true).body());
        assertThat(first.get("items")).hasSize(1);
        assertThat(first.get("total").asLong()).isGreaterThanOrEqualTo(3);
        assertThat(first.get("items").get(0).get("runId").asLong()).isNotEqualTo(second.get("items").get(0).get("runId").asLong());

        // other classes of this shared context leave runs dated by a clock set ahead (the clock
        // checks), so the filter is judged by what it returns, not by an empty answer
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        Instant tomorrow = today.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        JsonNode later = json.readTree(get("/api/backups?size=100&from=" + today.plusDays(1), true).body());
        assertThat(later.get("items")).allSatisfy(item -> {
            assertThat(item.get("runId").asLong()).isNotIn(failed, other);
            assertThat(Instant.parse(item.get("startedAt").asText())).isAfterOrEqualTo(tomorrow);
        });
        JsonNode sinceToday = json.readTree(get("/api/backups?size=100&from=" + today, true).body());
        assertThat(sinceToday.get("items")).extracting(item -> item.get("runId").asLong()).contains(failed, other);
    }

    @Test
    void runMessageWhenStoredWithItsKeyIsShownInTheViewersLanguage() throws Exception {
        long runId = history.start(RunKind.RESTORE, "pi-api-language");
        history.addDetail(runId, Text.of("detail.approved", "bob", "2026-12-07 22:00 KST"));
        history.end(runId, RunStatus.REJECTED, Text.of("restore.rejected.comment", "bob", "wrong set"));
        String korean = "bob이(가) 거부했습니다: wrong set. 아무것도 변경되지 않았습니다.";
        String english = "Rejected by bob: wrong set. Nothing was changed.";

        assertThat(history.find(runId).orElseThrow().message()).as("stored in backup.language (en in tests)").isEqualTo(english);
        assertThat(json.readTree(get("/api/backups/runs/" + runId + "?lang=ko", true).body()).get("run").get("message").asText())
                .isEqualTo(korean);
        assertThat(json.readTree(get("/api/backups/runs/" + runId + "?lang=en", true).body()).get("run").get("message").asText())
                .isEqualTo(english);
        assertThat(messageIn(withLanguage("/api/backups/runs/" + runId, "ko-KR,ko;q=0.9,en-US;q=0.8").get("run"))).isEqualTo(korean);
        assertThat(messageIn(withLanguage("/api/backups/runs/" + runId, "en-US,en;q=0.9").get("run"))).isEqualTo(english);
        assertThat(withLanguage("/api/backups/runs/" + runId, "ko-KR").get("run").get("details").get(0).asText())
                .isEqualTo("bob이(가) 2026-12-07 22:00 KST에 승인");
        assertThat(withLanguage("/api/backups/runs/" + runId, "en-US").get("run").get("details").get(0).asText())
                .isEqualTo("Approved by bob at 2026-12-07 22:00 KST");
        JsonNode list = withLanguage("/api/backups?kind=restore&status=REJECTED", "ko-KR");
        JsonNode item = null;
        for (JsonNode i : list.get("items")) {
            item = i.get("runId").asLong() == runId ? i : item;
        }
        assertThat(messageIn(item)).isEqualTo(korean);
    }

    @Test
    void runMessageWhenStoredWithoutKeyIsShownAsStoredInEveryLanguage() throws Exception {
        long runId = history.start(RunKind.WEEKLY, "pi-api-words");
        history.fail(runId, "Task_DumpDatabase", "pg_dump exited with code 1: connection refused");

        assertThat(json.readTree(get("/api/backups/runs/" + runId + "?lang=ko", true).body()).get("run").get("message").asText())
                .isEqualTo("pg_dump exited with code 1: connection refused");
    }

    private static String messageIn(JsonNode run) {
        return run.get("message").asText();
    }

    private JsonNode withLanguage(String path, String acceptLanguage) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("panel:panel-pw".getBytes(StandardCharsets.UTF_8)))
                .header("Accept-Language", acceptLanguage).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return json.readTree(response.body());
    }

    @Test
    void historyRefusesMalformedFiltersWithClearMessage() throws Exception {
        HttpResponse<String> badStatus = get("/api/backups?status=broken", true);
        assertThat(badStatus.statusCode()).isEqualTo(400);
        assertThat(badStatus.body()).contains("status must be RUNNING, COMPLETED, FAILED, REJECTED, REFUSED or WAITING_FOR_OPERATOR, not 'broken'.");
        HttpResponse<String> badDate = get("/api/backups?from=31.10.2025", true);
        assertThat(badDate.statusCode()).isEqualTo(400);
        assertThat(badDate.body()).contains("from and to are dates of the form YYYY-MM-DD (to is exclusive).");
        assertThat(get("/api/backups?size=0", true).statusCode()).isEqualTo(400);
    }

    @Test
    void storageShowsBytesPerKindVolumeAndDailyGrowth() throws Exception {
        runJobs(runtime.startProcessInstanceByKey("DailyBackupProcess"));

        JsonNode storage = json.readTree(get("/api/backups/storage", true).body());

        assertThat(storage.get("bytesPerKind").get("daily").asLong()).isPositive();
        assertThat(storage.get("volume").get("totalBytes").asLong()).isPositive();
        assertThat(storage.get("volume").get("usedPercent").asDouble()).isBetween(0.0, 100.0);
        assertThat(storage.get("bytesWrittenPerDay").has(LocalDate.now(ZoneOffset.UTC).toString())).isTrue();
        assertThat(get("/api/backups/storage", false).statusCode()).isEqualTo(401);
    }

    @Test
    void runDetailWhenADailyCompletedServesItsInstancesStepsModelsAndLogLines() throws Exception {
        ProcessInstance daily = completedDaily();
        long runId = history.listByOwner(daily.getId()).get(0).id();

        HttpResponse<String> response = get("/api/backups/runs/" + runId, true);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode detail = json.readTree(response.body());
        assertThat(detail.get("run").get("runId").asLong()).isEqualTo(runId);
        assertThat(detail.get("run").get("cockpitUrl").isNull()).as("a finished run: no Cockpit link").isTrue();
        assertThat(detail.get("startedBy").isNull()).as("started by the test's Java call, no login").isTrue();
        JsonNode instances = detail.get("instances");
        assertThat(instances).hasSize(2);
        assertThat(instances.get(0).get("processKey").asText()).isEqualTo("DailyBackupProcess");
        assertThat(instances.get(0).get("bpmnXml").asText()).contains("id=\"DailyBackupProcess\"");
        JsonNode called = instances.get(1);
        assertThat(called.get("processKey").asText()).isEqualTo("BackupRunProcess");
        assertThat(called.get("calledByInstanceId").asText()).isEqualTo(daily.getId());
        assertThat(called.get("running").asBoolean()).isFalse();
        List<String> steps = new ArrayList<>();
        called.get("steps").forEach(step -> {
            steps.add(step.get("activityId").asText());
            assertThat(step.get("endedAt").isNull()).as(step.toString()).isFalse();
            assertThat(step.get("durationMillis").asLong()).isNotNegative();
        });
        assertThat(steps).contains("Task_DumpDatabase", "EndEvent_RunCompleted");
        assertThat(called.get("failedActivityIds")).isEmpty();
        List<String> log = new ArrayList<>();
        detail.get("log").forEach(line -> log.add(line.asText()));
        assertThat(log).anySatisfy(line -> assertThat(line).contains("Daily backup completed"));

        assertThat(get("/api/backups/runs/999999", true).statusCode()).isEqualTo(404);
        assertThat(get("/api/backups/runs/" + runId, false).statusCode()).isEqualTo(401);
    }
}
