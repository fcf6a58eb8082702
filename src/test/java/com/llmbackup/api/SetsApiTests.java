package com.llmbackup.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.Trees;
import com.llmbackup.process.AbstractBackupProcessTests;
import com.llmbackup.test.FileTrees;
import com.llmbackup.test.LocalHttp;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code /api/backups/sets} on a catalog with a set of every status (complete, pinned, legacy,
 * publishing, corrupt), and {@code /api/backups/attention} with runs the engine sees as running,
 * in an incident or abandoned, and a failure no success followed.
 */
class SetsApiTests extends AbstractBackupProcessTests {

    private static final String MANIFEST = """
            {"formatVersion": 1, "kind": "%s", "id": "%s", "status": "%s", "processInstanceId": "pi-%s",
             "startedAt": "1999-01-%sT01:00:00Z", "completedAt": %s, "pinned": %s, "pinnedReason": %s,
             "artifacts": [{"name": "db_%s.dump", "type": "file", "size": 1000, "sha256": "ab"},
                           {"name": "uploads_%s", "type": "directory", "size": 24, "fileCount": 3}],
             "files": [{"path": "user1/a.pdf", "type": "file", "size": 8, "mtimeNanos": 1, "mode": 420}],
             "stats": {"bytes": 1024, "fileCount": 3, "filesCopied": 1, "filesLinked": 2}}""";

    private final List<Path> written = new ArrayList<>();
    private Path root;

    @BeforeEach
    void catalogOfEveryStatus() throws Exception {
        ensureUser("setsop", "pw-setsop", "operators");
        root = DIR.resolve("backup");
        write("daily/manifest_19990105.json", MANIFEST.formatted("daily", "19990105", "complete", "a", "05", "\"1999-01-05T02:00:00Z\"",
                "null", "null", "19990105", "19990105"));
        write("daily/db_19990105.dump", "PGDMP");
        write("daily/manifest_19990106.json", MANIFEST.formatted("daily", "19990106", "complete", "b", "06", "\"1999-01-06T02:00:00Z\"",
                "true", "\"before the audit (carol)\"", "19990106", "19990106"));
        write("daily/db_19990106.dump", "PGDMP");
        write("daily/manifest_19990104.json", MANIFEST.formatted("daily", "19990104", "publishing", "c", "04", "null",
                "null", "null", "19990104", "19990104"));
        write("weekly/db_full_19990103.dump", "PGDMP legacy dump");
        write("safety/manifest_19990107.json", "{not json");
        write("safety/db_19990107.dump", "PGDMP");
    }

    private void write(String path, String content) throws Exception {
        FileTrees.write(root, Map.of(path, content));
        written.add(root.resolve(path));
    }

    @AfterEach
    void removeCatalog() {
        written.forEach(Trees::delete);
    }

    private HttpResponse<String> get(String path, String user) throws Exception {
        return LocalHttp.call(port, "GET", path, user == null ? null : user + ":pw-" + user, null);
    }

    private JsonNode set(JsonNode items, String label) {
        for (JsonNode item : items) {
            if (item.get("label").asText().equals(label)) {
                return item;
            }
        }
        throw new AssertionError("no set " + label + " in " + items);
    }

    @Test
    void setsWhenEveryStatusOnDiskListsEachWithItsFacts() throws Exception {
        HttpResponse<String> answer = get("/api/backups/sets", "setsop");

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode items = json.readTree(answer.body()).get("items");
        assertThat(answer.body()).as("the manifests' file lists are not served").doesNotContain("user1/a.pdf");
        List<String> ours = new ArrayList<>();
        items.forEach(i -> {
            if (i.get("id").asText().startsWith("1999")) {
                ours.add(i.get("label").asText());
            }
        });
        assertThat(ours).as("newest first").containsExactly("safety/19990107", "daily/19990106", "daily/19990105", "daily/19990104",
                "weekly/19990103");

        JsonNode complete = set(items, "daily/19990105");
        assertThat(complete.get("status").asText()).isEqualTo("complete");
        assertThat(complete.get("restorable").asBoolean()).isTrue();
        assertThat(complete.get("writtenAt").asText()).isEqualTo("1999-01-05T02:00:00Z");
        assertThat(complete.get("ageSeconds").asLong()).isPositive();
        assertThat(complete.get("bytes").asLong()).isEqualTo(1024);
        assertThat(complete.get("artifacts").get(1).get("fileCount").asLong()).isEqualTo(3);
        assertThat(complete.get("stats").get("filesLinked").asLong()).isEqualTo(2);
        assertThat(complete.get("pinned").asBoolean()).isFalse();
        assertThat(complete.get("pinnedBy").isNull()).isTrue();
        assertThat(complete.get("lastDrill").isNull()).as("never drilled").isTrue();
        assertThat(complete.get("offsite").isNull()).as("no offsite repository configured: no offsite state").isTrue();

        JsonNode pinned = set(items, "daily/19990106");
        assertThat(pinned.get("pinned").asBoolean()).isTrue();
        assertThat(pinned.get("pinnedReason").asText()).isEqualTo("before the audit (carol)");
        assertThat(pinned.get("pinnedBy").asText()).isEqualTo("carol");

        JsonNode publishing = set(items, "daily/19990104");
        assertThat(publishing.get("status").asText()).isEqualTo("publishing");
        assertThat(publishing.get("restorable").asBoolean()).isFalse();
        assertThat(publishing.get("writtenAt").asText()).as("not finished: when it started").isEqualTo("1999-01-04T01:00:00Z");

        JsonNode legacy = set(items, "weekly/19990103");
        assertThat(legacy.get("status").asText()).isEqualTo("legacy");
        assertThat(legacy.get("restorable").asBoolean()).isTrue();
        assertThat(legacy.get("bytes").asLong()).isEqualTo("PGDMP legacy dump".length());
        assertThat(legacy.get("artifacts").get(0).get("name").asText()).isEqualTo("db_full_19990103.dump");
        assertThat(legacy.get("writtenAt").isNull()).as("the file's time").isFalse();

        JsonNode corrupt = set(items, "safety/19990107");
        assertThat(corrupt.get("status").asText()).isEqualTo("corrupt");
        assertThat(corrupt.get("restorable").asBoolean()).isFalse();
        assertThat(corrupt.get("problem").asText()).contains("manifest_19990107.json");
    }

