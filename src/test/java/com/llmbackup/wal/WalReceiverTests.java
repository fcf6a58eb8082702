package com.llmbackup.wal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.FilePermissions;
import com.llmbackup.catalog.Manifest;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.config.Texts;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.health.BackupHealthIndicator;
import com.llmbackup.health.WalHealth;
import com.llmbackup.monitoring.Alerts;
import com.llmbackup.monitoring.WalWatch;
import com.llmbackup.postgres.PostgresClient;
import com.llmbackup.test.TestHttpServer;
import com.llmbackup.test.TestPostgres;
import com.llmbackup.test.WalFiles;
import com.llmbackup.wal.WalReceiverStatus.State;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.mail.javamail.JavaMailSender;

/**
 * The receiver against a real PostgreSQL server of its own (1 MB WAL segments, so that tests
 * cross segments quickly): committed rows reach the window's end within seconds, and a killed
 * pg_receivewal, a restarted server and a server away for 30 s leave the WAL unbroken, as
 * pg_waldump reads it.
 */
class WalReceiverTests {

    static TestPostgres pg;
    private static int slots;

    @TempDir
    Path root;

    private final CommandRunner runner = new CommandRunner();
    private WalReceiver receiver;

    @BeforeAll
    static void server() {
        pg = TestPostgres.startPrivate(List.of("--wal-segsize=1"));
        pg.execute("postgres", "create table notes (id bigserial primary key, body text, at timestamptz default clock_timestamp())");
    }

    @AfterAll
    static void stopServer() {
        pg.close();
    }

    @AfterEach
    void stopReceiver() {
        if (receiver != null) {
            receiver.close();
        }
    }

    static BackupProperties settings(Path root, String slot, Map<String, String> more) {
        Map<String, String> map = new HashMap<>(Map.of("backup.root", root.toString(), "backup.database.host", "127.0.0.1",
                "backup.database.port", String.valueOf(pg.port()), "backup.database.name", "postgres",
                "backup.database.user", TestPostgres.SUPERUSER, "backup.database.password", TestPostgres.SUPERUSER_PASSWORD,
                "backup.postgres.bin-dir", pg.binDir().toString(), "backup.wal.slot", slot,
                "backup.wal.status-interval", "200ms", "backup.wal.lease-ttl", "3s"));
        map.put("backup.language", "en");
        map.putAll(more);
        return new Binder(new MapConfigurationPropertySource(map)).bindOrCreate("backup", BackupProperties.class);
    }

    private WalReceiver startReceiver() {
        return startReceiver(root, Map.of());
    }

    private WalReceiver startReceiver(Path backupRoot, Map<String, String> more) {
        BackupProperties properties = settings(backupRoot, "test_slot_" + (++slots), more);
        PostgresClient client = new PostgresClient(properties, runner);
        receiver = new WalReceiver(properties, new WalArchive(backupRoot, FilePermissions.ownerOnly()), new WalServer(client), client, runner,
                Clock.systemUTC(), FilePermissions.ownerOnly());
        receiver.start();
        return receiver;
    }

    /** Commits a row and returns the server's clock after the commit. */
    static Instant commitRow(TestPostgres server, String body) throws Exception {
        try (Connection c = server.connect("postgres"); Statement s = c.createStatement()) {
            s.execute("insert into notes (body) values ('" + body + "')");
            try (ResultSet rs = s.executeQuery("select clock_timestamp()")) {
                rs.next();
                return rs.getTimestamp(1).toInstant();
            }
        }
    }

    /** About {@code megabytes} of WAL, committed. */
    static void writeWal(TestPostgres server, int megabytes) {
        server.execute("postgres", "insert into notes (body) select repeat(md5(g::text), 32) from generate_series(1, " + (megabytes * 700) + ") g");
    }

