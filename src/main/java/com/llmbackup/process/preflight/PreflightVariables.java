package com.llmbackup.process.preflight;

import java.util.ArrayList;
import java.util.List;

import com.llmbackup.preflight.CheckResult;
import org.camunda.bpm.engine.delegate.VariableScope;

/**
 * The variables of {@code PreflightProcess}: each check's {@code <check>Status},
 * {@code <check>Verdict}, {@code <check>Advice}; the outcome {@code preflightPassed},
 * {@code preflightSummary} and {@code failedChecks} (names, comma-separated, for people and REST).
 */
final class PreflightVariables {

    private final VariableScope scope;

    private PreflightVariables(VariableScope scope) {
        this.scope = scope;
    }

    static PreflightVariables of(VariableScope scope) {
        return new PreflightVariables(scope);
    }

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

    void putOutcome(boolean passed, String summary, List<String> failedChecks) {
        scope.setVariable("preflightPassed", passed);
        scope.setVariable("preflightSummary", summary);
        scope.setVariable("failedChecks", String.join(",", failedChecks));
    }

    private String string(String name) {
        Object value = scope.getVariable(name);
        return value == null ? "" : value.toString();
    }
}
