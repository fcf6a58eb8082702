package com.llmbackup.preflight;

/**
 * The outcome of one preflight check: a status, a plain-language verdict of what was
 * found, and what to do about it (empty when nothing needs doing).
 */
public record CheckResult(String check, Status status, String verdict, String advice) {

    public enum Status { PASS, WARN, FAIL }

    static CheckResult pass(String check, String verdict) {
        return new CheckResult(check, Status.PASS, verdict, "");
    }

    static CheckResult warn(String check, String verdict, String advice) {
        return new CheckResult(check, Status.WARN, verdict, advice);
    }

    static CheckResult fail(String check, String verdict, String advice) {
        return new CheckResult(check, Status.FAIL, verdict, advice);
    }

    public boolean failed() {
        return status == Status.FAIL;
    }

    /** One line for a developer (test descriptions): {@code database: FAIL - ... Do: ...}; the summary renders its own from the bundles. */
    public String line() {
        return check + ": " + status + " - " + verdict + (advice.isEmpty() ? "" : " Do: " + advice);
    }
}
