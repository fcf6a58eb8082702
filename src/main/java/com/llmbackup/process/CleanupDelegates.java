package com.llmbackup.process;

import java.util.List;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.llmbackup.catalog.LeaseWaitTimeoutException;
import com.llmbackup.retention.CleanupService;
import com.llmbackup.retention.CleanupService.PlannedDeletion;
import com.llmbackup.retention.RetentionPlanner;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.impl.util.ClockUtil;
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
        return execution -> {
            ProcessVariables vars = ProcessVariables.of(execution);
            long runId = vars.runId().orElseGet(() -> cleanup.begin(execution.getProcessInstanceId()));
            vars.putRunId(runId);
            java.time.Instant now = ClockUtil.getCurrentTime().toInstant();
            try {
                vars.putLeaseAcquired(cleanup.acquire(execution.getProcessInstanceId(), vars.leaseWaitingSince(now), now));
            } catch (LeaseWaitTimeoutException e) {
                vars.putFailure(execution.getCurrentActivityId(), e.getMessage());
                throw new BpmnError(BackupDelegates.ERR_LOCK_TIMEOUT, e.getMessage(), e);
            }
        };
    }

    @Bean
    JavaDelegate decideRetentionDelegate(CleanupService cleanup, DmnRetentionRules rules) {
        return execution -> {
            List<RetentionPlanner.Decision> decisions = cleanup.plan(rules);
            List<PlannedDeletion> deletions = decisions.stream().filter(d -> d.verdict().delete())
                    .map(d -> new PlannedDeletion(d.set().kind().dir(), d.set().id().toString(), d.verdict().reason())).toList();
            StringBuilder summary = new StringBuilder();
            decisions.forEach(d -> summary.append(d.set().label()).append(": ").append(d.verdict().action())
                    .append(" - ").append(d.verdict().reason()).append('\n'));
            execution.setVariable("plan", JSON.writeValueAsString(deletions));
            execution.setVariable("setsToDelete", deletions.size());
            execution.setVariable("planSummary", summary.toString());
            if (execution.getVariable("dryRun") == null) {
                execution.setVariable("dryRun", false);
            }
        };
    }

    @Bean
    JavaDelegate deleteExpiredSetsDelegate(CleanupService cleanup) {
        return execution -> {
            CleanupService.Result result = cleanup.delete(plan(execution.getVariable("plan")), execution.getProcessInstanceId(),
                    ProcessVariables.of(execution).requireRunId());
            execution.setVariable("setsDeleted", result.setsDeleted());
            execution.setVariable("bytesFreed", result.bytesFreed());
        };
    }

    @Bean
    JavaDelegate reportDryRunDelegate(CleanupService cleanup) {
        return execution -> cleanup.dryRun(plan(execution.getVariable("plan")), ProcessVariables.of(execution).requireRunId());
    }

    @Bean
    JavaDelegate releaseCleanupLockDelegate(CleanupService cleanup) {
        return execution -> cleanup.release(execution.getProcessInstanceId());
    }

    @Bean
    JavaDelegate recordCleanupFailureDelegate(CleanupService cleanup) {
        return execution -> {
            ProcessVariables vars = ProcessVariables.of(execution);
            cleanup.fail(vars.requireRunId(), execution.getProcessInstanceId(), vars.failedStep(), vars.failureMessage());
        };
    }

    private static List<PlannedDeletion> plan(Object json) throws Exception {
        return JSON.readValue(json.toString(), new TypeReference<List<PlannedDeletion>>() { });
    }
}
