package com.llmbackup.restore;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

import com.llmbackup.catalog.BackupHistory;
import com.llmbackup.catalog.BackupLog;
import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.LeaseManager;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.config.Text;
import com.llmbackup.config.Texts;
import com.llmbackup.uploads.Snapshotter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * What a restore records: its history row (who asked, who approved, each step and its
 * duration, the outcome and the RTO), the marks of the steps that change the application and
 * their interruptions, the runbook's log lines, and the lock given up at the end or while an
 * operator decides. The restore's run is found by its process instance id, never by a variable.
 */
@Component
public class RestoreRecorder {

    private static final Logger log = LoggerFactory.getLogger(RestoreRecorder.class);

    private final BackupHistory history;
    private final RestoreRuns runs;
    private final BackupLog backupLog;
    private final LeaseManager leases;
    private final Clock clock;
    private final Duration keepPrevious;

    public RestoreRecorder(BackupHistory history, RestoreRuns runs, BackupLog backupLog, LeaseManager leases, Clock clock,
                           BackupProperties properties) {
        this.keepPrevious = properties.restore().keepPrevious();
        this.history = history;
        this.runs = runs;
        this.backupLog = backupLog;
        this.leases = leases;
        this.clock = clock;
    }

    /** The restore's history row; a retried first step finds the row it made before. */
    public long begin(RestoreRequest request, String owner) {
        Optional<HistoryEntry> existing = history.runningRun(owner, RunKind.RESTORE);
        if (existing.isPresent()) {
            return existing.get().id();
        }
        long runId = history.start(RunKind.RESTORE, owner);
        history.setRequest(runId, request.requestedBy(), ApprovalText.label(request), request.reason());
        if (request.backupId() != null && request.backupId().length() <= 16) {
            history.setBackupId(runId, request.backupId());
        }
        log.info("Restore of {} requested by {} (run {}, process instance {})", ApprovalText.label(request), request.requestedBy(), runId, owner);
        return runId;
    }

    public Optional<Long> findRun(String owner) {
        return history.runningRun(owner, RunKind.RESTORE).map(HistoryEntry::id);
    }

    /** The running restore a process instance owns (found by the engine's instance id, never by a variable). */
    public long runOf(String owner) {
        return findRun(owner).orElseThrow(() -> new IllegalStateException("process instance " + owner + " has no running restore in the history"));
    }

    /** Who started the restore, as recorded from the engine's authentication. */
    public String requester(long runId) {
        return history.find(runId).map(e -> e.request().requestedBy()).orElse(null);
    }

    /** Who approved the restore, once recorded (by Task_ApproveRestore, or by the guard for a disaster recovery's confirmation). */
    public Optional<String> approver(long runId) {
        return history.find(runId).map(e -> e.request().approvedBy());
    }

    /**
     * The set a running disaster recovery chose and verified, as its history row recorded it
     * (found by the recovery's instance id, never a variable): what its confirmation named.
     */
    public Optional<String> recoverySet(String recoveryInstance) {
        return history.runningRun(recoveryInstance, RunKind.RECOVERY).map(e -> e.request().source());
    }

    public void refused(long runId, String message) {
        history.end(runId, RunStatus.REFUSED, message);
        backupLog.write(Text.of("log.restore.refused", message));
    }

    public void refused(long runId, Text message) {
        history.end(runId, RunStatus.REFUSED, message);
        backupLog.write(Text.of("log.restore.refused", message));
    }

    public void approved(long runId, String approver, String comment) {
        history.setApprovedBy(runId, approver);
        history.addDetail(runId, comment == null || comment.isBlank() ? Text.of("detail.approved", approver, now())
                : Text.of("detail.approved.comment", approver, now(), comment));
    }

    public void rejected(long runId, String approver, String comment) {
        Text message = comment == null || comment.isBlank() ? Text.of("restore.rejected", approver)
                : Text.of("restore.rejected.comment", approver, comment);
        history.setApprovedBy(runId, approver);
        history.end(runId, RunStatus.REJECTED, message);
        backupLog.write(Text.of("log.restore.rejected", sourceOf(runId), message));
    }

