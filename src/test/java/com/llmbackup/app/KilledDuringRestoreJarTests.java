package com.llmbackup.app;

import static com.llmbackup.test.RunningJar.basic;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.llmbackup.test.DatabaseFingerprint;
import com.llmbackup.test.FileTrees;
import com.llmbackup.test.RunningJar;
import com.llmbackup.test.TestDocker;
import com.llmbackup.test.TestHttpServer;
import com.llmbackup.test.TestPostgres;
import com.llmbackup.test.TestWebAppStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The orchestrator killed with SIGKILL while pg_restore writes the database beside the live one
 * (Task_RestoreBeside), on a real container stack, then started again: the live database is as
 * it was before the restore (its fingerprint), within a few minutes the restore waits at "Restore
 * interrupted" (not 12 hours later, and nothing is restored again on its own), the history and an
 * alert say so; "again" then finishes the restore with the backup's data and a healthy
 * application, "rollback" leaves the data as they were before the restore.
 */
class KilledDuringRestoreJarTests {

    private static final String ADMIN = "admin";
    private static final String PASSWORD = "Kill-restore-pw1";
    private static final String DATABASE = "llm_webapp";
    private static final int FILES = 8;
    private static final int MEGABYTES = 48;

    private static Path work;
    private static Path uploads;
    private static TestWebAppStack stack;
    private static TestHttpServer alerts;
    private final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void stack() throws Exception {
        work = Files.createTempDirectory("llm-backup-kill-restore-");
        uploads = work.resolve("uploads");
        Files.createDirectories(uploads);
        Files.writeString(uploads.resolve(".app-version"), "2");
        writeBigFiles((byte) 1);
        stack = TestWebAppStack.start(uploads);
        stack.execute("postgres", "create database " + DATABASE, "create role llm_user login password 'app'");
        stack.execute(DATABASE, "create table documents (id serial primary key, name text, body bytea)",
                "insert into documents (name, body) select 'doc ' || g, decode(repeat(md5(g::text), 32), 'hex') from generate_series(1, 200000) g",
                "grant all privileges on all tables in schema public to llm_user",
                "grant all privileges on all sequences in schema public to llm_user");
        alerts = new TestHttpServer();
    }

    @AfterAll
    static void stopStack() {
        stack.close();
    }

    @Test
    void restoreWhenOrchestratorKilledWhilePgRestoreWritesWaitsForOperatorAndAgainRestoresTheBackup() throws Exception {
        Killed k = killedInsideRestoreData();
        try (RunningJar second = RunningJar.start(work, env())) {
            JsonNode task = awaitInterrupted(second, k);
            complete(second, task, "again");
            assertThat(awaitEnd(second, k.restore())).isEqualTo("COMPLETED");
            JsonNode row = restoreRow(second, k.restore());
            assertThat(row.get("status").asText()).isEqualTo("COMPLETED");
            assertThat(row.get("details").toString()).contains("Resolution by admin: again (from the start of Task_RestoreBeside)",
                    "Dropped llm_webapp__restoring_");
        }
        assertThat(state()).as("the backup's data").isEqualTo(k.atBackup());
        assertThat(stack.healthStatus()).isEqualTo(200);
        for (String service : List.of("backend", "frontend")) {
            assertThat(stack.state(service).getRunning()).as(service).isTrue();
        }
    }

    @Test
    void restoreWhenOrchestratorKilledWhilePgRestoreWritesAndOperatorRollsBackLeavesTheDataAsBefore() throws Exception {
        Killed k = killedInsideRestoreData();
        try (RunningJar second = RunningJar.start(work, env())) {
            JsonNode task = awaitInterrupted(second, k);
            complete(second, task, "rollback");
            assertThat(awaitEnd(second, k.restore())).isEqualTo("COMPLETED");
            assertThat(restoreRow(second, k.restore()).get("message").asText()).startsWith("The restore failed (Task_RestoreBeside: "
                    + "The orchestrator stopped while Task_RestoreBeside was running").contains("rolled back: production was not touched");
        }
        assertThat(state()).as("the data as they were before the restore").isEqualTo(k.beforeRestore());
        assertThat(copies()).as("no copy is left behind").isEmpty();
        assertThat(stack.healthStatus()).isEqualTo(200);
    }

    /** The state after the kill, and the states to compare with. */
    private record Killed(String restore, State atBackup, State beforeRestore, State atKill, long killedAtNanos) {
    }

