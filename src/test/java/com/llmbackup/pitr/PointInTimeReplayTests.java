package com.llmbackup.pitr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.FilePermissions;
import com.llmbackup.catalog.LeaseManager;
import com.llmbackup.catalog.Manifest;
import com.llmbackup.catalog.OwnerLiveness;
import com.llmbackup.catalog.Trees;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.exec.Command;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.postgres.DatabaseDumper;
import com.llmbackup.postgres.PostgresClient;
import com.llmbackup.test.DatabaseFingerprint;
import com.llmbackup.test.TestPostgres;
import com.llmbackup.wal.BaseBackups;
import com.llmbackup.wal.RecoveryWindow;
import com.llmbackup.wal.RecoveryWindows;
import com.llmbackup.wal.WalArchive;
import com.llmbackup.wal.WalReceiver;
import com.llmbackup.wal.WalReceiverStatus;
import com.llmbackup.wal.WalServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * The replay against a real PostgreSQL server of its own streaming its WAL (1 MB segments) and a
 * real base backup in a weekly set: a time between rows written and a bad delete gives the rows
 * back, equal to the database as the test saw it at that instant; the window's end loses nothing
 * committed before it; a damaged segment in the range fails naming it; a time outside the window is refused naming it.
 */
class PointInTimeReplayTests {

    static final String WEBAPP = "llm_webapp";
    static TestPostgres pg;
    static Path root;
    static WalReceiver receiver;
    static BackupCatalog catalog;
    static RecoveryWindows windows;
    static PointInTimeReplay replay;
    static LeaseManager leases;
    static final CommandRunner RUNNER = new CommandRunner();
    static int runs;

    @BeforeAll
    static void streamingWithBaseBackup() throws Exception {
        pg = TestPostgres.startPrivate(List.of("--wal-segsize=1"));
        pg.execute("postgres", "create database " + WEBAPP);
        pg.execute(WEBAPP, "create table chats (id bigserial primary key, owner int, body text)",
                "insert into chats (owner, body) select g % 7, 'chat ' || g from generate_series(1, 300) g");
        root = Files.createTempDirectory("pitr-test-");
        BackupProperties properties = new Binder(new MapConfigurationPropertySource(Map.of("backup.root", root.resolve("backup").toString(),
                "backup.database.host", "127.0.0.1", "backup.database.port", String.valueOf(pg.port()), "backup.database.name", WEBAPP,
                "backup.database.user", TestPostgres.SUPERUSER, "backup.database.password", TestPostgres.SUPERUSER_PASSWORD,
                "backup.postgres.bin-dir", pg.binDir().toString(), "backup.wal.slot", "pitr_test",
                "backup.wal.status-interval", "200ms", "backup.wal.base-backup-wal-wait", "20s"))).bindOrCreate("backup", BackupProperties.class);
        FilePermissions permissions = FilePermissions.ownerOnly();
        Path backupRoot = properties.root();
        Files.createDirectories(backupRoot);
        PostgresClient client = new PostgresClient(properties, RUNNER);
        WalArchive archive = new WalArchive(backupRoot, permissions);
        WalServer server = new WalServer(client);
        receiver = new WalReceiver(properties, archive, server, client, RUNNER, Clock.systemUTC(), permissions);
        receiver.start();
        for (int i = 0; i < 300 && !receiver.status().streaming(); i++) {
            Thread.sleep(100);
        }
        assertThat(receiver.status().state()).as(receiver.status().toString()).isEqualTo(WalReceiverStatus.State.STREAMING);
        catalog = new BackupCatalog(backupRoot, permissions, Clock.systemUTC());
        leases = new LeaseManager(backupRoot, Duration.ofMinutes(2), Clock.systemUTC(), OwnerLiveness.ALWAYS_ACTIVE, permissions);
        takeWeeklyBaseBackup(properties, client, server);
        windows = new RecoveryWindows(archive, receiver, catalog, Clock.systemUTC());
        replay = new PointInTimeReplay(properties, catalog, windows, archive, client, RUNNER, permissions, leases, Clock.systemUTC());
    }

