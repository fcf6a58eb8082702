package com.llmbackup.drill;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupHistory;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupLog;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.LeaseManager;
import com.llmbackup.catalog.LeaseWaitTimeoutException;
import com.llmbackup.catalog.Manifest;
import com.llmbackup.catalog.ManifestFiles;
import com.llmbackup.catalog.OwnerLiveness;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.catalog.Trees;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.config.Text;
import com.llmbackup.config.Texts;
import com.llmbackup.exec.CommandFailedException;
import com.llmbackup.offsite.OffsiteRepository;
import com.llmbackup.postgres.DatabaseDumper;
import com.llmbackup.postgres.DatabaseRestorer;
import com.llmbackup.postgres.DumpInvalidException;
import com.llmbackup.postgres.PostgresClient;
import com.llmbackup.restore.RestoreInspector;
import com.llmbackup.restore.RestoreRequest;
import com.llmbackup.uploads.ArchiveInvalidException;
import com.llmbackup.uploads.Snapshotter;
import com.llmbackup.uploads.UploadsRestorer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Service;

/**
 * The restore drill: restores a set side by side (a scratch database on the web app's server,
 * a scratch folder below the side-by-side root), checks it against its manifest and the
 * database against the files, records the result and the evidence, and removes the scratch.
 * It never stops the application and never writes to production: the scratch names are its own
 * ({@link DrillScratch}). It holds the backup root's lock from choosing the sets to the end, so
 * no cleanup deletes a set while it is drilled.
 */
@Service
public class DrillService {

    private static final Logger log = LoggerFactory.getLogger(DrillService.class);
    static final String SELECT_STEP = "Task_SelectDrillSets";
    static final String DRILL_STEP = "Task_RestoreDrillSet";

    private final BackupProperties properties;
    private final BackupCatalog catalog;
    private final BackupHistory history;
    private final LeaseManager leases;
    private final RestoreInspector inspector;
    private final DatabaseRestorer databases;
    private final UploadsRestorer uploads;
    private final PostgresClient postgres;
    private final DrillEvidenceStore evidence;
    private final BackupLog backupLog;
    private final OwnerLiveness liveness;
    private final Clock clock;
    private final OffsiteRepository offsite;

    public DrillService(BackupProperties properties, BackupCatalog catalog, BackupHistory history, LeaseManager leases,
                        RestoreInspector inspector, DatabaseRestorer databases, UploadsRestorer uploads, PostgresClient postgres,
                        DrillEvidenceStore evidence, BackupLog backupLog, OwnerLiveness liveness, Clock clock,
                        OffsiteRepository offsite) {
        this.liveness = liveness;
        this.offsite = offsite;
        this.properties = properties;
        this.catalog = catalog;
        this.history = history;
        this.leases = leases;
        this.inspector = inspector;
        this.databases = databases;
        this.uploads = uploads;
        this.postgres = postgres;
        this.evidence = evidence;
        this.backupLog = backupLog;
        this.clock = clock;
    }

    /** Takes the lock on the backup root, or says it is busy; gives up after {@code backup.lock.max-wait}. */
    public boolean acquire(String owner, Instant waitingSince, Instant now) {
        LeaseManager.Attempt attempt = leases.tryAcquire(owner, RunKind.DRILL.label());
        if (attempt.busy()) {
            LeaseWaitTimeoutException.check(waitingSince, properties.lock().maxWait(), now, attempt.holder(), backupLog.texts());
            return false;
        }
        return true;
    }

    /**
     * Under the lock: removes the leftovers of earlier drills, chooses the sets and opens one history
     * row per set (kind drill, source {@code daily/20261201}); a set that cannot be drilled gets a
     * FAILED row at once (and its alert). Run twice, it returns the rows it opened the first time.
     * Returns the ids of the rows to drill.
     */
    public List<Long> begin(String owner, String backupKind, String backupId) {
        List<HistoryEntry> mine = drillRows(owner);
        if (!mine.isEmpty()) {
            return mine.stream().filter(e -> e.status().open()).map(HistoryEntry::id).toList();
        }
        removeLeftovers();
        List<Long> runs = new ArrayList<>();
        for (DrillChecks.Choice choice : DrillChecks.choose(catalog.list(), blank(backupKind), blank(backupId))) {
            long runId = history.start(RunKind.DRILL, owner);
            if (choice.label() != null) {
                history.setSource(runId, choice.label());
            }
            if (choice.set() == null) {
                history.setBackupId(runId, backupId == null || backupId.length() > 16 ? null : backupId);
                fail(runId, SELECT_STEP, Text.of("drill.refused.sets", choice.refusal(), catalog.root(), drillable()));
                continue;
            }
            history.setBackupId(runId, choice.set().id().toString());
            runs.add(runId);
        }
        return runs;
    }

