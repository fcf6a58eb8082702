package com.llmbackup.recovery;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.BackupSetId;

/**
 * Which set a disaster recovery restores: the one the operator named, or else the newest
 * complete daily or weekly set (a safety set only when named: it holds the state before some
 * earlier restore). Pure: judged from the catalog's list; a refusal says what to do.
 */
public final class RecoveryChoice {

    private RecoveryChoice() {
    }

    /** The chosen set, or {@link RecoveryRefusedException} saying why none. {@code kind} and {@code id} may be blank. */
    public static BackupSet choose(List<BackupSet> sets, String kind, String id, String root) {
        if (id != null && !id.isBlank()) {
            return named(sets, kind == null || kind.isBlank() ? BackupKind.DAILY.dir() : kind.strip(), id.strip(), root);
        }
        return sets.stream()
                .filter(s -> s.status() == BackupSet.Status.COMPLETE && s.kind() != BackupKind.SAFETY)
                .max(Comparator.comparing(BackupSet::id).thenComparing(RecoveryChoice::completedAt))
                .orElseThrow(() -> new RecoveryRefusedException("There is no complete daily or weekly set in " + root + " ("
                        + describe(sets) + "). Copy the backup files into it (Task_CopyBackups) and start the recovery again, "
                        + "or name a set (backupKind, backupId)."));
    }

    private static BackupSet named(List<BackupSet> sets, String kind, String id, String root) {
        BackupKind k;
        BackupSetId setId;
        try {
            k = BackupKind.fromDir(kind);
            setId = BackupSetId.parse(id);
        } catch (IllegalArgumentException e) {
            throw new RecoveryRefusedException(e.getMessage());
        }
        Optional<BackupSet> found = sets.stream().filter(s -> s.kind() == k && s.id().equals(setId)).findFirst();
        if (found.isEmpty()) {
            throw new RecoveryRefusedException("There is no set " + k.dir() + "/" + setId + " in " + root + " (" + describe(sets)
                    + "). Copy it there, or leave backupId empty for the newest complete set.");
        }
        if (!found.get().restorable()) {
            throw new RecoveryRefusedException("Set " + found.get().label() + " is " + found.get().status().name().toLowerCase(Locale.ROOT)
                    + (found.get().problem() == null ? "" : " (" + found.get().problem() + ")") + ": it cannot be restored. Name another set.");
        }
        return found.get();
    }

    private static Instant completedAt(BackupSet set) {
        return set.manifest() == null || set.manifest().completedAt() == null ? Instant.EPOCH : set.manifest().completedAt();
    }

    private static String describe(List<BackupSet> sets) {
        if (sets.isEmpty()) {
            return "it holds no sets";
        }
        return "found: " + String.join(", ", sets.stream().map(s -> s.label() + " " + s.status().name().toLowerCase(Locale.ROOT)).toList());
    }
}
