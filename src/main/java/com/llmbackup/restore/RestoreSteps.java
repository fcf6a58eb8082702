package com.llmbackup.restore;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import com.llmbackup.config.BackupProperties;
import com.llmbackup.config.Text;
import org.springframework.stereotype.Service;

/**
 * The steps of {@code RestoreProcess} as its delegates call them: one method per task or
 * listener, named after it, taking plain values (the run, the step, the engine job, what the
 * operator answered) and returning what the forms show. Each checks the lock and the frozen
 * plan ({@link FrozenPlans}) where the step changes the application, runs it
 * ({@link RestoreExecutor}) and records it ({@link RestoreRecorder}).
 */
@Service
public class RestoreSteps {

    private static final String RESOLVE_INTERRUPTED = "Task_ResolveInterruptedRestore";

    private final RestoreInspector inspector;
    private final FrozenPlans plans;
    private final RestoreRecorder recorder;
    private final RestoreExecutor executor;
    private final BackupProperties properties;
    private final RestoreUndo undos;
    private final DatabaseHalf database;
    private final FileRestores files;

    public RestoreSteps(RestoreInspector inspector, FrozenPlans plans, RestoreRecorder recorder, RestoreExecutor executor,
                        BackupProperties properties, RestoreUndo undos, DatabaseHalf database, FileRestores files) {
        this.files = files;
        this.undos = undos;
        this.database = database;
        this.inspector = inspector;
        this.plans = plans;
        this.recorder = recorder;
        this.executor = executor;
        this.properties = properties;
    }

    /**
     * What the guard found: the run's row (found again by a retried guard), and the plan to
     * approve or why the request is refused; with the approver when a disaster recovery's
     * confirmation approved it now.
     */
    public record Validation(long runId, RestorePlan plan, RuntimeException refusal, String preApprovedBy) {
    }

    /**
     * What the engine recorded of a calling disaster recovery's confirmation, judged:
     * {@code approver} is null when it does not approve this restore, {@code reason} says why
     * (it goes into the details either way).
     */
    public record PreApproval(String approver, String reason, String recoveryInstance) {
    }

    /**
     * Task_ValidateBackup: the run's row, the request checked (nothing is changed) and frozen as
     * the run's plan; then a calling recovery's pre-approval recorded ({@code preApproval} null
     * when the restore was started on its own).
     */
    public Validation validate(String owner, RestoreRequest request, String claimedRequester, PreApproval preApproval,
                               Optional<String> startRefusal) {
        return validate(owner, request, null, false, claimedRequester, preApproval, startRefusal);
    }

    /**
     * The same, for a restore of chosen files or folders when {@code restorePaths} is not null
     * (issue 29), the application stopped around it when {@code stopApplication}; an undo of a
     * file restore is recognised by the undone run's frozen paths.
     */
    public Validation validate(String owner, RestoreRequest request, List<String> restorePaths, boolean stopApplication,
                               String claimedRequester, PreApproval preApproval, Optional<String> startRefusal) {
        long runId = recorder.findRun(owner).orElseGet(() -> recorder.begin(request, owner));
        if (claimedRequester != null && !claimedRequester.equals(request.requestedBy())) {
            recorder.addDetail(runId, Text.of("detail.requesterIgnored", claimedRequester, request.requestedBy()));
        }
        RestorePlan plan;
        try {
            startRefusal.ifPresent(why -> {
                throw new RestoreRefusedException(why + " Nothing was changed; the application was not stopped.");
            });
            RestoreGuard.reasonGiven(request.reason()).ifPresent(why -> {
                throw new RestoreRefusedException(why + " Nothing was changed; the application was not stopped.");
            });
            List<String> undonePaths = request.undo() ? plans.restorePaths(request.undoRestoreOf()) : List.of();
            if (!undonePaths.isEmpty()) {
                // the undo of a file restore puts back what that run kept: the same paths, no safety set, no database
                RestoreRequest undone = plans.frozenRequest(request.undoRestoreOf()).orElseThrow();
                RestoreRequest effective = new RestoreRequest(undone.backupKind(), undone.backupId(), false, true, request.reason(),
                        request.requestedBy(), null, null, false, false, request.undoRestoreOf());
                plan = files.inspectUndo(request.undoRestoreOf(), undone, undonePaths);
                plans.freeze(runId, effective, undonePaths, false);
            } else if (restorePaths != null && !request.undo()) {
                RestoreRequest effective = FileRestores.filesOnly(request);
                plan = files.inspect(effective, restorePaths);
                plans.freeze(runId, effective, RestorePathsGuard.normalize(restorePaths), stopApplication);
            } else {
                // an undo restores what the undone run replaced: its safety set, the database it kept
                RestoreRequest effective = request.undo() ? undos.plan(request, runId) : request;
                plan = inspector.inspect(effective);
                plans.freeze(runId, effective);
            }
        } catch (RuntimeException e) {
            return new Validation(runId, null, e, null);
        }
        return new Validation(runId, plan, null, preApprove(runId, preApproval));
    }

