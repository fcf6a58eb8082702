package com.llmbackup.offsite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupLog;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.test.FileTrees;
import org.junit.jupiter.api.Test;

/** The offsite repository on a local (or mounted: NAS over NFS/SMB) path. */
class OffsiteLocalRepositoryTests extends AbstractOffsiteRepositoryTests {

    @Override
    Map<String, String> repositorySettings(Path dir) {
        return Map.of("backup.offsite.repository", dir.toString());
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

    @Test
    void verifyCopyFailsNamingTheFileWhenTheCopyDiffersFromTheManifest() throws Exception {
        BackupSet set = daily("PGDMP daily");
        Files.writeString(catalog.kindDir(BackupKind.DAILY).resolve("uploads_20251031/notes.txt"), "jello");
        offsite.copy(set);

        OffsiteRepository.CheckVerdict verdict = offsite.verifyCopy(BackupKind.DAILY, set.id(), temp.resolve("scratch"));

        assertThat(verdict.sound()).isFalse();
        assertThat(verdict.message()).isEqualTo("The offsite copy of daily/20251031 does not match its manifest: notes.txt does not match its "
                + "manifest (SHA-256 " + sha("jello") + ", manifest " + sha("hello") + "): it was changed or damaged since the backup");
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
        BackupProperties properties = bind(Map.of(
                "backup.root", catalog.root().toString(), "backup.log-file", temp.resolve("llm-backup.log").toString(),
                "backup.offsite.repository", temp.resolve("repo").toString(), "backup.offsite.password-file", passwordFile.toString(),
                "backup.offsite.keep-daily", "2", "backup.offsite.keep-weekly", "0", "backup.offsite.keep-monthly", "2"));
        OffsiteRepository repository = new OffsiteRepository(properties, catalog, new CommandRunner());
        OffsiteRetention retention = new OffsiteRetention(properties, repository, new OffsiteState(repository, null, clock),
                new BackupLog(properties, clock));
        String forget = "offsite daily/20251029 (snapshot " + repository.find(BackupKind.DAILY, BackupSetId.parse("20251029")).orElseThrow().shortId()
                + "): beyond the GFS policy: not the newest daily set of one of the 2 newest days, 0 newest weeks or 2 newest months that have one";

        assertThat(retention.apply(true)).containsExactly("Would forget " + forget,
                "Offsite cleanup dry run: 1 copies would be forgotten, 3 kept");
        assertThat(repository.snapshots()).hasSize(4);

        assertThat(retention.apply(false)).containsExactly("Forget " + forget, "Offsite cleaned up: 1 copies forgotten and pruned, 3 kept");
        assertThat(repository.snapshots()).extracting(s -> s.set().orElseThrow().label())
                .containsExactly("daily/20250930", "daily/20251030", "daily/20251031");
        assertThat(Files.readString(temp.resolve("llm-backup.log"))).contains("] Forget " + forget);
        assertThat(retention.plan()).extracting(OffsiteRetentionPlanner.Decision::line).containsExactlyInAnyOrder(
                "Keep offsite daily/20251031 (snapshot " + shortId(repository, "20251031") + "): newest daily set of day 2025-10-31 (keep-daily 2); newest daily set of month 2025-10 (keep-monthly 2)",
                "Keep offsite daily/20251030 (snapshot " + shortId(repository, "20251030") + "): newest daily set of day 2025-10-30 (keep-daily 2)",
                "Keep offsite daily/20250930 (snapshot " + shortId(repository, "20250930") + "): newest daily set of month 2025-09 (keep-monthly 2)");
    }

    static String shortId(OffsiteRepository repository, String id) {
        return repository.find(BackupKind.DAILY, BackupSetId.parse(id)).orElseThrow().shortId();
    }

    static String sha(String content) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(content.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * A copy in the repository (made by a broken tool, or by whoever has the password) tagged as
     * daily/20251031_1 that also holds the dump of daily/20251031: the fetch must not take it into
     * the backup root over the local set.
     */
    @Test
    void fetchIntoCatalogRefusesAndLeavesOtherSetsUntouchedWhenTheCopyHoldsFilesItsManifestDoesNotList() throws Exception {
        BackupSet victim = daily("PGDMP the local set");
        BackupSet fetched = daily("PGDMP the fetched set");
        Path dir = catalog.kindDir(BackupKind.DAILY);
        Path victimDump = dir.resolve(BackupKind.DAILY.dumpName(victim.id()));
        String victimBefore = FileTrees.sha256(victimDump);
        Path crafted = Files.createDirectories(temp.resolve("crafted"));
        for (Path file : fetched.files()) {
            copyTree(file, crafted.resolve(file.getFileName().toString()));
        }
        Files.writeString(crafted.resolve(victimDump.getFileName().toString()), "PGDMP planted");
        List<String> args = new ArrayList<>(List.of("backup", "--json", "--host", Restic.HOST));
        OffsiteSnapshot.tagsOf(BackupKind.DAILY, fetched.id()).forEach(t -> args.addAll(List.of("--tag", t)));
        args.add("--");
        try (var names = Files.list(crafted)) {
            names.map(p -> p.getFileName().toString()).sorted().forEach(args::add);
        }
        new Restic(bind(settings()).offsite(), new CommandRunner()).run(crafted, args);
        catalog.delete(fetched, lease);

        assertThatThrownBy(() -> offsite.fetchIntoCatalog(BackupKind.DAILY, fetched.id()))
                .isInstanceOf(OffsiteException.class)
                .hasMessage("The offsite copy of daily/" + fetched.id() + " holds db_20251031.dump, which its manifest does not list: "
                        + "it is not taken into the backup root");
        assertThat(FileTrees.sha256(victimDump)).isEqualTo(victimBefore);
        assertThat(catalog.find(BackupKind.DAILY, victim.id())).map(BackupSet::status).contains(BackupSet.Status.COMPLETE);
        assertThat(catalog.find(BackupKind.DAILY, fetched.id())).isEmpty();
    }

    /** A local set that is still being published (or was cut by a power failure) is not completed by a copy from offsite. */
    @Test
    void fetchIntoCatalogRefusesWhenTheSetIsUnfinishedLocally() throws Exception {
        BackupSet set = daily("PGDMP daily");
        offsite.copy(set);
        Path manifest = catalog.kindDir(BackupKind.DAILY).resolve(BackupKind.DAILY.manifestName(set.id()));
        Files.writeString(manifest, Files.readString(manifest).replaceFirst("\"status\"\\s*:\\s*\"complete\"", "\"status\":\"publishing\""));
        assertThat(catalog.find(BackupKind.DAILY, set.id())).map(BackupSet::status).contains(BackupSet.Status.INCOMPLETE);

        assertThatThrownBy(() -> offsite.fetchIntoCatalog(BackupKind.DAILY, set.id()))
                .isInstanceOf(OffsiteException.class)
                .hasMessage("daily/20251031 is already in the backup root (incomplete): a fetch from offsite never replaces it. "
                        + "An unfinished set is rolled back by the next backup run.");
        assertThat(catalog.find(BackupKind.DAILY, set.id())).map(BackupSet::status).contains(BackupSet.Status.INCOMPLETE);
        assertThat(catalog.kindDir(BackupKind.DAILY).resolve(BackupKind.DAILY.dumpName(set.id()))).exists();
    }

    /** What an interrupted earlier fetch (or a hand copy) left where the set's uploads go is named, never merged into the set. */
    @Test
    void fetchIntoCatalogRefusesNamingTheFileWhenALeftoverIsInTheWay() throws Exception {
        BackupSet set = daily("PGDMP daily");
        offsite.copy(set);
        catalog.delete(set, lease);
        // (a leftover dump or uploads folder lists as a legacy set, refused as one)
        Path leftover = catalog.kindDir(BackupKind.DAILY).resolve(BackupKind.DAILY.fileListName(set.id()));
        Files.writeString(leftover, "left over");

        assertThatThrownBy(() -> offsite.fetchIntoCatalog(BackupKind.DAILY, set.id()))
                .isInstanceOf(OffsiteException.class)
                .hasMessage(leftover + " is in the way of the offsite copy of daily/20251031 (left by an earlier run or fetch?): "
                        + "a fetch never replaces a file; move it away and fetch again");
        assertThat(leftover).hasContent("left over");
        assertThat(catalog.find(BackupKind.DAILY, set.id())).isEmpty();
    }

    /** An uploads file damaged in the copy: refused before anything of the set is in the kind's folder. */
    @Test
    void fetchIntoCatalogRefusesAndLeavesNothingWhenAnUploadsFileOfTheCopyDiffers() throws Exception {
        BackupSet set = daily("PGDMP daily");
        Files.writeString(catalog.kindDir(BackupKind.DAILY).resolve("uploads_20251031/notes.txt"), "jello");
        offsite.copy(set);
        catalog.delete(set, lease);

        assertThatThrownBy(() -> offsite.fetchIntoCatalog(BackupKind.DAILY, set.id()))
                .isInstanceOf(OffsiteException.class)
                .hasMessageStartingWith("The offsite copy of daily/20251031 does not match its manifest: notes.txt does not match its manifest");
        try (var left = Files.list(catalog.kindDir(BackupKind.DAILY))) {
            assertThat(left.map(p -> p.getFileName().toString())).isEmpty();
        }
    }

    /** A file named for the set that its manifest does not list stays home: the copy carries only what is verified on the way back. */
    @Test
    void copySendsOnlyTheManifestAndItsArtifactsWhenAStrayFileIsNamedForTheSet() throws Exception {
        BackupSet set = daily("PGDMP daily");
        Path stray = catalog.kindDir(BackupKind.DAILY).resolve(BackupKind.DAILY.globalsName(set.id()));
        Files.writeString(stray, "-- not in the manifest");
        offsite.copy(catalog.find(BackupKind.DAILY, set.id()).orElseThrow());
        catalog.delete(catalog.find(BackupKind.DAILY, set.id()).orElseThrow(), lease);
        Files.deleteIfExists(stray);

        BackupSet fetched = offsite.fetchIntoCatalog(BackupKind.DAILY, set.id());

        assertThat(fetched.status()).isEqualTo(BackupSet.Status.COMPLETE);
        assertThat(stray).doesNotExist();
    }

    /** A restic that ends well but names no snapshot (a wrapper, another version): the run must not record a copy that has no id. */
    @Test
    void copyFailsWhenResticsSummaryNamesNoSnapshot() throws Exception {
        BackupSet set = daily("PGDMP daily");
        Path restic = temp.resolve("restic-without-snapshot");
        Files.writeString(restic, "#!/bin/sh\necho '{\"message_type\":\"summary\",\"data_added\":10,\"total_files_processed\":3}'\n");
        Files.setPosixFilePermissions(restic, PosixFilePermissions.fromString("rwx------"));
        Map<String, String> settings = settings();
        settings.put("backup.offsite.restic-binary", restic.toString());
        OffsiteRepository fake = new OffsiteRepository(bind(settings), catalog, new CommandRunner());

        assertThatThrownBy(() -> fake.copy(set))
                .isInstanceOf(OffsiteException.class)
                .hasMessage("restic backup of daily/20251031 printed a summary without a snapshot id: the copy is not recorded");
    }

    Map<String, String> settings() throws Exception {
        Map<String, String> settings = new HashMap<>(repositorySettings(temp.resolve("repo")));
        settings.put("backup.root", catalog.root().toString());
        settings.put("backup.offsite.password-file", passwordFile.toString());
        return settings;
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (var walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    @Test
    void probeSaysHowToCreateTheRepositoryWhenNoneIsAtTheLocation() throws Exception {
        OffsiteRepository nowhere = repository(passwordFile, temp.resolve("no-such-repo"));

        assertThatThrownBy(nowhere::probe)
                .isInstanceOf(OffsiteException.class)
                .hasMessageStartingWith("Cannot open the offsite repository (" + temp.resolve("no-such-repo") + "): restic exited with code 1")
                .hasMessageEndingWith("No repository at that location: create it once with restic init (see docs/offsite.md), "
                        + "or fix backup.offsite.repository.");
    }
}
