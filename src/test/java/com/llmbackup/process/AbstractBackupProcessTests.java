package com.llmbackup.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupHistory;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.LeaseManager;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.test.FileTrees;
import com.llmbackup.test.SteppedClock;
import com.llmbackup.test.TestHttpServer;
import com.llmbackup.test.TestPostgres;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.ProcessEngines;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.identity.User;
import org.camunda.bpm.engine.impl.persistence.entity.ExecutionEntity;
import org.camunda.bpm.engine.impl.persistence.entity.TimerEntity;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.engine.test.assertions.bpmn.AbstractAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * The environment of the backup process tests: one Spring context (the real engine and
 * models) on a real PostgreSQL database and real folders, shared by the daily and weekly
 * tests, and the helpers that drive jobs as the job executor would.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
// a test property (not a dynamic one) so that a subclass can override it with its own @TestPropertySource
@TestPropertySource(properties = "backup.retry-cycle=R1/PT1S")
@Import(AbstractBackupProcessTests.OrchestratorClock.class)
public abstract class AbstractBackupProcessTests {

    /** The orchestrator's clock (every service's), stepped away from the database server's by tests of a wrong clock. */
    @TestConfiguration(proxyBeanMethods = false)
    static class OrchestratorClock {
        @Bean
        @Primary
        SteppedClock steppedClock() {
            return new SteppedClock(Clock.systemDefaultZone());
        }
    }

    protected static final TestPostgres PG = TestPostgres.get();
    protected static final Path DIR;
    protected static final String DATABASE;
    protected static final String ROLE = "backup_runner";
    protected static final String ROLE_PASSWORD = "runner-pw";
    /** Receives the alerts of every failure in these tests (backup.alerts.webhook-url). */
    protected static final TestHttpServer ALERTS;

