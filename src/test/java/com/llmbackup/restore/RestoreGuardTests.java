package com.llmbackup.restore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import com.llmbackup.catalog.RunStatus;
import com.llmbackup.config.Texts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The restore's rules, one case per refusal (and the cases each rule lets through). No Docker, no PostgreSQL. */
class RestoreGuardTests {

    private static final Texts EN = Texts.of("en");

    static final Path ROOT = Path.of("/backup");
    static final Path SCRATCH = ROOT.resolve("scratch");
    static final Path LIVE = Path.of("/srv/llm/uploads");
    static final List<Path> SETS = List.of(ROOT.resolve("daily"), ROOT.resolve("weekly"), ROOT.resolve("safety"), ROOT.resolve(".staging"));

    @Test
    void nothingToRestoreWhenBothHalvesAreOffRefuses() {
        assertThat(RestoreGuard.nothingToRestore(false, false).map(EN::render)).hasValue("Nothing to restore: restoreDatabase and restoreUploads are both false.");
    }

    @ParameterizedTest
    @CsvSource({"true,false", "false,true", "true,true"})
    void nothingToRestoreWhenOneHalfIsOnPasses(boolean database, boolean uploads) {
        assertThat(RestoreGuard.nothingToRestore(database, uploads).map(EN::render)).isEmpty();
    }

