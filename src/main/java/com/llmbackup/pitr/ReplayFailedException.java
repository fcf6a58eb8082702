package com.llmbackup.pitr;

/** A replay that did not reach its target (a damaged segment, the server stopped); production was not touched. */
public class ReplayFailedException extends RuntimeException {
    public ReplayFailedException(String message) {
        super(message);
    }
}
