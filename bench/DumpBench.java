import java.nio.file.Path;
import java.util.Map;

import com.llmbackup.config.BackupProperties;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.postgres.DatabaseDumper;
import com.llmbackup.postgres.PostgresClient;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * Runs llm-backup's dump step (pg_dump -Fc -f in an exported snapshot, row counts, SHA-256).
 *
 *   java -cp CLASSPATH bench/DumpBench.java HOST PORT DATABASE USER PASSWORD FILE PG_BIN_DIR
 *
 * Prints: seconds, dump bytes, tables counted, seconds dumping and counting rows, seconds hashing.
 */
public class DumpBench {
    public static void main(String[] args) {
        BackupProperties properties = new Binder(new MapConfigurationPropertySource(Map.of(
                "backup.database.host", args[0], "backup.database.port", args[1], "backup.database.name", args[2],
                "backup.database.user", args[3], "backup.database.password", args[4],
                "backup.postgres.bin-dir", args[6])))
                .bindOrCreate("backup", BackupProperties.class);
        CommandRunner runner = new CommandRunner();
        PostgresClient postgres = new PostgresClient(properties, runner);
        // the orchestrator is long-running: its JDBC driver is loaded and warm before a dump starts
        try (var warm = postgres.connect()) {
            warm.isValid(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        long start = System.nanoTime();
        DatabaseDumper.DumpResult result = new DatabaseDumper(postgres, runner).dump(Path.of(args[5]));
        System.out.printf("%.3f %d %d %.3f %.3f%n", (System.nanoTime() - start) / 1e9, result.size(), result.rowCounts().size(),
                result.dumpTime().toNanos() / 1e9, result.hashTime().toNanos() / 1e9);
    }
}