    /** The lock wait ran out before anything was chosen: one FAILED row says so (and alerts). */
    public void failBeforeStart(String owner, String backupKind, String backupId, String step, String message) {
        List<HistoryEntry> open = drillRows(owner).stream().filter(e -> e.status().open()).toList();
        if (!open.isEmpty()) {
            open.forEach(e -> fail(e.id(), step, message));
            return;
        }
        long runId = history.start(RunKind.DRILL, owner);
        String asked = blank(backupId) == null ? (blank(backupKind) == null ? null : blank(backupKind))
                : (blank(backupKind) == null ? "daily" : blank(backupKind)) + "/" + blank(backupId);
        if (asked != null && asked.length() <= 64) {
            history.setSource(runId, asked);
        }
        fail(runId, step, message);
    }

    /**
     * Restores the row's set into its scratch and checks it; the verdict and every finding go into the
     * evidence (not yet into the row: the scratch goes first). Run again after a crash, it starts clean.
     */
    public DrillEvidence drill(long runId, String owner) {
        HistoryEntry row = ownRow(runId, owner);
        leases.resume(owner, RunKind.DRILL.label());
        DrillScratch scratch = scratch(runId);
        remove(scratch);
        Instant started = clock.instant();
        String label = row.request().source();
        BackupKind kind = BackupKind.fromDir(label.substring(0, label.indexOf('/')));
        Optional<BackupSet> found = catalog.find(kind, BackupSetId.parse(row.backupId()));
        List<Finding> checks = new ArrayList<>();
        Long restoreMillis = null;
        Instant completedAt = found.map(BackupSet::manifest).map(Manifest::completedAt).orElse(null);
        Optional<Text> notDrillable = found.isEmpty() ? Optional.of(Text.of("drill.refused.gone", label, catalog.root()))
                : DrillChecks.drillable(found.get());
        if (notDrillable.isPresent()) {
            checks.add(check("set", List.of(notDrillable.get()), null));
        } else {
            BackupSet set = found.get();
            RestoreInspector.Source source = inspector.resolve(RestoreRequest.forDrill(kind.dir(), set.id().toString()));
            List<Text> artifacts = artifactProblems(set);
            checks.add(check("artifacts", artifacts, Text.of("drill.passed.artifacts", set.manifest().artifacts() == null ? 0 : set.manifest().artifacts().size())));
            if (artifacts.isEmpty()) {
                Map<String, Long> rows = restoreDatabase(source, scratch, checks);
                if (rows != null) {
                    checks.add(check("row-counts", DrillChecks.rowCounts(set.manifest().rowCounts(), rows),
                            Text.of("drill.passed.rows", rows.size(), rows.values().stream().mapToLong(Long::longValue).sum())));
                }
                Supplier<ManifestFiles.Entries> entries = () -> catalog.files(set);
                boolean restored = restoreUploads(set, source, entries, scratch, checks);
                restoreMillis = Duration.between(started, clock.instant()).toMillis();
                if (restored) {
                    checks.add(check("uploads", UploadsComparison.compare(entries, scratch.folder()),
                            set.manifest().stats() == null ? Text.of("drill.passed.uploadsAll")
                                    : Text.of("drill.passed.uploads", set.manifest().stats().fileCount())));
                }
                if (properties.drill().filesQuery() != null && rows != null && restored) {
                    checks.add(filesQuery(scratch));
                }
                if (offsite.enabled()) {
                    checks.add(offsiteCopy(kind, set.id(), scratch));
                }
            }
        }
        Instant ended = clock.instant();
        checks.add(check("timeout", DrillChecks.timeout(Duration.between(started, ended), properties.drill().timeout()).stream().toList(),
                Text.of("drill.passed.timeout", DrillChecks.human(properties.drill().timeout()))));
        Optional<Finding> firstFailed = checks.stream().filter(c -> !c.passed()).findFirst();
        Text reason = firstFailed.map(c -> Text.of("drill.failed", label, c.name(), Finding.joined(c.problems()))).orElse(null);
        DrillEvidence result = new DrillEvidence(runId, owner, kind.dir(), row.backupId(), label,
                firstFailed.isEmpty() ? DrillEvidence.PASSED : DrillEvidence.FAILED, backupLog.texts().render(reason),
                started, ended, completedAt, completedAt == null ? null : Duration.between(completedAt, started).toSeconds(),
                restoreMillis, scratch.database(), scratch.folder().toString(), false,
                checks.stream().map(c -> c.rendered(backupLog.texts())).toList(), reason == null ? null : reason.key(),
                reason == null ? null : reason.argsJson());
        evidence.save(result);
        return result;
    }

