package com.llmbackup.restore;

/** The web app did not answer its health URL with 2xx before the deadline; carries what the operator needs. */
public class HealthCheckFailedException extends RuntimeException {

    private final String healthResponse;
    private final String backendLog;

    public HealthCheckFailedException(String message, String healthResponse, String backendLog) {
        super(message);
        this.healthResponse = healthResponse;
        this.backendLog = backendLog;
    }

    public String healthResponse() {
        return healthResponse;
    }

    public String backendLog() {
        return backendLog;
    }
}
