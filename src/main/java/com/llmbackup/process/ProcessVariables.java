package com.llmbackup.process;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;

import com.llmbackup.catalog.BackupKind;
import com.llmbackup.preflight.CheckResult;
import org.camunda.bpm.engine.delegate.VariableScope;

/**
 * Typed access to the process variables that are part of the public contract (design.md):
 * delegates read and write through this class only, so names live in one place.
 */
final class ProcessVariables {

    static final String PREFLIGHT_PASSED = "preflightPassed";
    static final String PREFLIGHT_SUMMARY = "preflightSummary";
    static final String FAILED_CHECKS = "failedChecks";

    private final VariableScope scope;

    private ProcessVariables(VariableScope scope) {
        this.scope = scope;
    }

    static ProcessVariables of(VariableScope scope) {
        return new ProcessVariables(scope);
    }

    /** A check's result as {@code <check>Status}, {@code <check>Verdict} and {@code <check>Advice}. */
    void putCheckResult(CheckResult result) {
        scope.setVariable(result.check() + "Status", result.status().name());
        scope.setVariable(result.check() + "Verdict", result.verdict());
        scope.setVariable(result.check() + "Advice", result.advice());
    }

    /** The results recorded so far for the given checks, in that order; checks not yet run are left out. */
    List<CheckResult> checkResults(List<String> checks) {
        List<CheckResult> results = new ArrayList<>();
        for (String check : checks) {
            Object status = scope.getVariable(check + "Status");
            if (status != null) {
                results.add(new CheckResult(check, CheckResult.Status.valueOf(status.toString()),
                        string(check + "Verdict"), string(check + "Advice")));
            }
        }
        return results;
    }

    void putPreflightOutcome(boolean passed, String summary, List<String> failedChecks) {
        scope.setVariable(PREFLIGHT_PASSED, passed);
        scope.setVariable(PREFLIGHT_SUMMARY, summary);
        scope.setVariable(FAILED_CHECKS, String.join(",", failedChecks));
    }

    static final String RUN_ID = "runId";
    static final String RUN_KIND = "runKind";
    static final String BACKUP_ID = "backupId";
    static final String LEASE_ACQUIRED = "leaseAcquired";
    static final String LEASE_WAITING_SINCE = "leaseWaitingSince";
    static final String FAILED_STEP = "failedStep";
    static final String FAILURE_MESSAGE = "failureMessage";

    /** The kind of set this run writes: {@code runKind} if set, else the one its process definition makes. */
    BackupKind runKind(String processDefinitionKey) {
        Object kind = scope.getVariable(RUN_KIND);
        if (kind != null) {
            return BackupKind.fromDir(kind.toString());
        }
        return switch (processDefinitionKey) {
            case ProcessKeys.DAILY_BACKUP -> BackupKind.DAILY;
            case ProcessKeys.WEEKLY_BACKUP -> BackupKind.WEEKLY;
            default -> throw new IllegalStateException("process " + processDefinitionKey + " writes no backup set");
        };
    }

    Optional<Long> runId() {
        Object id = scope.getVariable(RUN_ID);
        return id == null ? Optional.empty() : Optional.of(((Number) id).longValue());
    }

    long requireRunId() {
        return runId().orElseThrow(() -> new IllegalStateException("no runId: the run did not start through Task_AcquireLease"));
    }

    void putRunId(long runId) {
        scope.setVariable(RUN_ID, runId);
    }

    Instant leaseWaitingSince(Instant now) {
        Object since = scope.getVariable(LEASE_WAITING_SINCE);
        if (since == null) {
            scope.setVariable(LEASE_WAITING_SINCE, Date.from(now));
            return now;
        }
        return ((Date) since).toInstant();
    }

    void putLeaseAcquired(boolean acquired) {
        scope.setVariable(LEASE_ACQUIRED, acquired);
    }

    String backupId() {
        Object id = scope.getVariable(BACKUP_ID);
        if (id == null) {
            throw new IllegalStateException("no backupId: no set was staged for this run");
        }
        return id.toString();
    }

    void putBackupId(String backupId) {
        scope.setVariable(BACKUP_ID, backupId);
    }

    void putFailure(String step, String message) {
        scope.setVariable(FAILED_STEP, step);
        scope.setVariable(FAILURE_MESSAGE, message);
    }

    String failedStep() {
        return string(FAILED_STEP);
    }

    String failureMessage() {
        return string(FAILURE_MESSAGE);
    }

    private String string(String name) {
        Object value = scope.getVariable(name);
        return value == null ? "" : value.toString();
    }
}
