package com.llmbackup.drill;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FilesReferencesTests {

    static final Path UPLOADS = Path.of("/srv/llm/uploads");
    static final Set<String> RESTORED = Set.of("user1/a.pdf", "user2/회의록.txt");

    static Stream<Arguments> found() {
        return Stream.of(
                Arguments.of("relative", "user1/a.pdf"),
                Arguments.of("relative with ./", "./user1/a.pdf"),
                Arguments.of("absolute below the uploads folder", "/srv/llm/uploads/user2/회의록.txt"),
                Arguments.of("with surrounding blanks", " user1/a.pdf "));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("found")
    void problemWhenThePathIsARestoredFilePasses(String rule, String path) {
        assertThat(FilesReferences.problem(path, RESTORED, UPLOADS)).isEmpty();
    }

    static Stream<Arguments> problems() {
        return Stream.of(
                Arguments.of("not restored", "user9/gone.pdf", "path user9/gone.pdf (listed by the database) is not a file of the restored uploads"),
                Arguments.of("absolute elsewhere", "/etc/passwd", "path /etc/passwd (listed by the database) lies outside the uploads folder /srv/llm/uploads"),
                Arguments.of("the uploads folder itself", "/srv/llm/uploads", "path /srv/llm/uploads (listed by the database) lies outside"),
                Arguments.of("leading out with ..", "../secrets/key", "path ../secrets/key (listed by the database) leads out of the uploads folder (..)"),
                Arguments.of("a folder, not a file", "user1", "path user1 (listed by the database) is not a file of the restored uploads"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("problems")
    void problemWhenThePathIsNoRestoredFileNamesIt(String rule, String path, String why) {
        assertThat(FilesReferences.problem(path, RESTORED, UPLOADS)).hasValueSatisfying(p -> assertThat(p).startsWith(why));
    }

    @Test
    void checkWhenNullOrEmptyPathsSkipsThem() {
        FilesReferences.Result result = FilesReferences.check(Arrays.asList("user1/a.pdf", null, " ", "user9/gone.pdf"), RESTORED, UPLOADS);
        assertThat(result.checked()).isEqualTo(2);
        assertThat(result.missing()).isEqualTo(1);
        assertThat(result.passed()).isFalse();
        assertThat(result.problems()).containsExactly("path user9/gone.pdf (listed by the database) is not a file of the restored uploads");
    }

    @Test
    void checkWhenManyAreMissingNamesTheFirstAndCountsTheRest() {
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < FilesReferences.NAMED + 5; i++) {
            paths.add("gone/" + i);
        }
        FilesReferences.Result result = FilesReferences.check(paths, RESTORED, UPLOADS);
        assertThat(result.missing()).isEqualTo(FilesReferences.NAMED + 5);
        assertThat(result.problems()).hasSize(FilesReferences.NAMED + 1).last().isEqualTo("and 5 more");
    }

    @Test
    void checkWhenTheQueryListsNoPathButFilesWereRestoredFails() {
        FilesReferences.Result result = FilesReferences.check(Arrays.asList(null, ""), RESTORED, UPLOADS);
        assertThat(result.passed()).isFalse();
        assertThat(result.problems()).containsExactly("backup.drill.files-query listed no path in the restored database, yet the "
                + "restored uploads hold 2 files: the check would prove nothing (is the query right?)");
        assertThat(FilesReferences.check(List.of(), Set.of(), UPLOADS).passed()).as("no files, no paths: nothing to pair").isTrue();
    }
}
