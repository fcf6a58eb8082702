package com.llmbackup.offsite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.test.FileTrees;
import com.llmbackup.test.TestSets;
import org.junit.jupiter.api.Test;

/** The offsite repository on a local (or mounted: NAS over NFS/SMB) path. */
class OffsiteLocalRepositoryTests extends AbstractOffsiteRepositoryTests {

    @Override
    Map<String, String> repositorySettings(Path dir) {
        return Map.of("backup.offsite.repository", dir.toString());
    }

    @Test
    void copyWalCopiesTheFolderWithoutTheLeaseAndRestoreWalBringsItBack() throws Exception {
        Path wal = Files.createDirectories(catalog.root().resolve("wal"));
        Files.writeString(wal.resolve("000000010000000000000003"), "segment 3");
        Files.writeString(wal.resolve("000000010000000000000004.partial"), "segment 4, being written");
        Files.writeString(wal.resolve("00000002.history"), "1\t0/4000100\tno recovery target specified\n");
        Files.writeString(wal.resolve(".receiver.json"), "{\"state\":\"STREAMING\"}");
        Files.writeString(wal.resolve(".lease.json"), "{\"owner\":\"wal-receiver 1 2 host\"}");

        OffsiteRepository.CopyResult first = offsite.copyWal();
        Files.writeString(wal.resolve("000000010000000000000004.partial"), "segment 4, written on");
        OffsiteRepository.CopyResult second = offsite.copyWal();
        OffsiteSnapshot restored = offsite.restoreWal(temp.resolve("restored"));

        assertThat(first.snapshotId()).isNotEqualTo(second.snapshotId());
        assertThat(restored.id()).startsWith(second.snapshotId());
        assertThat(offsite.snapshots()).filteredOn(OffsiteSnapshot::wal).hasSize(2);
        assertThat(FileTrees.read(temp.resolve("restored/wal"))).isEqualTo(Map.of(
                "000000010000000000000003", "segment 3", "000000010000000000000004.partial", "segment 4, written on",
                "00000002.history", "1\t0/4000100\tno recovery target specified\n", ".receiver.json", "{\"state\":\"STREAMING\"}"));
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

    /** An uploads folder with an entry named like one of the set's own files at its top: the set goes by its names, and comes back whole. */
    @Test
    void copyKeepsTheSetsNamesWhenTheUploadsHoldAnEntryNamedLikeOneOfItsFiles() throws Exception {
        BackupSet set = TestSets.publish(catalog, lease, BackupKind.DAILY, "PGDMP daily",
                Map.of("manifest_20251031.json", "an upload with that name", "a.txt", "A"));
        Path uploads = catalog.kindDir(BackupKind.DAILY).resolve("uploads_20251031");
        Map<String, String> before = FileTrees.describe(uploads);
        offsite.copy(set);
        assertThat(offsite.find(BackupKind.DAILY, set.id()).orElseThrow().tags()).doesNotContain(OffsiteSnapshot.UPLOADS_AT_ROOT_TAG);
        catalog.delete(set, lease);

        offsite.fetchIntoCatalog(BackupKind.DAILY, set.id(), lease);

        assertThat(FileTrees.describe(uploads)).isEqualTo(before);
        assertThat(uploads.resolve("manifest_20251031.json")).hasContent("an upload with that name");
    }

    /** A copy whose set is gone from the backup root no longer holds its inodes (a new file may have one): not a parent. */
    @Test
    void copyReadsEveryFileWhenThePreviousCopysSetIsNoLongerInTheBackupRoot() throws Exception {
        Path live = temp.resolve("live");
        FileTrees.write(live, Map.of("a.txt", "A", "b/c.txt", "C"));
        BackupSet first = TestSets.publishSnapshot(catalog, lease, BackupKind.DAILY, "PGDMP one", live, null);
        offsite.copy(first);
        clock.advance(Duration.ofDays(1));
        BackupSet second = TestSets.publishSnapshot(catalog, lease, BackupKind.DAILY, "PGDMP two", live, first);
        catalog.delete(first, lease);

        OffsiteRepository.CopyResult result = offsite.copy(second);

        assertThat(result.parentId()).isNull();
        assertThat(result.filesUnchanged()).isZero();
        assertThat(result.filesRead()).isEqualTo(5);
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

        assertThatThrownBy(() -> offsite.fetchIntoCatalog(BackupKind.DAILY, fetched.id(), lease))
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

        assertThatThrownBy(() -> offsite.fetchIntoCatalog(BackupKind.DAILY, set.id(), lease))
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

        assertThatThrownBy(() -> offsite.fetchIntoCatalog(BackupKind.DAILY, set.id(), lease))
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

        assertThatThrownBy(() -> offsite.fetchIntoCatalog(BackupKind.DAILY, set.id(), lease))
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

        BackupSet fetched = offsite.fetchIntoCatalog(BackupKind.DAILY, set.id(), lease);

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

        assertThatThrownBy(() -> fake.copy(set, List.of()))
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