    /** Drops the scratch database and deletes the scratch folder of the row (whatever the drill found). */
    public void removeScratch(long runId, String owner) {
        ownRow(runId, owner);
        remove(scratch(runId));
        evidence.find(runId).ifPresent(e -> evidence.save(e.withScratchRemoved()));
    }

    /** Ends the row as its evidence says: COMPLETED with the RTO and the set's age, or FAILED naming what is wrong (alerted). */
    public DrillEvidence record(long runId, String owner) {
        ownRow(runId, owner);
        DrillEvidence e = evidence.find(runId).orElseThrow(() -> new IllegalStateException("drill run " + runId + " has no evidence: "
                + DRILL_STEP + " never finished"));
        if (e.restoreMillis() != null) {
            history.setRto(runId, e.restoreMillis());
        }
        history.addDetail(runId, Text.of("detail.drillTimes", e.restoreMillis() == null ? "-" : DrillChecks.human(Duration.ofMillis(e.restoreMillis())),
                e.setAgeSeconds() == null ? "-" : DrillChecks.human(Duration.ofSeconds(e.setAgeSeconds()))));
        if (e.passed()) {
            history.complete(runId, e.setId(), null);
            backupLog.write(Text.of("log.drill.passed", e.set(), DrillChecks.human(Duration.ofMillis(e.restoreMillis()))));
        } else if (e.reasonKey() != null) {
            fail(runId, DRILL_STEP, Text.stored(e.reasonKey(), e.reasonArgs()));
        } else {
            fail(runId, DRILL_STEP, e.reason()); // evidence written before the reason was a text
        }
        return e;
    }

    /** Gives the lock up; whether every set of this drill passed. */
    public boolean release(String owner) {
        leases.release(owner);
        List<HistoryEntry> rows = drillRows(owner);
        return !rows.isEmpty() && rows.stream().allMatch(e -> e.status() == RunStatus.COMPLETED);
    }

    /** At start-up: an orchestrator stopped mid-drill leaves nothing behind once its drill is gone. Never stops the start. */
    @EventListener(ApplicationReadyEvent.class)
    void removeLeftoversAtStartup() {
        try {
            removeLeftovers();
        } catch (RuntimeException e) {
            // the web app's database may be down at start-up: the next drill removes them
            log.warn("Could not remove the leftovers of earlier restore drills at start-up: {}", e.getMessage());
        }
    }

