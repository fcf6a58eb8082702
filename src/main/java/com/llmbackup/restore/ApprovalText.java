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

/**
 * The texts an operator reads about a restore: the approval form's summary (what is replaced,
 * what is lost, who asked), and the short forms the history uses (a set's label, its halves,
 * an age, a duration). Pure: the guard gathers the facts.
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
                 Path uploadsDir, long currentUploadsFiles, List<String> services, String project) {
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

    /** What the approver reads, from the facts the guard gathered. */
    static RestorePlan describe(RestoreRequest request, Facts f) {
        BackupSet set = f.set();
        ZoneId zone = f.zone();
        Instant backupTime = f.backupTime();
        long dumpBytes = f.dumpBytes();
        long uploadsFiles = f.uploadsFiles();
        long uploadsBytes = f.uploadsBytes();
        Duration age = Duration.between(backupTime, f.now());
        String when = inZoneAndUtc(backupTime, zone);
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
        // the Korean operators' lines first, the English ones (which logs and tests quote) after
        List<String> korean = korean(request, f, when, age, overwrites);
        String dataLossKo = korean.get(1).substring("데이터 손실: ".length());
        return new RestorePlan(set.label(), set.status().name().toLowerCase(Locale.ROOT), when, ago(age),
                dataLossKo + "\n" + dataLoss, dumpBytes, uploadsFiles, uploadsBytes, String.join("; ", overwrites),
                String.join("\n", korean) + "\n\n" + String.join("\n", lines));
    }

    /** The same facts in Korean, in the runbook's terms (복원, 안전 백업); paths and names as they are. */
    private static List<String> korean(RestoreRequest request, Facts f, String when, Duration age, List<String> overwrites) {
        List<String> lines = new ArrayList<>();
        String status = f.set().status() == BackupSet.Status.LEGACY ? "기존 스크립트 백업" : "완료";
        lines.add("백업 세트: " + f.set().label() + " (" + status + ", 백업 시각 " + when + ", " + agoKo(age) + " 전)");
        lines.add("데이터 손실: " + (request.sideBySide()
                ? "없음: 운영 환경은 변경되지 않습니다 (병행 복원)."
                : when + " 이후에 기록된 모든 내용(" + agoKo(age) + " 분량의 변경)이 사라집니다. 먼저 현재 상태의 안전 백업을 만듭니다."));
        lines.add("교체 대상: " + String.join("; ", overwrites));
        if (!request.sideBySide()) {
            lines.add("복원 중 중지되는 서비스: " + String.join(", ", f.services()) + " (프로젝트 " + f.project()
                    + ", 데이터베이스는 계속 실행됩니다).");
        }
        if (request.applicationStopped()) {
            lines.add("경고: 요청자는 애플리케이션이 다른 방법으로 중지되었다고 합니다 (applicationStopped). "
                    + "승인 전에 확인하십시오: 이 복원은 애플리케이션을 중지하거나 시작하지 않습니다.");
        }
        lines.add("요청자: " + (request.requestedBy() == null ? "(알 수 없음)" : request.requestedBy())
                + (request.reason() == null ? "" : "; 사유: " + request.reason()));
        return lines;
    }

    static String agoKo(Duration d) {
        long hours = d.toHours();
        if (hours >= 48) {
            return hours / 24 + "일 " + hours % 24 + "시간";
        }
        return hours > 0 ? hours + "시간 " + d.toMinutesPart() + "분" : Math.max(0, d.toMinutes()) + "분";
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