    /** A daily, data changed since, a restore approved, the orchestrator killed while pg_restore writes the copy beside the live database. */
    private Killed killedInsideRestoreData() throws Exception {
        // whatever a test before left: the application runs, no half-written file of a killed restore
        for (String service : List.of("backend", "frontend")) {
            if (!Boolean.TRUE.equals(stack.state(service).getRunning())) {
                TestDocker.client().startContainerCmd(stack.containerId(service)).exec();
            }
        }
        try (Stream<Path> all = Files.walk(uploads)) {
            for (Path p : all.filter(p -> p.getFileName().toString().startsWith(".llm-backup-restore-")).toList()) {
                Files.delete(p);
            }
        }
        try (RunningJar first = RunningJar.start(work, env())) {
            String daily = start(first, "DailyBackupProcess", "{}");
            assertThat(awaitEnd(first, daily)).as(first.output()).isEqualTo("COMPLETED");
            String backupId = historicVariable(first, daily, "backupId");
            State atBackup = state();
            writeBigFiles((byte) 2);
            stack.execute(DATABASE, "delete from documents where id % 3 = 0");
            State beforeRestore = state();

            String restore = start(first, "RestoreProcess", "{\"variables\":{\"backupId\":{\"value\":\"" + backupId
                    + "\"},\"reason\":{\"value\":\"killed during the restore\"}}}");
            complete(first, awaitTask(first, restore, "Task_ApproveRestore"), null);
            awaitPgRestoreWritingTheCopy(first, restore);
            first.kill();
            Files.writeString(work.resolve("killed-orchestrator.log"), first.output());
            long killedAt = System.nanoTime();
            State atKill = state();
            assertThat(atKill).as("the live database and the uploads are as before the restore").isEqualTo(beforeRestore);
            return new Killed(restore, atBackup, beforeRestore, atKill, killedAt);
        }
    }

    /** After the restart: "Restore interrupted" within 5 minutes, nothing restored again, the history and the alert. */
    private JsonNode awaitInterrupted(RunningJar second, Killed k) throws Exception {
        JsonNode task = awaitTask(second, k.restore(), "Task_ResolveInterruptedRestore");
        Duration waited = Duration.ofNanos(System.nanoTime() - k.killedAtNanos());
        assertThat(waited).as("at Restore interrupted within 5 minutes of the kill").isLessThan(Duration.ofMinutes(5));
        assertThat(second.output()).contains("of RestoreProcess (process instance " + k.restore() + ") runs again now: orchestrator ")
                .contains("on this machine) has ended");
        assertThat(variable(second, k.restore(), "failureMessage")).startsWith("The orchestrator stopped while Task_RestoreBeside was running")
                .contains("the step was not run again on its own").contains("Production was not touched");
        assertThat(variable(second, k.restore(), "applicationState")).contains("backend: ", "running",
                "database: llm_webapp is the database from before the restore, untouched", "pg_restore sessions: ");
        assertThat(state()).as("nothing was restored again without an operator").isEqualTo(k.atKill());
        JsonNode row = restoreRow(second, k.restore());
        assertThat(row.get("status").asText()).isEqualTo("WAITING_FOR_OPERATOR");
        assertThat(row.get("failedStep").asText()).isEqualTo("Task_RestoreBeside");
        assertThat(row.get("details").toString()).contains("Started Task_RestoreBeside", "Interrupted at Task_RestoreBeside");
        JsonNode alert = awaitAlert(k.restore());
        assertThat(alert.get("event").asText()).isEqualTo("restore_waiting_for_operator");
        assertThat(alert.get("task").asText()).contains("Task_ResolveInterruptedRestore");
        assertThat(Files.readString(work.resolve("llm-backup.log"))).contains("FAILED at Task_RestoreBeside, waiting for an operator "
                + "(Task_ResolveInterruptedRestore)");
        return task;
    }

    private Map<String, String> env() {
        TestPostgres pg = TestPostgres.get();
        Map<String, String> env = new HashMap<>(Map.of(
                "CAMUNDA_BPM_ADMINUSER_ID", ADMIN, "CAMUNDA_BPM_ADMINUSER_PASSWORD", PASSWORD,
                "BACKUP_ROOT", work.resolve("backup").toString(), "BACKUP_UPLOADS_DIR", uploads.toString(),
                "BACKUP_LOG_FILE", work.resolve("llm-backup.log").toString(),
                "BACKUP_DATABASE_HOST", "127.0.0.1", "BACKUP_DATABASE_PORT", String.valueOf(stack.dbPort()),
                "BACKUP_DATABASE_NAME", DATABASE, "BACKUP_DATABASE_USER", "postgres",
                "BACKUP_DATABASE_PASSWORD", TestWebAppStack.DB_PASSWORD));
        env.putAll(Map.of("BACKUP_POSTGRES_BIN_DIR", pg.binDir().toString(), "BACKUP_PREFLIGHT_ON_STARTUP", "false",
                "BACKUP_COMPOSE_PROJECT", stack.project(), "BACKUP_COMPOSE_SERVICES", "backend,frontend",
                "BACKUP_HEALTH_URL", stack.healthUrl(), "BACKUP_RESTORE_HEALTH_DEADLINE", "30s",
                "BACKUP_ALERTS_WEBHOOK_URL", alerts.alertsUrl(), "CAMUNDA_BPM_JOBEXECUTION_MAXWAIT", "1000"));
        return env;
    }

