package com.llmbackup.wal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.llmbackup.catalog.FilePermissions;
import com.llmbackup.catalog.LeaseManager;
import com.llmbackup.catalog.OwnerLiveness;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.exec.Command;
import com.llmbackup.exec.CommandFailedException;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.exec.RunningCommand;
import com.llmbackup.exec.ThisMachine;
import com.llmbackup.postgres.PostgresClient;
import com.llmbackup.wal.WalReceiverStatus.State;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@code pg_receivewal} on the physical slot {@code backup.wal.slot} (created when missing)
 * into {@code <root>/wal} with {@code --synchronous}, and keeps it running: restarted with backoff
 * (1 s doubling to 15 s) when it dies or the server goes away, resumed from the slot (the server
 * keeps the WAL it has not confirmed, so nothing is lost while it is down). It follows timeline
 * switches itself and writes their history files.
 *
 * <p>One orchestrator runs it: the one holding the receiver's lease ({@code <root>/wal/.lease.json},
 * renewed while it runs; another takes over when it was not renewed for {@code backup.wal.lease-ttl},
 * at once when its process on this machine is gone). A receiver still streaming from the slot for
 * someone else (left running by a killed orchestrator, whose child survived it) is waited for a few
 * readings, then its WAL sender is ended on the server.
 *
 * <p>Every {@code backup.wal.status-interval} the holder reads the server (its flushed WAL, the slot,
 * the WAL sender) and writes the {@link WalReceiverStatus} and the receipts into the WAL folder.
 * After the server removed WAL the slot kept (a receiver away longer than
 * {@code max_slot_wal_keep_size}), the slot is made afresh and the older segments move to
 * {@code pre-gap/}: the window shows the gap.
 */
public class WalReceiver implements AutoCloseable {

