package com.llmbackup.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.text.MessageFormat;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The server's two bundles: the same keys, the same arguments in both, no Korean in an English
 * text and some Korean in every Korean one (so the Korean page never shows an English run message,
 * nor the English page a Korean one). One case per key, so each fails on its own.
 */
class TextBundlesTests {

    private static final Pattern HANGUL = Pattern.compile("[\\uAC00-\\uD7A3]");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{(\\d+)[^}]*}");
    private static final Properties KO = load("ko");
    private static final Properties EN = load("en");

    private static Properties load(String language) {
        String name = "/" + MessagesConfig.BASENAME + "_" + language + ".properties";
        try (InputStream in = TextBundlesTests.class.getResourceAsStream(name); Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            Properties properties = new Properties();
            properties.load(reader);
            return properties;
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("cannot read " + name, e);
        }
    }

    static Stream<String> keys() {
        Set<String> all = new TreeSet<>(KO.stringPropertyNames());
        all.addAll(EN.stringPropertyNames());
        return all.stream();
    }

    @Test
    void bundlesWhenLoadedHaveTheSameKeys() {
        assertThat(EN.stringPropertyNames()).isNotEmpty().containsExactlyInAnyOrderElementsOf(KO.stringPropertyNames());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("keys")
    void placeholdersWhenComparedAreTheSameInBothLanguages(String key) {
        assertThat(EN.getProperty(key)).as("en has %s", key).isNotNull();
        assertThat(KO.getProperty(key)).as("ko has %s", key).isNotNull();
        assertThat(placeholders(KO.getProperty(key))).as(key).isEqualTo(placeholders(EN.getProperty(key)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("keys")
    void englishTextWhenReadHasNoHangul(String key) {
        assertThat(HANGUL.matcher(EN.getProperty(key, "")).find()).as("en %s = %s", key, EN.getProperty(key)).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("keys")
    void koreanTextWhenReadHasAHangulSyllable(String key) {
        assertThat(HANGUL.matcher(KO.getProperty(key, "")).find()).as("ko %s = %s", key, KO.getProperty(key)).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("keys")
    void textWhenFormattedKeepsItsApostrophesAndPlaceholders(String key) {
        for (Properties bundle : new Properties[] {KO, EN}) {
            String pattern = bundle.getProperty(key, "");
            // MessageFormat drops a lone apostrophe and what it quotes: the bundles write ''
            assertThat(pattern.replace("''", "")).as("%s: an apostrophe is written ''", key).doesNotContain("'");
            Set<Integer> used = placeholders(pattern);
            Object[] args = new Object[used.isEmpty() ? 0 : used.stream().mapToInt(Integer::intValue).max().orElse(0) + 1];
            for (int i = 0; i < args.length; i++) {
                args[i] = "<" + i + ">";
            }
            String rendered = new MessageFormat(pattern, Locale.ROOT).format(args);
            used.forEach(i -> assertThat(rendered).as("%s shows argument %d", key, i).contains("<" + i + ">"));
        }
    }

    private static Set<Integer> placeholders(String pattern) {
        Set<Integer> found = new TreeSet<>();
        Matcher m = PLACEHOLDER.matcher(pattern);
        while (m.find()) {
            found.add(Integer.parseInt(m.group(1)));
        }
        return found;
    }
}
