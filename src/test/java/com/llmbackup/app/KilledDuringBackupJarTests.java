package com.llmbackup.app;

import static com.llmbackup.test.RunningJar.basic;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.FilePermissions;
import com.llmbackup.catalog.Manifest;
import com.llmbackup.catalog.SnapshotCheck;
import com.llmbackup.test.FileTrees;
import com.llmbackup.test.RunningJar;
import com.llmbackup.test.TestPostgres;
import org.junit.jupiter.api.Test;

/**
 * The orchestrator killed with SIGKILL in the middle of a daily run's dump, snapshot or
 * publish, or a weekly run's archive, then started again: the killed run's set is never
 * listed complete while it is unfinished; the restarted orchestrator gives the killed run's
 * job back at once and the run completes its own set (from its staging, or its publish done
 * again), which restores; the next run completes too.
 */
class KilledDuringBackupJarTests {

    private static final String ADMIN = "admin";
    private static final String PASSWORD = "Kill-test-pw1";
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void runCompletesAfterRestartWhenOrchestratorWasKilledMidSnapshot() throws Exception {
        Fixture f = fixture(100);
        RunningJar first = RunningJar.start(f.work, f.env);
        String killedId = start(first, "DailyBackupProcess");
        Path partial = awaitInStaging(f.root, "/uploads_", "scan.pdf");
        first.kill();
        assertThat(partial).as("the killed run's partial snapshot").exists();

        killedRunAndNextRunCompleteAfterRestart(f, "DailyBackupProcess", "manifest_", killedId);
        assertThat(partial).doesNotExist();
    }

    @Test
    void runCompletesAfterRestartWhenOrchestratorWasKilledMidDump() throws Exception {
        Fixture f = fixture(1);
        RunningJar first = RunningJar.start(f.work, f.env);
        String killedId;
        // a session holding a table lock keeps the dump waiting: the kill lands in the middle of it
        try (Connection blocker = TestPostgres.get().connect(f.database)) {
            blocker.setAutoCommit(false);
            blocker.createStatement().execute("lock table documents in access exclusive mode");
            killedId = start(first, "DailyBackupProcess");
            awaitDumpWaitingForLock(f.database);
            first.kill();
        }

        killedRunAndNextRunCompleteAfterRestart(f, "DailyBackupProcess", "manifest_", killedId);
    }

    @Test
    void runCompletesAfterRestartWhenOrchestratorWasKilledMidArchive() throws Exception {
        Fixture f = fixture(100);
        RunningJar first = RunningJar.start(f.work, f.env);
        String killedId = start(first, "WeeklyBackupProcess");
        Path partial = awaitInStaging(f.root, "/weekly_", "uploads_full_");
        first.kill();
        assertThat(partial).as("the killed run's partial archive").exists();

        killedRunAndNextRunCompleteAfterRestart(f, "WeeklyBackupProcess", "manifest_full_", killedId);
        assertThat(partial).doesNotExist();
    }

    @Test
    void runCompletesAfterRestartWhenOrchestratorWasKilledMidPublish() throws Exception {
        Fixture f = fixture(1);
        // 16,000 files under 3,000-character paths: each manifest the publish writes is about 50 MB of
        // JSON (forced to disk), so the publish dwells between its "publishing" and "complete" manifests
        // (10,000 files: 33 MB, 0.28 s on this machine; the watcher below looks every 2 ms)
        Path deep = f.work.resolve("uploads");
        for (int level = 0; level < 12; level++) {
            deep = deep.resolve(String.valueOf((char) ('a' + level)).repeat(250));
        }
        Files.createDirectories(deep);
        for (int i = 0; i < 16_000; i++) {
            Files.writeString(deep.resolve("page-" + i + ".txt"), "p" + i);
        }
        RunningJar first = RunningJar.start(f.work, f.env);
        String killedId = start(first, "DailyBackupProcess");
        Path manifest = awaitManifest(f.root.resolve("daily"), "\"status\" : \"publishing\"");
        first.kill();
        assertThat(head(manifest)).as("the kill landed between the publishing and the complete manifest")
                .contains("\"status\" : \"publishing\"");
        String killedSet = manifest.getFileName().toString().replaceAll("^manifest_|\\.json$", "");

        killedRunAndNextRunCompleteAfterRestart(f, "DailyBackupProcess", "manifest_", killedId);
        // the killed run's own set, published again from where the kill left it, restores: every artifact and file as its manifest says
        BackupCatalog catalog = new BackupCatalog(f.root, FilePermissions.ownerOnly(), Clock.systemUTC());
        BackupSet set = catalog.list().stream().filter(s -> s.id().toString().equals(killedSet)).findFirst().orElseThrow();
        for (var artifact : set.manifest().artifacts()) {
            if (artifact.sha256() != null) {
                assertThat(FileTrees.sha256(catalog.kindDir(set.kind()).resolve(artifact.name())))
                        .as(artifact.name()).isEqualTo(artifact.sha256());
            }
        }
        Path snapshot = catalog.kindDir(set.kind()).resolve(set.kind().uploadsName(set.id()));
        byte[] buffer = SnapshotCheck.buffer();
        try (var entries = catalog.files(set)) {
            assertThat(entries.stream().toList()).filteredOn(e -> e.type().equals(Manifest.FileEntry.FILE))
                    .hasSize(16_008)
                    .allSatisfy(e -> assertThat(SnapshotCheck.problem(snapshot, e, buffer)).as(e.path()).isEmpty());
        }
    }

