package com.llmbackup.config;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a rejected {@code backup.*} value into one line naming key and value, instead of
 * a stack of binder exceptions. Type mismatches (a word where a number belongs) are left
 * to Spring Boot's own analyzer, which already names the property and its value.
 */
class InvalidSettingFailureAnalyzer extends AbstractFailureAnalyzer<InvalidSettingException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidSettingException cause) {
        String where = "";
        Throwable t = rootFailure;
        while (t != null) {
            if (t instanceof BindException bind && bind.getProperty() != null
                    && bind.getProperty().getOrigin() != null) {
                where = " (set in " + bind.getProperty().getOrigin() + ")";
            }
            t = t.getCause();
        }
        return new FailureAnalysis(cause.getMessage() + where,
                "Correct " + cause.key() + " in the environment or application.yaml and start again.", cause);
    }
}
