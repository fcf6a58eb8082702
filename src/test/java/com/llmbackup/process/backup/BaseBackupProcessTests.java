package com.llmbackup.process.backup;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupHistory;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.Manifest;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.catalog.Trees;
import com.llmbackup.exec.Command;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.offsite.OffsiteRepository;
import com.llmbackup.offsite.OffsiteSnapshot;
import com.llmbackup.postgres.PostgresClient;
import com.llmbackup.test.FileTrees;
import com.llmbackup.test.LocalHttp;
import com.llmbackup.test.TestPostgres;
import com.llmbackup.wal.RecoveryWindow;
import com.llmbackup.wal.RecoveryWindows;
import com.llmbackup.wal.WalReceiver;
import com.llmbackup.wal.WalReceiverStatus;
import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.history.HistoricActivityInstance;
import org.camunda.bpm.engine.identity.User;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * The weekly's base backup on the real engine against a PostgreSQL server of its own with WAL
 * streaming on: in the set and its manifest with SHA-256, accepted by pg_verifybackup once
 * extracted, the recovery window starting at it (as the API, the metrics and the health say); refused replication leaves the weekly complete
 * with its dump and a warning naming the fix; a damaged base backup fails the run at its verification.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestPropertySource(properties = "backup.retry-cycle=R1/PT1S")
// its context streams WAL and copies it offsite every 2 s: closed after the class, or it keeps
// doing so, beside every later class of the suite, against a server that is gone
@DirtiesContext
class BaseBackupProcessTests {

    static final TestPostgres SERVER = TestPostgres.startPrivate(List.of("--wal-segsize=1"));
    static final String WEBAPP = "llm_webapp";
    static final Path DIR;

