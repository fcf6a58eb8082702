package com.llmbackup.process.cleanup;

import com.llmbackup.process.engine.LeaseWaitVariables;
import org.camunda.bpm.engine.delegate.VariableScope;

/**
 * The variables of {@code BackupCleanupProcess}: the start's {@code dryRun}; the plan
 * ({@code plan} as JSON for the deletion step, {@code planSummary} for the operator,
 * {@code setsToDelete}); what was done ({@code setsDeleted}, {@code bytesFreed}).
 */
final class CleanupVariables extends LeaseWaitVariables {

    private CleanupVariables(VariableScope scope) {
        super(scope);
    }

    static CleanupVariables of(VariableScope scope) {
        return new CleanupVariables(scope);
    }

    void putPlan(String planJson, int setsToDelete, String summary) {
        scope.setVariable("plan", planJson);
        scope.setVariable("setsToDelete", setsToDelete);
        scope.setVariable("planSummary", summary);
        if (scope.getVariable("dryRun") == null) {
            scope.setVariable("dryRun", false);
        }
    }

    String planJson() {
        return string("plan");
    }

    void putDeleted(int setsDeleted, long bytesFreed) {
        scope.setVariable("setsDeleted", setsDeleted);
        scope.setVariable("bytesFreed", bytesFreed);
    }
}
