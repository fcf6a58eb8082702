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

    void putFailure(String step, String message) {
        scope.setVariable(FAILED_STEP, step);
        scope.setVariable(FAILURE_MESSAGE, message);
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
