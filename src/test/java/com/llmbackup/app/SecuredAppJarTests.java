package com.llmbackup.app;

import static com.llmbackup.test.RunningJar.basic;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.CookieManager;
import java.net.HttpCookie;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.llmbackup.test.RunningJar;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The packaged jar, started with an admin from the environment and the runbook's default
 * uploads folder missing: it starts, deploys every model, refuses anonymous and demo
 * users, accepts the admin and lets an operator start the preflight over REST.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecuredAppJarTests {

    private static final String ADMIN = "backupadmin";
    private static final String ADMIN_PASSWORD = "Adm1n-" + Long.toHexString(System.nanoTime());
    private static final ObjectMapper json = new ObjectMapper();

    private Path workDir;
    private RunningJar app;

    @BeforeAll
    void startJar() throws Exception {
        workDir = Files.createTempDirectory("llm-backup-jar-");
        Files.createDirectories(workDir.resolve("backup"));
        app = RunningJar.start(workDir,
                Map.of("CAMUNDA_BPM_ADMINUSER_ID", ADMIN, "CAMUNDA_BPM_ADMINUSER_PASSWORD", ADMIN_PASSWORD,
                        "BACKUP_ROOT", workDir.resolve("backup").toString(),
                        "BACKUP_UPLOADS_DIR", workDir.resolve("missing-uploads").toString(),
                        "BACKUP_LOG_FILE", workDir.resolve("llm-backup.log").toString()));
    }

    @AfterAll
    void stopJar() throws Exception {
        app.close();
    }

    @Test
    void jarDeploysEveryModelUnderBpmnAndDmn() throws Exception {
        JsonNode processes = json.readTree(app.get("/engine-rest/process-definition?latestVersion=true", admin()).body());
        JsonNode decisions = json.readTree(app.get("/engine-rest/decision-definition?latestVersion=true", admin()).body());
        List<String> processKeys = new ArrayList<>();
        processes.forEach(p -> processKeys.add(p.get("key").asText()));
        List<String> decisionKeys = new ArrayList<>();
        decisions.forEach(d -> decisionKeys.add(d.get("key").asText()));

        List<String> bpmnFiles = modelKeys(Path.of("bpmn"), ".bpmn");
        assertThat(bpmnFiles).contains("PreflightProcess");
        assertThat(processKeys).containsAll(bpmnFiles);
        assertThat(decisionKeys).containsAll(modelKeys(Path.of("dmn"), ".dmn"));

        // the Camunda Forms the restore's user tasks reference are deployed beside the restore model
        String restoreDeployment = null;
        for (JsonNode p : processes) {
            if (p.get("key").asText().equals("RestoreProcess")) {
                restoreDeployment = p.get("deploymentId").asText();
            }
        }
        JsonNode resources = json.readTree(app.get("/engine-rest/deployment/" + restoreDeployment + "/resources", admin()).body());
        List<String> names = new ArrayList<>();
        resources.forEach(r -> names.add(r.get("name").asText()));
        assertThat(names).anyMatch(n -> n.endsWith("restore-approval.form")).anyMatch(n -> n.endsWith("restore-failure.form"));
        // and its start form (generated fields) is what Tasklist shows under "Start process"
        assertThat(app.get("/engine-rest/process-definition/key/RestoreProcess/form-variables", admin()).body())
                .contains("\"backupKind\"", "\"backupId\"", "\"restoreDatabase\"", "\"restoreUploads\"", "\"reason\"",
                        "\"targetDatabase\"", "\"targetUploadsDir\"");
    }

    @Test
    void jarServesTheAdminPageAndItsDiagramViewerFromItself() throws Exception {
        // bpmn-js, fetched by the build's npm ci and packed into the jar: nothing is fetched at run time
        var viewer = app.get("/admin/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js", null);
        assertThat(viewer.statusCode()).isEqualTo(200);
        assertThat(viewer.body()).contains("BpmnJS");
        assertThat(app.get("/admin/vendor/bpmn-js/assets/bpmn-js.css", null).statusCode()).isEqualTo(200);
        assertThat(app.get("/admin/index.html", null).body()).contains("vendor/bpmn-js/bpmn-navigated-viewer.production.min.js")
                .doesNotContain("https://");
    }

    @Test
    void engineRestRefusesAnonymousAndDemoUsers() throws Exception {
        assertThat(app.get("/engine-rest/process-definition", null).statusCode()).isEqualTo(401);
        assertThat(app.get("/engine-rest/process-definition", basic("demo", "demo")).statusCode()).isEqualTo(401);
        assertThat(app.get("/engine-rest/process-definition", admin()).statusCode()).isEqualTo(200);
    }

    @Test
    void webappApiRefusesAnonymousAndDemoButAcceptsAdmin() throws Exception {
        // without a login session the webapps' APIs refuse (401 or 403, depending on the API and session state)
        assertThat(app.get("/camunda/api/engine/engine/default/process-definition", null).statusCode()).isIn(401, 403);
        assertThat(app.get("/camunda/api/cockpit/plugin/base/default/process-definition/statistics", null).statusCode()).isIn(401, 403);
        assertThat(app.get("/camunda/api/engine/engine/default/process-definition", basic("demo", "demo")).statusCode()).isIn(401, 403);

        assertThat(webappLogin("demo", "demo").statusCode()).isEqualTo(401);
        HttpResponse<String> admin = webappLogin(ADMIN, ADMIN_PASSWORD);
        assertThat(admin.statusCode()).isEqualTo(200);
        assertThat(json.readTree(admin.body()).get("userId").asText()).isEqualTo(ADMIN);
        assertThat(json.readTree(admin.body()).get("authorizedApps").toString()).contains("cockpit", "tasklist", "admin");
    }

    @Test
    void operatorStartsPreflightFromRest() throws Exception {
        String operator = "op" + Long.toHexString(System.nanoTime());
        assertThat(app.post("/engine-rest/user/create", admin(), "application/json", """
                {"profile": {"id": "%s", "firstName": "Olga", "lastName": "Operator"},
                 "credentials": {"password": "0perator-pw"}}""".formatted(operator)).statusCode()).isEqualTo(204);
        assertThat(app.put("/engine-rest/group/operators/members/" + operator, admin()).statusCode()).isEqualTo(204);
        String auth = basic(operator, "0perator-pw");

        HttpResponse<String> started = app.post("/engine-rest/process-definition/key/PreflightProcess/start", auth,
                "application/json", "{\"businessKey\": \"by-operator\"}");

        assertThat(started.statusCode()).as(started.body()).isEqualTo(200);
        assertThat(json.readTree(started.body()).get("definitionId").asText()).startsWith("PreflightProcess:");
        assertThat(app.get("/engine-rest/task", auth).statusCode()).isEqualTo(200);
        assertThat(app.get("/engine-rest/filter", auth).body()).contains("All tasks");
        // operators run processes; they do not administer users
        assertThat(app.post("/engine-rest/user/create", auth, "application/json",
                "{\"profile\": {\"id\": \"intruder\"}, \"credentials\": {\"password\": \"x\"}}").statusCode()).isEqualTo(403);
    }

    @Test
    void startupPreflightReportsMissingUploadsWithoutStoppingStartup() throws Exception {
        String uploadsStatus = null;
        for (int i = 0; i < 120 && uploadsStatus == null; i++) {
            JsonNode vars = json.readTree(app.get("/engine-rest/history/variable-instance?variableName=uploadsStatus"
                    + "&processDefinitionKey=PreflightProcess", admin()).body());
            for (JsonNode v : vars) {
                JsonNode instance = json.readTree(app.get("/engine-rest/history/process-instance/"
                        + v.get("processInstanceId").asText(), admin()).body());
                if ("startup".equals(instance.path("businessKey").asText())) {
                    uploadsStatus = v.get("value").asText();
                }
            }
            if (uploadsStatus == null) {
                Thread.sleep(500);
            }
        }

        assertThat(uploadsStatus).isEqualTo("FAIL");
        assertThat(app.output()).contains("Preflight started at start-up")
                .contains("uploads: FAIL - The uploads folder " + workDir.resolve("missing-uploads") + " does not exist.");
        assertThat(Files.readString(workDir.resolve("llm-backup.log"))).contains("] Preflight failed: ").contains("uploads");
    }

    /** Logs in as the Cockpit page does: a session with its CSRF token first, then the login form. */
    private HttpResponse<String> webappLogin(String user, String password) throws Exception {
        CookieManager cookies = new CookieManager();
        HttpClient browser = HttpClient.newBuilder().cookieHandler(cookies).build();
        browser.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/camunda/app/cockpit/default/")).GET().build(),
                HttpResponse.BodyHandlers.discarding());
        String token = cookies.getCookieStore().getCookies().stream()
                .filter(c -> c.getName().equals("XSRF-TOKEN")).map(HttpCookie::getValue).findFirst()
                .orElseThrow(() -> new AssertionError("the webapp set no XSRF-TOKEN cookie"));
        String form = "username=" + URLEncoder.encode(user, StandardCharsets.UTF_8)
                + "&password=" + URLEncoder.encode(password, StandardCharsets.UTF_8);
        return browser.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/camunda/api/admin/auth/user/default/login/cockpit"))
                .header("Content-Type", "application/x-www-form-urlencoded").header("X-XSRF-TOKEN", token)
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String admin() {
        return basic(ADMIN, ADMIN_PASSWORD);
    }

    private static List<String> modelKeys(Path dir, String suffix) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(suffix))
                    .map(n -> n.substring(0, n.length() - suffix.length())).toList();
        }
    }
}
