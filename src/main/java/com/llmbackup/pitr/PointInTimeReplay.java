package com.llmbackup.pitr;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.catalog.FilePermissions;
import com.llmbackup.catalog.LeaseManager;
import com.llmbackup.catalog.Manifest;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.exec.RunningCommand;
import com.llmbackup.postgres.DatabaseDumper;
import com.llmbackup.postgres.DatabaseUnavailableException;
import com.llmbackup.postgres.PostgresClient;
import com.llmbackup.wal.Lsn;
import com.llmbackup.wal.RecoveryWindow;
import com.llmbackup.wal.RecoveryWindows;
import com.llmbackup.wal.WalArchive;
import com.llmbackup.wal.WalSegment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Service;

/**
 * A point-in-time recovery's first half, beside production: the newest base backup before the
 * target extracted into {@code <root>/scratch/pitr-<run>}, replayed by a scratch PostgreSQL on
 * 127.0.0.1 with the WAL of {@code <root>/wal} to the target (paused there), checked to have
 * reached it, dumped ({@code pg_dump -Fc}) into a set of kind {@code pitr} with its manifest,
 * SHA-256 and row counts, and the scratch server and files removed. The set is then restored
 * as any set is (RestoreProcess). Production is only read: its WAL and base backup files.
 */
@Service
public class PointInTimeReplay {

    private static final Logger log = LoggerFactory.getLogger(PointInTimeReplay.class);
    private static final Duration POLL = Duration.ofMillis(300);

    private final BackupProperties properties;
    private final BackupCatalog catalog;
    private final RecoveryWindows windows;
    private final WalArchive archive;
    private final PostgresClient postgres;
    private final CommandRunner runner;
    private final FilePermissions permissions;
    private final LeaseManager leases;
    private final Clock clock;

    public PointInTimeReplay(BackupProperties properties, BackupCatalog catalog, RecoveryWindows windows, WalArchive archive,
                             PostgresClient postgres, CommandRunner runner, FilePermissions permissions, LeaseManager leases, Clock clock) {
        this.properties = properties;
        this.catalog = catalog;
        this.windows = windows;
        this.archive = archive;
        this.postgres = postgres;
        this.runner = runner;
        this.permissions = permissions;
        this.leases = leases;
        this.clock = clock;
    }

    /**
     * What the replay made and found: the {@code pitr} set, the base backup it started from, the
     * last transaction committed at or before the target and the first one after it (null when
     * none was on disk: then everything on disk was replayed), and the WAL it read.
     */
    public record Outcome(BackupSet set, Instant target, String base, Instant lastCommitBefore, Instant firstCommitAfter,
                          Long firstXidAfter, boolean toEndOfWal, long walBytes) {
    }

    /** Why a recovery to {@code target} cannot be done now, or empty (the window covers it). */
    public Optional<String> refusal(Instant target) {
        return PitrTargets.refusal(windows.compute(), target, clock.instant());
    }

    /** The scratch folder of a run's replay (on this machine's own server binaries). */
    public Path scratchOf(String run) {
        return ReplayScratch.of(properties.root(), run, "root".equals(System.getProperty("user.name"))).dir();
    }

    /**
     * {@link #replay} for a restore run ({@code owner}: one per run), under a lease of its own
     * held while it works; run again (the step retried after a crash), it returns the set it
     * published before instead of replaying again. Refused when the backup root is busy.
     */
    public Outcome replayOnce(String owner, Instant target, ReplayProgress progress) {
        Optional<BackupSet> published = catalog.list(BackupKind.PITR).stream()
                .filter(s -> s.status() == BackupSet.Status.COMPLETE && owner.equals(s.manifest().processInstanceId())).findFirst();
        if (published.isPresent()) {
            progress.note("Replayed before this step was run again: " + published.get().label());
            return new Outcome(published.get(), target, published.get().manifest().basedOn(), null, null, null, false, 0);
        }
        LeaseManager.Attempt attempt = leases.tryAcquireForWork(owner, "Point-in-time replay to " + target);
        if (attempt.busy()) {
            throw new ReplayRefusedException("The backup root is busy (" + attempt.holder().purpose() + " holds the lock): start the "
                    + "restore to " + target + " again when it has finished. Nothing was changed.");
        }
        try {
            // what a killed attempt left half published (a manifest still "publishing") goes first, as a backup run does
            catalog.recover(attempt.lease()).forEach(label -> progress.note("Rolled back " + label + ", left half published by a crash"));
            return replay(target, owner, attempt.lease(), progress);
        } finally {
            leases.release(owner);
        }
    }

