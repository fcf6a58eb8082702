package com.llmbackup.backup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupCatalog.StagedSet;
import com.llmbackup.catalog.BackupHistory;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupLog;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.catalog.Durable;
import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.LeaseManager;
import com.llmbackup.catalog.LeaseWaitTimeoutException;
import com.llmbackup.catalog.Manifest;
import com.llmbackup.catalog.ManifestFiles;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.Sizes;
import com.llmbackup.catalog.VolumeUsage;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.config.Text;
import com.llmbackup.postgres.DatabaseDumper;
import com.llmbackup.postgres.PostgresClient;
import com.llmbackup.uploads.Snapshotter;
import com.llmbackup.uploads.TarGzArchiver;
import com.llmbackup.wal.BaseBackupInvalidException;
import com.llmbackup.wal.BaseBackups;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * The steps of a backup run (daily, and the safety backup a restore takes), each callable
 * on its own from a process step: what a step found is kept beside the staged set (its
 * "parts" folder), so steps share no memory and a retried step starts clean. The run's
 * owner is its process instance id; every step that writes checks the lease first.
 */
@Service
public class BackupRunService {

    private static final Logger log = LoggerFactory.getLogger(BackupRunService.class);
    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final BackupProperties properties;
    private final BackupCatalog catalog;
    private final LeaseManager leases;
    private final BackupHistory history;
    private final BackupLog backupLog;
    private final DatabaseDumper dumper;
    private final Snapshotter snapshotter;
    private final TarGzArchiver archiver;
    private final PostgresClient postgres;
    private final ClockCheck clockCheck;
    private final BaseBackups baseBackups;

    public BackupRunService(BackupProperties properties, BackupCatalog catalog, LeaseManager leases, BackupHistory history,
                            BackupLog backupLog, DatabaseDumper dumper, Snapshotter snapshotter, TarGzArchiver archiver,
                            PostgresClient postgres, ClockCheck clockCheck, BaseBackups baseBackups) {
        this.clockCheck = clockCheck;
        this.baseBackups = baseBackups;
        this.properties = properties;
        this.catalog = catalog;
        this.leases = leases;
        this.history = history;
        this.backupLog = backupLog;
        this.dumper = dumper;
        this.snapshotter = snapshotter;
        this.archiver = archiver;
        this.postgres = postgres;
    }

    /** The run's history row; a retried first step finds the row it made before. */
    public long begin(BackupKind kind, String owner) {
        Optional<HistoryEntry> existing = history.runningRun(owner, RunKind.of(kind));
        if (existing.isPresent()) {
            return existing.get().id();
        }
        long runId = history.start(RunKind.of(kind), owner);
        log.info("{} started (run {}, process instance {})", RunKind.of(kind).title(), runId, owner);
        return runId;
    }

    /**
     * The run's history row for the steps after the lock: the newest row of this kind its owner's
     * instance started. Found by the instance, never by a variable: a variable could name another
     * run's row (a failed daily's, a restore's) and the steps would complete or fail that one.
     */
    public long runOf(BackupKind kind, String owner) {
        return history.newestOwned(owner, RunKind.of(kind)).map(HistoryEntry::id)
                .orElseThrow(() -> new IllegalStateException("Process instance " + owner + " has no " + RunKind.of(kind).title()
                        + " in the history: its lock step records it first."));
    }

    /**
     * Takes the lease and stages a new set, or says the lease is busy (the caller waits and
     * tries again); gives up with {@link LeaseWaitTimeoutException} after {@code backup.lock.max-wait}.
     */
    public Optional<StagedSet> acquireAndStage(BackupKind kind, String owner, long runId, Instant waitingSince, Instant now) {
        // the set's id is today's date by this clock: checked before the lock is taken, so a run refused here blocks nobody
        clockCheck.checkBeforeStaging();
        LeaseManager.Attempt attempt = leases.tryAcquire(owner, RunKind.of(kind).title());
        if (attempt.busy()) {
            LeaseWaitTimeoutException.check(waitingSince, properties.lock().maxWait(), now, attempt.holder(), backupLog.texts());
            log.info("Backup root busy: run {} ({}) holds the lock; waiting", attempt.holder().owner(), attempt.holder().purpose());
            return Optional.empty();
        }
        if (attempt.takenOverFrom() != null) {
            // the warnings column holds words: in backup.language
            history.addWarning(runId, backupLog.texts().render(Text.of("backup.lock.tookOver", attempt.takenOverFrom(), attempt.why())));
            closeAbandoned(attempt.takenOverFrom(), owner, attempt.why());
        }
        List<String> rolledBack = catalog.recover(attempt.lease());
        if (!rolledBack.isEmpty()) {
            history.addWarning(runId, "Rolled back unfinished sets left by a crash: " + String.join(", ", rolledBack) + ".");
        }
        StagedSet staged = catalog.stage(kind, attempt.lease());
        history.setBackupId(runId, staged.id().toString());
        return Optional.of(staged);
    }

