package com.llmbackup.app;

import static com.llmbackup.test.EngineRest.basic;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.llmbackup.catalog.Trees;
import com.llmbackup.test.EngineRest;
import com.llmbackup.test.FileTrees;
import com.llmbackup.test.RunningJar;
import com.llmbackup.test.TestPostgres;
import com.llmbackup.test.WalFiles;
import org.junit.jupiter.api.Test;

/**
 * WAL streaming as an operator runs it: the packaged jar against a PostgreSQL server of the
 * test's own, the window read over {@code /api/backups/recovery-window}. Rows committed at T are
 * in the window within 10 s; pg_receivewal killed, and the orchestrator killed with SIGKILL (its
 * receiver orphaned) while rows are written, leave no gap after the restart (the slot keeps the
 * WAL); two orchestrators on one engine database run one receiver, and killing its node moves
 * it. "No gap": the window has none, and pg_waldump reads the WAL on disk from its first
 * segment to the receiver's position.
 */
class WalStreamingJarTests {

    private static final String ADMIN = "admin";
    private static final String PASSWORD = "Wal-test-pw1";

    /** A server, its web app database, folders and the orchestrator's environment. */
    private record Fixture(TestPostgres server, Path dir, Path root, Map<String, String> env) implements AutoCloseable {
        @Override
        public void close() {
            server.close();
            Trees.delete(dir);
        }
    }

    private static Fixture fixture(Map<String, String> more) throws Exception {
        TestPostgres server = TestPostgres.startPrivate(List.of("--wal-segsize=1"));
        server.execute("postgres", "create database llm_webapp");
        server.execute("llm_webapp", "create table notes (id bigserial primary key, body text)");
        Path dir = Files.createTempDirectory("wal-jar-");
        FileTrees.write(dir.resolve("uploads"), Map.of("user1/a.pdf", "a", "user2/b.pdf", "bb"));
        Map<String, String> env = new HashMap<>(Map.of(
                "CAMUNDA_BPM_ADMINUSER_ID", ADMIN, "CAMUNDA_BPM_ADMINUSER_PASSWORD", PASSWORD,
                "BACKUP_ROOT", dir.resolve("backup").toString(), "BACKUP_UPLOADS_DIR", dir.resolve("uploads").toString(),
                "BACKUP_LOG_FILE", dir.resolve("llm-backup.log").toString(),
                "BACKUP_DATABASE_HOST", "127.0.0.1", "BACKUP_DATABASE_PORT", String.valueOf(server.port()),
                "BACKUP_DATABASE_NAME", "llm_webapp", "BACKUP_DATABASE_USER", TestPostgres.SUPERUSER,
                "BACKUP_DATABASE_PASSWORD", TestPostgres.SUPERUSER_PASSWORD));
        env.putAll(Map.of("BACKUP_POSTGRES_BIN_DIR", server.binDir().toString(), "BACKUP_PREFLIGHT_ON_STARTUP", "false"));
        env.putAll(more);
        return new Fixture(server, dir, dir.resolve("backup"), env);
    }

    @Test
    void committedRowsReachWindowAndKilledReceiverAndKilledJarLeaveNoGap() throws Exception {
        try (Fixture f = fixture(Map.of())) {
            Path work = Files.createDirectories(f.dir().resolve("node"));
            RunningJar first = RunningJar.start(work, f.env());
            RunningJar second = null;
            try {
                EngineRest rest = new EngineRest(first.baseUrl(), first.output());
                awaitReceiver(rest, "STREAMING", first.output());
                String weekly = rest.start(admin(), "WeeklyBackupProcess", "{}");
                assertThat(rest.awaitFinished(admin(), weekly).path("state").asText()).as(first.output()).isEqualTo("COMPLETED");
                JsonNode opened = window(rest);
                assertThat(opened.path("from").isNull()).as("the weekly's base backup opens the window: %s", opened).isFalse();

                Instant t1 = commit(f.server(), "at T1");
                long started = System.nanoTime();
                awaitWindowTo(rest, t1, first.output());
                assertThat((System.nanoTime() - started) / 1_000_000).as("ms until the window reached T1").isLessThan(10_000);

                // pg_receivewal killed: the supervisor starts it again, the slot kept what came meanwhile
                ProcessHandle receiver = receiverOf(first).orElseThrow();
                receiver.destroyForcibly();
                receiver.onExit().get();
                writeWal(f.server(), 2);
                Instant t2 = commit(f.server(), "at T2");
                awaitWindowTo(rest, t2, first.output());

                // the orchestrator killed: its pg_receivewal survives it as an orphan
                ProcessHandle orphan = receiverOf(first).orElseThrow();
                first.kill();
                writeWal(f.server(), 2);
                Instant t3 = commit(f.server(), "at T3");
                second = RunningJar.start(work, f.env());
                EngineRest again = new EngineRest(second.baseUrl(), second.output());
                JsonNode window = awaitWindowTo(again, t3, second.output());

                assertThat(window.path("gaps")).as("%s", window).isEmpty();
                assertThat(Instant.parse(window.path("from").asText())).isEqualTo(Instant.parse(opened.path("from").asText()));
                // its WAL sender ended on the server, the orphan exits (--no-loop): one receiver again
                orphan.onExit().get(60, TimeUnit.SECONDS);
                assertThat(receiverOf(second)).as("the restarted orchestrator streams").isPresent();
                WalFiles.assertUnbroken(f.server().binDir(), f.root(), window.path("receiver").path("receivedLsn").asText());
            } finally {
                first.close();
                if (second != null) {
                    second.close();
                }
            }
        }
    }

