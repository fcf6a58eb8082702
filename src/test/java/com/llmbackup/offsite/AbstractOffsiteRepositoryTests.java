package com.llmbackup.offsite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.catalog.FilePermissions;
import com.llmbackup.catalog.LeaseManager;
import com.llmbackup.catalog.OwnerLiveness;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.test.FileTrees;
import com.llmbackup.test.ManualClock;
import com.llmbackup.test.TestSets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * The offsite repository against a real restic repository: sets copied with their tags,
 * restored identical after the local set was deleted, unreadable with a wrong password, and
 * {@code restic check} naming a corrupted pack. Subclasses say where the repository lives
 * (a local path; {@code sftp:} on a real sshd).
 */
abstract class AbstractOffsiteRepositoryTests {

    @TempDir
    Path temp;

    ManualClock clock;
    BackupCatalog catalog;
    LeaseManager.Lease lease;
    Path passwordFile;
    OffsiteRepository offsite;

    /** The {@code backup.offsite.*} settings reaching the repository in {@code dir} (the folder on this machine). */
    abstract Map<String, String> repositorySettings(Path dir) throws Exception;

    static BackupProperties bind(Map<String, String> settings) {
        return new Binder(new MapConfigurationPropertySource(settings)).bindOrCreate("backup", BackupProperties.class);
    }

    @BeforeEach
    void setUp() throws Exception {
        Path root = Files.createDirectories(temp.resolve("backup"));
        clock = ManualClock.at("2025-10-31T02:00:00Z");
        catalog = new BackupCatalog(root, FilePermissions.ownerOnly(), clock);
        lease = new LeaseManager(root, Duration.ofMinutes(2), clock, OwnerLiveness.ALWAYS_ACTIVE, FilePermissions.ownerOnly())
                .tryAcquire("run-1", "test").lease();
        passwordFile = temp.resolve("offsite.password");
        Files.writeString(passwordFile, "correct horse battery staple\n");
        offsite = repository(passwordFile, temp.resolve("repo"));
        offsite.init();
    }

    OffsiteRepository repository(Path password, Path repoDir) throws Exception {
        Map<String, String> settings = new HashMap<>(repositorySettings(repoDir));
        settings.put("backup.root", catalog.root().toString());
        settings.put("backup.offsite.password-file", password.toString());
        return new OffsiteRepository(bind(settings), catalog, new CommandRunner());
    }

    BackupSet daily(String dump) throws IOException {
        return TestSets.publish(catalog, lease, BackupKind.DAILY, dump,
                Map.of("documents/2025/report.pdf", "%PDF report", "avatars/u1.png", "PNG one", "notes.txt", "hello"));
    }

    BackupSet weekly(String dump) throws IOException {
        return TestSets.publish(catalog, lease, BackupKind.WEEKLY, dump, Map.of("documents/a.txt", "A", "b.txt", "B"));
    }

    @Test
    void snapshotsListDailyAndWeeklyWithTheirTagsWhenBothWereCopied() throws IOException {
        BackupSet daily = daily("PGDMP daily");
        BackupSet weekly = weekly("PGDMP weekly");

        OffsiteRepository.CopyResult first = offsite.copy(daily);
        offsite.copy(weekly);

        List<OffsiteSnapshot> snapshots = offsite.snapshots();
        assertThat(snapshots).hasSize(2);
        assertThat(snapshots).extracting(OffsiteSnapshot::tags).containsExactlyInAnyOrder(
                List.of("llm-backup", "kind:daily", "id:20251031"), List.of("llm-backup", "kind:weekly", "id:20251031"));
        assertThat(offsite.find(BackupKind.DAILY, daily.id()).orElseThrow().id()).startsWith(first.snapshotId());
        assertThat(first.bytesAdded()).isPositive();
    }

    @Test
    void fetchIntoCatalogGivesIdenticalSetWhenTheLocalDailyWasDeleted() throws IOException {
        BackupSet set = daily("PGDMP daily content");
        Path dir = catalog.kindDir(BackupKind.DAILY);
        Map<String, String> uploadsBefore = FileTrees.describe(dir.resolve(BackupKind.DAILY.uploadsName(set.id())));
        String dumpBefore = FileTrees.sha256(dir.resolve(BackupKind.DAILY.dumpName(set.id())));
        String manifestBefore = Files.readString(dir.resolve(BackupKind.DAILY.manifestName(set.id())));
        offsite.copy(set);
        catalog.delete(set, lease);
        assertThat(catalog.find(BackupKind.DAILY, set.id())).isEmpty();

        BackupSet fetched = offsite.fetchIntoCatalog(BackupKind.DAILY, set.id());

        assertThat(fetched.status()).isEqualTo(BackupSet.Status.COMPLETE);
        assertThat(FileTrees.describe(dir.resolve(BackupKind.DAILY.uploadsName(set.id())))).isEqualTo(uploadsBefore);
        assertThat(FileTrees.sha256(dir.resolve(BackupKind.DAILY.dumpName(set.id())))).isEqualTo(dumpBefore);
        assertThat(Files.readString(dir.resolve(BackupKind.DAILY.manifestName(set.id())))).isEqualTo(manifestBefore);
        assertThat(catalog.root().resolve("offsite-fetch/daily_20251031")).doesNotExist();
    }