    /** The folders, database and settings of one scenario; uploads of 8 files of {@code megabytes} each. */
    private record Fixture(Path work, Path root, String database, Map<String, String> env) {
    }

    private static Fixture fixture(int megabytes) throws Exception {
        TestPostgres pg = TestPostgres.get();
        String database = pg.createDatabase("llm_webapp");
        pg.execute(database, "create table documents (id serial primary key, name text)",
                "insert into documents (name) select 'doc ' || g from generate_series(1, 1000) g");
        Path work = Files.createTempDirectory("llm-backup-kill-");
        Path root = work.resolve("backup");
        Path uploads = work.resolve("uploads");
        byte[] chunk = new byte[1 << 20];
        for (int f = 0; f < 8; f++) {
            Path file = uploads.resolve("user" + f + "/scan.pdf");
            Files.createDirectories(file.getParent());
            try (OutputStream out = Files.newOutputStream(file)) {
                for (int mb = 0; mb < megabytes; mb++) {
                    chunk[mb] = (byte) f;
                    out.write(chunk);
                }
            }
        }
        Map<String, String> env = new HashMap<>(Map.of(
                "CAMUNDA_BPM_ADMINUSER_ID", ADMIN, "CAMUNDA_BPM_ADMINUSER_PASSWORD", PASSWORD,
                "BACKUP_ROOT", root.toString(), "BACKUP_UPLOADS_DIR", uploads.toString(),
                "BACKUP_LOG_FILE", work.resolve("llm-backup.log").toString(),
                "BACKUP_DATABASE_HOST", "127.0.0.1", "BACKUP_DATABASE_PORT", String.valueOf(pg.port()),
                "BACKUP_DATABASE_NAME", database, "BACKUP_DATABASE_PASSWORD", TestPostgres.SUPERUSER_PASSWORD,
                "BACKUP_POSTGRES_BIN_DIR", pg.binDir().toString()));
        env.putAll(Map.of("BACKUP_PREFLIGHT_ON_STARTUP", "false", "BACKUP_LOCK_LEASE_TTL", "4s",
                "BACKUP_LOCK_RETRY_INTERVAL", "2s", "CAMUNDA_BPM_JOBEXECUTION_MAXWAIT", "1000"));
        return new Fixture(work, root, database, env);
    }

