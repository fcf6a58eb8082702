package com.llmbackup.health;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

import com.llmbackup.config.Texts;
import com.llmbackup.catalog.Sizes;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.wal.WalReceiverStatus;
import org.springframework.stereotype.Component;

/**
 * The WAL receiver's verdicts, shared by the {@code backup} health and the alerts (docs/wal.md):
 * behind the server longer than {@code backup.wal.max-lag} while the database answers (a server
 * that is down writes no WAL, and the dump rule still holds), nobody running the receiver for
 * that long, the slot keeping more than {@code backup.wal.max-slot-retained}, the WAL folder's
 * volume full; and the effective RPO: the lag while streaming, the newest dump's age otherwise.
 */
@Component
public class WalHealth {

    private final BackupProperties.Wal settings;
    private final Clock clock;
    private final Texts texts;

    public WalHealth(BackupProperties properties, Clock clock) {
        // the verdicts are read in the health details and the alerts: backup.language
        this.texts = Texts.of(properties.language());
        this.settings = properties.wal();
        this.clock = clock;
    }

    public Optional<String> lagBreach(WalReceiverStatus s) {
        if (!settings.enabled()) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        if (s.state() == WalReceiverStatus.State.STOPPED) {
            Instant since = s.writtenAt();
            if (since == null || Duration.between(since, now).compareTo(settings.maxLag()) > 0) {
                return Optional.of(texts.render(since == null ? "wal.health.neverRun" : "wal.health.notRunSince", since, human(settings.maxLag()),
                        s.message()));
            }
            return Optional.empty();
        }
        if (Boolean.TRUE.equals(s.serverAnswers()) && s.lagSeconds() != null && s.lagSeconds() > settings.maxLag().toSeconds()) {
            return Optional.of(texts.render("wal.health.behind", String.format(Locale.ROOT, "%.0f", s.lagSeconds()), human(settings.maxLag()))
                    + (s.message() == null ? "" : ": " + s.message()));
        }
        return Optional.empty();
    }

    public Optional<String> slotBreach(WalReceiverStatus s) {
        if (!settings.enabled() || s.slotRetainedBytes() == null || s.slotRetainedBytes() <= settings.maxSlotRetained().toBytes()) {
            return Optional.empty();
        }
        return Optional.of(texts.render("wal.health.slot", s.slot(), Sizes.human(s.slotRetainedBytes()),
                Sizes.human(settings.maxSlotRetained().toBytes()), s.state().name().toLowerCase(Locale.ROOT)));
    }

    public Optional<String> volumeFull(WalReceiverStatus s) {
        return settings.enabled() && s.volumeFull() ? Optional.of(s.message()) : Optional.empty();
    }

    /** Seconds of writes a restore would lose now: the lag while WAL streams, else the newest dump's age (empty: none). */
    public Optional<Long> effectiveRpoSeconds(WalReceiverStatus s, Optional<Duration> newestDumpAge) {
        if (settings.enabled() && s.streaming() && s.lagSeconds() != null) {
            return Optional.of((long) Math.ceil(s.lagSeconds()));
        }
        return newestDumpAge.map(Duration::toSeconds);
    }

    private static String human(Duration d) {
        return d.toString().substring(2).toLowerCase(Locale.ROOT);
    }
}
