package com.llmbackup.app;

import static com.llmbackup.test.RunningJar.basic;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.llmbackup.test.RunningJar;
import org.junit.jupiter.api.Test;

/**
 * First start without a password generates one and prints it once; later starts print none
 * and keep it. A schedule changed between starts moves the timer without a new deployment.
 */
class AdminPasswordJarTests {

    private static final Pattern GENERATED = Pattern.compile("Generated password: (\\S+)");

    @Test
    void startPrintsGeneratedPasswordOnceWhenNoneIsGiven() throws Exception {
        Path workDir = Files.createTempDirectory("llm-backup-jar-pw-");
        Map<String, String> env = Map.of("BACKUP_PREFLIGHT_ON_STARTUP", "false",
                "BACKUP_LOG_FILE", workDir.resolve("llm-backup.log").toString());
        String password;
        String firstTimer;
        try (RunningJar first = RunningJar.start(workDir, env)) {
            Matcher m = GENERATED.matcher(first.output());
            assertThat(m.find()).as(first.output()).isTrue();
            password = m.group(1);
            assertThat(password).hasSizeGreaterThanOrEqualTo(16);
            assertThat(first.get("/engine-rest/user", basic("admin", password)).statusCode()).isEqualTo(200);
            firstTimer = first.get("/engine-rest/job?processDefinitionKey=DailyBackupProcess&timers=true", basic("admin", password)).body();
            // last: a failed login makes the engine delay the user's next logins
            assertThat(first.get("/engine-rest/user", basic("admin", "admin")).statusCode()).isEqualTo(401);
        }

        assertThat(firstTimer).contains("T02:00:00");

        // a changed schedule takes effect at the next start, without redeploying the model
        Map<String, String> rescheduled = new HashMap<>(env);
        rescheduled.put("BACKUP_SCHEDULE_DAILY", "0 30 4 * * ?");
        Thread.sleep(5000); // let the login delay after the failed attempt above pass
        try (RunningJar second = RunningJar.start(workDir, rescheduled)) {
            assertThat(second.output()).doesNotContain("Generated password")
                    .contains("Admin user 'admin' exists; its password is the one printed at first start");
            assertThat(second.get("/engine-rest/user", basic("admin", password)).statusCode()).isEqualTo(200);
            String definitions = second.get("/engine-rest/process-definition?key=DailyBackupProcess", basic("admin", password)).body();
            assertThat(definitions.split("\"version\"").length - 1).as("still one deployed version").isEqualTo(1);
            String job = second.get("/engine-rest/job?processDefinitionKey=DailyBackupProcess&timers=true", basic("admin", password)).body();
            assertThat(job).contains("T04:30:00");
        }

        // a password given later in the environment replaces the generated one at the next start
        Map<String, String> chosen = new HashMap<>(env);
        chosen.put("CAMUNDA_BPM_ADMINUSER_PASSWORD", "Chosen2026pw");
        try (RunningJar third = RunningJar.start(workDir, chosen)) {
            assertThat(third.output()).contains("Admin user 'admin': password updated from CAMUNDA_BPM_ADMINUSER_PASSWORD");
            assertThat(third.get("/engine-rest/user", basic("admin", "Chosen2026pw")).statusCode()).isEqualTo(200);
            assertThat(third.get("/engine-rest/user", basic("admin", password)).statusCode()).as("the old one no longer works").isEqualTo(401);
        }
    }
}
