package com.llmbackup.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.LeaseManager;
import com.llmbackup.catalog.Trees;
import com.llmbackup.process.AbstractBackupProcessTests;
import com.llmbackup.test.FileTrees;
import com.llmbackup.test.LocalHttp;
import com.llmbackup.test.TestSets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /api/backups/sets/{kind}/{id}/files} and {@code GET /api/backups/files} on sets
 * snapshotted from a real folder: paging, search, a prefix, 404, and each version's
 * {@code equalsLive} by size and mtime, or by SHA-256 when they cannot tell.
 */
class SetFilesApiTests extends AbstractBackupProcessTests {

    private final List<BackupSet> published = new ArrayList<>();
    private Path live;
    private String folder;
    private LeaseManager.Lease lease;

    @BeforeEach
    void liveFolder() throws Exception {
        ensureUser("filesop", "pw-filesop", "operators");
        folder = "filesapi-" + System.nanoTime();
        live = DIR.resolve("uploads");
        Map<String, String> files = new HashMap<>();
        for (int i = 0; i < 25; i++) {
            files.put(folder + "/docs/f" + String.format("%02d", i) + ".txt", "file " + i);
        }
        files.put(folder + "/Report 2025.pdf", "v1");
        FileTrees.write(live, files);
        lease = leases.tryAcquireForWork("files-api-test", "test").lease();
    }

    @AfterEach
    void removeSets() throws Exception {
        published.forEach(s -> catalog.delete(s, lease));
        leases.release("files-api-test");
        Trees.delete(live.resolve(folder));
    }

    private BackupSet snapshot() throws Exception {
        BackupSet set = TestSets.publishSnapshot(catalog, lease, BackupKind.DAILY, "PGDMP", live, null);
        published.add(set);
        return set;
    }

    private HttpResponse<String> get(String path) throws Exception {
        return LocalHttp.call(port, "GET", path, "filesop:pw-filesop", null);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Test
    void filesWhenPagedWithPrefixReturnsThatPageAndTheTotal() throws Exception {
        BackupSet set = snapshot();

        HttpResponse<String> r = get("/api/backups/sets/daily/" + set.id() + "/files?prefix=" + enc(folder + "/docs/") + "&page=1&size=10");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = json.readTree(r.body());
        assertThat(body.get("total").asLong()).isEqualTo(25);
        assertThat(body.get("items")).hasSize(10);
        JsonNode first = body.get("items").get(0);
        assertThat(first.get("path").asText()).isEqualTo(folder + "/docs/f10.txt");
        assertThat(first.get("size").asLong()).isEqualTo(7);
        assertThat(first.get("sha256").asText()).isEqualTo(FileTrees.sha256(live.resolve(folder + "/docs/f10.txt")));
        assertThat(Instant.parse(first.get("modified").asText()))
                .isEqualTo(Files.getLastModifiedTime(live.resolve(folder + "/docs/f10.txt")).toInstant());
        JsonNode last = json.readTree(get("/api/backups/sets/daily/" + set.id() + "/files?prefix=" + enc(folder + "/docs/")
                + "&page=2&size=10").body());
        assertThat(last.get("items")).hasSize(5);
    }

    @Test
    void filesWhenSearchedMatchesPathsIgnoringCase() throws Exception {
        BackupSet set = snapshot();

        JsonNode body = json.readTree(get("/api/backups/sets/daily/" + set.id() + "/files?q=" + enc("report 2025")).body());

        assertThat(body.get("total").asLong()).isEqualTo(1);
        assertThat(body.get("items").get(0).get("path").asText()).isEqualTo(folder + "/Report 2025.pdf");
    }

    @Test
    void filesWhenSetIsUnknownAnswers404WithAPlainMessage() throws Exception {
        HttpResponse<String> unknown = get("/api/backups/sets/daily/19000101/files");
        HttpResponse<String> badKind = get("/api/backups/sets/hourly/19000101/files");

        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json.readTree(unknown.body()).get("error").asText()).startsWith("No backup set daily/19000101 in ")
                .endsWith(": GET /api/backups/sets lists the sets.");
        assertThat(json.readTree(get("/api/backups/sets/daily/19000101/files?lang=ko").body()).get("error").asText())
                .contains("에 백업 세트 daily/19000101이(가) 없습니다");
        assertThat(badKind.statusCode()).isEqualTo(404);
    }

    @Test
    void versionsWhenTheFileChangedSaysWhichEqualsTheLiveFile() throws Exception {
        String path = folder + "/Report 2025.pdf";
        Path file = live.resolve(path);
        BackupSet first = snapshot();
        Files.writeString(file, "version 2");
        Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2025-11-01T10:00:00Z")));
        BackupSet second = snapshot();

        JsonNode body = json.readTree(get("/api/backups/files?path=" + enc(path)).body());

        JsonNode versions = body.get("versions");
        assertThat(versions).hasSize(2);
        assertThat(versions.get(0).get("id").asText()).isEqualTo(second.id().toString());
        assertThat(versions.get(0).get("equalsLive").asBoolean()).isTrue();
        assertThat(versions.get(0).get("size").asLong()).isEqualTo(9);
        assertThat(versions.get(1).get("id").asText()).isEqualTo(first.id().toString());
        assertThat(versions.get(1).get("equalsLive").asBoolean()).isFalse();
        assertThat(body.get("live").get("exists").asBoolean()).isTrue();

        // same content, another mtime: the SHA-256 decides; same size, other content: not equal
        Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2025-11-02T10:00:00Z")));
        assertThat(json.readTree(get("/api/backups/files?path=" + enc(path)).body()).get("versions").get(0).get("equalsLive").asBoolean())
                .isTrue();
        Files.writeString(file, "version 3");
        assertThat(json.readTree(get("/api/backups/files?path=" + enc(path)).body()).get("versions").get(0).get("equalsLive").asBoolean())
                .isFalse();
    }

    @Test
    void versionsWhenPathLeadsOutAnswers400() throws Exception {
        HttpResponse<String> r = get("/api/backups/files?path=" + enc("../etc/passwd"));

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json.readTree(r.body()).get("error").asText()).isEqualTo("path: '../etc/passwd' leads out of the uploads folder (..): "
                + "name a path inside it.");
        HttpResponse<String> ko = get("/api/backups/files?lang=ko&path=" + enc("../etc/passwd"));
        assertThat(json.readTree(ko.body()).get("error").asText()).isEqualTo("path: '../etc/passwd'은(는) 업로드 폴더 밖으로 "
                + "나갑니다(..): 폴더 안의 경로를 쓰십시오.");
    }
}
