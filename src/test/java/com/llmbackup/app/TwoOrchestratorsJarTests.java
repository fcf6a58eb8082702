package com.llmbackup.app;

import static com.llmbackup.test.EngineRest.basic;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.llmbackup.test.EngineRest;
import com.llmbackup.test.RunningJar;
import com.llmbackup.test.TestPostgres;
import org.junit.jupiter.api.Test;

/**
 * Two orchestrators (jars) on one engine database on PostgreSQL, one backup root, the same
 * uploads, as docs/operations.md's high availability runs them: a due daily timer runs exactly once
 * across both; when the orchestrator running a backup is killed with SIGKILL, the other runs
 * the dead node's step again and completes that run, and its own next run completes after it.
 */
class TwoOrchestratorsJarTests {

    private static final String ADMIN = "admin";
    private static final String PASSWORD = "Two-nodes-pw1";

    @Test
    void timerRunsOnceAndSurvivorCompletesTheKilledNodesRunWhenTwoOrchestratorsShareOneEngineDatabase() throws Exception {
        TestPostgres pg = TestPostgres.get();
        String database = pg.createDatabase("llm_webapp");
        pg.execute(database, "create table documents (id serial primary key, name text)",
                "insert into documents (name) select 'doc ' || g from generate_series(1, 1000) g");
        String engine = pg.createDatabase("llm_backup_engine");
        Path shared = Files.createTempDirectory("llm-backup-two-");
        Path root = shared.resolve("backup");
        Path uploads = shared.resolve("uploads");
        for (int f = 0; f < 4; f++) {
            Path file = uploads.resolve("user" + f + "/scan.pdf");
            Files.createDirectories(file.getParent());
            try (OutputStream out = Files.newOutputStream(file)) {
                out.write(new byte[64 * 1024 + f]);
            }
        }
        // the daily fires once, a little after both have started (cron: seconds first, local time as the engine's)
        LocalDateTime due = LocalDateTime.now().plusSeconds(120).truncatedTo(ChronoUnit.SECONDS);
        Map<String, String> env = new HashMap<>(Map.of(
                "CAMUNDA_BPM_ADMINUSER_ID", ADMIN, "CAMUNDA_BPM_ADMINUSER_PASSWORD", PASSWORD,
                "SPRING_DATASOURCE_URL", pg.jdbcUrl(engine), "SPRING_DATASOURCE_USERNAME", TestPostgres.SUPERUSER,
                "SPRING_DATASOURCE_PASSWORD", TestPostgres.SUPERUSER_PASSWORD,
                "BACKUP_ROOT", root.toString(), "BACKUP_UPLOADS_DIR", uploads.toString(),
                "BACKUP_LOG_FILE", shared.resolve("llm-backup.log").toString(),
                "BACKUP_DATABASE_HOST", "127.0.0.1", "BACKUP_DATABASE_PORT", String.valueOf(pg.port())));
        env.putAll(Map.of("BACKUP_DATABASE_NAME", database, "BACKUP_DATABASE_PASSWORD", TestPostgres.SUPERUSER_PASSWORD,
                "BACKUP_POSTGRES_BIN_DIR", pg.binDir().toString(), "BACKUP_PREFLIGHT_ON_STARTUP", "false",
                // the relation of the defaults (2m, 15s): a stopped node is noticed well before its lease expires
                "BACKUP_LOCK_LEASE_TTL", "30s", "BACKUP_LOCK_NODE_HEARTBEAT", "1s", "BACKUP_LOCK_NODE_STALE_AFTER", "5s",
                "BACKUP_LOCK_RETRY_INTERVAL", "2s", "CAMUNDA_BPM_JOBEXECUTION_MAXWAIT", "1000",
                "BACKUP_SCHEDULE_DAILY", "%d %d %d * * ?".formatted(due.getSecond(), due.getMinute(), due.getHour())));

        // one after the other, as an operator brings a second node up (the first creates the tables)
        RunningJar first = RunningJar.start(Files.createDirectories(shared.resolve("node1")), env);
        RunningJar second = RunningJar.start(Files.createDirectories(shared.resolve("node2")), env);
        RunningJar survivor = null;
        try {
            EngineRest rest = new EngineRest(first.baseUrl(), "node 1:\n" + first.output() + "\nnode 2:\n" + second.output());
            assertThat(LocalDateTime.now()).as("both nodes started before the timer is due").isBefore(due);

            JsonNode timed = awaitTimerRun(rest);
            assertThat(rest.awaitFinished(admin(), timed.path("id").asText()).path("state").asText()).isEqualTo("COMPLETED");
            // a second run of the same due timer would have started by now, beside the first
            Thread.sleep(5000);
            assertThat(dailies(rest)).as("daily instances after the timer fired on two nodes").hasSize(1);
            assertThat(Files.readString(shared.resolve("llm-backup.log"))).containsOnlyOnce("Daily backup completed");

            // a run whose dump waits for a table lock, killed with the node that executes it: the
            // JVM and its children (pg_dump), as a container's or a systemd unit's end kills them
            RunningJar killed;
            String killedId;
            try (Connection blocker = pg.connect(database)) {
                blocker.setAutoCommit(false);
                blocker.createStatement().execute("lock table documents in access exclusive mode");
                killedId = rest.start(admin(), "DailyBackupProcess", "{}");
                killed = awaitDumpingNode(first, second);
                survivor = killed == first ? second : first;
                List<ProcessHandle> children = killed.process().descendants().toList();
                killed.kill();
                children.forEach(ProcessHandle::destroyForcibly);
            }
            // the survivor's next run waits for the lock while the survivor gives the dead node's
            // locked step back to the engine and runs it again: both runs complete, one after the other
            EngineRest next = new EngineRest(survivor.baseUrl(), survivor.output());
            String nextId = next.start(admin(), "DailyBackupProcess", "{}");
            assertThat(next.awaitFinished(admin(), nextId).path("state").asText()).as(survivor.output()).isEqualTo("COMPLETED");
            assertThat(next.awaitFinished(admin(), killedId).path("state").asText()).as(survivor.output()).isEqualTo("COMPLETED");
            assertThat(survivor.output()).contains("runs again now: orchestrator");
            JsonNode history = next.getJson("/api/backups?kind=daily", admin()).path("items");
            Map<String, String> setByInstance = new HashMap<>();
            history.forEach(row -> {
                assertThat(row.path("status").asText()).as(row.toString()).isEqualTo("COMPLETED");
                setByInstance.put(row.path("processInstanceId").asText(), row.path("backupId").asText());
            });
            assertThat(setByInstance).containsOnlyKeys(timed.path("id").asText(), killedId, nextId);
            for (String instance : List.of(killedId, nextId)) {
                assertThat(root.resolve("daily/manifest_" + setByInstance.get(instance) + ".json")).content()
                        .contains("\"status\" : \"complete\"", "\"processInstanceId\" : \"" + instance + "\"");
            }
            try (var staging = Files.list(root.resolve(".staging"))) {
                assertThat(staging).isEmpty();
            }
        } finally {
            first.close();
            second.close();
            try (var all = Files.walk(shared)) {
                all.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** The one daily the timer started (no user started it), once it exists. */
    private static JsonNode awaitTimerRun(EngineRest rest) throws Exception {
        for (int i = 0; i < 300; i++) {
            List<JsonNode> dailies = dailies(rest);
            if (!dailies.isEmpty()) {
                assertThat(dailies).singleElement().satisfies(d -> assertThat(d.path("startUserId").isNull()).isTrue());
                return dailies.get(0);
            }
            Thread.sleep(500);
        }
        throw new AssertionError("the daily timer never fired");
    }

    private static List<JsonNode> dailies(EngineRest rest) throws Exception {
        JsonNode list = rest.getJson("/engine-rest/history/process-instance?processDefinitionKey=DailyBackupProcess", admin());
        return StreamSupport.stream(list.spliterator(), false).toList();
    }

    /** The node whose JVM runs pg_dump (the job may land on either node's job executor). */
    private static RunningJar awaitDumpingNode(RunningJar... nodes) throws Exception {
        for (int i = 0; i < 1200; i++) {
            for (RunningJar node : nodes) {
                Optional<ProcessHandle> dump = node.process().descendants()
                        .filter(p -> p.info().command().orElse("").endsWith("/pg_dump")).findFirst();
                if (dump.isPresent()) {
                    return node;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no node started pg_dump");
    }

    private static String admin() {
        return basic(ADMIN, PASSWORD);
    }
}
