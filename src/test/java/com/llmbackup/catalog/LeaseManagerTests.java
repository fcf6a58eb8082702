package com.llmbackup.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.llmbackup.catalog.BackupCatalog.StagedSet;
import com.llmbackup.config.Texts;
import com.llmbackup.test.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeaseManagerTests {

    @TempDir
    Path root;

    private final ManualClock clock = ManualClock.at("2025-10-31T02:00:00Z");

    private LeaseManager manager(OwnerLiveness liveness) {
        return new LeaseManager(root, Duration.ofMinutes(2), clock, liveness, FilePermissions.ownerOnly());
    }

    @Test
    void tryAcquireReportsHolderWhenActiveRunHoldsLease() {
        try (LeaseManager a = manager(OwnerLiveness.ALWAYS_ACTIVE); LeaseManager b = manager(OwnerLiveness.ALWAYS_ACTIVE)) {
            a.tryAcquire("daily-1", "daily backup");
            clock.advance(Duration.ofSeconds(30));

            LeaseManager.Attempt attempt = b.tryAcquire("weekly-1", "weekly backup");

            assertThat(attempt.busy()).isTrue();
            assertThat(attempt.holder().owner()).isEqualTo("daily-1");
            assertThat(attempt.holder().purpose()).isEqualTo("daily backup");
        }
    }

    @Test
    void tryAcquireTakesOverWhenOwnerHasEnded() {
        try (LeaseManager a = manager(OwnerLiveness.ALWAYS_ACTIVE);
             LeaseManager b = manager(owner -> owner.equals("daily-1") ? OwnerLiveness.State.ENDED : OwnerLiveness.State.ACTIVE)) {
            a.tryAcquire("daily-1", "daily backup");

            LeaseManager.Attempt attempt = b.tryAcquire("weekly-1", "weekly backup");

            assertThat(attempt.busy()).isFalse();
            assertThat(attempt.takenOverFrom()).isEqualTo("daily-1");
            assertThat(attempt.reason()).isEqualTo("its process instance has ended");
            assertThat(Texts.of("ko").render(attempt.why())).isEqualTo("프로세스 인스턴스가 끝났습니다");
            assertThatThrownBy(() -> a.resume("daily-1")).isInstanceOf(LeaseLostException.class)
                    .hasMessageContaining("run weekly-1 (weekly backup) took it over");
        }
    }

    @Test
    void tryAcquireTakesOverWhenOwnerSitsInIncident() {
        try (LeaseManager a = manager(OwnerLiveness.ALWAYS_ACTIVE);
             LeaseManager b = manager(owner -> OwnerLiveness.State.FAILED)) {
            a.tryAcquire("daily-1", "daily backup");

            LeaseManager.Attempt attempt = b.tryAcquire("daily-2", "daily backup");

            assertThat(attempt.reason()).isEqualTo("its process instance is in an incident");
            assertThat(b.current().orElseThrow().owner()).isEqualTo("daily-2");
        }
    }

    @Test
    void tryAcquireTakesOverWhenLeaseWasNotRenewedForTtl() {
        LeaseManager killed = manager(OwnerLiveness.ALWAYS_ACTIVE);
        killed.tryAcquire("daily-1", "daily backup");
        killed.close();
        try (LeaseManager b = manager(OwnerLiveness.ALWAYS_ACTIVE)) {
            clock.advance(Duration.ofSeconds(119));
            assertThat(b.tryAcquire("daily-2", "daily backup").busy()).isTrue();

            clock.advance(Duration.ofSeconds(2));
            LeaseManager.Attempt attempt = b.tryAcquire("daily-2", "daily backup");

            assertThat(attempt.busy()).isFalse();
            assertThat(attempt.reason()).isEqualTo("it was not renewed since 2025-10-31T02:00:00Z (its orchestrator stopped)");
        }
    }

    /** What the engine answers for an owner that is no process instance: there is none, so "ended". */
    private static final OwnerLiveness ENGINE_FOR_NON_INSTANCES = owner -> OwnerLiveness.State.ENDED;

    @Test
    void tryAcquireReportsWorkLeaseHeldWhileItIsRenewedWhenTheEngineKnowsNoSuchInstance() throws Exception {
        // real time: the heartbeat renews every quarter of a 1 s TTL while the fetch runs
        try (LeaseManager fetching = new LeaseManager(root, Duration.ofSeconds(1), Clock.systemUTC(), ENGINE_FOR_NON_INSTANCES,
                FilePermissions.ownerOnly());
             LeaseManager daily = new LeaseManager(root, Duration.ofSeconds(1), Clock.systemUTC(), ENGINE_FOR_NON_INSTANCES,
                     FilePermissions.ownerOnly())) {
            fetching.tryAcquireForWork("offsite-fetch-daily-20251031-1", "Fetch daily/20251031 from offsite");
            Thread.sleep(2500);

            LeaseManager.Attempt attempt = daily.tryAcquire("daily-2", "daily backup");

            assertThat(attempt.busy()).as("a fetch keeps its lock for as long as it runs").isTrue();
            assertThat(attempt.holder().work()).isTrue();
            fetching.resume("offsite-fetch-daily-20251031-1").release();
            assertThat(daily.tryAcquire("daily-2", "daily backup").busy()).isFalse();
        }
    }

    @Test
    void tryAcquireTakesWorkLeaseOverOnlyWhenItWasNotRenewedForTtl() {
        LeaseManager killed = manager(ENGINE_FOR_NON_INSTANCES);
        killed.tryAcquireForWork("pin-1", "pin by alice");
        killed.close();
        try (LeaseManager b = manager(ENGINE_FOR_NON_INSTANCES)) {
            clock.advance(Duration.ofSeconds(119));
            assertThat(b.tryAcquire("daily-2", "daily backup").busy()).as("no engine state frees it, only a lapsed renewal").isTrue();

            clock.advance(Duration.ofSeconds(2));
            LeaseManager.Attempt attempt = b.tryAcquire("daily-2", "daily backup");

            assertThat(attempt.busy()).isFalse();
            assertThat(attempt.takenOverFrom()).isEqualTo("pin-1");
            assertThat(attempt.reason()).isEqualTo("it was not renewed since 2025-10-31T02:00:00Z (its work stopped)");
            assertThat(b.current().orElseThrow().work()).as("the daily's lease is a process instance's again").isFalse();
        }
    }

    @Test
    void tryAcquireReadsLeaseFileOfAnEarlierReleaseAsAProcessInstancesLease() throws Exception {
        Files.writeString(root.resolve(".lease.json"), "{\"owner\":\"daily-1\",\"purpose\":\"daily backup\","
                + "\"acquiredAt\":\"2025-10-31T01:59:00Z\",\"renewedAt\":\"2025-10-31T02:00:00Z\"}");
        try (LeaseManager b = manager(owner -> owner.equals("daily-1") ? OwnerLiveness.State.ENDED : OwnerLiveness.State.ACTIVE)) {
            LeaseManager.Attempt attempt = b.tryAcquire("daily-2", "daily backup");

            assertThat(attempt.reason()).isEqualTo("its process instance has ended");
        }
    }

    @Test
    void tryAcquireKeepsLeaseThisOrchestratorRenewsWhenItsClockStepsAhead() {
        try (LeaseManager a = manager(OwnerLiveness.ALWAYS_ACTIVE)) {
            a.tryAcquireForWork("offsite-fetch-daily-20251031-1", "Fetch daily/20251031 from offsite");
            // NTP steps the clock an hour ahead before the heartbeat's next renewal
            clock.advance(Duration.ofHours(1));

            LeaseManager.Attempt attempt = a.tryAcquire("cleanup-2", "cleanup");

            assertThat(attempt.busy()).as("the fetch still runs here: its renewals did not stop").isTrue();
        }
    }

    @Test
    void tryAcquireTakesOverALeaseStampedInTheFutureOnlyOnceItStoppedChanging() throws Exception {
        // another orchestrator whose clock is ten years ahead holds the lease and renews it (real time, TTL 1 s)
        Clock ahead = Clock.offset(Clock.systemUTC(), Duration.ofDays(3652));
        LeaseManager other = new LeaseManager(root, Duration.ofSeconds(1), ahead, OwnerLiveness.ALWAYS_ACTIVE, FilePermissions.ownerOnly());
        try (LeaseManager here = new LeaseManager(root, Duration.ofSeconds(1), Clock.systemUTC(), OwnerLiveness.ALWAYS_ACTIVE,
                FilePermissions.ownerOnly())) {
            other.tryAcquire("daily-1", "daily backup");
            for (int i = 0; i < 6; i++) {
                assertThat(here.tryAcquire("daily-2", "daily backup").busy()).as("renewed, if by a clock ahead").isTrue();
                Thread.sleep(400);
            }

            other.close(); // killed: its renewals stop, its stamp stays ten years ahead
            assertThat(here.tryAcquire("daily-2", "daily backup").busy()).isTrue();
            Thread.sleep(1300);
            LeaseManager.Attempt attempt = here.tryAcquire("daily-2", "daily backup");

            assertThat(attempt.busy()).as("unchanged for a TTL: not renewed, whatever its stamp says").isFalse();
            assertThat(attempt.reason()).startsWith("it was not renewed since " + LocalDate.now(ahead).getYear() + "-")
                    .endsWith("(its orchestrator stopped)");
        } finally {
            other.close();
        }
    }

    @Test
    void tryAcquireReportsLeaseHeldWhenAnotherOrchestratorRenewsItByAClockBehindWithinTheAllowedSkew() {
        // two orchestrators, each within backup.clock.max-skew (5 min) of the database server's, 3 min apart
        ManualClock behind = ManualClock.at("2025-10-31T01:57:00Z");
        Duration spread = Duration.ofMinutes(10);
        try (LeaseManager other = new LeaseManager(root, Duration.ofMinutes(2), spread, behind, OwnerLiveness.ALWAYS_ACTIVE,
                FilePermissions.ownerOnly());
             LeaseManager here = new LeaseManager(root, Duration.ofMinutes(2), spread, clock, OwnerLiveness.ALWAYS_ACTIVE,
                     FilePermissions.ownerOnly())) {
            other.tryAcquire("daily-1", "daily backup"); // renewed this moment, stamped 01:57 by its clock

            assertThat(here.tryAcquire("cleanup-2", "cleanup").busy()).as("renewed this moment: not the lease of a stopped orchestrator")
                    .isTrue();
            clock.advance(Duration.ofMinutes(9));
            assertThat(here.tryAcquire("cleanup-2", "cleanup").busy()).isTrue();

            clock.advance(Duration.ofMinutes(1).plusSeconds(1));
            LeaseManager.Attempt attempt = here.tryAcquire("cleanup-2", "cleanup");

            assertThat(attempt.busy()).as("unrenewed for the TTL beyond the clocks' spread").isFalse();
            assertThat(attempt.reason()).isEqualTo("it was not renewed since 2025-10-31T01:57:00Z (its orchestrator stopped)");
        }
    }

    @Test
    void tryAcquireByChangeTakesOverALeaseStampedByAClockBehindOnlyOnceItStoppedChanging() throws Exception {
        // the WAL receiver's lease: another orchestrator a minute behind renews it (real time, TTL 1 s)
        Clock behind = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-1));
        LeaseManager other = new LeaseManager(root, Duration.ofSeconds(1), behind, OwnerLiveness.ALWAYS_ACTIVE, FilePermissions.ownerOnly());
        try (LeaseManager here = LeaseManager.judgedByChange(root, Duration.ofSeconds(1), Clock.systemUTC(), OwnerLiveness.ALWAYS_ACTIVE,
                FilePermissions.ownerOnly())) {
            other.tryAcquire("wal-receiver 1", "WAL receiver");
            for (int i = 0; i < 6; i++) {
                assertThat(here.tryAcquire("wal-receiver 2", "WAL receiver").busy()).as("renewed, if by a clock behind").isTrue();
                Thread.sleep(400);
            }

            other.close(); // killed: its renewals stop
            assertThat(here.tryAcquire("wal-receiver 2", "WAL receiver").busy()).isTrue();
            Thread.sleep(1300);
            LeaseManager.Attempt attempt = here.tryAcquire("wal-receiver 2", "WAL receiver");

            assertThat(attempt.busy()).as("unchanged for a TTL: not renewed").isFalse();
            assertThat(attempt.reason()).endsWith("(its orchestrator stopped)");
        } finally {
            other.close();
        }
    }

    /** A restore's liveness: it keeps its lease when nobody renewed it, until it ends or sits in an incident. */
    private static OwnerLiveness restore(String restoreOwner, OwnerLiveness.State state) {
        return new OwnerLiveness() {
            @Override
            public State of(String owner) {
                return owner.equals(restoreOwner) ? state : State.ACTIVE;
            }

            @Override
            public boolean keepsLeaseUntilEnded(String owner) {
                return owner.equals(restoreOwner);
            }
        };
    }

    @Test
    void tryAcquireWhenRestoreLeaseWasNotRenewedReportsItHeld() {
        LeaseManager killed = manager(OwnerLiveness.ALWAYS_ACTIVE);
        killed.tryAcquire("restore-1", "Restore");
        killed.close();
        try (LeaseManager b = manager(restore("restore-1", OwnerLiveness.State.ACTIVE))) {
            clock.advance(Duration.ofHours(3));

            LeaseManager.Attempt attempt = b.tryAcquire("daily-2", "daily backup");

            assertThat(attempt.busy()).as("the data may be half restored: no backup saves them").isTrue();
            assertThat(attempt.holder().owner()).isEqualTo("restore-1");
        }
    }

    @Test
    void tryAcquireWhenRestoreSitsInAnIncidentReportsItHeld() {
        try (LeaseManager a = manager(OwnerLiveness.ALWAYS_ACTIVE);
             LeaseManager b = manager(restore("restore-1", OwnerLiveness.State.FAILED))) {
            a.tryAcquire("restore-1", "Restore");

            LeaseManager.Attempt attempt = b.tryAcquire("daily-2", "daily backup");

            assertThat(attempt.busy()).as("its data may be half restored until an operator resolves the incident").isTrue();
        }
    }

    @Test
    void tryAcquireWhenRestoreHasEndedTakesItsLeaseOver() {
        LeaseManager killed = manager(OwnerLiveness.ALWAYS_ACTIVE);
        killed.tryAcquire("restore-1", "Restore");
        killed.close();
        try (LeaseManager b = manager(restore("restore-1", OwnerLiveness.State.ENDED))) {
            LeaseManager.Attempt attempt = b.tryAcquire("daily-2", "daily backup");

            assertThat(attempt.busy()).isFalse();
            assertThat(attempt.reason()).isEqualTo("its process instance has ended");
        }
    }

    @Test
    void heartbeatKeepsLeaseWhileOwnerHoldsIt() throws Exception {
        // real time here: the heartbeat renews every quarter of a 1 s TTL
        try (LeaseManager a = new LeaseManager(root, Duration.ofSeconds(1), Clock.systemUTC(), OwnerLiveness.ALWAYS_ACTIVE,
                FilePermissions.ownerOnly());
             LeaseManager b = new LeaseManager(root, Duration.ofSeconds(1), Clock.systemUTC(), OwnerLiveness.ALWAYS_ACTIVE,
                     FilePermissions.ownerOnly())) {
            a.tryAcquire("daily-1", "daily backup");
            Thread.sleep(2500);

            assertThat(b.tryAcquire("weekly-1", "weekly backup").busy()).isTrue();

            a.release("daily-1");
            assertThat(b.tryAcquire("weekly-1", "weekly backup").busy()).isFalse();
        }
    }

    @Test
    void releaseLeavesLeaseOfAnotherOwnerAlone() {
        try (LeaseManager a = manager(OwnerLiveness.ALWAYS_ACTIVE)) {
            a.tryAcquire("daily-1", "daily backup");

            a.release("someone-else");

            assertThat(a.current().orElseThrow().owner()).isEqualTo("daily-1");
        }
    }

    @Test
    void parallelWritersAreSerializedByLease() throws Exception {
        Clock real = Clock.systemUTC();
        List<long[]> intervals = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (LeaseManager first = new LeaseManager(root, Duration.ofMinutes(2), real, OwnerLiveness.ALWAYS_ACTIVE, FilePermissions.ownerOnly());
             LeaseManager second = new LeaseManager(root, Duration.ofMinutes(2), real, OwnerLiveness.ALWAYS_ACTIVE, FilePermissions.ownerOnly())) {
            List<Future<String>> results = new ArrayList<>();
            for (var entry : List.of(Map.entry("daily-run", first), Map.entry("weekly-run", second))) {
                results.add(pool.submit(() -> {
                    LeaseManager.Attempt attempt;
                    while ((attempt = entry.getValue().tryAcquire(entry.getKey(), entry.getKey())).busy()) {
                        Thread.sleep(10);
                    }
                    long start = System.nanoTime();
                    BackupCatalog catalog = new BackupCatalog(root, FilePermissions.ownerOnly(), real);
                    catalog.recover(attempt.lease());
                    StagedSet staged = catalog.stage(BackupKind.DAILY, attempt.lease());
                    Files.writeString(staged.dumpFile(), entry.getKey());
                    Thread.sleep(200); // a dump takes a while: long enough for the other writer to try
                    catalog.publish(staged, new Manifest(1, "daily", staged.id().toString(), null, entry.getKey(),
                            Instant.now(), null, null, null, null, null, List.of(), List.of(), null, null, null), attempt.lease());
                    intervals.add(new long[] {start, System.nanoTime()});
                    attempt.lease().release();
                    return staged.id().toString();
                }));
            }
            List<String> ids = new ArrayList<>();
            for (Future<String> f : results) {
                ids.add(f.get());
            }

            assertThat(ids).containsExactlyInAnyOrder(
                    BackupSetId.first(LocalDate.now(real)).toString(),
                    BackupSetId.first(LocalDate.now(real)).next().toString());
            intervals.sort((x, y) -> Long.compare(x[0], y[0]));
            assertThat(intervals.get(0)[1]).as("the second writer started after the first ended").isLessThan(intervals.get(1)[0]);
            assertThat(new BackupCatalog(root, FilePermissions.ownerOnly(), real).list())
                    .hasSize(2).allMatch(s -> s.status() == BackupSet.Status.COMPLETE);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void checkThrowsClearMessageWhenWaitReachedBound() {
        LeaseManager.LeaseInfo holder = new LeaseManager.LeaseInfo("weekly-7", "weekly backup",
                Instant.parse("2025-10-26T02:00:00Z"), Instant.parse("2025-10-26T07:59:00Z"));
        Instant since = Instant.parse("2025-10-26T02:00:05Z");

        LeaseWaitTimeoutException.check(since, Duration.ofHours(6), since.plus(Duration.ofHours(5)), holder, Texts.of("en"));
        assertThatThrownBy(() -> LeaseWaitTimeoutException.check(since, Duration.ofHours(6), since.plus(Duration.ofHours(6)), holder,
                Texts.of("en")))
                .isInstanceOf(LeaseWaitTimeoutException.class)
                .hasMessage("Gave up waiting for the lock on the backup root after 6h (backup.lock.max-wait): run weekly-7"
                        + " (weekly backup) has held it since 2025-10-26T02:00:00Z. Look at that run in Cockpit; this run changed nothing.");
        assertThatThrownBy(() -> LeaseWaitTimeoutException.check(since, Duration.ofHours(6), since.plus(Duration.ofHours(6)), holder,
                Texts.of("ko"))).hasMessageStartingWith("6h(backup.lock.max-wait) 동안 백업 루트의 잠금을 기다리다 포기했습니다: 실행 weekly-7");
    }
}
