package com.llmbackup.backup;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;

import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.config.Text;
import com.llmbackup.config.Texts;
import com.llmbackup.postgres.DatabaseUnavailableException;
import com.llmbackup.postgres.PostgresClient;
import org.springframework.stereotype.Component;

/**
 * Whether this orchestrator's clock can be trusted before a run stages or publishes a set or a
 * cleanup decides or deletes: set ids, completion times and ages all come from it. It is compared
 * with the database server's clock and with the latest date in the catalog; beyond
 * {@code backup.clock.max-skew} the step fails with a {@link ClockSkewException} naming both times,
 * before anything is written. It is a technical failure: retried (NTP may step the clock right
 * meanwhile), then an incident with its history row, log line and alert.
 */
@Component
public class ClockCheck {

    private final PostgresClient postgres;
    private final BackupCatalog catalog;
    private final Clock clock;
    private final Duration maxSkew;
    private final Texts texts;

    public ClockCheck(PostgresClient postgres, BackupCatalog catalog, Clock clock, BackupProperties properties) {
        this.postgres = postgres;
        this.catalog = catalog;
        this.clock = clock;
        this.maxSkew = properties.clock().maxSkew();
        // the refusal reaches the run, the alert and the log: backup.language
        this.texts = Texts.of(properties.language());
    }

    /**
     * Fails unless this clock is within the allowed skew of the database server's and no set of
     * the catalog is dated later than it; {@code unchanged} says what the failure left undone. A
     * server that cannot be reached fails it too: a clock that cannot be checked is not trusted.
     */
    public void check(Text unchanged) {
        check(unchanged, true);
    }

    /**
     * {@link #check} before a run stages its set (its id is today's date by this clock), except
     * that a database server that cannot be reached is left to the dump, which names why; the
     * check before publishing then needs it.
     */
    public void checkBeforeStaging() {
        check(Text.of("clock.unchanged.notStaged"), false);
    }

    private void check(Text unchanged, boolean serverRequired) {
        Instant asked = clock.instant();
        Instant server;
        try {
            server = postgres.serverTime();
        } catch (DatabaseUnavailableException e) {
            if (serverRequired) {
                throw e;
            }
            server = null;
        }
        // this clock at the moment the server read its own: halfway through the round trip
        Instant mine = asked.plus(Duration.between(asked, clock.instant()).dividedBy(2));
        Duration skew = server == null ? Duration.ZERO : Duration.between(server, mine);
        if (skew.abs().compareTo(maxSkew) > 0) {
            throw new ClockSkewException(texts.render(skew.isNegative() ? "clock.skew.behind" : "clock.skew.ahead", mine,
                    postgres.database().host() + ":" + postgres.database().port(), server, describe(skew.abs()), describe(maxSkew), unchanged));
        }
        Object serverSays = server == null ? "" : Text.of("clock.serverSays", server);
        catalog.list().stream().filter(BackupSet::restorable).filter(s -> s.fromTheFuture(mine, maxSkew, clock.getZone()))
                .max(Comparator.comparing(this::datedAt)).ifPresent(set -> {
                    throw new ClockSkewException(texts.render("clock.setFromTheFuture", set.label(), catalog.root(), datedAt(set), mine,
                            serverSays, describe(maxSkew), unchanged, catalog.kindDir(set.kind()) + "/*_" + set.id() + "*"));
                });
    }

    /**
     * {@link #check} before a run publishes its set, and the run's own times: a set staged, or a
     * run started, later than this clock was dated by a clock that has stepped back since.
     */
    public void checkBeforePublishing(String label, LocalDate setDate, Instant startedAt) {
        Text unchanged = Text.of("clock.unchanged.notPublished", label);
        check(unchanged);
        Instant limit = clock.instant().plus(maxSkew);
        if (setDate.atStartOfDay(clock.getZone()).toInstant().isAfter(limit) || (startedAt != null && startedAt.isAfter(limit))) {
            throw new ClockSkewException(texts.render("clock.runFromTheFuture", startedAt, label, setDate, clock.instant(), unchanged));
        }
    }

    private Instant datedAt(BackupSet set) {
        if (set.manifest() != null && set.manifest().completedAt() != null) {
            return set.manifest().completedAt();
        }
        return set.date().atStartOfDay(clock.getZone()).toInstant();
    }

    /** {@code 3652 days 0 h}, {@code 2 h 5 min}, {@code 6 min 3 s}. */
    static String describe(Duration duration) {
        Duration d = duration.plusMillis(500).truncatedTo(ChronoUnit.SECONDS);
        if (d.toDays() > 0) {
            return d.toDays() + " days " + d.toHoursPart() + " h";
        }
        if (d.toHours() > 0) {
            return d.toHours() + " h " + d.toMinutesPart() + " min";
        }
        return d.toMinutes() + " min " + d.toSecondsPart() + " s";
    }
}
