package com.llmbackup.process.engine;

import java.time.Instant;
import java.util.Date;

import org.camunda.bpm.engine.delegate.VariableScope;

/**
 * The variables of a run that takes the backup root's lock and may wait for it (a backup
 * run, the cleanup): its history row's id (a copy to read, never read back), since when it
 * waits, whether it got the lock, why it failed.
 */
public abstract class LeaseWaitVariables extends FailureVariables {

    public static final String RUN_ID = "runId";
    public static final String LEASE_ACQUIRED = "leaseAcquired";
    public static final String LEASE_WAITING_SINCE = "leaseWaitingSince";

    protected LeaseWaitVariables(VariableScope scope) {
        super(scope);
    }

    /** An informational copy of the run's history row id; steps find the row by their own instance, never by this. */
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
