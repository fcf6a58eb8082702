import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.llmbackup.catalog.FilePermissions;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.postgres.PostgresClient;
import com.llmbackup.wal.WalArchive;
import com.llmbackup.wal.WalReceiver;
import com.llmbackup.wal.WalServer;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * Runs llm-backup's WAL receiver (pg_receivewal --synchronous on a slot, supervised, its state read
 * every second) for SECONDS and samples, every 100 ms, how far the WAL on disk is behind the
 * server: pg_stat_replication's flush_lag (the server's own measure) and the bytes between the
 * server's flushed WAL and the receiver's.
 *
 *   java -cp CLASSPATH WalBench HOST PORT USER PASSWORD PG_BIN_DIR BACKUP_ROOT SLOT SECONDS
 *
 * Prints "streaming" once it streams, then at the end: samples, median and 99th percentile of the
 * lag in seconds, median and 99th percentile in bytes, and the receiver's own last lagSeconds.
 */
public class WalBench {
    public static void main(String[] args) throws Exception {
        BackupProperties properties = new Binder(new MapConfigurationPropertySource(Map.of(
                "backup.root", args[5], "backup.database.host", args[0], "backup.database.port", args[1],
                "backup.database.name", "postgres", "backup.database.user", args[2], "backup.database.password", args[3],
                "backup.postgres.bin-dir", args[4], "backup.wal.slot", args[6])))
                .bindOrCreate("backup", BackupProperties.class);
        CommandRunner runner = new CommandRunner();
        PostgresClient postgres = new PostgresClient(properties, runner);
        WalArchive archive = new WalArchive(Path.of(args[5]), FilePermissions.ownerOnly());
        WalReceiver receiver = new WalReceiver(properties, archive, new WalServer(postgres), postgres, runner, Clock.systemUTC(),
                FilePermissions.ownerOnly());
        receiver.start();
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!receiver.status().streaming()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the receiver did not stream: " + receiver.status());
            }
            Thread.sleep(100);
        }
        System.out.println("streaming");
        System.out.flush();
        List<Double> seconds = new ArrayList<>();
        List<Long> bytes = new ArrayList<>();
        long end = System.nanoTime() + Long.parseLong(args[7]) * 1_000_000_000L;
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + args[0] + ":" + args[1] + "/postgres", args[2], args[3]);
             PreparedStatement ps = c.prepareStatement("select coalesce(extract(epoch from r.flush_lag), 0)::float8, "
                     + "pg_wal_lsn_diff(pg_current_wal_flush_lsn(), r.flush_lsn)::bigint from pg_replication_slots s "
                     + "join pg_stat_replication r on r.pid = s.active_pid where s.slot_name = ?")) {
            ps.setString(1, args[6]);
            while (System.nanoTime() < end) {
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        seconds.add(rs.getDouble(1));
                        bytes.add(Math.max(0, rs.getLong(2)));
                    }
                }
                Thread.sleep(100);
            }
        }
        Double ours = receiver.status().lagSeconds();
        receiver.close();
        Collections.sort(seconds);
        Collections.sort(bytes);
        System.out.printf(Locale.ROOT, "%d %.4f %.4f %d %d %.3f%n", seconds.size(), percentile(seconds, 50), percentile(seconds, 99),
                percentile(bytes, 50), percentile(bytes, 99), ours == null ? Double.NaN : ours);
    }

    private static <T> T percentile(List<T> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }
}
