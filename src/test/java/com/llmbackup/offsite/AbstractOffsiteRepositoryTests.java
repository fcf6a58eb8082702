package com.llmbackup.offsite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupLog;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.catalog.FilePermissions;
import com.llmbackup.catalog.LeaseManager;
import com.llmbackup.catalog.OwnerLiveness;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.config.Texts;
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

    /** Where the files of the repository that {@link #repositorySettings} places at {@code dir} are on this machine. */
    Path repositoryFiles(Path dir) {
        return dir;
    }

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
                List.of("llm-backup", "kind:daily", "id:20251031", "layout:uploads-at-root"), List.of("llm-backup", "kind:weekly", "id:20251031"));
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

        BackupSet fetched = offsite.fetchIntoCatalog(BackupKind.DAILY, set.id(), lease);

        assertThat(fetched.status()).isEqualTo(BackupSet.Status.COMPLETE);
        assertThat(FileTrees.describe(dir.resolve(BackupKind.DAILY.uploadsName(set.id())))).isEqualTo(uploadsBefore);
        assertThat(FileTrees.sha256(dir.resolve(BackupKind.DAILY.dumpName(set.id())))).isEqualTo(dumpBefore);
        assertThat(Files.readString(dir.resolve(BackupKind.DAILY.manifestName(set.id())))).isEqualTo(manifestBefore);
        assertThat(catalog.root().resolve(".staging/run-1")).as("the fetch left no staging").doesNotExist();
    }

    /**
     * Day two of a live folder in which one file changed and one was added, snapshotted by the
     * real snapshot step (the rest hard links to day one's copies): restic, given day one's copy
     * as parent, reads those two and the set's own files and skips every other file. One of the
     * skipped files was rewritten in place in the backup root behind restic's back (same size,
     * mtime and inode): day two's copy still holds day one's bytes of it, so it was not read.
     */
    @Test
    void copyOfTheNextDayReadsOnlyWhatChangedWhenThePreviousCopyIsItsParent() throws IOException {
        Path live = temp.resolve("live");
        Map<String, String> files = new HashMap<>();
        for (int i = 0; i < 20; i++) {
            files.put("documents/2025/report-" + i + ".pdf", "%PDF report " + i);
        }
        files.put("avatars/u1.png", "PNG one");
        files.put("notes.txt", "hello");
        FileTrees.write(live, files);
        BackupSet first = TestSets.publishSnapshot(catalog, lease, BackupKind.DAILY, "PGDMP day one", live, null);
        OffsiteRepository.CopyResult one = offsite.copy(first);
        assertThat(one.parentId()).isNull();
        assertThat(one.filesRead()).isEqualTo(25); // 22 uploads, dump, file list, manifest
        assertThat(one.filesUnchanged()).isZero();

        clock.advance(Duration.ofDays(1));
        Files.writeString(live.resolve("notes.txt"), "hello, changed");
        Files.writeString(live.resolve("avatars/u2.png"), "PNG two");
        BackupSet second = TestSets.publishSnapshot(catalog, lease, BackupKind.DAILY, "PGDMP day two", live, first);
        Path behindResticsBack = catalog.kindDir(BackupKind.DAILY).resolve("uploads_" + second.id()).resolve("documents/2025/report-7.pdf");
        FileTime mtime = Files.getLastModifiedTime(behindResticsBack);
        Files.writeString(behindResticsBack, "%PDF REPORT 7");
        Files.setLastModifiedTime(behindResticsBack, mtime);

        OffsiteRepository.CopyResult two = offsite.copy(second);

        assertThat(two.parentId()).isEqualTo(offsite.find(BackupKind.DAILY, first.id()).orElseThrow().shortId());
        assertThat(two.filesUnchanged()).isEqualTo(21);
        assertThat(two.filesRead()).isEqualTo(5); // notes.txt, u2.png, dump, file list, manifest
        assertThat(two.filesProcessed()).isEqualTo(26);
        Path out = temp.resolve("out");
        offsite.restoreSet(BackupKind.DAILY, second.id(), out);
        Path restored = out.resolve("uploads_" + second.id());
        assertThat(restored.resolve("documents/2025/report-7.pdf")).hasContent("%PDF report 7");
        assertThat(restored.resolve("notes.txt")).hasContent("hello, changed");
        assertThat(restored.resolve("avatars/u2.png")).hasContent("PNG two");
        assertThat(out.resolve("db_" + second.id() + ".dump")).hasContent("PGDMP day two");
        try (Stream<Path> top = Files.list(out)) {
            assertThat(top.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("uploads_" + second.id(),
                    "db_" + second.id() + ".dump", "files_" + second.id() + ".jsonl", "manifest_" + second.id() + ".json");
        }
    }

    @Test
    void fetchIntoCatalogGivesIdenticalArchiveWhenTheLocalWeeklyWasDeleted() throws IOException {
        BackupSet set = weekly("PGDMP weekly content");
        Path archive = catalog.kindDir(BackupKind.WEEKLY).resolve(BackupKind.WEEKLY.uploadsName(set.id()));
        String before = FileTrees.sha256(archive);
        offsite.copy(set);
        catalog.delete(set, lease);

        offsite.fetchIntoCatalog(BackupKind.WEEKLY, set.id(), lease);

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

        assertThatThrownBy(() -> offsite.fetchIntoCatalog(BackupKind.DAILY, set.id(), lease))
                .isInstanceOf(OffsiteException.class)
                .hasMessageContaining("db_20251031.dump of the offsite copy of daily/20251031 does not match its manifest");
        assertThat(catalog.find(BackupKind.DAILY, set.id())).isEmpty();
        assertThat(catalog.root().resolve(".staging/run-1")).as("the fetch left no staging").doesNotExist();
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

        Path pack = largestPack(repositoryFiles(temp.resolve("repo")));
        byte[] bytes = Files.readAllBytes(pack);
        bytes[bytes.length / 2] ^= 0x5a;
        pack.toFile().setWritable(true);
        Files.write(pack, bytes);

        OffsiteRepository.CheckVerdict verdict = offsite.check("100%");
        assertThat(verdict.sound()).isFalse();
        assertThat(verdict.message()).contains("damaged pack data/" + pack.getParent().getFileName() + "/" + pack.getFileName());
    }

    @Test
    void verifyCopyPassesWhenTheOffsiteCopyRestoresAsItsManifestSays() throws Exception {
        offsite.copy(daily("PGDMP daily"));

        OffsiteRepository.CheckVerdict verdict = offsite.verifyCopy(BackupKind.DAILY, BackupSetId.parse("20251031"), temp.resolve("scratch"));

        assertThat(verdict.sound()).as(verdict.message()).isTrue();
        assertThat(verdict.message()).matches("The offsite copy of daily/20251031 \\(snapshot [0-9a-f]{8}\\) restores and matches its "
                + "manifest: 3 artifacts, 3 uploads files\\.");
        assertThat(temp.resolve("scratch/offsite-verify-daily_20251031")).doesNotExist();
    }

    /**
     * The cleanup's offsite retention over a controlled clock: sets of four days copied, the
     * policy keeps the newest two days and the newest set of two months; the dry run forgets
     * nothing, the real one forgets exactly the copy outside, each with its reason logged.
     */
    @Test
    void applyForgetsOnlyTheCopiesOutsideThePolicyWithTheirReasonsLogged() throws Exception {
        for (String day : List.of("2025-09-30", "2025-10-29", "2025-10-30", "2025-10-31")) {
            clock.set(Instant.parse(day + "T02:00:00Z"));
            offsite.copy(daily("PGDMP " + day));
        }
        Map<String, String> settings = new HashMap<>(repositorySettings(temp.resolve("repo")));
        settings.putAll(Map.of("backup.root", catalog.root().toString(), "backup.log-file", temp.resolve("llm-backup.log").toString(),
                "backup.offsite.password-file", passwordFile.toString(),
                "backup.offsite.keep-daily", "2", "backup.offsite.keep-weekly", "0", "backup.offsite.keep-monthly", "2"));
        BackupProperties properties = bind(settings);
        OffsiteRepository repository = new OffsiteRepository(properties, catalog, new CommandRunner());
        OffsiteRetention retention = new OffsiteRetention(properties, repository, new OffsiteState(repository, null, clock),
                new BackupLog(properties, clock, Texts.of("en")));
        String forget = "offsite daily/20251029 (snapshot " + repository.find(BackupKind.DAILY, BackupSetId.parse("20251029")).orElseThrow().shortId()
                + "): beyond the GFS policy: not the newest daily set of one of the 2 newest days, 0 newest weeks or 2 newest months that have one";

        assertThat(retention.apply(true)).extracting(Texts.of("en")::render).containsExactly("Would forget " + forget,
                "Offsite cleanup dry run: 1 copies would be forgotten, 3 kept");
        assertThat(repository.snapshots()).hasSize(4);

        assertThat(retention.apply(false)).extracting(Texts.of("en")::render).containsExactly("Forget " + forget, "Offsite cleaned up: 1 copies forgotten and pruned, 3 kept");
        assertThat(repository.snapshots()).extracting(s -> s.set().orElseThrow().label())
                .containsExactly("daily/20250930", "daily/20251030", "daily/20251031");
        assertThat(Files.readString(temp.resolve("llm-backup.log"))).contains("] Forget " + forget);
        assertThat(retention.plan()).extracting(d -> Texts.of("en").render(d.line())).containsExactlyInAnyOrder(
                "Keep offsite daily/20251031 (snapshot " + shortId(repository, "20251031") + "): newest daily set of day 2025-10-31 (keep-daily 2); newest daily set of month 2025-10 (keep-monthly 2)",
                "Keep offsite daily/20251030 (snapshot " + shortId(repository, "20251030") + "): newest daily set of day 2025-10-30 (keep-daily 2)",
                "Keep offsite daily/20250930 (snapshot " + shortId(repository, "20250930") + "): newest daily set of month 2025-09 (keep-monthly 2)");
    }

    static String shortId(OffsiteRepository repository, String id) {
        return repository.find(BackupKind.DAILY, BackupSetId.parse(id)).orElseThrow().shortId();
    }

    static Path largestPack(Path repo) throws IOException {
        try (Stream<Path> walk = Files.walk(repo.resolve("data"))) {
            return walk.filter(Files::isRegularFile).max(Comparator.comparingLong(p -> p.toFile().length())).orElseThrow();
        }
    }
}
