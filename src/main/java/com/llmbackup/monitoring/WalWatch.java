package com.llmbackup.monitoring;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import com.llmbackup.config.Text;
import com.llmbackup.health.WalHealth;
import com.llmbackup.wal.WalReceiver;
import com.llmbackup.wal.WalReceiverStatus;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Checks WAL streaming every 10 s and alerts once per breach (again after it recovered in
 * between): the receiver behind the server longer than {@code backup.wal.max-lag} while the
 * database answers, the slot keeping more than {@code backup.wal.max-slot-retained} on the
 * database server, the WAL folder's volume full. Only the orchestrator running the receiver
 * alerts (or any, when none has reported for a lease's time): one alert, not one per node.
 */
@Component
public class WalWatch {

    private final WalReceiver receiver;
    private final WalHealth health;
    private final Alerts alerts;
    private final Map<String, Boolean> breached = new LinkedHashMap<>();

    public WalWatch(WalReceiver receiver, WalHealth health, Alerts alerts) {
        this.receiver = receiver;
        this.health = health;
        this.alerts = alerts;
    }

    @Scheduled(initialDelay = 10_000, fixedDelay = 10_000)
    public void check() {
        if (!receiver.enabled()) {
            return;
        }
        WalReceiverStatus status = receiver.status();
        if (!receiver.holder() && status.state() != WalReceiverStatus.State.STOPPED) {
            return; // another orchestrator runs the receiver and alerts
        }
        raise("wal_volume_full", health.volumeFull(status), Text.of("alert.wal.wal_volume_full.advice"));
        raise("wal_lag", health.lagBreach(status), Text.of("alert.wal.wal_lag.advice", status.lastReceivedAt()));
        raise("wal_slot_retained", health.slotBreach(status), Text.of("alert.wal.wal_slot_retained.advice"));
    }

    private void raise(String event, Optional<String> breach, Text advice) {
        boolean now = breach.isPresent();
        if (now && !breached.getOrDefault(event, false)) {
            alerts.walProblem(event, breach.get(), advice);
        }
        breached.put(event, now);
    }
}