    /** A weekly set holding a base backup only, published as the weekly run does. */
    private static void takeWeeklyBaseBackup(BackupProperties properties, PostgresClient client, WalServer server) throws Exception {
        LeaseManager.Lease lease = leases.tryAcquire("weekly-base", "test").lease();
        BackupCatalog.StagedSet staged = catalog.stage(BackupKind.WEEKLY, lease);
        BaseBackups.Outcome outcome = new BaseBackups(properties, client, RUNNER, server, receiver, Clock.systemUTC())
                .take(staged.partsDir().resolve("basebackup"), staged.baseBackupFile(), staged.baseBackupManifestFile(), staged.label());
        assertThat(outcome.taken()).as("%s", outcome).isNotNull();
        assertThat(outcome.warning()).isNull();
        List<Manifest.Artifact> artifacts = new ArrayList<>();
        for (Path file : List.of(staged.baseBackupFile(), staged.baseBackupManifestFile())) {
            artifacts.add(Manifest.Artifact.file(file.getFileName().toString(), Files.size(file), DatabaseDumper.sha256(file)));
        }
        Trees.delete(staged.partsDir());
        catalog.publish(staged, new Manifest(Manifest.FORMAT_VERSION, "weekly", staged.id().toString(), null, "weekly-base", Instant.now(),
                null, "15", null, null, null, artifacts, null, Map.of(), new Manifest.Stats(0, 0, 0, 0), List.of(), outcome.taken()), lease);
        lease.release();
    }

    @AfterAll
    static void stop() {
        if (receiver != null) {
            receiver.close();
        }
        pg.close();
        Trees.delete(root);
    }

    @Test
    void replayToTimeBetweenRowsAndBadDeleteGivesRowsBackAsTheyWereThen() throws Exception {
        execute("insert into chats (owner, body) select 42, 'kept ' || g from generate_series(1, 50) g");
        Instant between = serverNow();
        Map<String, String> atThatInstant = fingerprint(WEBAPP);
        Thread.sleep(50);
        execute("delete from chats where owner = 42"); // the bad delete, at T2
        execute("insert into chats (owner, body) values (1, 'after the delete')");
        awaitWindowTo(serverNow());

        PointInTimeReplay.Outcome outcome = replayTo(between);

        assertThat(outcome.set().kind()).isEqualTo(BackupKind.PITR);
        assertThat(outcome.toEndOfWal()).isFalse();
        assertThat(outcome.lastCommitBefore()).isBeforeOrEqualTo(between);
        assertThat(outcome.firstCommitAfter()).isAfter(between);
        assertThat(outcome.set().manifest().rowCounts()).containsEntry("public.chats", 350L);
        assertEqualAsOfThen(restored(outcome), atThatInstant);
        assertThat(replay.scratchOf("run-" + runs)).doesNotExist();
        assertThat(count("select count(*) from chats where owner = 42")).as("production untouched").isZero();
    }

    @Test
    void replayToWindowEndLosesNothingCommittedBeforeIt() throws Exception {
        execute("insert into chats (owner, body) select 9, 'late ' || g from generate_series(1, 20) g");
        Instant committed = serverNow();
        Map<String, String> now = fingerprint(WEBAPP);
        RecoveryWindow window = awaitWindowTo(committed);

        PointInTimeReplay.Outcome outcome = replayTo(window.to());

        assertEqualAsOfThen(restored(outcome), now);
        assertThat(outcome.toEndOfWal()).as("nothing committed after it: the WAL replayed to its end").isTrue();
    }

    @Test
    void replayIsRefusedNamingTheWindowWhenTimeIsOutsideIt() throws Exception {
        RecoveryWindow window = windows.compute();
        Instant before = window.from().minusSeconds(60);

        assertThatThrownBy(() -> replayTo(before)).isInstanceOf(ReplayRefusedException.class)
                .hasMessageContaining("is before the oldest base backup (weekly/")
                .hasMessageContaining("The recovery window is " + window.from() + " to ");
        assertThatThrownBy(() -> replayTo(Instant.now().plusSeconds(3600))).isInstanceOf(ReplayRefusedException.class)
                .hasMessageContaining("is in the future").hasMessageContaining("The recovery window is " + window.from());
    }