    /** The restore ended with a healthy application (or, side by side, with the copy in place). */
    public void completed(long runId, RestoreRequest request, Instant approvedAt, boolean rolledBack, String firstFailure,
                          boolean productionUntouched) {
        long rto = approvedAt == null ? 0 : Duration.between(approvedAt, clock.instant()).toMillis();
        if (approvedAt != null) {
            history.setRto(runId, rto);
        }
        Text message;
        if (rolledBack && productionUntouched) {
            message = Text.of("restore.rolledBack.untouched", firstFailure);
        } else if (rolledBack) {
            message = Text.of("restore.rolledBack", firstFailure, ApprovalText.label(request), database(runId));
        } else if (request.undo()) {
            message = Text.of("restore.undone", request.undoRestoreOf(), ApprovalText.label(request), database(runId), ApprovalText.seconds(rto));
        } else if (request.sideBySide()) {
            message = Text.of("restore.completed.sideBySide", ApprovalText.label(request), ApprovalText.sideTargets(request), database(runId),
                    ApprovalText.seconds(rto));
        } else {
            message = Text.of("restore.completed", ApprovalText.label(request), database(runId), ApprovalText.seconds(rto));
        }
        if (rolledBack) {
            int colon = firstFailure == null ? -1 : firstFailure.indexOf(':');
            history.fail(runId, colon > 0 ? firstFailure.substring(0, colon) : "restore", message);
        } else {
            history.end(runId, RunStatus.COMPLETED, message);
        }
        backupLog.write(Text.of(rolledBack ? "log.restore.rolledBack" : "log.restore.completed", message));
        leases.release(ownerOf(runId));
    }

    /** A restore of chosen files (or its undo) completed: recorded, logged, the lock given up. */
    public void filesCompleted(long runId, RestoreRequest request, List<String> paths, Path runFolder, boolean stopped) {
        String named = String.join(", ", paths);
        Text message = request.undo() ? Text.of("restore.files.completed.undo", request.undoRestoreOf(), named)
                : request.sideBySide() ? Text.of("restore.files.completed.sideBySide", named, ApprovalText.label(request),
                request.targetUploadsDir())
                : Text.of("restore.files.completed.inPlace", named, ApprovalText.label(request), runFolder);
        history.end(runId, RunStatus.COMPLETED, Text.of(stopped ? "restore.files.ended.stopped" : "restore.files.ended.running", message));
        backupLog.write(Text.of("log.restore.completed", message));
        leases.release(ownerOf(runId));
    }

    /**
     * How the database half ran and how long each part took ("Database (restore beside, check,
     * swap): restore beside 12.3 s, check 1.1 s, swap 0.2 s"), and the database kept for an undo.
     */
    private Object database(long runId) {
        Optional<String> phases = runs.phases(runId);
        if (phases.isEmpty()) {
            return "";
        }
        String method = switch (runs.method(runId).orElse("")) {
            case DatabaseHalf.SWAP -> "restore.database.swap";
            case DatabaseHalf.IN_PLACE -> "restore.database.inPlace";
            case DatabaseHalf.UNDO -> "restore.database.undo";
            default -> "restore.database";
        };
        return Text.of(method, phases.get(), runs.previousDatabase(runId).<Object>map(db -> Text.of("restore.database.kept", db,
                ApprovalText.TIME.format(clock.instant().plus(keepPrevious).atZone(clock.getZone())), runId)).orElse(""));
    }

    /** The safety backup before the restore failed: nothing was changed; the lock is released. */
    public void safetyBackupFailed(long runId, String step, String message) {
        failed(runId, step, Text.of("restore.safetyBackupFailed", message));
    }

    /** The operator closed a failed restore: the history keeps why; the lock is released. */
    public void failed(long runId, String step, String message) {
        history.fail(runId, step, message);
        backupLog.write(Text.of("log.restore.failed", sourceOf(runId), step, message));
        leases.release(ownerOf(runId));
    }

    private void failed(long runId, String step, Text message) {
        history.fail(runId, step, message);
        backupLog.write(Text.of("log.restore.failed", sourceOf(runId), step, message));
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
        boolean halfRestored = RestoreGuard.DATA_STEP.equals(step);
        if (!halfRestored) {
            leases.release(ownerOf(runId));
        } else if (leases.current().filter(l -> l.owner().equals(ownerOf(runId))).isPresent()) {
            // what a backup waiting for the lock reads, and fails with after backup.lock.max-wait
            leases.resume(ownerOf(runId), backupLog.texts().render("restore.lease.waiting", Text.of("task." + task), task));
        }
        runs.waitForOperator(runId, step, message);
        backupLog.write(Text.of(halfRestored ? "log.restore.waiting.halfRestored" : "log.restore.waiting", sourceOf(runId), step, task, message));
    }

