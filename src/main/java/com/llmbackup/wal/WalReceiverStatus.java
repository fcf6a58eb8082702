package com.llmbackup.wal;

import java.time.Duration;
import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The WAL receiver as a first-class object: whether it streams, what it has on disk and how far
 * behind the server it is. Written by the orchestrator that runs it to {@code <root>/wal/.receiver.json}
 * at every status reading (so every orchestrator, and a restore after a crash, reads the same), and
 * served by the API, the page, the metrics and the health.
 *
 * <ul>
 *   <li>{@code receivedLsn}: the end of the WAL the receiver wrote and flushed (pg_receivewal
 *       {@code --synchronous} reports it only after fsync); {@code serverLsn}: the server's flushed
 *       WAL at {@code observedAt}; {@code lagBytes} between them.</li>
 *   <li>{@code lastReceivedAt}: the latest instant (server clock) whose whole WAL is on our disk:
 *       every transaction committed by then can be restored. The window ends there.</li>
 *   <li>{@code lagSeconds}: 0 when nothing is missing; while streaming, the server's own measure of
 *       how long WAL takes to reach our disk ({@code pg_stat_replication.flush_lag}); otherwise how
 *       long WAL has been missing ({@code observedAt - lastReceivedAt}); null when never caught up.</li>
 *   <li>{@code slotRetainedBytes}: WAL the server keeps for the slot (what a stalled receiver costs its disk).</li>
 *   <li>{@code serverAnswers}: the last reading reached the server (a lag measured then is real; a server
 *       that is down writes no WAL); {@code failure}: what kind of failure stops the receiver
 *       ({@link ReplicationErrors.Kind}: {@code NO_SPACE} when the WAL folder's volume is full).</li>
 * </ul>
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record WalReceiverStatus(State state, String message, String node, String slot, Integer timeline, String receivedLsn,
                                String serverLsn, Long lagBytes, Double lagSeconds, Instant lastReceivedAt, Instant observedAt,
                                Long slotRetainedBytes, String systemIdentifier, Long segmentSize, Instant writtenAt,
                                Boolean serverAnswers, String failure) {

    public enum State {
        /** pg_receivewal runs and the server streams to it. */
        STREAMING,
        /** The receiver should run but does not stream now (starting, restarting after a failure, the server away). */
        RECONNECTING,
        /** Nobody runs the receiver: switched off, or no orchestrator has reported for a lease's time. */
        STOPPED
    }

    public static WalReceiverStatus stopped(String message, Instant now) {
        return new WalReceiverStatus(State.STOPPED, message, null, null, null, null, null, null, null, null, null, null, null,
                null, now, null, null);
    }

    public boolean streaming() {
        return state == State.STREAMING;
    }

    public Lsn received() {
        return receivedLsn == null ? null : Lsn.parse(receivedLsn);
    }

    public WalReceiverStatus withState(State newState, String newMessage) {
        return new WalReceiverStatus(newState, newMessage, node, slot, timeline, receivedLsn, serverLsn, lagBytes, lagSeconds,
                lastReceivedAt, observedAt, slotRetainedBytes, systemIdentifier, segmentSize, writtenAt, serverAnswers, failure);
    }

    /** The same, written at {@code at}, the server answering or not, failing with {@code kind} (null: not failing). */
    public WalReceiverStatus written(Instant at, boolean answers, String kind) {
        return new WalReceiverStatus(state, message, node, slot, timeline, receivedLsn, serverLsn, lagBytes, lagSeconds,
                lastReceivedAt, observedAt, slotRetainedBytes, systemIdentifier, segmentSize, at, answers, kind);
    }

    /** The receiver cannot write: the WAL folder's volume is full. */
    public boolean volumeFull() {
        return ReplicationErrors.Kind.NO_SPACE.name().equals(failure);
    }

    /** Read by another orchestrator: written longer ago than {@code ttl} means its writer stopped. */
    public boolean staleAt(Instant now, Duration ttl) {
        return writtenAt == null || writtenAt.plus(ttl).isBefore(now);
    }
}
