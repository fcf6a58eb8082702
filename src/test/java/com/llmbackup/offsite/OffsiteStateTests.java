package com.llmbackup.offsite;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;

import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.catalog.FilePermissions;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.test.ManualClock;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-set offsite state the admin panel reads: off, unknown (without asking restic once per set), offsite or missing. */
class OffsiteStateTests {

    @TempDir
    Path temp;

    final ManualClock clock = ManualClock.at("2025-10-31T02:00:00Z");

    OffsiteState state(Map<String, String> settings) {
        var properties = AbstractOffsiteRepositoryTests.bind(settings);
        BackupCatalog catalog = new BackupCatalog(temp, FilePermissions.ownerOnly(), clock);
        return new OffsiteState(new OffsiteRepository(properties, catalog, new CommandRunner()), null, clock);
    }

    @Test
    void ofSaysDisabledWhenNoRepositoryIsConfigured() {
        assertThat(state(Map.of()).of(BackupKind.DAILY, BackupSetId.parse("20251031")).status()).isEqualTo(OffsiteState.Status.DISABLED);
    }

    @Test
    void ofSaysUnknownAndAsksResticOnceAMinuteWhenTheRepositoryCannotBeRead() throws Exception {
        // a stand-in restic that counts its calls and fails as an unreachable repository does
        Path calls = temp.resolve("calls");
        Path restic = temp.resolve("restic");
        Files.writeString(restic, "#!/bin/sh\necho call >> " + calls + "\necho 'Fatal: unable to open repository' >&2\nexit 1\n");
        Files.setPosixFilePermissions(restic, PosixFilePermissions.fromString("rwx------"));
        OffsiteState state = state(Map.of("backup.offsite.repository", "sftp:backup@192.0.2.1:/srv/restic",
                "backup.offsite.password-file", temp.resolve("password").toString(), "backup.offsite.restic-binary", restic.toString()));

        OffsiteState.SetState first = state.of(BackupKind.DAILY, BackupSetId.parse("20251031"));
        OffsiteState.SetState second = state.of(BackupKind.DAILY, BackupSetId.parse("20251030"));

        assertThat(first.status()).isEqualTo(OffsiteState.Status.UNKNOWN);
        assertThat(first.problem()).isEqualTo("Cannot list the offsite snapshots (sftp:backup@192.0.2.1:/srv/restic): "
                + "restic exited with code 1: Fatal: unable to open repository.");
        assertThat(second.status()).isEqualTo(OffsiteState.Status.UNKNOWN);
        assertThat(Files.readAllLines(calls)).hasSize(1);

        clock.advance(Duration.ofMinutes(2));
        state.of(BackupKind.DAILY, BackupSetId.parse("20251031"));
        assertThat(Files.readAllLines(calls)).hasSize(2);
    }

    /** The NAS gone or the password changed after a good read: the sets must not go on saying "offsite" from the old list. */
    @Test
    void ofSaysUnknownNotOffsiteWhenTheRepositoryBecameUnreadableAfterAGoodRead() throws Exception {
        Path gone = temp.resolve("gone");
        Path restic = temp.resolve("restic");
        Files.writeString(restic, "#!/bin/sh\nif [ -f " + gone + " ]; then echo 'Fatal: unable to open repository' >&2; exit 1; fi\n"
                + "echo '[{\"id\":\"abcdef1234567890\",\"short_id\":\"abcdef12\",\"time\":\"2025-10-31T02:10:00Z\","
                + "\"tags\":[\"llm-backup\",\"kind:daily\",\"id:20251031\"]}]'\n");
        Files.setPosixFilePermissions(restic, PosixFilePermissions.fromString("rwx------"));
        OffsiteState state = state(Map.of("backup.offsite.repository", "sftp:backup@192.0.2.1:/srv/restic",
                "backup.offsite.password-file", temp.resolve("password").toString(), "backup.offsite.restic-binary", restic.toString()));
        state.refresh();
        assertThat(state.of(BackupKind.DAILY, BackupSetId.parse("20251031")).status()).isEqualTo(OffsiteState.Status.OFFSITE);

        Files.writeString(gone, "");
        Assertions.assertThatThrownBy(state::refresh).isInstanceOf(OffsiteException.class);

        OffsiteState.SetState after = state.of(BackupKind.DAILY, BackupSetId.parse("20251031"));
        assertThat(after.status()).isEqualTo(OffsiteState.Status.UNKNOWN);
        assertThat(after.problem()).isEqualTo("Cannot list the offsite snapshots (sftp:backup@192.0.2.1:/srv/restic): "
                + "restic exited with code 1: Fatal: unable to open repository.");
    }
}
