package com.llmbackup.restore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.Sizes;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.docker.ComposeServices;
import com.llmbackup.health.HealthProbe;
import com.llmbackup.postgres.DatabaseRestorer;
import com.llmbackup.uploads.UploadsRestorer;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.core.task.TaskExecutor;
import org.springframework.stereotype.Component;

/**
 * The steps of a restore that change the application: stop and start its services, restore
 * the database and the uploads (the two halves side by side: pg_restore's work is the
 * server's, the folder's is file I/O), poll the health URL, and say what state the
 * application is in after a failure or an interruption. Each step executes the plan it is
 * given (the frozen one); what it did goes to the {@link RestoreRecorder}.
 */
@Component
public class RestoreExecutor {

    private final BackupProperties properties;
    private final BackupCatalog catalog;
    private final RestoreInspector inspector;
    private final RestoreRecorder recorder;
    private final DatabaseRestorer databases;
    private final UploadsRestorer uploads;
    private final ComposeServices compose;
    private final HealthProbe health;
    /** The uploads half of a restore runs here while the database half runs on the caller's thread. */
    private final TaskExecutor dataExecutor;

    public RestoreExecutor(BackupProperties properties, BackupCatalog catalog, RestoreInspector inspector, RestoreRecorder recorder,
                           DatabaseRestorer databases, UploadsRestorer uploads, ComposeServices compose, HealthProbe health,
                           @Qualifier("restoreTaskExecutor") TaskExecutor restoreTaskExecutor) {
        this.properties = properties;
        this.catalog = catalog;
        this.inspector = inspector;
        this.recorder = recorder;
        this.databases = databases;
        this.uploads = uploads;
        this.compose = compose;
        this.health = health;
        this.dataExecutor = restoreTaskExecutor;
    }

    /** Stops the application services (never the database); returns the ones that were running. */
    public List<String> stopServices(long runId) {
        return recorder.timed(runId, "Stop services", () -> compose.stopServices(properties.restore().stopTimeout()),
                stopped -> stopped.isEmpty() ? "none was running" : String.join(", ", stopped));
    }

