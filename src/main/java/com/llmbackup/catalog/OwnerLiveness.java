package com.llmbackup.catalog;

/**
 * Whether the owner of a lease (a process instance) still works on it. The catalog knows
 * nothing of the engine; the process layer answers from the engine's state.
 */
@FunctionalInterface
public interface OwnerLiveness {

    enum State { ACTIVE, ENDED, FAILED }

    State of(String owner);

    OwnerLiveness ALWAYS_ACTIVE = owner -> State.ACTIVE;
}
