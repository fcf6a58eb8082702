package com.llmbackup.process.recovery;

import com.llmbackup.process.engine.FailureVariables;
import com.llmbackup.recovery.DisasterRecoveryService;
import org.camunda.bpm.engine.delegate.VariableScope;

/**
 * The variables of {@code DisasterRecoveryProcess} (design.md): the start's optional
 * {@code backupKind}, {@code backupId} (empty: the newest complete set) and {@code reason}; the
 * tasks' checks and notes; the confirmation's {@code confirmed}; what the steps pass on (the
 * history row's {@code recoveryRunId}, the chosen set {@code recoveryKind}/{@code recoveryId}
 * and its texts for the confirmation form, the called restore's {@code restoreRunId}, the
 * preflight's {@code preflightPassed}).
 */
final class DisasterRecoveryVariables extends FailureVariables {

    private DisasterRecoveryVariables(VariableScope scope) {
        super(scope);
    }

    static DisasterRecoveryVariables of(VariableScope scope) {
        return new DisasterRecoveryVariables(scope);
    }

    String namedKind() {
        return nullable("backupKind");
    }

    String namedId() {
        return nullable("backupId");
    }

    String reason() {
        return nullable("reason");
    }

    void putRecoveryRunId(long runId) {
        scope.setVariable("recoveryRunId", runId);
    }

    void putDeclaredBy(String user) {
        scope.setVariable("declaredBy", user);
    }

    /** The chosen, verified set: what the restore is called with and what the confirming operator reads. */
    void putChosen(DisasterRecoveryService.Chosen chosen, String reason) {
        scope.setVariable("recoveryKind", chosen.kind());
        scope.setVariable("recoveryId", chosen.id());
        scope.setVariable("recoverySet", chosen.label());
        scope.setVariable("backupTime", chosen.plan().backupTime());
        scope.setVariable("backupAge", chosen.plan().backupAge());
        putText("dataLoss", chosen.plan().dataLoss());
        putText("recoverySummary", chosen.plan().summary());
        putText("serverHistory", chosen.server());
        scope.setVariable("restoreReason", "Disaster recovery" + (reason == null ? "" : ": " + reason));
    }

    String recoveryKind() {
        return nullable("recoveryKind");
    }

    String recoveryId() {
        return nullable("recoveryId");
    }

    boolean confirmed() {
        return Boolean.TRUE.equals(scope.getVariable("confirmed"));
    }

    String confirmationComment() {
        return nullable("confirmationComment");
    }

    Boolean preflightPassed() {
        Object value = scope.getVariable("preflightPassed");
        return value == null ? null : Boolean.TRUE.equals(value);
    }

    /** What the recovery's steps and operators answered, for its report. */
    DisasterRecoveryService.Answers answers() {
        return new DisasterRecoveryService.Answers(recoveryKind(), recoveryId(), confirmed(), confirmationComment(), reason(),
                failedStep(), failureMessage(), preflightPassed());
    }

    void putRtoMessage(String message) {
        putText("rtoMessage", message);
    }

    private String nullable(String name) {
        Object value = scope.getVariable(name);
        return value == null || value.toString().isBlank() ? null : value.toString();
    }
}