    /**
     * Removes what earlier drills left: only names of the drill's form whose run is a drill row that
     * ended, or whose process instance is gone (deleted, e.g. after an incident). A drill still going,
     * or in an incident an operator may retry, keeps its scratch (its retry starts clean). The row of
     * a drill whose instance is gone is failed, so the history does not show it running for ever.
     * Returns what went.
     */
    public List<String> removeLeftovers() {
        Set<Long> drills = new HashSet<>();
        Set<Long> running = new HashSet<>();
        for (HistoryEntry e : history.page(RunKind.DRILL, null, null, null, 0, Integer.MAX_VALUE).items()) {
            drills.add(e.id());
            if (e.status().open()) {
                if (liveness.of(e.processInstanceId()) == OwnerLiveness.State.ENDED) {
                    fail(e.id(), e.problems().failedStep() == null ? DRILL_STEP : e.problems().failedStep(),
                            Text.of("drill.instanceGone", e.processInstanceId()));
                } else {
                    running.add(e.id());
                }
            }
        }
        List<String> removed = new ArrayList<>();
        for (String db : drillDatabases()) {
            if (!db.equals(properties.database().name()) && DrillScratch.leftover(DrillScratch.databaseRun(db), drills, running)) {
                databases.drop(db);
                removed.add("database " + db);
            }
        }
        Path root = inspector.sideBySideRoot();
        try (Stream<Path> children = Files.list(root)) {
            for (Path p : children.toList()) {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && !DrillScratch.overlaps(p, properties.uploadsDir())
                        && DrillScratch.leftover(DrillScratch.folderRun(p.getFileName().toString()), drills, running)) {
                    Trees.delete(p);
                    removed.add("folder " + p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the side-by-side root " + root + ": " + e.getMessage(), e);
        }
        if (!removed.isEmpty()) {
            log.info("Removed the leftovers of earlier restore drills: {}", removed);
            backupLog.write(Text.of("log.drill.leftovers", String.join(", ", removed)));
        }
        return removed;
    }

    /**
     * The row a step of drill {@code owner} works on: one of its own drill rows. A drillRunId changed
     * by hand (Cockpit edits variables) must not drop another drill's scratch or end a backup's row.
     */
    private HistoryEntry ownRow(long runId, String owner) {
        return history.find(runId).filter(e -> e.kind() == RunKind.DRILL && owner.equals(e.processInstanceId()))
                .orElseThrow(() -> new IllegalStateException("History row " + runId + " is not a drill row of run " + owner
                        + ": nothing was changed."));
    }

    /** The row's scratch, refused when it is production (a technical failure: the settings must change). */
    private DrillScratch scratch(long runId) {
        DrillScratch scratch = DrillScratch.of(runId, inspector.sideBySideRoot());
        scratch.conflict(properties.database().name(), properties.uploadsDir()).ifPresent(why -> {
            throw new IllegalStateException(why);
        });
        return scratch;
    }

    private List<HistoryEntry> drillRows(String owner) {
        return history.listByOwner(owner).stream().filter(e -> e.kind() == RunKind.DRILL).toList();
    }

    private void fail(long runId, String step, String message) {
        history.fail(runId, step, message);
        backupLog.write(Text.of("log.run.failedAt", RunKind.DRILL.titleText(), step, message));
    }

    private void fail(long runId, String step, Text message) {
        history.fail(runId, step, message);
        backupLog.write(Text.of("log.run.failedAt", RunKind.DRILL.titleText(), step, message));
    }

    private List<Text> artifactProblems(BackupSet set) {
        Path dir = catalog.kindDir(set.kind());
        List<Text> problems = new ArrayList<>(DrillChecks.listed(set));
        if (!problems.isEmpty()) {
            return problems; // no file is read by a name the set's folder does not hold
        }
        for (Manifest.Artifact a : set.manifest().artifacts()) {
            if (!Manifest.Artifact.FILE.equals(a.type())) {
                continue; // the snapshot folder: its files are compared one by one after the restore
            }
            Path file = dir.resolve(a.name());
            String actual;
            try {
                actual = Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) ? DatabaseDumper.sha256(file) : null;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
            }
            DrillChecks.artifact(set.label(), a.name(), a.sha256(), actual).ifPresent(problems::add);
        }
        return problems;
    }

    /** pg_restore into the scratch database; the row counts found, or null when it did not exit cleanly. */
    private Map<String, Long> restoreDatabase(RestoreInspector.Source source, DrillScratch scratch, List<Finding> checks) {
        try {
            // the restorer of every restore (made like the live database, checked against the dump); no globals: the drill
            // creates no roles on the web app's server, and compares the row counts itself (DrillChecks)
            DatabaseRestorer.Result result = databases.restoreInto(source.dump(), scratch.database(), Map.of());
            checks.add(new Finding("pg_restore", true, Text.of("drill.passed.pgRestore", scratch.database(), result.jobs()),
                    List.copyOf(result.warnings())));
            return result.rowCounts();
        } catch (CommandFailedException e) {
            checks.add(check("pg_restore", List.of(Text.of("drill.pgRestore.exit", source.dump().getFileName(), e.exitCode(),
                    tail(e.stderr()))), null));
            return null;
        } catch (DumpInvalidException e) {
            checks.add(check("pg_restore", List.of(e.getMessage()), null));
            return null;
        }
    }

    private boolean restoreUploads(BackupSet set, RestoreInspector.Source source, Supplier<ManifestFiles.Entries> entries, DrillScratch scratch,
                                   List<Finding> checks) {
        try {
            Files.createDirectories(scratch.folder());
            if (set.kind().archivesUploads()) {
                uploads.fromArchive(source.uploads(), inspector.archivePrefixes(), scratch.folder(), null, Snapshotter.Progress.NONE);
            } else {
                uploads.fromSnapshot(source.uploads(), entries, scratch.folder(), null, Snapshotter.Progress.NONE);
            }
            return true;
        } catch (ArchiveInvalidException e) {
            checks.add(check("uploads", List.of(e.getMessage()), null));
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + scratch.folder() + ": " + e.getMessage(), e);
        }
    }

