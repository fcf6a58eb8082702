package com.llmbackup.docker;

/** The Docker engine cannot be reached at the configured address. */
public class DockerUnavailableException extends RuntimeException {
    public DockerUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
