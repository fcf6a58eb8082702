package com.llmbackup.process.cleanup;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.llmbackup.process.engine.Steps;
import com.llmbackup.retention.CleanupService;
import com.llmbackup.retention.CleanupService.PlannedDeletion;
import com.llmbackup.retention.RetentionPlanner;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The delegates of {@code BackupCleanupProcess}. The plan (which sets go, and why) is
 * decided once through the DMN table and kept in the variables {@code plan} (JSON, for the
 * deletion step) and {@code planSummary} (every set with its decision, for the operator).
 */
@Configuration(proxyBeanMethods = false)
class CleanupDelegates {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Bean
    JavaDelegate takeCleanupLockDelegate(CleanupService cleanup) {
        // the same lock step as the backup run's
        return execution -> Steps.takeLock(execution, CleanupVariables.of(execution),
                () -> cleanup.begin(execution.getProcessInstanceId()),
                (runId, since, now) -> cleanup.acquire(execution.getProcessInstanceId(), since, now));
    }

    @Bean
    JavaDelegate decideRetentionDelegate(CleanupService cleanup, DmnRetentionRules rules) {
        return execution -> {
            List<RetentionPlanner.Decision> decisions = cleanup.plan(rules);
            List<RetentionPlanner.WalDecision> wal = cleanup.planWal(decisions, rules);
            List<PlannedDeletion> deletions = new ArrayList<>(decisions.stream().filter(d -> d.verdict().delete())
                    .map(d -> new PlannedDeletion(d.set().kind().dir(), d.set().id().toString(), d.verdict().reason())).toList());
            wal.stream().filter(d -> d.verdict().delete())
                    .forEach(d -> deletions.add(new PlannedDeletion(CleanupService.WAL, d.range().id(), d.verdict().reason())));
            StringBuilder summary = new StringBuilder();
            decisions.forEach(d -> summary.append(d.set().label()).append(": ").append(d.verdict().action())
                    .append(" - ").append(d.verdict().reason()).append('\n'));
            wal.forEach(d -> summary.append("WAL ").append(d.range().first()).append(" to ").append(d.range().last()).append(" (")
                    .append(d.range().segments()).append(" segments): ").append(d.verdict().action()).append(" - ")
                    .append(d.verdict().reason()).append('\n'));
            CleanupVariables.of(execution).putPlan(JSON.writeValueAsString(deletions), deletions.size(), summary.toString());
        };
    }

    @Bean
    JavaDelegate deleteExpiredSetsDelegate(CleanupService cleanup) {
        return execution -> {
            CleanupVariables vars = CleanupVariables.of(execution);
            CleanupService.Result result = cleanup.delete(plan(vars.planJson()), execution.getProcessInstanceId(),
                    cleanup.runOf(execution.getProcessInstanceId()));
            vars.putDeleted(result.setsDeleted(), result.bytesFreed());
        };
    }

    @Bean
    JavaDelegate reportDryRunDelegate(CleanupService cleanup) {
        return execution -> {
            CleanupVariables vars = CleanupVariables.of(execution);
            cleanup.dryRun(plan(vars.planJson()), cleanup.runOf(execution.getProcessInstanceId()));
        };
    }

    @Bean
    JavaDelegate releaseCleanupLockDelegate(CleanupService cleanup) {
        return execution -> cleanup.release(execution.getProcessInstanceId());
    }

    @Bean
    JavaDelegate recordCleanupFailureDelegate(CleanupService cleanup) {
        return execution -> {
            CleanupVariables vars = CleanupVariables.of(execution);
            cleanup.fail(cleanup.runOf(execution.getProcessInstanceId()), execution.getProcessInstanceId(), vars.failedStep(),
                    vars.failureMessage());
        };
    }

    private static List<PlannedDeletion> plan(String json) throws Exception {
        return JSON.readValue(json, new TypeReference<List<PlannedDeletion>>() { });
    }
}
