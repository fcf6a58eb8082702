package com.llmbackup.recovery;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.config.Text;
import com.llmbackup.config.Texts;

/**
 * Which set a disaster recovery restores: the one the operator named, or else the newest
 * complete daily or weekly set (a safety set only when named: it holds the state before some
 * earlier restore). Pure: judged from the catalog's list; a refusal says what to do.
 */
public final class RecoveryChoice {

    private RecoveryChoice() {
    }

    /** The chosen set, or {@link RecoveryRefusedException} saying why none. {@code kind} and {@code id} may be blank. */
    public static BackupSet choose(List<BackupSet> sets, String kind, String id, String root, Texts texts) {
        if (id != null && !id.isBlank()) {
            return named(sets, kind == null || kind.isBlank() ? BackupKind.DAILY.dir() : kind.strip(), id.strip(), root, texts);
        }
        return sets.stream()
                .filter(s -> s.status() == BackupSet.Status.COMPLETE && s.kind().scheduled())
                .max(Comparator.comparing(BackupSet::id).thenComparing(RecoveryChoice::completedAt))
                .orElseThrow(() -> new RecoveryRefusedException(Text.of("recovery.refused.noneComplete", root, describe(sets)), texts));
    }

    private static BackupSet named(List<BackupSet> sets, String kind, String id, String root, Texts texts) {
        BackupKind k;
        BackupSetId setId;
        try {
            k = BackupKind.fromDir(kind);
            setId = BackupSetId.parse(id);
        } catch (IllegalArgumentException e) {
            // the name's own words say which rule it breaks (developer text, kept as an argument)
            throw new RecoveryRefusedException(Text.of("recovery.refused.name", e.getMessage()), texts);
        }
        Optional<BackupSet> found = sets.stream().filter(s -> s.kind() == k && s.id().equals(setId)).findFirst();
        if (found.isEmpty()) {
            throw new RecoveryRefusedException(Text.of("recovery.refused.noSet", k.dir() + "/" + setId, root, describe(sets)), texts);
        }
        if (!found.get().restorable()) {
            Text status = Text.of("approval.setStatus." + found.get().status().name().toLowerCase(Locale.ROOT));
            throw new RecoveryRefusedException(found.get().problem() == null
                    ? Text.of("recovery.refused.status", found.get().label(), status)
                    : Text.of("recovery.refused.statusProblem", found.get().label(), status, found.get().problem()), texts);
        }
        return found.get();
    }

    private static Instant completedAt(BackupSet set) {
        return set.manifest() == null || set.manifest().completedAt() == null ? Instant.EPOCH : set.manifest().completedAt();
    }

    private static Text describe(List<BackupSet> sets) {
        if (sets.isEmpty()) {
            return Text.of("recovery.refused.empty");
        }
        return Text.of("recovery.refused.found", String.join(", ", sets.stream().map(s -> s.label() + " " + s.status().name().toLowerCase(Locale.ROOT)).toList()));
    }
}
