package com.llmbackup.process.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.offsite.OffsiteRepository;
import com.llmbackup.offsite.OffsiteSnapshot;
import com.llmbackup.offsite.OffsiteState;
import com.llmbackup.process.AbstractBackupProcessTests;
import com.llmbackup.test.AdminBrowser;
import com.llmbackup.test.LocalHttp;
import com.llmbackup.test.TestS3;
import org.assertj.core.data.Offset;
import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The offsite copy step of the real backup chain, on a real S3 server (S3Proxy on 127.0.0.1; the
 * key only in {@code backup.offsite.env-file}): a bucket without a repository yet leaves the
 * local weekly complete, the run COMPLETED with a warning and an alert; the next run (a daily),
 * with the repository created, copies its own set and catches up the weekly. (Two sets of one
 * day and kind would not do: the offsite retention keeps only the newer, so the older is not
 * sent.) The key appears in no history row, process variable, log line or page.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(OutputCaptureExtension.class)
class OffsiteBackupProcessTests extends AbstractBackupProcessTests {

    static final Path OFFSITE_DIR = DIR.resolve("offsite");
    static final Path PASSWORD = OFFSITE_DIR.resolve("password");
    static final String BUCKET = "llm-backup-offsite";
    static TestS3 s3;
    static String repository;

    @DynamicPropertySource
    static void offsite(DynamicPropertyRegistry registry) throws Exception {
        Files.createDirectories(OFFSITE_DIR);
        Files.writeString(PASSWORD, "offsite secret\n");
        s3 = TestS3.start(OFFSITE_DIR.resolve("s3"));
        s3.createBucket(BUCKET);
        repository = s3.repository(BUCKET, "repository");
        Path envFile = s3.writeEnvFile(OFFSITE_DIR.resolve("s3.env"));
        registry.add("backup.offsite.repository", () -> repository);
        registry.add("backup.offsite.password-file", PASSWORD::toString);
        registry.add("backup.offsite.env-file", envFile::toString);
        // other test classes share the backup root: catch up every set of ours, whatever else is there
        registry.add("backup.offsite.catch-up-limit", () -> "100");
        // the drill's restic check reads every pack: the one corrupted below is always read
        registry.add("backup.offsite.check-read-data-subset", () -> "100%");
    }

    @AfterAll
    static void stopS3() {
        if (s3 != null) {
            s3.close();
        }
    }

    /** The repository's files on this machine (S3Proxy's filesystem backend keeps objects as files by their keys). */
    static Path repositoryFiles() {
        return s3.dataDir().resolve(BUCKET).resolve("repository");
    }

    @Autowired
    OffsiteRepository offsite;
    @Autowired
    OffsiteState state;
    @Autowired
    HistoryService historyService;

