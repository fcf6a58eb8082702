package com.llmbackup.process.restore;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.llmbackup.catalog.BackupHistory;
import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.test.DatabaseFingerprint;
import com.llmbackup.test.FileTrees;
import com.llmbackup.test.TestHttpServer;
import com.llmbackup.test.TestPostgres;
import com.llmbackup.wal.RecoveryWindow;
import com.llmbackup.wal.RecoveryWindows;
import com.llmbackup.wal.WalReceiver;
import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.TaskService;
import org.camunda.bpm.engine.history.HistoricActivityInstance;
import org.camunda.bpm.engine.identity.User;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * RestoreProcess with {@code restoreToTime} on the real engine against a PostgreSQL server of its
 * own streaming WAL: a time between rows written and a bad delete is replayed into a pitr set,
 * approved and swapped in, and production holds the rows again as they were then; a time the
 * window does not cover ends refused naming the window, with nothing changed.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestPropertySource(properties = "backup.retry-cycle=R1/PT1S")
// its context streams WAL: the receiver is closed after the class (not the context: closing a
// Spring Boot context here broke the shared restore context's Tasklist login in later classes)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RestoreToTimeProcessTests {

    static final TestPostgres SERVER = TestPostgres.startPrivate(List.of("--wal-segsize=1"));
    static final String WEBAPP = "llm_webapp";
    static final Path DIR;
    static final TestHttpServer WEB;

    static {
        SERVER.execute("postgres", "create database " + WEBAPP, "create role llm_user login password 'app'");
        SERVER.execute(WEBAPP, "create table chats (id serial primary key, owner int, body text)",
                "insert into chats (owner, body) select g % 7, 'chat ' || g from generate_series(1, 200) g",
                // the runbook's GRANT, which every restore applies again
                "grant all privileges on all tables in schema public to llm_user",
                "grant all privileges on all sequences in schema public to llm_user");
        try {
            DIR = Files.createTempDirectory("restore-to-time-");
            FileTrees.write(DIR.resolve("uploads"), Map.of("user1/a.pdf", "a"));
            WEB = new TestHttpServer();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void streaming(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> "jdbc:h2:mem:restore-to-time-" + System.nanoTime());
        // an engine of its own name: Camunda's static registry (ProcessEngines), where the REST and
        // webapp provider looks engines up by name, keeps the shared context's "default" engine
        registry.add("camunda.bpm.process-engine-name", () -> "restore-to-time");
        registry.add("camunda.bpm.job-execution.enabled", () -> "false");
        registry.add("backup.preflight.on-startup", () -> "false");
        registry.add("backup.root", () -> DIR.resolve("backup").toString());
        registry.add("backup.uploads-dir", () -> DIR.resolve("uploads").toString());
        registry.add("backup.log-file", () -> DIR.resolve("llm-backup.log").toString());
        registry.add("backup.database.host", () -> "127.0.0.1");
        registry.add("backup.postgres.bin-dir", () -> SERVER.binDir().toString());
        registry.add("backup.database.port", SERVER::port);
        registry.add("backup.database.name", () -> WEBAPP);
        registry.add("backup.database.user", () -> TestPostgres.SUPERUSER);
        registry.add("backup.database.password", () -> TestPostgres.SUPERUSER_PASSWORD);
        registry.add("backup.wal.enabled", () -> "true");
        registry.add("backup.wal.status-interval", () -> "200ms");
        registry.add("backup.wal.base-backup-wal-wait", () -> "20s");
        registry.add("backup.health.url", WEB::healthUrl);
        registry.add("backup.display-zone", () -> "Asia/Seoul");
    }

    @AfterAll
    void stopStreamingThenServer() {
        receiver.close();
        SERVER.close();
        WEB.close();
    }

    @Autowired
    RuntimeService runtime;
    @Autowired
    ManagementService management;
    @Autowired
    HistoryService historyService;
    @Autowired
    TaskService tasks;
    @Autowired
    IdentityService identity;
    @Autowired
    BackupHistory history;
    @Autowired
    WalReceiver receiver;
    @Autowired
    RecoveryWindows windows;

    @Test
    void restoreToTimeBetweenRowsAndBadDeleteGivesRowsBackInProductionWhenApproved() throws Exception {
        awaitStreaming();
        ProcessInstance weekly = runtime.startProcessInstanceByKey("WeeklyBackupProcess");
        runJobs(weekly);
        assertThat(activitiesOf(weekly.getId())).contains("EndEvent_BackupCompleted");
        SERVER.execute(WEBAPP, "insert into chats (owner, body) select 42, 'kept ' || g from generate_series(1, 30) g");
        Instant between = serverNow();
        Map<String, String> atThatInstant = fingerprint();
        Thread.sleep(50);
        SERVER.execute(WEBAPP, "delete from chats where owner = 42");
        awaitWindowTo(serverNow());

        ProcessInstance restore = startRestore(between.atOffset(ZoneOffset.ofHours(9)).toString());
        runJobs(restore);

        assertThat(activitiesOf(restore.getId())).containsSubsequence("Task_ReplayToTime", "Task_ValidateBackup", "Task_ApproveRestore");
        assertThat(runtime.getVariable(restore.getId(), "backupKind")).isEqualTo("pitr");
        assertThat((String) runtime.getVariable(restore.getId(), "pointInTimeText")).startsWith("Database as of ")
                .contains(" KST (" + between + " UTC)").contains("First transaction undone (with every later one): ")
                .endsWith("The uploads stay as they are.");
        approveAs("bob", restore);
        runJobs(restore);

        assertThat(activitiesOf(restore.getId())).containsSubsequence("CallActivity_SafetyBackup", "Task_RestoreBeside", "Task_RestoreData",
                "Task_CheckHealth", "EndEvent_RestoreCompleted");
        assertThat(count("select count(*) from chats where owner = 42")).isEqualTo(30);
        Map<String, String> now = fingerprint();
        now.keySet().removeIf(k -> k.startsWith("sequence "));
        atThatInstant.keySet().removeIf(k -> k.startsWith("sequence ")); // logged 32 ahead: see PointInTimeReplayTests
        assertThat(now).isEqualTo(atThatInstant);
        HistoryEntry row = restoreRow(restore);
        assertThat(row.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(row.request().source()).startsWith("pitr/");
        assertThat(row.request().details()).contains("Database as of ");
    }

    @Test
    void restoreToTimeBeforeTheWindowEndsRefusedNamingTheWindow() throws Exception {
        awaitStreaming();
        RecoveryWindow window = windows.compute();
        String before = window.empty() ? "2020-01-01T00:00:00Z" : window.from().minusSeconds(3600).toString();

        ProcessInstance restore = startRestore(before);
        runJobs(restore);

        assertThat(activitiesOf(restore.getId())).contains("Task_ReplayToTime", "Task_RecordRefusal", "EndEvent_RestoreRefused")
                .doesNotContain("Task_ValidateBackup", "Task_ApproveRestore");
        String message = (String) historicVariable(restore, "failureMessage");
        assertThat(message).contains(window.empty() ? "No point-in-time recovery is possible yet" : "The recovery window is " + window.from());
        assertThat(restoreRow(restore).status()).isEqualTo(RunStatus.REFUSED);
    }

    private ProcessInstance startRestore(String restoreToTime) {
        for (String id : List.of("alice", "bob")) {
            if (identity.createUserQuery().userId(id).count() == 0) {
                User user = identity.newUser(id);
                user.setPassword(id + "-pw");
                identity.saveUser(user);
                identity.createMembership(id, "operators");
            }
        }
        Map<String, Object> variables = new HashMap<>(Map.of("restoreToTime", restoreToTime, "reason", "a script deleted chats of user 42",
                "applicationStopped", true));
        identity.setAuthentication("alice", List.of("operators"));
        try {
            return runtime.startProcessInstanceByKey("RestoreProcess", variables);
        } finally {
            identity.clearAuthentication();
        }
    }

    private void approveAs(String user, ProcessInstance restore) {
        var task = tasks.createTaskQuery().processInstanceId(restore.getId()).taskDefinitionKey("Task_ApproveRestore").singleResult();
        identity.setAuthentication(user, List.of("operators"));
        try {
            tasks.complete(task.getId(), Map.of("approved", true));
        } finally {
            identity.clearAuthentication();
        }
    }

    private HistoryEntry restoreRow(ProcessInstance restore) {
        return history.listByOwner(restore.getId()).stream().filter(e -> e.kind() == RunKind.RESTORE).findFirst()
                .orElseThrow();
    }

    private void awaitStreaming() throws InterruptedException {
        for (int i = 0; i < 300 && !receiver.status().streaming(); i++) {
            Thread.sleep(100);
        }
        assertThat(receiver.status().streaming()).as(receiver.status().toString()).isTrue();
    }

    private Map<String, String> fingerprint() throws Exception {
        try (Connection c = SERVER.connect(WEBAPP)) {
            return new HashMap<>(DatabaseFingerprint.of(c));
        }
    }

    private long count(String sql) throws Exception {
        try (Connection c = SERVER.connect(WEBAPP); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private Instant serverNow() throws Exception {
        try (Connection c = SERVER.connect(WEBAPP); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select clock_timestamp()")) {
            rs.next();
            return rs.getTimestamp(1).toInstant();
        }
    }

    private void awaitWindowTo(Instant committed) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        RecoveryWindow window = windows.compute();
        while (System.nanoTime() < deadline && (window.to() == null || window.to().isBefore(committed))) {
            Thread.sleep(100);
            window = windows.compute();
        }
        assertThat(window.to()).as("window %s reaches %s", window, committed).isAfterOrEqualTo(committed);
    }

    private Object historicVariable(ProcessInstance instance, String name) {
        return historyService.createHistoricVariableInstanceQuery().processInstanceId(instance.getId()).variableName(name)
                .singleResult().getValue();
    }

    private List<String> activitiesOf(String instanceId) {
        return historyService.createHistoricActivityInstanceQuery().processInstanceId(instanceId)
                .orderByHistoricActivityInstanceStartTime().asc().orderPartiallyByOccurrence().asc().list().stream()
                .map(HistoricActivityInstance::getActivityId).toList();
    }

    /** The jobs of the instance and of the runs it called, as the job executor would run them, until it waits at a user task or ends. */
    private void runJobs(ProcessInstance instance) {
        for (int i = 0; i < 200; i++) {
            List<String> tree = new ArrayList<>(List.of(instance.getId()));
            historyService.createHistoricProcessInstanceQuery().superProcessInstanceId(instance.getId()).list().forEach(p -> tree.add(p.getId()));
            List<Job> jobs = tree.stream().flatMap(id -> management.createJobQuery().processInstanceId(id).withRetriesLeft().list().stream())
                    .toList();
            if (jobs.isEmpty()) {
                return;
            }
            for (Job job : jobs) {
                try {
                    management.executeJob(job.getId());
                } catch (RuntimeException failedAttempt) {
                    // the engine counted the retry; the next round runs it again
                }
            }
        }
        throw new AssertionError("the instance did not settle after 200 rounds");
    }
}
