package com.llmbackup.process.engine;

import com.llmbackup.config.BackupProperties;
import com.llmbackup.recovery.RecoveryReport;
import org.springframework.stereotype.Component;

/**
 * The timers' settings as the models read them ({@code ${backupSchedule.daily()}}), so a
 * changed schedule needs no change of the model: see {@link TimerSchedules}.
 */
@Component("backupSchedule")
public class ScheduleExpressions {

    private final BackupProperties properties;

    ScheduleExpressions(BackupProperties properties) {
        this.properties = properties;
    }

    public String daily() {
        return properties.schedule().daily();
    }

    public String weekly() {
        return properties.schedule().weekly();
    }

    public String cleanup() {
        return properties.schedule().cleanup();
    }

    public String drill() {
        return properties.schedule().drill();
    }

    /**
     * When a disaster recovery escalates (ISO 8601): at three quarters of {@code backup.dr.rto}
     * (1 h before a 4 h RTO), early enough for an operator to act before it is missed.
     */
    public String rtoEscalation() {
        return RecoveryReport.escalationAfter(properties.dr().rto()).toString();
    }

    /** How long a run waits before trying the lock on the backup root again (ISO 8601). */
    public String lockRetry() {
        return properties.lock().retryInterval().toString();
    }
}
