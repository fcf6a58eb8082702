package com.llmbackup.process;

/** The failing step and its message ({@code failedStep}, {@code failureMessage}), shown in forms and the history. */
interface FailureVariables {

    String FAILED_STEP = "failedStep";
    String FAILURE_MESSAGE = "failureMessage";

    void putFailure(String step, String message);
}
