package com.llmbackup.restore;

import com.llmbackup.config.Text;
import com.llmbackup.config.TextedException;
import com.llmbackup.config.Texts;

/** The web app did not answer its health URL with 2xx before the deadline; carries what the operator needs. */
public class HealthCheckFailedException extends TextedException {

    private final String healthResponse;
    private final String backendLog;

    public HealthCheckFailedException(Text text, Texts texts, String healthResponse, String backendLog) {
        super(text, texts);
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
