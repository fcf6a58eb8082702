import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.llmbackup.catalog.ManifestFiles;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.postgres.DatabaseRestorer;
import com.llmbackup.postgres.PostgresClient;
import com.llmbackup.uploads.Snapshotter;
import com.llmbackup.uploads.UploadsRestorer;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * The restore phase of llm-backup (after approval; guard and safety backup are not part of it), as
 * RestoreService.restoreData runs it: pg_restore --clean --if-exists --jobs N, the runbook's GRANT
 * and the row-count check on this thread, and meanwhile on another the uploads folder made
 * exactly as the snapshot, files untouched since the backup left in place.
 *
 *   java -cp CP RestoreBench snapshot SRC SNAPSHOT FILE_LIST [PREVIOUS_SNAPSHOT PREVIOUS_FILE_LIST]   (the backup's uploads, as a daily makes them)
 *   java -cp CP RestoreBench uploads SNAPSHOT FILE_LIST TARGET SINCE_EPOCH_MS   (the uploads half alone)
 *   java -cp CP RestoreBench restore HOST PORT DATABASE USER PASSWORD PG_BIN DUMP ROWS_JSON SNAPSHOT FILE_LIST TARGET SINCE_EPOCH_MS
 *
 * uploads prints: seconds, files written, files kept, entries removed, peak heap MB, files kept after reading them (hashed).
 * restore prints: seconds total, seconds database, seconds uploads, files written, files kept, entries removed, files hashed.
 */
public class RestoreBench {
    public static void main(String[] args) throws Exception {
        ObjectMapper json = new ObjectMapper();
        if (args[0].equals("snapshot")) {
            Path previousDir = args.length > 5 ? Path.of(args[4]) : null;
            try (ManifestFiles.Entries previous = previousDir != null ? ManifestFiles.read(Path.of(args[5]), null) : ManifestFiles.of(List.of());
                 ManifestFiles.Writer out = ManifestFiles.write(Path.of(args[3]))) {
                new Snapshotter().snapshot(Path.of(args[1]), Path.of(args[2]), previousDir, previous, out, Snapshotter.Progress.NONE);
            }
            return;
        }
        if (args[0].equals("uploads")) {
            long start = System.nanoTime();
            UploadsRestorer.Result u = new UploadsRestorer().fromSnapshot(Path.of(args[1]), () -> ManifestFiles.read(Path.of(args[2]), null),
                    Path.of(args[3]), Instant.ofEpochMilli(Long.parseLong(args[4])), Snapshotter.Progress.NONE);
            new ProcessBuilder("sync").inheritIO().start().waitFor();
            System.out.printf("%.3f %d %d %d %.1f %d%n", (System.nanoTime() - start) / 1e9, u.filesWritten(), u.filesKept(),
                    u.entriesDeleted(), Heap.peakMegabytes(), u.filesHashed());
            return;
        }
        BackupProperties properties = new Binder(new MapConfigurationPropertySource(Map.of(
                "backup.database.host", args[1], "backup.database.port", args[2], "backup.database.name", args[3],
                "backup.database.user", args[4], "backup.database.password", args[5], "backup.postgres.bin-dir", args[6],
                "backup.database.grant-role", args[4])))
                .bindOrCreate("backup", BackupProperties.class);
        CommandRunner runner = new CommandRunner();
        PostgresClient postgres = new PostgresClient(properties, runner);
        try (var warm = postgres.connect()) {
            warm.isValid(1);
        }
        Map<String, Long> rows = json.readValue(Path.of(args[8]).toFile(), new TypeReference<Map<String, Long>>() { });
        Path entries = Path.of(args[10]);
        long start = System.nanoTime();
        long[] uploadsDone = new long[1];
        java.util.concurrent.CompletableFuture<UploadsRestorer.Result> files = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            UploadsRestorer.Result r = new UploadsRestorer().fromSnapshot(Path.of(args[9]), () -> ManifestFiles.read(entries, null), Path.of(args[11]),
                    Instant.ofEpochMilli(Long.parseLong(args[12])), Snapshotter.Progress.NONE);
            uploadsDone[0] = System.nanoTime();
            return r;
        });
        new DatabaseRestorer(postgres, runner, properties).restore(Path.of(args[7]), null, args[3], false, rows);
        long dbDone = System.nanoTime();
        UploadsRestorer.Result u = files.join();
        new ProcessBuilder("sync").inheritIO().start().waitFor();
        long end = System.nanoTime();
        System.out.printf("%.3f %.3f %.3f %d %d %d %d%n", (end - start) / 1e9, (dbDone - start) / 1e9, (uploadsDone[0] - start) / 1e9,
                u.filesWritten(), u.filesKept(), u.entriesDeleted(), u.filesHashed());
    }
}
