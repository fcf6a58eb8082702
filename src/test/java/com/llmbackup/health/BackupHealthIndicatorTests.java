package com.llmbackup.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.FilePermissions;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.test.FileTrees;
import com.llmbackup.test.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** The backup health on a real catalog folder and real file systems, with a controlled clock. */
class BackupHealthIndicatorTests {

    @TempDir
    Path root;

    private final ManualClock clock = ManualClock.at("2025-10-31T03:00:00Z");

    private BackupHealthIndicator indicator(Path backupRoot, String maxUsedPercent) {
        BackupProperties properties = new Binder(new MapConfigurationPropertySource(Map.of(
                "backup.root", backupRoot.toString(), "backup.volume.max-used-percent", maxUsedPercent, "backup.language", "en")))
                .bindOrCreate("backup", BackupProperties.class);
        return new BackupHealthIndicator(new BackupCatalog(backupRoot, FilePermissions.ownerOnly(), clock), properties, clock);
    }

    private void completeDaily(String id, String completedAt) throws Exception {
        FileTrees.completeDaily(root, id, completedAt);
    }

    @Test
    void healthIsUpWhenNewestBackupIsWithinRpo() throws Exception {
        completeDaily("20251031", "2025-10-31T02:05:00Z");

        var health = indicator(root, "100").health();

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("newestBackup", "daily/20251031").containsEntry("newestBackupAgeHours", 0L);
    }

    @Test
    void healthGoesDownWhenNewestBackupIsOlderThanRpoPlusMargin() throws Exception {
        completeDaily("20251031", "2025-10-31T02:05:00Z");
        clock.advance(Duration.ofHours(25));
        assertThat(indicator(root, "100").health().getStatus()).as("24 h RPO + 2 h margin not yet passed").isEqualTo(Status.UP);

        clock.advance(Duration.ofHours(2));
        var health = indicator(root, "100").health();

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails().get("rpo").toString())
                .isEqualTo("breached: the newest complete backup daily/20251031 is 27 h old, more than backup.rpo 24 h + 2 h");
    }

    /** A set made while the clock was ten years ahead: the RPO must not hold for ten years on its strength. */
    @Test
    void healthGoesDownWhenTheOnlyRecentSetIsDatedLaterThanTheClockAndNeverCountsItAsNewest() throws Exception {
        completeDaily("20251001", "2025-10-01T02:05:00Z");
        completeDaily("20351029", "2035-10-29T02:05:00Z");

        var health = indicator(root, "100").health();

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails()).containsEntry("newestBackup", "daily/20251001");
        assertThat(health.getDetails().get("rpo").toString()).startsWith("breached: the newest complete backup daily/20251001 is 720 h old");
        assertThat(health.getDetails().get("clock").toString()).isEqualTo("sets dated later than this clock (2025-10-31T03:00:00Z): "
                + "daily/20351029 (2035-10-29T02:05:00Z); they do not count as the newest: made under a clock that was ahead, or this "
                + "clock is behind");
    }

    @Test
    void healthIsDownWhenNoCompleteBackupExists() {
        var health = indicator(root, "100").health();

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails()).containsEntry("newestBackup", "none: no complete backup exists");
    }

    @Test
    void healthGoesDownWhenVolumeIsFullerThanThreshold() throws Exception {
        completeDaily("20251031", Instant.parse("2025-10-31T02:05:00Z").toString());
        Path mount = Files.createDirectories(root.resolve("small"));
        exec("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mount.toString());
        try {
            Files.write(mount.resolve("filler"), new byte[1900 * 1024]);

            var health = indicator(mount, "90").health();

            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails().get("volume").toString()).startsWith("nearly full: ").endsWith("above backup.volume.max-used-percent=90");
        } finally {
            exec("umount", mount.toString());
        }
    }

    private static void exec(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", argv) + ": " + out).isZero();
    }
}
