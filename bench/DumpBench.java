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
 *   java -cp CLASSPATH bench/DumpBench.java HOST PORT DATABASE USER PASSWORD FILE
 *
 * Prints: seconds, dump bytes, tables counted.
 */
public class DumpBench {
    public static void main(String[] args) {
        BackupProperties properties = new Binder(new MapConfigurationPropertySource(Map.of(
                "backup.database.host", args[0], "backup.database.port", args[1], "backup.database.name", args[2],
                "backup.database.user", args[3], "backup.database.password", args[4])))
                .bindOrCreate("backup", BackupProperties.class);
        CommandRunner runner = new CommandRunner();
        long start = System.nanoTime();
        DatabaseDumper.DumpResult result = new DatabaseDumper(new PostgresClient(properties, runner), runner).dump(Path.of(args[5]));
        System.out.printf("%.3f %d %d%n", (System.nanoTime() - start) / 1e9, result.size(), result.rowCounts().size());
    }
}
