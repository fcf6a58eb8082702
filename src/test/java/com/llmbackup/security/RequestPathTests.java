package com.llmbackup.security;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** One spelling of a path: the raw URI, decoded, must be what the container routed; odd spellings are refused for judging. */
class RequestPathTests {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "/engine-rest/task/abc/complete, /engine-rest, /task/abc/complete, /engine-rest/task/abc/complete",
            "/engine-rest/task/%61bc/complete, /engine-rest, /task/abc/complete, /engine-rest/task/abc/complete",
            "/engine-rest/process-definition/RestoreProcess%3A1%3Aab, /engine-rest, /process-definition/RestoreProcess:1:ab, "
                    + "/engine-rest/process-definition/RestoreProcess:1:ab",
            "/camunda/api/engine/engine/, /camunda/api/engine, /engine/, /camunda/api/engine/engine",
            "/api/backups/%EB%B3%B5%EC%9B%90, /api/backups/복원, , /api/backups/복원"})
    void ofWhenPathIsPlainGivesTheDecodedPath(String uri, String servletPath, String pathInfo, String expected) {
        RequestPath.Result result = RequestPath.of(uri, "", servletPath, pathInfo);

        assertThat(result.refusal()).isNull();
        assertThat(result.path()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "/engine-rest/task/abc/complete;jsessionid=1, /engine-rest, /task/abc/complete, path parameters",
            "/engine-rest/task/abc;x/bpmnError, /engine-rest, /task/abc/bpmnError, path parameters",
            "/engine-rest/task/abc%2Fcomplete, /engine-rest, /task/abc/complete, escaped",
            "/engine-rest/task/abc%2fcomplete, /engine-rest, /task/abc/complete, escaped",
            "/engine-rest/task/%2e%2e/user, /engine-rest, /user, escaped",
            "/engine-rest/task/abc%3Bx/complete, /engine-rest, /task/abc;x/complete, escaped",
            "/engine-rest/task/abc%252Fcomplete, /engine-rest, /task/abc%2Fcomplete, escaped",
            "/engine-rest/task/abc%5Ccomplete, /engine-rest, /task/abc\\complete, escaped",
            "/engine-rest/task/%0a/complete, /engine-rest, /task/x/complete, escaped",
            "/engine-rest/task/%zz/complete, /engine-rest, /task/%zz/complete, malformed",
            "/engine-rest/task/%C3/complete, /engine-rest, /task/?/complete, malformed",
            "/engine-rest/task/abc\\complete, /engine-rest, /task/abc/complete, backslashes",
            "/engine-rest//task/abc/complete, /engine-rest, /task/abc/complete, empty",
            "/engine-rest/task/abc/complete//, /engine-rest, /task/abc/complete, empty",
            "/engine-rest/task/./abc/complete, /engine-rest, /task/abc/complete, segments",
            "/engine-rest/filter/x/../../user, /engine-rest, /user, segments",
            "/engine-rest/task/abc/.., /engine-rest, /task, segments",
            "/engine-rest/TASK/abc/complete, /engine-rest, /task/abc/complete, routes it as /engine-rest/task/abc/complete"})
    void ofWhenPathIsSpelledOddlyRefusesSayingWhy(String uri, String servletPath, String pathInfo, String why) {
        RequestPath.Result result = RequestPath.of(uri, "", servletPath, pathInfo);

        assertThat(result.refused()).isTrue();
        assertThat(result.refusal()).startsWith("The path ").contains(why);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"/task/abc/complete/, /task/abc/complete", "//task//abc/complete, /task/abc/complete",
            "/task/abc/complete;jsessionid=1, /task/abc/complete", "/task/abc/complete///, /task/abc/complete"})
    void lenientWhenPathIsSpelledOddlyGivesThePathTheRestLayerRoutes(String pathInfo, String expected) {
        assertThat(RequestPath.lenient("/engine-rest" + pathInfo, "/engine-rest", pathInfo)).isEqualTo("/engine-rest" + expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"/engine-rest/task/%61bc/complete, /engine-rest/task/abc/complete",
            "/engine-rest/process-definition/key/RestoreProces%73/start/, /engine-rest/process-definition/key/RestoreProcess/start"})
    void lenientWhenOnlyTheRawUriIsKnownDecodesIt(String uri, String expected) {
        assertThat(RequestPath.lenient(uri, "", null)).isEqualTo(expected);
    }
}