    static WalReceiverStatus await(WalReceiver receiver, Duration timeout, String what, Predicate<WalReceiverStatus> condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        WalReceiverStatus status = receiver.status();
        while (System.nanoTime() < deadline) {
            status = receiver.status();
            if (condition.test(status)) {
                return status;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(what + " within " + timeout.toSeconds() + " s; the receiver: " + status);
    }

    static WalReceiverStatus awaitReceived(WalReceiver receiver, Instant committed, Duration timeout) throws InterruptedException {
        return await(receiver, timeout, "WAL of the commit at " + committed + " received",
                s -> s.lastReceivedAt() != null && !s.lastReceivedAt().isBefore(committed));
    }

    private static ProcessHandle receiverProcess() {
        return ProcessHandle.current().descendants().filter(p -> p.info().command().orElse("").endsWith("/pg_receivewal"))
                .findFirst().orElseThrow(() -> new AssertionError("no pg_receivewal runs"));
    }

    @Test
    void committedRowIsInWindowWithinTenSecondsWhenStreaming() throws Exception {
        startReceiver();
        await(receiver, Duration.ofSeconds(30), "streaming", WalReceiverStatus::streaming);

        Instant committed = commitRow(pg, "written at T");
        long started = System.nanoTime();
        WalReceiverStatus status = awaitReceived(receiver, committed, Duration.ofSeconds(10));

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        assertThat(status.state()).isEqualTo(State.STREAMING);
        assertThat(status.lagBytes()).isNotNull();
        assertThat(status.slot()).startsWith("test_slot_");
        assertThat(status.segmentSize()).isEqualTo(1024 * 1024);
        assertThat(new WalArchive(root, FilePermissions.ownerOnly()).readState()).get()
                .satisfies(written -> assertThat(written.lastReceivedAt()).isAfterOrEqualTo(committed));
        WalFiles.assertUnbroken(pg.binDir(), root, status.receivedLsn());
    }

    @Test
    void killedReceiverResumesFromSlotWithoutGap() throws Exception {
        startReceiver();
        await(receiver, Duration.ofSeconds(30), "streaming", WalReceiverStatus::streaming);
        writeWal(pg, 2);
        ProcessHandle first = receiverProcess();

        first.destroyForcibly();
        first.onExit().get();
        writeWal(pg, 3); // while no receiver runs: the slot keeps it
        await(receiver, Duration.ofSeconds(10), "noticed the receiver's death", s -> s.state() == State.RECONNECTING);
        await(receiver, Duration.ofSeconds(30), "streaming again", WalReceiverStatus::streaming);
        Instant committed = commitRow(pg, "after the kill");
        WalReceiverStatus status = awaitReceived(receiver, committed, Duration.ofSeconds(10));

        assertThat(receiverProcess().pid()).isNotEqualTo(first.pid());
        WalFiles.assertUnbroken(pg.binDir(), root, status.receivedLsn());
    }

    @Test
    void serverRestartIsRiddenOutWithoutGap() throws Exception {
        startReceiver();
        await(receiver, Duration.ofSeconds(30), "streaming", WalReceiverStatus::streaming);
        writeWal(pg, 2);

        pg.stop();
        pg.start();
        writeWal(pg, 2);
        Instant committed = commitRow(pg, "after the restart");
        WalReceiverStatus status = awaitReceived(receiver, committed, Duration.ofSeconds(30));

        assertThat(status.state()).isEqualTo(State.STREAMING);
        WalFiles.assertUnbroken(pg.binDir(), root, status.receivedLsn());
    }

    @Test
    void serverAwayForThirtySecondsIsRiddenOutWithoutGap() throws Exception {
        startReceiver();
        await(receiver, Duration.ofSeconds(30), "streaming", WalReceiverStatus::streaming);
        writeWal(pg, 2);
        Instant before = commitRow(pg, "before the outage");
        awaitReceived(receiver, before, Duration.ofSeconds(10));

        pg.stop();
        try {
            WalReceiverStatus away = await(receiver, Duration.ofSeconds(10), "reconnecting", s -> s.state() == State.RECONNECTING);
            assertThat(away.message()).contains("not reachable");
            // what was received stays the window's end while the server is away
            assertThat(away.lastReceivedAt()).isAfterOrEqualTo(before);
            Thread.sleep(30_000);
        } finally {
            pg.start();
        }
        writeWal(pg, 2);
        Instant committed = commitRow(pg, "after the outage");
        WalReceiverStatus status = awaitReceived(receiver, committed, Duration.ofSeconds(40));

        assertThat(status.state()).isEqualTo(State.STREAMING);
        WalFiles.assertUnbroken(pg.binDir(), root, status.receivedLsn());
    }

    @Test
    void windowShowsGapWhenSegmentIsTruncatedOnDisk() throws Exception {
        startReceiver();
        await(receiver, Duration.ofSeconds(30), "streaming", WalReceiverStatus::streaming);
        Lsn baseStart;
        Instant baseAt;
        try (Connection c = pg.connect("postgres"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select pg_current_wal_flush_lsn()::text, clock_timestamp()")) {
            rs.next();
            baseStart = Lsn.parse(rs.getString(1));
            baseAt = rs.getTimestamp(2).toInstant();
        }
        writeWal(pg, 4);
        Instant committed = commitRow(pg, "after 4 MB");
        WalReceiverStatus status = awaitReceived(receiver, committed, Duration.ofSeconds(10));
        WalArchive archive = new WalArchive(root, FilePermissions.ownerOnly());
        // the facts of a base backup taken at baseStart (the window needs one to start from)
        RecoveryWindowCalculator.BaseBackupRef base = new RecoveryWindowCalculator.BaseBackupRef("weekly/20251130",
                new Manifest.BaseBackup("base.tar.gz", "base.backup_manifest", status.timeline(), baseStart.toString(), baseStart.toString(),
                        baseAt, baseAt, status.systemIdentifier(), status.segmentSize()));
        assertThat(RecoveryWindowCalculator.compute(archive.list(), archive.readReceipts(), status, List.of(base)).gaps()).isEmpty();

        // a segment inside the window loses its second half (a disk's damage, a copy cut short)
        WalArchive.WalFile victim = archive.list().segments().stream()
                .filter(f -> !f.segment().partial() && f.segment().number() > baseStart.segment(status.segmentSize()))
                .findFirst().orElseThrow();
        try (FileChannel file = FileChannel.open(victim.path(), StandardOpenOption.WRITE)) {
            file.truncate(victim.size() / 2);
        }
        RecoveryWindow window = RecoveryWindowCalculator.compute(archive.list(), archive.readReceipts(), status, List.of(base));

        assertThat(window.gaps()).singleElement().satisfies(gap -> {
            assertThat(gap.reason()).contains(victim.name() + " is truncated (524288 of 1048576 bytes on disk)");
            assertThat(gap.to()).isEqualTo(status.lastReceivedAt());
            assertThat(gap.from()).isBefore(committed);
        });
        assertThat(window.startFor(committed)).as("no start reaches the commit after the truncated segment").isEmpty();
    }

    @Test
    void secondOrchestratorWithClockAheadNeitherTakesStreamingReceiverOverNorReportsItStopped() throws Exception {
        startReceiver();
        WalReceiverStatus streaming = await(receiver, Duration.ofSeconds(30), "streaming", WalReceiverStatus::streaming);
        long streamingPid = receiverProcess().pid();
        // another machine sharing the root, its clock a minute ahead (each within backup.clock.max-skew), lease TTL 3 s
        BackupProperties properties = settings(root, streaming.slot(), Map.of());
        PostgresClient client = new PostgresClient(properties, runner);
        try (WalReceiver other = new WalReceiver(properties, new WalArchive(root, FilePermissions.ownerOnly()), new WalServer(client), client,
                runner, Clock.offset(Clock.systemUTC(), Duration.ofMinutes(1)), FilePermissions.ownerOnly(), "other-node")) {
            other.start();
            for (int i = 0; i < 16; i++) {
                Thread.sleep(500);
                assertThat(other.holder()).as("the lease is renewed, if by a clock behind this one").isFalse();
                assertThat(other.status().state()).as("what the holder wrote %d ms ago", 500 * (i + 1)).isEqualTo(State.STREAMING);
            }
            assertThat(receiver.holder()).isTrue();
            assertThat(receiverProcess().pid()).isEqualTo(streamingPid);
        }
    }

    @Test
    void windowEndStaysWhereItWasWhenServerIsAnotherClusterThanTheWalOnDisk() throws Exception {
        startReceiver();
        await(receiver, Duration.ofSeconds(30), "streaming", WalReceiverStatus::streaming);
        writeWal(pg, 8); // further than a new cluster's WAL begins
        awaitReceived(receiver, commitRow(pg, "last row of the old cluster"), Duration.ofSeconds(10));
        receiver.close();
        receiver = null;
        WalReceiverStatus stopped = new WalArchive(root, FilePermissions.ownerOnly()).readState().orElseThrow();

        // the database server made anew (its volume wiped), the backup root kept
        TestPostgres other = TestPostgres.startPrivate(List.of("--wal-segsize=1"));
        try {
            other.execute("postgres", "create table notes (id bigserial primary key, body text)");
            startReceiver(root, Map.of("backup.database.port", String.valueOf(other.port())));
            await(receiver, Duration.ofSeconds(30), "refused to stream another cluster into the folder",
                    s -> s.message() != null && s.message().contains("another cluster"));
            commitRow(other, "a row of the new cluster");
            Thread.sleep(2000);
            WalReceiverStatus status = receiver.status();

            assertThat(status.state()).isEqualTo(State.RECONNECTING);
            assertThat(status.lastReceivedAt()).as("nothing of the new cluster was received").isEqualTo(stopped.lastReceivedAt());
            assertThat(status.receivedLsn()).isEqualTo(stopped.receivedLsn());
            assertThat(status.lagSeconds()).as("grows until the health turns DOWN").isGreaterThan(1.5);
        } finally {
            receiver.close();
            receiver = null;
            other.close();
        }
    }

    @Test
    void windowEndStaysWhereItWasWhenServerIsSetBackToAnOlderCopy() throws Exception {
        pg.stop();
        Path snapshot = Files.createTempDirectory("pg-snapshot-").resolve("data");
        exec("cp", "-a", pg.dataDir().toString(), snapshot.toString());
        pg.start();
        try {
            startReceiver();
            await(receiver, Duration.ofSeconds(30), "streaming", WalReceiverStatus::streaming);
            writeWal(pg, 4);
            awaitReceived(receiver, commitRow(pg, "after the snapshot"), Duration.ofSeconds(10));

            // the server's machine rolled back to the snapshot: its WAL ends before what was received
            pg.stop();
            WalReceiverStatus away = await(receiver, Duration.ofSeconds(10), "reconnecting", s -> s.state() == State.RECONNECTING);
            exec("rm", "-rf", pg.dataDir().toString());
            exec("cp", "-a", snapshot.toString(), pg.dataDir().toString());
            pg.start();
            await(receiver, Duration.ofSeconds(30), "seeing the server set back", s -> s.message() != null && s.message().contains("set back"));
            commitRow(pg, "on the older copy");
            Thread.sleep(2000);
            WalReceiverStatus status = receiver.status();

            assertThat(status.state()).isEqualTo(State.RECONNECTING);
            assertThat(status.lastReceivedAt()).as("nothing after the rollback was received").isEqualTo(away.lastReceivedAt());
            assertThat(status.receivedLsn()).isEqualTo(away.receivedLsn());
        } finally {
            exec("rm", "-rf", snapshot.getParent().toString());
        }
    }

    @Test
    void fullVolumeGivesAlertAndDownHealthAndWindowNeverClaimsWhatIsNotOnDisk() throws Exception {
        Path volume = Files.createTempDirectory("wal-volume-");
        try {
            mount(volume, "size=5m,mode=0700");
        } catch (IllegalStateException notRoot) {
            Assumptions.abort("needs root to mount a 5 MB tmpfs as the backup volume: " + notRoot.getMessage());
        }
        pg.execute("postgres", "create table if not exists blobs (id serial primary key, body text)",
                "alter table blobs alter column body set storage external");
        try (TestHttpServer hooks = new TestHttpServer()) {
            BackupProperties properties = settings(volume, "test_slot_full", Map.of("backup.alerts.webhook-url", hooks.alertsUrl()));
            startReceiver(volume, Map.of("backup.alerts.webhook-url", hooks.alertsUrl()));
            await(receiver, Duration.ofSeconds(30), "streaming", WalReceiverStatus::streaming);

            // one transaction per row, each about 200 KB of WAL, until the 5 MB volume is full
            Map<Long, Instant> commits = new TreeMap<>();
            for (int i = 0; i < 60 && !receiver.status().volumeFull(); i++) {
                try (Connection c = pg.connect("postgres"); Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("insert into blobs (body) select string_agg(md5(random()::text), '') "
                             + "from generate_series(1, 6000) returning txid_current(), clock_timestamp()")) {
                    rs.next();
                    commits.put(rs.getLong(1), rs.getTimestamp(2).toInstant());
                }
                Thread.sleep(100);
            }
            WalReceiverStatus full = await(receiver, Duration.ofSeconds(30), "the receiver failing for a full volume",
                    WalReceiverStatus::volumeFull);

            assertThat(full.message()).contains("No space left on device").contains("Free space on the backup volume");
            Clock clock = Clock.systemUTC();
            WalHealth walHealth = new WalHealth(properties, clock);
            Health health = new BackupHealthIndicator(new BackupCatalog(volume, FilePermissions.ownerOnly(), clock), properties, clock,
                    null, receiver, walHealth).health();
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails().get("walProblem").toString()).contains("No space left on device");
            StaticListableBeanFactory beans = new StaticListableBeanFactory();
            new WalWatch(receiver, walHealth, new Alerts(properties, beans.getBeanProvider(JavaMailSender.class), clock, Texts.of("en"))).check();
            for (int i = 0; i < 100 && hooks.alerts().isEmpty(); i++) {
                Thread.sleep(50);
            }
            assertThat(hooks.alerts()).anySatisfy(a -> assertThat(a).contains("\"event\":\"wal_volume_full\"").contains("No space left"));
            // whatever committed by the window's end is on disk; and something committed later is not (the check can fail)
            Instant end = receiver.status().lastReceivedAt();
            Set<Long> onDisk = WalFiles.committedXids(pg.binDir(), volume);
            commits.forEach((xid, at) -> {
                if (!at.isAfter(end)) {
                    assertThat(onDisk).as("transaction %d committed at %s, before the window's end %s", xid, at, end).contains(xid);
                }
            });
            assertThat(commits.keySet()).as("some commits did not fit").anySatisfy(xid -> assertThat(onDisk).doesNotContain(xid));
        } finally {
            if (receiver != null) {
                receiver.close();
                receiver = null;
            }
            umount(volume);
        }
    }

    private static void mount(Path at, String options) {
        exec("mount", "-t", "tmpfs", "-o", options, "tmpfs", at.toString());
    }

    private static void umount(Path at) {
        exec("umount", at.toString());
    }

    private static void exec(String... argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", argv) + ": " + out);
            }
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