    private String preApprove(long runId, PreApproval preApproval) {
        if (preApproval == null || recorder.approver(runId).isPresent()) {
            return null; // started on its own (the approval task decides), or a retried guard that recorded it already
        }
        recorder.addDetail(runId, preApproval.reason());
        if (preApproval.approver() == null) {
            return null;
        }
        recorder.approved(runId, preApproval.approver(), "confirmed in disaster recovery " + preApproval.recoveryInstance());
        return preApproval.approver();
    }

    /** Who may approve a restore this requester asked for, for the approval form. */
    public String approvalRule(String requester) {
        return ApprovalText.whoApproves(requester, properties.restore().requireSecondOperator());
    }

    /**
     * Task_ApproveRestore completed by {@code approver}: refused (nothing recorded) when the
     * decision is missing or a rejection has no comment ({@link IncompleteDecisionException}) or
     * the second-operator rule forbids it; an approval is recorded, a rejection by Task_RecordRejection.
     */
    public void approve(long runId, String approver, Boolean approved, String comment) {
        RestoreGuard.decision(approved, comment).ifPresent(why -> {
            throw new IncompleteDecisionException(why);
        });
        RestoreGuard.ownApproval(approver, recorder.requester(runId), approved, properties.restore().requireSecondOperator())
                .ifPresent(why -> {
                    throw new DecisionRefusedException(why, recorder.texts());
                });
        if (approved) {
            recorder.approved(runId, approver, comment);
        }
    }

    /**
     * A step that changes the application in place starts under engine job {@code jobId}: its
     * mark is committed at once. When the same job finds its own mark, the orchestrator died
     * inside the step: the interruption is recorded and its message returned; nothing runs again.
     */
    public Optional<String> beginChangingStep(long runId, String step, String jobId) {
        var mark = recorder.stepInFlight(runId).filter(m -> m.jobId().equals(jobId));
        RestoreRequest executed = plans.executed(runId, plans.rollingBack(runId));
        if (mark.isPresent()) {
            return Optional.of(recorder.interrupted(runId, mark.get(), executed));
        }
        recorder.startStep(runId, step, jobId, executed);
        return Optional.empty();
    }

    /** Whether the frozen plan restores chosen files (or undoes such a restore) rather than a set: the model's gateway. */
    public boolean restoresFiles(long runId) {
        return !plans.restorePaths(runId).isEmpty();
    }

    /** Whether that file restore stops the application around it (the model then takes the stop, data and start steps). */
    public boolean stopsApplication(long runId) {
        return restoresFiles(runId) && plans.stopsApplication(runId);
    }

    /**
     * Task_RestoreFiles: the chosen paths into place (under the lock the step takes, the
     * versions replaced kept in the run's folder) or side by side; an undo puts them back.
     * Safe to run twice. The application is not stopped, the database not touched.
     */
    public void restoreFiles(long runId) {
        // an undo reads only the undone run's folder: the set it restored from may be gone by now
        RestoreRequest plan = plans.executed(runId, false).undo() ? plans.executed(runId, false) : plans.planned(runId, false);
        if (!plan.sideBySide()) {
            plans.takeLock(runId);
        }
        Text done = plan.undo() ? files.undo(plan.undoRestoreOf())
                : files.restore(runId, plan, plans.restorePaths(runId), plans.stopsApplication(runId));
        recorder.addDetail(runId, done);
    }

    /** Task_StopServices: returns the services the restore has stopped (this attempt's and an earlier one's), to start again. */
    public List<String> stopServices(long runId, List<String> stoppedBefore) {
        if (restoresFiles(runId)) {
            plans.takeLock(runId); // a file restore made no safety backup, which takes the lock for a set's restore
        } else {
            plans.holdsLock(runId); // a restart, or a takeover, must not let it run under a backup
        }
        plans.planned(runId, plans.rollingBack(runId)); // the set is still the one approved
        List<String> stopped = executor.stopServices(runId);
        boolean afterInterruptedStop = recorder.interruptedStep(runId).filter(RestoreGuard.STOP_STEP::equals).isPresent();
        return StoppedServices.afterStop(properties.compose().serviceList(), stoppedBefore, stopped, afterInterruptedStop);
    }

