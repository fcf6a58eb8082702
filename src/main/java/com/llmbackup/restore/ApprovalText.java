package com.llmbackup.restore;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.Sizes;
import com.llmbackup.config.Text;
import com.llmbackup.config.Texts;

/**
 * The texts an operator reads about a restore: the approval form's summary (what is replaced,
 * what is lost, who asked) in {@code backup.language}, and the short forms the history uses (a
 * set's label, its halves, an age, a duration). Pure: the guard gathers the facts.
 */
final class ApprovalText {

    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z", Locale.ROOT);
    private static final DateTimeFormatter UTC_TIME = DateTimeFormatter.ofPattern("HH:mm", Locale.ROOT);

    private ApprovalText() {
    }

    /**
     * What the guard found: the set and the names of its artifacts, when it was written, its
     * sizes, what production holds now (database and uploads), the services a restore stops.
     */
    record Facts(BackupSet set, String dumpName, String uploadsName, Instant backupTime, Instant now, ZoneId zone,
                 long dumpBytes, int tocEntries, long uploadsFiles, long uploadsBytes, String currentDatabase,
                 Path uploadsDir, long currentUploadsFiles, List<String> services, String project, Database database) {
    }

    /**
     * The database half as the guard found it: the live database's name, where a second copy
     * would go and whether it fits ({@code room}, null when not measured), what the set's globals
     * would do to the roles ({@code roles}, blank when nothing), the database an undo swaps back.
     */
    record Database(String live, DatabaseSpace.Room room, String roles, String undoneDatabase) {
        static final Database NONE = new Database(null, null, "", null);
    }

    /** How the database half runs (the form's field and the summary). */
    static Text method(RestoreRequest r, Database d) {
        if (!r.restoreDatabase()) {
            return Text.of("approval.method.none");
        }
        if (r.sideBySide()) {
            return Text.of("approval.method.sideBySide", r.targetDatabase());
        }
        if (r.undo()) {
            return Text.of("approval.method.undo", d.undoneDatabase(), r.undoRestoreOf(), d.live());
        }
        if (r.inPlaceDatabase()) {
            return Text.of("approval.method.inPlace", d.live());
        }
        return Text.of("approval.method.swap", d.live());
    }

    private static Text room(DatabaseSpace.Room room) {
        if (room == null) {
            return null;
        }
        if (!room.known()) {
            return Text.of("approval.room.unknown", room.why());
        }
        return Text.of("approval.room", Sizes.human(room.freeBytes()), Sizes.human(room.neededBytes()), room.where());
    }

    /** Who may approve this restore, as the approval form and the page say it (한국어 · English). */
    public static String whoApproves(String requester, boolean requireSecondOperator) {
        String who = requester == null ? "?" : requester;
        return requireSecondOperator
                ? "요청자(" + who + ")가 아닌 다른 운영자가 승인해야 합니다 (backup.restore.require-second-operator). · "
                        + "An operator other than the requester (" + who + ") must approve (backup.restore.require-second-operator)."
                : "그룹 operators의 누구나 승인하거나 거부할 수 있으며, 요청자(" + who + ") 본인도 가능합니다. · "
                        + "Any operator of group operators may approve or reject, the requester (" + who + ") included.";
    }

    /** "2026-12-07 22:12 KST (13:12 UTC)": the display zone with its name, UTC beside it unless it is UTC. */
    static String inZoneAndUtc(Instant at, ZoneId zone) {
        String local = TIME.format(at.atZone(zone));
        return zone.getRules().getOffset(at).getTotalSeconds() == 0 ? local
                : local + " (" + UTC_TIME.format(at.atZone(ZoneOffset.UTC)) + " UTC)";
    }

