package com.llmbackup.offsite;

import java.util.Locale;
import java.util.Optional;

import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.catalog.SetEvidence;
import org.springframework.stereotype.Component;

/**
 * A set's offsite copy for the sets API ({@code offsite}): {@code offsite} with its snapshot and
 * time, {@code missing}, or {@code unknown} (the repository could not be read; the reason is in
 * {@code /api/backups/storage}); nothing while no repository is configured.
 */
@Component
class OffsiteSetEvidence implements SetEvidence.OffsiteCopies {

    private final OffsiteState state;

    OffsiteSetEvidence(OffsiteState state) {
        this.state = state;
    }

    @Override
    public Optional<SetEvidence.Offsite> offsite(BackupKind kind, BackupSetId id) {
        OffsiteState.SetState set = state.of(kind, id);
        if (set.status() == OffsiteState.Status.DISABLED) {
            return Optional.empty();
        }
        return Optional.of(new SetEvidence.Offsite(set.status().name().toLowerCase(Locale.ROOT), set.snapshotId(), set.copiedAt()));
    }
}
