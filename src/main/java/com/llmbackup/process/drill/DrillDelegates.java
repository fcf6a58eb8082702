package com.llmbackup.process.drill;

import java.time.Instant;

import com.llmbackup.catalog.LeaseWaitTimeoutException;
import com.llmbackup.drill.DrillService;
import com.llmbackup.process.engine.Steps;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The delegates of {@code RestoreDrillProcess}: lock, choose the sets, per set restore and check,
 * remove the scratch, record; release. A drill's finding (a bad file, table or path) is an outcome
 * recorded in the set's row and evidence, not an error; a server that cannot be reached is a
 * technical failure (retried, then an incident that fails the row; the next drill removes the scratch).
 */
@Configuration(proxyBeanMethods = false)
class DrillDelegates {

    @Bean
    JavaDelegate takeDrillLockDelegate(DrillService drills) {
        return execution -> {
            DrillVariables vars = DrillVariables.of(execution);
            Instant now = Steps.now();
            try {
                vars.putLeaseAcquired(drills.acquire(execution.getProcessInstanceId(), vars.leaseWaitingSince(now), now));
            } catch (LeaseWaitTimeoutException e) {
                throw Steps.error(vars, execution, Steps.ERR_LOCK_TIMEOUT, e);
            }
        };
    }

    @Bean
    JavaDelegate selectDrillSetsDelegate(DrillService drills) {
        return execution -> {
            DrillVariables vars = DrillVariables.of(execution);
            vars.putDrillRuns(drills.begin(execution.getProcessInstanceId(), vars.backupKind(), vars.backupId()));
        };
    }

    @Bean
    JavaDelegate restoreDrillSetDelegate(DrillService drills) {
        return execution -> drills.drill(DrillVariables.of(execution).drillRunId(), execution.getProcessInstanceId());
    }

    @Bean
    JavaDelegate removeDrillScratchDelegate(DrillService drills) {
        return execution -> drills.removeScratch(DrillVariables.of(execution).drillRunId(), execution.getProcessInstanceId());
    }

    @Bean
    JavaDelegate recordDrillResultDelegate(DrillService drills) {
        return execution -> drills.record(DrillVariables.of(execution).drillRunId(), execution.getProcessInstanceId());
    }

    @Bean
    JavaDelegate releaseDrillLockDelegate(DrillService drills) {
        return execution -> DrillVariables.of(execution).putDrillPassed(drills.release(execution.getProcessInstanceId()));
    }

    @Bean
    JavaDelegate recordDrillFailureDelegate(DrillService drills) {
        return execution -> {
            DrillVariables vars = DrillVariables.of(execution);
            drills.failBeforeStart(execution.getProcessInstanceId(), vars.backupKind(), vars.backupId(), vars.failedStep(),
                    vars.failureMessage());
            drills.release(execution.getProcessInstanceId());
            vars.putDrillPassed(false);
        };
    }
}