    @Test
    @Order(1)
    void runCompletesWithWarningAndAlertWhenRepositoryIsUnreachableAndNextRunCatchesUp(CapturedOutput output) throws Exception {
        ProcessInstance first = runtime.startProcessInstanceByKey("WeeklyBackupProcess");
        runJobs(first);

        assertThat(first).isEnded().hasPassed("EndEvent_BackupCompleted");
        assertThat(calledRun(first)).hasPassedInOrder("Task_PublishSet", "Task_CopyOffsite", "Task_RecordHistory");
        String firstId = (String) historicVariable(first, "backupId");
        assertThat(catalog.find(BackupKind.WEEKLY, BackupSetId.parse(firstId))).isPresent();
        HistoryEntry firstRow = history.listByOwner(first.getId()).get(0);
        assertThat(firstRow.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(firstRow.offsite().snapshotId()).isNull();
        String warning = "Offsite copy failed: Cannot list the offsite snapshots (" + repository + "): restic exited with code 1: ";
        assertThat(firstRow.problems().warnings()).contains(warning)
                .contains("No repository at that location: create it once with restic init (see docs/offsite.md), or fix backup.offsite.repository. "
                        + "The local set weekly/" + firstId + " is complete; the next run copies every set still missing offsite.");
        assertThat(Files.readString(DIR.resolve("llm-backup.log"))).contains("Weekly full backup warning: " + warning);
        JsonNode alert = awaitOffsiteAlert("weekly/" + firstId);
        assertThat(alert.get("runId").asLong()).isEqualTo(firstRow.id());
        assertThat(alert.get("message").asText()).contains("No repository at that location");
        assertThat(state.summary().lastFailure()).contains("No repository at that location");

        offsite.init(); // the repository is created
        ProcessInstance second = runtime.startProcessInstanceByKey("DailyBackupProcess");
        runJobs(second);

        assertThat(second).isEnded().hasPassed("EndEvent_BackupCompleted");
        String secondId = (String) historicVariable(second, "backupId");
        HistoryEntry secondRow = history.listByOwner(second.getId()).get(0);
        assertThat(secondRow.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(secondRow.problems().warnings() == null ? "" : secondRow.problems().warnings()).doesNotContain("Offsite");
        assertThat(secondRow.offsite().snapshotId()).isNotBlank();
        assertThat(secondRow.offsite().bytesSent()).isPositive();
        assertThat(secondRow.request().details()).contains("Offsite caught up: weekly/" + firstId + " (snapshot ");
        assertThat(history.find(firstRow.id()).orElseThrow().offsite().snapshotId()).isNotBlank();
        List<OffsiteSnapshot> snapshots = offsite.snapshots();
        assertThat(snapshots).anySatisfy(s -> assertThat(s.copies(BackupKind.WEEKLY, BackupSetId.parse(firstId))).isTrue());
        assertThat(snapshots).anySatisfy(s -> assertThat(s.copies(BackupKind.DAILY, BackupSetId.parse(secondId))).isTrue());
        assertThat(state.of(BackupKind.WEEKLY, BackupSetId.parse(firstId)).status()).isEqualTo(OffsiteState.Status.OFFSITE);
        assertThat(state.summary().lastFailure()).isNull();
        assertThat(state.summary().lastSuccessAt()).isNotNull();
        assertThat(Files.readString(DIR.resolve("llm-backup.log"))).contains("Offsite copied: daily/" + secondId + " (snapshot ");

        // what the admin panel and the monitoring read
        ensureUser("offsitewatcher", "watcher-pw", null);
        JsonNode page = json.readTree(LocalHttp.call(port, "GET", "/api/backups?kind=daily", "offsitewatcher:watcher-pw", null).body());
        assertThat(page.get("offsite").get("enabled").asBoolean()).isTrue();
        assertThat(page.get("offsite").get("lastFailure").isNull()).isTrue();
        assertThat(page.get("items").findValues("offsite")).anySatisfy(o ->
                assertThat(o.get("snapshotId").asText()).isEqualTo(secondRow.offsite().snapshotId()));
        JsonNode sets = json.readTree(LocalHttp.call(port, "GET", "/api/backups/sets?kind=daily", "offsitewatcher:watcher-pw", null).body());
        JsonNode copied = StreamSupport.stream(sets.get("items").spliterator(), false)
                .filter(set -> secondId.equals(set.get("id").asText())).findFirst().orElseThrow();
        assertThat(copied.get("offsite").get("state").asText()).isEqualTo("offsite");
        assertThat(copied.get("offsite").get("snapshotId").asText()).isEqualTo(state.of(BackupKind.DAILY, BackupSetId.parse(secondId)).snapshotId());
        String metrics = LocalHttp.call(port, "GET", "/actuator/prometheus", "offsitewatcher:watcher-pw", null).body();
        Matcher m = Pattern.compile("(?m)^llm_backup_offsite_last_success_timestamp_seconds (\\S+)$").matcher(metrics);
        assertThat(m.find()).as(metrics).isTrue();
        assertThat(Double.parseDouble(m.group(1))).isCloseTo(Instant.now().getEpochSecond(), Offset.offset(300.0));

        // the offsite card: what the newest copy read and sent, as the history recorded it
        JsonNode storage = json.readTree(LocalHttp.call(port, "GET", "/api/backups/storage", "offsitewatcher:watcher-pw", null).body());
        JsonNode lastCopy = storage.get("offsite").get("lastCopy");
        HistoryEntry.Offsite recorded = history.find(firstRow.id()).orElseThrow().offsite();
        assertThat(lastCopy.get("set").asText()).isEqualTo("weekly/" + firstId);
        assertThat(lastCopy.get("filesRead").asLong()).isEqualTo(recorded.filesRead()).isPositive();
        assertThat(lastCopy.get("bytesSent").asLong()).isEqualTo(recorded.bytesSent());
        try (AdminBrowser browser = new AdminBrowser("en-US").logIn(port, "offsitewatcher", "watcher-pw")) {
            browser.await(By.id("offsite-last-copy"));
            assertThat(browser.text(By.id("offsite-last-copy"))).contains("last copy ").contains(" · weekly/" + firstId + ": read "
                    + recorded.filesRead() + " of " + (recorded.filesRead() + recorded.filesUnchanged()) + " files (")
                    .contains(" unchanged, not read again), sent ");
            browser.screenshot("offsite-card.png");
        }

        // the S3 key: in the env-file and restic's environment, nowhere an operator or a log reader sees
        List<String> seen = new ArrayList<>();
        historyService.createHistoricVariableInstanceQuery().list().forEach(v -> seen.add(v.getName() + "=" + v.getValue()));
        history.listByOwner(first.getId()).forEach(e -> seen.add(e.toString()));
        history.listByOwner(second.getId()).forEach(e -> seen.add(e.toString()));
        seen.add(LocalHttp.call(port, "GET", "/api/backups", "offsitewatcher:watcher-pw", null).body());
        seen.add(storage.toString());
        seen.add(Files.readString(DIR.resolve("llm-backup.log")));
        seen.add(output.getAll());
        assertThat(seen).isNotEmpty().allSatisfy(text -> assertThat(text).doesNotContain(s3.secretKey()).doesNotContain(s3.accessKey()));
    }

    @Test
    @Order(2)
    void drillWhenOffsiteIsOnChecksTheRepositoryAndTheCopyAndFailsNamingADamagedPack() throws Exception {
        if (!Files.exists(repositoryFiles().resolve("config"))) {
            offsite.init(); // run alone: the test above makes the repository
        }
        ProcessInstance daily = runtime.startProcessInstanceByKey("DailyBackupProcess");
        runJobs(daily);
        String id = (String) historicVariable(daily, "backupId");
        assertThat(history.listByOwner(daily.getId()).get(0).offsite().snapshotId()).isNotBlank();
        ensureUser("offsiteauditor", "auditor-pw", "operators");

        HistoryEntry passed = drillOf(id, "EndEvent_DrillPassed");
        assertThat(passed.status()).as(passed.message()).isEqualTo(RunStatus.COMPLETED);
        JsonNode offsiteCheck = drillCheck(passed.id(), "offsite");
        assertThat(offsiteCheck.get("passed").asBoolean()).isTrue();
        assertThat(offsiteCheck.get("detail").asText()).contains("restic check passed on " + repository + " (read 100% of the data packs)")
                .contains("The offsite copy of daily/" + id + " (snapshot ").contains("restores and matches its manifest");

        Path pack;
        try (Stream<Path> walk = Files.walk(repositoryFiles().resolve("data"))) {
            pack = walk.filter(Files::isRegularFile).max(Comparator.comparingLong(p -> p.toFile().length())).orElseThrow();
        }
        byte[] original = Files.readAllBytes(pack);
        byte[] damaged = original.clone();
        damaged[damaged.length / 2] ^= 0x5a;
        pack.toFile().setWritable(true);
        Files.write(pack, damaged);
        try {
            HistoryEntry failed = drillOf(id, "EndEvent_DrillFailed");
            assertThat(failed.status()).isEqualTo(RunStatus.FAILED);
            String packName = "data/" + pack.getParent().getFileName() + "/" + pack.getFileName();
            assertThat(failed.message()).startsWith("Restore drill of daily/" + id + " failed (offsite): restic check of the offsite repository failed: ")
                    .contains("damaged pack " + packName);
            assertThat(drillCheck(failed.id(), "offsite").get("passed").asBoolean()).isFalse();
            // the local set itself restored and matched: only the offsite copy is damaged
            assertThat(drillCheck(failed.id(), "uploads").get("passed").asBoolean()).isTrue();
        } finally {
            Files.write(pack, original);
        }
        assertThat(Files.list(DIR.resolve("backup/scratch")).map(p -> p.getFileName().toString()))
                .noneMatch(name -> name.startsWith("drill-"));
    }

    /** A drill of daily/{id} run to its end at {@code endEvent}; its history row. */
    private HistoryEntry drillOf(String id, String endEvent) {
        ProcessInstance drill = runtime.startProcessInstanceByKey("RestoreDrillProcess",
                Map.of("backupKind", "daily", "backupId", id));
        runJobs(drill);
        assertThat(drill).isEnded().hasPassed(endEvent);
        return history.listByOwner(drill.getId()).stream().filter(e -> e.kind() == RunKind.DRILL)
                .findFirst().orElseThrow();
    }

    private JsonNode drillCheck(long runId, String name) throws Exception {
        var response = LocalHttp.call(port, "GET", "/api/backups/drills/" + runId, "offsiteauditor:auditor-pw", null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        for (JsonNode check : json.readTree(response.body()).get("checks")) {
            if (name.equals(check.get("name").asText())) {
                return check;
            }
        }
        throw new AssertionError("no check " + name + " in " + response.body());
    }

    private JsonNode awaitOffsiteAlert(String set) throws Exception {
        for (int i = 0; i < 200; i++) {
            for (String body : ALERTS.alerts()) {
                JsonNode alert = json.readTree(body);
                if ("offsite_copy_failed".equals(alert.path("event").asText()) && set.equals(alert.path("set").asText())) {
                    return alert;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no offsite alert for " + set + " among " + ALERTS.alerts());
    }
}
