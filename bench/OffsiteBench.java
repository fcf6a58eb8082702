import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.catalog.FilePermissions;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.offsite.OffsiteRepository;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * Runs llm-backup's offsite copy of one set exactly as Task_CopyOffsite does (restic backup
 * of the set's files and folders, tagged, JSON summary read).
 *
 *   java -cp CLASSPATH OffsiteBench BACKUP_ROOT REPOSITORY PASSWORD_FILE KIND ID
 *
 * Prints: seconds, bytes added to the repository, bytes read, files read.
 */
public class OffsiteBench {
    public static void main(String[] args) {
        BackupProperties properties = new Binder(new MapConfigurationPropertySource(Map.of(
                "backup.root", args[0], "backup.offsite.repository", args[1], "backup.offsite.password-file", args[2])))
                .bindOrCreate("backup", BackupProperties.class);
        BackupCatalog catalog = new BackupCatalog(Path.of(args[0]), FilePermissions.ownerOnly(), Clock.systemUTC());
        OffsiteRepository offsite = new OffsiteRepository(properties, catalog, new CommandRunner());
        BackupKind kind = BackupKind.fromDir(args[3]);
        BackupSet set = catalog.find(kind, BackupSetId.parse(args[4])).orElseThrow();
        long start = System.nanoTime();
        OffsiteRepository.CopyResult result = offsite.copy(set);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("%.3f %d %d %d%n", seconds, result.bytesAdded(), result.bytesProcessed(), result.filesProcessed());
    }
}
