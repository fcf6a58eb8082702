package com.llmbackup.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@code backup.offsite.*} settings: defaults, and one message naming key and value per mistake. */
class OffsiteSettingsTests {

    static BackupProperties bind(String... keyValues) {
        Map<String, String> settings = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            settings.put(keyValues[i], keyValues[i + 1]);
        }
        return SettingsTests.bind(settings);
    }

    @Test
    void bindLeavesOffsiteOffWithTheDefaultsWhenNoRepositoryIsSet() {
        BackupProperties.Offsite offsite = bind().offsite();

        assertThat(offsite.active()).isFalse();
        assertThat(offsite.keepDaily()).isEqualTo(30);
        assertThat(offsite.keepWeekly()).isEqualTo(8);
        assertThat(offsite.keepMonthly()).isEqualTo(12);
        assertThat(offsite.checkReadDataSubset()).isEqualTo("5%");
        assertThat(offsite.catchUpLimit()).isEqualTo(3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/mnt/nas/restic", "sftp:backup@nas:/srv/restic", "s3:https://minio.local:9000/backups", "rest:https://host:8000/"})
    void bindTurnsOffsiteOnWhenARepositoryResticTakesIsSet(String repository) {
        BackupProperties.Offsite offsite = bind("backup.offsite.repository", repository,
                "backup.offsite.password-file", "/etc/llm-backup/offsite.password").offsite();

        assertThat(offsite.active()).isTrue();
        assertThat(offsite.repository()).isEqualTo(repository);
    }

    @Test
    void bindKeepsOffsiteOffWhenEnabledIsFalse() {
        assertThat(bind("backup.offsite.repository", "/mnt/nas/restic", "backup.offsite.enabled", "false").offsite().active()).isFalse();
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "backup.offsite.repository|nas/restic|Invalid setting backup.offsite.repository='nas/restic': it must be an absolute path (a local disk or a mounted NAS) or a restic location such as sftp:user@host:/srv/restic, s3:https://minio.example:9000/bucket or rest:https://host:8000/.",
            "backup.offsite.check-read-data-subset|five percent|Invalid setting backup.offsite.check-read-data-subset='five percent': it must be a percentage such as 5%, a fraction such as 1/10, or a size such as 500M.",
            "backup.offsite.keep-daily|-1|Invalid setting backup.offsite.keep-daily='-1': it must be at least 0.",
            "backup.offsite.catch-up-limit|1000|Invalid setting backup.offsite.catch-up-limit='1000': it must be between 0 and 100.",
    })
    void bindRejectsTheValueNamingKeyAndValueWhenItIsMalformed(String key, String value, String message) {
        assertThatThrownBy(() -> bind(key, value, "backup.offsite.password-file", "/etc/llm-backup/offsite.password",
                key.equals("backup.offsite.repository") ? "unused" : "backup.offsite.repository", "/mnt/nas/restic"))
                .rootCause().hasMessage(message);
    }

    @Test
    void bindRejectsARepositoryWithoutShowingItsPasswordWhenItIsMalformed() {
        assertThatThrownBy(() -> bind("backup.offsite.repository", "rest:https://backup:p@ss@nas:8000/a\u0007b",
                "backup.offsite.password-file", "/etc/llm-backup/offsite.password"))
                .rootCause().hasMessage("Invalid setting backup.offsite.repository='rest:https://***@nas:8000/a\u0007b': it contains "
                        + "control characters.");
    }

    @Test
    void bindRejectsARepositoryWhenNoPasswordFileIsSet() {
        assertThatThrownBy(() -> bind("backup.offsite.repository", "/mnt/nas/restic"))
                .rootCause().hasMessage("Invalid setting backup.offsite.password-file='null': it is required with "
                        + "backup.offsite.repository: the file holding the repository's password (mode 0600, never in the backup root).");
    }

    @Test
    void bindRejectsEnabledWhenNoRepositoryIsSet() {
        assertThatThrownBy(() -> bind("backup.offsite.enabled", "true"))
                .rootCause().hasMessage("Invalid setting backup.offsite.enabled='true': it needs backup.offsite.repository "
                        + "(a path, sftp:, s3: or rest: location).");
    }

    @Test
    void bindRejectsAPolicyWhenItWouldKeepNothing() {
        assertThatThrownBy(() -> bind("backup.offsite.keep-daily", "0", "backup.offsite.keep-weekly", "0", "backup.offsite.keep-monthly", "0"))
                .rootCause().hasMessage("Invalid setting backup.offsite.keep-daily='0': keep-daily, keep-weekly and keep-monthly "
                        + "are all 0: nothing would be kept offsite.");
    }
}
