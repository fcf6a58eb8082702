package com.llmbackup.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.catalog.FilePermissions;
import com.llmbackup.catalog.LeaseManager;
import com.llmbackup.catalog.OwnerLiveness;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.offsite.OffsiteRepository;
import com.llmbackup.recovery.DisasterRecoveryService;
import com.llmbackup.test.FileTrees;
import com.llmbackup.test.ManualClock;
import com.llmbackup.test.TestSets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * The restore's lookup of a set that exists only offsite: fetched into the backup root
 * (verified, under the lock) and then found as any local set; refused, with what an operator
 * reads, when neither place has it or the backup root is busy.
 */
class RestoreFromOffsiteTests {

    @TempDir
    Path temp;

    ManualClock clock = ManualClock.at("2025-10-31T02:00:00Z");
    BackupCatalog catalog;
    LeaseManager leases;
    OffsiteRepository offsite;
    RestoreInspector inspector;

    @BeforeEach
    void setUp() throws Exception {
        Path root = Files.createDirectories(temp.resolve("backup"));
        Files.writeString(temp.resolve("password"), "offsite secret\n");
        BackupProperties properties = new Binder(new MapConfigurationPropertySource(Map.of(
                "backup.root", root.toString(),
                "backup.offsite.repository", temp.resolve("repo").toString(),
                "backup.offsite.password-file", temp.resolve("password").toString())))
                .bindOrCreate("backup", BackupProperties.class);
        catalog = new BackupCatalog(root, FilePermissions.ownerOnly(), clock);
        leases = new LeaseManager(root, Duration.ofMinutes(2), clock, OwnerLiveness.ALWAYS_ACTIVE, FilePermissions.ownerOnly());
        offsite = new OffsiteRepository(properties, catalog, new CommandRunner());
        offsite.init();
        // only the lookup is exercised: the collaborators of the later steps are not needed
        inspector = new RestoreInspector(properties, catalog, leases, null, null, null, null, clock, offsite, null);
    }

    static RestoreRequest request(String id) {
        return RestoreRequest.inPlace("daily", id, true, true, "test", false).withRequester("alice");
    }

    BackupSet copiedThenDeleted() throws Exception {
        LeaseManager.Lease lease = leases.tryAcquire("run-1", "Daily backup").lease();
        BackupSet set = TestSets.publish(catalog, lease, BackupKind.DAILY, "PGDMP daily", Map.of("u1/a.pdf", "A", "b.txt", "B"));
        offsite.copy(set);
        catalog.delete(set, lease);
        lease.release();
        return set;
    }

    @Test
    void resolveFetchesTheSetFromOffsiteWhenItIsNoLongerInTheBackupRoot() throws Exception {
        Path uploads = catalog.kindDir(BackupKind.DAILY).resolve("uploads_20251031");
        LeaseManager.Lease lease = leases.tryAcquire("run-1", "Daily backup").lease();
        BackupSet set = TestSets.publish(catalog, lease, BackupKind.DAILY, "PGDMP daily", Map.of("u1/a.pdf", "A", "b.txt", "B"));
        Map<String, String> before = FileTrees.describe(uploads);
        offsite.copy(set);
        catalog.delete(set, lease);
        lease.release();

        RestoreInspector.Source source = inspector.resolve(request("20251031"));

        assertThat(source.set().status()).isEqualTo(BackupSet.Status.COMPLETE);
        assertThat(source.dump()).hasContent("PGDMP daily");
        assertThat(FileTrees.describe(uploads)).isEqualTo(before);
        assertThat(leases.current()).as("the fetch gave the lock back").isEmpty();
    }

    @Test
    void recoveryWhenTheNamedSetIsOnlyOffsiteFetchesItBeforeTheChoice() throws Exception {
        Path uploads = catalog.kindDir(BackupKind.DAILY).resolve("uploads_20251031");
        LeaseManager.Lease lease = leases.tryAcquire("run-1", "Daily backup").lease();
        BackupSet set = TestSets.publish(catalog, lease, BackupKind.DAILY, "PGDMP daily", Map.of("u1/a.pdf", "A", "b.txt", "B"));
        Map<String, String> before = FileTrees.describe(uploads);
        offsite.copy(set);
        catalog.delete(set, lease);
        lease.release();
        var recovery = new DisasterRecoveryService(null, catalog, null, null, inspector, null, null, null);

        assertThat(recovery.fetchNamedFromOffsite("daily", "20251031")).map(BackupSet::label).contains("daily/20251031");

        assertThat(catalog.find(BackupKind.DAILY, set.id()).orElseThrow().status()).isEqualTo(BackupSet.Status.COMPLETE);
        assertThat(FileTrees.describe(uploads)).isEqualTo(before);
        assertThat(recovery.fetchNamedFromOffsite("daily", "20251031")).as("local now: nothing fetched again").isEmpty();
        assertThat(recovery.fetchNamedFromOffsite("daily", null)).as("no name: the newest local set is chosen").isEmpty();
    }

    @Test
    void resolveRefusesNamingBothPlacesWhenTheSetIsNeitherLocalNorOffsite() throws Exception {
        copiedThenDeleted();

        assertThatThrownBy(() -> inspector.resolve(request("20251030")))
                .isInstanceOf(RestoreRefusedException.class)
                .hasMessageStartingWith("No backup set daily/20251030 in " + catalog.root() + " nor in the offsite repository. ");
    }

    @Test
    void resolveRefusesWhenTheSetIsOnlyOffsiteAndTheBackupRootIsBusy() throws Exception {
        copiedThenDeleted();
        leases.tryAcquire("weekly-run", "Weekly full backup");

        assertThatThrownBy(() -> inspector.resolve(request("20251031")))
                .isInstanceOf(RestoreRefusedException.class)
                .hasMessage("Set daily/20251031 is only offsite, and the backup root is busy (Weekly full backup holds the lock): "
                        + "start the restore again when it has finished. Nothing was changed; the application was not stopped.");
        assertThat(catalog.find(BackupKind.DAILY, BackupSetId.parse("20251031"))).isEmpty();
    }
}
