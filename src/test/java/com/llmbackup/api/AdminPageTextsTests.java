package com.llmbackup.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunObserver;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.wal.WalReceiverStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The admin page's dictionary (static/admin/i18n.json): every text in Korean and English, every key the page uses. */
class AdminPageTextsTests {

    private static final Path DIR = Path.of("src/main/resources/static/admin");
    private static final Pattern HANGUL = Pattern.compile("[가-힣]");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{(\\w+)}");
    /** Product names, the same in both languages. */
    private static final Set<String> SAME_IN_BOTH = Set.of("open_cockpit", "th_cockpit");

    static Map<String, Map<String, String>> dictionary() throws Exception {
        return new ObjectMapper().readValue(DIR.resolve("i18n.json").toFile(), new TypeReference<>() {
        });
    }

    static Stream<String> keys() throws Exception {
        Set<String> all = new TreeSet<>(dictionary().get("en").keySet());
        all.addAll(dictionary().get("ko").keySet());
        return all.stream();
    }

    @Test
    void dictionaryWhenReadHasExactlyKoreanAndEnglish() throws Exception {
        assertThat(dictionary().keySet()).containsExactlyInAnyOrder("en", "ko");
    }

    @ParameterizedTest
    @MethodSource("keys")
    void everyKeyWhenLookedUpHasBothLanguagesWithTheSamePlaceholders(String key) throws Exception {
        String en = dictionary().get("en").get(key);
        String ko = dictionary().get("ko").get(key);
        assertThat(en).as("English text of " + key).isNotBlank();
        assertThat(ko).as("Korean text of " + key).isNotBlank();
        if (!SAME_IN_BOTH.contains(key)) {
            assertThat(HANGUL.matcher(ko).find()).as("the Korean text of " + key + " is Korean: " + ko).isTrue();
            assertThat(HANGUL.matcher(en).find()).as("the English text of " + key + " is English: " + en).isFalse();
        }
        assertThat(placeholders(ko)).as("placeholders of " + key).isEqualTo(placeholders(en));
    }

    @Test
    void everyKeyThePageUsesWhenLookedUpExists() throws Exception {
        String page = Files.readString(DIR.resolve("index.html"));
        Set<String> used = new TreeSet<>();
        Matcher attribute = Pattern.compile("data-i18n=\"([\\w]+)\"").matcher(page);
        while (attribute.find()) {
            used.add(attribute.group(1));
        }
        Matcher call = Pattern.compile("\\bt\\('([\\w]+)'(?!\\s*\\+)").matcher(page); // t('kind_' + kind): checked below
        while (call.find()) {
            used.add(call.group(1));
        }
        // keys made from a value: every run kind, every stored status and observed state, every set status
        for (RunKind kind : RunKind.values()) {
            used.add("kind_" + kind.label());
        }
        for (RunStatus status : RunStatus.values()) {
            used.add("state_" + status.name());
        }
        for (RunObserver.LiveState state : RunObserver.LiveState.values()) {
            used.add("state_" + state.name());
        }
        BackupSetsController.STATUS.values().forEach(s -> used.add("status_" + s));
        // what /api/backups/me refuses, and why (t('action_' + action), t('why_' + code))
        CurrentUserController.OPERATOR_ACTIONS.forEach(a -> used.add("action_" + a));
        used.add("action_" + CurrentUserController.COCKPIT);
        used.add("why_" + CurrentUserController.OPERATORS_ONLY);
        used.add("why_" + CurrentUserController.ADMINS_ONLY);
        for (WalReceiverStatus.State state : WalReceiverStatus.State.values()) {
            used.add("receiver_" + state.name());
        }
        assertThat(used).hasSizeGreaterThan(50);
        List<String> missing = new ArrayList<>();
        for (String key : used) {
            if (!dictionary().get("en").containsKey(key) || !dictionary().get("ko").containsKey(key)) {
                missing.add(key);
            }
        }
        assertThat(missing).as("keys the page uses without a text").isEmpty();
    }

    private static Map<String, Integer> placeholders(String text) {
        Map<String, Integer> found = new TreeMap<>();
        Matcher m = PLACEHOLDER.matcher(text);
        while (m.find()) {
            found.merge(m.group(1), 1, Integer::sum);
        }
        return found;
    }
}
