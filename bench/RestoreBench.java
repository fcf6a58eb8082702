import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.llmbackup.catalog.ManifestFiles;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.postgres.DatabaseNames;
import com.llmbackup.postgres.DatabaseRestorer;
import com.llmbackup.postgres.GlobalRoles;
import com.llmbackup.postgres.PostgresClient;
import com.llmbackup.uploads.Snapshotter;
import com.llmbackup.uploads.UploadsRestorer;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * The restore phase of llm-backup (after approval; guard and safety backup are not part of it), as
 * Task_RestoreBeside and Task_RestoreData run it: the dump restored beside the live database
 * (DatabaseRestorer.restoreInto: pg_restore --jobs N, the runbook's GRANT, the check of every
 * table's rows and of the dump's objects) while the application still runs, then, with it
 * stopped, the swap (one transaction) and, side by side on another thread, the uploads folder
 * made exactly as the snapshot, files untouched since the backup left in place.
 *
 *   java -cp CP RestoreBench snapshot SRC SNAPSHOT FILE_LIST [PREVIOUS_SNAPSHOT PREVIOUS_FILE_LIST]   (the backup's uploads, as a daily makes them)
 *   java -cp CP RestoreBench uploads SNAPSHOT FILE_LIST TARGET SINCE_EPOCH_MS   (the uploads half alone)
 *   java -cp CP RestoreBench restore HOST PORT DATABASE USER PASSWORD PG_BIN DUMP ROWS_JSON SNAPSHOT FILE_LIST TARGET SINCE_EPOCH_MS RUN
 *   java -cp CP RestoreBench undo HOST PORT DATABASE USER PASSWORD PG_BIN DUMP SAFETY_DUMP RUN
 *
 * uploads prints: seconds, files written, files kept, entries removed, peak heap MB, files kept after reading them (hashed).
 * restore prints: seconds total, seconds database, seconds uploads (alongside the swap), files written, files kept,
 *   entries removed, files hashed, seconds restore beside, seconds check, seconds swap, seconds with the application
 *   stopped (swap and uploads). The database the swap replaced stays as DATABASE__before_RUN.
 * undo restores DUMP beside DATABASE and swaps it in (untimed; DATABASE__before_RUN kept), then prints: seconds of
 *   the undo (that database swapped back), seconds of a roll back through the safety set (SAFETY_DUMP, taken of
 *   DATABASE before, restored beside, checked, swapped in), seconds of the old roll back (pg_restore --clean of
 *   SAFETY_DUMP into the live database), and pgbench_history's rows after the undo (as before the restore).
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
        DatabaseRestorer databases = new DatabaseRestorer(postgres, runner, new GlobalRoles(postgres), properties);
        String live = args[3];
        if (args[0].equals("undo")) {
            // the restore being undone (untimed): the dump restored beside and swapped in, the live database kept
            long run = Long.parseLong(args[9]);
            String restored = DatabaseNames.restoring(live, run);
            databases.restoreInto(Path.of(args[7]), restored, Map.of());
            databases.close(restored);
            databases.swap(live, restored, DatabaseNames.previous(live, run));
            long start = System.nanoTime();
            databases.swap(live, DatabaseNames.previous(live, run), DatabaseNames.previous(live, run + 1000));
            long undone = System.nanoTime();
            Map<String, Long> afterUndo = databases.rowCounts(live);
            String copy = DatabaseNames.restoring(live, run + 2000);
            databases.restoreInto(Path.of(args[8]), copy, Map.of());
            databases.close(copy);
            databases.swap(live, copy, DatabaseNames.previous(live, run + 2000));
            long rolledBack = System.nanoTime();
            databases.restoreInPlace(Path.of(args[8]), live, Map.of());
            long oldWay = System.nanoTime();
            databases.drop(DatabaseNames.previous(live, run + 1000));
            databases.drop(DatabaseNames.previous(live, run + 2000));
            System.out.printf("%.3f %.3f %.3f %d%n", (undone - start) / 1e9, (rolledBack - undone) / 1e9, (oldWay - rolledBack) / 1e9,
                    afterUndo.get("public.pgbench_history"));
            return;
        }
        Map<String, Long> rows = json.readValue(Path.of(args[8]).toFile(), new TypeReference<Map<String, Long>>() { });
        Path entries = Path.of(args[10]);
        long run = Long.parseLong(args[13]);
        String beside = DatabaseNames.restoring(live, run);
        long start = System.nanoTime();
        // Task_RestoreBeside: before the application stops
        DatabaseRestorer.Result copy = databases.restoreInto(Path.of(args[7]), beside, rows);
        databases.close(beside);
        long besideDone = System.nanoTime();
        // Task_RestoreData: the swap and the uploads side by side
        long[] uploadsDone = new long[1];
        CompletableFuture<UploadsRestorer.Result> files = CompletableFuture.supplyAsync(() -> {
            UploadsRestorer.Result r = new UploadsRestorer().fromSnapshot(Path.of(args[9]), () -> ManifestFiles.read(entries, null), Path.of(args[11]),
                    Instant.ofEpochMilli(Long.parseLong(args[12])), Snapshotter.Progress.NONE);
            uploadsDone[0] = System.nanoTime();
            return r;
        });
        DatabaseRestorer.Swap swap = databases.swap(live, beside, DatabaseNames.previous(live, run));
        long dbDone = System.nanoTime();
        UploadsRestorer.Result u = files.join();
        new ProcessBuilder("sync").inheritIO().start().waitFor();
        long end = System.nanoTime();
        System.out.printf("%.3f %.3f %.3f %d %d %d %d %.3f %.3f %.3f %.3f%n", (end - start) / 1e9, (dbDone - start) / 1e9,
                (uploadsDone[0] - besideDone) / 1e9, u.filesWritten(), u.filesKept(), u.entriesDeleted(), u.filesHashed(),
                copy.restoreMillis() / 1e3, copy.checkMillis() / 1e3, swap.millis() / 1e3, (end - besideDone) / 1e9);
    }
}
