package com.llmbackup.monitoring;

import java.util.Optional;

import com.llmbackup.config.Text;
import com.llmbackup.health.BackupHealthIndicator;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Checks the RPO every {@code backup.alerts.rpo-check-interval} and alerts once when it is
 * breached (again once per new breach, after backups recovered in between).
 */
@Component
public class RpoWatch {

    private final BackupHealthIndicator health;
    private final Alerts alerts;
    private volatile boolean breached;

    public RpoWatch(BackupHealthIndicator health, Alerts alerts) {
        this.health = health;
        this.alerts = alerts;
    }

    @Scheduled(initialDelayString = "${backup.alerts.rpo-check-interval:15m}", fixedDelayString = "${backup.alerts.rpo-check-interval:15m}")
    public void check() {
        Optional<Text> breach = health.rpoBreach();
        if (breach.isPresent() && !breached) {
            alerts.rpoBreached(breach.get());
        }
        breached = breach.isPresent();
    }
}
