package com.llmbackup.postgres;

/** The configured database cannot be reached or refused the configured role. */
public class DatabaseUnavailableException extends RuntimeException {
    public DatabaseUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
