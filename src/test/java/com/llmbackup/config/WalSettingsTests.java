package com.llmbackup.config;

import static com.llmbackup.config.SettingsTests.bind;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code backup.wal.*}: the defaults, and one message naming key and value for each bad value. */
class WalSettingsTests {

    @Test
    void bindGivesStreamingDefaultsWhenNothingIsSet() {
        BackupProperties.Wal wal = bind(Map.of()).wal();

        assertThat(wal.enabled()).isTrue();
        assertThat(wal.slot()).isEqualTo("llm_backup");
        assertThat(wal.maxLag()).hasMinutes(5);
        assertThat(wal.maxSlotRetained().toGigabytes()).isEqualTo(1);
        assertThat(wal.offsiteInterval()).hasMinutes(15);
        assertThat(wal.leaseTtl()).hasSeconds(30);
        assertThat(wal.statusInterval()).hasSeconds(1);
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "backup.wal.slot|Llm-Backup|it must be a replication slot name (lower-case letters, digits, '_', at most 63 characters).",
            "backup.wal.max-lag|0s|it must be a positive duration such as 30s, 10m or 24h.",
            "backup.wal.max-slot-retained|0B|it must be a positive size such as 512MB or 1GB.",
            "backup.wal.lease-ttl|2s|it must be at least three times backup.wal.status-interval (PT1S): the receiver renews its lease at that pace."})
    void bindRejectsValueNamingKeyWhenInvalid(String key, String value, String why) {
        assertThatThrownBy(() -> bind(Map.of(key, value))).rootCause().hasMessageEndingWith(why).hasMessageContaining(key);
    }
}
