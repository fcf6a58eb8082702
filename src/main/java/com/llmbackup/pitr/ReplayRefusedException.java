package com.llmbackup.pitr;

/** A point-in-time recovery that cannot start (a time the window does not cover, no server to replay with); nothing changed. */
public class ReplayRefusedException extends RuntimeException {
    public ReplayRefusedException(String message) {
        super(message);
    }
}
