package com.llmbackup.process.engine;

import com.llmbackup.config.Text;
import org.camunda.bpm.engine.delegate.VariableScope;

/**
 * What every process's variables class shares: the scope it reads, and the failing step and
 * its message ({@code failedStep}, {@code failureMessage}), shown in forms and the history.
 */
public abstract class FailureVariables {

    public static final String FAILED_STEP = "failedStep";
    public static final String FAILURE_MESSAGE = "failureMessage";
    /** The failure as a text (key and JSON arguments) when it has one: the run renders it in the viewer's language. */
    public static final String FAILURE_KEY = "failureKey";
    public static final String FAILURE_ARGS = "failureArgs";

    protected final VariableScope scope;

    protected FailureVariables(VariableScope scope) {
        this.scope = scope;
    }

    /** The engine keeps a string variable in 4000 characters; a longer one fails the whole step's commit. */
    public static final int MAX_TEXT = 3900;

    public void putFailure(String step, String message) {
        scope.setVariable(FAILED_STEP, step);
        putText(FAILURE_MESSAGE, message);
        scope.removeVariable(FAILURE_KEY);
        scope.removeVariable(FAILURE_ARGS);
    }

    /** As {@link #putFailure(String, String)}, with the message's text ({@code message} is it in backup.language). */
    public void putFailure(String step, String message, Text text) {
        putFailure(step, message);
        scope.setVariable(FAILURE_KEY, text.key());
        putText(FAILURE_ARGS, text.argsJson());
    }

    /**
     * A text an operator reads in a form (an error, a log tail): cut to what the engine stores,
     * keeping the start of a message or, with {@code keepEnd}, the newest lines of a log.
     */
    public void putText(String name, String text) {
        putText(name, text, false);
    }

    public void putText(String name, String text, boolean keepEnd) {
        scope.setVariable(name, clamp(text, keepEnd));
    }

    public static String clamp(String text, boolean keepEnd) {
        if (text == null || text.length() <= MAX_TEXT) {
            return text;
        }
        String cut = " [... " + (text.length() - MAX_TEXT + 40) + " characters left out ...] ";
        int keep = MAX_TEXT - cut.length();
        return keepEnd ? cut.strip() + "\n" + text.substring(text.length() - keep) : text.substring(0, keep) + cut.strip();
    }

    public String failedStep() {
        return string(FAILED_STEP);
    }

    public String failureMessage() {
        return string(FAILURE_MESSAGE);
    }

    /** The failure's text, or null when it is words only (an exception without a text, or arguments cut to fit). */
    public Text failureText() {
        Object key = scope.getVariable(FAILURE_KEY);
        String args = string(FAILURE_ARGS);
        if (key == null || args.length() >= MAX_TEXT) {
            return null;
        }
        try {
            return Text.stored(key.toString(), args);
        } catch (IllegalStateException e) {
            return null;
        }
    }

    protected String string(String name) {
        Object value = scope.getVariable(name);
        return value == null ? "" : value.toString();
    }
}