    static {
        SERVER.execute("postgres", "create database " + WEBAPP);
        SERVER.execute(WEBAPP, "create table documents (id serial primary key, title text)",
                "insert into documents (title) select 'doc ' || g from generate_series(1, 200) g");
        try {
            DIR = Files.createTempDirectory("base-backup-process-");
            FileTrees.write(DIR.resolve("uploads"), Map.of("user1/a.pdf", "a", "user2/b.pdf", "bb"));
            Files.writeString(DIR.resolve("offsite.password"), "offsite test password\n");
            new CommandRunner().run(Command.of("restic", "init", "--quiet")
                    .withEnvironment("RESTIC_REPOSITORY", DIR.resolve("offsite").toString())
                    .withEnvironment("RESTIC_PASSWORD_FILE", DIR.resolve("offsite.password").toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void streaming(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> "jdbc:h2:mem:base-backup-" + System.nanoTime());
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
        registry.add("backup.wal.lease-ttl", () -> "3s");
        registry.add("backup.wal.base-backup-wal-wait", () -> "20s");
        registry.add("management.prometheus.metrics.export.enabled", () -> "true");
        registry.add("backup.offsite.repository", () -> DIR.resolve("offsite").toString());
        registry.add("backup.offsite.password-file", () -> DIR.resolve("offsite.password").toString());
        registry.add("backup.wal.offsite-interval", () -> "2s");
    }

    @AfterAll
    static void stopServer() {
        SERVER.close();
    }

    @Autowired
    RuntimeService runtime;
    @Autowired
    ManagementService management;
    @Autowired
    HistoryService historyService;
    @Autowired
    BackupCatalog catalog;
    @Autowired
    BackupHistory history;
    @Autowired
    WalReceiver receiver;
    @Autowired
    OffsiteRepository offsite;
    @Autowired
    RecoveryWindows windows;
    @Autowired
    PostgresClient postgres;
    @Autowired
    IdentityService identity;
    @LocalServerPort
    int port;
    private final ObjectMapper json = new ObjectMapper();

    private final CommandRunner runner = new CommandRunner();

    private void awaitStreaming() throws InterruptedException {
        assertThat(postgres.database().port()).as("the private server, not the shared one").isEqualTo(SERVER.port());
        for (int i = 0; i < 300 && !receiver.status().streaming(); i++) {
            Thread.sleep(100);
        }
        assertThat(receiver.status().state()).as(receiver.status().toString()).isEqualTo(WalReceiverStatus.State.STREAMING);
    }

    private ProcessInstance weekly() {
        ProcessInstance instance = runtime.startProcessInstanceByKey("WeeklyBackupProcess");
        runJobs(instance);
        return instance;
    }

    @Test
    void weeklyTakesBaseBackupListedWithSha256ThatPgVerifybackupAcceptsAndWindowStartsThere() throws Exception {
        awaitStreaming();

        ProcessInstance instance = weekly();

        assertThat(activitiesOf(instance.getId())).contains("EndEvent_BackupCompleted");
        assertThat(activitiesOf(calledRun(instance))).containsSubsequence("Task_VerifyArchive", "Task_TakeBaseBackup",
                "Task_VerifyBaseBackup", "Task_PublishSet");
        String id = (String) historicVariable(instance, "backupId");
        BackupSet set = catalog.find(BackupKind.WEEKLY, BackupSetId.parse(id)).orElseThrow();
        Path dir = catalog.kindDir(BackupKind.WEEKLY);
        Path tar = dir.resolve("base_full_" + id + ".tar.gz");
        Path backupManifest = dir.resolve("base_full_" + id + ".backup_manifest");
        assertThat(set.manifest().artifacts()).contains(
                Manifest.Artifact.file(tar.getFileName().toString(), Files.size(tar), FileTrees.sha256(tar)),
                Manifest.Artifact.file(backupManifest.getFileName().toString(), Files.size(backupManifest), FileTrees.sha256(backupManifest)));
        Manifest.BaseBackup base = set.manifest().baseBackup();
        assertThat(base.file()).isEqualTo(tar.getFileName().toString());
        assertThat(base.walSegmentSize()).isEqualTo(1024 * 1024);
        assertThat(historyService.createHistoricVariableInstanceQuery().processInstanceId(calledRun(instance))
                .variableName("baseBackupFilesChecked").singleResult().getValue()).isNotEqualTo(0);
        // the standard tool agrees: extracted, with its manifest beside it (its WAL is ours, not in the backup)
        Path extracted = Files.createTempDirectory("base-extracted-");
        runner.run(Command.of("tar", "-xzf", tar.toString(), "-C", extracted.toString()));
        Files.copy(backupManifest, extracted.resolve("backup_manifest"));
        runner.run(Command.of(SERVER.binDir().resolve("pg_verifybackup").toString(), "--no-parse-wal", extracted.toString()));
        Trees.delete(extracted);

        Instant committed = commit("after the base backup");
        RecoveryWindow window = awaitWindowTo(committed);
        // the window starts at the oldest base backup of the root (other tests of this class may have taken one before)
        Instant oldest = windows.baseBackups().get(0).facts().consistentAt();
        assertThat(oldest).isBeforeOrEqualTo(base.consistentAt());
        assertThat(window.from()).isEqualTo(oldest);
        assertThat(window.baseBackups()).anySatisfy(b -> {
            assertThat(b.label()).isEqualTo("weekly/" + id);
            assertThat(b.consistentAt()).isEqualTo(base.consistentAt());
        });
        assertThat(window.gaps()).isEmpty();
        assertThat(window.startFor(committed)).map(RecoveryWindow.Start::label).contains("weekly/" + id);

        // the API, the metrics and the health say the same
        ensureOperator();
        JsonNode api = json.readTree(LocalHttp.call(port, "GET", "/api/backups/recovery-window", "walop:pw-walop", null).body());
        assertThat(Instant.parse(api.path("from").asText())).isEqualTo(oldest);
        assertThat(Instant.parse(api.path("to").asText())).isAfterOrEqualTo(committed);
        assertThat(api.path("gaps").isArray()).isTrue();
        assertThat(api.path("receiver").path("state").asText()).isEqualTo("STREAMING");
        assertThat(api.path("receiver").has("lagBytes")).isTrue();
        assertThat(api.path("receiver").has("lagSeconds")).isTrue();
        assertThat(Instant.parse(api.path("receiver").path("lastReceivedAt").asText())).isAfterOrEqualTo(committed);
        assertThat(api.path("baseBackups").findValuesAsText("label")).contains("weekly/" + id);
        String metrics = LocalHttp.call(port, "GET", "/actuator/prometheus", "walop:pw-walop", null).body();
        assertThat(metrics).contains("llm_backup_wal_lag_seconds ").contains("llm_backup_wal_last_received_timestamp_seconds ")
                .contains("llm_backup_recovery_window_start_timestamp_seconds " + (oldest.toEpochMilli() / 1000.0))
                .contains("llm_backup_wal_streaming 1.0");
        JsonNode health = json.readTree(LocalHttp.call(port, "GET", "/actuator/health", "walop:pw-walop", null).body())
                .path("components").path("backup").path("details");
        assertThat(health.path("rpoFrom").asText()).isEqualTo("wal");
        assertThat(health.path("effectiveRpoSeconds").asLong()).isLessThan(60);
        assertThat(health.path("wal").asText()).startsWith("STREAMING");

        // a second weekly: the window still starts at the oldest
        ProcessInstance second = weekly();
        assertThat(activitiesOf(second.getId())).contains("EndEvent_BackupCompleted");
        RecoveryWindow after = windows.compute();
        assertThat(after.from()).isEqualTo(oldest);
        assertThat(after.baseBackups()).hasSizeGreaterThanOrEqualTo(2);
        Instant later = commit("after the second weekly");
        assertThat(awaitWindowTo(later).startFor(later)).as("a recovery to a later time starts from the newest base backup")
                .map(RecoveryWindow.Start::label).contains("weekly/" + historicVariable(second, "backupId"));
    }

    @Test
    void walIsCopiedOffsiteEveryIntervalAndAtEveryRun() throws Exception {
        awaitStreaming();
        long before = offsite.snapshots().stream().filter(OffsiteSnapshot::wal).count();
        for (int i = 0; i < 100 && offsite.snapshots().stream().filter(OffsiteSnapshot::wal).count() == before; i++) {
            Thread.sleep(200);
        }
        assertThat(offsite.snapshots().stream().filter(OffsiteSnapshot::wal).count()).as("a copy within the interval").isGreaterThan(before);

        ProcessInstance instance = weekly();

        assertThat(activitiesOf(instance.getId())).contains("EndEvent_BackupCompleted");
        HistoryEntry row = history.listByOwner(instance.getId()).get(0);
        assertThat(row.request().details()).contains("Offsite copied: the WAL folder (snapshot ");
        Path restored = Files.createTempDirectory("wal-restored-");
        offsite.restoreWal(restored);
        assertThat(restored.resolve("wal/.receiver.json")).exists();
        assertThat(restored.resolve("wal/.lease.json")).doesNotExist();
        try (Stream<Path> files = Files.list(restored.resolve("wal"))) {
            assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.matches("[0-9A-F]{24}(\\.partial)?"));
        }
        Trees.delete(restored);
    }

    @Test
    void weeklyCompletesWithDumpAndWarningNamingTheFixWhenReplicationIsRefused() throws Exception {
        SERVER.replaceHba("local all all trust", "host all all 127.0.0.1/32 scram-sha-256");
        try {
            ProcessInstance instance = weekly();

            assertThat(activitiesOf(instance.getId())).contains("EndEvent_BackupCompleted");
            String id = (String) historicVariable(instance, "backupId");
            BackupSet set = catalog.find(BackupKind.WEEKLY, BackupSetId.parse(id)).orElseThrow();
            assertThat(set.manifest().baseBackup()).as("%s", set.manifest()).isNull();
            assertThat(set.manifest().artifacts()).extracting(Manifest.Artifact::name).contains("db_full_" + id + ".dump")
                    .doesNotContain("base_full_" + id + ".tar.gz");
            HistoryEntry row = history.listByOwner(instance.getId()).get(0);
            assertThat(row.status()).isEqualTo(RunStatus.COMPLETED);
            assertThat(row.problems().warnings()).contains("No base backup: The server refuses replication connections")
                    .contains("host  replication  postgres  127.0.0.1/32  scram-sha-256");
        } finally {
            SERVER.replaceHba("local all all trust", "host all all 127.0.0.1/32 scram-sha-256",
                    "local replication all trust", "host replication all 127.0.0.1/32 scram-sha-256");
        }
    }

    @Test
    void weeklyFailsAtVerificationWhenBaseBackupIsDamaged() throws Exception {
        awaitStreaming();
        ProcessInstance instance = runtime.startProcessInstanceByKey("WeeklyBackupProcess");
        executeUntil(instance, "Task_VerifyBaseBackup");
        String id = (String) runtime.getVariable(calledRun(instance), "backupId");
        try (Stream<Path> files = Files.walk(DIR.resolve("backup/.staging"))) {
            Path manifest = files.filter(p -> p.getFileName().toString().equals("base_full_" + id + ".backup_manifest")).findFirst().orElseThrow();
            Files.writeString(manifest, Files.readString(manifest).replaceFirst("\"Size\": \\d+", "\"Size\": 1"));
        }
        runJobs(instance);

        assertThat(historyService.createHistoricProcessInstanceQuery().processInstanceId(instance.getId()).singleResult().getEndTime())
                .isNotNull();
        assertThat(activitiesOf(calledRun(instance))).contains("Boundary_BaseBackupInvalid", "Task_RecordFailure", "EndEvent_RunFailed");
        HistoryEntry row = history.listByOwner(instance.getId()).get(0);
        assertThat(row.problems().failedStep()).isEqualTo("Task_VerifyBaseBackup");
        assertThat(row.message()).startsWith("base_full_" + id + ".backup_manifest does not match its own checksum (SHA-256 ");
        assertThat(catalog.find(BackupKind.WEEKLY, BackupSetId.parse(id))).isEmpty();
    }

    private void ensureOperator() {
        if (identity.createUserQuery().userId("walop").count() == 0) {
            User user = identity.newUser("walop");
            user.setPassword("pw-walop");
            identity.saveUser(user);
            identity.createMembership("walop", "operators");
        }
    }

    private Object historicVariable(ProcessInstance instance, String name) {
        return historyService.createHistoricVariableInstanceQuery().processInstanceId(instance.getId()).variableName(name)
                .singleResult().getValue();
    }

    /** The BackupRunProcess a weekly called. */
    private String calledRun(ProcessInstance caller) {
        return historyService.createHistoricProcessInstanceQuery().superProcessInstanceId(caller.getId()).singleResult().getId();
    }

    /** The activities an instance passed, in order. */
    private List<String> activitiesOf(String instanceId) {
        return historyService.createHistoricActivityInstanceQuery().processInstanceId(instanceId)
                .orderByHistoricActivityInstanceStartTime().asc().orderPartiallyByOccurrence().asc().list().stream()
                .map(HistoricActivityInstance::getActivityId).toList();
    }

    /** The jobs of the weekly and of the run it called, as the job executor would run them (a failed one again until its retries end). */
    private void runJobs(ProcessInstance instance) {
        executeUntil(instance, null);
    }

    private void executeUntil(ProcessInstance instance, String activityId) {
        for (int i = 0; i < 100; i++) {
            List<String> tree = new ArrayList<>(List.of(instance.getId()));
            historyService.createHistoricProcessInstanceQuery().superProcessInstanceId(instance.getId()).list()
                    .forEach(p -> tree.add(p.getId()));
            List<Job> jobs = tree.stream().flatMap(id -> management.createJobQuery().processInstanceId(id).withRetriesLeft().list().stream())
                    .toList();
            if (jobs.isEmpty()) {
                return;
            }
            for (Job job : jobs) {
                String activity = management.createJobDefinitionQuery().jobDefinitionId(job.getJobDefinitionId()).singleResult().getActivityId();
                if (activity.equals(activityId)) {
                    return;
                }
                try {
                    management.executeJob(job.getId());
                } catch (RuntimeException failedAttempt) {
                    // the engine counted the retry; the next round runs it again
                }
            }
        }
        throw new AssertionError("the weekly did not settle after 100 rounds");
    }

    private Instant commit(String title) throws Exception {
        try (var c = SERVER.connect(WEBAPP); var s = c.createStatement()) {
            s.execute("insert into documents (title) values ('" + title + "')");
            try (var rs = s.executeQuery("select clock_timestamp()")) {
                rs.next();
                return rs.getTimestamp(1).toInstant();
            }
        }
    }

    private RecoveryWindow awaitWindowTo(Instant committed) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        RecoveryWindow window = windows.compute();
        while (System.nanoTime() < deadline && (window.to() == null || window.to().isBefore(committed))) {
            Thread.sleep(100);
            window = windows.compute();
        }
        assertThat(window.to()).as("window %s reaches the commit at %s", window, committed).isAfterOrEqualTo(committed);
        return window;
    }
}