    static final String PROGRAM = "pg_receivewal";
    private static final Logger log = LoggerFactory.getLogger(WalReceiver.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(15);
    /** A receiver that streamed this long starts its backoff afresh when it dies. */
    private static final Duration STABLE = Duration.ofSeconds(30);
    /** Readings kept to find the latest instant whose WAL is all received (a lagging receiver needs older ones). */
    private static final int RING = 3600;

    private final BackupProperties.Wal settings;
    private final String user;
    private final WalArchive archive;
    private final WalServer server;
    private final PostgresClient postgres;
    private final CommandRunner runner;
    private final Clock clock;
    private final LeaseManager lease;
    private final String owner;
    private final String machine;
    private final Duration clockSpread;
    /** The other holder's last state stamp this one saw, and when (monotonic): {@link #stale}. */
    private final Object sighting = new Object();
    private Instant seenWrittenAt;
    private long seenAt;
    private final String applicationName;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "wal-receiver");
        t.setDaemon(true);
        return t;
    });

    private volatile WalReceiverStatus current;
    private volatile boolean holding;
    private volatile boolean running;
    private RunningCommand child;
    private Instant childStartedAt;
    private int failures;
    private Instant nextStart = Instant.EPOCH;
    private Instant slotBusySince;
    private String lastError;
    private ReplicationErrors.Kind lastErrorKind;
    private String lastLogged;
    private String systemIdentifier;
    private Long segmentSize;
    private final Deque<Reading> ring = new ArrayDeque<>();
    private Reading previous;

    public WalReceiver(BackupProperties properties, WalArchive archive, WalServer server, PostgresClient postgres,
                       CommandRunner runner, Clock clock, FilePermissions permissions) {
        this(properties, archive, server, postgres, runner, clock, permissions, ThisMachine.id());
    }

    /** {@code machine}: this machine's id as other orchestrators see it (a test's second node is another machine). */
    WalReceiver(BackupProperties properties, WalArchive archive, WalServer server, PostgresClient postgres, CommandRunner runner,
                Clock clock, FilePermissions permissions, String machine) {
        this.settings = properties.wal();
        this.user = properties.database().user();
        this.archive = archive;
        this.server = server;
        this.postgres = postgres;
        this.runner = runner;
        this.clock = clock;
        long pid = ThisMachine.pid();
        this.machine = machine;
        this.clockSpread = properties.clock().maxSkew().multipliedBy(2);
        this.owner = "wal-receiver " + pid + " " + ThisMachine.started().toEpochMilli() + " " + machine;
        this.applicationName = "llm-backup-wal " + pid;
        // orchestrators' clocks may differ by more than the TTL: a renewal that still changes is never lapsed
        this.lease = LeaseManager.judgedByChange(archive.dir(), settings.leaseTtl(), clock, new NodeLiveness(machine), permissions);
    }

    /** Starts supervising (when {@code backup.wal.enabled}): the first reading at once, then every status interval. */
    public synchronized void start() {
        if (!settings.enabled() || running) {
            return;
        }
        running = true;
        long period = settings.statusInterval().toMillis();
        scheduler.scheduleWithFixedDelay(this::tick, 0, period, TimeUnit.MILLISECONDS);
        log.info("WAL streaming on: slot {}, WAL folder {}, status every {} ms", settings.slot(), archive.dir(), period);
    }

    /** Stops the receiver gracefully (pg_receivewal flushes what it has) and gives the lease to another orchestrator. */
    @Override
    public synchronized void close() {
        running = false;
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopChild();
        if (holding) {
            try {
                WalReceiverStatus last = current;
                if (last != null) {
                    archive.writeState(last.withState(State.STOPPED, "The orchestrator running the receiver stopped; "
                            + "another one takes over, or this one when it starts again.").written(clock.instant(), false, null));
                }
            } catch (RuntimeException e) {
                log.warn("Cannot record the WAL receiver's stop: {}", e.toString());
            }
            lease.release(owner);
            holding = false;
        }
        lease.close();
        server.close();
    }

    public boolean enabled() {
        return settings.enabled();
    }

    /** Whether this orchestrator runs the receiver now. */
    public boolean holder() {
        return holding;
    }

    /** The receiver's state as any orchestrator sees it: its own when it runs it, else what the runner last wrote. */
    public WalReceiverStatus status() {
        Instant now = clock.instant();
        if (!settings.enabled()) {
            return WalReceiverStatus.stopped("WAL streaming is switched off (backup.wal.enabled=false): the newest dump is the recovery point.", now);
        }
        WalReceiverStatus mine = current;
        if (holding && mine != null) {
            return mine;
        }
        Optional<WalReceiverStatus> written = archive.readState();
        if (written.isEmpty()) {
            return WalReceiverStatus.stopped("No orchestrator has run the WAL receiver yet.", now);
        }
        if (written.get().state() != State.STOPPED && stale(written.get(), now)) {
            return written.get().withState(State.STOPPED, "No orchestrator has reported the WAL receiver since "
                    + written.get().writtenAt() + ".");
        }
        return written.get();
    }

    /**
     * Whether the holder stopped writing its state: it stayed the same for a lease's time of this
     * JVM's monotonic time, or its stamp is older than that plus the clocks' allowed spread. Not by
     * the stamp alone: the holder's clock may be behind this one by more than the lease's time.
     */
    private boolean stale(WalReceiverStatus written, Instant now) {
        if (written.staleAt(now, settings.leaseTtl().plus(clockSpread))) {
            return true;
        }
        synchronized (sighting) {
            long nanos = System.nanoTime();
            if (!Objects.equals(seenWrittenAt, written.writtenAt())) {
                seenWrittenAt = written.writtenAt();
                seenAt = nanos;
                return false;
            }
            return nanos - seenAt > settings.leaseTtl().toNanos();
        }
    }

    void tick() {
        if (!running) {
            return;
        }
        try {
            if (!holding) {
                archive.ensureDir();
                LeaseManager.Attempt attempt = lease.tryAcquire(owner, "WAL receiver on " + machine);
                if (attempt.busy()) {
                    return;
                }
                holding = true;
                previous = null;
                ring.clear();
                log.info("This orchestrator runs the WAL receiver{}", attempt.takenOverFrom() == null ? ""
                        : " (taken over from " + attempt.takenOverFrom() + ": " + attempt.reason() + ")");
            } else if (!lease.current().map(l -> l.owner().equals(owner)).orElse(false)) {
                holding = false;
                stopChild();
                log.warn("Another orchestrator took the WAL receiver's lease over: this one stopped its receiver");
                return;
            }
            supervise();
        } catch (RuntimeException e) {
            note("WAL receiver supervision failed: " + e);
        }
    }

    private void supervise() {
        Instant now = clock.instant();
        WalServer.Observation observation = null;
        String unreachable = null;
        try {
            observation = server.observe(settings.slot());
        } catch (RuntimeException e) {
            unreachable = ReplicationErrors.explain(e.getMessage(), user).message();
        }
        if (child != null && !child.alive()) {
            childEnded(now);
        }
        if (child == null && observation != null && !now.isBefore(nextStart)) {
            startChild(observation, now);
        }
        publish(observation, unreachable);
    }

    private void startChild(WalServer.Observation observation, Instant now) {
        WalServer.Identity identity = server.identify();
        Optional<WalReceiverStatus> recorded = archive.readState();
        String recordedSystem = recorded.map(WalReceiverStatus::systemIdentifier).orElse(null);
        if (recordedSystem != null && !recordedSystem.equals(identity.systemIdentifier()) && !archive.list().segments().isEmpty()) {
            failed(ReplicationErrors.Kind.REFUSED, "The database server is another cluster (system identifier "
                    + identity.systemIdentifier() + ") than the one whose WAL is in " + archive.dir() + " (" + recordedSystem
                    + "): move that folder aside (or away) to stream from this server.", now);
            return;
        }
        systemIdentifier = identity.systemIdentifier();
        segmentSize = identity.segmentSize();
        try {
            if (observation.slotExists() && (observation.slotLost() || lastErrorKind == ReplicationErrors.Kind.SLOT_LOST)
                    && !observation.slotActive()) {
                int moved = archive.moveBeforeGap();
                server.dropSlot(settings.slot());
                log.warn("The server removed WAL slot {} had kept (wal_status {}): slot made afresh, {} older segments moved to {}; "
                        + "the recovery window has a gap until the next base backup", settings.slot(), observation.walStatus(), moved,
                        archive.preGapDir());
                createSlot();
            } else if (!observation.slotExists()) {
                createSlot();
            } else if (observation.slotActive()) {
                if (slotBusySince == null) {
                    slotBusySince = now;
                }
                if (Duration.between(slotBusySince, now).compareTo(settings.statusInterval().multipliedBy(5)) < 0) {
                    lastError = "Slot " + settings.slot() + " is in use by WAL sender " + observation.activePid() + " ("
                            + observation.applicationName() + "); waiting for it to stop.";
                    return;
                }
                log.warn("Slot {} is still used by WAL sender {} ({}), which this orchestrator does not run although it holds "
                                + "the receiver's lease (a receiver left by a killed orchestrator, or another installation on the same slot: "
                                + "give each its own backup.wal.slot): ending it", settings.slot(), observation.activePid(),
                        observation.applicationName());
                server.terminate(observation.activePid());
                slotBusySince = null;
                nextStart = now.plusSeconds(1);
                return;
            }
        } catch (CommandFailedException e) {
            ReplicationErrors.Explained why = ReplicationErrors.explain(errorLine(List.of(e.stderr().split("\n"))), user);
            failed(why.kind(), why.message(), now);
            return;
        }
        slotBusySince = null;
        Command command = postgres.command(PROGRAM, List.of("--directory=" + archive.dir(), "--slot=" + settings.slot(),
                        "--synchronous", "--no-loop", "--verbose"))
                .withEnvironment("PGAPPNAME", applicationName);
        child = runner.start(command, line -> log.debug("{}", line));
        childStartedAt = now;
        log.info("Started pg_receivewal (pid {}) on slot {} into {}", child.pid(), settings.slot(), archive.dir());
    }

    private void createSlot() {
        runner.run(postgres.command(PROGRAM, List.of("--slot=" + settings.slot(), "--create-slot", "--if-not-exists"))
                .withEnvironment("PGAPPNAME", applicationName));
    }

    private void childEnded(Instant now) {
        List<String> said = child.stderrTail();
        int code = child.exitCode().orElse(-1);
        if (childStartedAt != null && Duration.between(childStartedAt, now).compareTo(STABLE) >= 0) {
            failures = 0;
        }
        child = null;
        if (code > 128) {
            // killed by a signal (the operating system's OOM killer, an operator): it said nothing about it
            failed(ReplicationErrors.Kind.OTHER, "pg_receivewal was killed (signal " + (code - 128) + ").", now);
            return;
        }
        ReplicationErrors.Explained why = ReplicationErrors.explain(errorLine(said), user);
        failed(why.kind(), "pg_receivewal exited with code " + code + ": " + why.message(), now);
    }

    private void failed(ReplicationErrors.Kind kind, String message, Instant now) {
        failures++;
        Duration backoff = Duration.ofSeconds(1L << Math.min(failures - 1, 4));
        if (backoff.compareTo(MAX_BACKOFF) > 0) {
            backoff = MAX_BACKOFF;
        }
        nextStart = now.plus(backoff);
        lastError = message;
        lastErrorKind = kind;
        note(message + " (trying again in " + backoff.toSeconds() + " s)");
    }

    /**
     * The line that says what went wrong: the last error, else the last line. pg_receivewal ends every
     * failure with "error: disconnected", which says nothing the line before it did not.
     */
    static String errorLine(List<String> lines) {
        for (int i = lines.size() - 1; i >= 0; i--) {
            String line = lines.get(i);
            if ((line.contains("error:") || line.contains("FATAL") || line.contains("fatal:")) && !line.strip().endsWith("error: disconnected")) {
                return line;
            }
        }
        return lines.isEmpty() ? "it said nothing" : lines.get(lines.size() - 1);
    }

    /** One reading of the server's flushed WAL position. */
    private record Reading(Instant at, Lsn lsn, int timeline) {
    }

    private void publish(WalServer.Observation o, String unreachable) {
        WalReceiverStatus before = current != null ? current : archive.readState().orElse(null);
        if (o == null) {
            WalReceiverStatus base = before != null ? before : WalReceiverStatus.stopped(null, clock.instant());
            current = base.withState(State.RECONNECTING, unreachable).written(clock.instant(), false, ReplicationErrors.Kind.UNREACHABLE.name());
            try {
                archive.writeState(current);
            } catch (RuntimeException e) {
                note("Cannot write the WAL receiver's state into " + archive.dir() + ": " + e.getMessage());
            }
            return;
        }
        String foreign = foreign(before, o);
        if (foreign != null) {
            // its readings say nothing of the WAL on disk: the window's end stays where that WAL ends
            Double since = before.lastReceivedAt() == null ? null : Duration.between(before.lastReceivedAt(), o.serverTime()).toMillis() / 1000.0;
            current = new WalReceiverStatus(State.RECONNECTING, foreign, machine, settings.slot(),
                    before.timeline(), before.receivedLsn(), before.serverLsn(), null, since, before.lastReceivedAt(), before.observedAt(),
                    o.retainedBytes(), before.systemIdentifier(), before.segmentSize(), clock.instant(), true,
                    lastErrorKind == null ? ReplicationErrors.Kind.REFUSED.name() : lastErrorKind.name());
            try {
                archive.writeState(current);
            } catch (RuntimeException e) {
                note("Cannot write the WAL receiver's state into " + archive.dir() + ": " + e.getMessage());
            }
            return;
        }
        boolean streaming = child != null && child.alive() && o.slotActive() && applicationName.equals(o.applicationName());
        Reading now = new Reading(o.serverTime(), o.serverFlush(), o.timeline());
        if (previous == null && before != null && before.serverLsn() != null && before.observedAt() != null
                && before.timeline() != null) {
            previous = new Reading(before.observedAt(), Lsn.parse(before.serverLsn()), before.timeline());
        }
        Lsn received = null;
        if (before != null && before.received() != null && before.timeline() != null && before.timeline() == o.timeline()) {
            received = before.received();
        }
        Lsn reported = streaming && o.replicaFlush() != null ? o.replicaFlush() : o.slotRestart();
        if (reported != null && (received == null || reported.isAfter(received))) {
            received = reported;
        }
        if (!ring.isEmpty() && ring.peekLast().timeline() != o.timeline()) {
            ring.clear();
        }
        ring.addLast(now);
        while (ring.size() > RING) {
            ring.removeFirst();
        }
        Instant lastReceivedAt = before == null || before.timeline() == null || before.timeline() != o.timeline()
                ? null : before.lastReceivedAt();
        if (received != null) {
            Reading caught = null;
            for (var it = ring.descendingIterator(); it.hasNext(); ) {
                Reading r = it.next();
                if (r.lsn().compareTo(received) <= 0) {
                    caught = r;
                    break;
                }
            }
            if (caught != null) {
                if (lastReceivedAt == null || caught.at().isAfter(lastReceivedAt)) {
                    lastReceivedAt = caught.at();
                }
                while (ring.peekFirst() != caught) {
                    ring.removeFirst();
                }
            }
        }
        Long lagBytes = received == null ? null : o.serverFlush().bytesAfter(received);
        Double lagSeconds;
        if (lagBytes != null && lagBytes == 0) {
            lagSeconds = 0.0;
        } else if (streaming && o.flushLagSeconds() != null) {
            lagSeconds = o.flushLagSeconds();
        } else {
            lagSeconds = lastReceivedAt == null ? null : Duration.between(lastReceivedAt, o.serverTime()).toMillis() / 1000.0;
        }
        String message = streaming ? null : lastError != null ? lastError : child != null ? "pg_receivewal is starting." : "Starting.";
        current = new WalReceiverStatus(streaming ? State.STREAMING : State.RECONNECTING, message, machine,
                settings.slot(), o.timeline(), received == null ? null : received.toString(), o.serverFlush().toString(), lagBytes,
                lagSeconds, lastReceivedAt, o.serverTime(), o.retainedBytes(), systemIdentifier != null ? systemIdentifier
                : before == null ? null : before.systemIdentifier(),
                segmentSize != null ? segmentSize : before == null ? null : before.segmentSize(), clock.instant(), true,
                streaming || lastErrorKind == null ? null : lastErrorKind.name());
        try {
            writeReceipts(now);
            archive.writeState(current);
        } catch (RuntimeException e) {
            // a full volume: the state stays in memory for this orchestrator's API, health and alerts
            note("Cannot write the WAL receiver's state into " + archive.dir() + ": " + e.getMessage());
        }
        if (streaming && lastError != null) {
            log.info("WAL receiver streams again (slot {}, at {})", settings.slot(), received);
            lastError = null;
            lastErrorKind = null;
            lastLogged = null;
        }
        previous = now;
    }

    /**
     * Why the server's WAL is not the one received (null when it is): another cluster (made anew,
     * its volume wiped), or its WAL behind what was received on the same timeline (set back: a
     * snapshot or a copy of its files started again). Its positions must not be matched against
     * the received one: an older position would pass for received, and the window's end advance
     * with nothing received.
     */
    private static String foreign(WalReceiverStatus before, WalServer.Observation o) {
        if (before == null) {
            return null;
        }
        if (before.systemIdentifier() != null && o.systemIdentifier() != null && !before.systemIdentifier().equals(o.systemIdentifier())) {
            return "The database server is another cluster (system identifier " + o.systemIdentifier() + ") than the one whose WAL "
                    + "was received (" + before.systemIdentifier() + "): nothing of it is received; the recovery window ends where "
                    + "that WAL ends.";
        }
        Lsn received = before.received();
        if (received != null && before.timeline() != null && before.timeline() == o.timeline() && received.isAfter(o.serverFlush())) {
            return "The database server's WAL (at " + o.serverFlush() + " on timeline " + o.timeline() + ") is behind what was received ("
                    + received + "): the server was set back (a snapshot or a copy of its files started again); the recovery window "
                    + "ends where the received WAL ends.";
        }
        return null;
    }

    /**
     * For every segment whose end the server's WAL crossed since the previous reading: the
     * previous reading's time, the latest instant whose commits all lie in that segment or before.
     */
    private void writeReceipts(Reading now) {
        long size = segmentSize != null ? segmentSize : archive.segmentSize();
        if (previous == null || previous.timeline() != now.timeline() || !now.lsn().isAfter(previous.lsn())) {
            return;
        }
        long first = previous.lsn().segment(size);
        long last = now.lsn().segment(size) - 1;
        if (last < first) {
            return;
        }
        Map<String, Instant> receipts = new LinkedHashMap<>();
        for (long n = Math.max(first, last - 10_000); n <= last; n++) {
            receipts.put(new WalSegment(now.timeline(), n, false).name(size), previous.at());
        }
        archive.appendReceipts(receipts);
    }

    private void stopChild() {
        if (child != null) {
            child.stop(Duration.ofSeconds(10));
            child = null;
        }
    }

    /** Logs a problem once, not at every reading. */
    private void note(String message) {
        if (!message.equals(lastLogged)) {
            log.warn("{}", message);
            lastLogged = message;
        }
    }

    /**
     * Whether the receiver's lease holder still runs: on this machine its process must exist (a
     * killed orchestrator's lease is taken over at once); elsewhere only the renewal counts.
     */
    static final class NodeLiveness implements OwnerLiveness {
        private final String machine;

        NodeLiveness(String machine) {
            this.machine = machine;
        }

        @Override
        public State of(String holder) {
            String[] parts = holder.split(" ", 4);
            if (parts.length < 4 || !parts[0].equals("wal-receiver") || !parts[3].equals(machine)) {
                return State.ACTIVE;
            }
            try {
                return ThisMachine.runs(Long.parseLong(parts[1]), Instant.ofEpochMilli(Long.parseLong(parts[2]))) ? State.ACTIVE : State.ENDED;
            } catch (NumberFormatException e) {
                return State.ACTIVE;
            }
        }
    }
}
