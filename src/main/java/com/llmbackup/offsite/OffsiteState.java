package com.llmbackup.offsite;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import com.llmbackup.catalog.BackupHistory;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSetId;
import org.springframework.stereotype.Component;

/**
 * What is known of the offsite copies without asking restic on every request: the snapshot
 * list as last read (after each copy and cleanup, or on first use), the last failure, and
 * the newest successful copy (from the history, so it survives a restart). The admin page,
 * {@code /api/backups} and the metric read it; {@link #of} answers per set.
 */
@Component
public class OffsiteState {

    private final OffsiteRepository repository;
    private final BackupHistory history;
    private final Clock clock;
    private volatile List<OffsiteSnapshot> snapshots;
    private volatile Instant snapshotsReadAt;
    private volatile String lastFailure;
    private volatile Instant lastFailureAt;
    private volatile String readFailure;
    private volatile Instant readFailureAt;

    public OffsiteState(OffsiteRepository repository, BackupHistory history, Clock clock) {
        this.repository = repository;
        this.history = history;
        this.clock = clock;
    }

    public enum Status {
        /** The repository holds a copy of the set. */
        OFFSITE,
        /** Offsite is on, and the repository has no copy of it (yet, or no longer). */
        MISSING,
        /** No offsite repository is configured. */
        DISABLED,
        /** The repository could not be read. */
        UNKNOWN
    }

    /** One set's offsite state; {@code snapshotId} and {@code copiedAt} when it is offsite, {@code problem} when unknown. */
    public record SetState(Status status, String snapshotId, Instant copiedAt, String problem) {
    }

    /** The repository's state as a whole: for {@code /api/backups} and the admin page. */
    public record Summary(boolean enabled, String repository, Instant lastSuccessAt, String lastFailure, Instant lastFailureAt,
                          Integer snapshots, Instant snapshotsReadAt, LastCopy lastCopy) {
    }

    /**
     * The newest copy (from the history, so it survives a restart): its set, snapshot and time,
     * the files restic read and those it skipped as unchanged, the bytes it sent (null: a copy
     * made before these were recorded).
     */
    public record LastCopy(String set, String snapshotId, Instant at, Long filesRead, Long filesUnchanged, Long bytesSent) {
    }

    public SetState of(BackupKind kind, BackupSetId id) {
        if (!repository.enabled()) {
            return new SetState(Status.DISABLED, null, null, null);
        }
        List<OffsiteSnapshot> known = snapshots;
        if (known == null) {
            // a page listing many sets must not ask an unreachable repository once per set
            String failed = readFailure;
            if (failed != null && readFailureAt.plusSeconds(60).isAfter(clock.instant())) {
                return new SetState(Status.UNKNOWN, null, null, failed);
            }
            try {
                known = refresh();
            } catch (RuntimeException e) {
                readFailure = e.getMessage();
                readFailureAt = clock.instant();
                return new SetState(Status.UNKNOWN, null, null, e.getMessage());
            }
        }
        Optional<OffsiteSnapshot> copy = known.stream().filter(s -> s.copies(kind, id)).reduce((a, b) -> b);
        return copy.map(s -> new SetState(Status.OFFSITE, s.shortId(), s.time(), null))
                .orElseGet(() -> new SetState(Status.MISSING, null, null, null));
    }

    public Summary summary() {
        List<OffsiteSnapshot> known = snapshots;
        LastCopy last = history.lastOffsiteCopyRun().map(run -> new LastCopy(run.kind().label() + "/" + run.backupId(),
                run.offsite().snapshotId(), run.offsite().at(), run.offsite().filesRead(), run.offsite().filesUnchanged(),
                run.offsite().bytesSent())).orElse(null);
        return new Summary(repository.enabled(), repository.location(), last == null ? null : last.at(), lastFailure, lastFailureAt,
                known == null ? null : known.size(), snapshotsReadAt, last);
    }

    /** Reads the snapshot list again (throws what restic said when it cannot). */
    public List<OffsiteSnapshot> refresh() {
        List<OffsiteSnapshot> fresh;
        try {
            fresh = repository.snapshots();
        } catch (RuntimeException e) {
            // the old list no longer says what the repository holds: the sets show unknown, not offsite
            snapshots = null;
            readFailure = e.getMessage();
            readFailureAt = clock.instant();
            throw e;
        }
        snapshots = fresh;
        snapshotsReadAt = clock.instant();
        readFailure = null;
        return fresh;
    }

    void failed(String message) {
        lastFailure = message;
        lastFailureAt = clock.instant();
    }

    void succeeded() {
        lastFailure = null;
        lastFailureAt = null;
    }
}
