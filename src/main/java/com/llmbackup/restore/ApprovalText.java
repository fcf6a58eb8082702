package com.llmbackup.restore;

import com.llmbackup.config.Text;
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

    /** How the database half runs, in English (the form's field and the history). */
    static String method(RestoreRequest r, Database d) {
        if (!r.restoreDatabase()) {
            return "none: the database is not restored";
        }
        if (r.sideBySide()) {
            return "into the new database " + r.targetDatabase() + ", checked against the backup";
        }
        if (r.undo()) {
            return "undo: " + d.undoneDatabase() + " (the database from before restore run " + r.undoRestoreOf() + ") is swapped back in as "
                    + d.live() + " in one transaction, with the services stopped";
        }
        if (r.inPlaceDatabase()) {
            return "IN PLACE, as asked: pg_restore --clean into " + d.live() + " itself. Not atomic: a failure or a crash leaves it half "
                    + "restored, and objects created since the backup remain";
        }
        return "restore beside, check, swap: the dump is restored into a new database beside " + d.live() + " while the application runs, "
                + "checked against the backup, then swapped in by one rename with the services stopped; " + d.live()
                + " as it is now is kept for an undo";
    }

    private static String methodKo(RestoreRequest r, Database d) {
        if (!r.restoreDatabase()) {
            return "없음: 데이터베이스는 복원하지 않습니다";
        }
        if (r.sideBySide()) {
            return "새 데이터베이스 " + r.targetDatabase() + "에 복원하고 백업과 대조합니다";
        }
        if (r.undo()) {
            return "되돌리기: " + d.undoneDatabase() + "(복원 실행 " + r.undoRestoreOf() + " 이전의 데이터베이스)를 서비스를 중지한 채 한 트랜잭션으로 "
                    + d.live() + "(으)로 되돌립니다";
        }
        if (r.inPlaceDatabase()) {
            return "요청에 따라 제자리 복원: " + d.live() + "에 직접 pg_restore --clean. 원자적이지 않습니다: 실패나 중단 시 반쯤 복원된 상태로 남고, "
                    + "백업 이후 생성된 객체는 남습니다";
        }
        return "옆에 복원, 검사, 교체: 애플리케이션이 실행되는 동안 " + d.live() + " 옆의 새 데이터베이스에 복원하고 백업과 대조한 뒤, 서비스를 중지하고 "
                + "이름 변경 한 번으로 교체합니다. 지금의 " + d.live() + "는 되돌리기를 위해 보관됩니다";
    }

    private static String room(DatabaseSpace.Room room, boolean ko) {
        if (room == null) {
            return null;
        }
        if (!room.known()) {
            return ko ? "두 번째 복사본을 위한 공간: 확인할 수 없음 (" + room.why() + ")"
                    : "Space for the second copy: could not check (" + room.why() + ")";
        }
        return (ko ? "두 번째 복사본을 위한 공간: " : "Space for the second copy: ") + Sizes.human(room.freeBytes()) + (ko ? " 여유, 필요 약 " : " free, needs about ")
                + Sizes.human(room.neededBytes()) + " (" + room.where() + ")";
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
        Database d = f.database();
        if (request.restoreDatabase()) {
            lines.add("Database method: " + method(request, d) + ".");
            if (room(d.room(), false) != null) {
                lines.add(room(d.room(), false) + ".");
            }
            if (!d.roles().isBlank()) {
                lines.add(d.roles());
            }
        }
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
                String.join("\n", korean) + "\n\n" + String.join("\n", lines),
                request.restoreDatabase() ? methodKo(request, d) + ".\n" + method(request, d) + "." : null);
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
        if (request.restoreDatabase()) {
            lines.add("데이터베이스 복원 방식: " + methodKo(request, f.database()) + ".");
            if (room(f.database().room(), true) != null) {
                lines.add(room(f.database().room(), true) + ".");
            }
        }
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

    static Text sideTargets(RestoreRequest r) {
        if (r.restoreDatabase() && r.restoreUploads()) {
            return Text.of("restore.targets.both", r.targetDatabase(), r.targetUploadsDir());
        }
        return r.restoreDatabase() ? Text.of("restore.targets.database", r.targetDatabase()) : Text.of("restore.targets.folder", r.targetUploadsDir());
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
