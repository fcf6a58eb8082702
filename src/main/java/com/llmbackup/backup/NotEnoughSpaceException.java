package com.llmbackup.backup;

/** The backup volume cannot hold the next set; the message gives the figures. */
public class NotEnoughSpaceException extends RuntimeException {
    public NotEnoughSpaceException(String message) {
        super(message);
    }
}
