package com.llmbackup.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.FilePermissions;
import com.llmbackup.catalog.LeaseManager;
import com.llmbackup.catalog.OwnerLiveness;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.offsite.OffsiteRepository;
import com.llmbackup.process.AbstractBackupProcessTests;
import com.llmbackup.test.FileTrees;
import com.llmbackup.test.TestSets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * The lock of a fetch from offsite, which is no process instance, judged by the real engine
 * (which knows no such instance): a fetch that runs longer than the lease's TTL keeps its lock
 * while a daily tries to take it; one whose renewals stopped (its orchestrator killed) is taken
 * over after the TTL and publishes nothing. Real restic (slowed down) and real files; a TTL of 1 s.
 */
class OffsiteFetchLockTests extends AbstractBackupProcessTests {

    static final Duration TTL = Duration.ofSeconds(1);

    @Autowired
    OwnerLiveness engineLiveness;

    @TempDir
    Path temp;

    final Clock clock = Clock.systemUTC();
    final ExecutorService pool = Executors.newSingleThreadExecutor();
    BackupCatalog backupRoot;
    LeaseManager fetchingNode;
    LeaseManager dailyNode;
    OffsiteRepository offsite;
    RestoreInspector inspector;
    BackupSet set;
    Map<String, String> uploads;

    @BeforeEach
    void onlyOffsite() throws Exception {
        Path root = Files.createDirectories(temp.resolve("backup"));
        Files.writeString(temp.resolve("password"), "offsite secret\n");
        // restic, but every restore takes 4 s: four TTLs
        Path slowRestic = temp.resolve("slow-restic");
        Files.writeString(slowRestic, "#!/bin/sh\nfor a in \"$@\"; do [ \"$a\" = restore ] && sleep 4; done\nexec restic \"$@\"\n");
        Files.setPosixFilePermissions(slowRestic, PosixFilePermissions.fromString("rwx------"));
        BackupProperties properties = new Binder(new MapConfigurationPropertySource(Map.of(
                "backup.root", root.toString(),
                "backup.offsite.repository", temp.resolve("repo").toString(),
                "backup.offsite.password-file", temp.resolve("password").toString(),
                "backup.offsite.restic-binary", slowRestic.toString())))
                .bindOrCreate("backup", BackupProperties.class);
        backupRoot = new BackupCatalog(root, FilePermissions.ownerOnly(), clock);
        // two orchestrators on one backup root, both asking this engine whether an owner still runs
        fetchingNode = new LeaseManager(root, TTL, clock, engineLiveness, FilePermissions.ownerOnly());
        dailyNode = new LeaseManager(root, TTL, clock, engineLiveness, FilePermissions.ownerOnly());
        offsite = new OffsiteRepository(properties, backupRoot, new CommandRunner());
        offsite.init();
        inspector = new RestoreInspector(properties, backupRoot, fetchingNode, null, null, null, null, clock, offsite, null);
        LeaseManager.Lease lease = fetchingNode.tryAcquire("run-1", "Daily backup").lease();
        set = TestSets.publish(backupRoot, lease, BackupKind.DAILY, "PGDMP daily", Map.of("u1/a.pdf", "A", "b.txt", "B"));
        uploads = FileTrees.describe(backupRoot.kindDir(BackupKind.DAILY).resolve(BackupKind.DAILY.uploadsName(set.id())));
        offsite.copy(set);
        backupRoot.delete(set, lease);
        lease.release();
    }

    @AfterEach
    void stop() {
        pool.shutdownNow();
        fetchingNode.close();
        dailyNode.close();
    }

    private Future<Optional<BackupSet>> fetchInBackground() throws Exception {
        Future<Optional<BackupSet>> fetch = pool.submit(() -> inspector.fetchFromOffsite(BackupKind.DAILY, set.id()));
        for (int i = 0; i < 100 && fetchingNode.current().isEmpty(); i++) {
            Thread.sleep(20);
        }
        assertThat(fetchingNode.current()).as("the fetch took the lock").hasValueSatisfying(l -> assertThat(l.owner()).startsWith("offsite-fetch-daily-"));
        return fetch;
    }

    @Test
    void fetchThatRunsLongerThanTheLeaseTtlKeepsItsLockWhileADailyTriesToTakeIt() throws Exception {
        Future<Optional<BackupSet>> fetch = fetchInBackground();

        for (int i = 0; i < 6; i++) {
            Thread.sleep(TTL.toMillis() / 2);
            LeaseManager.Attempt daily = dailyNode.tryAcquire("daily-2", "Daily backup");
            assertThat(daily.busy()).as("%d ms into a fetch of 4 s", (i + 1) * TTL.toMillis() / 2).isTrue();
            assertThat(daily.holder().purpose()).isEqualTo("Fetch daily/" + set.id() + " from offsite");
        }

        BackupSet fetched = fetch.get().orElseThrow();
        assertThat(fetched.status()).isEqualTo(BackupSet.Status.COMPLETE);
        assertThat(FileTrees.describe(backupRoot.kindDir(BackupKind.DAILY).resolve(BackupKind.DAILY.uploadsName(set.id())))).isEqualTo(uploads);
        assertThat(dailyNode.tryAcquire("daily-2", "Daily backup").busy()).as("the fetch gave the lock back").isFalse();
        assertThat(stagingLeft()).isEmpty();
    }

    @Test
    void fetchWhoseRenewalsStoppedIsTakenOverAfterTheTtlAndPublishesNothing() throws Exception {
        Future<Optional<BackupSet>> fetch = fetchInBackground();

        fetchingNode.close(); // its orchestrator is killed: nobody renews the lease any more
        assertThat(dailyNode.tryAcquire("daily-2", "Daily backup").busy()).as("not before the TTL ran out").isTrue();
        Thread.sleep(TTL.toMillis() + 300);
        LeaseManager.Attempt daily = dailyNode.tryAcquire("daily-2", "Daily backup");

        assertThat(daily.busy()).isFalse();
        assertThat(daily.reason()).endsWith("(its work stopped)");
        backupRoot.recover(daily.lease()); // what the daily does first: clears the dead fetch's staging
        assertThatThrownBy(fetch::get).isInstanceOf(ExecutionException.class).cause().isInstanceOf(RestoreRefusedException.class)
                .hasMessageContaining("could not be fetched").hasMessageContaining("no longer holds the lease");
        assertThat(backupRoot.find(BackupKind.DAILY, set.id())).as("nothing published without the lock").isEmpty();
        assertThat(stagingLeft()).isEmpty();
    }

    private List<Path> stagingLeft() throws Exception {
        Path staging = backupRoot.root().resolve(".staging");
        if (!Files.isDirectory(staging)) {
            return List.of();
        }
        try (Stream<Path> left = Files.list(staging)) {
            return left.toList();
        }
    }
}
