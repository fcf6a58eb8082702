package com.llmbackup.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;

import com.llmbackup.config.BackupProperties;
import com.llmbackup.config.Texts;
import com.llmbackup.test.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** The backup log's lines of one run: those written while it went, read back from their dates. */
class BackupLogTests {

    @TempDir
    Path temp;

    @Test
    void linesBetweenWhenRunsFollowEachOtherReturnsOnlyThoseOfTheWindow() throws Exception {
        Path file = temp.resolve("llm-backup.log");
        BackupProperties properties = new Binder(new MapConfigurationPropertySource(Map.of("backup.log-file", file.toString())))
                .bindOrCreate("backup", BackupProperties.class);
        ManualClock clock = new ManualClock(Instant.parse("2025-10-31T02:00:00Z"), ZoneId.of("Asia/Seoul"));
        BackupLog log = new BackupLog(properties, clock, Texts.of("en"));
        log.write("Daily backup completed: db_20251031.dump");
        clock.advance(Duration.ofMinutes(10));
        Instant restoreStart = clock.instant();
        log.write("Restore daily/20251031 REJECTED: Rejected by bob: wrong set. Nothing was changed.");
        clock.advance(Duration.ofMinutes(1));
        Instant restoreEnd = clock.instant();
        clock.advance(Duration.ofHours(1));
        log.write("Daily backup completed: db_20251031_1.dump");
        Files.writeString(file, "a line without a date\n", StandardOpenOption.APPEND);

        assertThat(log.linesBetween(restoreStart, restoreEnd, 10)).singleElement().asString()
                .endsWith("] Restore daily/20251031 REJECTED: Rejected by bob: wrong set. Nothing was changed.")
                .contains("KST 2025");
        assertThat(log.linesBetween(Instant.parse("2025-10-31T00:00:00Z"), Instant.parse("2025-11-01T00:00:00Z"), 2)).hasSize(2);
        assertThat(log.linesBetween(Instant.parse("2025-10-30T00:00:00Z"), Instant.parse("2025-10-30T01:00:00Z"), 10)).isEmpty();
    }
}
