package com.llmbackup.app;

import static com.llmbackup.test.EngineRest.basic;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.llmbackup.test.EngineRest;
import com.llmbackup.test.TestDocker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The real deployment: {@code scripts/stack.sh up} builds the orchestrator's image with no
 * registry and brings up docker-compose.yml ({@code db}, {@code backend}, {@code frontend},
 * {@code llm-backup}) as a project of its own on free ports; through the stack's orchestrator
 * the preflight passes, a daily backup completes into the backup volume, an approved restore
 * stops and starts backend and frontend (never db) and ends healthy, the engine's tables are
 * on the stack's PostgreSQL, and after {@code down} and {@code up} history and sets are there.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StackJarTests {

    /** Each run its own project, volumes and image tag, so that test runs side by side do not meet. */
    private static final String PROJECT = "llm-backup-stack-test-" + Long.toHexString(System.nanoTime());
    private static final String IMAGE = "llm-backup-test/orchestrator:" + PROJECT;
    private static final String OPERATOR = "carol";
    private static final String OPERATOR_PASSWORD = "Carol-test-pw1";

    private Path work;
    private Path envFile;
    private final Map<String, String> settings = new HashMap<>();
    private EngineRest rest;

    @BeforeAll
    void writeSettings() throws Exception {
        work = Files.createTempDirectory("llm-backup-stack-");
        envFile = work.resolve("stack.env");
        // .env.example with this test's project and ports; the secrets stay empty: stack.sh fills them in
        String env = Files.readString(Path.of(".env.example"))
                .replace("COMPOSE_PROJECT_NAME=llm-webapp", "COMPOSE_PROJECT_NAME=" + PROJECT)
                .replace("DB_PORT=5432", "DB_PORT=" + freePort())
                .replace("BACKEND_PORT=8000", "BACKEND_PORT=" + freePort())
                .replace("FRONTEND_PORT=3000", "FRONTEND_PORT=" + freePort())
                .replace("SERVER_PORT=8080", "SERVER_PORT=" + freePort())
                .replace("LLM_BACKUP_IMAGE=llm-backup/orchestrator:latest", "LLM_BACKUP_IMAGE=" + IMAGE);
        Files.writeString(envFile, env);
    }

    @AfterAll
    void removeStack() throws Exception {
        stack("down");
        List<String> volumes = new ArrayList<>();
        for (String v : List.of("db-data", "uploads", "backup", "logs")) {
            volumes.add(PROJECT + "_" + v);
        }
        List<String> argv = new ArrayList<>(List.of("/usr/bin/docker", "volume", "rm"));
        argv.addAll(volumes);
        run(argv.toArray(String[]::new));
        run("/usr/bin/docker", "rmi", IMAGE);
        Files.deleteIfExists(envFile);
        Files.deleteIfExists(work);
    }

    @Test
    void dailyAndApprovedRestoreCompleteAndOutliveDownAndUpWhenTheStackRuns() throws Exception {
        String up = stack("up");
        readSettings();
        assertThat(Files.getPosixFilePermissions(envFile)).extracting(Object::toString).containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");
        assertThat(settings.get("POSTGRES_PASSWORD")).hasSizeGreaterThan(12);
        assertThat(settings.get("DOCKER_GID")).isEqualTo(run("stat", "-c", "%g", "/var/run/docker.sock").strip());
        assertThat(up).contains("Cockpit:  http://127.0.0.1:" + port() + "/camunda/app/cockpit/",
                "Login:    user 'admin', password CAMUNDA_BPM_ADMINUSER_PASSWORD in " + envFile);
        rest = new EngineRest("http://127.0.0.1:" + port(), "docker logs " + PROJECT + "_llm-backup_1");
        rest.createOperator(admin(), OPERATOR, OPERATOR_PASSWORD);

        String startup = rest.startupPreflight(admin());
        rest.awaitFinished(admin(), startup);
        Map<String, String> preflight = rest.variables(admin(), startup);
        assertThat(preflight.get("preflightPassed")).as(preflight.toString()).isEqualTo("true");
        for (String check : List.of("backupRoot", "database", "pgDumpVersion", "uploads", "docker", "healthUrl", "walStreaming")) {
            assertThat(preflight.get(check + "Status")).as(check + ": " + preflight.get(check + "Verdict")).isEqualTo("PASS");
        }
        // the orchestrator runs as its own user, not root, in the Docker socket's group
        assertThat(exec("id", "-u").strip()).isEqualTo("10001");
        assertThat(exec("id", "-G")).contains(settings.get("DOCKER_GID"));

        String daily = rest.start(admin(), "DailyBackupProcess", "{}");
        assertThat(rest.awaitFinished(admin(), daily).path("state").asText()).as(logs()).isEqualTo("COMPLETED");
        String backupId = rest.variables(admin(), daily).get("backupId");
        assertThat(exec("cat", "/backup/daily/manifest_" + backupId + ".json")).contains("\"status\" : \"complete\"");

        String lostHash = exec("sha256sum", "/uploads/user1/report_1.pdf");
        exec("rm", "/uploads/user1/report_1.pdf");
        try (Connection c = database("postgres", "llm_webapp", settings.get("POSTGRES_PASSWORD")); var s = c.createStatement()) {
            s.execute("delete from chat_messages where id <= 100");
        }
        Map<String, Instant> before = EngineRest.serviceStartTimes(PROJECT);
        assertThat(before.keySet()).containsExactlyInAnyOrder("db", "backend", "frontend", "llm-backup");

        String restore = rest.start(operator(), "RestoreProcess", """
                {"variables": {"backupKind": {"value": "daily"}, "backupId": {"value": "%s"}, "reason": {"value": "stack test"}}}"""
                .formatted(backupId));
        rest.claimAndComplete(operator(), OPERATOR, rest.awaitTask(operator(), restore, "Task_ApproveRestore"),
                "{\"approved\": {\"value\": true}}");
        JsonNode ended = rest.awaitFinished(admin(), restore);
        JsonNode row = rest.getJson("/api/backups?kind=restore", operator()).path("items").get(0);
        assertThat(ended.path("state").asText()).as(row + "\n" + logs()).isEqualTo("COMPLETED");
        assertThat(row.path("status").asText()).isEqualTo("COMPLETED");
        assertThat(row.path("details").toString()).contains("(backend, frontend)");
        Map<String, Instant> after = EngineRest.serviceStartTimes(PROJECT);
        assertThat(after.get("backend")).isAfter(before.get("backend"));
        assertThat(after.get("frontend")).isAfter(before.get("frontend"));
        assertThat(after.get("db")).as("the database is never stopped").isEqualTo(before.get("db"));
        assertThat(exec("sha256sum", "/uploads/user1/report_1.pdf")).isEqualTo(lostHash);
        try (Connection c = database("postgres", "llm_webapp", settings.get("POSTGRES_PASSWORD"));
             var rs = c.createStatement().executeQuery("select count(*) from chat_messages")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(5000);
        }
        // the engine's runs and the backup history are in their own database on the stack's PostgreSQL
        try (Connection c = database("llm_backup", "llm_backup_engine", settings.get("ENGINE_DB_PASSWORD"));
             var rs = c.createStatement().executeQuery("select count(*) from backup_history where status = 'COMPLETED'")) {
            rs.next();
            assertThat(rs.getInt(1)).as("daily, safety and restore rows").isEqualTo(3);
        }

        stack("down");
        assertThat(EngineRest.serviceStartTimes(PROJECT)).isEmpty();
        stack("up");
        JsonNode history = rest.getJson("/api/backups?kind=daily", operator());
        assertThat(history.path("items").get(0).path("backupId").asText()).isEqualTo(backupId);
        assertThat(history.path("items").get(0).path("status").asText()).isEqualTo("COMPLETED");
        assertThat(rest.getJson("/api/backups?kind=restore", operator()).path("items").get(0).path("processInstanceId").asText())
                .isEqualTo(restore);
        assertThat(exec("cat", "/backup/daily/manifest_" + backupId + ".json")).contains("\"status\" : \"complete\"");
    }

    /** Runs scripts/stack.sh with this test's settings file and the packaged jar; its output. */
    private String stack(String command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("bash", "scripts/stack.sh", command).redirectErrorStream(true);
        builder.environment().put("LLM_BACKUP_STACK_ENV", envFile.toString());
        builder.environment().put("LLM_BACKUP_JAR", System.getProperty("app.jar"));
        builder.environment().remove("CAMUNDA_BPM_ADMINUSER_PASSWORD");
        builder.environment().remove("SERVER_PORT");
        Process p = builder.start();
        StringBuilder out = new StringBuilder();
        Thread reader = new Thread(() -> {
            try {
                out.append(new String(p.getInputStream().readAllBytes()));
            } catch (IOException ignored) {
                // the process ended
            }
        });
        reader.start();
        boolean ended = p.waitFor(8, TimeUnit.MINUTES);
        if (!ended) {
            p.destroyForcibly();
        }
        reader.join(10_000);
        assertThat(ended && p.exitValue() == 0).as("stack.sh " + command + ":\n" + out).isTrue();
        return out.toString();
    }

    private void readSettings() throws IOException {
        for (String line : Files.readAllLines(envFile)) {
            int eq = line.indexOf('=');
            if (!line.startsWith("#") && eq > 0) {
                settings.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
    }

    private String port() {
        return settings.get("SERVER_PORT");
    }

    private String orchestrator() {
        return TestDocker.client().listContainersCmd().withLabelFilter(Map.of("com.docker.compose.project", PROJECT,
                "com.docker.compose.service", "llm-backup", "com.docker.compose.oneoff", "False")).exec().get(0).getId();
    }

    /** A command in the orchestrator's container, as its user. */
    private String exec(String... command) throws Exception {
        List<String> argv = new ArrayList<>(List.of("/usr/bin/docker", "exec", orchestrator()));
        argv.addAll(List.of(command));
        return run(argv.toArray(String[]::new));
    }

    private String logs() {
        try {
            String all = run("/usr/bin/docker", "logs", "--tail", "80", orchestrator());
            return all;
        } catch (Exception e) {
            return "no log: " + e;
        }
    }

    private Connection database(String user, String name, String password) throws Exception {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + settings.get("DB_PORT") + "/" + name, user, password);
    }

    private String admin() {
        return basic("admin", settings.get("CAMUNDA_BPM_ADMINUSER_PASSWORD"));
    }

    private static String operator() {
        return basic(OPERATOR, OPERATOR_PASSWORD);
    }

    private static String run(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", argv) + ": " + out).isZero();
        return out;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
