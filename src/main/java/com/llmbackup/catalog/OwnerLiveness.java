package com.llmbackup.catalog;

/**
 * Whether the owner of a lease (a process instance) still works on it. The catalog knows
 * nothing of the engine; the process layer answers from the engine's state. It is never asked
 * about work that is no process instance (a fetch, a pin: {@link LeaseManager#tryAcquireForWork}),
 * for which the engine would answer {@link State#ENDED}.
 */
@FunctionalInterface
public interface OwnerLiveness {

    enum State { ACTIVE, ENDED, FAILED }

    State of(String owner);

    /**
     * Whether the owner keeps its lease until its process instance has ended, even when no
     * orchestrator renewed it for a TTL or it sits in an incident: a restore, whose data may be
     * half restored. Only its own end or an operator's decision gives the lock up; no backup
     * may save that state.
     */
    default boolean keepsLeaseUntilEnded(String owner) {
        return false;
    }

    OwnerLiveness ALWAYS_ACTIVE = owner -> State.ACTIVE;
}
