package com.llmbackup.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupHistory;
import com.llmbackup.catalog.BackupHistory.HistoryEntry;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.FilePermissions;
import com.llmbackup.catalog.LeaseManager;
import com.llmbackup.catalog.OwnerLiveness;
import com.llmbackup.exec.Command;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.test.FileTrees;
import com.llmbackup.test.TestPostgres;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.engine.test.assertions.bpmn.AbstractAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The real engine running {@code DailyBackupProcess} against a real PostgreSQL database
 * and real folders: one test per path of the model, and the failures an operator meets.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DailyBackupProcessTests {

    private static final TestPostgres PG = TestPostgres.get();
    private static final Path DIR;
    private static final String DATABASE;
    private static final String ROLE = "backup_runner";
    private static final String ROLE_PASSWORD = "runner-pw";

    static {
        try {
            DIR = Files.createTempDirectory("daily-process-");
            DATABASE = PG.createDatabase("llm_webapp");
            PG.execute("postgres", "do $$ begin if not exists (select 1 from pg_roles where rolname = '" + ROLE + "') then "
                    + "create role " + ROLE + " login superuser password '" + ROLE_PASSWORD + "'; end if; end $$");
            PG.execute(DATABASE,
                    "create table users (id serial primary key, email text unique)",
                    "create table documents (id serial primary key, user_id int references users, file_name text, body bytea)",
                    "insert into users (email) select 'u' || g || '@example.org' from generate_series(1, 50) g",
                    "insert into documents (user_id, file_name, body) select 1 + g % 50, 'doc ' || g || '.pdf', "
                            + "decode(md5(g::text), 'hex') from generate_series(1, 500) g");
            FileTrees.write(DIR.resolve("uploads"), Map.of("user1/a.pdf", "a", "user1/b.pdf", "bb", "user2/회의록.txt", "회의"));
            FileTrees.write(DIR.resolve("webapp"), Map.of("docker-compose.yml", "services: {}\n", ".env", "DB_PASSWORD=secret\n"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @DynamicPropertySource
    static void environment(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> "jdbc:h2:mem:daily-" + System.nanoTime());
        registry.add("camunda.bpm.job-execution.enabled", () -> "false");
        registry.add("backup.preflight.on-startup", () -> "false");
        registry.add("backup.root", () -> DIR.resolve("backup").toString());
        registry.add("backup.uploads-dir", () -> DIR.resolve("uploads").toString());
        registry.add("backup.log-file", () -> DIR.resolve("llm-backup.log").toString());
        registry.add("backup.database.host", () -> "127.0.0.1");
        registry.add("backup.database.port", PG::port);
        registry.add("backup.database.name", () -> DATABASE);
        registry.add("backup.database.user", () -> ROLE);
        registry.add("backup.database.password", () -> ROLE_PASSWORD);
        registry.add("backup.postgres.bin-dir", () -> PG.binDir().toString());
        registry.add("backup.retry-cycle", () -> "R1/PT1S");
        registry.add("backup.lock.max-wait", () -> "10m");
        registry.add("backup.extra-files", () -> DIR.resolve("webapp/docker-compose.yml") + "," + DIR.resolve("webapp/.env"));
    }

    @Autowired
    ProcessEngine engine;
    @Autowired
    RuntimeService runtime;
    @Autowired
    ManagementService management;
    @Autowired
    BackupCatalog catalog;
    @Autowired
    BackupHistory history;
    @Autowired
    LeaseManager leases;

    private final ObjectMapper json = new ObjectMapper();

    @BeforeEach
    void init() {
        AbstractAssertions.init(engine);
    }

    @AfterEach
    void resetClock() {
        ClockUtil.reset();
    }

    @Test
    void timerRunsDailyBackupToCompleteSetWithSeedNames() throws Exception {
        Job timer = management.createJobQuery().processDefinitionKey("DailyBackupProcess").timers().singleResult();
        assertThat(timer).as("the daily timer job").isNotNull();
        assertThat(timer.getDuedate().toInstant().atZone(java.time.ZoneId.systemDefault()).getHour()).isEqualTo(2);

        List<String> before = runtime.createProcessInstanceQuery().processDefinitionKey("DailyBackupProcess").list()
                .stream().map(ProcessInstance::getId).toList();
        ClockUtil.setCurrentTime(Date.from(timer.getDuedate().toInstant().plusSeconds(1)));
        management.executeJob(timer.getId());
        ProcessInstance instance = runtime.createProcessInstanceQuery().processDefinitionKey("DailyBackupProcess").list()
                .stream().filter(p -> !before.contains(p.getId())).findFirst().orElseThrow();
        runJobs(instance);

        assertThat(instance).isEnded().hasPassedInOrder("StartEvent_DailyTimer", "Task_AcquireLease", "Task_CheckSpaceForSet",
                "Task_DumpDatabase", "Task_VerifyDump", "Task_DumpGlobals", "Task_CopyExtraFiles", "Task_SnapshotUploads",
                "Task_PublishSet", "Task_RecordHistory", "Task_ReleaseLease", "EndEvent_BackupCompleted");
        String id = (String) historicVariable(instance, "backupId");
        BackupSet set = catalog.find(BackupKind.DAILY, com.llmbackup.catalog.BackupSetId.parse(id)).orElseThrow();
        assertThat(set.status()).isEqualTo(BackupSet.Status.COMPLETE);
        Path daily = DIR.resolve("backup/daily");
        assertThat(daily.resolve("db_" + id + ".dump")).isRegularFile();
        assertThat(daily.resolve("globals_" + id + ".sql")).content().contains("CREATE ROLE " + ROLE);
        assertThat(FileTrees.describe(daily.resolve("uploads_" + id))).isEqualTo(FileTrees.describe(DIR.resolve("uploads")));
        assertThat(daily.resolve("config_" + id + "/docker-compose.yml")).hasContent("services: {}");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(daily.resolve("config_" + id + "/.env")))).isEqualTo("rw-------");
        JsonNode manifest = json.readTree(daily.resolve("manifest_" + id + ".json").toFile());
        assertThat(manifest.get("status").asText()).isEqualTo("complete");
        assertThat(manifest.get("rowCounts").get("public.users").asLong()).isEqualTo(50);
        assertThat(manifest.get("rowCounts").get("public.documents").asLong()).isEqualTo(500);
        assertThat(manifest.get("artifacts").toString()).contains("db_" + id + ".dump").contains("\"sha256\"");
        HistoryEntry row = history.listByOwner(instance.getId()).get(0);
        assertThat(row.status()).isEqualTo(BackupHistory.COMPLETED);
        assertThat(row.backupId()).isEqualTo(id);
        assertThat(row.progressFilesDone()).isEqualTo(3);
        assertThat(Files.readString(DIR.resolve("llm-backup.log"))).contains("] Daily backup completed: db_" + id + ".dump");

        // the dump restores with plain pg_restore into an empty database, every table equal
        String copy = PG.createDatabase("restored");
        new CommandRunner().run(Command.of(PG.binDir().resolve("pg_restore").toString(), "--no-owner",
                "--host=127.0.0.1", "--port=" + PG.port(), "--username=postgres", "--dbname=" + copy,
                daily.resolve("db_" + id + ".dump").toString()).withEnvironment("PGPASSWORD", TestPostgres.SUPERUSER_PASSWORD));
        for (String table : List.of("users", "documents")) {
            assertThat(tableDigest(copy, table)).as(table).isEqualTo(tableDigest(DATABASE, table));
        }
    }

    @Test
    void manualStartRunsSamePathAndSecondRunLinksUnchangedFiles() throws Exception {
        ProcessInstance first = runtime.startProcessInstanceByKey("DailyBackupProcess");
        runJobs(first);
        ProcessInstance second = runtime.startProcessInstanceByKey("DailyBackupProcess");
        runJobs(second);

        assertThat(second).isEnded().hasPassed("StartEvent_DailyTimer", "EndEvent_BackupCompleted");
        String firstId = (String) historicVariable(first, "backupId");
        String secondId = (String) historicVariable(second, "backupId");
        assertThat(secondId).isEqualTo(firstId.substring(0, 8) + "_" + (sequence(firstId) + 1));
        assertThat((Long) historicVariable(second, "filesLinked")).isEqualTo(3L);
        Path daily = DIR.resolve("backup/daily");
        assertThat(FileTrees.inode(daily.resolve("uploads_" + secondId + "/user1/a.pdf")))
                .isEqualTo(FileTrees.inode(daily.resolve("uploads_" + firstId + "/user1/a.pdf")));
    }

    @Test
    void busyLockIsWaitedForThenRunGivesUpWithClearMessage() {
        ProcessInstance holder = runtime.startProcessInstanceByKey("DailyBackupProcess");
        executeNext(holder); // Task_AcquireLease: holds the lock now
        ProcessInstance waiting = runtime.startProcessInstanceByKey("DailyBackupProcess");
        executeNext(waiting);

        assertThat(waiting).isWaitingAt("Event_WaitForLease");
        ClockUtil.setCurrentTime(Date.from(Instant.now().plus(Duration.ofMinutes(11))));
        Job timer = management.createJobQuery().processInstanceId(waiting.getId()).timers().singleResult();
        management.executeJob(timer.getId());
        runJobs(waiting);

        assertThat(waiting).isEnded().hasPassed("Boundary_LockTimeout", "Task_RecordFailure", "EndEvent_BackupFailed");
        HistoryEntry row = history.listByOwner(waiting.getId()).get(0);
        assertThat(row.status()).isEqualTo(BackupHistory.FAILED);
        assertThat(row.failedStep()).isEqualTo("Task_AcquireLease");
        assertThat(row.message()).startsWith("Gave up waiting for the lock on the backup root after 10m (backup.lock.max-wait): run "
                + holder.getId() + " (Daily backup)");
        ClockUtil.reset();
        runJobs(holder);
        assertThat(holder).isEnded().hasPassed("EndEvent_BackupCompleted");
    }

    @Test
    void runEndsWithNotEnoughSpaceWhenEstimateExceedsFreeSpace() throws Exception {
        // the last complete set claims 1 PiB: the next one cannot fit
        ProcessInstance last = runtime.startProcessInstanceByKey("DailyBackupProcess");
        runJobs(last);
        String id = (String) historicVariable(last, "backupId");
        Path manifestFile = DIR.resolve("backup/daily/manifest_" + id + ".json");
        String original = Files.readString(manifestFile);
        Files.writeString(manifestFile, original.replaceFirst("\"bytes\" : \\d+", "\"bytes\" : 1125899906842624"));
        try {
            ProcessInstance instance = runtime.startProcessInstanceByKey("DailyBackupProcess");
            runJobs(instance);

            assertThat(instance).isEnded().hasPassed("Boundary_NotEnoughSpace", "Task_RecordFailure", "EndEvent_BackupFailed");
            HistoryEntry row = history.listByOwner(instance.getId()).get(0);
            assertThat(row.failedStep()).isEqualTo("Task_CheckSpaceForSet");
            assertThat(row.message()).startsWith("Not enough space on the backup volume for daily/").contains(" needed (estimate ")
                    .endsWith("Free space (the cleanup process deletes expired sets) or enlarge the volume.");
            assertThat(Files.readString(DIR.resolve("llm-backup.log"))).contains("Daily backup FAILED at Task_CheckSpaceForSet: Not enough space");
            assertNoStagingLeft();
        } finally {
            Files.writeString(manifestFile, original);
        }
    }

    @Test
    void runEndsWithDumpInvalidWhenDumpIsCorrupted() throws Exception {
        ProcessInstance instance = runtime.startProcessInstanceByKey("DailyBackupProcess");
        executeUntil(instance, "Task_VerifyDump");
        String id = (String) runtime.getVariable(instance.getId(), "backupId");
        try (Stream<Path> dumps = Files.walk(DIR.resolve("backup/.staging"))) {
            Path dump = dumps.filter(p -> p.getFileName().toString().equals("db_" + id + ".dump")).findFirst().orElseThrow();
            Files.write(dump, new byte[] {'n', 'o', 't', ' ', 'a', ' ', 'd', 'u', 'm', 'p'});
        }
        runJobs(instance);

        assertThat(instance).isEnded().hasPassed("Boundary_DumpInvalid", "EndEvent_BackupFailed");
        HistoryEntry row = history.listByOwner(instance.getId()).get(0);
        assertThat(row.message()).startsWith("pg_restore --list cannot read db_" + id + ".dump (exit code 1): ");
        assertThat(catalog.find(BackupKind.DAILY, com.llmbackup.catalog.BackupSetId.parse(id))).isEmpty();
        assertNoStagingLeft();
    }

    @Test
    void runStopsWithoutPublishingWhenLockWasTakenOver() {
        ProcessInstance instance = runtime.startProcessInstanceByKey("DailyBackupProcess");
        executeUntil(instance, "Task_DumpDatabase");
        String id = (String) runtime.getVariable(instance.getId(), "backupId");
        try (LeaseManager other = new LeaseManager(DIR.resolve("backup"), Duration.ofMinutes(2), java.time.Clock.systemUTC(),
                owner -> OwnerLiveness.State.ENDED, FilePermissions.ownerOnly())) {
            assertThat(other.tryAcquire("intruder", "test").takenOverFrom()).isEqualTo(instance.getId());
            runJobs(instance);
            other.release("intruder");
        }

        assertThat(instance).isEnded().hasPassed("StartEvent_LeaseLost", "Task_RecordLeaseLost", "EndEvent_LeaseLost")
                .hasNotPassed("Task_PublishSet");
        assertThat(catalog.find(BackupKind.DAILY, com.llmbackup.catalog.BackupSetId.parse(id))).isEmpty();
        assertThat(history.listByOwner(instance.getId()).get(0).message()).contains("took it over");
    }

    @Test
    void technicalFailuresBecomeIncidentsWithHistoryAndNextRunCompletes() throws Exception {
        // wrong password, then a missing uploads folder: each retried, then an incident
        PG.execute("postgres", "alter role " + ROLE + " password 'changed-by-someone'");
        ProcessInstance wrongPassword;
        try {
            wrongPassword = runtime.startProcessInstanceByKey("DailyBackupProcess");
            runJobs(wrongPassword);
        } finally {
            PG.execute("postgres", "alter role " + ROLE + " password '" + ROLE_PASSWORD + "'");
        }
        assertIncidentRecorded(wrongPassword, "Task_DumpDatabase", "password authentication failed for user");

        Path uploads = DIR.resolve("uploads");
        Path moved = DIR.resolve("uploads-moved");
        Files.move(uploads, moved);
        ProcessInstance noUploads;
        try {
            noUploads = runtime.startProcessInstanceByKey("DailyBackupProcess");
            runJobs(noUploads);
        } finally {
            Files.move(moved, uploads);
        }
        assertIncidentRecorded(noUploads, "Task_SnapshotUploads", "the uploads folder does not exist");

        ProcessInstance next = runtime.startProcessInstanceByKey("DailyBackupProcess");
        runJobs(next);
        assertThat(next).isEnded().hasPassed("EndEvent_BackupCompleted");
        assertThat(history.listByOwner(next.getId()).get(0).warnings())
                .contains("Took the lock over from run " + noUploads.getId() + ": its process instance is in an incident.");
        assertNoStagingLeft();
        assertThat(catalog.list()).filteredOn(s -> s.status() != BackupSet.Status.COMPLETE).isEmpty();
    }

    @Test
    void fullBackupVolumeBecomesIncidentAndNextRunCompletesOnceSpaceIsFreed() throws Exception {
        Path root = DIR.resolve("backup");
        Path big = DIR.resolve("uploads/user9/big.bin");
        exec("mount", "-t", "tmpfs", "-o", "size=100m", "tmpfs", root.toString());
        try {
            // an earlier small set keeps the estimate low: the volume fills up while the snapshot is written
            FileTrees.write(root, Map.of("daily/manifest_20000101.json", """
                    {"formatVersion": 1, "kind": "daily", "id": "20000101", "status": "complete",
                     "artifacts": [], "files": [], "stats": {"bytes": 1, "fileCount": 0, "filesCopied": 0, "filesLinked": 0}}"""));
            Files.write(root.resolve("filler"), new byte[30 * 1024 * 1024]);
            Files.createDirectories(big.getParent());
            Files.write(big, new byte[80 * 1024 * 1024]);

            ProcessInstance full = runtime.startProcessInstanceByKey("DailyBackupProcess");
            runJobs(full);

            assertIncidentRecorded(full, "Task_SnapshotUploads", "No space left on device");
            Files.delete(root.resolve("filler"));
            Files.delete(big);
            ProcessInstance next = runtime.startProcessInstanceByKey("DailyBackupProcess");
            runJobs(next);
            assertThat(next).isEnded().hasPassed("EndEvent_BackupCompleted");
            assertNoStagingLeft();
        } finally {
            Files.deleteIfExists(big);
            exec("umount", root.toString());
        }
    }

    private static void exec(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", argv) + ": " + out).isZero();
    }

    private void assertIncidentRecorded(ProcessInstance instance, String step, String cause) throws IOException {
        assertThat(runtime.createIncidentQuery().processInstanceId(instance.getId()).singleResult().getActivityId()).isEqualTo(step);
        HistoryEntry row = history.listByOwner(instance.getId()).get(0);
        assertThat(row.status()).isEqualTo(BackupHistory.FAILED);
        assertThat(row.failedStep()).isEqualTo(step);
        assertThat(row.message()).contains(cause);
        assertThat(Files.readString(DIR.resolve("llm-backup.log"))).contains("Daily backup FAILED at " + step + ": ");
        String id = row.backupId();
        assertThat(catalog.find(BackupKind.DAILY, com.llmbackup.catalog.BackupSetId.parse(id))).isEmpty();
    }

    private void assertNoStagingLeft() throws IOException {
        Path staging = DIR.resolve("backup/.staging");
        if (Files.isDirectory(staging)) {
            try (Stream<Path> left = Files.list(staging)) {
                assertThat(left).isEmpty();
            }
        }
    }

    private Object historicVariable(ProcessInstance instance, String name) {
        return engine.getHistoryService().createHistoricVariableInstanceQuery().processInstanceId(instance.getId())
                .variableName(name).singleResult().getValue();
    }

    private String tableDigest(String database, String table) throws Exception {
        try (var c = PG.connect(database); var rs = c.createStatement().executeQuery(
                "select count(*) || ':' || coalesce(md5(string_agg(t::text, '|' order by t::text)), '') from " + table + " t")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static int sequence(String id) {
        return id.length() > 8 ? Integer.parseInt(id.substring(9)) : 1;
    }

    /** Executes the instance's due jobs, retrying failed ones until they run out of retries, as the job executor would. */
    private void runJobs(ProcessInstance instance) {
        for (int i = 0; i < 100; i++) {
            List<Job> jobs = management.createJobQuery().processInstanceId(instance.getId()).withRetriesLeft().list().stream()
                    .filter(j -> !isWaitTimer(j) || !j.getDuedate().after(ClockUtil.getCurrentTime())).toList();
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
        throw new AssertionError("the process did not settle after 100 rounds");
    }

    private void executeNext(ProcessInstance instance) {
        Job job = management.createJobQuery().processInstanceId(instance.getId()).withRetriesLeft().list().get(0);
        management.executeJob(job.getId());
    }

    /** Executes jobs until the next one is the given activity's. */
    private void executeUntil(ProcessInstance instance, String activityId) {
        for (int i = 0; i < 20; i++) {
            if (management.createJobQuery().processInstanceId(instance.getId()).activityId(activityId).count() > 0) {
                return;
            }
            management.executeJob(management.createJobQuery().processInstanceId(instance.getId()).singleResult().getId());
        }
        throw new AssertionError(activityId + " was never reached");
    }

    private static boolean isWaitTimer(Job job) {
        return job instanceof org.camunda.bpm.engine.impl.persistence.entity.TimerEntity;
    }
}
