package com.llmbackup.app;

import static com.llmbackup.test.RunningJar.basic;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.llmbackup.test.EngineRest;
import com.llmbackup.test.RunningJar;
import com.llmbackup.test.TestDocker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The sandbox exactly as {@code scripts/run.sh} makes it (sandbox PostgreSQL, sample uploads,
 * the web app's backend and frontend as containers of a compose project made by Compose, the
 * packaged jar), on free ports and in a folder of its own so that it does not meet a
 * developer's sandbox: the start-up preflight passes, a daily backup and then a restore asked
 * and approved by an operator complete; the backend stand-in fails its health for real reasons.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SandboxJarTests {

    private static final String ADMIN = "admin";
    private static final String PASSWORD = "Sandbox-test-pw1";
    private static final String OPERATOR = "alice";
    private static final String OPERATOR_PASSWORD = "Alice-test-pw1";
    /** Each run its own compose project: a restore here never stops another test run's containers. */
    private static final String PROJECT = "llm-backup-sandbox-test-" + Long.toHexString(System.nanoTime());

    private final Map<String, String> env = new HashMap<>();
    private Path work;
    private Path data;
    private int pgPort;
    private int backendPort;
    private RunningJar app;
    private EngineRest rest;

    @BeforeAll
    void startRunScript() throws Exception {
        work = Files.createTempDirectory("llm-backup-sandbox-");
        // the sandbox's PostgreSQL runs as user postgres: it must reach its cluster folder below
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        data = work.resolve("data");
        pgPort = freePort();
        backendPort = freePort();
        env.putAll(Map.of("LLM_BACKUP_DATA_DIR", data.toString(), "SANDBOX_PG_DIR", work.resolve("pg").toString(),
                "SANDBOX_PG_PORT", String.valueOf(pgPort), "SANDBOX_PROJECT", PROJECT,
                "SANDBOX_BACKEND_PORT", String.valueOf(backendPort), "SANDBOX_FRONTEND_PORT", String.valueOf(freePort())));
        Map<String, String> appEnv = new HashMap<>(env);
        appEnv.putAll(Map.of("CAMUNDA_BPM_ADMINUSER_ID", ADMIN, "CAMUNDA_BPM_ADMINUSER_PASSWORD", PASSWORD));
        app = RunningJar.startRunScript(appEnv);
        rest = new EngineRest(app.baseUrl(), "see the orchestrator's output");
        rest.createOperator(admin(), OPERATOR, OPERATOR_PASSWORD);
    }

    @AfterAll
    void stopSandbox() throws Exception {
        if (app != null) {
            app.close();
        }
        ProcessBuilder down = new ProcessBuilder("bash", "scripts/sandbox.sh", "down").redirectErrorStream(true);
        down.environment().putAll(env);
        Process p = down.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
        try (Stream<Path> all = Files.walk(work)) {
            all.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    @Test
    void dailyThenApprovedRestoreCompleteWhenStartedOnTheSandbox() throws Exception {
        String startup = rest.startupPreflight(admin());
        rest.awaitFinished(admin(), startup);
        Map<String, String> preflight = rest.variables(admin(), startup);
        assertThat(preflight.get("preflightPassed")).as(preflight.toString()).isEqualTo("true");
        for (String check : List.of("backupRoot", "database", "pgDumpVersion", "uploads", "docker", "healthUrl", "walStreaming")) {
            assertThat(preflight.get(check + "Status")).as(check + ": " + preflight.get(check + "Verdict")).isEqualTo("PASS");
        }
        // the one check a sandbox may warn about: the backups share the system disk
        assertThat(preflight.get("freeSpaceStatus")).isIn("PASS", "WARN");
        assertThat(preflight.get("dockerVerdict")).contains("backend", "frontend");

        String daily = rest.start(admin(), "DailyBackupProcess", "{}");
        assertThat(rest.awaitFinished(admin(), daily).path("state").asText()).as(app.output()).isEqualTo("COMPLETED");
        String backupId = rest.variables(admin(), daily).get("backupId");
        assertThat(data.resolve("backup/daily/manifest_" + backupId + ".json")).content().contains("\"status\" : \"complete\"");

        // what the restore must undo: a lost upload, a new one, lost rows
        Path uploads = data.resolve("sandbox/uploads");
        Path lost = uploads.resolve("user1/report_1.pdf");
        String lostHash = sha256(lost);
        Files.delete(lost);
        Files.writeString(uploads.resolve("user2/written-after.txt"), "after the backup");
        try (Connection c = sandboxDatabase(); var s = c.createStatement()) {
            s.execute("delete from chat_messages where id <= 100");
        }
        Map<String, Instant> startedBefore = EngineRest.serviceStartTimes(PROJECT);
        assertThat(startedBefore.keySet()).containsExactlyInAnyOrder("backend", "frontend");

        String restore = rest.start(operator(), "RestoreProcess", """
                {"variables": {"backupKind": {"value": "daily"}, "backupId": {"value": "%s"},
                 "reason": {"value": "user1 deleted a report"}}}""".formatted(backupId));
        rest.claimAndComplete(operator(), OPERATOR, rest.awaitTask(operator(), restore, "Task_ApproveRestore"),
                "{\"approved\": {\"value\": true}, \"approvalComment\": {\"value\": \"checked\"}}");

        JsonNode ended = rest.awaitFinished(admin(), restore);
        JsonNode row = rest.getJson("/api/backups?kind=restore", operator()).path("items").get(0);
        assertThat(ended.path("state").asText()).as(row.toString()).isEqualTo("COMPLETED");
        assertThat(row.path("status").asText()).isEqualTo("COMPLETED");
        assertThat(row.path("message").asText()).startsWith("Restored daily/" + backupId + "; the application is healthy.");
        assertThat(row.path("requestedBy").asText()).isEqualTo(OPERATOR);
        assertThat(row.path("details").toString()).contains("Stop services", "(backend, frontend)", "Health check");
        assertThat(sha256(lost)).isEqualTo(lostHash);
        assertThat(uploads.resolve("user2/written-after.txt")).doesNotExist();
        try (Connection c = sandboxDatabase(); var rs = c.createStatement().executeQuery("select count(*) from chat_messages")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(5000);
        }
        // the stand-in's containers were stopped and started again by the restore, and are healthy
        Map<String, Instant> startedAfter = EngineRest.serviceStartTimes(PROJECT);
        assertThat(startedAfter.get("backend")).isAfter(startedBefore.get("backend"));
        assertThat(startedAfter.get("frontend")).isAfter(startedBefore.get("frontend"));
        assertThat(health().statusCode()).isEqualTo(200);
        assertThat(data.resolve("llm-backup.log")).content().contains("Restore completed: Restored daily/" + backupId);
    }

    @Test
    void healthFailsNamingTheDatabaseWhenTheSandboxDatabaseIsStopped() throws Exception {
        Path pgdata = work.resolve("pg/pg");
        run("runuser", "-u", "postgres", "--", pgBin() + "/pg_ctl", "-D", pgdata.toString(), "-w", "-m", "fast", "stop");
        try {
            HttpResponse<String> unhealthy = awaitHealth(404);
            assertThat(unhealthy.body()).contains("database 127.0.0.1:" + pgPort + " does not answer as a PostgreSQL server");
            String check = rest.start(admin(), "PreflightProcess", "{}");
            rest.awaitFinished(admin(), check);
            Map<String, String> preflight = rest.variables(admin(), check);
            assertThat(preflight.get("healthUrlStatus")).isEqualTo("FAIL");
            assertThat(preflight.get("healthUrlVerdict")).contains("HTTP 404", "does not answer as a PostgreSQL server");
            assertThat(backendLog()).contains("backend: ERROR database 127.0.0.1:" + pgPort + " does not answer");
        } finally {
            sandboxUp();
        }
        assertThat(awaitHealth(200).body()).contains("\"ok\"");
    }

    @Test
    void healthFailsNamingTheUploadsWhenTheBackendCannotReadThem() throws Exception {
        Path uploads = data.resolve("sandbox/uploads");
        var modes = Files.getPosixFilePermissions(uploads);
        Files.setPosixFilePermissions(uploads, PosixFilePermissions.fromString("rwx------"));
        try {
            assertThat(awaitHealth(404).body()).contains("uploads folder /uploads cannot be read by uid 65534");
        } finally {
            Files.setPosixFilePermissions(uploads, modes);
        }
        assertThat(awaitHealth(200).body()).contains("\"ok\"");
    }

    private String backendLog() throws Exception {
        String id = TestDocker.client().listContainersCmd().withLabelFilter(Map.of("com.docker.compose.project", PROJECT,
                "com.docker.compose.service", "backend")).exec().get(0).getId();
        return run("/usr/bin/docker", "logs", id);
    }

    private HttpResponse<String> health() throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + backendPort + "/api/v1/health"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The backend re-checks every second: waits up to 20 s for the expected status. */
    private HttpResponse<String> awaitHealth(int status) throws Exception {
        HttpResponse<String> last = null;
        for (int i = 0; i < 80; i++) {
            try {
                last = health();
                if (last.statusCode() == status) {
                    return last;
                }
            } catch (IOException restarting) {
                // the backend is being started again
            }
            Thread.sleep(250);
        }
        throw new AssertionError("health never answered " + status + "; last: " + (last == null ? "nothing" : last.statusCode() + " " + last.body()));
    }

    private void sandboxUp() throws Exception {
        ProcessBuilder up = new ProcessBuilder("bash", "scripts/sandbox.sh", "up").redirectErrorStream(true);
        up.environment().putAll(env);
        Process p = up.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
    }

    private Connection sandboxDatabase() throws Exception {
        String password = Files.readString(data.resolve("sandbox-db-password")).strip();
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgPort + "/llm_webapp", "postgres", password);
    }

    private static String pgBin() throws IOException {
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.map(v -> v.resolve("bin")).filter(Files::isDirectory).map(Path::toString).sorted().reduce((a, b) -> b)
                    .orElseThrow();
        }
    }

    private static String run(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", argv) + ": " + out).isZero();
        return out;
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String admin() {
        return basic(ADMIN, PASSWORD);
    }

    private static String operator() {
        return basic(OPERATOR, OPERATOR_PASSWORD);
    }
}