    /**
     * Replays to {@code target} and publishes the database as it was then as a {@code pitr} set
     * (under {@code lease}); {@code progress} gets a line as the replay advances. Run again after a
     * crash it starts afresh: the scratch of the earlier attempt is stopped and removed first.
     */
    public Outcome replay(Instant target, String run, LeaseManager.Lease lease, ReplayProgress progress) {
        RecoveryWindow window = windows.compute();
        PitrTargets.refusal(window, target, clock.instant()).ifPresent(why -> {
            throw new ReplayRefusedException(why);
        });
        RecoveryWindow.Start start = window.startFor(target).orElseThrow();
        BackupSet base = baseSet(start.label());
        Manifest.BaseBackup facts = base.manifest().baseBackup();
        Path tar = catalog.kindDir(base.kind()).resolve(facts.file());
        checkSha256(base, tar);
        int major = majorOf(base.manifest().postgresVersion());
        LocalReplayServer server = LocalReplayServer.find(major, properties.postgres().binDir(), runner);
        ReplayScratch scratch = ReplayScratch.of(properties.root(), run, server.otherUser());
        stopLeftover(server, scratch);
        Instant started = clock.instant();
        try {
            scratch.create(permissions);
            progress.note("Extracting base backup " + start.label() + " into " + scratch.dir());
            scratch.extract(runner, tar);
            long segmentSize = facts.walSegmentSize() > 0 ? facts.walSegmentSize() : WalSegment.DEFAULT_SIZE;
            long firstSegment = Lsn.parse(facts.startLsn()).segment(segmentSize);
            long lastSegment = lastSegmentOnDisk(segmentSize);
            long walBytes = (lastSegment - firstSegment + 1) * segmentSize;
            String restoreCommand;
            if (server.otherUser()) {
                // the WAL folder is the orchestrator's alone: the server's user reads a copy
                progress.note("Copying " + (walBytes >> 20) + " MB of WAL for the replay's server");
                scratch.copyWal(archive, firstSegment, segmentSize);
                restoreCommand = "cp \"" + safe(scratch.wal()) + "/%f\" \"%p\"";
            } else {
                String wal = safe(archive.dir());
                restoreCommand = "cp \"" + wal + "/%f\" \"%p\" 2>/dev/null || cp \"" + wal + "/pre-gap/%f\" \"%p\" 2>/dev/null"
                        + " || cp \"" + wal + "/%f.partial\" \"%p\"";
            }
            server.handOver(scratch.dir());
            Map<String, String> minima = ReplayScratch.standbyMinima(server.controldata(scratch.data()));
            int port = freePort();
            PostgresClient scratchDb = postgres.on("127.0.0.1", port);
            scratch.configure(port, restoreCommand, target, minima, properties.database().user());
            server.handOver(scratch.dir());
            ReplayLog replayLog = new ReplayLog(segment -> progress.segments(
                    WalSegment.parse(segment, segmentSize).map(s -> s.number() - firstSegment + 1).orElse(0L), lastSegment - firstSegment + 1,
                    segmentSize));
            progress.note("Replaying to " + target + " from " + start.label() + " (" + (walBytes >> 20) + " MB of WAL on disk after it)");
            Reached reached = run(server, scratch, scratchDb, replayLog, target, port, restoreCommand, minima);
            checkReached(reached, replayLog, target, firstSegment, lastSegment, segmentSize, facts.timeline());
            progress.note("Replay reached " + target + (reached.toEnd ? " (the end of the WAL on disk)" : "") + "; dumping it");
            BackupSet set = publish(scratchDb, base, start, target, lease, started);
            log.info("Point-in-time replay to {} from {} published as {} (last commit before it {}, first after it {})", target,
                    start.label(), set.label(), reached.lastCommit, replayLog.stoppedBeforeTime());
            return new Outcome(set, target, start.label(), reached.lastCommit, replayLog.stoppedBeforeCommit() ? replayLog.stoppedBeforeTime() : null,
                    replayLog.stoppedBeforeCommit() ? replayLog.stoppedBeforeXid() : null, reached.toEnd, walBytes);
        } finally {
            server.stop(scratch.data());
            scratch.delete();
        }
    }

