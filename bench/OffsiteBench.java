import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.catalog.FilePermissions;
import com.llmbackup.catalog.LeaseManager;
import com.llmbackup.catalog.Manifest;
import com.llmbackup.catalog.ManifestFiles;
import com.llmbackup.catalog.OwnerLiveness;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.offsite.OffsiteRepository;
import com.llmbackup.offsite.OffsiteSnapshot;
import com.llmbackup.postgres.DatabaseDumper;
import com.llmbackup.uploads.Snapshotter;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * The daily set and its offsite copy as a run makes them.
 *
 *   java -cp CLASSPATH OffsiteBench make BACKUP_ROOT DATE LIVE DUMP [PREVIOUS_DATE]
 *   java -cp CLASSPATH OffsiteBench copy BACKUP_ROOT REPOSITORY PASSWORD_FILE DATE
 *
 * make: publishes daily/DATE (yyyymmdd) through the catalog: LIVE snapshotted by the real
 * snapshot step against the previous set's file list (unchanged files hard-linked), DUMP copied
 * as its dump, the manifest with every artifact. Prints the seconds it took.
 * copy: reads the repository's snapshot list (Task_CopyOffsite reads it anyway, to see whether
 * the set is offsite already and what to catch up), then copies the set exactly as the step
 * does (OffsiteRepository.copy with that list: the newest copy of a set still here as parent).
 * Prints: seconds of the copy, seconds of the list, bytes added to the repository, bytes of the
 * set, files read, files skipped as unchanged, the parent (or -).
 */
public class OffsiteBench {
    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[1]);
        if (args[0].equals("make")) {
            make(root, args[2], Path.of(args[3]), Path.of(args[4]), args.length > 5 ? args[5] : null);
        } else {
            copy(root, args[2], args[3], args[4]);
        }
    }

    static void make(Path root, String date, Path live, Path dump, String previousDate) throws Exception {
        long start = System.nanoTime();
        Clock clock = Clock.fixed(LocalDate.parse(date, DateTimeFormatter.BASIC_ISO_DATE).atTime(2, 0)
                .toInstant(ZoneOffset.UTC), ZoneOffset.UTC);
        BackupCatalog catalog = new BackupCatalog(root, FilePermissions.ownerOnly(), clock);
        LeaseManager.Lease lease = new LeaseManager(root, Duration.ofMinutes(10), clock, OwnerLiveness.ALWAYS_ACTIVE,
                FilePermissions.ownerOnly()).tryAcquire("bench", "bench").lease();
        try {
            BackupCatalog.StagedSet staged = catalog.stage(BackupKind.DAILY, lease);
            Files.copy(dump, staged.dumpFile());
            List<Manifest.Artifact> artifacts = new ArrayList<>();
            artifacts.add(Manifest.Artifact.file(staged.dumpFile().getFileName().toString(), Files.size(staged.dumpFile()),
                    DatabaseDumper.sha256(staged.dumpFile())));
            BackupSet previous = previousDate == null ? null : catalog.find(BackupKind.DAILY, BackupSetId.parse(previousDate)).orElseThrow();
            Path previousDir = previous == null ? null : catalog.kindDir(BackupKind.DAILY).resolve(BackupKind.DAILY.uploadsName(previous.id()));
            Snapshotter.Result result;
            try (ManifestFiles.Entries before = previous == null ? ManifestFiles.of(List.of()) : catalog.files(previous);
                 ManifestFiles.Writer list = ManifestFiles.write(staged.fileList())) {
                result = new Snapshotter().snapshot(live, staged.uploadsPath(), previousDir, before, list, Snapshotter.Progress.NONE);
                list.close();
                artifacts.add(Manifest.Artifact.directory(staged.uploadsPath().getFileName().toString(), result.bytes(), result.fileCount()));
                artifacts.add(Manifest.Artifact.file(staged.fileList().getFileName().toString(), list.size(), list.sha256()));
            }
            Manifest manifest = new Manifest(Manifest.FORMAT_VERSION, "daily", staged.id().toString(), null, staged.owner(),
                    clock.instant(), null, "15", null, null, null, artifacts, List.of(), Map.of(),
                    new Manifest.Stats(result.bytes(), result.fileCount(), result.filesCopied(), result.filesLinked()), List.of());
            catalog.publish(staged, manifest, lease);
        } finally {
            lease.release();
        }
        System.out.printf("%.3f%n", (System.nanoTime() - start) / 1e9);
    }

    static void copy(Path root, String repository, String passwordFile, String date) {
        BackupProperties properties = new Binder(new MapConfigurationPropertySource(Map.of(
                "backup.root", root.toString(), "backup.offsite.repository", repository, "backup.offsite.password-file", passwordFile)))
                .bindOrCreate("backup", BackupProperties.class);
        BackupCatalog catalog = new BackupCatalog(root, FilePermissions.ownerOnly(), Clock.systemUTC());
        OffsiteRepository offsite = new OffsiteRepository(properties, catalog, new CommandRunner());
        BackupSet set = catalog.find(BackupKind.DAILY, BackupSetId.parse(date)).orElseThrow();
        long listed = System.nanoTime();
        List<OffsiteSnapshot> known = offsite.snapshots();
        long start = System.nanoTime();
        OffsiteRepository.CopyResult result = offsite.copy(set, known);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("%.3f %.3f %d %d %d %d %s%n", seconds, (start - listed) / 1e9, result.bytesAdded(), result.bytesProcessed(),
                result.filesRead(), result.filesUnchanged(), result.parentId() == null ? "-" : result.parentId());
    }
}
