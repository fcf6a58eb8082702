package com.llmbackup.process;

import java.util.ArrayList;
import java.util.List;

import com.llmbackup.preflight.CheckResult;
import org.camunda.bpm.engine.delegate.VariableScope;

/**
 * Typed access to the process variables that are part of the public contract (design.md):
 * delegates read and write through this class only, so names live in one place.
 */
final class ProcessVariables {

    static final String PREFLIGHT_PASSED = "preflightPassed";
    static final String PREFLIGHT_SUMMARY = "preflightSummary";
    static final String FAILED_CHECKS = "failedChecks";

    private final VariableScope scope;

    private ProcessVariables(VariableScope scope) {
        this.scope = scope;
    }

    static ProcessVariables of(VariableScope scope) {
        return new ProcessVariables(scope);
    }

    /** A check's result as {@code <check>Status}, {@code <check>Verdict} and {@code <check>Advice}. */
    void putCheckResult(CheckResult result) {
        scope.setVariable(result.check() + "Status", result.status().name());
        scope.setVariable(result.check() + "Verdict", result.verdict());
        scope.setVariable(result.check() + "Advice", result.advice());
    }

    /** The results recorded so far for the given checks, in that order; checks not yet run are left out. */
    List<CheckResult> checkResults(List<String> checks) {
        List<CheckResult> results = new ArrayList<>();
        for (String check : checks) {
            Object status = scope.getVariable(check + "Status");
            if (status != null) {
                results.add(new CheckResult(check, CheckResult.Status.valueOf(status.toString()),
                        string(check + "Verdict"), string(check + "Advice")));
            }
        }
        return results;
    }

    void putPreflightOutcome(boolean passed, String summary, List<String> failedChecks) {
        scope.setVariable(PREFLIGHT_PASSED, passed);
        scope.setVariable(PREFLIGHT_SUMMARY, summary);
        scope.setVariable(FAILED_CHECKS, String.join(",", failedChecks));
    }

    private String string(String name) {
        Object value = scope.getVariable(name);
        return value == null ? "" : value.toString();
    }
}
