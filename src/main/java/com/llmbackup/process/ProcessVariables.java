package com.llmbackup.process;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;

import com.llmbackup.catalog.BackupKind;
import com.llmbackup.preflight.CheckResult;
import com.llmbackup.restore.RestorePlan;
import com.llmbackup.restore.RestoreRequest;
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

    /** The id of the set this run stages: {@code backupId}, or {@code safetyBackupId} in a restore (whose backupId is the set it restores). */
    String backupId() {
        Object id = scope.getVariable(stagedSetVariable());
        if (id == null) {
            throw new IllegalStateException("no " + stagedSetVariable() + ": no set was staged for this run");
        }
        return id.toString();
    }

    void putBackupId(String backupId) {
        scope.setVariable(stagedSetVariable(), backupId);
    }

    private String stagedSetVariable() {
        return BackupKind.SAFETY.dir().equals(scope.getVariable(RUN_KIND)) ? SAFETY_BACKUP_ID : BACKUP_ID;
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

    // --- RestoreProcess (design.md: backupKind, backupId, restoreDatabase, restoreUploads, reason; approved,
    // approvalComment; resolution), plus side-by-side targets and what the steps pass on

    static final String SAFETY_BACKUP_ID = "safetyBackupId";
    static final String RESTORE_RUN_ID = "restoreRunId";
    static final String STOPPED_SERVICES = "stoppedServices";
    static final String ROLLING_BACK = "rollingBack";

    /** What was asked; while rolling back, the same request against the safety set. */
    RestoreRequest restoreRequest() {
        RestoreRequest request = new RestoreRequest(nullableString("backupKind"), nullableString("backupId"),
                flag("restoreDatabase"), flag("restoreUploads"), nullableString("reason"), nullableString("requestedBy"),
                nullableString("targetDatabase"), nullableString("targetUploadsDir"));
        if (rollingBack()) {
            return request.withSet(BackupKind.SAFETY.dir(), nullableString(SAFETY_BACKUP_ID));
        }
        return request;
    }

    Optional<Long> restoreRunId() {
        Object id = scope.getVariable(RESTORE_RUN_ID);
        return id == null ? Optional.empty() : Optional.of(((Number) id).longValue());
    }

    long requireRestoreRunId() {
        return restoreRunId().orElseThrow(() -> new IllegalStateException("no restoreRunId: the restore did not start through Task_ValidateBackup"));
    }

    void putRestoreRunId(long runId) {
        scope.setVariable(RESTORE_RUN_ID, runId);
    }

    /** What the approver reads (the form's fields); the safety backup's steps write a set of kind safety. */
    void putPlan(RestorePlan plan, boolean sideBySide) {
        scope.setVariable("restoreSummary", plan.summary());
        scope.setVariable("restoreSet", plan.set());
        scope.setVariable("backupTime", plan.backupTime());
        scope.setVariable("backupAge", plan.backupAge());
        scope.setVariable("dataLoss", plan.dataLoss());
        scope.setVariable("overwrites", plan.overwrites());
        scope.setVariable("sideBySide", sideBySide);
        scope.setVariable(RUN_KIND, BackupKind.SAFETY.dir());
    }

    boolean sideBySide() {
        return Boolean.TRUE.equals(scope.getVariable("sideBySide"));
    }

    boolean approved() {
        return Boolean.TRUE.equals(scope.getVariable("approved"));
    }

    String approvalComment() {
        return nullableString("approvalComment");
    }

    String requestedBy() {
        return nullableString("requestedBy");
    }

    void putApproval(String approver, Instant at) {
        scope.setVariable("approvedBy", approver);
        scope.setVariable("approvedAt", Date.from(at));
    }

    String approvedBy() {
        return string("approvedBy");
    }

    Instant approvedAt() {
        Object at = scope.getVariable("approvedAt");
        return at == null ? null : ((Date) at).toInstant();
    }

    /** The services a restore stopped; empty when it never got that far, or nothing ran. */
    Optional<List<String>> stoppedServices() {
        Object value = scope.getVariable(STOPPED_SERVICES);
        if (value == null) {
            return Optional.empty();
        }
        return Optional.of(value.toString().isBlank() ? List.of() : List.of(value.toString().split(",")));
    }

    void putStoppedServices(List<String> services) {
        scope.setVariable(STOPPED_SERVICES, String.join(",", services));
    }

    void putDiagnostics(String healthResponse, String backendLog) {
        scope.setVariable("healthResponse", healthResponse);
        scope.setVariable("backendLog", backendLog);
    }

    String resolution() {
        return string("resolution");
    }

    boolean rollingBack() {
        return Boolean.TRUE.equals(scope.getVariable(ROLLING_BACK));
    }

    /** From now on the steps restore the safety set; the first failure is kept for the history. */
    void startRollback() {
        scope.setVariable("firstFailure", failedStep() + ": " + failureMessage());
        scope.setVariable(ROLLING_BACK, true);
    }

    String firstFailure() {
        return nullableString("firstFailure");
    }

    boolean hasSafetySet() {
        return scope.getVariable(SAFETY_BACKUP_ID) != null;
    }

    private boolean flag(String name) {
        Object value = scope.getVariable(name);
        return value == null || Boolean.parseBoolean(value.toString());
    }

    private String nullableString(String name) {
        Object value = scope.getVariable(name);
        return value == null ? null : value.toString();
    }
}
