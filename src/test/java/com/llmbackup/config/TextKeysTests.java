package com.llmbackup.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.recovery.RecoveryReport;
import org.junit.jupiter.api.Test;
import org.springframework.context.NoSuchMessageException;

/**
 * Every key main code names is in the bundles: a literal key ({@code Text.of("restore.rejected", ...)},
 * {@code render("...")}), and each key a code builds from a prefix and a type's values.
 */
class TextKeysTests {

    // a key is a string literal as the first argument of Text.of or a render, or a ternary's branches there
    private static final Pattern CALL = Pattern.compile("(?:Text\\.of|render)\\(\\s*([^;]*?)(?:,|\\)\\s*[;,)])");
    private static final Pattern LITERAL = Pattern.compile("\"([a-z][A-Za-z0-9_]*(?:\\.[A-Za-z0-9_]+)*\\.?)\"(\\s*\\+)?");
    private static final Texts KO = Texts.of("ko");
    private static final Texts EN = Texts.of("en");

    @Test
    void keysWhenUsedInMainCodeAreInBothBundles() throws IOException {
        Set<String> literals = new TreeSet<>();
        Set<String> prefixes = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher call = CALL.matcher(Files.readString(file, StandardCharsets.UTF_8));
                while (call.find()) {
                    Matcher literal = LITERAL.matcher(call.group(1));
                    while (literal.find()) {
                        (literal.group(2) != null ? prefixes : literals).add(literal.group(1));
                    }
                }
            }
        }
        assertThat(literals).as("keys found in main code").hasSizeGreaterThan(50);
        for (String key : literals) {
            assertThat(rendersIn(KO, key) && rendersIn(EN, key)).as("%s is in both bundles", key).isTrue();
        }
        // keys built from a prefix: each prefix's keys are checked below, by the values the code completes it with
        assertThat(prefixes).containsExactlyInAnyOrder("run.kind.", "task.", "alert.status.", "alert.wal.", "recovery.outcome.",
                "offsite.copied.", "approval.setStatus.");
    }

    @Test
    void keysWhenBuiltFromAPrefixAreInBothBundles() {
        List<String> built = new ArrayList<>();
        Stream.of(RunKind.values()).forEach(k -> built.add("run.kind." + k.label()));
        Stream.of(RunStatus.values()).forEach(s -> built.add("alert.status." + s.name()));
        Stream.of("Task_ApproveRestore", "Task_ResolveFailedRestore", "Task_ResolveInterruptedRestore").forEach(t -> built.add("task." + t));
        Stream.of("wal_volume_full", "wal_lag", "wal_slot_retained").forEach(e -> {
            built.add("alert.wal." + e);
            built.add("alert.wal." + e + ".advice");
        });
        Stream.of(RecoveryReport.RECOVERED, RecoveryReport.FAILED, RecoveryReport.CANCELLED).forEach(o -> built.add("recovery.outcome." + o));
        Stream.of("copied", "caughtUp").forEach(h -> built.add("offsite.copied." + h));
        Stream.of(BackupSet.Status.values()).forEach(st -> built.add("approval.setStatus." + st.name().toLowerCase(Locale.ROOT)));
        for (String key : built) {
            assertThat(rendersIn(KO, key) && rendersIn(EN, key)).as("%s is in both bundles", key).isTrue();
        }
    }

    @Test
    void renderWhenKeyIsMissingFailsLoudly() {
        assertThatThrownBy(() -> KO.render(Text.of("no.such.key"))).isInstanceOf(NoSuchMessageException.class);
        assertThatThrownBy(() -> EN.render(Text.of("no.such.key"))).isInstanceOf(NoSuchMessageException.class);
    }

    @Test
    void renderWhenTextIsNestedRendersItInTheSameLanguage() {
        Text message = Text.of("log.run.failedAt", RunKind.DAILY.titleText(), "Task_DumpDatabase", "disk full");

        assertThat(EN.render(message)).isEqualTo("Daily backup FAILED at Task_DumpDatabase: disk full");
        assertThat(KO.render(message)).isEqualTo("일일 백업 실패 (Task_DumpDatabase 단계): disk full");
        assertThat(EN.render(message, Locale.KOREAN)).isEqualTo(KO.render(message));
    }

    @Test
    void storedWhenReadBackIsTheSameText() {
        Text message = Text.of("restore.completed", "daily/20261207", Text.of("restore.database.swap", "restore beside 1.0 s",
                Text.of("restore.database.kept", "db__before_7", "2026-12-14 10:00 KST", 7L)), "12.5 s");

        assertThat(Text.stored(message.key(), message.argsJson())).isEqualTo(message);
        assertThat(Text.stored(null, null)).isNull();
    }

    @Test
    void viewerWhenAskedPrefersLangThenAcceptLanguageThenTheSetting() {
        assertThat(KO.viewer("en", "ko-KR")).isEqualTo(Locale.ENGLISH);
        assertThat(KO.viewer(null, "en-US,en;q=0.9,ko;q=0.8")).isEqualTo(Locale.ENGLISH);
        assertThat(EN.viewer(null, "ko-KR,ko;q=0.9")).isEqualTo(Locale.KOREAN);
        assertThat(EN.viewer("fr", "fr-FR")).as("neither asked language is in the bundles").isEqualTo(Locale.ENGLISH);
        assertThat(KO.viewer(null, null)).isEqualTo(Locale.KOREAN);
        assertThat(KO.viewer(null, "not a header;;q=x")).isEqualTo(Locale.KOREAN);
    }

    private static boolean rendersIn(Texts texts, String key) {
        try {
            return texts.render(key, new Object[10]) != null;
        } catch (NoSuchMessageException e) {
            return false;
        }
    }
}