    /** The mark of a step that changes the application: started under an engine job and not committed yet. */
    public Optional<RestoreRuns.StepInFlight> stepInFlight(long runId) {
        return runs.stepInFlight(runId);
    }

    /**
     * Before a step changes the application: its mark, committed at once, and a line in the
     * details naming the step and the plan it executes.
     */
    public void startStep(long runId, String step, String jobId, RestoreRequest plan) {
        runs.startStep(runId, step, jobId);
        history.addDetail(runId, Text.of("detail.started", step, now(), ApprovalText.label(plan), ApprovalText.halves(plan)));
    }

    /** The engine committed the step (done or failed and handled): its mark goes, and a repaired interruption with it. */
    public void endStep(long runId, String jobId) {
        runs.endStep(runId, jobId);
    }

    /** The interruption was handed to the model (committed): the mark goes, the interruption stays recorded. */
    public void clearStep(long runId, String jobId) {
        runs.clearStep(runId, jobId);
    }

    /**
     * The same job found its own step's mark: the orchestrator died inside the step. Records the
     * interruption and returns what the operator reads; nothing is run again.
     */
    public String interrupted(long runId, RestoreRuns.StepInFlight mark, RestoreRequest plan) {
        runs.setInterrupted(runId, mark.step());
        // a process variable that Tasklist shows and the run records: in backup.language
        String message = backupLog.texts().render("restore.interrupted", mark.step(),
                mark.startedAt() == null ? "?" : ApprovalText.TIME.format(mark.startedAt().atZone(clock.getZone())), consequence(mark.step(), plan));
        log.warn("Restore run {}: {}", runId, message);
        return message;
    }

    private static Object consequence(String step, RestoreRequest plan) {
        if (step.equals(RestoreGuard.BESIDE_STEP)) {
            return Text.of("restore.interrupted.beside");
        }
        if (plan.sideBySide()) {
            return Text.of("restore.interrupted.sideBySide", ApprovalText.sideTargets(plan));
        }
        return switch (step) {
            case "Task_StopServices" -> Text.of("restore.interrupted.stop");
            case RestoreGuard.DATA_STEP -> plan.inPlaceDatabase() || !plan.restoreDatabase()
                    ? Text.of("restore.interrupted.data")
                    : Text.of("restore.interrupted.dataSwap");
            case "Task_StartServices" -> Text.of("restore.interrupted.start");
            default -> "";
        };
    }

    public void clearInterruption(long runId) {
        runs.setInterrupted(runId, null);
    }

    /** The step an interruption stopped, until it ran to its end again. */
    public Optional<String> interruptedStep(long runId) {
        return runs.interruptedStep(runId);
    }

    /** The step the run failed at, as recorded (never a variable). */
    public String failedStep(long runId) {
        return history.find(runId).map(e -> e.problems().failedStep()).orElse(null);
    }

    public void addWarning(long runId, String warning) {
        history.addWarning(runId, warning);
    }

    public void addDetail(long runId, String line) {
        history.addDetail(runId, line);
    }

    /** A line from the bundles: shown in the viewer's language. */
    public void addDetail(long runId, Text line) {
        history.addDetail(runId, line);
    }

    /** A line for the run's details and the runbook's log (what an operator must be able to find later: sessions ended, ...). */
    public void logged(long runId, String line) {
        history.addDetail(runId, line);
        backupLog.write(Text.of("log.restore.line", sourceOf(runId), line));
        log.info("Restore run {}: {}", runId, line);
    }


    <T> T timed(long runId, String step, Supplier<T> body, Function<T, String> summary) {
        long start = System.nanoTime();
        T result = body.get();
        history.addDetail(runId, Text.of("detail.timed", step, ApprovalText.seconds(Duration.ofNanos(System.nanoTime() - start).toMillis()),
                summary.apply(result)));
        return result;
    }

    Snapshotter.Progress progress(long runId) {
        return (filesDone, filesTotal, bytesDone, bytesTotal) -> history.progress(runId, filesDone, filesTotal, bytesDone, bytesTotal);
    }

    /** The texts of the log and of what Tasklist shows (backup.language). */
    Texts texts() {
        return backupLog.texts();
    }

    String ownerOf(long runId) {
        return history.find(runId).map(HistoryEntry::processInstanceId).orElse("");
    }

    private String sourceOf(long runId) {
        return history.find(runId).map(e -> e.request().source()).orElse("?");
    }

    private String now() {
        return ApprovalText.TIME.format(clock.instant().atZone(clock.getZone()));
    }
}