    static Stream<Arguments> refusedDatabases() {
        return Stream.of(
                Arguments.of("missing", null, false, "Side-by-side restore: give targetDatabase too, or set restoreDatabase=false."),
                Arguments.of("not a plain name", "copy; drop database llm_webapp", false,
                        "targetDatabase 'copy; drop database llm_webapp' is not a plain database name (lower-case letters, digits, _)."),
                Arguments.of("upper case", "Copy", false, "targetDatabase 'Copy' is not a plain database name"),
                Arguments.of("production", "llm_webapp", false, "targetDatabase 'llm_webapp' is not a new database: a side-by-side "
                        + "restore never writes into llm_webapp, postgres or a template."),
                Arguments.of("postgres", "postgres", false, "targetDatabase 'postgres' is not a new database"),
                Arguments.of("a template", "template1", false, "targetDatabase 'template1' is not a new database"),
                Arguments.of("the drill's scratch name", "llm_backup_drill_12", false, "targetDatabase 'llm_backup_drill_12' is a name "
                        + "the restore drill keeps for its scratch databases (llm_backup_drill_*): choose another name."),
                Arguments.of("a name a restore gives its copies", "llm_webapp__before_12", false, "targetDatabase 'llm_webapp__before_12' "
                        + "is of the form a restore gives its own copies (__restoring_, __before_): choose another name."),
                Arguments.of("exists", "llm_webapp_copy", true, "Database llm_webapp_copy already exists: a side-by-side restore writes "
                        + "only into a new database. Choose another name, or drop it (DROP DATABASE llm_webapp_copy) if it is an old copy."));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedDatabases")
    void targetDatabaseWhenNotANewPlainDatabaseRefuses(String rule, String db, boolean exists, String message) {
        assertThat(RestoreGuard.targetDatabase(db, "llm_webapp", exists).map(EN::render)).hasValueSatisfying(why -> assertThat(why).startsWith(message));
    }

    @Test
    void targetDatabaseWhenNewPlainNamePasses() {
        assertThat(RestoreGuard.targetDatabase("llm_webapp_check_2", "llm_webapp", false).map(EN::render)).isEmpty();
    }

    static Stream<Arguments> refusedFolders() {
        return Stream.of(
                Arguments.of("missing", null, "Side-by-side restore: give targetUploadsDir too, or set restoreUploads=false."),
                Arguments.of("the root of the filesystem", Path.of("/"), "targetUploadsDir / is not below /backup/scratch "
                        + "(backup.restore.side-by-side-root): a side-by-side restore writes only into a new or empty folder there, e.g. "
                        + "/backup/scratch/uploads-check."),
                Arguments.of("the allowed root itself", SCRATCH, "targetUploadsDir /backup/scratch is not below /backup/scratch"),
                Arguments.of("beside the allowed root", Path.of("/backup/scratch2/x"), "targetUploadsDir /backup/scratch2/x is not below"),
                Arguments.of("the live uploads", LIVE, "targetUploadsDir /srv/llm/uploads is not below"),
                Arguments.of("the drill's scratch folder", SCRATCH.resolve("drill-12/x"), "targetUploadsDir /backup/scratch/drill-12/x is "
                        + "below a name the restore drill keeps for its scratch folders (/backup/scratch/drill-*): choose another folder"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedFolders")
    void targetFolderWhenOutsideTheAllowedRootRefuses(String rule, Path dir, String message) {
        assertThat(RestoreGuard.targetFolder(dir, LIVE, SCRATCH, ROOT, SETS).map(EN::render)).hasValueSatisfying(why -> assertThat(why).startsWith(message));
    }

    @Test
    void targetFolderWhenAllowedRootHoldsTheLiveUploadsRefusesTheOverlap() {
        Path scratchWithLive = Path.of("/srv/llm");
        assertThat(RestoreGuard.targetFolder(Path.of("/srv/llm/uploads/copy"), LIVE, scratchWithLive, ROOT, SETS).map(EN::render))
                .hasValue("targetUploadsDir /srv/llm/uploads/copy overlaps the uploads folder /srv/llm/uploads: choose another folder below /srv/llm.");
    }

    @Test
    void targetFolderWhenAllowedRootHoldsTheSetsRefusesInsideASet() {
        assertThat(RestoreGuard.targetFolder(Path.of("/backup/daily/uploads_20251031"), LIVE, ROOT, ROOT, SETS).map(EN::render))
                .hasValue("targetUploadsDir /backup/daily/uploads_20251031 is inside the backup sets of /backup: choose a folder below /backup.");
    }

    @Test
    void targetFolderWhenNewFolderBelowAllowedRootPasses() {
        assertThat(RestoreGuard.targetFolder(SCRATCH.resolve("check-1"), LIVE, SCRATCH, ROOT, SETS).map(EN::render)).isEmpty();
    }

    @Test
    void servicesFoundWhenNoneOfTheServicesRunsRefusesNamingProjectsFound() {
        Map<String, Integer> found = new LinkedHashMap<>(Map.of("backend", 0));
        found.put("frontend", 0);
        assertThat(RestoreGuard.servicesFound(found, false, "llm-webapp", Set.of("llmwebapp")).map(EN::render))
                .hasValue("None of the services backend, frontend of compose project 'llm-webapp' was found on the Docker engine "
                        + "(projects found: llmwebapp). Restoring now would replace the data under a running application. Set "
                        + "backup.compose.project and backup.compose.services to the web app's; or, if you stopped the application "
                        + "yourself, start the restore again with applicationStopped=true.");
    }

    @Test
    void servicesFoundWhenNoProjectAtAllSaysNone() {
        assertThat(RestoreGuard.servicesFound(Map.of("backend", 0), false, "llm-webapp", Set.of()).map(EN::render))
                .hasValueSatisfying(why -> assertThat(why).contains("(projects found: none)"));
    }

    @Test
    void servicesFoundWhenOneServiceHasAContainerPasses() {
        Map<String, Integer> found = new LinkedHashMap<>(Map.of("backend", 1));
        found.put("frontend", 0);
        assertThat(RestoreGuard.servicesFound(found, false, "llm-webapp", Set.of()).map(EN::render)).isEmpty();
    }

    @Test
    void servicesFoundWhenRequesterSaysApplicationIsStoppedPasses() {
        assertThat(RestoreGuard.servicesFound(Map.of("backend", 0), true, "llm-webapp", Set.of()).map(EN::render)).isEmpty();
    }

    @Test
    void ownApprovalWhenSecondOperatorIsRequiredRefusesTheRequester() {
        assertThat(RestoreGuard.ownApproval("alice", "alice", true, true).map(EN::render)).hasValue("Restore requested by alice must be approved by "
                + "another operator (backup.restore.require-second-operator is on). Ask a colleague in group operators to approve it.");
        assertThat(RestoreGuard.ownApproval("alice", "alice", true, true).map(Texts.of("ko")::render)).hasValue("alice이(가) 요청한 복원은 "
                + "다른 운영자가 승인해야 합니다(backup.restore.require-second-operator가 켜져 있음). operators 그룹의 동료에게 승인을 부탁하십시오.");
    }

    @ParameterizedTest(name = "approver {0}, requester {1}, approved {2}, second operator required {3}")
    @CsvSource({"bob,alice,true,true", "alice,alice,false,true", "alice,alice,true,false"})
    void ownApprovalWhenAnotherApprovesOrItIsARejectionOrNotRequiredPasses(String approver, String requester, boolean approved,
                                                                          boolean required) {
        assertThat(RestoreGuard.ownApproval(approver, requester, approved, required).map(EN::render)).isEmpty();
    }

    static Stream<Arguments> refusedResolutions() {
        return Stream.of(
                Arguments.of("unknown answer to a failure", "Task_ResolveFailedRestore", "again", "Task_CheckHealth", false, true,
                        "resolution must be retry, rollback or close, not 'again'."),
                Arguments.of("no answer", "Task_ResolveInterruptedRestore", "", "Task_RestoreData", false, true,
                        "Choose a resolution: again, rollback or close (an earlier task's answer is not taken for this one)."),
                Arguments.of("unknown answer to an interruption", "Task_ResolveInterruptedRestore", "retry", "Task_RestoreData", false,
                        true, "resolution must be again, rollback or close, not 'retry'."),
                Arguments.of("rollback of a side-by-side restore", "Task_ResolveFailedRestore", "rollback", "Task_RestoreData", true,
                        false, "There is nothing to roll back to: a side-by-side restore changed no production data. Choose retry or close"),
                Arguments.of("rollback of an interrupted side-by-side restore", "Task_ResolveInterruptedRestore", "rollback",
                        "Task_RestoreData", true, false, "There is nothing to roll back to: a side-by-side restore changed no production "
                                + "data. Choose again or close"),
                Arguments.of("retry after a data failure", "Task_ResolveFailedRestore", "retry", "Task_RestoreData", false, true,
                        "retry only polls the health URL again, but the restore failed at Task_RestoreData, before the data were fully "
                                + "restored: choose rollback (back to the safety set) or close."),
                Arguments.of("retry after a stop failure", "Task_ResolveFailedRestore", "retry", "Task_StopServices", false, true,
                        "retry only polls the health URL again, but the restore failed at Task_StopServices"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedResolutions")
    void resolutionWhenNotPossibleRefuses(String rule, String task, String resolution, String step, boolean sideBySide,
                                          boolean safetySet, String message) {
        assertThat(RestoreGuard.resolution(task, resolution, step, sideBySide, safetySet).map(EN::render))
                .hasValueSatisfying(why -> assertThat(why).startsWith(message));
    }

    static Stream<Arguments> possibleResolutions() {
        return Stream.of(
                Arguments.of("Task_ResolveFailedRestore", "retry", "Task_CheckHealth"),
                Arguments.of("Task_ResolveFailedRestore", "retry", "Task_StartServices"),
                Arguments.of("Task_ResolveFailedRestore", "rollback", "Task_RestoreData"),
                Arguments.of("Task_ResolveFailedRestore", "close", "Task_StopServices"),
                Arguments.of("Task_ResolveInterruptedRestore", "again", "Task_RestoreData"),
                Arguments.of("Task_ResolveInterruptedRestore", "rollback", "Task_StopServices"),
                Arguments.of("Task_ResolveInterruptedRestore", "close", "Task_StartServices"));
    }

    @ParameterizedTest(name = "{0}: {1} after {2}")
    @MethodSource("possibleResolutions")
    void resolutionWhenPossiblePasses(String task, String resolution, String step) {
        assertThat(RestoreGuard.resolution(task, resolution, step, false, true).map(EN::render)).isEmpty();
    }

    @ParameterizedTest(name = "approved={0}, comment={1}: refused {2}")
    @CsvSource(nullValues = "null", value = {
            "null, null, Choose approve or reject",
            "null, looks fine, Choose approve or reject",
            "false, null, A rejection needs a comment",
            "false, '  ', A rejection needs a comment",
            "false, wrong set, ",
            "true, null, ",
            "true, checked, "})
    void decisionWhenMissingOrARejectWithoutCommentIsRefused(Boolean approved, String comment, String refusal) {
        if (refusal == null) {
            assertThat(RestoreGuard.decision(approved, comment)).isEmpty();
        } else {
            assertThat(RestoreGuard.decision(approved, comment)).hasValueSatisfying(why -> assertThat(why).startsWith(refusal));
        }
    }

    @ParameterizedTest(name = "reason ''{0}''")
    @CsvSource(nullValues = "null", value = {"null", "''", "'   '"})
    void reasonGivenWhenMissingOrBlankRefusesTheRequest(String reason) {
        assertThat(RestoreGuard.reasonGiven(reason)).hasValueSatisfying(why -> assertThat(why).startsWith("A restore request needs a reason"));
    }

    @Test
    void reasonGivenWhenSaidPasses() {
        assertThat(RestoreGuard.reasonGiven("user1 deleted documents")).isEmpty();
    }

    static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
    static final Instant KEPT_UNTIL = NOW.plusSeconds(3600);

    static Stream<Arguments> refusedUndos() {
        return Stream.of(
                Arguments.of("failed", RunStatus.FAILED, false, false, true, "swap", true, KEPT_UNTIL, null,
                        "Restore run 12 is FAILED: only a completed restore can be undone."),
                Arguments.of("rolled back", RunStatus.COMPLETED, true, false, true, "swap", true, KEPT_UNTIL, null,
                        "Restore run 12 is rolled back: only a completed restore can be undone."),
                Arguments.of("side by side", RunStatus.COMPLETED, false, true, true, null, false, KEPT_UNTIL, null,
                        "Restore run 12 was side by side: it changed no production data, there is nothing to undo."),
                Arguments.of("the old way", RunStatus.COMPLETED, false, false, true, "in-place", false, KEPT_UNTIL, null,
                        "Restore run 12 did not swap the database (restored in place): there is no database of before to swap back. "
                                + "To go back anyway, restore its safety set (backupKind safety, backupId 20261206)."),
                Arguments.of("uploads only", RunStatus.COMPLETED, false, false, false, null, false, KEPT_UNTIL, null,
                        "Restore run 12 did not swap the database (uploads only)"),
                Arguments.of("a later restore", RunStatus.COMPLETED, false, false, true, "swap", true, KEPT_UNTIL,
                        "restore run 14 (COMPLETED, daily/20261207)", "Restore run 12 is not the newest: restore run 14 (COMPLETED, "
                                + "daily/20261207) replaced the database after it. Undo that one first."),
                Arguments.of("dropped", RunStatus.COMPLETED, false, false, true, "swap", false, KEPT_UNTIL, null,
                        "The database from before restore run 12 is no longer kept (backup.restore.keep-previous, until 2026-12-07T13:00:00Z)."),
                Arguments.of("expired", RunStatus.COMPLETED, false, false, true, "swap", true, NOW, null,
                        "The database from before restore run 12 is no longer kept"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedUndos")
    void undoWhenTheRunCannotBeUndoneRefusesSayingWhatToDoInstead(String rule, RunStatus status, boolean rolledBack, boolean sideBySide,
                                                                 boolean database, String method, boolean kept, Instant until, String later,
                                                                 String message) {
        assertThat(RestoreGuard.undo(12, status, rolledBack, sideBySide, database, method, kept, until, NOW, later, "20261206").map(EN::render))
                .hasValueSatisfying(why -> assertThat(why).startsWith(message));
    }

    @ParameterizedTest
    @CsvSource({"swap", "undo"})
    void undoWhenTheNewestSwapIsStillKeptPasses(String method) {
        assertThat(RestoreGuard.undo(12, RunStatus.COMPLETED, false, false, true, method, true, KEPT_UNTIL, NOW, null, "20261206").map(EN::render)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(value = {"''", "swap", "in-place", "NULL"}, nullValues = "NULL")
    void databaseMethodWhenSwapOrInPlacePasses(String value) {
        assertThat(RestoreGuard.databaseMethod(value)).isEmpty();
    }

    @Test
    void databaseMethodWhenUnknownRefusesNamingBoth() {
        assertThat(RestoreGuard.databaseMethod("inplace")).hasValueSatisfying(why -> assertThat(why)
                .startsWith("databaseMethod must be swap (restore beside, check, swap: the default) or in-place").endsWith("not 'inplace'."));
    }

    @ParameterizedTest
    @CsvSource({"postgres,false,true", "postgres,true,false", "llm_webapp,false,false"})
    void swappableWhenTheLiveDatabaseIsPostgresRefusesUnlessInPlaceIsAsked(String live, boolean inPlaceAsked, boolean refused) {
        Optional<String> refusal = RestoreGuard.swappable(live, inPlaceAsked).map(EN::render);

        if (refused) {
            assertThat(refusal).hasValueSatisfying(why -> assertThat(why)
                    .startsWith("The live database is named postgres (backup.database.name), which the swap cannot replace")
                    .contains("Start the restore again with databaseMethod=in-place")
                    .endsWith("or move the application to a database of its own name."));
        } else {
            assertThat(refusal).isEmpty();
        }
    }

    static final long MIB = 1L << 20;

    @Test
    void roomWhenTheCopyDoesNotFitRefusesWithTheFiguresAndTheWayOut() {
        DatabaseSpace.Room room = DatabaseSpace.Room.known(500 * MIB, 1000 * MIB, 200 * MIB, "/var/lib/postgresql/data in the container "
                + "of compose service db");

        assertThat(RestoreGuard.room(room, false, "llm_webapp", List.of("llm_webapp__before_9 (300 MiB)")).map(EN::render)).hasValue(
                "Not enough space for a second copy of database llm_webapp: /var/lib/postgresql/data in the container of compose service db "
                        + "has 500.0 MiB free, the copy needs about 1.07 GiB (the live database 1000.0 MiB, the dump 200.0 MiB, and a tenth more "
                        + "for the write-ahead log). Kept for undo: llm_webapp__before_9 (300 MiB) (DROP DATABASE frees it). Free space "
                        + "there, or start the restore again with databaseMethod=in-place (pg_restore --clean into the live database: not "
                        + "atomic, and objects created since the backup remain).");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"fits", "in place asked", "not visible"})
    void roomWhenItFitsOrTheOldWayIsAskedOrItCannotBeSeenPasses(String what) {
        DatabaseSpace.Room room = switch (what) {
            case "fits" -> DatabaseSpace.Room.known(2000 * MIB, 1000 * MIB, 200 * MIB, "here");
            case "not visible" -> DatabaseSpace.Room.unknown(1000 * MIB, 200 * MIB, "elsewhere");
            default -> DatabaseSpace.Room.known(10 * MIB, 1000 * MIB, 200 * MIB, "here");
        };
        assertThat(RestoreGuard.room(room, what.equals("in place asked"), "llm_webapp", List.of()).map(EN::render)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "df of a container | Filesystem 1024-blocks Used Available Capacity Mounted on NL /dev/vdb 1000 400 600 40% /var/lib/postgresql | 614400",
            "no header         | /dev/vdb 1000 400 600 40% /                                                                         | NULL",
            "not a number      | Filesystem 1024-blocks Used Available NL /dev/vdb 1000 400 lots 40% /                            | NULL"},
            nullValues = "NULL")
    void dfAvailableWhenReadFromDfPkIsTheAvailableColumnInBytes(String what, String out, Long bytes) {
        assertThat(DatabaseSpace.dfAvailable(out.replace(" NL ", "\n"))).isEqualTo(Optional.ofNullable(bytes));
    }
}