    /**
     * After the kill: nothing complete. The restarted orchestrator sees the killed one's process
     * gone and gives its locked job back at once (not after the 12 h job lock): the killed run
     * goes on from its interrupted step, with its own lock, and completes its set, which
     * restores; no staging is left; the next run then completes too.
     */
    private void killedRunAndNextRunCompleteAfterRestart(Fixture f, String processKey, String manifestPrefix, String killedId) throws Exception {
        Path root = f.root;
        BackupCatalog catalog = new BackupCatalog(root, FilePermissions.ownerOnly(), Clock.systemUTC());
        assertThat(catalog.list()).noneMatch(s -> s.status() == BackupSet.Status.COMPLETE);

        try (RunningJar second = RunningJar.start(f.work, f.env)) {
            String killedState = awaitEnd(second, killedId);

            assertThat(killedState).as(second.output()).isEqualTo("COMPLETED");
            assertThat(second.output()).contains("runs again now: orchestrator ").contains("on this machine) has ended");
            assertThat(catalog.list()).filteredOn(s -> s.status() == BackupSet.Status.COMPLETE).singleElement()
                    .satisfies(set -> assertThat(Files.readString(root.resolve(set.kind().dir()).resolve(
                            manifestPrefix + set.id() + ".json"))).contains("\"processInstanceId\" : \"" + killedId + "\""));
            assertThat(catalog.list()).allMatch(s -> s.status() == BackupSet.Status.COMPLETE);
            try (Stream<Path> staging = Files.list(root.resolve(".staging"))) {
                assertThat(staging).isEmpty();
            }
            assertThat(Files.readString(f.work.resolve("llm-backup.log"))).contains(" backup completed: db_");

            String nextId = start(second, processKey);
            assertThat(awaitEnd(second, nextId)).as(second.output()).isEqualTo("COMPLETED");
        }
        try (var c = DriverManager.getConnection("jdbc:h2:file:" + f.work.resolve("data/engine"), "sa", "");
             var rs = c.createStatement().executeQuery("select process_instance_id, status, message from backup_history order by id")) {
            Map<String, String> rows = new HashMap<>();
            while (rs.next()) {
                rows.put(rs.getString(1), rs.getString(2) + ": " + rs.getString(3));
            }
            assertThat(rows.get(killedId)).startsWith("COMPLETED");
        }
        BackupCatalog after = new BackupCatalog(root, FilePermissions.ownerOnly(), Clock.systemUTC());
        assertThat(after.list()).hasSize(2).allMatch(s -> s.status() == BackupSet.Status.COMPLETE);
    }

    private static void awaitDumpWaitingForLock(String database) throws Exception {
        for (int i = 0; i < 1200; i++) {
            try (var c = TestPostgres.get().connect("postgres"); var rs = c.createStatement().executeQuery(
                    "select count(*) from pg_stat_activity where datname = '" + database + "' and wait_event_type = 'Lock'")) {
                rs.next();
                if (rs.getInt(1) > 0) {
                    return;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the dump never started");
    }

    /** Waits until a manifest in {@code kindDir} contains {@code text} near its top (its status); returns it. */
    private static Path awaitManifest(Path kindDir, String text) throws Exception {
        for (int i = 0; i < 150_000; i++) {
            if (Files.isDirectory(kindDir)) {
                try (Stream<Path> files = Files.list(kindDir)) {
                    Optional<Path> manifest = files.filter(p -> p.getFileName().toString().startsWith("manifest_")).findFirst();
                    if (manifest.isPresent() && head(manifest.get()).contains(text)) {
                        return manifest.get();
                    }
                } catch (NoSuchFileException raced) {
                    // replaced while reading: look again
                }
            }
            Thread.sleep(2);
        }
        throw new AssertionError("no manifest in " + kindDir + " ever said " + text);
    }

    /** The first bytes of a manifest, where its status is. */
    private static String head(Path manifest) throws IOException {
        try (var in = Files.newInputStream(manifest)) {
            return new String(in.readNBytes(400), StandardCharsets.UTF_8);
        }
    }

    private String start(RunningJar app, String processKey) throws Exception {
        var response = app.post("/engine-rest/process-definition/key/" + processKey + "/start", basic(ADMIN, PASSWORD),
                "application/json", "{}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body()).get("id").asText();
    }

    /**
     * Waits until the run has begun writing into staging: a path containing {@code under}
     * whose file name starts with {@code name}; returns the artifact (the snapshot folder or
     * the archive) it belongs to.
     */
    private static Path awaitInStaging(Path root, String under, String name) throws Exception {
        for (int i = 0; i < 3000; i++) {
            Path staging = root.resolve(".staging");
            if (Files.isDirectory(staging)) {
                try (Stream<Path> all = Files.walk(staging)) {
                    Optional<Path> file = all.filter(p -> p.toString().contains(under) && p.getFileName().toString().startsWith(name))
                            .findFirst();
                    if (file.isPresent()) {
                        Path artifact = file.get();
                        while (!artifact.getFileName().toString().startsWith("uploads_")) {
                            artifact = artifact.getParent();
                        }
                        return artifact;
                    }
                } catch (UncheckedIOException | NoSuchFileException raced) {
                    // a folder appeared or went while walking: look again
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the run never started writing " + name);
    }

    private String awaitEnd(RunningJar app, String processInstanceId) throws Exception {
        for (int i = 0; i < 600; i++) {
            var body = app.get("/engine-rest/history/process-instance/" + processInstanceId, basic(ADMIN, PASSWORD)).body();
            String state = json.readTree(body).path("state").asText();
            if (!state.equals("ACTIVE") && !state.isEmpty()) {
                return state;
            }
            Thread.sleep(500);
        }
        return "still running after 5 minutes";
    }
}
