package com.llmbackup.app;

import static com.llmbackup.test.RunningJar.basic;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.llmbackup.test.RunningJar;
import org.junit.jupiter.api.Test;

/** First start without a password generates one and prints it once; later starts print none and keep it. */
class AdminPasswordJarTests {

    private static final Pattern GENERATED = Pattern.compile("Generated password: (\\S+)");

    @Test
    void startPrintsGeneratedPasswordOnceWhenNoneIsGiven() throws Exception {
        Path workDir = Files.createTempDirectory("llm-backup-jar-pw-");
        Map<String, String> env = Map.of("BACKUP_PREFLIGHT_ON_STARTUP", "false",
                "BACKUP_LOG_FILE", workDir.resolve("llm-backup.log").toString());
        String password;
        try (RunningJar first = RunningJar.start(workDir, env)) {
            Matcher m = GENERATED.matcher(first.output());
            assertThat(m.find()).as(first.output()).isTrue();
            password = m.group(1);
            assertThat(password).hasSizeGreaterThanOrEqualTo(16);
            assertThat(first.get("/engine-rest/user", basic("admin", password)).statusCode()).isEqualTo(200);
            assertThat(first.get("/engine-rest/user", basic("admin", "admin")).statusCode()).isEqualTo(401);
        }

        try (RunningJar second = RunningJar.start(workDir, env)) {
            assertThat(second.output()).doesNotContain("Generated password")
                    .contains("Admin user 'admin' exists; its password is the one printed at first start");
            assertThat(second.get("/engine-rest/user", basic("admin", password)).statusCode()).isEqualTo(200);
        }
    }
}
