package com.llmbackup.app;

import static com.llmbackup.test.RunningJar.basic;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.FilePermissions;
import com.llmbackup.test.FileTrees;
import com.llmbackup.test.RunningJar;
import com.llmbackup.test.TestPostgres;
import org.junit.jupiter.api.Test;

/**
 * Sunday 02:00 (defect D4): the daily and the weekly timer fire at the same moment and the
 * job executor runs both. The lock serializes them; both complete, neither set is damaged.
 */
class SundayJarTests {

    private static final String AUTH = basic("admin", "Sunday-pw-1");
    private static final DateTimeFormatter REST_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ").withZone(ZoneOffset.UTC);
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void dailyAndWeeklyFiredTogetherBothCompleteOneAfterTheOther() throws Exception {
        TestPostgres pg = TestPostgres.get();
        String database = pg.createDatabase("llm_webapp");
        pg.execute(database, "create table documents (id serial primary key, name text)",
                "insert into documents (name) select 'doc ' || g from generate_series(1, 20000) g");
        Path work = Files.createTempDirectory("llm-backup-sunday-");
        FileTrees.write(work.resolve("uploads"), Map.of("user1/a.pdf", "a".repeat(100_000), "user2/b.txt", "b", "empty/", ""));
        Map<String, String> env = new HashMap<>(Map.of(
                "CAMUNDA_BPM_ADMINUSER_ID", "admin", "CAMUNDA_BPM_ADMINUSER_PASSWORD", "Sunday-pw-1",
                "BACKUP_ROOT", work.resolve("backup").toString(), "BACKUP_UPLOADS_DIR", work.resolve("uploads").toString(),
                "BACKUP_LOG_FILE", work.resolve("llm-backup.log").toString(),
                "BACKUP_DATABASE_HOST", "127.0.0.1", "BACKUP_DATABASE_PORT", String.valueOf(pg.port()),
                "BACKUP_DATABASE_NAME", database, "BACKUP_DATABASE_PASSWORD", TestPostgres.SUPERUSER_PASSWORD,
                "BACKUP_POSTGRES_BIN_DIR", pg.binDir().toString()));
        env.putAll(Map.of("BACKUP_PREFLIGHT_ON_STARTUP", "false", "BACKUP_LOCK_RETRY_INTERVAL", "2s",
                "CAMUNDA_BPM_JOBEXECUTION_MAXWAIT", "1000"));

        try (RunningJar app = RunningJar.start(work, env)) {
            String now = REST_TIME.format(Instant.now());
            for (String key : new String[] {"DailyBackupProcess", "WeeklyBackupProcess"}) {
                JsonNode timer = json.readTree(app.get("/engine-rest/job?timers=true&processDefinitionKey=" + key, AUTH).body()).get(0);
                var moved = app.putJson("/engine-rest/job/" + timer.get("id").asText() + "/duedate", AUTH, "{\"duedate\": \"" + now + "\"}");
                assertThat(moved.statusCode()).as(moved.body()).isEqualTo(204);
            }

            String daily = awaitCompleted(app, "DailyBackupProcess");
            String weekly = awaitCompleted(app, "WeeklyBackupProcess");

            // the lock is held from the end of the successful Task_AcquireLease to the end of Task_ReleaseLease
            long[] d = lockHeld(app, daily);
            long[] w = lockHeld(app, weekly);
            assertThat(d[1] <= w[0] || w[1] <= d[0]).as("daily held %s..%s, weekly %s..%s", d[0], d[1], w[0], w[1]).isTrue();
        }
        BackupCatalog catalog = new BackupCatalog(work.resolve("backup"), FilePermissions.ownerOnly(), Clock.systemUTC());
        assertThat(catalog.list(BackupKind.DAILY)).singleElement().extracting(BackupSet::status).isEqualTo(BackupSet.Status.COMPLETE);
        assertThat(catalog.list(BackupKind.WEEKLY)).singleElement().extracting(BackupSet::status).isEqualTo(BackupSet.Status.COMPLETE);
        String log = Files.readString(work.resolve("llm-backup.log"));
        assertThat(log).contains("Daily backup completed: db_").contains("Weekly full backup completed: db_full_");
        // the history table, read from the engine database the stopped orchestrator left
        try (var c = DriverManager.getConnection("jdbc:h2:file:" + work.resolve("data/engine"), "sa", "");
             var rs = c.createStatement().executeQuery("select kind, status from backup_history order by id")) {
            List<String> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(rs.getString(1) + " " + rs.getString(2));
            }
            assertThat(rows).containsExactlyInAnyOrder("daily COMPLETED", "weekly COMPLETED");
        }
    }

    private String awaitCompleted(RunningJar app, String key) throws Exception {
        for (int i = 0; i < 240; i++) {
            JsonNode done = json.readTree(app.get("/engine-rest/history/process-instance?finished=true&processDefinitionKey=" + key, AUTH).body());
            if (done.size() > 0) {
                assertThat(done.get(0).get("state").asText()).as(key + " in " + done).isEqualTo("COMPLETED");
                return done.get(0).get("id").asText();
            }
            Thread.sleep(500);
        }
        throw new AssertionError(key + " did not finish within 2 minutes:\n" + app.output());
    }

    /** From the end of the successful Task_AcquireLease to the end of Task_ReleaseLease, in the BackupRunProcess the instance called. */
    private long[] lockHeld(RunningJar app, String caller) throws Exception {
        JsonNode called = json.readTree(app.get("/engine-rest/history/process-instance?superProcessInstanceId=" + caller, AUTH).body());
        assertThat(called).as("the run called by " + caller).hasSize(1);
        assertThat(called.get(0).get("processDefinitionKey").asText()).isEqualTo("BackupRunProcess");
        String instance = called.get(0).get("id").asText();
        JsonNode acquired = json.readTree(app.get("/engine-rest/history/activity-instance?sortBy=endTime&sortOrder=desc"
                + "&activityId=Task_AcquireLease&processInstanceId=" + instance, AUTH).body());
        JsonNode released = json.readTree(app.get("/engine-rest/history/activity-instance?activityId=Task_ReleaseLease&processInstanceId="
                + instance, AUTH).body());
        return new long[] {millis(acquired.get(0).get("endTime").asText()), millis(released.get(0).get("endTime").asText())};
    }

    private static long millis(String restTime) {
        return OffsetDateTime.parse(restTime, DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ")).toInstant().toEpochMilli();
    }
}