    private static void writeBigFiles(byte version) throws Exception {
        byte[] chunk = new byte[1 << 20];
        for (int f = 0; f < FILES; f++) {
            Path file = uploads.resolve("user" + f + "/scan.pdf");
            Files.createDirectories(file.getParent());
            try (OutputStream out = Files.newOutputStream(file)) {
                for (int mb = 0; mb < MEGABYTES; mb++) {
                    Arrays.fill(chunk, (byte) (version * 31 + f + mb));
                    out.write(chunk);
                }
            }
        }
    }

    /** Until pg_restore writes the copy beside the live database (its session on llm_webapp__restoring_N is active). */
    private void awaitPgRestoreWritingTheCopy(RunningJar app, String restore) throws Exception {
        for (int i = 0; i < 6000; i++) {
            try (var c = stack.connect("postgres"); var rs = c.createStatement().executeQuery("select count(*) from pg_stat_activity"
                    + " where datname like 'llm\\_webapp\\_\\_restoring\\_%' and application_name like 'pg_restore%' and state = 'active'")) {
                rs.next();
                if (rs.getInt(1) > 0) {
                    return;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("pg_restore never wrote the copy: " + restoreRow(app, restore));
    }

    /** The copies restores left beside the live database. */
    private List<String> copies() throws Exception {
        List<String> names = new ArrayList<>();
        try (var c = stack.connect("postgres"); var rs = c.createStatement().executeQuery(
                "select datname from pg_database where datname like 'llm\\_webapp\\_\\_restoring\\_%'")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    /** The database (its fingerprint) and the uploads folder. */
    private record State(Map<String, String> database, Map<String, String> uploads) {
    }

    private State state() throws Exception {
        try (var c = stack.connect(DATABASE)) {
            return new State(DatabaseFingerprint.of(c), uploadsState());
        }
    }

    private static Map<String, String> uploadsState() throws Exception {
        Map<String, String> tree = new TreeMap<>(FileTrees.describe(uploads));
        tree.remove(".");
        return tree;
    }

    private String start(RunningJar app, String key, String body) throws Exception {
        var r = app.post("/engine-rest/process-definition/key/" + key + "/start", basic(ADMIN, PASSWORD), "application/json", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json.readTree(r.body()).get("id").asText();
    }

    private JsonNode awaitTask(RunningJar app, String pi, String key) throws Exception {
        for (int i = 0; i < 1200; i++) {
            JsonNode tasks = json.readTree(app.get("/engine-rest/task?processInstanceId=" + pi + "&taskDefinitionKey=" + key,
                    basic(ADMIN, PASSWORD)).body());
            if (tasks.size() > 0) {
                return tasks.get(0);
            }
            Thread.sleep(250);
        }
        throw new AssertionError(key + " not reached within 5 minutes:\n" + app.output());
    }

    /** Completes a task as the admin: the approval when {@code resolution} is null, else the interrupted task. */
    private void complete(RunningJar app, JsonNode task, String resolution) throws Exception {
        String id = task.get("id").asText();
        String variables = resolution == null ? "{\"approved\":{\"value\":true}}" : "{\"resolution\":{\"value\":\"" + resolution + "\"}}";
        var r = app.post("/engine-rest/task/" + id + "/complete", basic(ADMIN, PASSWORD), "application/json",
                "{\"variables\":" + variables + "}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
    }

    private String awaitEnd(RunningJar app, String pi) throws Exception {
        for (int i = 0; i < 480; i++) {
            String state = json.readTree(app.get("/engine-rest/history/process-instance/" + pi, basic(ADMIN, PASSWORD)).body())
                    .path("state").asText();
            if (!state.equals("ACTIVE") && !state.isEmpty()) {
                return state;
            }
            Thread.sleep(500);
        }
        return "still running after 4 minutes: " + restoreRow(app, pi);
    }

    private String historicVariable(RunningJar app, String pi, String name) throws Exception {
        JsonNode vars = json.readTree(app.get("/engine-rest/history/variable-instance?processInstanceId=" + pi + "&variableName="
                + URLEncoder.encode(name, StandardCharsets.UTF_8), basic(ADMIN, PASSWORD)).body());
        return vars.get(0).get("value").asText();
    }

    private String variable(RunningJar app, String pi, String name) throws Exception {
        return json.readTree(app.get("/engine-rest/process-instance/" + pi + "/variables/" + name, basic(ADMIN, PASSWORD)).body())
                .path("value").asText();
    }

    private JsonNode restoreRow(RunningJar app, String pi) throws Exception {
        for (JsonNode run : json.readTree(app.get("/api/backups?kind=restore", basic(ADMIN, PASSWORD)).body()).get("items")) {
            if (pi.equals(run.path("processInstanceId").asText())) {
                return run;
            }
        }
        throw new AssertionError("no restore row of " + pi);
    }

    private JsonNode awaitAlert(String pi) throws Exception {
        for (int i = 0; i < 100; i++) {
            for (String body : alerts.alerts()) {
                JsonNode alert = json.readTree(body);
                if (pi.equals(alert.path("processInstanceId").asText()) && "restore".equals(alert.path("kind").asText())) {
                    return alert;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no restore alert for " + pi + "; received: " + alerts.alerts());
    }
}
