package com.llmbackup.restore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;

import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.config.Texts;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What the approver reads: the facts in backup.language (Korean or English), in the runbook's terms. */
class ApprovalTextTests {

    private static final Instant WRITTEN = Instant.parse("2025-10-31T02:00:00Z");

    private static final long GIB = 1L << 30;

    private static RestorePlan describe(String language, boolean sideBySide, boolean applicationStopped) {
        RestoreRequest request = (sideBySide
                ? RestoreRequest.sideBySide("daily", "20251031", true, false, "user1 deleted documents", "llm_check", null)
                : RestoreRequest.inPlace("daily", "20251031", true, false, "user1 deleted documents", applicationStopped));
        return describe(language, request, new ApprovalText.Database("llm_webapp", sideBySide ? null
                : DatabaseSpace.Room.known(5 * GIB, GIB, GIB / 4, "/var/lib/postgresql/data in the container of compose service db"),
                "Roles from the set's globals: created because missing: llm_user.", null));
    }

    private static RestorePlan describe(String language, RestoreRequest request, ApprovalText.Database database) {
        BackupSet set = new BackupSet(BackupKind.DAILY, BackupSetId.parse("20251031"), BackupSet.Status.COMPLETE, null, List.of(), null);
        return ApprovalText.describe(request.withRequester("alice"), new ApprovalText.Facts(set, "db_20251031.dump", "uploads_20251031", WRITTEN,
                WRITTEN.plusSeconds(26 * 3600 + 300), ZoneId.of("Asia/Seoul"), 2048, 12, 0, 0, "llm_webapp", Path.of("/data/uploads"),
                3, List.of("backend", "frontend"), "llm", database), Texts.of(language));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "ko | set       | 백업 세트: daily/20251031 (완료, 백업 시각 2025-10-31 11:00 KST (02:00 UTC), 26시간 5분 전)",
            "ko | loss      | 데이터 손실: 2025-10-31 11:00 KST (02:00 UTC) 이후에 기록된 모든 내용(26시간 5분 분량의 변경)이 사라집니다. 먼저 현재 상태의 안전 백업을 만듭니다.",
            "ko | services  | 복원 중 중지되는 서비스: backend, frontend (프로젝트 llm, 데이터베이스는 계속 실행됩니다).",
            "ko | requester | 요청자: alice; 사유: user1 deleted documents",
            "ko | method    | 데이터베이스 복원 방식: 옆에 복원, 검사, 교체: 애플리케이션이 실행되는 동안 llm_webapp 옆의 새 데이터베이스에 복원하고 백업과 대조한 뒤, 서비스를 중지하고 이름 변경 한 번으로 교체합니다. 지금의 llm_webapp는 되돌리기를 위해 보관됩니다.",
            "ko | room      | 두 번째 복사본을 위한 공간: 5.00 GiB 여유, 필요 약 1.10 GiB (/var/lib/postgresql/data in the container of compose service db).",
            "en | set       | Set: daily/20251031 (complete, written 2025-10-31 11:00 KST (02:00 UTC), 26 h 5 min ago)",
            "en | method    | Database method: restore beside, check, swap: the dump is restored into a new database beside llm_webapp while the application runs, checked against the backup, then swapped in by one rename with the services stopped; llm_webapp as it is now is kept for an undo.",
            "en | room      | Space for the second copy: 5.00 GiB free, needs about 1.10 GiB (/var/lib/postgresql/data in the container of compose service db).",
            "en | roles     | Roles from the set's globals: created because missing: llm_user.",
            "en | requester | Requested by: alice; reason: user1 deleted documents"})
    void summaryWhenInPlaceIsInTheConfiguredLanguage(String language, String what, String line) {
        assertThat(describe(language, false, false).summary().lines()).as(what).contains(line);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"ko", "en"})
    void summaryWhenWrittenHoldsOneLanguageOnly(String language) {
        String summary = describe(language, false, true).summary();
        // the set's own words (paths, the roles note) aside: no line of the other language
        assertThat(summary).doesNotContain(language.equals("ko") ? "Data loss:" : "데이터 손실");
        assertThat(summary).contains(language.equals("ko") ? "데이터 손실" : "Data loss:");
    }

    @ParameterizedTest(name = "{0} side by side: {1}")
    @CsvSource(delimiter = '|', value = {
            "ko | false | 2025-10-31 11:00 KST (02:00 UTC) 이후에 기록된 모든 내용(26시간 5분 분량의 변경)이 사라집니다. 먼저 현재 상태의 안전 백업을 만듭니다.",
            "ko | true  | 없음: 운영 환경은 변경되지 않습니다 (병행 복원).",
            "en | false | Everything written since 2025-10-31 11:00 KST (02:00 UTC) (26 h 5 min of changes) is lost; a safety backup of the current state is taken first.",
            "en | true  | None: production is not touched (side-by-side restore)."})
    void dataLossWhenShownIsOneLineInTheConfiguredLanguage(String language, boolean sideBySide, String expected) {
        assertThat(describe(language, sideBySide, false).dataLoss()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} stopped {1}")
    @CsvSource({"ko, true", "ko, false", "en, true", "en, false"})
    void warningWhenApplicationStoppedByOtherMeansIsInTheConfiguredLanguage(String language, boolean stopped) {
        String summary = describe(language, false, stopped).summary();
        String warning = language.equals("ko") ? "경고: 요청자는 애플리케이션이 다른 방법으로 중지되었다고 합니다"
                : "WARNING: the requester says the application is stopped";
        assertThat(summary.contains(warning)).isEqualTo(stopped);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "in place as asked | IN PLACE, as asked: pg_restore --clean into llm_webapp itself. Not atomic",
            "undo              | undo: llm_webapp__before_12 (the database from before restore run 12) is swapped back in as llm_webapp",
            "could not check   | Space for the second copy: could not check (the server's volume (/srv/pg) is neither in compose service db"})
    void databaseMethodWhenShownSaysHowTheDatabaseIsRestored(String what, String expected) {
        RestoreRequest request = switch (what) {
            case "in place as asked" -> RestoreRequest.inPlace("daily", "20251031", true, true, null, false).withInPlaceDatabase(true);
            case "undo" -> RestoreRequest.undo(12, null).undoing("20251030", true, true);
            default -> RestoreRequest.inPlace("daily", "20251031", true, true, null, false);
        };
        DatabaseSpace.Room room = what.equals("could not check")
                ? DatabaseSpace.Room.unknown(GIB, GIB / 4, "the server's volume (/srv/pg) is neither in compose service db of project llm nor on "
                + "this host") : null;
        RestorePlan plan = describe("en", request, new ApprovalText.Database("llm_webapp", room, "", "llm_webapp__before_12"));
        assertThat(plan.summary()).contains(expected);
        if (!what.equals("could not check")) {
            assertThat(plan.databaseMethod()).as("the form's field").startsWith(expected);
        }
    }
}
