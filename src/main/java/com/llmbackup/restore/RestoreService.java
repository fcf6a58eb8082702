package com.llmbackup.restore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupHistory;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupLog;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.catalog.LeaseManager;
import com.llmbackup.catalog.Sizes;
import com.llmbackup.catalog.Manifest;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.docker.ComposeServices;
import com.llmbackup.health.HealthProbe;
import com.llmbackup.postgres.DatabaseDumper;
import com.llmbackup.postgres.DatabaseRestorer;
import com.llmbackup.postgres.DumpInvalidException;
import com.llmbackup.uploads.ArchiveInvalidException;
import com.llmbackup.uploads.UploadsRestorer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * The steps of a restore (the runbook's restore procedure without its defects D6-D10), each
 * callable on its own from a process step: the guard that checks a set before anything
 * changes, stopping and starting the web app's services, the database and uploads halves,
 * the health check with a deadline, and the history row with who asked, who approved,
 * each step's duration and the RTO achieved.
 */
@Service
public class RestoreService {

    private static final Logger log = LoggerFactory.getLogger(RestoreService.class);
    private static final com.fasterxml.jackson.databind.ObjectMapper PLAN_JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    private static final Pattern DATABASE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z", Locale.ROOT);

    private final BackupProperties properties;
    private final BackupCatalog catalog;
    private final BackupHistory history;
    private final BackupLog backupLog;
    private final LeaseManager leases;
    private final DatabaseDumper dumper;
    private final DatabaseRestorer databases;
    private final UploadsRestorer uploads;
    private final ComposeServices compose;
    private final HealthProbe health;
    private final Clock clock;
    /** The uploads half of a restore runs here while the database half runs on the caller's thread. */
    private final java.util.concurrent.ExecutorService dataExecutor = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "restore-uploads");
        t.setDaemon(true);
        return t;
    });

    public RestoreService(BackupProperties properties, BackupCatalog catalog, BackupHistory history, BackupLog backupLog,
                          LeaseManager leases, DatabaseDumper dumper, DatabaseRestorer databases, UploadsRestorer uploads,
                          ComposeServices compose, HealthProbe health, Clock clock) {
        this.properties = properties;
        this.catalog = catalog;
        this.history = history;
        this.backupLog = backupLog;
        this.leases = leases;
        this.dumper = dumper;
        this.databases = databases;
        this.uploads = uploads;
        this.compose = compose;
        this.health = health;
        this.clock = clock;
    }

    /** The restore's history row; a retried first step finds the row it made before. */
    public long begin(RestoreRequest request, String owner) {
        Optional<BackupHistory.HistoryEntry> existing = history.runningRun(owner, RunKind.RESTORE);
        if (existing.isPresent()) {
            return existing.get().id();
        }
        long runId = history.start(RunKind.RESTORE, owner);
        history.setRequest(runId, request.requestedBy(), label(request), request.reason());
        if (request.backupId() != null && request.backupId().length() <= 16) {
            history.setBackupId(runId, request.backupId());
        }
        log.info("Restore of {} requested by {} (run {}, process instance {})", label(request), request.requestedBy(), runId, owner);
        return runId;
    }

    /**
     * The guard: the set exists and is complete or legacy, its artifacts match the
     * manifest's SHA-256, {@code pg_restore --list} reads the dump, an archive holds no
     * entry that could write outside the uploads folder, a side-by-side target is new.
     * Nothing is changed; the answer says what a restore would replace and lose.
     */
    public RestorePlan plan(RestoreRequest request) {
        Source source = resolve(request);
        BackupSet set = source.set();
        checkTargets(request);
        if (!request.sideBySide()) {
            checkServicesFound(request);
        }
        Instant backupTime = backupTime(source);
        long dumpBytes = 0;
        int tocEntries = 0;
        if (request.restoreDatabase()) {
            dumpBytes = requireFile(source.dump(), set, "dump");
            checkSha(set, source.dump());
            try {
                tocEntries = dumper.verify(source.dump());
            } catch (DumpInvalidException e) {
                throw refused(e.getMessage() + ". The dump of " + set.label() + " is damaged: restore another set.", e);
            }
        }
        long uploadsFiles = 0;
        long uploadsBytes = 0;
        if (request.restoreUploads()) {
            if (set.kind().archivesUploads()) {
                uploadsBytes = requireFile(source.uploads(), set, "uploads archive");
                UploadsRestorer.Scan scan;
                try {
                    scan = uploads.scanArchive(source.uploads(), archivePrefixes());
                } catch (ArchiveInvalidException e) {
                    throw refused(e.getMessage(), e);
                }
                expectSha(set, source.uploads(), scan.sha256());
                uploadsFiles = scan.files();
            } else {
                if (!Files.isDirectory(source.uploads(), LinkOption.NOFOLLOW_LINKS)) {
                    throw refused("Set " + set.label() + " has no uploads snapshot (" + source.uploads().getFileName()
                            + " is missing). Restore the database only (restoreUploads=false) or choose another set.", null);
                }
                long[] figures = checkSnapshot(source);
                uploadsFiles = figures[0];
                uploadsBytes = figures[1];
            }
        }
        return describe(request, source, backupTime, dumpBytes, tocEntries, uploadsFiles, uploadsBytes);
    }

    /**
     * Freezes what the guard checked (the request, the set's manifest SHA-256) in the run's
     * history row, where process variables cannot reach it: every later step executes this.
     */
    public void freeze(long runId, RestoreRequest request) {
        Source source = resolve(request);
        history.setSource(runId, source.set().label()); // as the catalog names it ("Daily" asked, "daily/..." kept)
        try {
            history.setPlan(runId, PLAN_JSON.writeValueAsString(new FrozenPlan(request, manifestSha(source))));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public Optional<Long> findRun(String owner) {
        return history.runningRun(owner, RunKind.RESTORE).map(BackupHistory.HistoryEntry::id);
    }

    /** The running restore a process instance owns (found by the engine's instance id, never by a variable). */
    public long runOf(String owner) {
        return findRun(owner).orElseThrow(() -> new IllegalStateException("process instance " + owner + " has no running restore in the history"));
    }

    /** Who started the restore, as recorded from the engine's authentication. */
    public String requester(long runId) {
        return history.find(runId).map(BackupHistory.HistoryEntry::requestedBy).orElse(null);
    }

    /**
     * What a step after the approval executes: the frozen plan, or while rolling back the same
     * plan against this restore's own safety set. Fails if the set's manifest changed since the guard checked it.
     */
    public RestoreRequest planned(long runId, boolean rollingBack) {
        FrozenPlan plan = frozen(runId);
        if (rollingBack) {
            return plan.request().withSet(BackupKind.SAFETY.dir(), safetySetOf(runId));
        }
        String now = manifestSha(resolve(plan.request()));
        if (!java.util.Objects.equals(now, plan.manifestSha256())) {
            throw new IllegalStateException("The manifest of " + label(plan.request()) + " changed after the restore was approved (SHA-256 "
                    + plan.manifestSha256() + ", now " + now + "). Nothing more is restored from it: start a new restore.");
        }
        return plan.request();
    }

    /** What the run executed, for its record: the frozen plan (against the safety set when rolled back), not checked again. */
    public RestoreRequest executed(long runId, boolean rollingBack) {
        RestoreRequest request = frozen(runId).request();
        return rollingBack ? request.withSet(BackupKind.SAFETY.dir(), safetySetOf(runId)) : request;
    }

    public boolean rollingBack(long runId) {
        return history.rollingBack(runId);
    }

    /** From now on the steps restore this restore's own safety set (recorded in the history row). */
    public void startRollback(long runId) {
        safetySetOf(runId); // fails when there is none
        history.setRollingBack(runId);
    }

    public boolean hasSafetySet(long runId) {
        return safetySet(runId).isPresent();
    }

    public boolean sideBySide(long runId) {
        return frozen(runId).request().sideBySide();
    }

    private FrozenPlan frozen(long runId) {
        String json = history.plan(runId).orElseThrow(() -> new IllegalStateException("Restore run " + runId
                + " has no frozen plan: its guard (Task_ValidateBackup) never passed, so no step may change anything."));
        try {
            return PLAN_JSON.readValue(json, FrozenPlan.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("Restore run " + runId + ": its frozen plan cannot be read: " + e.getMessage(), e);
        }
    }

    /** The safety set this restore's own safety backup published (from the history, never from a variable). */
    String safetySetOf(long runId) {
        return safetySet(runId)
                .orElseThrow(() -> new IllegalStateException("Restore run " + runId + " has no completed safety backup to roll back to."));
    }

    private Optional<String> safetySet(long runId) {
        String owner = history.find(runId).map(BackupHistory.HistoryEntry::processInstanceId).orElseThrow();
        return history.listByOwner(owner).stream().filter(e -> e.kind() == RunKind.SAFETY && e.status() == RunStatus.COMPLETED)
                .map(BackupHistory.HistoryEntry::backupId).reduce((first, second) -> second);
    }

    private String manifestSha(Source source) {
        Path manifest = catalog.kindDir(source.set().kind()).resolve(source.set().kind().manifestName(source.set().id()));
        if (source.set().manifest() == null || !Files.isRegularFile(manifest)) {
            return null; // a legacy set: no manifest to pin; the guard's pg_restore --list and archive scan still ran
        }
        try {
            return DatabaseDumper.sha256(manifest);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + manifest + ": " + e.getMessage(), e);
        }
    }

    private void checkServicesFound(RestoreRequest request) {
        Map<String, List<ComposeServices.ServiceContainer>> services = compose.configuredServices();
        if (services.values().stream().anyMatch(list -> !list.isEmpty())) {
            return;
        }
        if (request.applicationStopped()) {
            return; // the operator's word, recorded with the request
        }
        java.util.Set<String> projects = compose.projects();
        throw refused("None of the services " + String.join(", ", properties.compose().serviceList()) + " of compose project '"
                + properties.compose().project() + "' was found on the Docker engine (projects found: "
                + (projects.isEmpty() ? "none" : String.join(", ", projects)) + "). Restoring now would replace the data under a "
                + "running application. Set backup.compose.project and backup.compose.services to the web app's; or, if you "
                + "stopped the application yourself, start the restore again with applicationStopped=true.", null);
    }

    /** The plan frozen at the guard: what was asked and the manifest the guard checked. */
    record FrozenPlan(RestoreRequest request, String manifestSha256) {
    }

    public void refused(long runId, String message) {
        history.end(runId, RunStatus.REFUSED, message);
        backupLog.write("Restore REFUSED: " + message);
    }

    public void approved(long runId, String approver, String comment) {
        history.setApprovedBy(runId, approver);
        history.addDetail(runId, "Approved by " + approver + at() + (comment == null || comment.isBlank() ? "" : ": " + comment));
    }

    public void rejected(long runId, String approver, String comment) {
        String message = "Rejected by " + approver + (comment == null || comment.isBlank() ? "" : ": " + comment) + ". Nothing was changed.";
        history.setApprovedBy(runId, approver);
        history.end(runId, RunStatus.REJECTED, message);
        backupLog.write("Restore " + sourceOf(runId) + " REJECTED: " + message);
    }

    /** Stops the application services (never the database); returns the ones that were running. */
    public List<String> stopServices(long runId) {
        return timed(runId, "Stop services", () -> compose.stopServices(properties.restore().stopTimeout()),
                stopped -> stopped.isEmpty() ? "none was running" : String.join(", ", stopped));
    }

    /**
     * Restores the database and the uploads side by side: pg_restore's work is the server's,
     * the folder's is file I/O, and neither needs the other. Both halves always finish (or
     * fail) before this returns; a failure names the half, both when both failed.
     */
    public void restoreData(RestoreRequest request, long runId) {
        Source source = resolve(request);
        if (request.sideBySide() && request.restoreDatabase() && interruptedStep(runId).filter(DATA_STEP::equals).isPresent()
                && databases.exists(request.targetDatabase())) {
            // made by this run's interrupted attempt (the guard saw no such database): it starts again from nothing
            databases.drop(request.targetDatabase());
            history.addDetail(runId, "Dropped database " + request.targetDatabase() + ", the partial copy of the interrupted attempt");
        }
        java.util.concurrent.CompletableFuture<Void> files = request.restoreUploads()
                ? java.util.concurrent.CompletableFuture.runAsync(() -> restoreUploads(request, source, runId), dataExecutor)
                : java.util.concurrent.CompletableFuture.completedFuture(null);
        RuntimeException databaseFailure = null;
        if (request.restoreDatabase()) {
            try {
                restoreDatabase(request, source, runId);
            } catch (RuntimeException e) {
                databaseFailure = e;
            }
        }
        RuntimeException uploadsFailure = null;
        try {
            files.join();
        } catch (java.util.concurrent.CompletionException e) {
            uploadsFailure = e.getCause() instanceof RuntimeException r ? r : e;
        }
        if (databaseFailure != null && uploadsFailure != null) {
            databaseFailure.addSuppressed(uploadsFailure);
            throw new IllegalStateException("Database: " + databaseFailure.getMessage() + " Uploads: " + uploadsFailure.getMessage(),
                    databaseFailure);
        }
        if (databaseFailure != null) {
            throw databaseFailure;
        }
        if (uploadsFailure != null) {
            throw uploadsFailure;
        }
    }

    private void restoreDatabase(RestoreRequest request, Source source, long runId) {
        // approved maybe hours ago: the dump must still be the one its manifest (frozen at the guard) names
        checkSha(source.set(), source.dump());
        String target = request.sideBySide() ? request.targetDatabase() : properties.database().name();
        Map<String, Long> expected = source.set().manifest() == null || source.set().manifest().rowCounts() == null
                ? Map.of() : source.set().manifest().rowCounts();
        DatabaseRestorer.Result result = timed(runId, "Restore database " + target,
                () -> databases.restore(source.dump(), Files.isRegularFile(source.globals()) ? source.globals() : null,
                        target, request.sideBySide(), expected),
                r -> "pg_restore --jobs " + r.jobs() + ", " + r.rowCounts().size() + " tables, "
                        + r.rowCounts().values().stream().mapToLong(Long::longValue).sum() + " rows"
                        + (expected.isEmpty() ? "" : ", row counts equal the backup's"));
        result.warnings().forEach(w -> history.addWarning(runId, w));
    }

    private void restoreUploads(RestoreRequest request, Source source, long runId) {
        Path target = request.sideBySide() ? Path.of(request.targetUploadsDir()) : properties.uploadsDir();
        // files untouched since the backup started are left in place; a legacy set gives no such time
        Instant since = source.set().manifest() == null ? null : source.set().manifest().startedAt();
        UploadsRestorer.Result result = timed(runId, "Restore uploads " + target, () -> source.set().kind().archivesUploads()
                        ? uploads.fromArchive(source.uploads(), archivePrefixes(), target, since, progress(runId))
                        : uploads.fromSnapshot(source.uploads(),
                        source.set().status() == BackupSet.Status.COMPLETE ? catalog.files(source.set()) : null, target, since,
                        progress(runId)),
                r -> r.filesTotal() + " files (" + Sizes.human(r.bytesTotal()) + "): " + r.filesWritten() + " written, "
                        + r.filesKept() + " already equal, " + r.entriesDeleted() + " removed");
        result.warnings().forEach(w -> history.addWarning(runId, w));
    }

    /** Starts services again, dependencies first (the order of {@code backup.compose.services}). */
    public void startServices(List<String> services, long runId) {
        timed(runId, "Start services", () -> {
            compose.startServices(services);
            return services;
        }, started -> started.isEmpty() ? "none to start" : String.join(", ", started));
    }

    /** Polls the health URL until it answers 2xx or {@code backup.restore.health-deadline} passes. */
    public HealthProbe.Result checkHealth(long runId) {
        Duration deadline = properties.restore().healthDeadline();
        HealthProbe.Polled polled = timed(runId, "Health check", () -> health.awaitHealthy(deadline),
                p -> p.last().description() + " after " + p.attempts() + " attempt(s)");
        if (!polled.last().healthy()) {
            String logs = backendLog();
            throw new HealthCheckFailedException("The web app did not become healthy within " + deadline.toSeconds()
                    + " s (backup.restore.health-deadline): " + polled.last().url() + " " + polled.last().description()
                    + " (" + polled.attempts() + " attempts). Read the backend's log below; retry the health check, roll back "
                    + "to the safety backup, or close the restore as failed.", polled.last().description(), logs);
        }
        return polled.last();
    }

    /** After a failure: the health URL's answer now and the last lines of the backend's log. */
    public Diagnostics diagnose() {
        HealthProbe.Result probe = health.probe();
        return new Diagnostics(probe.url() + " " + probe.description(), backendLog());
    }

    /** The first configured service (the backend) is the one whose log explains a failed start. */
    public String backendLog() {
        try {
            String service = properties.compose().serviceList().get(0);
            return service + " (last " + properties.restore().logLines() + " lines):\n"
                    + compose.logTail(service, properties.restore().logLines());
        } catch (RuntimeException e) {
            return "(cannot read the backend's log: " + e.getMessage() + ")";
        }
    }

    /** The restore ended with a healthy application (or, side by side, with the copy in place). */
    public void completed(long runId, RestoreRequest request, Instant approvedAt, boolean rolledBack, String firstFailure) {
        long rto = approvedAt == null ? 0 : Duration.between(approvedAt, clock.instant()).toMillis();
        if (approvedAt != null) {
            history.setRto(runId, rto);
        }
        String where = request.sideBySide() ? " side by side into " + sideTargets(request) : "";
        String message;
        if (rolledBack) {
            message = "The restore failed (" + firstFailure + "); rolled back to " + label(request)
                    + ": the data are as before the restore and the application is healthy.";
        } else {
            message = "Restored " + label(request) + where + (request.sideBySide() ? "" : "; the application is healthy")
                    + ". Time from approval: " + seconds(rto) + ".";
        }
        if (rolledBack) {
            int colon = firstFailure == null ? -1 : firstFailure.indexOf(':');
            history.fail(runId, colon > 0 ? firstFailure.substring(0, colon) : "restore", message);
        } else {
            history.end(runId, RunStatus.COMPLETED, message);
        }
        backupLog.write((rolledBack ? "Restore ROLLED BACK: " : "Restore completed: ") + message);
        leases.release(ownerOf(runId));
    }

    /** The operator closed a failed restore: the history keeps why; the lock is released. */
    public void failed(long runId, String step, String message) {
        history.fail(runId, step, message);
        backupLog.write("Restore " + sourceOf(runId) + " FAILED at " + step + ": " + message);
        leases.release(ownerOf(runId));
    }

    /**
     * A step failed and the services run again: the row says WAITING_FOR_OPERATOR and the alert
     * goes out now; the lock is released, so scheduled backups and the cleanup run meanwhile
     * (they back up what is live). The operator's retry or roll back takes it again.
     */
    public void awaitOperator(long runId, String step, String message) {
        awaitOperator(runId, step, message, "Task_ResolveFailedRestore");
    }

    /** As {@link #awaitOperator(long, String, String)}, for the operator task {@code task}. */
    public void awaitOperator(long runId, String step, String message, String task) {
        // a failure inside Task_RestoreData may leave the data half restored: no backup may take that for a good set
        boolean halfRestored = DATA_STEP.equals(step);
        if (!halfRestored) {
            leases.release(ownerOf(runId));
        }
        history.waitForOperator(runId, step, message);
        backupLog.write("Restore " + sourceOf(runId) + " FAILED at " + step + ", waiting for an operator (" + task + ")"
                + (halfRestored ? "; it keeps the lock (the data may be half restored): backups wait until it is resolved" : "")
                + ": " + message);
    }

    /** The mark of a step that changes the application: started under an engine job and not committed yet. */
    public Optional<BackupHistory.StepInFlight> stepInFlight(long runId) {
        return history.stepInFlight(runId);
    }

    /**
     * Before a step changes the application: its mark, committed at once, and a line in the
     * details naming the step and the plan it executes.
     */
    public void startStep(long runId, String step, String jobId) {
        history.startStep(runId, step, jobId);
        RestoreRequest plan = executed(runId, rollingBack(runId));
        history.addDetail(runId, "Started " + step + at() + " (" + label(plan) + ": " + halves(plan) + ")");
    }

    /** The engine committed the step (done or failed and handled): its mark goes, and a repaired interruption with it. */
    public void endStep(long runId, String jobId) {
        history.endStep(runId, jobId);
    }

    /** The interruption was handed to the model (committed): the mark goes, the interruption stays recorded. */
    public void clearStep(long runId, String jobId) {
        history.clearStep(runId, jobId);
    }

    /**
     * The same job found its own step's mark: the orchestrator died inside the step. Records the
     * interruption and returns what the operator reads; nothing is run again.
     */
    public String interrupted(long runId, BackupHistory.StepInFlight mark) {
        history.setInterrupted(runId, mark.step());
        String message = "The orchestrator stopped while " + mark.step() + " was running (started "
                + (mark.startedAt() == null ? "?" : TIME.format(mark.startedAt().atZone(clock.getZone()))) + "); the step was not run "
                + "again on its own. " + consequence(mark.step()) + " Choose in Tasklist (Restore interrupted): restore again from the "
                + "start of " + mark.step() + ", roll back to the safety set, or close the restore as failed.";
        log.warn("Restore run {}: {}", runId, message);
        return message;
    }

    private static String consequence(String step) {
        return switch (step) {
            case "Task_StopServices" -> "Some services may be stopped; no data were changed.";
            case DATA_STEP -> "The database and the uploads may be half restored; the services stay stopped until you choose.";
            case "Task_StartServices" -> "The data were restored; some services may not be running.";
            default -> "";
        };
    }

    public void clearInterruption(long runId) {
        history.setInterrupted(runId, null);
    }

    /** The step an interruption stopped, until it ran to its end again. */
    public Optional<String> interruptedStep(long runId) {
        return history.interruptedStep(runId);
    }

    /** What an operator deciding after an interruption needs: each service's state, the health URL, leftover pg_restore sessions. */
    public String applicationState(long runId) {
        List<String> lines = new ArrayList<>();
        try {
            compose.configuredServices().forEach((service, containers) -> lines.add(service + ": " + (containers.isEmpty() ? "not found"
                    : String.join(", ", containers.stream().map(c -> c.name() + " " + c.state()).toList()))));
        } catch (RuntimeException e) {
            lines.add("services: cannot be read (" + e.getMessage() + ")");
        }
        HealthProbe.Result probe = health.probe();
        lines.add("health: " + probe.url() + " " + probe.description());
        RestoreRequest plan = executed(runId, rollingBack(runId));
        if (plan.restoreDatabase()) {
            String db = plan.sideBySide() ? plan.targetDatabase() : properties.database().name();
            List<String> left = databases.restoreSessions(db);
            lines.add("pg_restore sessions on " + db + ": " + (left.isEmpty() ? "none" : String.join("; ", left)
                    + " (left by the interrupted attempt; restore again or roll back ends them first)"));
        }
        return String.join("\n", lines);
    }

    private static String halves(RestoreRequest r) {
        List<String> h = new ArrayList<>();
        if (r.restoreDatabase()) {
            h.add(r.sideBySide() ? "database into " + r.targetDatabase() : "database");
        }
        if (r.restoreUploads()) {
            h.add(r.sideBySide() ? "uploads into " + r.targetUploadsDir() : "uploads");
        }
        return String.join(" and ", h);
    }

    /** The step that changes the data; a failure there may leave them half restored. */
    public static final String DATA_STEP = "Task_RestoreData";

    /** Why a resolution cannot be taken for a failure at {@code failedStep}; empty if it can. */
    public static java.util.Optional<String> resolutionRefusal(String resolution, String failedStep) {
        if (resolution.equals("retry") && !List.of("Task_StartServices", "Task_CheckHealth").contains(failedStep)) {
            return java.util.Optional.of("retry only polls the health URL again, but the restore failed at " + failedStep
                    + ", before the data were fully restored: choose rollback (back to the safety set) or close.");
        }
        return java.util.Optional.empty();
    }

    /**
     * The operator chose to go on: retry and roll back change the application again, so they
     * take the backup root's lock first; refused with who holds it when it is busy.
     */
    public void resumeByOperator(long runId, String resolution) {
        if (resolution.equals("close")) {
            return;
        }
        String owner = ownerOf(runId);
        boolean heldBefore = leases.current().filter(l -> l.owner().equals(owner)).isPresent();
        if (!sideBySide(runId)) {
            LeaseManager.Attempt attempt = leases.tryAcquire(owner, "Restore");
            if (attempt.busy()) {
                throw new IllegalStateException("The backup root is locked by run " + attempt.holder().owner() + " ("
                        + attempt.holder().purpose() + ") since " + attempt.holder().acquiredAt() + ": choose " + resolution
                        + " again when it has finished (usually minutes); nothing was changed.");
            }
        }
        history.resume(runId);
        // the task's completion may still roll back (two operators at once, a crash): then the run waits again, without the lock
        if (org.springframework.transaction.support.TransactionSynchronizationManager.isSynchronizationActive()) {
            org.springframework.transaction.support.TransactionSynchronizationManager.registerSynchronization(
                    new org.springframework.transaction.support.TransactionSynchronization() {
                        @Override
                        public void afterCompletion(int status) {
                            if (status != STATUS_COMMITTED) {
                                if (!heldBefore) {
                                    leases.release(owner);
                                }
                                history.backToWaiting(runId);
                            }
                        }
                    });
        }
    }

    /** Before a step that changes the application in place: the restore must still hold the lock (fails if another run took it). */
    public void holdsLock(long runId) {
        if (!sideBySide(runId)) {
            leases.resume(ownerOf(runId));
        }
    }

    public void addDetail(long runId, String line) {
        history.addDetail(runId, line);
    }

    public void setSource(long runId, String source) {
        history.setSource(runId, source);
    }

    /** The set a request names, with the paths of its artifacts; refuses bad input and sets that cannot be restored. */
    Source resolve(RestoreRequest request) {
        BackupKind kind;
        try {
            kind = BackupKind.fromDir(request.backupKind() == null ? "daily" : request.backupKind());
        } catch (IllegalArgumentException e) {
            throw refused(e.getMessage(), e);
        }
        if (request.backupId() == null) {
            throw refused("backupId is missing: give the set's date as YYYYMMDD (or YYYYMMDD_N). " + restorable(kind), null);
        }
        BackupSetId id;
        try {
            id = BackupSetId.parse(request.backupId());
        } catch (IllegalArgumentException e) {
            throw refused(e.getMessage() + " " + restorable(kind), e);
        }
        if (!request.restoreDatabase() && !request.restoreUploads()) {
            throw refused("Nothing to restore: restoreDatabase and restoreUploads are both false.", null);
        }
        BackupSet set = catalog.find(kind, id).orElseThrow(() -> refused("No backup set " + kind.dir() + "/" + id + " in "
                + catalog.root() + ". " + restorable(kind), null));
        if (!set.restorable()) {
            throw refused("Set " + set.label() + " cannot be restored: it is " + set.status().name().toLowerCase(Locale.ROOT)
                    + (set.problem() == null ? "" : " (" + set.problem() + ")") + ". " + restorable(kind), null);
        }
        Path dir = catalog.kindDir(kind);
        return new Source(set, dir.resolve(kind.dumpName(id)), dir.resolve(kind.globalsName(id)), dir.resolve(kind.uploadsName(id)));
    }

    private void checkTargets(RestoreRequest request) {
        if (!request.sideBySide()) {
            return;
        }
        if (request.restoreDatabase()) {
            String db = request.targetDatabase();
            if (db == null) {
                throw refused("Side-by-side restore: give targetDatabase too, or set restoreDatabase=false.", null);
            }
            if (!DATABASE_NAME.matcher(db).matches()) {
                throw refused("targetDatabase '" + db + "' is not a plain database name (lower-case letters, digits, _).", null);
            }
            if (db.equals(properties.database().name()) || db.equals("postgres") || db.startsWith("template")) {
                throw refused("targetDatabase '" + db + "' is not a new database: a side-by-side restore never writes into "
                        + properties.database().name() + ", postgres or a template.", null);
            }
            if (databases.exists(db)) {
                throw refused("Database " + db + " already exists: a side-by-side restore writes only into a new database. "
                        + "Choose another name, or drop it (DROP DATABASE " + db + ") if it is an old copy.", null);
            }
        }
        if (request.restoreUploads()) {
            if (request.targetUploadsDir() == null) {
                throw refused("Side-by-side restore: give targetUploadsDir too, or set restoreUploads=false.", null);
            }
            Path dir = Path.of(request.targetUploadsDir()).toAbsolutePath().normalize();
            Path live = properties.uploadsDir().toAbsolutePath().normalize();
            Path allowed = sideBySideRoot();
            // the restore runs as root and makes the folder exactly the backup: only below the one scratch root
            if (!dir.startsWith(allowed) || dir.equals(allowed)) {
                throw refused("targetUploadsDir " + dir + " is not below " + allowed + " (backup.restore.side-by-side-root): a "
                        + "side-by-side restore writes only into a new or empty folder there, e.g. " + allowed.resolve("uploads-check")
                        + ".", null);
            }
            if (dir.startsWith(live) || live.startsWith(dir)) {
                throw refused("targetUploadsDir " + dir + " overlaps the uploads folder " + live + ": choose another folder below "
                        + allowed + ".", null);
            }
            Path root = catalog.root().toAbsolutePath().normalize();
            for (BackupKind kind : BackupKind.values()) {
                if (dir.startsWith(catalog.kindDir(kind).toAbsolutePath().normalize()) || dir.startsWith(root.resolve(".staging"))) {
                    throw refused("targetUploadsDir " + dir + " is inside the backup sets of " + root + ": choose a folder below "
                            + allowed + ".", null);
                }
            }
            try {
                if (Files.isSymbolicLink(dir) || !dir.toRealPath().startsWith(allowed.toRealPath())) {
                    throw refused("targetUploadsDir " + dir + " leads out of " + allowed + " through a symbolic link.", null);
                }
            } catch (java.nio.file.NoSuchFileException absent) {
                // a new folder: its parent decides where it lands
                Path parent = dir.getParent();
                try {
                    if (parent != null && Files.exists(parent) && !parent.toRealPath().startsWith(allowed.toRealPath())) {
                        throw refused("targetUploadsDir " + dir + " leads out of " + allowed + " through a symbolic link.", null);
                    }
                } catch (IOException e) {
                    throw refused("Cannot check targetUploadsDir " + dir + ": " + e.getMessage(), e);
                }
            } catch (IOException e) {
                throw refused("Cannot check targetUploadsDir " + dir + ": " + e.getMessage(), e);
            }
            if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                try (var entries = Files.list(dir)) {
                    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) || entries.findAny().isPresent()) {
                        throw refused("targetUploadsDir " + dir + " is not an empty folder: a side-by-side restore writes only into a "
                                + "new or empty folder.", null);
                    }
                } catch (IOException e) {
                    throw refused("Cannot read targetUploadsDir " + dir + ": " + e.getMessage(), e);
                }
            }
        }
    }

    /** Where side-by-side restores may write: backup.restore.side-by-side-root, by default {@code <backup.root>/scratch}. */
    public Path sideBySideRoot() {
        Path configured = properties.restore().sideBySideRoot();
        Path root = configured != null ? configured : catalog.root().resolve("scratch");
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the side-by-side root " + root + ": " + e.getMessage(), e);
        }
        return root.toAbsolutePath().normalize();
    }

    private long requireFile(Path file, BackupSet set, String what) {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw refused("Set " + set.label() + " has no " + what + " (" + file.getFileName() + " is missing). "
                    + "Choose another set" + (what.equals("dump") ? ", or restore the uploads only (restoreDatabase=false)." : "."), null);
        }
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void checkSha(BackupSet set, Path file) {
        if (set.manifest() == null) {
            return; // legacy: no checksum was ever written; pg_restore --list and the archive scan still run
        }
        try {
            expectSha(set, file, DatabaseDumper.sha256(file));
        } catch (IOException e) {
            throw refused("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static void expectSha(BackupSet set, Path file, String actual) {
        if (set.manifest() == null) {
            return;
        }
        String name = file.getFileName().toString();
        Manifest.Artifact artifact = set.manifest().artifacts().stream().filter(a -> a.name().equals(name)).findFirst()
                .orElseThrow(() -> refused("The manifest of " + set.label() + " does not list " + name + ": the set is damaged.", null));
        if (!actual.equals(artifact.sha256())) {
            throw refused(name + " of " + set.label() + " does not match its manifest (SHA-256 " + actual + ", manifest "
                    + artifact.sha256() + "): the file was changed or damaged since the backup. Restore another set.", null);
        }
    }

    /** Every file the manifest lists is there with its size and SHA-256 (read once here, before anything stops). */
    private long[] checkSnapshot(Source source) {
        long files = 0;
        long bytes = 0;
        if (source.set().status() != BackupSet.Status.COMPLETE) {
            try (var walk = Files.walk(source.uploads())) {
                for (Path p : (Iterable<Path>) walk::iterator) {
                    if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                        files++;
                        bytes += Files.size(p);
                    }
                }
            } catch (IOException e) {
                throw refused("Cannot read " + source.uploads() + ": " + e.getMessage(), e);
            }
            return new long[] {files, bytes};
        }
        byte[] buffer = com.llmbackup.catalog.SnapshotCheck.buffer();
        for (Manifest.FileEntry e : catalog.files(source.set())) {
            if (!Manifest.FileEntry.FILE.equals(e.type())) {
                continue;
            }
            Path p = source.uploads().resolve(e.path());
            try {
                // content too: a byte changed on the backup volume keeps the size
                Optional<String> problem = com.llmbackup.catalog.SnapshotCheck.problem(source.uploads(), e, buffer);
                if (problem.isPresent()) {
                    throw refused("The snapshot of " + source.set().label() + " is damaged: " + problem.get()
                            + ". Restore another set.", null);
                }
            } catch (IOException ex) {
                throw refused("Cannot read " + p + ": " + ex.getMessage(), ex);
            }
            files++;
            bytes += e.size();
        }
        return new long[] {files, bytes};
    }

    private RestorePlan describe(RestoreRequest request, Source source, Instant backupTime, long dumpBytes, int tocEntries,
                                 long uploadsFiles, long uploadsBytes) {
        BackupSet set = source.set();
        ZoneId zone = clock.getZone();
        Duration age = Duration.between(backupTime, clock.instant());
        String when = TIME.format(backupTime.atZone(zone));
        List<String> lines = new ArrayList<>();
        lines.add("Set: " + set.label() + " (" + set.status().name().toLowerCase(Locale.ROOT) + ", written " + when + ", "
                + ago(age) + " ago)");
        String dataLoss = request.sideBySide()
                ? "None: production is not touched (side-by-side restore)."
                : "Everything written since " + when + " (" + ago(age) + " of changes) is lost; a safety backup of the current state is taken first.";
        lines.add("Data loss: " + dataLoss);
        List<String> overwrites = new ArrayList<>();
        if (request.restoreDatabase()) {
            Map<String, Long> rows = set.manifest() == null || set.manifest().rowCounts() == null ? Map.of() : set.manifest().rowCounts();
            String backupRows = rows.isEmpty() ? "" : ", " + rows.values().stream().mapToLong(Long::longValue).sum() + " rows";
            String target = request.sideBySide() ? "new database " + request.targetDatabase() : "database " + currentDatabase();
            overwrites.add(target + " <- " + source.dump().getFileName() + " (" + Sizes.human(dumpBytes) + backupRows
                    + "; pg_restore --list read " + tocEntries + " entries)");
        }
        if (request.restoreUploads()) {
            String target = request.sideBySide() ? "folder " + request.targetUploadsDir()
                    : "uploads " + properties.uploadsDir() + " (now " + countFiles(properties.uploadsDir()) + " files; files created since are deleted)";
            overwrites.add(target + " <- " + source.uploads().getFileName() + " (" + uploadsFiles + " files, " + Sizes.human(uploadsBytes) + ")");
        }
        lines.add("Replaces: " + String.join("; ", overwrites));
        if (!request.sideBySide()) {
            lines.add("Services stopped during the restore: " + String.join(", ", properties.compose().serviceList())
                    + " of project " + properties.compose().project() + " (the database keeps running).");
        }
        if (request.applicationStopped()) {
            lines.add("WARNING: the requester says the application is stopped by other means (applicationStopped); "
                    + "check that before approving: the restore does not stop or start it.");
        }
        lines.add("Requested by: " + (request.requestedBy() == null ? "(unknown)" : request.requestedBy())
                + (request.reason() == null ? "" : "; reason: " + request.reason()));
        return new RestorePlan(set.label(), set.status().name().toLowerCase(Locale.ROOT), when, ago(age), dataLoss, dumpBytes,
                uploadsFiles, uploadsBytes, String.join("; ", overwrites), String.join("\n", lines));
    }

    private String currentDatabase() {
        String name = properties.database().name();
        try {
            Map<String, Long> rows = databases.rowCounts(name);
            return name + " (now " + Sizes.human(databases.size(name)) + ", " + rows.values().stream().mapToLong(Long::longValue).sum() + " rows)";
        } catch (RuntimeException e) {
            return name + " (cannot be read now: " + e.getMessage() + ")";
        }
    }

    private static long countFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (var walk = Files.walk(dir)) {
            return walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).count();
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
    }

    private Instant backupTime(Source source) {
        Manifest m = source.set().manifest();
        if (m != null && m.completedAt() != null) {
            return m.completedAt();
        }
        try {
            // a legacy set: the old scripts' files carry their time
            Path file = Files.exists(source.dump()) ? source.dump() : source.uploads();
            return Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS).toInstant();
        } catch (IOException e) {
            return source.set().date().atStartOfDay(clock.getZone()).toInstant();
        }
    }

    private List<String> archivePrefixes() {
        String configured = properties.uploadsDir().toAbsolutePath().normalize().toString().replaceFirst("^/+", "");
        return configured.equals("uploads") || configured.isEmpty() ? List.of("uploads") : List.of("uploads", configured);
    }

    private String restorable(BackupKind kind) {
        List<String> ids = catalog.list(kind).stream().filter(BackupSet::restorable).map(s -> s.id().toString()).toList();
        if (ids.isEmpty()) {
            return "There is no restorable " + kind.dir() + " set in " + catalog.root() + ".";
        }
        List<String> newest = ids.subList(Math.max(0, ids.size() - 10), ids.size());
        return "Restorable " + kind.dir() + " sets: " + String.join(", ", newest) + ".";
    }

    private <T> T timed(long runId, String step, Supplier<T> body, java.util.function.Function<T, String> summary) {
        long start = System.nanoTime();
        T result = body.get();
        history.addDetail(runId, step + ": " + seconds(Duration.ofNanos(System.nanoTime() - start).toMillis()) + " (" + summary.apply(result) + ")");
        return result;
    }

    private com.llmbackup.uploads.Snapshotter.Progress progress(long runId) {
        return (filesDone, filesTotal, bytesDone, bytesTotal) -> history.progress(runId, filesDone, filesTotal, bytesDone, bytesTotal);
    }

    private String ownerOf(long runId) {
        return history.find(runId).map(BackupHistory.HistoryEntry::processInstanceId).orElse("");
    }

    private String sourceOf(long runId) {
        return history.find(runId).map(BackupHistory.HistoryEntry::source).orElse("?");
    }

    private String at() {
        return " at " + TIME.format(clock.instant().atZone(clock.getZone()));
    }

    private static String sideTargets(RestoreRequest r) {
        List<String> t = new ArrayList<>();
        if (r.restoreDatabase()) {
            t.add("database " + r.targetDatabase());
        }
        if (r.restoreUploads()) {
            t.add("folder " + r.targetUploadsDir());
        }
        return String.join(" and ", t);
    }

    static String label(RestoreRequest r) {
        return (r.backupKind() == null ? "daily" : r.backupKind()) + "/" + r.backupId();
    }

    private static RestoreRefusedException refused(String message, Throwable cause) {
        return new RestoreRefusedException(message + " Nothing was changed; the application was not stopped.", cause);
    }

    static String ago(Duration d) {
        long hours = d.toHours();
        if (hours >= 48) {
            return hours / 24 + " d " + hours % 24 + " h";
        }
        return hours > 0 ? hours + " h " + d.toMinutesPart() + " min" : Math.max(0, d.toMinutes()) + " min";
    }

    static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }


    /** A set and where its artifacts are. */
    record Source(BackupSet set, Path dump, Path globals, Path uploads) {
    }

    /** What the operator reads after a failure. */
    public record Diagnostics(String healthResponse, String backendLog) {
    }
}
