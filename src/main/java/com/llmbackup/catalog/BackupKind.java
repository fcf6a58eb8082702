package com.llmbackup.catalog;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kinds of backup set and their seed-compatible file names: the runbook's manual
 * commands ({@code pg_restore --list /backup/daily/db_20251031.dump}) keep working.
 */
public enum BackupKind {
    DAILY("daily", ""),
    WEEKLY("weekly", "full_"),
    SAFETY("safety", ""),
    /** A database as of a chosen instant: replayed from a base backup and the WAL, dumped, then restored like any set. */
    PITR("pitr", "");

    private final String dir;
    private final String infix;
    private final Pattern name;

    BackupKind(String dir, String infix) {
        this.dir = dir;
        this.infix = infix;
        this.name = Pattern.compile("^(db|uploads|manifest|files|globals|config|base)_" + infix
                + "(\\d{8}(?:_\\d+)?)(\\.dump|\\.jsonl|\\.json|\\.sql|\\.tar\\.gz|\\.backup_manifest)?$");
    }

    public String dir() {
        return dir;
    }

    public static BackupKind fromDir(String value) {
        for (BackupKind kind : values()) {
            if (kind.dir.equals(value.toLowerCase(Locale.ROOT))) {
                return kind;
            }
        }
        throw new IllegalArgumentException("Unknown backup kind '" + value + "': use daily, weekly or safety.");
    }

    /** Sets the schedule writes: the ones the RPO and the health judge (a safety or pitr set is no newer backup). */
    public boolean scheduled() {
        return this == DAILY || this == WEEKLY;
    }

    /** Weekly sets keep uploads as one tar.gz; daily and safety sets as a snapshot folder. */
    public boolean archivesUploads() {
        return this == WEEKLY;
    }

    public String dumpName(BackupSetId id) {
        return "db_" + infix + id + ".dump";
    }

    public String uploadsName(BackupSetId id) {
        return archivesUploads() ? "uploads_" + infix + id + ".tar.gz" : "uploads_" + infix + id;
    }

    public String manifestName(BackupSetId id) {
        return "manifest_" + infix + id + ".json";
    }

    /** The set's file list (format 2), beside its manifest: deleted, rolled back and listed with the set. */
    public String fileListName(BackupSetId id) {
        return "files_" + infix + id + ".jsonl";
    }

    public String globalsName(BackupSetId id) {
        return "globals_" + infix + id + ".sql";
    }

    public String configName(BackupSetId id) {
        return "config_" + infix + id;
    }

    /** The set's base backup ({@code pg_basebackup}: the data directory as one compressed tar); weekly sets have one while WAL streams. */
    public String baseBackupName(BackupSetId id) {
        return "base_" + infix + id + ".tar.gz";
    }

    /** PostgreSQL's {@code backup_manifest} of the set's base backup, as pg_basebackup wrote it. */
    public String baseBackupManifestName(BackupSetId id) {
        return "base_" + infix + id + ".backup_manifest";
    }

    /** The set a file in this kind's folder belongs to, if its name is one of ours. */
    Optional<Match> match(String fileName) {
        Matcher m = name.matcher(fileName);
        if (!m.matches()) {
            return Optional.empty();
        }
        String role = m.group(1);
        String ext = m.group(3) == null ? "" : m.group(3);
        boolean expected = switch (role) {
            case "db" -> ext.equals(".dump");
            case "uploads" -> archivesUploads() ? ext.equals(".tar.gz") : ext.isEmpty();
            case "manifest" -> ext.equals(".json");
            case "files" -> ext.equals(".jsonl");
            case "globals" -> ext.equals(".sql");
            case "base" -> ext.equals(".tar.gz") || ext.equals(".backup_manifest");
            default -> ext.isEmpty();
        };
        return expected ? Optional.of(new Match(role, BackupSetId.parse(m.group(2)))) : Optional.empty();
    }

    record Match(String role, BackupSetId id) {
        boolean isManifest() {
            return role.equals("manifest");
        }

        /** The artifacts the old scripts wrote: a dump or the uploads copy. */
        boolean isSeedArtifact() {
            return role.equals("db") || role.equals("uploads");
        }
    }
}