    /** What the approver reads, from the facts the guard gathered, in {@code backup.language} (Tasklist shows one language). */
    static RestorePlan describe(RestoreRequest request, Facts f, Texts texts) {
        BackupSet set = f.set();
        Duration age = Duration.between(f.backupTime(), f.now());
        String when = inZoneAndUtc(f.backupTime(), f.zone());
        String ago = texts.render(ago(age));
        List<Text> lines = new ArrayList<>();
        String status = texts.render("approval.setStatus." + set.status().name().toLowerCase(Locale.ROOT));
        lines.add(Text.of("approval.set", set.label(), status, when, ago));
        String dataLoss = texts.render(request.sideBySide() ? Text.of("approval.dataLoss.none") : Text.of("approval.dataLoss.since", when, ago));
        lines.add(Text.of("approval.dataLoss", dataLoss));
        List<String> overwrites = new ArrayList<>();
        if (request.restoreDatabase()) {
            Map<String, Long> rows = set.manifest() == null || set.manifest().rowCounts() == null ? Map.of() : set.manifest().rowCounts();
            Object backupRows = rows.isEmpty() ? "" : Text.of("approval.rows", rows.values().stream().mapToLong(Long::longValue).sum());
            Text target = request.sideBySide() ? Text.of("approval.target.newDatabase", request.targetDatabase())
                    : Text.of("approval.target.database", f.currentDatabase());
            overwrites.add(texts.render("approval.replaces.database", target, f.dumpName(), Sizes.human(f.dumpBytes()), backupRows,
                    f.tocEntries()));
        }
        if (request.restoreUploads()) {
            Text target = request.sideBySide() ? Text.of("approval.target.folder", request.targetUploadsDir())
                    : Text.of("approval.target.uploads", f.uploadsDir(), f.currentUploadsFiles());
            overwrites.add(texts.render("approval.replaces.uploads", target, f.uploadsName(), f.uploadsFiles(), Sizes.human(f.uploadsBytes())));
        }
        lines.add(Text.of("approval.replaces", String.join("; ", overwrites)));
        Database d = f.database();
        if (request.restoreDatabase()) {
            lines.add(Text.of("approval.method", method(request, d)));
        }
        List<String> rendered = new ArrayList<>(lines.stream().map(texts::render).toList());
        if (request.restoreDatabase() && room(d.room()) != null) {
            rendered.add(texts.render(room(d.room())) + ".");
        }
        if (request.restoreDatabase() && !d.roles().isBlank()) {
            rendered.add(d.roles());
        }
        if (!request.sideBySide()) {
            rendered.add(texts.render("approval.services", String.join(", ", f.services()), f.project()));
        }
        if (request.applicationStopped()) {
            rendered.add(texts.render("approval.applicationStopped"));
        }
        Object requester = request.requestedBy() == null ? Text.of("approval.unknown") : request.requestedBy();
        rendered.add(texts.render(request.reason() == null ? Text.of("approval.requestedBy", requester)
                : Text.of("approval.requestedBy.reason", requester, request.reason())));
        return new RestorePlan(set.label(), status, when, ago, dataLoss, f.dumpBytes(), f.uploadsFiles(), f.uploadsBytes(),
                String.join("; ", overwrites), String.join("\n", rendered),
                request.restoreDatabase() ? texts.render(method(request, d)) + "." : null);
    }

    static Text halves(RestoreRequest r) {
        Text database = r.sideBySide() ? Text.of("restore.halves.databaseInto", r.targetDatabase()) : Text.of("restore.halves.database");
        Text uploads = r.sideBySide() ? Text.of("restore.halves.uploadsInto", r.targetUploadsDir()) : Text.of("restore.halves.uploads");
        if (r.restoreDatabase() && r.restoreUploads()) {
            return Text.of("restore.halves.both", database, uploads);
        }
        return r.restoreDatabase() ? database : uploads;
    }

    static Text sideTargets(RestoreRequest r) {
        if (r.restoreDatabase() && r.restoreUploads()) {
            return Text.of("restore.targets.both", r.targetDatabase(), r.targetUploadsDir());
        }
        return r.restoreDatabase() ? Text.of("restore.targets.database", r.targetDatabase()) : Text.of("restore.targets.folder", r.targetUploadsDir());
    }

    static String label(RestoreRequest r) {
        return (r.backupKind() == null ? "daily" : r.backupKind()) + "/" + r.backupId();
    }

    static Text ago(Duration d) {
        long hours = d.toHours();
        if (hours >= 48) {
            return Text.of("approval.ago.days", hours / 24, hours % 24);
        }
        return hours > 0 ? Text.of("approval.ago.hours", hours, d.toMinutesPart()) : Text.of("approval.ago.minutes", Math.max(0, d.toMinutes()));
    }

    static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }
}