    static {
        try {
            ALERTS = new TestHttpServer();
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
    protected static void environment(DynamicPropertyRegistry registry) {
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
        registry.add("backup.lock.max-wait", () -> "10m");
        registry.add("backup.alerts.webhook-url", ALERTS::alertsUrl);
        // Spring Boot's tests switch metric export off by default; /actuator/prometheus is tested here
        registry.add("management.prometheus.metrics.export.enabled", () -> "true");
        registry.add("backup.extra-files", () -> DIR.resolve("webapp/docker-compose.yml") + "," + DIR.resolve("webapp/.env"));
    }

    @Autowired
    protected ProcessEngine engine;
    @Autowired
    protected RuntimeService runtime;
    @Autowired
    protected ManagementService management;
    @Autowired
    protected BackupCatalog catalog;
    @Autowired
    protected BackupHistory history;
    @Autowired
    protected LeaseManager leases;
    @Autowired
    protected IdentityService identity;
    @Autowired
    protected SteppedClock orchestratorClock;
    @LocalServerPort
    protected int port;

    protected final ObjectMapper json = new ObjectMapper();

    @BeforeEach
    protected void init() {
        AbstractAssertions.init(engine);
        // each cached test context builds an engine named "default"; the REST authentication
        // filter finds engines by name in a static registry, so make it this context's engine
        ProcessEngines.registerProcessEngine(engine);
    }

    /** An engine user for the REST, API and page tests, in {@code group} when not null; created once per context. */
    protected void ensureUser(String id, String password, String group) {
        if (identity.createUserQuery().userId(id).count() == 0) {
            User user = identity.newUser(id);
            user.setPassword(password);
            identity.saveUser(user);
            if (group != null) {
                identity.createMembership(id, group);
            }
        }
    }

    @AfterEach
    protected void resetClock() {
        ClockUtil.reset();
        orchestratorClock.reset();
    }

    protected static void exec(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", argv) + ": " + out).isZero();
    }

    protected void assertIncidentRecorded(ProcessInstance instance, String step, String cause) throws Exception {
        assertIncidentRecorded(instance, BackupKind.DAILY, step, cause);
    }

    /** The incident, and what it says in the history row, the log line and the alert; no set published. */
    protected void assertIncidentRecorded(ProcessInstance instance, BackupKind kind, String step, String cause) throws Exception {
        // the incident sits in the called run, and is propagated to the daily's call activity
        assertThat(runtime.createIncidentQuery().processInstanceId(calledRun(instance).getId()).singleResult().getActivityId()).isEqualTo(step);
        HistoryEntry row = history.listByOwner(instance.getId()).get(0);
        assertThat(row.status()).isEqualTo(RunStatus.FAILED);
        assertThat(row.problems().failedStep()).isEqualTo(step);
        assertThat(row.message()).contains(cause);
        String title = kind == BackupKind.WEEKLY ? "Weekly full" : "Daily";
        assertThat(Files.readString(DIR.resolve("llm-backup.log"))).contains(title + " backup FAILED at " + step + ": ");
        JsonNode alert = awaitAlert(instance.getId());
        assertThat(alert.get("failedStep").asText()).isEqualTo(step);
        assertThat(alert.get("message").asText()).contains(cause);
        String id = row.backupId();
        assertThat(catalog.find(kind, BackupSetId.parse(id))).isEmpty();
    }

    /** The alert the receiver got for a run (alerts go out on a thread of their own). */
    protected JsonNode awaitAlert(String processInstanceId) throws Exception {
        for (int i = 0; i < 200; i++) {
            for (String body : ALERTS.alerts()) {
                JsonNode alert = json.readTree(body);
                if (processInstanceId.equals(alert.path("processInstanceId").asText())) {
                    return alert;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no alert for " + processInstanceId + " among " + ALERTS.alerts());
    }

    protected void assertNoStagingLeft() throws IOException {
        Path staging = DIR.resolve("backup/.staging");
        if (Files.isDirectory(staging)) {
            try (Stream<Path> left = Files.list(staging)) {
                assertThat(left).isEmpty();
            }
        }
    }

    /** A daily backup run to its end (its set is published unless a test broke something). */
    protected ProcessInstance completedDaily() {
        ProcessInstance daily = runtime.startProcessInstanceByKey("DailyBackupProcess");
        runJobs(daily);
        return daily;
    }

    protected Object historicVariable(ProcessInstance instance, String name) {
        return engine.getHistoryService().createHistoricVariableInstanceQuery().processInstanceId(instance.getId())
                .variableName(name).singleResult().getValue();
    }

    protected String tableDigest(String database, String table) throws Exception {
        try (var c = PG.connect(database); var rs = c.createStatement().executeQuery(
                "select count(*) || ':' || coalesce(md5(string_agg(t::text, '|' order by t::text)), '') from " + table + " t")) {
            rs.next();
            return rs.getString(1);
        }
    }

    protected static int sequence(String id) {
        return id.length() > 8 ? Integer.parseInt(id.substring(9)) : 1;
    }

    /** The instance and every instance it called, directly or not (a daily and its BackupRunProcess). */
    protected List<String> instanceTree(String id) {
        List<String> ids = new ArrayList<>(List.of(id));
        for (var child : engine.getHistoryService().createHistoricProcessInstanceQuery().superProcessInstanceId(id).list()) {
            ids.addAll(instanceTree(child.getId()));
        }
        return ids;
    }

    /** The jobs of the instance and of the instances it called. */
    protected List<Job> jobsOf(ProcessInstance instance) {
        return instanceTree(instance.getId()).stream()
                .flatMap(id -> management.createJobQuery().processInstanceId(id).withRetriesLeft().list().stream()).toList();
    }

    /**
     * The {@code BackupRunProcess} instance a daily, weekly or restore called (ended or not), for
     * asserting its path: {@code assertThat(calledRun(daily)).hasPassed("Task_SnapshotUploads")}.
     */
    protected ProcessInstance calledRun(ProcessInstance caller) {
        var called = engine.getHistoryService().createHistoricProcessInstanceQuery().superProcessInstanceId(caller.getId())
                .processDefinitionKey("BackupRunProcess").singleResult();
        assertThat(called).as("the BackupRunProcess called by " + caller.getId()).isNotNull();
        var instance = new ExecutionEntity();
        instance.setId(called.getId());
        instance.setProcessInstanceId(called.getId());
        instance.setProcessDefinitionId(called.getProcessDefinitionId());
        return instance;
    }

    /** Executes the instance's due jobs, retrying failed ones until they run out of retries, as the job executor would. */
    protected void runJobs(ProcessInstance instance) {
        for (int i = 0; i < 100; i++) {
            List<Job> jobs = jobsOf(instance).stream()
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

    /** The wait-for-lock timer of the instance or of the run it called. */
    protected Job waitTimer(ProcessInstance instance) {
        List<Job> timers = jobsOf(instance).stream().filter(AbstractBackupProcessTests::isWaitTimer).toList();
        assertThat(timers).as("one wait timer").hasSize(1);
        return timers.get(0);
    }

    protected String activityOf(Job job) {
        return management.createJobDefinitionQuery().jobDefinitionId(job.getJobDefinitionId()).singleResult().getActivityId();
    }

    /** Executes the next step; entering the called BackupRunProcess is not a step of its own. */
    protected void executeNext(ProcessInstance instance) {
        Job job = jobsOf(instance).get(0);
        management.executeJob(job.getId());
        if (activityOf(job).startsWith("CallActivity_")) {
            executeNext(instance);
        }
    }

    /** Executes jobs until the next one is the given activity's. */
    protected void executeUntil(ProcessInstance instance, String activityId) {
        for (int i = 0; i < 20; i++) {
            List<Job> jobs = jobsOf(instance);
            if (jobs.stream().anyMatch(j -> activityId.equals(activityOf(j)))) {
                return;
            }
            assertThat(jobs).as("one job to run next").hasSize(1);
            management.executeJob(jobs.get(0).getId());
        }
        throw new AssertionError(activityId + " was never reached");
    }

    private static boolean isWaitTimer(Job job) {
        return job instanceof TimerEntity;
    }
}
