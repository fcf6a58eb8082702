package com.llmbackup.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import com.llmbackup.test.RunningJar;
import org.junit.jupiter.api.Test;

/**
 * The jar started as cron, systemd or a bare container start it: no locale at all. The JVM
 * then reads file names as ASCII (Korean names become '?'), so it refuses to start, once,
 * saying what to set, instead of failing every night.
 */
class LocaleJarTests {

    @Test
    void startRefusedWithWhatToSetWhenLocaleIsUnset() throws Exception {
        Path work = Files.createTempDirectory("llm-backup-locale-");
        Map<String, String> env = new HashMap<>();
        env.put("LANG", null);
        env.put("LC_ALL", null);
        env.put("LC_CTYPE", null);
        env.put("BACKUP_ROOT", work.resolve("backup").toString());
        env.put("BACKUP_PREFLIGHT_ON_STARTUP", "false");

        Throwable refused = catchThrowable(() -> RunningJar.start(work, env).close());

        assertThat(refused).isInstanceOf(IllegalStateException.class).hasMessageStartingWith("the orchestrator exited with 1:");
        assertThat(refused.getMessage())
                .contains("APPLICATION FAILED TO START")
                .contains("The JVM reads file names as ANSI_X3.4-1968 (sun.jnu.encoding, from the locale: LC_ALL=unset, "
                        + "LC_CTYPE=unset, LANG=unset), not UTF-8: non-ASCII names such as Korean uploads would be read as '?'")
                .contains("Start llm-backup with a UTF-8 locale: LANG=C.UTF-8")
                .doesNotContain("Started LlmBackupApplication");
        assertThat(work.resolve("backup")).as("nothing was touched").doesNotExist();
    }
}