    @Test
    void twoOrchestratorsRunOneReceiverAndKillingItsNodeMovesItWithoutGap() throws Exception {
        try (Fixture f = fixture(Map.of())) {
            String engine = f.server().createDatabase("llm_backup_engine");
            Map<String, String> env = new HashMap<>(f.env());
            env.putAll(Map.of("SPRING_DATASOURCE_URL", f.server().jdbcUrl(engine), "SPRING_DATASOURCE_USERNAME", TestPostgres.SUPERUSER,
                    "SPRING_DATASOURCE_PASSWORD", TestPostgres.SUPERUSER_PASSWORD, "BACKUP_LOCK_NODE_HEARTBEAT", "1s",
                    "BACKUP_LOCK_NODE_STALE_AFTER", "5s"));
            RunningJar node1 = RunningJar.start(Files.createDirectories(f.dir().resolve("node1")), env);
            RunningJar node2 = RunningJar.start(Files.createDirectories(f.dir().resolve("node2")), env);
            try {
                EngineRest rest = new EngineRest(node1.baseUrl(), node1.output() + "\n" + node2.output());
                awaitReceiver(rest, "STREAMING", node1.output() + node2.output());
                String weekly = rest.start(admin(), "WeeklyBackupProcess", "{}");
                assertThat(rest.awaitFinished(admin(), weekly).path("state").asText()).isEqualTo("COMPLETED");
                for (int i = 0; i < 10; i++) {
                    assertThat(receiverOf(node1).isPresent() ^ receiverOf(node2).isPresent()).as("exactly one node runs pg_receivewal").isTrue();
                    Thread.sleep(500);
                }
                RunningJar holder = receiverOf(node1).isPresent() ? node1 : node2;
                RunningJar survivor = holder == node1 ? node2 : node1;
                Instant before = commit(f.server(), "before the node died");
                awaitWindowTo(new EngineRest(survivor.baseUrl(), survivor.output()), before, survivor.output());

                // the node dies with its children, as a container's or a systemd unit's end kills them
                List<ProcessHandle> children = holder.process().descendants().toList();
                holder.kill();
                children.forEach(ProcessHandle::destroyForcibly);
                writeWal(f.server(), 2);
                Instant after = commit(f.server(), "after the node died");
                EngineRest rescue = new EngineRest(survivor.baseUrl(), survivor.output());
                JsonNode window = awaitWindowTo(rescue, after, survivor.output());

                assertThat(receiverOf(survivor)).as("the survivor took the receiver over").isPresent();
                assertThat(window.path("gaps")).as("%s", window).isEmpty();
                WalFiles.assertUnbroken(f.server().binDir(), f.root(), window.path("receiver").path("receivedLsn").asText());
            } finally {
                node1.close();
                node2.close();
            }
        }
    }

    private static Optional<ProcessHandle> receiverOf(RunningJar jar) {
        return jar.process().descendants().filter(p -> p.info().command().orElse("").endsWith("/pg_receivewal")).findFirst();
    }

    private static JsonNode window(EngineRest rest) throws Exception {
        return rest.getJson("/api/backups/recovery-window", admin());
    }

    private static void awaitReceiver(EngineRest rest, String state, String output) throws Exception {
        JsonNode window = window(rest);
        for (int i = 0; i < 600 && !state.equals(window.path("receiver").path("state").asText()); i++) {
            Thread.sleep(100);
            window = window(rest);
        }
        assertThat(window.path("receiver").path("state").asText()).as("%s\n%s", window, output).isEqualTo(state);
    }

    private static JsonNode awaitWindowTo(EngineRest rest, Instant committed, String output) throws Exception {
        JsonNode window = window(rest);
        for (int i = 0; i < 600 && !reaches(window, committed); i++) {
            Thread.sleep(100);
            window = window(rest);
        }
        assertThat(reaches(window, committed)).as("the window %s reaches the commit at %s\n%s", window, committed, output).isTrue();
        return window;
    }

    private static boolean reaches(JsonNode window, Instant committed) {
        return window.hasNonNull("to") && !Instant.parse(window.path("to").asText()).isBefore(committed);
    }

    /** Commits a row; the server's clock after the commit. */
    private static Instant commit(TestPostgres server, String body) throws Exception {
        try (Connection c = server.connect("llm_webapp"); Statement s = c.createStatement()) {
            s.execute("insert into notes (body) values ('" + body + "')");
            try (ResultSet rs = s.executeQuery("select clock_timestamp()")) {
                rs.next();
                return rs.getTimestamp(1).toInstant();
            }
        }
    }

    /** About {@code megabytes} of WAL (1 MB segments: several segments). */
    private static void writeWal(TestPostgres server, int megabytes) {
        server.execute("llm_webapp", "insert into notes (body) select repeat(md5(g::text), 32) from generate_series(1, " + (megabytes * 700) + ") g");
    }

    private static String admin() {
        return basic(ADMIN, PASSWORD);
    }
}
