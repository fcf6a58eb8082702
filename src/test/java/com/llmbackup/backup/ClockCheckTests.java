package com.llmbackup.backup;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;

import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.FilePermissions;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.config.Text;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.postgres.PostgresClient;
import com.llmbackup.test.FileTrees;
import com.llmbackup.test.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** This orchestrator's clock against a real PostgreSQL server's and a real catalog folder. */
class ClockCheckTests {

    private static final TestPostgres PG = TestPostgres.get();

    @TempDir
    Path root;

    private ClockCheck check(Clock clock) {
        BackupProperties properties = new Binder(new MapConfigurationPropertySource(Map.of(
                "backup.root", root.toString(),
                "backup.database.host", "127.0.0.1",
                "backup.database.port", String.valueOf(PG.port()),
                "backup.database.name", "postgres",
                "backup.database.user", TestPostgres.SUPERUSER,
                "backup.database.password", TestPostgres.SUPERUSER_PASSWORD,
                "backup.language", "en")))
                .bindOrCreate("backup", BackupProperties.class);
        return new ClockCheck(new PostgresClient(properties, new CommandRunner()), new BackupCatalog(root, FilePermissions.ownerOnly(), clock),
                clock, properties);
    }

    @Test
    void checkPassesWhenTheClocksAgreeWithinTheSkewAndNoSetIsDatedLater() throws Exception {
        FileTrees.completeDaily(root, "20200101", "2020-01-01T02:05:00Z");

        assertThatCode(() -> check(Clock.offset(Clock.systemUTC(), Duration.ofMinutes(4))).check(Text.of("clock.unchanged.notDeleted"))).doesNotThrowAnyException();
        assertThatCode(() -> check(Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-4))).check(Text.of("clock.unchanged.notDeleted"))).doesNotThrowAnyException();
    }

    @Test
    void checkFailsNamingBothClocksWhenThisOneIsBehindTheDatabaseServers() {
        assertThatThrownBy(() -> check(Clock.offset(Clock.systemUTC(), Duration.ofHours(-2).minusMinutes(5))).check(Text.of("clock.unchanged.notDeleted")))
                .isInstanceOf(ClockSkewException.class)
                .hasMessageStartingWith("This orchestrator's clock says ")
                .hasMessageContaining(", the database server's (127.0.0.1:" + PG.port() + ") says ")
                .hasMessageContaining(": it is behind by 2 h 5 min, more than backup.clock.max-skew (5 min 0 s). No set was deleted. ");
    }

    /** Made while both clocks were ahead, or this one stepped back since: either way no age from this clock can be trusted. */
    @Test
    void checkFailsNamingTheSetAndWhatToMoveWhenTheCatalogHoldsOneDatedLaterThanTheClock() throws Exception {
        LocalDate future = LocalDate.now(ZoneOffset.UTC).plusDays(3652);
        String id = future.toString().replace("-", "");
        FileTrees.completeDaily(root, id, future + "T02:05:00Z");

        assertThatThrownBy(() -> check(Clock.systemUTC()).check(Text.of("clock.unchanged.notDeleted")))
                .isInstanceOf(ClockSkewException.class)
                .hasMessageStartingWith("Set daily/" + id + " in " + root + " is dated " + future + "T02:05:00Z, later than this "
                        + "orchestrator's clock (")
                .hasMessageContaining("No set was deleted. Either both clocks are behind (set them right), or that set was made while "
                        + "the clocks were ahead: check it, then move its files (" + root.resolve("daily") + "/*_" + id + "*) out of the backup root.");
    }

    @Test
    void checkBeforePublishingFailsWhenTheRunStartedLaterThanTheClockNow() {
        Instant started = Instant.now().plus(Duration.ofHours(3));

        assertThatThrownBy(() -> check(Clock.systemUTC()).checkBeforePublishing("daily/20251031", LocalDate.of(2025, 10, 31), started))
                .isInstanceOf(ClockSkewException.class)
                .hasMessageStartingWith("The run started at " + started + " and named its set daily/20251031 after 2025-10-31, later "
                        + "than this orchestrator's clock now (")
                .hasMessageContaining("): the clock was ahead when the run began, or stepped back since. daily/20251031 was not published. ");
    }
}
