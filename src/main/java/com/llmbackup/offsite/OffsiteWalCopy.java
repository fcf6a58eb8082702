package com.llmbackup.offsite;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

import com.llmbackup.catalog.BackupLog;
import com.llmbackup.catalog.Sizes;
import com.llmbackup.config.Text;
import com.llmbackup.monitoring.Alerts;
import com.llmbackup.wal.WalReceiver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The WAL folder's offsite copy (docs/wal.md): every {@code backup.wal.offsite-interval} by the
 * orchestrator that runs the receiver, and at every backup run's offsite step; losing the
 * server then loses at most that interval. A failed scheduled copy is a log line, the offsite
 * state and one alert per failure streak; the next interval tries again.
 */
@Component
public class OffsiteWalCopy {

    private static final Logger log = LoggerFactory.getLogger(OffsiteWalCopy.class);

    private final OffsiteRepository repository;
    private final OffsiteState state;
    private final WalReceiver receiver;
    private final BackupLog backupLog;
    private final Alerts alerts;
    private final Clock clock;
    private volatile Instant lastSuccessAt;
    private volatile boolean failing;

    public OffsiteWalCopy(OffsiteRepository repository, OffsiteState state, WalReceiver receiver, BackupLog backupLog, Alerts alerts,
                          Clock clock) {
        this.repository = repository;
        this.state = state;
        this.receiver = receiver;
        this.backupLog = backupLog;
        this.alerts = alerts;
        this.clock = clock;
    }

    /** Whether there is anything to copy: offsite on and WAL streaming on. */
    public boolean active() {
        return repository.enabled() && receiver.enabled();
    }

    @Scheduled(initialDelayString = "${backup.wal.offsite-interval:15m}", fixedDelayString = "${backup.wal.offsite-interval:15m}")
    public void scheduled() {
        if (!active() || !receiver.holder()) {
            return;
        }
        try {
            copy();
            failing = false;
        } catch (RuntimeException e) {
            String message = backupLog.texts().render("offsite.walCopyFailed", e.getMessage());
            log.warn("{}", message);
            state.failed(e.getMessage());
            if (!failing) {
                backupLog.write(Text.of("log.wal.warning", message));
                alerts.offsiteCopyFailed("WAL", 0, e.getMessage());
            }
            failing = true;
        }
    }

    /** Copies the WAL folder now (throws with restic's words when it fails); returns the log line. */
    public synchronized String copy() {
        OffsiteRepository.CopyResult result = repository.copyWal();
        lastSuccessAt = clock.instant();
        String line = backupLog.texts().render("offsite.walCopied", result.snapshotId().length() > 8 ? result.snapshotId().substring(0, 8)
                : result.snapshotId(), Sizes.human(result.bytesAdded()), Sizes.human(result.bytesProcessed()));
        log.info("{}", line);
        return line;
    }

    /** When this orchestrator last copied the WAL offsite. */
    public Optional<Instant> lastSuccess() {
        return Optional.ofNullable(lastSuccessAt);
    }
}
