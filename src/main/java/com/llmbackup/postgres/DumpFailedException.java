package com.llmbackup.postgres;

/** The database could be reached but not dumped; the message says why and what to do. */
public class DumpFailedException extends RuntimeException {
    public DumpFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