    /** Task_RestoreBeside: before the services stop, the database restored beside the live one and checked. */
    public void restoreBeside(long runId) {
        plans.holdsLock(runId);
        RestoreRequest plan = plans.planned(runId, false);
        if (plan.undo()) {
            undos.requireNewest(plan.undoRestoreOf(), runId);
        }
        executor.restoreBeside(plan, runId);
    }

    /** Task_RestoreData: the frozen plan (the safety set's when rolling back), both halves side by side. */
    public void restoreData(long runId) {
        if (restoresFiles(runId)) {
            restoreFiles(runId); // chosen files with the application stopped (stopApplication)
            return;
        }
        plans.holdsLock(runId);
        boolean rollingBack = plans.rollingBack(runId);
        executor.restoreData(plans.planned(runId, rollingBack), runId, rollingBack);
    }

    /** Task_StartServices: the services the restore stopped. */
    public void startServices(long runId, List<String> stopped) {
        plans.holdsLock(runId);
        executor.startServices(stopped, runId);
    }

    /** Task_CheckHealth: fails with {@link HealthCheckFailedException} when the deadline passes. */
    public void checkHealth(long runId) {
        plans.holdsLock(runId);
        executor.checkHealth(runId);
    }

    /** What an operator deciding after an interruption reads. */
    public record Interruption(String applicationState, RestoreExecutor.Diagnostics diagnostics) {
    }

    /**
     * Task_RecordInterruption: records the interruption at {@code step} (the row waits for an
     * operator, the alert goes out) and returns the application's state. Nothing is started or
     * restored; the lock is kept when the data may be half restored.
     */
    public Interruption recordInterruption(long runId, String step, String message) {
        String state = executor.applicationState(plans.executed(runId, plans.rollingBack(runId)), runId);
        RestoreExecutor.Diagnostics diagnostics = executor.diagnose();
        recorder.addDetail(runId, Text.of("detail.interrupted", step, state.replace("\n", "; ")));
        recorder.awaitOperator(runId, step, message, RESOLVE_INTERRUPTED);
        return new Interruption(state, diagnostics);
    }

    /**
     * Task_RecoverServices, which never fails: starts what the restore stopped ({@code stopped},
     * all configured services if stopping itself failed), records the failure (the row waits for
     * an operator) and returns the diagnostics.
     */
    public RestoreExecutor.Diagnostics recoverServices(long runId, String step, String message, Optional<List<String>> stopped) {
        recorder.addDetail(runId, Text.of("detail.failedAt", step, message));
        recorder.clearInterruption(runId); // a failure handled here supersedes an earlier interruption: the services start again
        List<String> toStart = StoppedServices.toStartAfterFailure(properties.compose().serviceList(), stopped, step);
        String startProblem = "";
        try {
            // the services need their database open: a swap that failed between closing it and the rename opened it, this makes sure
            executor.reopenLive(plans.executed(runId, plans.rollingBack(runId)), runId);
        } catch (RuntimeException e) {
            startProblem = "\nOpening the database again failed: " + e.getMessage();
        }
        try {
            executor.startServices(toStart, runId);
        } catch (RuntimeException e) {
            startProblem = "\nStarting the services again failed too: " + e.getMessage();
        }
        RestoreExecutor.Diagnostics diagnostics = executor.diagnose();
        recorder.awaitOperator(runId, step, message);
        return new RestoreExecutor.Diagnostics(diagnostics.healthResponse() + startProblem, diagnostics.backendLog());
    }

    /**
     * An operator's decision at {@code task} (Task_ResolveFailedRestore, Task_ResolveInterruptedRestore)
     * by {@code user}: refused unless the task offers it and it is possible now (from the recorded
     * step, never a variable); retry, again and rollback take the lock first, refused naming its holder while it is busy.
     */
    public void resolve(long runId, String task, String resolution, String user) {
        String step = recorder.interruptedStep(runId).orElseGet(() -> recorder.failedStep(runId));
        RestoreGuard.resolution(task, resolution, step, plans.sideBySide(runId), plans.hasSafetySet(runId)).ifPresent(why -> {
            throw new DecisionRefusedException(why, recorder.texts());
        });
        try {
            plans.resumeByOperator(runId, resolution);
        } catch (IllegalStateException busy) {
            throw new DecisionRefusedException(busy.getMessage());
        }
        recorder.addDetail(runId, resolution.equals("again") ? Text.of("detail.resolution.again", user, resolution, step)
                : Text.of("detail.resolution", user, resolution));
    }

