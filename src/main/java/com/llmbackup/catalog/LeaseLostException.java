package com.llmbackup.catalog;

/** The run no longer holds the lease on the backup root (another run took it over). */
public class LeaseLostException extends RuntimeException {
    public LeaseLostException(String message) {
        super(message);
    }
}
