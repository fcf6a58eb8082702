package com.llmbackup.restore;

/** A restore the guard refused before anything changed: bad input, unknown or damaged set. */
public class RestoreRefusedException extends RuntimeException {
    public RestoreRefusedException(String message) {
        super(message);
    }

    public RestoreRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
