package com.llmbackup.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;

import com.fasterxml.jackson.databind.JsonNode;
import com.llmbackup.process.AbstractBackupProcessTests;
import com.llmbackup.test.LocalHttp;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Pinning through the orchestrator's REST API, with the engine's users and groups. */
class PinApiTests extends AbstractBackupProcessTests {


    @BeforeEach
    void users() {
        ensureUser("pinop", "pw-pinop", "operators");
        ensureUser("pinguest", "pw-pinguest", null);
    }

    private HttpResponse<String> call(String method, String path, String user, String body) throws Exception {
        return LocalHttp.call(port, method, path, user == null ? null : user + ":pw-" + user, body);
    }

    @Test
    void operatorPinsAndUnpinsCompleteSetRecordedInManifest() throws Exception {
        ProcessInstance daily = runtime.startProcessInstanceByKey("DailyBackupProcess");
        runJobs(daily);
        String id = (String) historicVariable(daily, "backupId");
        String path = "/api/backups/daily/" + id + "/pin";

        HttpResponse<String> pinned = call("PUT", path, "pinop", "{\"reason\": \"before the upgrade to 2.0\"}");

        assertThat(pinned.statusCode()).as(pinned.body()).isEqualTo(200);
        JsonNode answer = json.readTree(pinned.body());
        assertThat(answer.get("pinned").asBoolean()).isTrue();
        assertThat(answer.get("reason").asText()).isEqualTo("before the upgrade to 2.0 (pinop)");
        JsonNode manifest = json.readTree(Files.readString(DIR.resolve("backup/daily/manifest_" + id + ".json")));
        assertThat(manifest.get("pinned").asBoolean()).isTrue();
        assertThat(manifest.get("artifacts").findValuesAsText("name")).as("the file list is kept").contains("files_" + id + ".jsonl");
        assertThat(Files.readAllLines(DIR.resolve("backup/daily/files_" + id + ".jsonl"))).isNotEmpty();

        HttpResponse<String> unpinned = call("DELETE", path, "pinop", null);
        assertThat(unpinned.statusCode()).isEqualTo(200);
        assertThat(json.readTree(unpinned.body()).get("pinned").asBoolean()).isFalse();
    }

    @Test
    void pinIsRefusedWithClearAnswers() throws Exception {
        Files.createDirectories(DIR.resolve("backup/daily"));
        Files.writeString(DIR.resolve("backup/daily/db_20000103.dump"), "PGDMP legacy");
        try {
            assertThat(call("PUT", "/api/backups/daily/20000103/pin", null, "{}").statusCode()).isEqualTo(401);
            assertThat(call("PUT", "/api/backups/daily/20000103/pin", "pinguest", "{}").statusCode()).isEqualTo(403);

            HttpResponse<String> legacy = call("PUT", "/api/backups/daily/20000103/pin", "pinop", "{}");
            assertThat(legacy.statusCode()).isEqualTo(409);
            assertThat(legacy.body()).contains("Set daily/20000103 is legacy: only a complete set (with a manifest) can be pinned.");

            HttpResponse<String> unknown = call("PUT", "/api/backups/daily/20000104/pin", "pinop", "{}");
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(unknown.body()).contains("No backup set daily/20000104.");

            HttpResponse<String> malformed = call("PUT", "/api/backups/monthly/2025-10-31/pin", "pinop", "{}");
            assertThat(malformed.statusCode()).isEqualTo(400);
            assertThat(malformed.body()).contains("Unknown backup kind 'monthly': use daily, weekly or safety.");
        } finally {
            Files.deleteIfExists(DIR.resolve("backup/daily/db_20000103.dump"));
        }
    }
}
