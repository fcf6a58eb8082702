package com.llmbackup.drill;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.catalog.Manifest;
import com.llmbackup.config.Text;
import com.llmbackup.config.Texts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DrillChecksTests {

    private static final Texts EN = Texts.of("en");
    private static final Texts KO = Texts.of("ko");

    static final List<BackupSet> SETS = List.of(
            set(BackupKind.DAILY, "20261129", BackupSet.Status.COMPLETE),
            set(BackupKind.DAILY, "20261130", BackupSet.Status.COMPLETE),
            set(BackupKind.DAILY, "20261201", BackupSet.Status.INCOMPLETE),
            set(BackupKind.DAILY, "20250101", BackupSet.Status.LEGACY),
            set(BackupKind.WEEKLY, "20261122", BackupSet.Status.COMPLETE),
            set(BackupKind.WEEKLY, "20261129", BackupSet.Status.COMPLETE),
            set(BackupKind.SAFETY, "20261130", BackupSet.Status.COMPLETE));

    static Stream<Arguments> choices() {
        return Stream.of(
                Arguments.of("by default the newest complete daily and weekly", SETS, null, null, List.of("daily/20261130", "weekly/20261129")),
                Arguments.of("by default without weeklies only the daily", SETS.subList(0, 4), null, null, List.of("daily/20261130")),
                Arguments.of("a kind alone: its newest complete", SETS, "safety", null, List.of("safety/20261130")),
                Arguments.of("a named set", SETS, "weekly", "20261122", List.of("weekly/20261122")),
                Arguments.of("an id without kind is a daily's", SETS, null, "20261129", List.of("daily/20261129")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("choices")
    void chooseWhenSetsExistPicksThem(String rule, List<BackupSet> sets, String kind, String id, List<String> labels) {
        assertThat(DrillChecks.choose(sets, kind, id)).allSatisfy(c -> assertThat(c.refusal()).isNull())
                .extracting(c -> c.set().label()).containsExactlyElementsOf(labels);
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of("no complete daily or weekly", List.of(SETS.get(2), SETS.get(6)), null, null, null,
                        "There is no complete daily or weekly set to drill."),
                Arguments.of("an unknown kind", SETS, "monthly", null, null, "Unknown backup kind 'monthly': use daily, weekly or safety."),
                Arguments.of("a kind without complete sets", SETS.subList(0, 4), "weekly", null, "weekly", "There is no complete weekly set to drill."),
                Arguments.of("a malformed id", SETS, "daily", "2026-12-01", null, "Backup id '2026-12-01' is not of the form YYYYMMDD"),
                Arguments.of("a set that does not exist", SETS, "daily", "20200101", "daily/20200101", "There is no backup set daily/20200101."),
                Arguments.of("an incomplete set", SETS, "daily", "20261201", "daily/20261201", "Set daily/20261201 cannot be drilled: it is incomplete."),
                Arguments.of("a legacy set", SETS, "daily", "20250101", "daily/20250101", "Set daily/20250101 is legacy (no manifest): it has no "
                        + "checksums, row counts or file list to drill against. Drill a complete set."));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void chooseWhenNothingCanBeDrilledRefusesNamingTheSet(String rule, List<BackupSet> sets, String kind, String id, String label, String why) {
        assertThat(DrillChecks.choose(sets, kind, id)).singleElement().satisfies(c -> {
            assertThat(c.set()).isNull();
            assertThat(c.label()).isEqualTo(label);
            assertThat(EN.render(c.refusal())).startsWith(why);
        });
    }

    static Stream<Arguments> artifacts() {
        return Stream.of(
                Arguments.of("missing", "abc", null, "db_20261201.dump of daily/20261201 is missing, but its manifest lists it"),
                Arguments.of("no checksum recorded", null, "abc", "db_20261201.dump of daily/20261201 has no SHA-256 in its manifest"),
                Arguments.of("changed", "abc", "abd", "db_20261201.dump of daily/20261201 does not match its manifest (SHA-256 abd, "
                        + "manifest abc): it was changed or damaged since the backup"));
    }

    @Test
    void chooseWhenRefusedSaysSoInKorean() {
        Text refusal = DrillChecks.choose(SETS, "daily", "20261201").get(0).refusal();

        assertThat(KO.render(refusal)).isEqualTo("세트 daily/20261201은(는) 훈련할 수 없습니다: 상태가 미완료입니다.");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("artifacts")
    void artifactWhenNotAsInTheManifestNamesTheFile(String rule, String expected, String actual, String why) {
        assertThat(DrillChecks.artifact("daily/20261201", "db_20261201.dump", expected, actual).map(EN::render)).hasValue(why);
    }

    @Test
    void artifactWhenMatchingPasses() {
        assertThat(DrillChecks.artifact("daily/20261201", "db_20261201.dump", "abc", "abc")).isEmpty();
    }

    static Stream<Arguments> unlisted() {
        Manifest.Artifact dump = Manifest.Artifact.file("db_20261201.dump", 10, "abc");
        Manifest.Artifact snapshot = Manifest.Artifact.directory("uploads_20261201", 10, 1);
        return Stream.of(
                Arguments.of("no artifacts at all", BackupKind.DAILY, List.of(), List.of(
                        "the manifest of daily/20261201 does not list db_20261201.dump (file): a restore refuses the set",
                        "the manifest of daily/20261201 does not list uploads_20261201 (directory): a restore refuses the set")),
                Arguments.of("the dump left out", BackupKind.DAILY, List.of(snapshot), List.of(
                        "the manifest of daily/20261201 does not list db_20261201.dump (file): a restore refuses the set")),
                Arguments.of("the dump listed as a folder (its SHA-256 never read)", BackupKind.DAILY,
                        List.of(Manifest.Artifact.directory("db_20261201.dump", 10, 1), snapshot), List.of(
                        "the manifest of daily/20261201 does not list db_20261201.dump (file): a restore refuses the set")),
                Arguments.of("a weekly's archive left out", BackupKind.WEEKLY, List.of(Manifest.Artifact.file("db_full_20261201.dump", 10, "abc")),
                        List.of("the manifest of weekly/20261201 does not list uploads_full_20261201.tar.gz (file): a restore refuses the set")),
                Arguments.of("an artifact outside the set's folder", BackupKind.DAILY,
                        List.of(dump, snapshot, Manifest.Artifact.file("../../etc/passwd", 1, "abc")), List.of(
                        "the manifest of daily/20261201 lists ../../etc/passwd, which is not a file of the set's folder")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unlisted")
    void listedWhenTheManifestLeavesAnArtifactOutNamesIt(String rule, BackupKind kind, List<Manifest.Artifact> artifacts, List<String> why) {
        assertThat(DrillChecks.listed(withArtifacts(kind, artifacts))).extracting(EN::render).containsExactlyElementsOf(why);
    }

    @Test
    void listedWhenDumpAndUploadsAreListedPasses() {
        assertThat(DrillChecks.listed(withArtifacts(BackupKind.DAILY, List.of(Manifest.Artifact.file("db_20261201.dump", 10, "abc"),
                Manifest.Artifact.directory("uploads_20261201", 10, 1), Manifest.Artifact.file("globals_20261201.sql", 1, "d"))))).isEmpty();
        assertThat(DrillChecks.listed(withArtifacts(BackupKind.WEEKLY, List.of(Manifest.Artifact.file("db_full_20261201.dump", 10, "abc"),
                Manifest.Artifact.file("uploads_full_20261201.tar.gz", 10, "e"))))).isEmpty();
    }

    private static BackupSet withArtifacts(BackupKind kind, List<Manifest.Artifact> artifacts) {
        Manifest manifest = new Manifest(1, kind.dir(), "20261201", Manifest.COMPLETE, "pi", Instant.EPOCH, Instant.EPOCH,
                null, null, null, null, artifacts, null, Map.of("users", 1L), null, List.of());
        return new BackupSet(kind, BackupSetId.parse("20261201"), BackupSet.Status.COMPLETE, manifest, List.<Path>of(), null);
    }

    static Stream<Arguments> rowCounts() {
        return Stream.of(
                Arguments.of("no counts recorded", Map.of(), Map.of("users", 1L), "the manifest records no row counts to compare with"),
                Arguments.of("a table missing", Map.of("users", 50L), Map.of(), "table users is missing from the restored database (manifest: 50 rows)"),
                Arguments.of("fewer rows", Map.of("users", 50L), Map.of("users", 49L), "table users has 49 rows restored, the manifest 50"),
                Arguments.of("a table more", Map.of("users", 50L), Map.of("users", 50L, "extra", 0L),
                        "table extra is in the restored database but not in the manifest"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rowCounts")
    void rowCountsWhenDifferentNamesTheTable(String rule, Map<String, Long> manifest, Map<String, Long> restored, String why) {
        assertThat(DrillChecks.rowCounts(manifest, restored)).extracting(EN::render).containsExactly(why);
    }

    @Test
    void rowCountsWhenEqualPasses() {
        assertThat(DrillChecks.rowCounts(Map.of("users", 50L, "documents", 500L), Map.of("documents", 500L, "users", 50L))).isEmpty();
    }

    @Test
    void timeoutWhenLongerThanTheLimitFails() {
        assertThat(DrillChecks.timeout(Duration.ofMinutes(125), Duration.ofHours(2)).map(EN::render))
                .hasValue("the drill took 2 h 5 min, longer than backup.drill.timeout 2 h 0 min");
        assertThat(DrillChecks.timeout(Duration.ofMinutes(125), Duration.ofHours(2)).map(KO::render))
                .hasValue("훈련이 2 h 5 min 걸려 backup.drill.timeout 2 h 0 min보다 깁니다");
        assertThat(DrillChecks.timeout(Duration.ofMinutes(119), Duration.ofHours(2))).isEmpty();
    }

    private static BackupSet set(BackupKind kind, String id, BackupSet.Status status) {
        Manifest manifest = status == BackupSet.Status.LEGACY ? null : new Manifest(1, kind.dir(), id,
                status == BackupSet.Status.COMPLETE ? Manifest.COMPLETE : Manifest.PUBLISHING, "pi", Instant.EPOCH, Instant.EPOCH,
                null, null, null, null, List.of(), List.of(), Map.of(), null, List.of());
        return new BackupSet(kind, BackupSetId.parse(id), status, manifest, List.<Path>of(), null);
    }
}
