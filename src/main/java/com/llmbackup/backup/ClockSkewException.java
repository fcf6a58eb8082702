package com.llmbackup.backup;

/** This orchestrator's clock cannot be trusted (see {@link ClockCheck}): nothing was published or deleted. */
public class ClockSkewException extends RuntimeException {

    public ClockSkewException(String message) {
        super(message);
    }
}
