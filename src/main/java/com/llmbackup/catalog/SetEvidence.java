package com.llmbackup.catalog;

import java.time.Instant;
import java.util.Optional;

/**
 * What is known of a set beyond its files: the last restore drill of it and its offsite copy.
 * The sets API asks these; the drill and offsite services provide beans of them, and until
 * they are wired the defaults say nothing (the API answers {@code null}).
 */
public final class SetEvidence {

    private SetEvidence() {
    }

    /** The last restore drill of a set: its outcome ({@code passed}, {@code failed}, {@code running}), when, its run. */
    public record Drill(String status, Instant at, Long runId) {
    }

    /** The set's offsite copy: {@code offsite}, {@code missing} or {@code unknown}; the snapshot; when. */
    public record Offsite(String state, String snapshotId, Instant at) {
    }

    /** Provided by the drill service; {@link #NONE} until it is wired. */
    @FunctionalInterface
    public interface Drills {
        Optional<Drill> lastDrill(BackupKind kind, BackupSetId id);

        Drills NONE = (kind, id) -> Optional.empty();
    }

    /** Provided by the offsite service; {@link #NONE} until it is wired. */
    @FunctionalInterface
    public interface OffsiteCopies {
        Optional<Offsite> offsite(BackupKind kind, BackupSetId id);

        OffsiteCopies NONE = (kind, id) -> Optional.empty();
    }
}
