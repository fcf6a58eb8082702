package com.llmbackup.postgres;

/** A dump that {@code pg_restore --list} cannot read: the run must not publish it. */
public class DumpInvalidException extends RuntimeException {
    public DumpInvalidException(String message) {
        super(message);
    }
}
