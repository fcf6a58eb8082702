package com.llmbackup.drill;

import java.util.Optional;

import com.llmbackup.catalog.BackupHistory;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.catalog.SetEvidence;
import org.springframework.stereotype.Component;

/**
 * The last drill of a set for the sets API ({@code lastDrill}): the newest drill row naming the set
 * ({@code source} {@code daily/20261201}), {@code passed}, {@code failed} or {@code running}, when it
 * ended (started, while running), its run (whose evidence is {@code /api/backups/drills/{runId}}).
 */
@Component
class DrillSetEvidence implements SetEvidence.Drills {

    private final BackupHistory history;

    DrillSetEvidence(BackupHistory history) {
        this.history = history;
    }

    @Override
    public Optional<SetEvidence.Drill> lastDrill(BackupKind kind, BackupSetId id) {
        return history.newest(RunKind.DRILL, kind.dir() + "/" + id).map(row -> new SetEvidence.Drill(
                row.status() == RunStatus.COMPLETED ? "passed" : row.status().open() ? "running" : "failed",
                row.endedAt() != null ? row.endedAt() : row.startedAt(), row.id()));
    }
}
