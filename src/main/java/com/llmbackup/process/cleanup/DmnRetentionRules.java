package com.llmbackup.process.cleanup;

import java.util.HashMap;
import java.util.Map;

import com.llmbackup.retention.RetentionRules;
import org.camunda.bpm.dmn.engine.DmnDecisionResultEntries;
import org.camunda.bpm.engine.DecisionService;
import org.springframework.stereotype.Component;

/** The retention rules as the DMN table {@code RetentionDecision}, evaluated by the engine (Cockpit keeps each evaluation). */
@Component
class DmnRetentionRules implements RetentionRules {

    static final String DECISION = "RetentionDecision";

    private final DecisionService decisions;

    DmnRetentionRules(DecisionService decisions) {
        this.decisions = decisions;
    }

    @Override
    public Verdict decide(Facts facts) {
        Map<String, Object> variables = new HashMap<>();
        variables.put("kind", facts.kind());
        variables.put("status", facts.status());
        variables.put("pinned", facts.pinned());
        variables.put("pinnedReason", facts.pinnedReason());
        variables.put("heldBy", facts.heldBy());
        variables.put("ageDays", facts.ageDays());
        variables.put("newerCompleteFulls", facts.newerCompleteFulls());
        variables.put("newestOfKind", facts.newestOfKind());
        variables.put("fromTheFuture", facts.fromTheFuture());
        variables.put("retentionDays", facts.retentionDays());
        variables.put("minFull", facts.minFull());
        variables.put("walNeeded", facts.walNeeded());
        variables.put("hasBaseBackup", facts.hasBaseBackup());
        variables.put("newerBaseBackups", facts.newerBaseBackups());
        variables.put("oldestBaseBackup", facts.oldestBaseBackup());
        DmnDecisionResultEntries result = decisions.evaluateDecisionByKey(DECISION).variables(variables).evaluate().getSingleResult();
        return new Verdict(result.getEntry("action"), result.getEntry("reason"));
    }
}
