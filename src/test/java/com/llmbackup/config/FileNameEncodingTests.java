package com.llmbackup.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;

import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The start-up refusal of a JVM that does not read file names as UTF-8. */
class FileNameEncodingTests {

    @ParameterizedTest
    @ValueSource(strings = {"UTF-8", "utf8", "UTF8"})
    void problemIsEmptyWhenFileNamesAreUtf8(String encoding) {
        assertThat(FileNameEncoding.problem(encoding, Map.of())).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ANSI_X3.4-1968", "ISO-8859-1", "EUC-KR", "no-such-charset", ""})
    void problemNamesEncodingAndLocaleWhenFileNamesAreNotUtf8(String encoding) {
        Map<String, String> env = new HashMap<>(Map.of("LANG", "C"));

        assertThat(FileNameEncoding.problem(encoding, env)).hasValue("The JVM reads file names as " + encoding
                + " (sun.jnu.encoding, from the locale: LC_ALL=unset, LC_CTYPE=unset, LANG='C'), not UTF-8: "
                + "non-ASCII names such as Korean uploads would be read as '?' and could not be backed up.");
    }

    @Test
    void problemSaysEncodingIsUnknownWhenJvmDoesNotTell() {
        assertThat(FileNameEncoding.problem(null, Map.of("LC_ALL", "POSIX"))).get(InstanceOfAssertFactories.STRING)
                .startsWith("The JVM reads file names as null (sun.jnu.encoding, from the locale: LC_ALL='POSIX', ");
        assertThat(FileNameEncoding.ACTION).startsWith("Start llm-backup with a UTF-8 locale: LANG=C.UTF-8")
                .contains("systemd: Environment=LANG=C.UTF-8").contains("Docker: ENV LANG=C.UTF-8");
    }
}
