package com.llmbackup.wal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import com.llmbackup.catalog.FilePermissions;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.postgres.PostgresClient;
import com.llmbackup.test.TestPostgres;
import com.llmbackup.test.WalFiles;
import com.llmbackup.wal.WalReceiverStatus.State;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

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
        map.putAll(more);
        return new Binder(new MapConfigurationPropertySource(map)).bindOrCreate("backup", BackupProperties.class);
    }

    private WalReceiver startReceiver() {
        BackupProperties properties = settings(root, "test_slot_" + (++slots), Map.of());
        PostgresClient client = new PostgresClient(properties, runner);
        receiver = new WalReceiver(properties, new WalArchive(root, FilePermissions.ownerOnly()), new WalServer(client), client, runner,
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
}
