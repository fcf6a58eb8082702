package com.llmbackup.process.engine;

import com.llmbackup.config.BackupProperties;
import com.llmbackup.config.InvalidSettingException;
import com.llmbackup.recovery.RecoveryReport;
import org.camunda.bpm.engine.impl.calendar.CronTimer;
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
        BackupProperties.Schedule schedule = properties.schedule();
        requireCron("backup.schedule.daily", schedule.daily());
        requireCron("backup.schedule.weekly", schedule.weekly());
        requireCron("backup.schedule.cleanup", schedule.cleanup());
        requireCron("backup.schedule.drill", schedule.drill());
    }

    /**
     * The engine's own parser judges each schedule at start-up, so whatever starts is accepted by
     * the timers (the settings check only the 6 fields: config knows no engine).
     */
    static void requireCron(String key, String value) {
        try {
            CronTimer.parse(value.trim());
        } catch (Exception e) {
            throw new InvalidSettingException(key, value, e.getMessage() + "." + BackupProperties.Schedule.CRON_HINT);
        }
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
