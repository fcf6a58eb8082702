package com.llmbackup.recovery;

/** No set can be recovered (none, or the named one is missing or damaged): the message says what the operator does. */
public class RecoveryRefusedException extends RuntimeException {
    public RecoveryRefusedException(String message) {
        super(message);
    }

    public RecoveryRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
