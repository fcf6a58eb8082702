package com.llmbackup.uploads;

/** An archive that does not match its manifest or cannot be read; the message names the entry. */
public class ArchiveInvalidException extends RuntimeException {
    public ArchiveInvalidException(String message) {
        super(message);
    }

    public ArchiveInvalidException(String message, Throwable cause) {
        super(message, cause);
    }
}
