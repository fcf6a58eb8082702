package com.llmbackup.restore;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.llmbackup.catalog.BackupHistory;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.LeaseManager;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunStatus;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The plan a restore's guard approved, frozen in the run's history row where process variables
 * cannot reach it, and handed to every later step (the safety set's when rolling back); and the
 * lock those steps run under, which an operator's decision must take before anything changes
 * again. The facts the plan was checked against are {@link RestoreInspector}'s.
 */
@Component
public class FrozenPlans {

    private static final ObjectMapper PLAN_JSON = new ObjectMapper();

    private final RestoreInspector inspector;
    private final BackupHistory history;
    private final RestoreRuns runs;
    private final LeaseManager leases;

    public FrozenPlans(RestoreInspector inspector, BackupHistory history, RestoreRuns runs, LeaseManager leases) {
        this.inspector = inspector;
        this.history = history;
        this.runs = runs;
        this.leases = leases;
    }

    /**
     * Freezes what the guard checked (the request, the set's manifest SHA-256) in the run's
     * history row, where process variables cannot reach it: every later step executes this.
     */
    public void freeze(long runId, RestoreRequest request) {
        freeze(runId, request, null, false);
    }

    /**
     * The same for a restore of chosen files or folders ({@code restorePaths}, as the file list
     * writes them), with the application stopped around it when {@code stopApplication}.
     */
    public void freeze(long runId, RestoreRequest request, List<String> restorePaths, boolean stopApplication) {
        RestoreInspector.Source source = inspector.resolve(request);
        history.setSource(runId, source.set().label()); // as the catalog names it ("Daily" asked, "daily/..." kept)
        try {
            runs.setPlan(runId, PLAN_JSON.writeValueAsString(new FrozenPlan(request, inspector.manifestSha(source), restorePaths,
                    stopApplication)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
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
        String now = inspector.manifestSha(inspector.resolve(plan.request()));
        if (!Objects.equals(now, plan.manifestSha256())) {
            throw new IllegalStateException("The manifest of " + ApprovalText.label(plan.request()) + " changed after the restore was approved (SHA-256 "
                    + plan.manifestSha256() + ", now " + now + "). Nothing more is restored from it: start a new restore.");
        }
        return plan.request();
    }

    /** The plan frozen for a run, if its guard passed (an undo reads the plan of the run it undoes). */
    public Optional<RestoreRequest> frozenRequest(long runId) {
        return runs.plan(runId).map(json -> {
            try {
                return PLAN_JSON.readValue(json, FrozenPlan.class).request();
            } catch (JsonProcessingException e) {
                return null;
            }
        });
    }

    /** What the run executed, for its record: the frozen plan (against the safety set when rolled back), not checked again. */
    public RestoreRequest executed(long runId, boolean rollingBack) {
        RestoreRequest request = frozen(runId).request();
        return rollingBack ? request.withSet(BackupKind.SAFETY.dir(), safetySetOf(runId)) : request;
    }

    public boolean rollingBack(long runId) {
        return runs.rollingBack(runId);
    }

    /** From now on the steps restore this restore's own safety set (recorded in the history row). */
    public void startRollback(long runId) {
        safetySetOf(runId); // fails when there is none
        runs.setRollingBack(runId);
    }

    public boolean hasSafetySet(long runId) {
        return safetySet(runId).isPresent();
    }

    public boolean sideBySide(long runId) {
        return frozen(runId).request().sideBySide();
    }

    private FrozenPlan frozen(long runId) {
        String json = runs.plan(runId).orElseThrow(() -> new IllegalStateException("Restore run " + runId
                + " has no frozen plan: its guard (Task_ValidateBackup) never passed, so no step may change anything."));
        try {
            return PLAN_JSON.readValue(json, FrozenPlan.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Restore run " + runId + ": its frozen plan cannot be read: " + e.getMessage(), e);
        }
    }

    /** The safety set this restore's own safety backup published (from the history, never from a variable). */
    private String safetySetOf(long runId) {
        return safetySet(runId)
                .orElseThrow(() -> new IllegalStateException("Restore run " + runId + " has no completed safety backup to roll back to."));
    }

    /** The id of the safety set this run's own safety backup published, if any. */
    public Optional<String> safetySet(long runId) {
        String owner = history.find(runId).map(HistoryEntry::processInstanceId).orElseThrow();
        return history.listByOwner(owner).stream().filter(e -> e.kind() == RunKind.SAFETY && e.status() == RunStatus.COMPLETED)
                .map(HistoryEntry::backupId).reduce((first, second) -> second);
    }

    /**
     * The chosen files and folders a run restores (or, for the undo of a file restore, the undone
     * run's); empty for a whole-set restore.
     */
    public List<String> restorePaths(long runId) {
        List<String> paths = runs.plan(runId).map(json -> {
            try {
                return PLAN_JSON.readValue(json, FrozenPlan.class).restorePaths();
            } catch (JsonProcessingException e) {
                return null;
            }
        }).orElse(null);
        return paths == null ? List.of() : paths;
    }

    /**
     * A file restore in place takes the backup root's lock itself (it makes no safety backup,
     * which takes it for a set's restore); refused naming the holder while another run has it.
     */
    public void takeLock(long runId) {
        LeaseManager.Attempt attempt = leases.tryAcquire(ownerOf(runId), "Restore");
        if (attempt.busy()) {
            throw new IllegalStateException("The backup root is locked by run " + attempt.holder().owner() + " ("
                    + attempt.holder().purpose() + ") since " + attempt.holder().acquiredAt() + ": nothing was changed. Close this "
                    + "restore and request it again when that run has finished.");
        }
    }

    /** Whether a file restore in place stops the application around it (asked with {@code stopApplication}). */
    public boolean stopsApplication(long runId) {
        FrozenPlan plan = frozen(runId);
        return plan.stopApplication() && !plan.request().sideBySide();
    }

    /**
     * The plan frozen at the guard: what was asked, the manifest the guard checked, the chosen
     * paths (null: the whole set) and whether a file restore stops the application.
     */
    record FrozenPlan(RestoreRequest request, String manifestSha256, List<String> restorePaths, boolean stopApplication) {
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
        String token = UUID.randomUUID().toString();
        runs.resume(runId, token);
        // the task's completion may still roll back (two operators at once, a crash): then the run waits again, without the lock,
        // unless another operator's decision resumed it meanwhile (the winner of two at once keeps its run and its lock)
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(
                    new TransactionSynchronization() {
                        @Override
                        public void afterCompletion(int status) {
                            if (status == STATUS_COMMITTED) {
                                runs.resumeCommitted(runId); // no later rollback of another decision undoes this one
                            } else if (runs.backToWaiting(runId, token) && !heldBefore) {
                                leases.release(owner);
                            }
                        }
                    });
        }
    }

    /** Before a step that changes the application in place: the restore must still hold the lock (fails if another run took it). */
    public void holdsLock(long runId) {
        if (!sideBySide(runId)) {
            leases.resume(ownerOf(runId), "Restore");
        }
    }

    private String ownerOf(long runId) {
        return history.find(runId).map(HistoryEntry::processInstanceId).orElse("");
    }
}
