package com.llmbackup.catalog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.llmbackup.config.Text;
import com.llmbackup.config.Texts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lock on the backup root: a lease in {@code <root>/.lease.json} naming its owner
 * (a process instance id, or work that is none: a fetch from offsite, a pin), renewed by a
 * heartbeat while this orchestrator holds it.
 *
 * <p>A run that finds the lease held gets {@link Attempt#busy()} and waits outside a job
 * thread (a timer in the model), so nobody blocks a job executor thread for hours. A lease
 * is taken over when its owner has ended, sits in an incident, or was not renewed for one
 * TTL (its orchestrator was killed), unless the owner is one that keeps it across a restart
 * (a restore keeps it until its instance ended: {@link OwnerLiveness#keepsLeaseUntilEnded}). Work that is not a process
 * instance ({@link #tryAcquireForWork}) has no liveness to ask: its lease is taken over only when it stopped being
 * renewed. A lease this orchestrator renews is never judged unrenewed, and a renewal stamped later than this clock
 * (another clock ahead, or this one stepped back) is judged by whether it still changes, not by its time. An owner
 * checks its lease before every step that writes; one that lost it gets a {@link LeaseLostException} and stops
 * without publishing.
 */
public class LeaseManager implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LeaseManager.class);
    private static final Texts ENGLISH = Texts.of("en");
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    // FileChannel locks are per process: threads of one JVM also need a lock of their own
    private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    private final Path root;
    private final Path leaseFile;
    private final Path mutexFile;
    private final Duration ttl;
    private final Duration clockSpread;
    /** Another's renewal is judged only by whether it still changes (this JVM's monotonic time), never by its stamp. */
    private final boolean byChange;
    private final Clock clock;
    private final OwnerLiveness liveness;
    private final FilePermissions permissions;
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService heartbeat;
    /** The renewal last read and when (monotonic), to see whether a lease stamped in the future still changes. */
    private Sighting lastSeen;

    /** One orchestrator's view, or several whose clocks agree: a lease is unrenewed once its stamp is a TTL old. */
    public LeaseManager(Path root, Duration ttl, Clock clock, OwnerLiveness liveness, FilePermissions permissions) {
        this(root, ttl, Duration.ZERO, clock, liveness, permissions);
    }

    /**
     * {@code clockSpread}: how far the clocks of the orchestrators sharing the root may differ (each
     * is trusted within {@code backup.clock.max-skew} of the database server's): another's renewal
     * is judged lapsed only once its stamp is older than the TTL plus that, so a clock a few minutes
     * ahead never takes a lease that is still renewed.
     */
    public LeaseManager(Path root, Duration ttl, Duration clockSpread, Clock clock, OwnerLiveness liveness, FilePermissions permissions) {
        this(root, ttl, clockSpread, false, clock, liveness, permissions);
    }

    /**
     * A lease whose holders renew it often and whose takeover must not wait for the clocks' spread
     * (the WAL receiver's: the slot keeps the WAL, but nothing streams until another takes over):
     * another's renewal is lapsed once it stayed the same for a TTL of this JVM's monotonic time,
     * whatever the clocks of the orchestrators say.
     */
    public static LeaseManager judgedByChange(Path root, Duration ttl, Clock clock, OwnerLiveness liveness, FilePermissions permissions) {
        return new LeaseManager(root, ttl, Duration.ZERO, true, clock, liveness, permissions);
    }

    private LeaseManager(Path root, Duration ttl, Duration clockSpread, boolean byChange, Clock clock, OwnerLiveness liveness,
                         FilePermissions permissions) {
        this.root = root;
        this.clockSpread = clockSpread;
        this.byChange = byChange;
        this.leaseFile = root.resolve(".lease.json");
        this.mutexFile = root.resolve(".lease.lock");
        this.ttl = ttl;
        this.clock = clock;
        this.liveness = liveness;
        this.permissions = permissions;
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lease-heartbeat");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(1, ttl.toMillis() / 4);
        heartbeat.scheduleAtFixedRate(this::renewHeld, period, period, TimeUnit.MILLISECONDS);
    }

    /** Takes the lease for {@code owner}, a process instance, or says who holds it; never waits. */
    public Attempt tryAcquire(String owner, String purpose) {
        return tryAcquire(owner, purpose, false);
    }

    /**
     * Takes the lease for work that is not a process instance (a fetch from offsite, a pin), or
     * says who holds it; never waits. The engine knows nothing of such an owner, so nobody asks
     * it: the lease is held for as long as this orchestrator renews it (while the work runs,
     * hours if need be) and is taken over only once the renewals stopped for a TTL (its
     * orchestrator died). {@code owner} must be unique to this piece of work.
     */
    public Attempt tryAcquireForWork(String owner, String purpose) {
        return tryAcquire(owner, purpose, true);
    }

    private Attempt tryAcquire(String owner, String purpose, boolean work) {
        return locked(() -> {
            Optional<LeaseInfo> current = read();
            Instant now = clock.instant();
            String takenOverFrom = null;
            Text reason = null;
            if (current.isPresent() && !current.get().owner().equals(owner)) {
                LeaseInfo holder = current.get();
                reason = whyFree(holder, now);
                if (reason == null) {
                    return new Attempt(null, holder, null, null);
                }
                takenOverFrom = holder.owner();
                log.warn("Taking over the lease on {} from {} ({}): {}", root, holder.owner(), holder.purpose(), ENGLISH.render(reason));
            }
            Instant acquired = current.filter(c -> c.owner().equals(owner)).map(LeaseInfo::acquiredAt).orElse(now);
            LeaseInfo mine = new LeaseInfo(owner, purpose, acquired, now, work);
            write(mine);
            held.add(owner);
            return new Attempt(new Lease(this, owner), mine, takenOverFrom, reason);
        });
    }

    /** Why another owner's lease may be taken over now, or null while it holds it. */
    private Text whyFree(LeaseInfo holder, Instant now) {
        if (holder.work()) {
            // not a process instance: the engine would answer "ended" for it, and only its renewals tell
            return notRenewed(holder, now) ? Text.of("lease.free.workStopped", holder.renewedAt()) : null;
        }
        OwnerLiveness.State state = liveness.of(holder.owner());
        if (state == OwnerLiveness.State.ENDED) {
            return Text.of("lease.free.ended");
        }
        if (liveness.keepsLeaseUntilEnded(holder.owner())) {
            return null;
        }
        if (state == OwnerLiveness.State.FAILED) {
            return Text.of("lease.free.incident");
        }
        if (notRenewed(holder, now)) {
            return Text.of("lease.free.orchestratorStopped", holder.renewedAt());
        }
        return null;
    }

    /**
     * Whether nobody renewed the lease for a TTL (beyond the clocks' spread). One this orchestrator renews is renewed,
     * whatever the clock says (a clock that steps ahead must not free it). A renewal stamped
     * later than now says nothing of when it happened: it is unrenewed once it stayed the
     * same for a TTL of this JVM's monotonic time.
     */
    private boolean notRenewed(LeaseInfo holder, Instant now) {
        if (held.contains(holder.owner())) {
            return false;
        }
        if (!byChange && !holder.renewedAt().isAfter(now)) {
            return holder.renewedAt().plus(ttl).plus(clockSpread).isBefore(now);
        }
        long nanos = System.nanoTime();
        if (lastSeen == null || !lastSeen.owner().equals(holder.owner()) || !lastSeen.renewedAt().equals(holder.renewedAt())) {
            lastSeen = new Sighting(holder.owner(), holder.renewedAt(), nanos);
            return false;
        }
        return nanos - lastSeen.nanos() > ttl.toNanos();
    }

    /** The lease of an owner that already took it (a later step of the same run); fails if it was lost. */
    public Lease resume(String owner) {
        verify(owner);
        return new Lease(this, owner);
    }

    /**
     * The owner's lease, renewed and now named for {@code purpose} (what a run waiting for it
     * reads: a restore that took it for its safety backup, later waiting for an operator).
     */
    public Lease resume(String owner, String purpose) {
        verify(owner, purpose);
        return new Lease(this, owner);
    }

    /** Renews the owner's lease, or throws if another run holds it now. */
    void verify(String owner) {
        verify(owner, null);
    }

    private void verify(String owner, String purpose) {
        locked(() -> {
            Optional<LeaseInfo> current = read();
            if (current.isEmpty() || !current.get().owner().equals(owner)) {
                held.remove(owner);
                throw new LeaseLostException("Run " + owner + " no longer holds the lease on " + root
                        + current.map(c -> ": run " + c.owner() + " (" + c.purpose() + ") took it over").orElse(": it was released")
                        + ". It stops without publishing; its staging is cleared by the run that holds the lease.");
            }
            LeaseInfo was = current.get();
            write(new LeaseInfo(owner, purpose == null ? was.purpose() : purpose, was.acquiredAt(), clock.instant(), was.work()));
            held.add(owner);
            return null;
        });
    }

    /** Gives the lease up if the owner still holds it; does nothing otherwise. */
    public void release(String owner) {
        held.remove(owner);
        locked(() -> {
            Optional<LeaseInfo> current = read();
            if (current.isPresent() && current.get().owner().equals(owner)) {
                try {
                    Files.deleteIfExists(leaseFile);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return null;
        });
    }

    public Optional<LeaseInfo> current() {
        return locked(this::read);
    }

    private void renewHeld() {
        for (String owner : held) {
            try {
                verify(owner);
            } catch (LeaseLostException e) {
                log.warn("{}", e.getMessage());
            } catch (RuntimeException e) {
                log.warn("Cannot renew the lease of {}: {}", owner, e.toString());
            }
        }
    }

    /** Stops renewing (what a killed orchestrator does); the lease file stays. */
    @Override
    public void close() {
        heartbeat.shutdownNow();
        held.clear();
    }

    private <T> T locked(Supplier<T> action) {
        ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(mutexFile.toAbsolutePath().normalize(), p -> new ReentrantLock());
        jvmLock.lock();
        try {
            permissions.createDirectories(root);
            permissions.createFile(mutexFile);
            try (FileChannel channel = FileChannel.open(mutexFile, StandardOpenOption.WRITE);
                 FileLock ignored = channel.lock()) {
                return action.get();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock the backup root " + root + ": " + e.getMessage(), e);
        } finally {
            jvmLock.unlock();
        }
    }

    private Optional<LeaseInfo> read() {
        if (!Files.exists(leaseFile)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(leaseFile.toFile(), LeaseInfo.class));
        } catch (IOException e) {
            // a lease that cannot be read protects nothing; the next writer replaces it
            log.warn("Ignoring unreadable lease file {}: {}", leaseFile, e.getMessage());
            return Optional.empty();
        }
    }

    private void write(LeaseInfo info) {
        Path tmp = root.resolve(".lease.json.tmp");
        try {
            permissions.createFile(tmp);
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                channel.write(ByteBuffer.wrap(JSON.writeValueAsBytes(info)));
                channel.force(true);
            }
            Files.move(tmp, leaseFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            // the rename is durable only once the folder is: a power cut could otherwise lose the first lease
            Durable.syncDirectory(root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the lease " + leaseFile + ": " + e.getMessage(), e);
        }
    }

    /**
     * Who holds the lease, for what, since when, and when it was last renewed; {@code work}: the
     * owner is no process instance, only its renewals say that it still runs (absent in the
     * lease files of earlier releases, whose owners were all process instances).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record LeaseInfo(String owner, String purpose, Instant acquiredAt, Instant renewedAt, boolean work) {
        @JsonCreator
        public LeaseInfo {
        }

        public LeaseInfo(String owner, String purpose, Instant acquiredAt, Instant renewedAt) {
            this(owner, purpose, acquiredAt, renewedAt, false);
        }
    }

    private record Sighting(String owner, Instant renewedAt, long nanos) {
    }

    /**
     * The outcome of {@link #tryAcquire}: the lease, or (busy) the holder. When the lease
     * was taken over, {@code takenOverFrom} and {@code why} say from whom and why.
     */
    public record Attempt(Lease lease, LeaseInfo holder, String takenOverFrom, Text why) {
        public boolean busy() {
            return lease == null;
        }

        /** {@link #why()} in English: the developer's log and the WAL receiver's status (English until the wal package's texts are converted). */
        public String reason() {
            return ENGLISH.render(why);
        }
    }

    /** A held lease: checked before every write, released at the end of the run. */
    public static final class Lease {
        private final LeaseManager manager;
        private final String owner;

        Lease(LeaseManager manager, String owner) {
            this.manager = manager;
            this.owner = owner;
        }

        public String owner() {
            return owner;
        }

        public void verify() {
            manager.verify(owner);
        }

        public void release() {
            manager.release(owner);
        }
    }
}
