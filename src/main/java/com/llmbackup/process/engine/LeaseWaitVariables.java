package com.llmbackup.process.engine;

import java.time.Instant;
import java.util.Date;
import java.util.Optional;

import org.camunda.bpm.engine.delegate.VariableScope;

/**
 * The variables of a run that takes the backup root's lock and may wait for it (a backup
 * run, the cleanup): its history row, since when it waits, whether it got the lock, why it failed.
 */
public abstract class LeaseWaitVariables extends FailureVariables {

    public static final String RUN_ID = "runId";
    public static final String LEASE_ACQUIRED = "leaseAcquired";
    public static final String LEASE_WAITING_SINCE = "leaseWaitingSince";

    protected LeaseWaitVariables(VariableScope scope) {
        super(scope);
    }

    public Optional<Long> runId() {
        Object id = scope.getVariable(RUN_ID);
        return id == null ? Optional.empty() : Optional.of(((Number) id).longValue());
    }

    public long requireRunId() {
        return runId().orElseThrow(() -> new IllegalStateException("no runId: the run did not start through its lock step"));
    }

    public void putRunId(long runId) {
        scope.setVariable(RUN_ID, runId);
    }

    /** When the run first asked for the lock (set on the first call). */
    public Instant leaseWaitingSince(Instant now) {
        Object since = scope.getVariable(LEASE_WAITING_SINCE);
        if (since == null) {
            scope.setVariable(LEASE_WAITING_SINCE, Date.from(now));
            return now;
        }
        return ((Date) since).toInstant();
    }

    public void putLeaseAcquired(boolean acquired) {
        scope.setVariable(LEASE_ACQUIRED, acquired);
    }

}
