package com.llmbackup.process.restore;

import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.llmbackup.process.engine.FailureVariables;
import com.llmbackup.restore.RestoreGuard;
import com.llmbackup.restore.RestorePlan;
import com.llmbackup.restore.RestoreRequest;
import org.camunda.bpm.engine.delegate.VariableScope;

/**
 * The variables of {@code RestoreProcess} (design.md): the start's {@code backupKind},
 * {@code backupId}, {@code restoreDatabase}, {@code restoreUploads}, {@code reason}, the
 * side-by-side targets, {@code databaseMethod} ({@code in-place} for the old way) and
 * {@code undoRestoreOf} (the run of a completed restore to undo); the approval's {@code approved}, {@code approvalComment}; the failure
 * and interrupted tasks' {@code resolution}; and what the steps pass on (the plan's texts for the forms,
 * {@code restoreRunId}, {@code safetyBackupId} and {@code safetyOutcome} from the called safety
 * backup, {@code stoppedServices} as a JSON list, the diagnostics).
 */
final class RestoreVariables extends FailureVariables {

    static final String RESTORE_RUN_ID = "restoreRunId";
    static final String STOPPED_SERVICES = "stoppedServices";
    static final String ROLLING_BACK = "rollingBack";
    private static final ObjectMapper JSON = new ObjectMapper();

    private RestoreVariables(VariableScope scope) {
        super(scope);
    }

    static RestoreVariables of(VariableScope scope) {
        return new RestoreVariables(scope);
    }

    /**
     * What the start request asks, read once by the guard (which freezes it into the run's
     * plan: later steps never read these variables). The requester is not among them: it is
     * the engine's authenticated starter.
     */
    RestoreRequest startRequest() {
        Long undo = undoRestoreOf();
        if (undo != null) {
            // the set and halves are the undone run's: the guard fills them in, the other start fields are not read
            return RestoreRequest.undo(undo, nullableString("reason"));
        }
        return RestoreRequest.inPlace(nullableString("backupKind"), nullableString("backupId"), flag("restoreDatabase"),
                        flag("restoreUploads"), nullableString("reason"), Boolean.TRUE.equals(bool("applicationStopped")))
                .into(nullableString("targetDatabase"), nullableString("targetUploadsDir"))
                .withInPlaceDatabase("in-place".equals(databaseMethod()));
    }

    /** {@code restorePaths} as sent: null when absent (the whole set), else the list or why it cannot be read. */
    record Paths(List<String> paths, Optional<String> refusal) {
    }

    /**
     * {@code restorePaths}: a JSON list of uploads-relative paths (as a text, or a list from a
     * Java start). A text that is not such a list is refused by the guard.
     */
    Paths restorePaths() {
        Object value = scope.getVariable("restorePaths");
        if (value == null) {
            return new Paths(null, Optional.empty());
        }
        if (value instanceof List<?> list) {
            return new Paths(list.stream().map(o -> o == null ? null : o.toString()).toList(), Optional.empty());
        }
        String text = value.toString().trim();
        if (text.isEmpty()) {
            return new Paths(null, Optional.empty());
        }
        try {
            List<String> paths = JSON.readValue(text, new TypeReference<List<String>>() {
            });
            return new Paths(paths == null ? List.of() : paths, Optional.empty());
        } catch (JsonProcessingException e) {
            return new Paths(null, Optional.of("restorePaths must be a JSON list of paths relative to the uploads folder, e.g. "
                    + "[\"projects/42/report.pdf\", \"projects/43\"], not " + (text.length() > 80 ? text.substring(0, 80) + "..." : text) + "."));
        }
    }

    /** {@code stopApplication}: a file restore in place stops the application around it (default: it keeps running). */
    boolean stopApplication() {
        return Boolean.TRUE.equals(bool("stopApplication"));
    }

    /** {@code restoreToTime} as sent (ISO-8601 with an offset): the database is replayed to it first; null for a set. */
    String restoreToTime() {
        return nullableString("restoreToTime");
    }

