package com.llmbackup.process;

import org.camunda.bpm.engine.delegate.VariableScope;

/**
 * What every process's variables class shares: the scope it reads, and the failing step and
 * its message ({@code failedStep}, {@code failureMessage}), shown in forms and the history.
 */
abstract class FailureVariables {

    static final String FAILED_STEP = "failedStep";
    static final String FAILURE_MESSAGE = "failureMessage";

    final VariableScope scope;

    FailureVariables(VariableScope scope) {
        this.scope = scope;
    }

    /** The engine keeps a string variable in 4000 characters; a longer one fails the whole step's commit. */
    static final int MAX_TEXT = 3900;

    void putFailure(String step, String message) {
        scope.setVariable(FAILED_STEP, step);
        putText(FAILURE_MESSAGE, message);
    }

    /**
     * A text an operator reads in a form (an error, a log tail): cut to what the engine stores,
     * keeping the start of a message or, with {@code keepEnd}, the newest lines of a log.
     */
    void putText(String name, String text) {
        putText(name, text, false);
    }

    void putText(String name, String text, boolean keepEnd) {
        scope.setVariable(name, clamp(text, keepEnd));
    }

    static String clamp(String text, boolean keepEnd) {
        if (text == null || text.length() <= MAX_TEXT) {
            return text;
        }
        String cut = " [... " + (text.length() - MAX_TEXT + 40) + " characters left out ...] ";
        int keep = MAX_TEXT - cut.length();
        return keepEnd ? cut.strip() + "\n" + text.substring(text.length() - keep) : text.substring(0, keep) + cut.strip();
    }

    String failedStep() {
        return string(FAILED_STEP);
    }

    String failureMessage() {
        return string(FAILURE_MESSAGE);
    }

    String string(String name) {
        Object value = scope.getVariable(name);
        return value == null ? "" : value.toString();
    }
}
