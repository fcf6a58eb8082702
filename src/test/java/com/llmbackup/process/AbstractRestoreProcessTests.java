package com.llmbackup.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.llmbackup.catalog.BackupHistory;
import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.LeaseManager;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.retention.CleanupService;
import com.llmbackup.test.DatabaseFingerprint;
import com.llmbackup.test.FileTrees;
import com.llmbackup.test.LocalHttp;
import com.llmbackup.test.TestDocker;
import com.llmbackup.test.TestHttpServer;
import com.llmbackup.test.TestPostgres;
import com.llmbackup.test.TestWebAppStack;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.ProcessEngines;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.history.HistoricProcessInstance;
import org.camunda.bpm.engine.identity.User;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
/**
 * The setup shared by the restore's process tests: a real container stack (db, backend,
 * frontend of one compose project), the engine with its job executor running, the operators
 * alice (who asks) and bob (who approves; the second-operator rule is on), and the helpers that
 * drive the restore through {@code /engine-rest} as they do. The subclasses share one Spring
 * context and one stack (same properties); the stack stops with the JVM.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class AbstractRestoreProcessTests {

    protected static final Path DIR;
    protected static final Path UPLOADS;
    protected static final TestWebAppStack STACK;
    protected static final String DATABASE = "llm_webapp";
    /** One engine database for every subclass: the same value keeps one cached Spring context. */
    protected static final long DB_NAME = System.nanoTime();
    /** Receives the alerts of every failure in these tests (backup.alerts.webhook-url). */
    protected static final TestHttpServer ALERTS;

    static {
        try {
            ALERTS = new TestHttpServer();
            DIR = Files.createTempDirectory("restore-process-");
            UPLOADS = DIR.resolve("uploads");
            FileTrees.write(UPLOADS, Map.of(".app-version", "2", "user1/a.pdf", "report A", "user1/b.pdf", "bb",
                    "user2/회의록 2025.txt", "회의 내용"));
            Files.createDirectories(UPLOADS.resolve("empty"));
            STACK = TestWebAppStack.start(UPLOADS);
            Runtime.getRuntime().addShutdownHook(new Thread(STACK::close, "stop-restore-test-stack"));
            STACK.execute("postgres", "create database " + DATABASE, "create role llm_user login password 'app'");
            STACK.execute(DATABASE,
                    "create table users (id serial primary key, email text unique)",
                    "create table documents (id serial primary key, user_id int references users, file_name text, body bytea)",
                    "insert into users (email) select 'u' || g || '@example.org' from generate_series(1, 50) g",
                    "insert into documents (user_id, file_name, body) select 1 + g % 50, 'doc ' || g || '.pdf', "
                            + "decode(repeat(md5(g::text), 64), 'hex') from generate_series(1, 3000) g",
                    // the runbook's GRANT, which every restore applies again
                    "grant all privileges on all tables in schema public to llm_user",
                    "grant all privileges on all sequences in schema public to llm_user");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @DynamicPropertySource
    protected static void environment(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> "jdbc:h2:mem:restore-" + DB_NAME);
        registry.add("camunda.bpm.job-execution.enabled", () -> "true");
        registry.add("camunda.bpm.job-execution.max-wait", () -> "500");
        registry.add("camunda.bpm.job-execution.wait-time-in-millis", () -> "200");
        registry.add("camunda.bpm.admin-user.id", () -> "admin");
        registry.add("camunda.bpm.admin-user.password", () -> "admin-pw");
        registry.add("backup.preflight.on-startup", () -> "false");
        registry.add("backup.root", () -> DIR.resolve("backup").toString());
        registry.add("backup.uploads-dir", UPLOADS::toString);
        registry.add("backup.log-file", () -> DIR.resolve("llm-backup.log").toString());
        registry.add("backup.database.host", () -> "127.0.0.1");
        registry.add("backup.database.port", STACK::dbPort);
        registry.add("backup.database.name", () -> DATABASE);
        registry.add("backup.database.user", () -> "postgres");
        registry.add("backup.database.password", () -> TestWebAppStack.DB_PASSWORD);
        registry.add("backup.postgres.bin-dir", () -> TestPostgres.get().binDir().toString());
        registry.add("backup.compose.project", STACK::project);
        registry.add("backup.compose.services", () -> "backend,frontend");
        registry.add("backup.health.url", STACK::healthUrl);
        registry.add("backup.restore.health-deadline", () -> "12s"); // a loaded 2-core machine starts the stand-in backend in seconds, not always in 6
        registry.add("backup.restore.require-second-operator", () -> "true");
        registry.add("backup.restore.stop-timeout", () -> "5s");
        registry.add("backup.restore.lock-timeout", () -> "3s");
        registry.add("backup.lock.max-wait", () -> "6s");
        registry.add("backup.lock.retry-interval", () -> "1s");
        registry.add("backup.retry-cycle", () -> "R1/PT1S");
        registry.add("backup.alerts.webhook-url", ALERTS::alertsUrl);
    }


    @LocalServerPort
    protected int port;
    @Autowired
    protected ProcessEngine engine;
    @Autowired
    protected RuntimeService runtime;
    @Autowired
    protected HistoryService historyService;
    @Autowired
    protected IdentityService identity;
    @Autowired
    protected BackupHistory history;
    @Autowired
    protected LeaseManager leases;
    @Autowired
    protected CleanupService cleanup;

    protected final ObjectMapper json = new ObjectMapper();

    /**
     * No restore left by an earlier test (instances, lock), and the application running and
     * healthy: a restore starts again only what it stopped, so services an interrupted restore
     * of another class left stopped would stay down.
     */
    protected void applicationRunning() throws Exception {
        runtime.createProcessInstanceQuery().processDefinitionKey("RestoreProcess").list()
                .forEach(p -> runtime.deleteProcessInstance(p.getId(), "left by an earlier test"));
        leases.current().ifPresent(l -> leases.release(l.owner()));
        if (!Boolean.TRUE.equals(STACK.state("db").getRunning())) {
            TestDocker.client().startContainerCmd(STACK.containerId("db")).exec();
            Thread.sleep(3000);
        }
        // a test that stopped a restore between closing the database and the swap leaves it closed
        STACK.execute("postgres", "alter database " + DATABASE + " with allow_connections true");
        for (String service : List.of("backend", "frontend")) {
            if (!Boolean.TRUE.equals(STACK.state(service).getRunning())) {
                TestDocker.client().startContainerCmd(STACK.containerId(service)).exec();
            }
        }
        for (int i = 0; i < 100 && STACK.healthStatus() != 200; i++) {
            Thread.sleep(100);
        }
    }

    @BeforeEach
    protected void operators() {
        ProcessEngines.registerProcessEngine(engine);
        for (String id : List.of("alice", "bob")) {
            if (identity.createUserQuery().userId(id).count() == 0) {
                User user = identity.newUser(id);
                user.setPassword(id + "-pw");
                identity.saveUser(user);
                identity.createMembership(id, "operators");
            }
        }
    }

    protected HistoryEntry awaitRow(String pi, RunKind kind, RunStatus status) throws Exception {
        for (int i = 0; i < 300; i++) {
            var row = history.listByOwner(pi).stream().filter(e -> e.kind() == kind && e.status() == status).findFirst();
            if (row.isPresent()) {
                return row.get();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no " + status + " " + kind + " row for " + pi + ": " + history.listByOwner(pi));
    }

    protected JsonNode awaitAlert(String pi, String kind) throws Exception {
        for (int i = 0; i < 100; i++) {
            for (String body : ALERTS.alerts()) {
                JsonNode alert = json.readTree(body);
                if (pi.equals(alert.path("processInstanceId").asText()) && kind.equals(alert.path("kind").asText())) {
                    return alert;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no " + kind + " alert for " + pi + "; received: " + ALERTS.alerts());
    }

    /** Until the restore's called safety backup waits at Event_WaitForLease. */
    protected void awaitSafetyWaitingForLock(String pi) throws Exception {
        for (int i = 0; i < 100; i++) {
            var run = runtime.createProcessInstanceQuery().superProcessInstanceId(pi).singleResult();
            if (run != null && runtime.getActiveActivityIds(run.getId()).contains("Event_WaitForLease")) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the safety backup of " + pi + " never waited for the lock");
    }

    // --- helpers

    /** The database's tables and the uploads folder (its own folder entry aside), as they are now. */
    protected record State(Map<String, String> database, Map<String, String> uploads) {
        /** Times to the microsecond, as a tar keeps them. */
        public State micros() {
            Map<String, String> u = new TreeMap<>();
            uploads.forEach((k, v) -> u.put(k, v.replaceAll("mtime=(\\d+)(\\d{3})", "mtime=$1")));
            return new State(database, u);
        }
    }

    protected State state() throws Exception {
        return new State(digest(DATABASE), withoutRoot(FileTrees.describe(UPLOADS)));
    }

    protected static Map<String, String> withoutRoot(Map<String, String> tree) {
        Map<String, String> copy = new TreeMap<>(tree);
        copy.remove(".");
        return copy;
    }

    /** What the database holds (every table's rows, sequences, large objects, grants, settings ...): {@link DatabaseFingerprint}. */
    protected Map<String, String> digest(String database) throws Exception {
        try (var c = STACK.connect(database)) {
            return DatabaseFingerprint.of(c);
        }
    }

    protected void changeDataAfterBackup() throws Exception {
        STACK.execute(DATABASE, "insert into users (email) values ('late-" + System.nanoTime() + "@example.org')",
                "delete from documents where id % 7 = 0", "update users set email = email || '.old' where id = 3");
        Files.writeString(UPLOADS.resolve("user1/new since backup.pdf"), "new");
        Files.writeString(UPLOADS.resolve("user1/a.pdf"), "report A, edited");
        Files.deleteIfExists(UPLOADS.resolve("user1/b.pdf"));
        Files.createDirectories(UPLOADS.resolve("user3"));
        Files.writeString(UPLOADS.resolve("user3/x.txt"), "x");
    }

    /** Runs a backup process to its end and returns the set's id. */
    protected String backup(String key) throws Exception {
        String pi = runtime.startProcessInstanceByKey(key).getId();
        HistoricProcessInstance done = awaitEnded(pi);
        assertThat(done.getEndActivityId()).as(key).isEqualTo("EndEvent_BackupCompleted");
        return (String) historicVariable(pi, "backupId");
    }

    protected void restoreSafetySet(String failedPi) throws Exception {
        String safety = (String) historicVariable(failedPi, "safetyBackupId");
        String pi = startRestore("alice", Map.of("backupKind", "safety", "backupId", safety, "restoreUploads", false));
        complete(awaitTask(pi, "Task_ApproveRestore"), "bob", Map.of("approved", true));
        assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");
    }

    /** Starts a restore over REST as {@code user}; a request needs a reason, so one is added when the test gives none. */
    protected String startRestore(String user, Map<String, Object> variables) throws Exception {
        Map<String, Object> request = new HashMap<>(variables);
        request.putIfAbsent("reason", "a test restore");
        HttpResponse<String> r = call("POST", "/engine-rest/process-definition/key/RestoreProcess/start", user, vars(request));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json.readTree(r.body()).get("id").asText();
    }

    protected JsonNode awaitTask(String pi, String key) throws Exception {
        for (int i = 0; i < 600; i++) {
            JsonNode tasks = json.readTree(call("GET", "/engine-rest/task?processInstanceId=" + pi + "&taskDefinitionKey=" + key, "bob", null).body());
            if (tasks.size() > 0) {
                return tasks.get(0);
            }
            assertThat(historyService.createHistoricProcessInstanceQuery().processInstanceId(pi).finished().count())
                    .as("process ended before reaching " + key + ": " + variablesOf(pi)).isZero();
            Thread.sleep(200);
        }
        throw new AssertionError(key + " not reached: " + variablesOf(pi));
    }

    protected void complete(JsonNode task, String user, Map<String, Object> variables) throws Exception {
        String id = task.get("id").asText();
        assertThat(call("POST", "/engine-rest/task/" + id + "/claim", user, "{\"userId\":\"" + user + "\"}").statusCode()).isEqualTo(204);
        HttpResponse<String> r = call("POST", "/engine-rest/task/" + id + "/complete", user, vars(variables));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
    }

    protected HistoricProcessInstance awaitEnded(String pi) throws Exception {
        for (int i = 0; i < 1200; i++) {
            HistoricProcessInstance h = historyService.createHistoricProcessInstanceQuery().processInstanceId(pi).singleResult();
            if (h != null && h.getEndTime() != null) {
                return h;
            }
            if (runtime.createIncidentQuery().processInstanceId(pi).count() > 0) {
                throw new AssertionError("incident: " + runtime.createIncidentQuery().processInstanceId(pi)
                        .singleResult().getIncidentMessage());
            }
            Thread.sleep(200);
        }
        throw new AssertionError("process " + pi + " did not end: " + variablesOf(pi));
    }

    protected HistoryEntry restoreRow(String pi) {
        return history.listByOwner(pi).stream().filter(e -> e.kind() == RunKind.RESTORE).findFirst().orElseThrow();
    }

    protected Object historicVariable(String pi, String name) {
        var v = historyService.createHistoricVariableInstanceQuery().processInstanceId(pi).variableName(name).singleResult();
        return v == null ? null : v.getValue();
    }

    protected String variable(String pi, String name) {
        return String.valueOf(runtime.getVariable(pi, name));
    }

    protected Map<String, Object> variablesOf(String pi) {
        Map<String, Object> all = new HashMap<>();
        historyService.createHistoricVariableInstanceQuery().processInstanceId(pi).list()
                .forEach(v -> all.put(v.getName(), v.getValue()));
        return all;
    }

    protected String vars(Map<String, Object> variables) throws Exception {
        ObjectNode body = json.createObjectNode();
        ObjectNode vs = body.putObject("variables");
        variables.forEach((k, v) -> vs.putObject(k).set("value", json.valueToTree(v)));
        return json.writeValueAsString(body);
    }

    protected HttpResponse<String> call(String method, String path, String user, String body) throws Exception {
        return LocalHttp.call(port, method, path, user + ":" + user + "-pw", body);
    }

    /** A tar.gz written by hand: {name, type (dir, file, symlink), content or link target}. */
    protected static void writeTarGz(Path file, List<String[]> entries) throws Exception {
        try (var out = new TarArchiveOutputStream(
                new GZIPOutputStream(Files.newOutputStream(file)))) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (String[] e : entries) {
                TarArchiveEntry entry;
                if (e[1].equals("symlink")) {
                    entry = new TarArchiveEntry(e[0],
                            TarConstants.LF_SYMLINK);
                    entry.setLinkName(e[2]);
                    out.putArchiveEntry(entry);
                } else {
                    // TarArchiveEntry normalises names; set the raw name to keep '..' as an attacker would
                    entry = new TarArchiveEntry(e[0], true);
                    byte[] content = e[2] == null ? new byte[0] : e[2].getBytes(StandardCharsets.UTF_8);
                    if (!e[1].equals("dir")) {
                        entry.setSize(content.length);
                    }
                    out.putArchiveEntry(entry);
                    out.write(content);
                }
                out.closeArchiveEntry();
            }
        }
    }
}