    /**
     * At start-up: a replay's server that outlived its orchestrator (killed, its children survive)
     * is stopped, so it holds neither memory nor a port while its run waits for its step to be run
     * again (which removes its folder). Only a live process of this machine that is {@code postgres}
     * on that very folder is stopped: a pid a reboot gave to another program, or a folder another
     * orchestrator uses from another machine, is left alone.
     */
    @EventListener(ApplicationReadyEvent.class)
    public void stopOrphans() {
        Map<Path, String> places = Map.of(properties.root().resolve("scratch"), ReplayScratch.PREFIX + "*",
                Path.of(System.getProperty("java.io.tmpdir")), ReplayScratch.TMP_PREFIX + ReplayScratch.PREFIX + "*");
        for (Map.Entry<Path, String> place : places.entrySet()) {
            Path parent = place.getKey();
            if (!Files.isDirectory(parent)) {
                continue;
            }
            try (var dirs = Files.newDirectoryStream(parent, place.getValue())) {
                for (Path dir : dirs) {
                    stopOrphan(dir.resolve("data"));
                }
            } catch (IOException | RuntimeException e) {
                log.warn("Could not look for replay servers left in {}: {}", parent, e.getMessage());
            }
        }
    }

    private static void stopOrphan(Path data) throws IOException {
        Path pidFile = data.resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) {
            return;
        }
        long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).strip());
        Optional<ProcessHandle> server = ProcessHandle.of(pid).filter(p -> {
            try {
                String cmdline = Files.readString(Path.of("/proc", String.valueOf(pid), "cmdline")).replace('\0', ' ');
                return cmdline.contains("postgres") && cmdline.contains(data.toString());
            } catch (IOException e) {
                return false;
            }
        });
        if (server.isPresent()) {
            // its backends and startup process notice their postmaster's death and exit
            server.get().destroyForcibly();
            log.warn("Stopped the point-in-time replay server (pid {}) a killed orchestrator left on {}", pid, data);
        }
    }

    /** A scratch server an earlier attempt of this run left running (the orchestrator was killed), stopped. */
    private static void stopLeftover(LocalReplayServer server, ReplayScratch scratch) {
        if (Files.isDirectory(scratch.data()) && server.stop(scratch.data())) {
            log.warn("Stopped the replay server an earlier attempt left in {}", scratch.dir());
        }
    }

    /** Where the replay stopped: paused at the target, or at the end of the WAL (nothing committed after the target was on disk). */
    private record Reached(boolean toEnd, Instant lastCommit) {
    }

    private Reached run(LocalReplayServer server, ReplayScratch scratch, PostgresClient db, ReplayLog replayLog, Instant target, int port,
                        String restoreCommand, Map<String, String> minima) {
        long deadline = System.nanoTime() + properties.postgres().commandTimeout().toNanos();
        boolean toEnd = false;
        RunningCommand process = server.start(scratch.data(), replayLog);
        try {
            while (System.nanoTime() < deadline) {
                if (!process.alive()) {
                    if (!toEnd && replayLog.targetNotReached()) {
                        // no transaction after the target is on disk: everything on disk is at or before it, so the end of the WAL is the target
                        toEnd = true;
                        scratch.configure(port, restoreCommand, null, minima, properties.database().user());
                        server.handOver(scratch.dir());
                        process = server.start(scratch.data(), replayLog);
                        continue;
                    }
                    throw new ReplayFailedException("The replay's PostgreSQL stopped before reaching " + target + ": "
                            + String.join(" | ", process.stderrTail()));
                }
                Optional<Reached> state = poll(db, toEnd);
                if (state.isPresent()) {
                    return state.get();
                }
                sleep();
            }
            throw new ReplayFailedException("The replay to " + target + " did not finish within " + properties.postgres().commandTimeout()
                    + " (backup.postgres.command-timeout).");
        } catch (RuntimeException e) {
            process.kill();
            throw e;
        }
    }

    /** Paused at the target (or, to the end, out of recovery), with the last replayed commit; empty while it replays. */
    private static Optional<Reached> poll(PostgresClient db, boolean toEnd) {
        try (Connection c = db.connect("postgres"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select pg_is_in_recovery(), case when pg_is_in_recovery() then pg_is_wal_replay_paused() end,"
                     + " pg_last_xact_replay_timestamp()")) {
            rs.next();
            boolean recovering = rs.getBoolean(1);
            boolean paused = rs.getBoolean(2);
            OffsetDateTime last = rs.getObject(3, OffsetDateTime.class);
            if (toEnd ? !recovering : recovering && paused) {
                return Optional.of(new Reached(toEnd, last == null ? null : last.toInstant()));
            }
            return Optional.empty();
        } catch (DatabaseUnavailableException | SQLException starting) {
            SQLException cause = starting instanceof SQLException e ? e : starting.getCause() instanceof SQLException e ? e : null;
            if (cause != null && cause.getSQLState() != null && cause.getSQLState().startsWith("28")) {
                // the replayed cluster's role or password is not the orchestrator's: waiting would never end
                throw new ReplayFailedException("The replay's server refuses the orchestrator's role: " + starting.getMessage()
                        + " (its roles and passwords are those of the base backup's time).");
            }
            return Optional.empty(); // not consistent yet, or starting
        }
    }

    /**
     * The replay is where it was asked to be: paused with its last commit at or before the target
     * and the first transaction after it later; or, replayed to the end, reading stopped in the
     * last segment on disk (else a segment in between is damaged: named).
     */
    private static void checkReached(Reached reached, ReplayLog replayLog, Instant target, long firstSegment, long lastSegment, long segmentSize,
                                     int timeline) {
        if (reached.lastCommit != null && reached.lastCommit.isAfter(target)) {
            throw new ReplayFailedException("The replay went past " + target + ": its last commit is at " + reached.lastCommit + ".");
        }
        if (!reached.toEnd) {
            if (replayLog.stoppedBeforeTime() != null && !replayLog.stoppedBeforeTime().isAfter(target)) {
                throw new ReplayFailedException("The replay stopped before transaction " + replayLog.stoppedBeforeXid() + " of "
                        + replayLog.stoppedBeforeTime() + ", which is not after " + target + ".");
            }
            return;
        }
        String segment = replayLog.brokenSegment();
        if (segment == null) {
            String at = replayLog.brokenAt() != null ? replayLog.brokenAt() : replayLog.redoDoneAt();
            if (at == null) {
                return; // nothing after the base backup's end was replayed: its own WAL only
            }
            segment = new WalSegment(timeline, Lsn.parse(at).segment(segmentSize), false).name(segmentSize);
        }
        long number = WalSegment.parse(segment, segmentSize).map(WalSegment::number).orElse(lastSegment);
        if (number < lastSegment) {
            throw new ReplayFailedException("The WAL cannot be read past segment " + segment + " (" + (replayLog.brokenWhy() == null ? "it ends there"
                    : replayLog.brokenWhy()) + "), though segments up to " + new WalSegment(timeline, lastSegment, false).name(segmentSize)
                    + " are on disk: " + segment + " is damaged. No recovery reaches past it; production was not touched.");
        }
    }

    private BackupSet publish(PostgresClient db, BackupSet base, RecoveryWindow.Start start, Instant target, LeaseManager.Lease lease,
                              Instant startedAt) {
        BackupCatalog.StagedSet staged = catalog.stage(BackupKind.PITR, lease);
        DatabaseDumper dumper = new DatabaseDumper(db, runner);
        DatabaseDumper.DumpResult dump = dumper.dump(staged.dumpFile());
        dumper.verify(staged.dumpFile());
        List<Manifest.Artifact> artifacts = new ArrayList<>();
        artifacts.add(Manifest.Artifact.file(staged.dumpFile().getFileName().toString(), dump.size(), dump.sha256()));
        List<String> warnings = new ArrayList<>();
        DatabaseDumper.GlobalsResult globals = dumper.dumpGlobals(staged.globalsFile());
        long bytes = dump.size();
        if (globals.written()) {
            try {
                long size = Files.size(staged.globalsFile());
                artifacts.add(Manifest.Artifact.file(staged.globalsFile().getFileName().toString(), size,
                        DatabaseDumper.sha256(staged.globalsFile())));
                bytes += size;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (globals.warning() != null) {
            warnings.add(globals.warning());
        }
        Manifest manifest = new Manifest(Manifest.FORMAT_VERSION, BackupKind.PITR.dir(), staged.id().toString(), null, staged.owner(),
                startedAt, null, dump.serverVersion(), start.label() + " + WAL to " + target, null, null, artifacts, null,
                dump.rowCounts(), new Manifest.Stats(bytes, 0, 0, 0), warnings);
        return catalog.publish(staged, manifest, lease);
    }

    private BackupSet baseSet(String label) {
        int slash = label.indexOf('/');
        BackupKind kind = BackupKind.fromDir(label.substring(0, slash));
        return catalog.find(kind, BackupSetId.parse(label.substring(slash + 1))).filter(s -> s.status() == BackupSet.Status.COMPLETE)
                .orElseThrow(() -> new ReplayRefusedException("The base backup " + label + " the recovery window names is no complete set any more."));
    }

    private static void checkSha256(BackupSet base, Path tar) {
        String expected = base.manifest().artifacts().stream().filter(a -> a.name().equals(tar.getFileName().toString()))
                .map(Manifest.Artifact::sha256).findFirst().orElse(null);
        try {
            String actual = DatabaseDumper.sha256(tar);
            if (expected == null || !expected.equalsIgnoreCase(actual)) {
                throw new ReplayRefusedException("The base backup " + tar + " does not match its manifest (SHA-256 " + actual + ", manifest "
                        + expected + "): it cannot be replayed. Nothing was changed.");
            }
        } catch (IOException e) {
            throw new ReplayRefusedException("The base backup " + tar + " cannot be read: " + e.getMessage());
        }
    }

    private static int majorOf(String version) {
        if (version == null) {
            throw new ReplayRefusedException("The base backup's set does not say its server's PostgreSQL version.");
        }
        return Integer.parseInt(version.replaceAll("^(\\d+).*$", "$1"));
    }

    private long lastSegmentOnDisk(long segmentSize) {
        return archive.list().segments().stream().mapToLong(f -> f.segment().number()).max()
                .orElseThrow(() -> new ReplayRefusedException("No WAL segment is in " + archive.dir() + "."));
    }

    /** A path for restore_command: inside double quotes for sh, and no % (restore_command's escape). */
    private static String safe(Path path) {
        String text = path.toString();
        if (text.matches(".*[\"$`\\\\%'\n].*")) {
            throw new ReplayRefusedException("The path " + text + " holds a character a restore_command cannot carry (\" $ ` \\ % '): "
                    + "move backup.root to a plain path.");
        }
        return text;
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1 for the replay's server: " + e.getMessage(), e);
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ReplayFailedException("Interrupted while replaying.");
        }
    }
}