    @Test
    void setsWhenFilteredListOnlyThoseAndRefuseUnknownFilters() throws Exception {
        JsonNode pinned = json.readTree(get("/api/backups/sets?pinned=true", "setsop").body()).get("items");
        assertThat(pinned).extracting(i -> i.get("label").asText()).contains("daily/19990106").doesNotContain("daily/19990105");
        JsonNode weeklyLegacy = json.readTree(get("/api/backups/sets?kind=weekly&status=legacy", "setsop").body()).get("items");
        assertThat(weeklyLegacy).extracting(i -> i.get("label").asText()).containsExactly("weekly/19990103");
        JsonNode restorable = json.readTree(get("/api/backups/sets?restorable=true", "setsop").body()).get("items");
        assertThat(restorable).extracting(i -> i.get("label").asText()).doesNotContain("daily/19990104", "safety/19990107");

        HttpResponse<String> badStatus = get("/api/backups/sets?status=done", "setsop");
        assertThat(badStatus.statusCode()).isEqualTo(400);
        assertThat(badStatus.body()).contains("status must be complete, legacy, publishing or corrupt, not 'done'.");
        HttpResponse<String> badKind = get("/api/backups/sets?kind=monthly", "setsop");
        assertThat(badKind.statusCode()).isEqualTo(400);
        assertThat(badKind.body()).contains("Unknown backup kind 'monthly': use daily, weekly or safety.");
    }

    @Test
    void setsAndAttentionWhenAnonymousAnswer401() throws Exception {
        assertThat(get("/api/backups/sets", null).statusCode()).isEqualTo(401);
        assertThat(get("/api/backups/attention", null).statusCode()).isEqualTo(401);
    }

    @Test
    void attentionWhenRunsAreStuckShowsWhatTheyAre() throws Exception {
        ProcessInstance working = runtime.startProcessInstanceByKey("DailyBackupProcess");
        ProcessInstance burning = runtime.startProcessInstanceByKey("DailyBackupProcess");
        long workingRun = history.start(RunKind.DAILY, working.getId());
        history.progress(workingRun, 10, 100, 250_000_000L, 1_000_000_000L);
        long burningRun = history.start(RunKind.DAILY, burning.getId());
        runtime.createIncident("failedJob", burning.getId(), "test", "disk on fire");
        long goneRun = history.start(RunKind.WEEKLY, "pi-that-no-longer-exists");
        long failedRestore = history.start(RunKind.RESTORE, "pi-sets-failed-restore");
        history.fail(failedRestore, "Task_RestoreData", "pg_restore: error: could not connect");
        try {
            JsonNode body = json.readTree(get("/api/backups/attention", "setsop").body());

            JsonNode running = body.get("running");
            assertThat(run(running, workingRun).get("state").asText()).isEqualTo("RUNNING");
            assertThat(run(running, workingRun).get("estimatedEndAt").isNull()).as("from bytes done and rate").isFalse();
            JsonNode failures = body.get("unresolvedFailures");
            // the incident handler records the row FAILED; the instance still waits in its incident
            assertThat(run(failures, burningRun).get("state").asText()).isEqualTo("INCIDENT");
            assertThat(run(failures, burningRun).get("stateDetail").asText()).contains("disk on fire");
            assertThat(run(failures, burningRun).get("status").asText()).as("the stored status is kept").isEqualTo("FAILED");
            assertThat(run(running, goneRun).get("state").asText()).isEqualTo("ABANDONED");
            assertThat(run(running, goneRun).get("cockpitUrl").isNull()).as("no instance to show in Cockpit").isTrue();
            assertThat(run(running, goneRun).get("detailUrl").asText()).endsWith("#run=" + goneRun);
            assertThat(run(failures, burningRun).get("cockpitUrl").asText()).as("in its incident: Cockpit shows it")
                    .endsWith("/camunda/app/cockpit/default/#/process-instance/" + run(failures, burningRun).get("processInstanceId").asText());
            assertThat(run(failures, failedRestore).get("state").asText()).as("no instance: just failed").isEqualTo("FAILED");
            assertThat(run(failures, failedRestore).get("message").asText()).contains("pg_restore: error: could not connect");

            JsonNode page = json.readTree(get("/api/backups?size=500", "setsop").body()).get("items");
            assertThat(run(page, burningRun).get("state").asText()).as("the history shows the same").isEqualTo("INCIDENT");
        } finally {
            runtime.deleteProcessInstance(working.getId(), "test");
            runtime.deleteProcessInstance(burning.getId(), "test");
            history.fail(workingRun, "test", "test run closed");
            history.fail(burningRun, "test", "test run closed");
            history.fail(goneRun, "test", "test run closed");
        }
    }

    private static JsonNode run(JsonNode runs, long runId) {
        for (JsonNode run : runs) {
            if (run.get("runId").asLong() == runId) {
                return run;
            }
        }
        throw new AssertionError("no run " + runId + " in " + runs);
    }
}
