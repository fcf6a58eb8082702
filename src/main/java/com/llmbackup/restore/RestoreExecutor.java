package com.llmbackup.restore;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.Sizes;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.config.Text;
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
    private final DatabaseHalf database;
    private final UploadsRestorer uploads;
    private final ComposeServices compose;
    private final HealthProbe health;
    /** The uploads half of a restore runs here while the database half runs on the caller's thread. */
    private final TaskExecutor dataExecutor;

    public RestoreExecutor(BackupProperties properties, BackupCatalog catalog, RestoreInspector inspector, RestoreRecorder recorder,
                           DatabaseRestorer databases, DatabaseHalf database, UploadsRestorer uploads, ComposeServices compose,
                           HealthProbe health, @Qualifier("restoreTaskExecutor") TaskExecutor restoreTaskExecutor) {
        this.database = database;
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
     * Task_RestoreBeside: before the application stops, the database restored beside the live one
     * and checked ({@link DatabaseHalf}); nothing else when the plan does not swap the database.
     */
    public void restoreBeside(RestoreRequest plan, long runId) {
        if (plan.undo() && plan.restoreDatabase()) {
            database.requireUndoable(plan);
        }
        if (!plan.swapsDatabase()) {
            recorder.addDetail(runId, Text.of(plan.undo() ? "detail.besideNothing.undo" : plan.inPlaceDatabase() ? "detail.besideNothing.inPlace"
                    : "detail.besideNothing.noDatabase"));
            return;
        }
        RestoreInspector.Source source = inspector.resolve(plan);
        verifyArtifacts(plan, source);
        database.restoreBeside(plan, source, runId);
    }

    /**
     * Restores the database and the uploads side by side: the database half is the server's
     * work (in place: the checked copy swapped in), the folder's is file I/O, and neither needs
     * the other. Both halves always finish (or fail) before this returns; a failure names the
     * half, both when both failed.
     */
    public void restoreData(RestoreRequest request, long runId, boolean rollingBack) {
        RestoreInspector.Source source = inspector.resolve(request);
        // approved maybe hours ago: the dump and globals must still be those the manifest (frozen at the guard) names
        verifyArtifacts(request, source);
        if (request.sideBySide() && request.restoreDatabase() && recorder.interruptedStep(runId).filter(RestoreGuard.DATA_STEP::equals).isPresent()
                && databases.exists(request.targetDatabase())) {
            // made by this run's interrupted attempt (the guard saw no such database): it starts again from nothing
            databases.endRestoreSessions(request.targetDatabase());
            databases.drop(request.targetDatabase());
            recorder.addDetail(runId, Text.of("detail.droppedPartialCopy", request.targetDatabase()));
        }
        CompletableFuture<Void> files = request.restoreUploads()
                ? CompletableFuture.runAsync(() -> restoreUploads(request, source, runId), dataExecutor)
                : CompletableFuture.completedFuture(null);
        RuntimeException databaseFailure = null;
        if (request.restoreDatabase()) {
            try {
                database.restore(request, source, runId, rollingBack);
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

    /** The dump and the globals the plan restores still match the manifest frozen at the guard. */
    private void verifyArtifacts(RestoreRequest plan, RestoreInspector.Source source) {
        if (plan.restoreDatabase() && !plan.undo()) {
            try {
                inspector.checkSha(source.set(), source.dump());
                inspector.checkGlobals(source.set(), source.globals());
            } catch (RestoreRefusedException e) {
                // after the approval: the guard's closing words ("the application was not stopped") may no longer hold
                throw new RestoreRefusedException(e.getMessage().replace(" Nothing was changed; the application was not stopped.",
                        " Nothing was restored from it."), e);
            }
        }
    }

    /** The live database open to connections again, unless this run swapped (then the live name is the restored database, open). */
    public void reopenLive(RestoreRequest plan, long runId) {
        if (plan.restoreDatabase() && !plan.sideBySide() && !database.swapped(runId)) {
            databases.reopen(properties.database().name());
        }
    }

    /** The copy of a failed or interrupted attempt dropped, the live database open again (nothing of production changed). */
    public void discardCopy(RestoreRequest plan, long runId) {
        if (plan.restoreDatabase() && !plan.sideBySide()) {
            database.discardCopy(runId);
        }
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
            // the probe's description stays its words (HealthProbe), an argument of the text
            throw new HealthCheckFailedException(Text.of("restore.health.failed", deadline.toSeconds(), polled.last().url(),
                    polled.last().description(), polled.attempts()), recorder.texts(), polled.last().description(), logs);
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
    public List<String> endLeftoverRestores(RestoreRequest plan, long runId) {
        if (!plan.restoreDatabase()) {
            return List.of();
        }
        return database.endLeftoverSessions(plan, runId);
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
    public String applicationState(RestoreRequest plan, long runId) {
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
            try {
                lines.add(database.state(plan, runId));
                List<String> left = database.leftoverSessions(plan, runId);
                lines.add("pg_restore sessions: " + (left.isEmpty() ? "none" : String.join("; ", left)
                        + " (left by the interrupted attempt; restore again, roll back or close ends them first)"));
            } catch (RuntimeException e) {
                lines.add("database: cannot be read (" + e.getMessage() + ")");
            }
        }
        return String.join("\n", lines);
    }

    /** What the operator reads after a failure. */
    public record Diagnostics(String healthResponse, String backendLog) {
    }
}
