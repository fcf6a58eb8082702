package com.llmbackup.process.drill;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import com.llmbackup.process.engine.LeaseWaitVariables;
import org.camunda.bpm.engine.delegate.VariableScope;

/**
 * The variables of {@code RestoreDrillProcess}: the start's optional {@code backupKind} and
 * {@code backupId}; {@code drillRuns}, the history rows of the chosen sets ("12,13", a string: the
 * engine stores no Java lists here), each the {@code drillRunId} of one pass of the per-set
 * subprocess; {@code drillPassed} at the end. What a set's drill found is in its history row and
 * evidence, not in variables.
 */
final class DrillVariables extends LeaseWaitVariables {

    static final String DRILL_RUNS = "drillRuns";
    static final String DRILL_RUN_ID = "drillRunId";
    static final String DRILL_PASSED = "drillPassed";

    private DrillVariables(VariableScope scope) {
        super(scope);
    }

    static DrillVariables of(VariableScope scope) {
        return new DrillVariables(scope);
    }

    String backupKind() {
        return optional("backupKind");
    }

    String backupId() {
        return optional("backupId");
    }

    void putDrillRuns(List<Long> runs) {
        scope.setVariable(DRILL_RUNS, runs.stream().map(String::valueOf).collect(Collectors.joining(",")));
    }

    /** The collection of the per-set subprocess ({@code ${drillRunList.of(drillRuns)}}). */
    static List<Long> runs(String drillRuns) {
        return drillRuns == null || drillRuns.isBlank() ? List.of() : Arrays.stream(drillRuns.split(",")).map(Long::valueOf).toList();
    }

    long drillRunId() {
        Object id = scope.getVariable(DRILL_RUN_ID);
        if (id == null) {
            throw new IllegalStateException("no drillRunId: this step runs only inside SubProcess_DrillSet");
        }
        return ((Number) id).longValue();
    }

    void putDrillPassed(boolean passed) {
        scope.setVariable(DRILL_PASSED, passed);
    }

    private String optional(String name) {
        Object value = scope.getVariable(name);
        return value == null || value.toString().isBlank() ? null : value.toString().trim();
    }
}