    /**
     * With an offsite repository: {@code restic check} (reading backup.offsite.check-read-data-subset
     * of the packs) and the set's offsite copy restored into the scratch folder and compared with
     * the manifest; a missing copy fails too (the drill proves the copy a disaster would need).
     * Runs after the uploads were compared, so its folder inside the scratch is no extra there.
     */
    private Finding offsiteCopy(BackupKind kind, BackupSetId id, DrillScratch scratch) {
        OffsiteRepository.CheckVerdict repository = offsite.check();
        OffsiteRepository.CheckVerdict copy = offsite.verifyCopy(kind, id, scratch.folder());
        List<Object> problems = new ArrayList<>();
        if (!repository.sound()) {
            problems.add(Text.of("drill.offsite.checkFailed", repository.message()));
        }
        if (!copy.sound()) {
            problems.add(copy.message());
        }
        return check("offsite", problems, repository.message() + "; " + copy.message());
    }

    /** Every path the restored database lists (backup.drill.files-query) is a file of the restored uploads. */
    private Finding filesQuery(DrillScratch scratch) {
        String query = properties.drill().filesQuery();
        List<String> paths = new ArrayList<>();
        try (Connection c = postgres.connect(scratch.database())) {
            c.setReadOnly(true);
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("set transaction read only");
                try (ResultSet rs = s.executeQuery(query)) {
                    while (rs.next()) {
                        paths.add(rs.getString(1));
                    }
                }
            } finally {
                c.rollback();
            }
        } catch (SQLException e) {
            return check("files-query", List.of(Text.of("drill.filesQuery.failed", e.getMessage())), null);
        }
        Set<String> files;
        try (Stream<Path> walk = Files.walk(scratch.folder())) {
            files = walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).map(p -> scratch.folder().relativize(p).toString())
                    .collect(Collectors.toSet());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + scratch.folder() + ": " + e.getMessage(), e);
        }
        FilesReferences.Result result = FilesReferences.check(paths, files, properties.uploadsDir());
        return check("files-query", result.problems(), Text.of("drill.passed.filesQuery", result.checked()));
    }

    private void remove(DrillScratch scratch) {
        if (databases.exists(scratch.database())) {
            databases.drop(scratch.database());
        }
        Trees.delete(scratch.folder());
    }

    private List<String> drillDatabases() {
        return databases.databases().stream().filter(db -> db.startsWith("llm_backup_drill_")).toList();
    }

    private Object drillable() {
        List<String> labels = catalog.list().stream().filter(s -> s.status() == BackupSet.Status.COMPLETE && s.kind() != BackupKind.SAFETY)
                .map(BackupSet::label).toList();
        return labels.isEmpty() ? Text.of("drill.refused.noneCompleteSets")
                : String.join(", ", labels.subList(Math.max(0, labels.size() - 10), labels.size()));
    }

    private static Finding check(String name, List<?> problems, Object passedDetail) {
        return new Finding(name, problems.isEmpty(), problems.isEmpty() ? passedDetail : null, List.copyOf(problems));
    }

    /**
     * A check before it is written: its detail and problems are texts (or the words of a tool or another
     * component, as they are); the evidence keeps them in backup.language, the run's reason as a text.
     */
    private record Finding(String name, boolean passed, Object detail, List<Object> problems) {

        DrillEvidence.Check rendered(Texts texts) {
            return new DrillEvidence.Check(name, passed, words(texts, detail), problems.stream().map(p -> words(texts, p)).toList());
        }

        private static String words(Texts texts, Object o) {
            return o instanceof Text t ? texts.render(t) : (String) o;
        }

        static Object joined(List<Object> problems) {
            List<Object> parts = new ArrayList<>(problems);
            // the reason ends with one full stop (drill.failed's): a tool's words may bring their own
            if (parts.get(parts.size() - 1) instanceof String w && w.endsWith(".")) {
                parts.set(parts.size() - 1, w.substring(0, w.length() - 1));
            }
            return Text.joined(parts);
        }
    }

    private static String tail(String stderr) {
        String[] lines = stderr == null ? new String[0] : stderr.strip().split("\n");
        return String.join(" | ", Arrays.copyOfRange(lines, Math.max(0, lines.length - 5), lines.length));
    }

    private static String blank(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
