package com.llmbackup.drill;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.catalog.Manifest;
import com.llmbackup.config.Text;

/**
 * The drill's rules that need no server or disk: which sets can be drilled, an artifact against
 * its manifest SHA-256, the restored row counts against the manifest's, the time limit. Each
 * answer names the file, table or set an operator must look at.
 */
final class DrillChecks {

    private DrillChecks() {
    }

    /** One set a drill tests, or why a requested one cannot be ({@code set} null, {@code label} the asked set if known). */
    record Choice(BackupSet set, String label, Text refusal) {
        static Choice of(BackupSet set) {
            return new Choice(set, set.label(), null);
        }
    }

    /**
     * The sets a drill tests: without {@code backupKind} and {@code backupId} the newest complete
     * daily and the newest complete weekly (a real restore may need either); with a kind only, the
     * newest complete set of it; with an id, that set (kind daily when none is given).
     */
    static List<Choice> choose(List<BackupSet> sets, String backupKind, String backupId) {
        if (backupKind == null && backupId == null) {
            List<Choice> chosen = new ArrayList<>();
            for (BackupKind kind : List.of(BackupKind.DAILY, BackupKind.WEEKLY)) {
                newest(sets, kind).map(Choice::of).ifPresent(chosen::add);
            }
            return chosen.isEmpty() ? List.of(new Choice(null, null, Text.of("drill.refused.noneComplete"))) : chosen;
        }
        BackupKind kind;
        try {
            kind = BackupKind.fromDir(backupKind == null ? BackupKind.DAILY.dir() : backupKind);
        } catch (IllegalArgumentException e) {
            return List.of(new Choice(null, null, Text.of("drill.refused.kind", backupKind)));
        }
        if (backupId == null) {
            return List.of(newest(sets, kind).map(Choice::of)
                    .orElseGet(() -> new Choice(null, kind.dir(), Text.of("drill.refused.noneOfKind", kind.dir()))));
        }
        BackupSetId id;
        try {
            id = BackupSetId.parse(backupId);
        } catch (IllegalArgumentException e) {
            // the id's own words say which rule it breaks (developer text, kept as an argument)
            return List.of(new Choice(null, null, Text.of("drill.refused.id", e.getMessage())));
        }
        String label = kind.dir() + "/" + id;
        return List.of(sets.stream().filter(s -> s.kind() == kind && s.id().equals(id)).findFirst()
                .map(s -> drillable(s).map(why -> new Choice(null, label, why)).orElseGet(() -> Choice.of(s)))
                .orElseGet(() -> new Choice(null, label, Text.of("drill.refused.noSet", label))));
    }

    private static Optional<BackupSet> newest(List<BackupSet> sets, BackupKind kind) {
        return sets.stream().filter(s -> s.kind() == kind && s.status() == BackupSet.Status.COMPLETE)
                .max(Comparator.comparing(BackupSet::id));
    }

    /** Only a complete set has a manifest to check against (a legacy set has no checksums, counts or file list). */
    static Optional<Text> drillable(BackupSet set) {
        if (set.status() == BackupSet.Status.COMPLETE) {
            return Optional.empty();
        }
        if (set.status() == BackupSet.Status.LEGACY) {
            return Optional.of(Text.of("drill.refused.legacy", set.label()));
        }
        Text status = Text.of("approval.setStatus." + set.status().name().toLowerCase(Locale.ROOT));
        return Optional.of(set.problem() == null ? Text.of("drill.refused.status", set.label(), status)
                : Text.of("drill.refused.statusProblem", set.label(), status, set.problem()));
    }

    /**
     * The manifest lists what a restore needs, as a restore reads it: the dump and the uploads
     * (a weekly's archive as a file, a snapshot as a folder); a restore refuses a set whose manifest
     * does not list them, so a drill that checked only what is listed would pass a set that cannot be
     * restored. Every listed artifact is a plain name in the set's folder (its SHA-256 is read there).
     */
    static List<Text> listed(BackupSet set) {
        List<Text> problems = new ArrayList<>();
        List<Manifest.Artifact> artifacts = set.manifest().artifacts() == null ? List.of() : set.manifest().artifacts();
        for (Manifest.Artifact a : artifacts) {
            String name = a.name() == null ? "" : a.name();
            if (name.isEmpty() || name.contains("/") || name.contains("\0") || name.equals(".") || name.equals("..")) {
                problems.add(Text.of("drill.artifacts.notAFile", set.label(), String.valueOf(a.name())));
            }
        }
        String uploadsType = set.kind().archivesUploads() ? Manifest.Artifact.FILE : Manifest.Artifact.DIRECTORY;
        for (String[] wanted : List.of(new String[] {set.kind().dumpName(set.id()), Manifest.Artifact.FILE},
                new String[] {set.kind().uploadsName(set.id()), uploadsType})) {
            if (artifacts.stream().noneMatch(a -> wanted[0].equals(a.name()) && wanted[1].equals(a.type()))) {
                problems.add(Text.of("drill.artifacts.notListed", set.label(), wanted[0], wanted[1]));
            }
        }
        return problems;
    }

    /** A file of the set against its manifest's SHA-256 ({@code actual} null: the file is missing). */
    static Optional<Text> artifact(String label, String name, String expected, String actual) {
        if (actual == null) {
            return Optional.of(Text.of("drill.artifacts.missing", name, label));
        }
        if (expected == null) {
            return Optional.of(Text.of("drill.artifacts.noSha", name, label));
        }
        if (!expected.equals(actual)) {
            return Optional.of(Text.of("drill.artifacts.mismatch", name, label, actual, expected));
        }
        return Optional.empty();
    }

    /** Every table of the manifest with its count, and no table the backup did not have. */
    static List<Text> rowCounts(Map<String, Long> manifest, Map<String, Long> restored) {
        List<Text> problems = new ArrayList<>();
        if (manifest == null || manifest.isEmpty()) {
            problems.add(Text.of("drill.rows.none"));
            return problems;
        }
        for (String table : new TreeSet<>(manifest.keySet())) {
            Long want = manifest.get(table);
            Long got = restored.get(table);
            if (got == null) {
                problems.add(Text.of("drill.rows.missing", table, want));
            } else if (!got.equals(want)) {
                problems.add(Text.of("drill.rows.differ", table, got, want));
            }
        }
        for (String table : new TreeSet<>(restored.keySet())) {
            if (!manifest.containsKey(table)) {
                problems.add(Text.of("drill.rows.extra", table));
            }
        }
        return problems;
    }

    /** The restore and its checks must fit in {@code backup.drill.timeout}: a restore that takes longer would miss the RTO. */
    static Optional<Text> timeout(Duration took, Duration limit) {
        if (took.compareTo(limit) > 0) {
            return Optional.of(Text.of("drill.timeout.over", human(took), human(limit)));
        }
        return Optional.empty();
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        if (s < 60) {
            return d.toMillis() < 10_000 ? String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0) : s + " s";
        }
        if (s < 3600) {
            return (s / 60) + " min " + (s % 60) + " s";
        }
        if (s < 86_400 * 2) {
            return (s / 3600) + " h " + (s % 3600 / 60) + " min";
        }
        return (s / 86_400) + " days " + (s % 86_400 / 3600) + " h";
    }
}