    /**
     * A run whose lock was taken over because its orchestrator died still shows RUNNING in
     * the history: it is marked FAILED with what happened (a run in an incident was already
     * recorded by the incident handler).
     */
    private void closeAbandoned(String previousOwner, String newOwner, Text reason) {
        history.listByOwner(previousOwner).stream().filter(e -> e.status().open()).forEach(e -> {
            Text message = Text.of(e.kind() == RunKind.RESTORE ? "run.abandoned.restore" : "run.abandoned.takenOver", reason, newOwner);
            history.fail(e.id(), "unknown (orchestrator stopped)", message);
            backupLog.write(Text.of("log.run.failed", e.kind().titleText(), message));
        });
    }

    /** The staged set of a run, for the steps after the first. */
    public StagedSet staged(BackupKind kind, String backupId, String owner) {
        LeaseManager.Lease lease = leases.resume(owner);
        return catalog.staged(kind, BackupSetId.parse(backupId), lease);
    }

    /** Fails with the figures when the estimate for this set does not fit on the backup volume. */
    public void checkSpace(StagedSet staged) {
        long needed = estimate(staged.kind());
        long withMargin = (long) (needed * properties.space().factor()) + properties.space().margin().toBytes();
        try {
            VolumeUsage volume = VolumeUsage.of(catalog.root());
            long free = volume.freeBytes();
            if (free < withMargin) {
                throw new NotEnoughSpaceException(Text.of("backup.space.notEnough", staged.label(), Sizes.human(withMargin), Sizes.human(needed),
                        properties.space().factor(), Sizes.human(properties.space().margin().toBytes()), Sizes.human(free), volume.storeName()),
                        backupLog.texts());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the free space of " + catalog.root() + ": " + e.getMessage(), e);
        }
    }

    /** The last complete set's size when there is one; else the database and uploads as they are now. */
    long estimate(BackupKind kind) {
        Optional<BackupSet> last = catalog.newestComplete(kind);
        if (last.isPresent() && last.get().manifest().stats() != null) {
            // what the last run wrote: its dump and the files it copied (unchanged ones cost a link)
            return last.get().manifest().stats().bytes();
        }
        return databaseSize() + treeSize(properties.uploadsDir());
    }

    public void dumpDatabase(StagedSet staged) {
        DatabaseDumper.DumpResult dump;
        try {
            dump = dumper.dump(staged.dumpFile());
        } catch (RuntimeException e) {
            discardPartial(staged.dumpFile(), e);
            throw e;
        }
        writePart(staged, "dump", new DumpPart(dump.size(), dump.sha256(), dump.rowCounts(), dump.serverVersion()));
    }

    public int verifyDump(StagedSet staged) {
        return dumper.verify(staged.dumpFile());
    }

    public void dumpGlobals(StagedSet staged, long runId) {
        DatabaseDumper.GlobalsResult globals = dumper.dumpGlobals(staged.globalsFile());
        if (globals.warning() != null) {
            history.addWarning(runId, globals.warning());
            writePart(staged, "warning-globals", globals.warning());
        }
    }

    /** The web app's docker-compose.yml and .env ({@code backup.extra-files}); a .env stays owner-only. */
    public void copyExtraFiles(StagedSet staged) {
        if (properties.extraFiles().isEmpty()) {
            return;
        }
        try {
            Path dir = Files.createDirectories(staged.configDir());
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            for (Path file : properties.extraFiles()) {
                if (!Files.isRegularFile(file)) {
                    throw new UncheckedIOException(new NoSuchFileException(file.toString(), null,
                            "listed in backup.extra-files but not a readable file"));
                }
                Path copy = dir.resolve(file.getFileName());
                // a retried step finds the copies of its first attempt: replaced, not refused
                Files.copy(file, copy, StandardCopyOption.COPY_ATTRIBUTES, StandardCopyOption.REPLACE_EXISTING);
                if (file.getFileName().toString().startsWith(".env")) {
                    Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-------"));
                }
                Durable.force(copy);
            }
            Durable.syncDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the extra files: " + e.getMessage(), e);
        }
    }

    /**
     * Snapshot of the uploads, incremental against the newest complete daily set; its entries
     * stream from the previous set's list and into this set's file list, none held in memory.
     */
    public Snapshotter.Result snapshotUploads(StagedSet staged, long runId) {
        Optional<BackupSet> base = catalog.newestComplete(BackupKind.DAILY);
        Snapshotter.Result result;
        try (ManifestFiles.Entries previous = base.map(catalog::files).orElseGet(() -> ManifestFiles.of(List.of()));
             ManifestFiles.Writer fileList = ManifestFiles.write(staged.fileList())) {
            Path previousDir = null;
            if (previous.hasNext()) {
                previousDir = catalog.kindDir(BackupKind.DAILY).resolve(BackupKind.DAILY.uploadsName(base.get().id()));
            } else {
                base = Optional.empty();
            }
            result = snapshotter.snapshot(properties.uploadsDir(), staged.uploadsPath(), previousDir, previous, fileList,
                    (filesDone, filesTotal, bytesDone, bytesTotal) -> history.progress(runId, filesDone, filesTotal, bytesDone, bytesTotal));
        }
        writePart(staged, "snapshot", new SnapshotPart(base.map(s -> s.id().toString()).orElse(null), result));
        recordWarnings(staged, runId, result.warnings());
        return result;
    }

    /** The weekly full archive of the uploads ({@code uploads_full_<id>.tar.gz}, entries {@code uploads/...}). */
    public TarGzArchiver.Result archiveUploads(StagedSet staged, long runId) {
        long[] totals = treeFigures(properties.uploadsDir());
        TarGzArchiver.Result result;
        try (ManifestFiles.Writer fileList = ManifestFiles.write(staged.fileList())) {
            result = archiver.archive(properties.uploadsDir(), staged.uploadsPath(), fileList,
                    (filesDone, filesTotal, bytesDone, bytesTotal) -> history.progress(runId, filesDone, totals[0], bytesDone, totals[1]));
        } catch (RuntimeException e) {
            discardPartial(staged.uploadsPath(), e);
            throw e;
        }
        history.progress(runId, result.fileCount(), result.fileCount(), result.bytes(), result.bytes());
        writePart(staged, "archive", result);
        recordWarnings(staged, runId, result.warnings());
        return result;
    }

    /**
     * Files skipped, changed, vanished or damaged during a step: in the history and the backup
     * log as the step ends (a retried step's warnings are not repeated), in the manifest at publish.
     */
    private void recordWarnings(StagedSet staged, long runId, List<String> warnings) {
        String recorded = history.find(runId).map(e -> e.problems().warnings()).orElse(null);
        for (String warning : warnings) {
            if (recorded == null || !recorded.contains(warning)) {
                log.warn("Run {}: {}", runId, warning);
                history.addWarning(runId, warning);
                backupLog.write(Text.of("log.run.warning", RunKind.of(staged.kind()).titleText(), warning));
            }
        }
    }

    /** Reads the archive back and checks every entry against what was written. */
    public void verifyArchive(StagedSet staged) {
        TarGzArchiver.Result archive = readPart(staged, "archive", TarGzArchiver.Result.class);
        if (archive == null) {
            throw new IllegalStateException("no archive was written for " + staged.label());
        }
        try (ManifestFiles.Entries expected = ManifestFiles.read(staged.fileList(), null)) {
            archiver.verify(staged.uploadsPath(), expected, archive.sha256());
        }
    }

    /**
     * The weekly's base backup (docs/wal.md): {@code pg_basebackup} into the staged set beside the
     * dump and the archive. A server that refuses it, or streaming switched off, is a warning on the
     * run, never a failure: the dump is the set's restore and the dumps go on.
     */
    public void takeBaseBackup(StagedSet staged, long runId) {
        BaseBackups.Outcome outcome = baseBackups.take(staged.partsDir().resolve("basebackup"), staged.baseBackupFile(),
                staged.baseBackupManifestFile(), staged.label());
        if (outcome.taken() != null) {
            writePart(staged, "basebackup", outcome.taken());
        }
        String warning = outcome.warning() != null ? outcome.warning() : outcome.skipped();
        if (warning != null && properties.wal().enabled()) {
            writePart(staged, "warning-basebackup", warning);
            recordWarnings(staged, runId, List.of(warning));
        }
    }

    /** Reads the base backup's tar whole against its backup_manifest ({@link BaseBackupInvalidException} when it differs). */
    public int verifyBaseBackup(StagedSet staged) {
        if (readPart(staged, "basebackup", Manifest.BaseBackup.class) == null) {
            return 0; // none was taken: the warning says why
        }
        return baseBackups.verify(staged.baseBackupFile(), staged.baseBackupManifestFile());
    }

    /** Assembles the manifest from the steps' parts and publishes the set crash-safely. */
    public BackupSet publish(StagedSet staged, long runId) {
        LeaseManager.Lease lease = leases.resume(staged.owner());
        Optional<BackupSet> published = catalog.publishedBy(staged);
        if (published.isPresent()) {
            return published.get(); // a retry after the complete manifest was written: nothing left to do
        }
        HistoryEntry run = history.find(runId).orElseThrow();
        clockCheck.checkBeforePublishing(staged.label(), staged.id().date(), run.startedAt());
        DumpPart dump = readPart(staged, "dump", DumpPart.class);
        SnapshotPart snapshot = readPart(staged, "snapshot", SnapshotPart.class);
        TarGzArchiver.Result archive = readPart(staged, "archive", TarGzArchiver.Result.class);
        List<Manifest.Artifact> artifacts = new ArrayList<>();
        long bytes = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(staged.dir())) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (name.equals(staged.dumpFile().getFileName().toString())) {
                    artifacts.add(Manifest.Artifact.file(name, dump.size(), dump.sha256()));
                    bytes += dump.size();
                } else if (name.equals(staged.uploadsPath().getFileName().toString()) && archive != null) {
                    artifacts.add(Manifest.Artifact.file(name, archive.archiveBytes(), archive.sha256()));
                    bytes += archive.archiveBytes();
                } else if (name.equals(staged.uploadsPath().getFileName().toString()) && snapshot != null) {
                    // the snapshot step counted its tree; only the files it copied cost space
                    artifacts.add(Manifest.Artifact.directory(name, snapshot.result().bytes(), snapshot.result().fileCount()));
                    bytes += snapshot.result().bytesCopied();
                } else if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    long[] tree = treeFigures(entry);
                    artifacts.add(Manifest.Artifact.directory(name, tree[1], tree[0]));
                    bytes += tree[1];
                } else {
                    long size = Files.size(entry);
                    artifacts.add(Manifest.Artifact.file(name, size, DatabaseDumper.sha256(entry)));
                    bytes += size;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the staged set " + staged.dir() + ": " + e.getMessage(), e);
        }
        artifacts.sort(Comparator.comparing(Manifest.Artifact::name));
        List<String> warnings = new ArrayList<>();
        String globalsWarning = readPart(staged, "warning-globals", String.class);
        if (globalsWarning != null) {
            warnings.add(globalsWarning);
        }
        List<String> uploadsWarnings = snapshot != null ? snapshot.result().warnings() : archive != null ? archive.warnings() : List.of();
        warnings.addAll(uploadsWarnings);
        String baseBackupWarning = readPart(staged, "warning-basebackup", String.class);
        if (baseBackupWarning != null) {
            warnings.add(baseBackupWarning);
        }
        Manifest.Stats stats = snapshot != null
                ? new Manifest.Stats(bytes, snapshot.result().fileCount(), snapshot.result().filesCopied(), snapshot.result().filesLinked())
                : new Manifest.Stats(bytes, archive == null ? 0 : archive.fileCount(), archive == null ? 0 : archive.fileCount(), 0);
        Manifest manifest = new Manifest(Manifest.FORMAT_VERSION, staged.kind().dir(), staged.id().toString(), null,
                staged.owner(), run.startedAt(), null, dump == null ? null : dump.serverVersion(),
                snapshot == null ? null : snapshot.basedOn(), null, null, artifacts,
                null, dump == null ? Map.of() : dump.rowCounts(),
                stats, warnings, readPart(staged, "basebackup", Manifest.BaseBackup.class));
        return catalog.publish(staged, manifest, lease);
    }

    /** History row completed and the runbook's log line ({@code Daily backup completed: db_YYYYMMDD.dump}). */
    public void complete(long runId, BackupKind kind, String backupId) {
        BackupSet set = catalog.find(kind, BackupSetId.parse(backupId)).filter(s -> s.status() == BackupSet.Status.COMPLETE)
                .orElseThrow(() -> new IllegalStateException("set " + kind.dir() + "/" + backupId + " is not complete"));
        history.complete(runId, set.id().toString(), set.manifest().stats());
        backupLog.write(Text.of("log.backup.completed", RunKind.of(set.kind()).titleText(), set.kind().dumpName(set.id()),
                Sizes.human(set.manifest().stats().bytes()), set.manifest().stats().filesLinked(), set.manifest().stats().filesCopied()));
    }

    public void release(String owner) {
        leases.release(owner);
    }

    /**
     * Records a failed run: history row and log line name the step and the cause; the
     * unpublished staging is removed and the lease released, so the next run starts clean.
     */
    public void fail(BackupKind kind, long runId, String owner, String step, String message) {
        history.fail(runId, step, message);
        backupLog.write(Text.of("log.run.failedAt", RunKind.of(kind).titleText(), step, message));
        releaseFailed(owner);
    }

    /** As {@link #fail(BackupKind, long, String, String, String)}, the message a text (rendered in the viewer's language). */
    public void fail(BackupKind kind, long runId, String owner, String step, Text message) {
        history.fail(runId, step, message);
        backupLog.write(Text.of("log.run.failedAt", RunKind.of(kind).titleText(), step, message));
        releaseFailed(owner);
    }

    private void releaseFailed(String owner) {
        try {
            LeaseManager.Lease lease = leases.resume(owner);
            catalog.recover(lease);
            catalog.discardStaging(lease);
            lease.release();
        } catch (RuntimeException e) {
            // not our lease any more: its holder clears our staging
            log.info("Failed run {} holds no lease: {}", owner, e.getMessage());
        }
    }

    /**
     * For a run that went into an incident (recorded by the engine's incident handler): the
     * owner's RUNNING row of that kind fails; a restore waiting on its safety backup keeps its own row.
     */
    public void failByOwner(String owner, RunKind kind, String step, String message) {
        history.runningRun(owner, kind).ifPresent(e -> {
            history.fail(e.id(), step, message);
            backupLog.write(Text.of("log.run.incident", e.kind().titleText(), step, message));
        });
    }

    private long databaseSize() {
        try (var c = postgres.connect(); var rs = c.createStatement().executeQuery("select pg_database_size(current_database())")) {
            rs.next();
            return rs.getLong(1);
        } catch (RuntimeException | SQLException e) {
            return 0; // unknown: the dump step reports a database that cannot be reached
        }
    }

    private static long treeSize(Path dir) {
        return treeFigures(dir)[1];
    }

    /** Files and bytes under a folder, symbolic links not followed. */
    static long[] treeFigures(Path dir) {
        long[] figures = new long[2];
        if (!Files.isDirectory(dir)) {
            return figures;
        }
        try (var walk = Files.walk(dir)) {
            walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).forEach(p -> {
                figures[0]++;
                try {
                    figures[1] += Files.size(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return figures;
    }

    /**
     * A dump or archive cut off by a failure is of no use: removed at once, so that a full
     * volume has its space back before the retry (whose first write is the lease's) and the
     * retry fails, if it does, with the step's own message.
     */
    private static void discardPartial(Path file, RuntimeException failure) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    private void writePart(StagedSet staged, String name, Object value) {
        try {
            Files.createDirectories(staged.partsDir());
            Durable.write(staged.partsDir().resolve(name + ".json"), JSON.writeValueAsBytes(value));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + name + " beside " + staged.dir() + ": " + e.getMessage(), e);
        }
    }

    private <T> T readPart(StagedSet staged, String name, Class<T> type) {
        Path file = staged.partsDir().resolve(name + ".json");
        if (!Files.exists(file)) {
            return null;
        }
        try {
            return JSON.readValue(file.toFile(), type);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }


    record DumpPart(long size, String sha256, Map<String, Long> rowCounts, String serverVersion) {
    }

    record SnapshotPart(String basedOn, Snapshotter.Result result) {
    }
}
