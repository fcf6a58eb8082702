package com.llmbackup.restore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import com.llmbackup.config.Texts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The refusals of {@code restorePaths}, one case each with the operator's message; and what passes. */
class RestorePathsGuardTests {

    private static final Texts EN = Texts.of("en");

    @TempDir
    Path live;

    static Stream<Arguments> refusedLists() {
        return Stream.of(
                Arguments.of(List.of(), "restorePaths is empty: name at least one file or folder of the set, relative to the uploads "
                        + "folder (e.g. [\"projects/42/report.pdf\"])."),
                Arguments.of(List.of("  "), "restorePaths holds an empty path: name each file or folder relative to the uploads folder."),
                Arguments.of(List.of("user1/../../etc/passwd"), "restorePaths: 'user1/../../etc/passwd' leads out of the uploads folder "
                        + "(..): name a path inside it."),
                Arguments.of(List.of(".."), "restorePaths: '..' leads out of the uploads folder (..): name a path inside it."),
                Arguments.of(List.of("/etc/passwd"), "restorePaths: '/etc/passwd' is an absolute path: name it relative to the uploads "
                        + "folder (without the leading /)."),
                Arguments.of(List.of("user1/a.pdf\0.txt"), "restorePaths: 'user1/a.pdf\\0.txt' contains a NUL character, which no file "
                        + "name can hold."),
                Arguments.of(List.of("user1//a.pdf"), "restorePaths: 'user1//a.pdf' is not a plain path (an empty name or '.'): write it "
                        + "as the file list shows it, e.g. projects/42/report.pdf."),
                Arguments.of(List.of("./user1"), "restorePaths: './user1' is not a plain path (an empty name or '.'): write it as the file "
                        + "list shows it, e.g. projects/42/report.pdf."));
    }

    @ParameterizedTest
    @MethodSource("refusedLists")
    void syntaxWhenPathIsNotInsideTheFolderRefuses(List<String> paths, String message) {
        assertThat(RestorePathsGuard.syntax(paths).map(EN::render)).hasValue(message);
    }

    @Test
    void syntaxWhenReadInKoreanNamesTheFieldAndPath() {
        assertThat(RestorePathsGuard.syntax(List.of("../x"), "path").map(Texts.of("ko")::render))
                .hasValue("path: '../x'은(는) 업로드 폴더 밖으로 나갑니다(..): 폴더 안의 경로를 쓰십시오.");
    }

    @Test
    void syntaxWhenListIsMissingRefuses() {
        assertThat(RestorePathsGuard.syntax(null)).isPresent();
    }

    @ParameterizedTest
    @ValueSource(strings = {"user1/a.pdf", "user1", "user1/", "user2/회의록 2025.txt", "a..b/c", ".hidden"})
    void syntaxWhenPathIsRelativeInsidePasses(String path) {
        assertThat(RestorePathsGuard.syntax(List.of(path))).isEmpty();
    }

    @Test
    void normalizeWhenFolderHasTrailingSlashDropsItAndDuplicates() {
        assertThat(RestorePathsGuard.normalize(List.of("user1/", "user1", "b"))).containsExactly("user1", "b");
    }

    @Test
    void inSetWhenPathsAreMissingRefusesNamingThem() {
        assertThat(RestorePathsGuard.inSet(List.of("user9/x.pdf"), "daily/20251031").map(EN::render)).hasValue("Set daily/20251031 does not hold "
                + "user9/x.pdf: choose paths from its file list (GET /api/backups/sets/{kind}/{id}/files, or Files on the admin page).");
        assertThat(RestorePathsGuard.inSet(List.of("user9/x.pdf"), "daily/20251031").map(Texts.of("ko")::render)).hasValue("세트 "
                + "daily/20251031에 user9/x.pdf이(가) 없습니다: 그 파일 목록에서 경로를 고르십시오(GET /api/backups/sets/{kind}/{id}/files, "
                + "또는 관리 페이지의 파일).");
        assertThat(RestorePathsGuard.inSet(List.of(), "daily/20251031")).isEmpty();
    }

    @Test
    void inSetWhenElevenAreMissingNamesTenAndCounts() {
        String[] paths = new String[11];
        Arrays.setAll(paths, i -> "f" + i);
        assertThat(EN.render(RestorePathsGuard.inSet(List.of(paths), "daily/20251031").orElseThrow())).contains("f9 and 1 more:");
    }

    @ParameterizedTest
    @ValueSource(strings = {"user1/a.pdf", "user1/deep/x"})
    void coversWhenPathIsTheChosenOrBelowIt(String path) {
        assertThat(RestorePathsGuard.covers(path.startsWith("user1/deep") ? "user1/deep" : "user1/a.pdf", path)).isTrue();
        assertThat(RestorePathsGuard.covers("user1/a", "user1/a.pdf")).isFalse();
    }

    @Test
    void throughLinkWhenAFolderAboveIsALinkOutRefuses(@TempDir Path outside) throws Exception {
        Files.createSymbolicLink(live.resolve("user1"), outside);
        assertThat(RestorePathsGuard.throughLink(live, "user1/a.pdf").map(EN::render)).hasValue("restorePaths: 'user1/a.pdf' leads through the "
                + "symbolic link " + live.resolve("user1") + " (to " + outside + ") in the uploads folder: a restore never writes through "
                + "a link. Restore it side by side (targetUploadsDir) and copy it by hand.");
    }

    @Test
    void throughLinkWhenFoldersAreRealOrMissingPasses() throws Exception {
        Files.createDirectories(live.resolve("user1"));
        assertThat(RestorePathsGuard.throughLink(live, "user1/a.pdf")).isEmpty();
        assertThat(RestorePathsGuard.throughLink(live, "user7/new/a.pdf")).isEmpty();
        // the chosen file itself may be a link: it is replaced as a name, never followed
        Files.createSymbolicLink(live.resolve("user1/a.pdf"), Path.of("/etc/passwd"));
        assertThat(RestorePathsGuard.throughLink(live, "user1/a.pdf")).isEmpty();
    }
}
