package com.llmbackup.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.llmbackup.LlmBackupApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** A malformed setting stops the real application at start-up with one message naming key and value. */
@ExtendWith(OutputCaptureExtension.class)
class StartupValidationTests {

    private static SpringApplicationBuilder app(String... properties) {
        return new SpringApplicationBuilder(LlmBackupApplication.class)
                .properties("spring.datasource.url=jdbc:h2:mem:startup-${random.uuid}",
                        "server.port=0", "camunda.bpm.job-execution.enabled=false",
                        "backup.preflight.on-startup=false")
                .properties(properties);
    }

    @Test
    void startFailsWithKeyAndValueWhenCronIsMalformed(CapturedOutput output) {
        assertThatThrownBy(() -> app("backup.schedule.daily=0 2 * * *").run()).isInstanceOf(Exception.class);

        assertThat(output.getOut() + output.getErr())
                .contains("APPLICATION FAILED TO START")
                .contains("Invalid setting backup.schedule.daily='0 2 * * *': it has 5 fields, not 6.")
                .contains("Correct backup.schedule.daily in the environment or application.yaml and start again.");
    }

    @Test
    void startFailsWithKeyAndValueWhenCronFieldIsOutOfRange(CapturedOutput output) {
        assertThatThrownBy(() -> app("backup.schedule.weekly=0 0 25 ? * SUN").run()).isInstanceOf(Exception.class);

        assertThat(output.getOut() + output.getErr())
                .contains("APPLICATION FAILED TO START")
                .contains("Invalid setting backup.schedule.weekly='0 0 25 ? * SUN': ")
                .contains("Correct backup.schedule.weekly in the environment or application.yaml and start again.");
    }

    @Test
    void startFailsWithKeyAndValueWhenLanguageIsNotKoOrEn(CapturedOutput output) {
        // an argument: the test contexts' config/application.yaml (backup.language=en) outranks the builder's defaults
        assertThatThrownBy(() -> app().run("--backup.language=fr")).isInstanceOf(Exception.class);

        assertThat(output.getOut() + output.getErr())
                .contains("APPLICATION FAILED TO START")
                .contains("Invalid setting backup.language='fr': it must be ko (Korean) or en (English)")
                .contains("Correct backup.language in the environment or application.yaml and start again.");
    }

    @Test
    void startFailsWithKeyAndValueWhenNumberIsMalformed(CapturedOutput output) {
        assertThatThrownBy(() -> app("backup.retention.days=thirty").run()).isInstanceOf(Exception.class);

        assertThat(output.getOut() + output.getErr())
                .contains("APPLICATION FAILED TO START")
                .contains("Property: backup.retention.days")
                .contains("Value: \"thirty\"");
    }
}
