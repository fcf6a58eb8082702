package com.llmbackup.process.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.LongFunction;

import com.llmbackup.config.Text;
import com.llmbackup.exec.ThisMachine;

/**
 * Whether the orchestrator that locked a job has stopped, so its job may run again now instead
 * of after the job lock time (12 h). An orchestrator is stopped when its heartbeat is older
 * than {@code staleAfter}, or at once when it ran on this machine and its process is gone. A
 * lock owner that never reported (an older version) counts as stopped once its lock is older
 * than {@code staleAfter}. Pure: the caller reads the rows and asks the operating system.
 */
final class LockOwnerVerdict {

    private LockOwnerVerdict() {
    }

    /** A row of {@code orchestrator_node}. */
    record Node(String lockOwner, String host, long pid, Instant startedAt, Instant heartbeatAt) {
    }

    /**
     * This orchestrator: its own lock owner and host, the time, and how to read the start time of
     * a local process (empty when no such process runs).
     */
    record Here(String lockOwner, String host, Instant now, Duration staleAfter, LongFunction<Optional<Instant>> processStart) {
    }

    /** Why the owner of a job locked at {@code lockedAt} has stopped; empty while it may still be working. */
    static Optional<Text> whyStopped(String jobLockOwner, Instant lockedAt, Optional<Node> node, Here here) {
        if (jobLockOwner.equals(here.lockOwner())) {
            return Optional.empty();
        }
        Instant staleBefore = here.now().minus(here.staleAfter());
        if (node.isEmpty()) {
            return lockedAt.isBefore(staleBefore)
                    ? Optional.of(Text.of("lock.stopped.neverReported", jobLockOwner, lockedAt))
                    : Optional.empty();
        }
        Node n = node.get();
        if (n.host().equals(here.host())) {
            Optional<Instant> started = here.processStart().apply(n.pid());
            if (started.isEmpty()) {
                return Optional.of(Text.of("lock.stopped.ended", jobLockOwner, n.pid()));
            }
            if (Duration.between(started.get(), n.startedAt()).abs().compareTo(ThisMachine.SAME_PROCESS) > 0) {
                return Optional.of(Text.of("lock.stopped.pidReused", jobLockOwner, n.pid(), started.get()));
            }
        }
        if (n.heartbeatAt().isBefore(staleBefore)) {
            return Optional.of(Text.of("lock.stopped.stale", jobLockOwner, n.host(), n.heartbeatAt(), here.staleAfter().toSeconds()));
        }
        return Optional.empty();
    }
}
