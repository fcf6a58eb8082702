package com.llmbackup.process.engine;

import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.runtime.Job;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * An unchanged model is not redeployed, so its start timers keep the due date computed
 * from the old schedule. At every start the timers' due dates are computed again from
 * {@code backup.schedule.*} (the models read them through {@link ScheduleExpressions});
 * the engine re-evaluates the cycle each time a timer fires ({@code reevaluateTimeCycleWhenDue}).
 */
@Component
class TimerSchedules {

    private static final Logger log = LoggerFactory.getLogger(TimerSchedules.class);

    private final ManagementService management;

    TimerSchedules(ManagementService management) {
        this.management = management;
    }

    @EventListener(ApplicationReadyEvent.class)
    void recalculate() {
        for (Job job : management.createJobQuery().timers().list()) {
            if (job.getProcessInstanceId() == null) {
                management.recalculateJobDuedate(job.getId(), false);
                Job updated = management.createJobQuery().jobId(job.getId()).singleResult();
                log.info("Timer of {} next due {}", updated.getProcessDefinitionKey(), updated.getDuedate());
            }
        }
    }
}
