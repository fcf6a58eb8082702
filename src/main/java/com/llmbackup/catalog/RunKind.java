package com.llmbackup.catalog;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

import com.fasterxml.jackson.annotation.JsonValue;
import com.llmbackup.config.Text;

/**
 * What a history row records a run of. The label is the value stored in the history,
 * served by the API ({@code "kind": "daily"}) and used as the metrics' {@code kind} label.
 */
public enum RunKind {
    DAILY("daily", "Daily backup", BackupKind.DAILY),
    WEEKLY("weekly", "Weekly full backup", BackupKind.WEEKLY),
    SAFETY("safety", "Safety backup", BackupKind.SAFETY),
    CLEANUP("cleanup", "Cleanup", null),
    RESTORE("restore", "Restore", null),
    DRILL("drill", "Restore drill", null),
    /** A disaster recovery onto a new server (DisasterRecoveryProcess); its row carries the RTO/RPO report. */
    RECOVERY("recovery", "Disaster recovery", null);

    private final String label;
    private final String title;
    private final BackupKind writes;

    RunKind(String label, String title, BackupKind writes) {
        this.label = label;
        this.title = title;
        this.writes = writes;
    }

    @JsonValue
    public String label() {
        return label;
    }

    /** How log lines name a run of this kind: "Daily backup", "Cleanup". */
    public String title() {
        return title;
    }

    /** The same in the reader's language (bundle key {@code run.kind.<label>}). */
    public Text titleText() {
        return Text.of("run.kind." + label);
    }

    /** The kind of set a run of this kind writes; empty for runs that write none. */
    public Optional<BackupKind> writes() {
        return Optional.ofNullable(writes);
    }

    public static RunKind of(BackupKind kind) {
        return Arrays.stream(values()).filter(k -> k.writes == kind).findFirst().orElseThrow();
    }

    public static RunKind fromLabel(String value) {
        for (RunKind kind : values()) {
            if (kind.label.equals(value.toLowerCase(Locale.ROOT))) {
                return kind;
            }
        }
        throw new IllegalArgumentException("Unknown run kind '" + value + "': use " + labels() + ".");
    }

    public static String labels() {
        return Arrays.stream(values()).map(RunKind::label).collect(Collectors.joining(", "));
    }
}
