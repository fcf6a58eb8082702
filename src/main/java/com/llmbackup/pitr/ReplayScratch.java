package com.llmbackup.pitr;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.llmbackup.catalog.FilePermissions;
import com.llmbackup.catalog.Trees;
import com.llmbackup.exec.Command;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.wal.WalArchive;
import com.llmbackup.wal.WalSegment;

/**
 * The files of one replay, {@code <root>/scratch/pitr-<run>}: the base backup extracted into
 * {@code data/}, its configuration replaced by ours (production's may name paths, libraries or a
 * locale this machine lacks), and, when the server runs as another user than the orchestrator,
 * the WAL it needs copied into {@code wal/} (the WAL folder is owner-only). Removed whole when the
 * replay ends, or at the next start after a crash.
 */
final class ReplayScratch {

    static final String PREFIX = "pitr-";
    static final String TMP_PREFIX = "llm-backup-";
    private static final DateTimeFormatter TARGET = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS+00").withZone(ZoneOffset.UTC);
    /** What pg_controldata says of the settings hot standby needs at least as high as the primary's. */
    private static final Map<String, String> STANDBY_MINIMA = Map.of("max_connections setting", "max_connections",
            "max_worker_processes setting", "max_worker_processes", "max_wal_senders setting", "max_wal_senders",
            "max_prepared_xacts setting", "max_prepared_transactions", "max_locks_per_xact setting", "max_locks_per_transaction");
    private static final Pattern CONTROL_LINE = Pattern.compile("^([^:]+):\\s+(\\d+)\\s*$");

    private final Path dir;

    private ReplayScratch(Path dir) {
        this.dir = dir;
    }

    /**
     * Where a run's replay works: {@code <root>/scratch/pitr-<run>}; for a server that runs as
     * another user (the orchestrator is root, PostgreSQL refuses root), that user cannot enter the
     * owner-only backup root, so {@code <tmp>/llm-backup-pitr-<run>}, handed to it.
     */
    static ReplayScratch of(Path backupRoot, String run, boolean otherUser) {
        String name = PREFIX + run.replaceAll("[^A-Za-z0-9._-]", "_");
        return new ReplayScratch(otherUser ? Path.of(System.getProperty("java.io.tmpdir"), TMP_PREFIX + name)
                : backupRoot.resolve("scratch").resolve(name));
    }

    Path dir() {
        return dir;
    }

    Path data() {
        return dir.resolve("data");
    }

    Path wal() {
        return dir.resolve("wal");
    }

    /** An empty scratch folder (what an earlier attempt of the same run left is removed). */
    void create(FilePermissions permissions) {
        Trees.delete(dir);
        try {
            permissions.createDirectories(data());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the replay's scratch folder " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The base backup's tar extracted into {@code data/}, owned by whoever extracts it. */
    void extract(CommandRunner runner, Path tar) {
        runner.run(Command.of("tar", "--no-same-owner", "--no-same-permissions", "-xzf", tar.toString(), "-C", data().toString()));
    }

    /**
     * Copies every segment from {@code firstSegment} on (both folders, any timeline) and every
     * history file into {@code wal/}, a {@code .partial} under its segment's name. Returns the bytes copied.
     */
    long copyWal(WalArchive archive, long firstSegment, long segmentSize) {
        long bytes = 0;
        try {
            Files.createDirectories(wal());
            for (Path folder : List.of(archive.preGapDir(), archive.dir())) {
                if (!Files.isDirectory(folder)) {
                    continue;
                }
                try (DirectoryStream<Path> files = Files.newDirectoryStream(folder)) {
                    for (Path file : files) {
                        String name = file.getFileName().toString();
                        var segment = WalSegment.parse(name, segmentSize);
                        boolean history = WalSegment.historyTimeline(name).isPresent();
                        if (!history && (segment.isEmpty() || segment.get().number() < firstSegment)) {
                            continue;
                        }
                        Path target = wal().resolve(history ? name : segment.get().name(segmentSize));
                        if (segment.isPresent() && segment.get().partial() && Files.exists(target)) {
                            continue; // the complete segment wins
                        }
                        Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
                        bytes += Files.size(target);
                    }
                }
            }
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the WAL into " + wal() + ": " + e.getMessage(), e);
        }
    }

    /** The settings of the base backup's pg_control that a hot standby must match at least ({@code pg_controldata} output). */
    static Map<String, String> standbyMinima(String controldata) {
        Map<String, String> settings = new LinkedHashMap<>();
        for (String line : controldata.split("\n")) {
            Matcher m = CONTROL_LINE.matcher(line);
            if (m.matches() && STANDBY_MINIMA.containsKey(m.group(1).strip())) {
                settings.put(STANDBY_MINIMA.get(m.group(1).strip()), m.group(2));
            }
        }
        return settings;
    }

    /**
     * Writes our postgresql.conf and pg_hba.conf over production's (kept beside as
     * {@code *.production}), removes its postgresql.auto.conf and asks for a recovery
     * ({@code recovery.signal}): to {@code target} and pause there, or, with a null target, to the end of the WAL.
     * {@code restoreCommand} is how the server gets a segment; {@code user} the only role it lets in, from 127.0.0.1.
     */
    void configure(int port, String restoreCommand, Instant target, Map<String, String> minima, String user) {
        Path data = data();
        try {
            for (String name : List.of("postgresql.conf", "pg_hba.conf", "postgresql.auto.conf", "pg_ident.conf")) {
                if (Files.exists(data.resolve(name))) {
                    Files.move(data.resolve(name), data.resolve(name + ".production"), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.deleteIfExists(data.resolve("standby.signal"));
            Files.deleteIfExists(data.resolve("postmaster.pid"));
            StringBuilder conf = new StringBuilder("# written by llm-backup for a point-in-time replay; production's is postgresql.conf.production\n");
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("listen_addresses", "'127.0.0.1'");
            settings.put("port", String.valueOf(port));
            settings.put("unix_socket_directories", "''");
            settings.put("hot_standby", "on");
            settings.put("archive_mode", "off");
            settings.put("shared_preload_libraries", "''");
            // the log is read for where the replay stopped: English whatever production's locale
            settings.put("lc_messages", "'C'");
            settings.put("logging_collector", "off");
            settings.put("timezone", "'UTC'");
            settings.put("log_timezone", "'UTC'");
            settings.put("log_min_messages", "info");
            settings.put("hba_file", quote(data.resolve("pg_hba.conf").toString()));
            settings.put("ident_file", quote(data.resolve("pg_ident.conf").toString()));
            settings.put("restore_command", quote(restoreCommand));
            if (target != null) {
                settings.put("recovery_target_time", quote(TARGET.format(target)));
                settings.put("recovery_target_action", "'pause'");
            }
            settings.put("recovery_target_timeline", "'latest'");
            minima.forEach(settings::put);
            settings.forEach((k, v) -> conf.append(k).append(" = ").append(v).append('\n'));
            Files.writeString(data.resolve("postgresql.conf"), conf);
            Files.writeString(data.resolve("postgresql.auto.conf"), "");
            Files.writeString(data.resolve("pg_ident.conf"), "");
            Files.writeString(data.resolve("pg_hba.conf"), "host all " + user + " 127.0.0.1/32 md5\n");
            Files.writeString(data.resolve("recovery.signal"), "");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot configure the replay in " + data + ": " + e.getMessage(), e);
        }
    }

    /** A value for postgresql.conf: single-quoted, quotes doubled. */
    static String quote(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    void delete() {
        Trees.delete(dir);
    }
}
