package com.llmbackup.offsite;

/** The offsite repository could not do what was asked; the message is restic's, with advice. */
public class OffsiteException extends RuntimeException {
    public OffsiteException(String message, Throwable cause) {
        super(message, cause);
    }
}
