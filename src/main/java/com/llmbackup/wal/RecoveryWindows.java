package com.llmbackup.wal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupSet;
import org.springframework.stereotype.Service;

/**
 * The recovery window now ({@link RecoveryWindowCalculator} over the WAL folder, the receiver's
 * state and the base backups of the complete sets), for the API, the page, the metrics, the
 * health, retention and a point-in-time recovery. Computed at most every 2 s.
 */
@Service
public class RecoveryWindows {

    private static final Duration FRESH = Duration.ofSeconds(2);

    private final WalArchive archive;
    private final WalReceiver receiver;
    private final BackupCatalog catalog;
    private final Clock clock;
    private volatile RecoveryWindow cached;
    private volatile Instant cachedAt = Instant.EPOCH;

    public RecoveryWindows(WalArchive archive, WalReceiver receiver, BackupCatalog catalog, Clock clock) {
        this.archive = archive;
        this.receiver = receiver;
        this.catalog = catalog;
        this.clock = clock;
    }

    /** The window as the disk and the receiver show it now (cached for 2 s). */
    public RecoveryWindow current() {
        Instant now = clock.instant();
        RecoveryWindow window = cached;
        if (window == null || Duration.between(cachedAt, now).compareTo(FRESH) >= 0) {
            window = compute();
            cached = window;
            cachedAt = now;
        }
        return window;
    }

    /** Computed afresh (after a backup or a cleanup changed what is on disk). */
    public RecoveryWindow compute() {
        return RecoveryWindowCalculator.compute(archive.list(), archive.readReceipts(), receiver.status(), baseBackups());
    }

    /** The base backups of the complete sets, oldest first. */
    public List<RecoveryWindowCalculator.BaseBackupRef> baseBackups() {
        return catalog.list().stream()
                .filter(s -> s.status() == BackupSet.Status.COMPLETE && s.manifest() != null && s.manifest().baseBackup() != null)
                .map(s -> new RecoveryWindowCalculator.BaseBackupRef(s.label(), s.manifest().baseBackup()))
                .sorted((a, b) -> a.facts().consistentAt().compareTo(b.facts().consistentAt()))
                .toList();
    }
}