    /**
     * Restores the database and the uploads side by side: pg_restore's work is the server's,
     * the folder's is file I/O, and neither needs the other. Both halves always finish (or
     * fail) before this returns; a failure names the half, both when both failed.
     */
    public void restoreData(RestoreRequest request, long runId) {
        RestoreInspector.Source source = inspector.resolve(request);
        if (request.sideBySide() && request.restoreDatabase() && recorder.interruptedStep(runId).filter(RestoreGuard.DATA_STEP::equals).isPresent()
                && databases.exists(request.targetDatabase())) {
            // made by this run's interrupted attempt (the guard saw no such database): it starts again from nothing
            databases.drop(request.targetDatabase());
            recorder.addDetail(runId, "Dropped database " + request.targetDatabase() + ", the partial copy of the interrupted attempt");
        }
        CompletableFuture<Void> files = request.restoreUploads()
                ? CompletableFuture.runAsync(() -> restoreUploads(request, source, runId), dataExecutor)
                : CompletableFuture.completedFuture(null);
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
        } catch (CompletionException e) {
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

    private void restoreDatabase(RestoreRequest request, RestoreInspector.Source source, long runId) {
        // approved maybe hours ago: the dump must still be the one its manifest (frozen at the guard) names
        inspector.checkSha(source.set(), source.dump());
        String target = request.sideBySide() ? request.targetDatabase() : properties.database().name();
        Map<String, Long> expected = source.set().manifest() == null || source.set().manifest().rowCounts() == null
                ? Map.of() : source.set().manifest().rowCounts();
        DatabaseRestorer.Result result = recorder.timed(runId, "Restore database " + target,
                () -> databases.restore(source.dump(), Files.isRegularFile(source.globals()) ? source.globals() : null,
                        target, request.sideBySide(), expected),
                r -> "pg_restore --jobs " + r.jobs() + ", " + r.rowCounts().size() + " tables, "
                        + r.rowCounts().values().stream().mapToLong(Long::longValue).sum() + " rows"
                        + (expected.isEmpty() ? "" : ", row counts equal the backup's"));
        result.warnings().forEach(w -> recorder.addWarning(runId, w));
    }

    private void restoreUploads(RestoreRequest request, RestoreInspector.Source source, long runId) {
        Path target = request.sideBySide() ? Path.of(request.targetUploadsDir()) : properties.uploadsDir();
        // files untouched since the backup started are left in place; a legacy set gives no such time
        Instant since = source.set().manifest() == null ? null : source.set().manifest().startedAt();
        UploadsRestorer.Result result = recorder.timed(runId, "Restore uploads " + target, () -> source.set().kind().archivesUploads()
                        ? uploads.fromArchive(source.uploads(), inspector.archivePrefixes(), target, since, recorder.progress(runId))
                        : uploads.fromSnapshot(source.uploads(),
                        source.set().status() == BackupSet.Status.COMPLETE ? () -> catalog.files(source.set()) : null, target, since,
                        recorder.progress(runId)),
                r -> r.filesTotal() + " files (" + Sizes.human(r.bytesTotal()) + "): " + r.filesWritten() + " written, "
                        + r.filesKept() + " already equal, " + r.entriesDeleted() + " removed");
        result.warnings().forEach(w -> recorder.addWarning(runId, w));
    }

    /** Starts services again, dependencies first (the order of {@code backup.compose.services}). */
    public void startServices(List<String> services, long runId) {
        recorder.timed(runId, "Start services", () -> {
            compose.startServices(services);
            return services;
        }, started -> started.isEmpty() ? "none to start" : String.join(", ", started));
    }

    /** Polls the health URL until it answers 2xx or {@code backup.restore.health-deadline} passes. */
    public HealthProbe.Result checkHealth(long runId) {
        Duration deadline = properties.restore().healthDeadline();
        HealthProbe.Polled polled = recorder.timed(runId, "Health check", () -> health.awaitHealthy(deadline),
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
        String answer;
        try {
            HealthProbe.Result probe = health.probe();
            answer = probe.url() + " " + probe.description();
        } catch (RuntimeException e) {
            answer = properties.health().url() + " cannot be probed (" + e.getMessage() + ")";
        }
        return new Diagnostics(answer, backendLog());
    }

    /** Ends the pg_restore sessions an interrupted attempt left (closing the restore must not leave one writing). */
    public List<String> endLeftoverRestores(RestoreRequest plan) {
        if (!plan.restoreDatabase()) {
            return List.of();
        }
        return databases.endRestoreSessions(plan.sideBySide() ? plan.targetDatabase() : properties.database().name());
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

    /** What an operator deciding after an interruption needs: each service's state, the health URL, leftover pg_restore sessions. */
    public String applicationState(RestoreRequest plan) {
        // read while the application may be half down (the database still recovering after a power cut): never fails
        List<String> lines = new ArrayList<>();
        try {
            compose.configuredServices().forEach((service, containers) -> lines.add(service + ": " + (containers.isEmpty() ? "not found"
                    : String.join(", ", containers.stream().map(c -> c.name() + " " + c.state()).toList()))));
        } catch (RuntimeException e) {
            lines.add("services: cannot be read (" + e.getMessage() + ")");
        }
        lines.add("health: " + diagnose().healthResponse());
        if (plan.restoreDatabase()) {
            String db = plan.sideBySide() ? plan.targetDatabase() : properties.database().name();
            try {
                List<String> left = databases.restoreSessions(db);
                lines.add("pg_restore sessions on " + db + ": " + (left.isEmpty() ? "none" : String.join("; ", left)
                        + " (left by the interrupted attempt; restore again, roll back or close ends them first)"));
            } catch (RuntimeException e) {
                lines.add("pg_restore sessions on " + db + ": cannot be read (" + e.getMessage() + ")");
            }
        }
        return String.join("\n", lines);
    }

    /** What the operator reads after a failure. */
    public record Diagnostics(String healthResponse, String backendLog) {
    }
}