    /**
     * The pitr set the replay made becomes the set the guard checks: the database only (the
     * uploads stay as they are), and what the time means for the approval form.
     */
    void putPointInTime(String pitrSetId, String meaning) {
        scope.setVariable("backupKind", "pitr");
        scope.setVariable("backupId", pitrSetId);
        scope.setVariable("restoreUploads", false);
        scope.setVariable("pointInTimeText", meaning);
    }

    /** {@code databaseMethod} as sent: {@code swap} (the default) or {@code in-place}; anything else is refused by the guard. */
    String databaseMethod() {
        String value = nullableString("databaseMethod");
        return value == null ? null : value.trim();
    }

    /** {@code undoRestoreOf}: the runId of the completed restore to undo (a number, sent as a number or a text). */
    private Long undoRestoreOf() {
        String value = nullableString("undoRestoreOf");
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1L; // no run has it: the guard refuses it naming the runs to choose from
        }
    }

    void putRequester(String user) {
        scope.setVariable("requestedBy", user);
    }

    /** {@code requestedBy} as sent or as the start event's initiator set it: only compared, never trusted. */
    String claimedRequester() {
        return nullableString("requestedBy");
    }

    private Boolean bool(String name) {
        Object value = scope.getVariable(name);
        return value == null ? null : Boolean.parseBoolean(value.toString());
    }

    void putRestoreRunId(long runId) {
        scope.setVariable(RESTORE_RUN_ID, runId);
    }

    /** Who may approve (the approval form's field approvalRule). */
    void putApprovalRule(String rule) {
        scope.setVariable("approvalRule", rule);
    }

    /** What the approver reads (the form's fields). */
    void putPlan(RestorePlan plan, boolean sideBySide, boolean inPlaceDatabase) {
        putText("restoreSummary", plan.summary());
        scope.setVariable("restoreSet", plan.set());
        scope.setVariable("backupTime", plan.backupTime());
        scope.setVariable("backupAge", plan.backupAge());
        scope.setVariable("dataLoss", plan.dataLoss());
        scope.setVariable("overwrites", plan.overwrites());
        scope.setVariable("sideBySide", sideBySide);
        scope.setVariable("databaseMethodText", plan.databaseMethod());
        scope.setVariable("inPlaceDatabase", inPlaceDatabase); // the form shows the old way in red
    }

    /**
     * The approval's decision: true, false, or null when none was sent. A form's choice may
     * arrive as the text "true" or "false"; anything else is no decision.
     */
    Boolean decision() {
        return RestoreGuard.decisionOf(scope.getVariable("approved"));
    }

    /** The decision as a boolean variable, whatever type the form sent, for the gateway and for scripts. */
    void putDecision(boolean approved) {
        scope.setVariable("approved", approved);
    }

    String approvalComment() {
        return nullableString("approvalComment");
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

    /** The services a restore stopped; empty when it never got that far. */
    Optional<List<String>> stoppedServices() {
        Object value = scope.getVariable(STOPPED_SERVICES);
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(value.toString(), new TypeReference<List<String>>() { }));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(STOPPED_SERVICES + " is not a JSON list of service names: " + value, e);
        }
    }

    void putStoppedServices(List<String> services) {
        try {
            scope.setVariable(STOPPED_SERVICES, JSON.writeValueAsString(services));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    void putDiagnostics(String healthResponse, String backendLog) {
        putText("healthResponse", healthResponse);
        putText("backendLog", backendLog, true); // the newest lines explain the failure
    }

    void putRestoreSet(String set) {
        scope.setVariable("restoreSet", set);
    }

    /** After an interruption: each service's state, the health URL, leftover pg_restore sessions (the interrupted task's form). */
    void putApplicationState(String state) {
        putText("applicationState", state);
    }

    String resolution() {
        return string("resolution");
    }

    /** From now on the steps restore the safety set; the first failure is kept for the history. */
    void startRollback() {
        scope.setVariable("firstFailure", failedStep() + ": " + failureMessage());
        scope.setVariable(ROLLING_BACK, true);
    }

    String firstFailure() {
        return nullableString("firstFailure");
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
