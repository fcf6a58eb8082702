package com.llmbackup.restore;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.Sizes;

/**
 * The texts an operator reads about a restore: the approval form's summary (what is replaced,
 * what is lost, who asked), and the short forms the history uses (a set's label, its halves,
 * an age, a duration). Pure: the guard gathers the facts.
 */
final class ApprovalText {

    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z", Locale.ROOT);

    private ApprovalText() {
    }

    /**
     * What the guard found: the set and the names of its artifacts, when it was written, its
     * sizes, what production holds now (database and uploads), the services a restore stops.
     */
    record Facts(BackupSet set, String dumpName, String uploadsName, Instant backupTime, Instant now, ZoneId zone,
                 long dumpBytes, int tocEntries, long uploadsFiles, long uploadsBytes, String currentDatabase,
                 Path uploadsDir, long currentUploadsFiles, List<String> services, String project) {
    }

    /** What the approver reads, from the facts the guard gathered. */
    static RestorePlan describe(RestoreRequest request, Facts f) {
        BackupSet set = f.set();
        ZoneId zone = f.zone();
        Instant backupTime = f.backupTime();
        long dumpBytes = f.dumpBytes();
        long uploadsFiles = f.uploadsFiles();
        long uploadsBytes = f.uploadsBytes();
        Duration age = Duration.between(backupTime, f.now());
        String when = TIME.format(backupTime.atZone(zone));
        List<String> lines = new ArrayList<>();
        lines.add("Set: " + set.label() + " (" + set.status().name().toLowerCase(Locale.ROOT) + ", written " + when + ", "
                + ago(age) + " ago)");
        String dataLoss = request.sideBySide()
                ? "None: production is not touched (side-by-side restore)."
                : "Everything written since " + when + " (" + ago(age) + " of changes) is lost; a safety backup of the current state is taken first.";
        lines.add("Data loss: " + dataLoss);
        List<String> overwrites = new ArrayList<>();
        if (request.restoreDatabase()) {
            Map<String, Long> rows = set.manifest() == null || set.manifest().rowCounts() == null ? Map.of() : set.manifest().rowCounts();
            String backupRows = rows.isEmpty() ? "" : ", " + rows.values().stream().mapToLong(Long::longValue).sum() + " rows";
            String target = request.sideBySide() ? "new database " + request.targetDatabase() : "database " + f.currentDatabase();
            overwrites.add(target + " <- " + f.dumpName() + " (" + Sizes.human(dumpBytes) + backupRows
                    + "; pg_restore --list read " + f.tocEntries() + " entries)");
        }
        if (request.restoreUploads()) {
            String target = request.sideBySide() ? "folder " + request.targetUploadsDir()
                    : "uploads " + f.uploadsDir() + " (now " + f.currentUploadsFiles() + " files; files created since are deleted)";
            overwrites.add(target + " <- " + f.uploadsName() + " (" + uploadsFiles + " files, " + Sizes.human(uploadsBytes) + ")");
        }
        lines.add("Replaces: " + String.join("; ", overwrites));
        if (!request.sideBySide()) {
            lines.add("Services stopped during the restore: " + String.join(", ", f.services())
                    + " of project " + f.project() + " (the database keeps running).");
        }
        if (request.applicationStopped()) {
            lines.add("WARNING: the requester says the application is stopped by other means (applicationStopped); "
                    + "check that before approving: the restore does not stop or start it.");
        }
        lines.add("Requested by: " + (request.requestedBy() == null ? "(unknown)" : request.requestedBy())
                + (request.reason() == null ? "" : "; reason: " + request.reason()));
        return new RestorePlan(set.label(), set.status().name().toLowerCase(Locale.ROOT), when, ago(age), dataLoss, dumpBytes,
                uploadsFiles, uploadsBytes, String.join("; ", overwrites), String.join("\n", lines));
    }


    static String halves(RestoreRequest r) {
        List<String> h = new ArrayList<>();
        if (r.restoreDatabase()) {
            h.add(r.sideBySide() ? "database into " + r.targetDatabase() : "database");
        }
        if (r.restoreUploads()) {
            h.add(r.sideBySide() ? "uploads into " + r.targetUploadsDir() : "uploads");
        }
        return String.join(" and ", h);
    }

    static String sideTargets(RestoreRequest r) {
        List<String> t = new ArrayList<>();
        if (r.restoreDatabase()) {
            t.add("database " + r.targetDatabase());
        }
        if (r.restoreUploads()) {
            t.add("folder " + r.targetUploadsDir());
        }
        return String.join(" and ", t);
    }

    static String label(RestoreRequest r) {
        return (r.backupKind() == null ? "daily" : r.backupKind()) + "/" + r.backupId();
    }

    static String ago(Duration d) {
        long hours = d.toHours();
        if (hours >= 48) {
            return hours / 24 + " d " + hours % 24 + " h";
        }
        return hours > 0 ? hours + " h " + d.toMinutesPart() + " min" : Math.max(0, d.toMinutes()) + " min";
    }

    static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }
}