    @Test
    void replayFailsNamingTheSegmentWhenWalFileInTheRangeIsDamaged() throws Exception {
        execute("insert into chats (owner, body) select 5, repeat(md5(g::text), 32) from generate_series(1, 2500) g"); // a few segments
        Instant target = serverNow();
        execute("insert into chats (owner, body) values (5, 'after the target')");
        awaitWindowTo(serverNow());
        Path damaged = completeSegments().get(completeSegments().size() - 2);
        byte[] original = Files.readAllBytes(damaged);
        byte[] broken = original.clone();
        Arrays.fill(broken, 8192 * 8, 8192 * 9, (byte) 0x5A); // one page, header and all
        int pitrSets = catalog.list(BackupKind.PITR).size();
        Files.write(damaged, broken);
        try {
            assertThatThrownBy(() -> replayTo(target)).isInstanceOf(ReplayFailedException.class)
                    .hasMessageContaining("The WAL cannot be read past segment " + damaged.getFileName())
                    .hasMessageContaining(damaged.getFileName() + " is damaged");
        } finally {
            Files.write(damaged, original);
        }
        assertThat(catalog.list(BackupKind.PITR)).hasSize(pitrSets);
        assertThat(replay.scratchOf("run-" + runs)).doesNotExist();
    }

    /** The complete WAL segments on disk, oldest first. */
    private static List<Path> completeSegments() throws Exception {
        try (var files = Files.list(root.resolve("backup/wal"))) {
            return files.filter(f -> f.getFileName().toString().matches("[0-9A-F]{24}")).sorted().toList();
        }
    }

    /**
     * Equal, but for where sequences stand: PostgreSQL logs a sequence 32 values ahead, so any
     * recovery (a crash's too) finds it up to 32 further on. It never hands out a value it gave before.
     */
    private static void assertEqualAsOfThen(Map<String, String> restored, Map<String, String> then) {
        assertThat(withoutSequences(restored)).isEqualTo(withoutSequences(then));
        then.forEach((key, value) -> {
            if (key.startsWith("sequence ")) {
                long was = Long.parseLong(value.split(" ")[0]);
                assertThat(Long.parseLong(restored.get(key).split(" ")[0])).as(key).isBetween(was, was + 32);
            }
        });
    }

    private static Map<String, String> withoutSequences(Map<String, String> fingerprint) {
        Map<String, String> rest = new HashMap<>(fingerprint);
        rest.keySet().removeIf(k -> k.startsWith("sequence "));
        return rest;
    }

    private PointInTimeReplay.Outcome replayTo(Instant target) {
        String run = "run-" + (++runs);
        LeaseManager.Lease lease = leases.tryAcquire(run, "test").lease();
        try {
            return replay.replay(target, run, lease, line -> { });
        } finally {
            lease.release();
        }
    }

    /** The pitr set's dump restored into a new database of the same server, fingerprinted. */
    private static Map<String, String> restored(PointInTimeReplay.Outcome outcome) throws Exception {
        String db = pg.createDatabase("pitr_check");
        Path dump = catalog.kindDir(BackupKind.PITR).resolve(BackupKind.PITR.dumpName(outcome.set().id()));
        RUNNER.run(Command.of(pg.binDir().resolve("pg_restore").toString(), "--host=127.0.0.1", "--port=" + pg.port(),
                "--username=" + TestPostgres.SUPERUSER, "--no-password", "--exit-on-error", "--dbname=" + db, dump.toString())
                .withEnvironment("PGPASSWORD", TestPostgres.SUPERUSER_PASSWORD));
        return fingerprint(db);
    }

    private static Map<String, String> fingerprint(String db) throws Exception {
        try (Connection c = pg.connect(db)) {
            return DatabaseFingerprint.of(c);
        }
    }

    private static void execute(String sql) {
        pg.execute(WEBAPP, sql);
    }

    private static long count(String sql) throws Exception {
        try (Connection c = pg.connect(WEBAPP); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Instant serverNow() throws Exception {
        try (Connection c = pg.connect(WEBAPP); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select clock_timestamp()")) {
            rs.next();
            return rs.getTimestamp(1).toInstant();
        }
    }

    private static RecoveryWindow awaitWindowTo(Instant committed) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        RecoveryWindow window = windows.compute();
        while (System.nanoTime() < deadline && (window.to() == null || window.to().isBefore(committed))) {
            Thread.sleep(100);
            window = windows.compute();
        }
        assertThat(window.to()).as("window %s reaches %s", window, committed).isAfterOrEqualTo(committed);
        return window;
    }
}