    @Test
    void fetchIntoCatalogGivesIdenticalArchiveWhenTheLocalWeeklyWasDeleted() throws IOException {
        BackupSet set = weekly("PGDMP weekly content");
        Path archive = catalog.kindDir(BackupKind.WEEKLY).resolve(BackupKind.WEEKLY.uploadsName(set.id()));
        String before = FileTrees.sha256(archive);
        offsite.copy(set);
        catalog.delete(set, lease);

        offsite.fetchIntoCatalog(BackupKind.WEEKLY, set.id());

        assertThat(FileTrees.sha256(archive)).isEqualTo(before);
        assertThat(catalog.find(BackupKind.WEEKLY, set.id())).map(BackupSet::status).contains(BackupSet.Status.COMPLETE);
    }

    @Test
    void fetchIntoCatalogRefusesAndLeavesNothingWhenTheCopyDoesNotMatchItsManifest() throws IOException {
        BackupSet set = daily("PGDMP daily");
        Path dump = catalog.kindDir(BackupKind.DAILY).resolve(BackupKind.DAILY.dumpName(set.id()));
        Files.writeString(dump, "PGDMP dai1y"); // damaged before the copy: the copy carries the damage
        offsite.copy(set);
        catalog.delete(set, lease);

        assertThatThrownBy(() -> offsite.fetchIntoCatalog(BackupKind.DAILY, set.id()))
                .isInstanceOf(OffsiteException.class)
                .hasMessageContaining("db_20251031.dump of the offsite copy of daily/20251031 does not match its manifest");
        assertThat(catalog.find(BackupKind.DAILY, set.id())).isEmpty();
        assertThat(catalog.root().resolve("offsite-fetch/daily_20251031")).doesNotExist();
    }

    @Test
    void restoreSetFailsNamingTheSetWhenTheRepositoryHasNoCopy() {
        assertThatThrownBy(() -> offsite.restoreSet(BackupKind.DAILY, BackupSetId.parse("20251030"), temp.resolve("out")))
                .isInstanceOf(OffsiteException.class)
                .hasMessage("The offsite repository has no copy of daily/20251030.");
    }

    @Test
    void repositoryCannotBeReadWhenThePasswordIsWrong() throws Exception {
        offsite.copy(daily("PGDMP"));
        Path wrong = temp.resolve("wrong.password");
        Files.writeString(wrong, "not the password\n");
        OffsiteRepository withWrongPassword = repository(wrong, temp.resolve("repo"));

        assertThatThrownBy(withWrongPassword::snapshots)
                .isInstanceOf(OffsiteException.class)
                .hasMessageContaining("wrong password")
                .hasMessageContaining("The password in backup.offsite.password-file does not open this repository.");
        assertThatThrownBy(() -> withWrongPassword.restoreSet(BackupKind.DAILY, BackupSetId.parse("20251031"), temp.resolve("out")))
                .isInstanceOf(OffsiteException.class);
        assertThat(temp.resolve("out")).doesNotExist();
    }

    @Test
    void checkPassesWhenTheRepositoryIsSoundAndNamesThePackWhenOneIsCorrupted() throws IOException {
        offsite.copy(daily("PGDMP daily"));
        assertThat(offsite.check("100%").sound()).isTrue();

        Path pack = largestPack(temp.resolve("repo"));
        byte[] bytes = Files.readAllBytes(pack);
        bytes[bytes.length / 2] ^= 0x5a;
        pack.toFile().setWritable(true);
        Files.write(pack, bytes);

        OffsiteRepository.CheckVerdict verdict = offsite.check("100%");
        assertThat(verdict.sound()).isFalse();
        assertThat(verdict.message()).contains("damaged pack data/" + pack.getParent().getFileName() + "/" + pack.getFileName());
    }

    static Path largestPack(Path repo) throws IOException {
        try (Stream<Path> walk = Files.walk(repo.resolve("data"))) {
            return walk.filter(Files::isRegularFile).max(Comparator.comparingLong(p -> p.toFile().length())).orElseThrow();
        }
    }
}