    /**
     * Task_PrepareRollback: from now on the steps restore this restore's safety set; returns it
     * ({@code safety/...}). When the restore stopped before it changed production (at
     * Task_RestoreBeside), its copy is dropped here and nothing else is to be done.
     */
    public String prepareRollback(long runId) {
        plans.startRollback(runId);
        RestoreRequest rollback = plans.planned(runId, true);
        String set = rollback.backupKind() + "/" + rollback.backupId();
        if (productionUntouched(runId)) {
            executor.discardCopy(plans.executed(runId, false), runId);
            recorder.addDetail(runId, Text.of("detail.rollingBack.untouched"));
        } else {
            recorder.addDetail(runId, Text.of("detail.rollingBack", set));
        }
        return set;
    }

    /** Whether the restore stopped before it changed anything of production: at Task_RestoreBeside (read from the row, never a variable). */
    public boolean productionUntouched(long runId) {
        String step = recorder.interruptedStep(runId).orElseGet(() -> recorder.failedStep(runId));
        return RestoreGuard.BESIDE_STEP.equals(step);
    }

    /** Task_RecordRestore: completed (or rolled back after {@code firstFailure}), with the RTO from the approval. */
    public void recordRestore(long runId, Instant approvedAt, String firstFailure) {
        if (restoresFiles(runId)) {
            recorder.filesCompleted(runId, plans.executed(runId, false), plans.restorePaths(runId), files.runFolder(runId),
                    plans.stopsApplication(runId));
            return;
        }
        boolean rolledBack = plans.rollingBack(runId);
        recorder.completed(runId, plans.executed(runId, rolledBack), approvedAt, rolledBack, firstFailure,
                rolledBack && productionUntouched(runId));
    }

    /**
     * Task_RecordRestoreFailed: the operator closed the restore as failed. After an interruption
     * the pg_restore sessions it left are ended and the record says what remains to be done.
     */
    public void recordFailed(long runId, String step, String message) {
        RestoreRequest plan = plans.executed(runId, plans.rollingBack(runId));
        var interrupted = recorder.interruptedStep(runId);
        String after;
        // a copy that was never swapped in serves nobody any more; the live database is open again
        String copy = database.swapped(runId) || plan.sideBySide() ? "" : dropCopy(plan, runId);
        // the run's message and the log line: in backup.language, the failure's own words as they are
        if (interrupted.isEmpty()) {
            after = text("restore.closed", copy, kept(runId));
        } else {
            // a pg_restore the stopped attempt left must not go on writing once nobody owns the restore
            List<String> ended = executor.endLeftoverRestores(plan, runId);
            Object sessions = ended.isEmpty() ? "" : Text.of("restore.closed.sessions", ended.size());
            if (plan.sideBySide()) {
                after = text("restore.closed.sideBySide", (plan.restoreDatabase() ? "DROP DATABASE " + plan.targetDatabase() : "")
                        + (plan.restoreDatabase() && plan.restoreUploads() ? "; " : "")
                        + (plan.restoreUploads() ? "rm -r " + plan.targetUploadsDir() : ""), sessions);
            } else {
                // after an interruption nothing was started again: the application is as the operator saw it
                Object then = interrupted.get().equals(RestoreGuard.DATA_STEP)
                        ? Text.of(plan.swapsDatabase() ? "restore.closed.uploadsHalf" : "restore.closed.dataHalf")
                        : interrupted.get().equals(RestoreGuard.BESIDE_STEP) ? "" : Text.of("restore.closed.startThem");
                after = text("restore.closed.interrupted", executor.applicationState(plan, runId).replace("\n", "; "), copy, kept(runId), then,
                        sessions);
            }
        }
        recorder.failed(runId, step, message + after);
    }

    private String dropCopy(RestoreRequest plan, long runId) {
        try {
            executor.discardCopy(plan, runId);
            return plan.restoreDatabase() ? text("restore.closed.notSwapped", properties.database().name()) : "";
        } catch (RuntimeException e) {
            return text("restore.closed.copyNotDropped", e.getMessage());
        }
    }

    private String kept(long runId) {
        return database.previousDatabase(runId).map(db -> text("restore.closed.kept", db)).orElse("");
    }

    private String text(String key, Object... args) {
        return recorder.texts().render(key, args);
    }
}
