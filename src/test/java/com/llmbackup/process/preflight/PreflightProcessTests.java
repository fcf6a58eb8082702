package com.llmbackup.process.preflight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import com.llmbackup.test.TestDocker;
import com.llmbackup.test.TestHttpServer;
import com.llmbackup.test.TestPostgres;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.engine.test.assertions.bpmn.AbstractAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.testcontainers.containers.GenericContainer;

/** The real engine running the real {@code PreflightProcess} model against real services. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class PreflightProcessTests {

    private static final String PROJECT = "preflight-process-" + Long.toHexString(System.nanoTime());
    private static final Path DIR;
    private static final TestHttpServer WEB;
    private static final List<GenericContainer<?>> CONTAINERS;

    static {
        try {
            DIR = Files.createTempDirectory("preflight-process-");
            Files.setPosixFilePermissions(Files.createDirectories(DIR.resolve("backup")), PosixFilePermissions.fromString("rwx------"));
            Files.createDirectories(DIR.resolve("uploads/user1"));
            WEB = new TestHttpServer();
            CONTAINERS = List.of(TestDocker.composeService(PROJECT, "backend"), TestDocker.composeService(PROJECT, "frontend"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @DynamicPropertySource
    static void environment(DynamicPropertyRegistry registry) {
        TestPostgres pg = TestPostgres.get();
        String database = pg.createDatabase("llm_webapp");
        registry.add("spring.datasource.url", () -> "jdbc:h2:mem:preflight-" + System.nanoTime());
        registry.add("camunda.bpm.job-execution.enabled", () -> "false");
        registry.add("backup.preflight.on-startup", () -> "false");
        registry.add("backup.root", () -> DIR.resolve("backup").toString());
        registry.add("backup.uploads-dir", () -> DIR.resolve("uploads").toString());
        registry.add("backup.log-file", () -> DIR.resolve("llm-backup.log").toString());
        registry.add("backup.database.host", () -> "127.0.0.1");
        registry.add("backup.database.port", pg::port);
        registry.add("backup.database.name", () -> database);
        registry.add("backup.database.user", () -> TestPostgres.SUPERUSER);
        registry.add("backup.database.password", () -> TestPostgres.SUPERUSER_PASSWORD);
        registry.add("backup.postgres.bin-dir", () -> pg.binDir().toString());
        registry.add("backup.compose.project", () -> PROJECT);
        registry.add("backup.health.url", WEB::healthUrl);
    }

    @AfterAll
    static void stop() {
        CONTAINERS.forEach(GenericContainer::stop);
        WEB.close();
    }

    @Autowired
    ProcessEngine engine;
    @Autowired
    RuntimeService runtime;
    @Autowired
    ManagementService management;

    @BeforeEach
    void initAssertions() {
        AbstractAssertions.init(engine);
        WEB.respond(200, "{\"status\":\"ok\"}");
    }

    @Test
    void preflightEndsPassedWhenEveryCheckPasses() throws IOException {
        ProcessInstance instance = runtime.startProcessInstanceByKey("PreflightProcess");

        runJobs(instance);

        assertThat(instance).hasPassedInOrder("Task_CheckBackupRoot", "Task_CheckFreeSpace", "Task_CheckDatabase",
                        "Task_CheckPgDumpVersion", "Task_CheckUploads", "Task_CheckDocker", "Task_CheckHealthUrl", "Task_CheckOffsite",
                        "Task_CheckWalStreaming", "Task_ReportPreflight")
                .isEnded().hasPassed("EndEvent_PreflightPassed").hasNotPassed("EndEvent_PreflightFailed");
        assertThat(instance).variables()
                .containsEntry("preflightPassed", true)
                .containsEntry("failedChecks", "")
                .containsEntry("databaseStatus", "PASS")
                .containsEntry("dockerStatus", "PASS")
                .containsEntry("freeSpaceStatus", "WARN")
                .containsEntry("walStreamingStatus", "PASS");
        assertThat((String) runtimeVariable(instance, "preflightSummary"))
                .startsWith("Preflight passed: 8 passed, 1 warning(s), 0 failed\n");
        assertThat(Files.readString(DIR.resolve("llm-backup.log")))
                .contains("] Preflight passed: 8 passed, 1 warning(s), 0 failed\n");
    }

    @Test
    void preflightEndsFailedWithVerdictWhenCheckFails() throws IOException {
        WEB.respond(500, "internal error");
        ProcessInstance instance = runtime.startProcessInstanceByKey("PreflightProcess");

        runJobs(instance);

        assertThat(instance).hasPassed("Task_CheckHealthUrl", "Task_ReportPreflight")
                .isEnded().hasPassed("EndEvent_PreflightFailed").hasNotPassed("EndEvent_PreflightPassed");
        assertThat(instance).variables()
                .containsEntry("preflightPassed", false)
                .containsEntry("failedChecks", "healthUrl")
                .containsEntry("healthUrlStatus", "FAIL");
        assertThat((String) runtimeVariable(instance, "healthUrlVerdict"))
                .startsWith(WEB.healthUrl() + " answered with error HTTP 500 in ")
                .endsWith(" ms: internal error.");
        assertThat((String) runtimeVariable(instance, "preflightSummary"))
                .startsWith("Preflight failed: 7 passed, 1 warning(s), 1 failed (healthUrl)\n")
                .contains("healthUrl: FAIL - ").contains("Do: Check the web app (docker-compose ps; docker-compose logs backend)");
        assertThat(Files.readString(DIR.resolve("llm-backup.log")))
                .contains("] Preflight failed: 7 passed, 1 warning(s), 1 failed (healthUrl)\n");
    }

    private Object runtimeVariable(ProcessInstance instance, String name) {
        return engine.getHistoryService().createHistoricVariableInstanceQuery()
                .processInstanceId(instance.getId()).variableName(name).singleResult().getValue();
    }

    /** Executes the model's asynchronous steps one by one, as the job executor would. */
    private void runJobs(ProcessInstance instance) {
        for (int i = 0; i < 50; i++) {
            List<Job> jobs = management.createJobQuery().processInstanceId(instance.getId()).executable().list();
            if (jobs.isEmpty()) {
                return;
            }
            jobs.forEach(job -> management.executeJob(job.getId()));
        }
        throw new AssertionError("the process did not end after 50 job runs");
    }
}
