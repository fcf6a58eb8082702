package com.llmbackup.wal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.CRC32C;
import java.util.zip.Checksum;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.llmbackup.catalog.Durable;
import com.llmbackup.catalog.Manifest;
import com.llmbackup.catalog.Trees;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.exec.CommandFailedException;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.postgres.PostgresClient;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Base backups for point-in-time recovery: {@code pg_basebackup} of the whole cluster as one
 * compressed tar with PostgreSQL's {@code backup_manifest}, its WAL not copied but taken from the
 * stream ({@code --wal-method=none}: the receiver already has it), and their verification: every
 * file of the tar against the manifest's size and checksum, the manifest against its own
 * checksum, as {@code pg_verifybackup} does for a plain backup.
 */
public class BaseBackups {

    private static final Logger log = LoggerFactory.getLogger(BaseBackups.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String PROGRAM = "pg_basebackup";

    private final BackupProperties properties;
    private final PostgresClient postgres;
    private final CommandRunner runner;
    private final WalServer server;
    private final WalReceiver receiver;
    private final Clock clock;

    public BaseBackups(BackupProperties properties, PostgresClient postgres, CommandRunner runner, WalServer server, WalReceiver receiver,
                       Clock clock) {
        this.properties = properties;
        this.postgres = postgres;
        this.runner = runner;
        this.server = server;
        this.receiver = receiver;
        this.clock = clock;
    }

    /**
     * A base backup taken (its facts for the set's manifest, a warning when its WAL was not received
     * in time), or skipped with why: streaming is off, or the server refuses it (a warning on the
     * run: the dumps go on).
     */
    public record Outcome(Manifest.BaseBackup taken, String warning, String skipped) {
    }

    /**
     * Takes a base backup into {@code work} (emptied first), then moves its tar and manifest to
     * {@code tar} and {@code manifest}, forced to disk. Waits at most {@code backup.wal.base-backup-wal-wait}
     * for the receiver to have its WAL.
     */
    public Outcome take(Path work, Path tar, Path manifest, String label) {
        if (!properties.wal().enabled()) {
            return new Outcome(null, null, "WAL streaming is off (backup.wal.enabled=false): no base backup.");
        }
        Trees.delete(work);
        try {
            Files.createDirectories(work);
            WalServer.Identity identity = server.identify();
            Instant startedAt = serverNow();
            try {
                runner.run(postgres.command(PROGRAM, List.of("--pgdata=" + work, "--format=tar", "--gzip", "--wal-method=none",
                        "--checkpoint=fast", "--label=llm-backup " + label)));
            } catch (CommandFailedException e) {
                ReplicationErrors.Explained why = ReplicationErrors.explain(WalReceiver.errorLine(List.of(e.stderr().split("\n"))),
                        properties.database().user());
                if (why.kind() == ReplicationErrors.Kind.REFUSED) {
                    return new Outcome(null, null, "No base backup: " + why.message());
                }
                throw e;
            }
            Instant consistentAt = serverNow();
            List<String> others = new ArrayList<>();
            try (DirectoryStream<Path> files = Files.newDirectoryStream(work)) {
                files.forEach(f -> {
                    String name = f.getFileName().toString();
                    if (!name.equals("base.tar.gz") && !name.equals("backup_manifest")) {
                        others.add(name);
                    }
                });
            }
            if (!others.isEmpty()) {
                return new Outcome(null, null, "No base backup: the server has tablespaces outside its data directory (" + String.join(", ", others)
                        + "), which llm-backup does not take; WAL still streams, and the dumps go on.");
            }
            JsonNode ranges = JSON.readTree(work.resolve("backup_manifest").toFile()).path("WAL-Ranges");
            if (!ranges.isArray() || ranges.isEmpty()) {
                throw new BaseBackupInvalidException("the backup_manifest of " + label + " names no WAL range");
            }
            JsonNode first = ranges.get(0);
            JsonNode last = ranges.get(ranges.size() - 1);
            Files.move(work.resolve("base.tar.gz"), tar, StandardCopyOption.ATOMIC_MOVE);
            Files.move(work.resolve("backup_manifest"), manifest, StandardCopyOption.ATOMIC_MOVE);
            Durable.force(tar);
            Durable.force(manifest);
            Durable.syncDirectory(tar.getParent());
            Trees.delete(work);
            Manifest.BaseBackup facts = new Manifest.BaseBackup(tar.getFileName().toString(), manifest.getFileName().toString(),
                    last.path("Timeline").asInt(), first.path("Start-LSN").asText(), last.path("End-LSN").asText(), startedAt, consistentAt,
                    identity.systemIdentifier(), identity.segmentSize());
            log.info("Base backup of {} taken: WAL {} to {} on timeline {} ({} bytes)", label, facts.startLsn(), facts.endLsn(),
                    facts.timeline(), Files.size(tar));
            return new Outcome(facts, awaitWal(Lsn.parse(facts.endLsn()), label), null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot take the base backup of " + label + ": " + e.getMessage(), e);
        }
    }

    /** Null once the receiver has the base backup's WAL; else the warning that it is not usable yet. */
    private String awaitWal(Lsn end, String label) {
        Duration wait = properties.wal().baseBackupWalWait();
        long deadline = System.nanoTime() + wait.toNanos();
        WalReceiverStatus status = receiver.status();
        while (true) {
            Lsn received = status.received();
            if (received != null && received.compareTo(end) >= 0) {
                return null;
            }
            if (System.nanoTime() >= deadline) {
                return "The base backup of " + label + " is taken, but the WAL receiver did not have its WAL (to " + end + ") within "
                        + wait.toSeconds() + " s (" + status.state() + (status.message() == null ? "" : ": " + status.message())
                        + "): it becomes usable for point-in-time recovery once the receiver has it.";
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "Interrupted while waiting for the base backup's WAL.";
            }
            status = receiver.status();
        }
    }

    private Instant serverNow() {
        try (var c = postgres.connect("postgres"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select clock_timestamp()")) {
            rs.next();
            return rs.getTimestamp(1).toInstant();
        } catch (Exception e) {
            return clock.instant();
        }
    }

    /**
     * Reads the tar whole and checks it against the manifest: the manifest's own checksum, then
     * every file the manifest lists is in the tar with its size and checksum, and the tar holds no
     * file the manifest does not list. Returns how many files were checked.
     */
    public int verify(Path tar, Path manifest) {
        byte[] manifestBytes;
        try {
            manifestBytes = Files.readAllBytes(manifest);
        } catch (IOException e) {
            throw new BaseBackupInvalidException("cannot read " + manifest + ": " + e.getMessage());
        }
        Map<String, JsonNode> expected = filesOf(manifest, manifestBytes);
        int checked = 0;
        byte[] buffer = new byte[1 << 16];
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(tar), 1 << 16);
             GzipCompressorInputStream gz = new GzipCompressorInputStream(raw, true);
             TarArchiveInputStream in = new TarArchiveInputStream(gz)) {
            TarArchiveEntry entry;
            while ((entry = in.getNextEntry()) != null) {
                if (!entry.isFile()) {
                    continue;
                }
                String path = entry.getName();
                JsonNode file = expected.remove(path);
                if (file == null) {
                    throw new BaseBackupInvalidException(tar.getFileName() + " holds " + path + ", which its backup_manifest does not list");
                }
                String algorithm = file.path("Checksum-Algorithm").asText("NONE").toUpperCase(Locale.ROOT);
                Checksummer sum = Checksummer.of(algorithm);
                long size = 0;
                int n;
                while ((n = in.read(buffer)) > 0) {
                    sum.update(buffer, n);
                    size += n;
                }
                if (size != file.path("Size").asLong()) {
                    throw new BaseBackupInvalidException(path + " in " + tar.getFileName() + " has " + size + " bytes, its backup_manifest says "
                            + file.path("Size").asLong());
                }
                String actual = sum.hex();
                if (actual != null && !actual.equalsIgnoreCase(file.path("Checksum").asText())) {
                    throw new BaseBackupInvalidException(path + " in " + tar.getFileName() + " does not match its backup_manifest ("
                            + algorithm + " " + actual + ", manifest " + file.path("Checksum").asText() + ")");
                }
                checked++;
            }
        } catch (IOException e) {
            throw new BaseBackupInvalidException(tar.getFileName() + " cannot be read as a gzip-compressed tar: " + e.getMessage());
        }
        if (!expected.isEmpty()) {
            throw new BaseBackupInvalidException(tar.getFileName() + " lacks " + expected.size() + " file(s) its backup_manifest lists, e.g. "
                    + expected.keySet().iterator().next());
        }
        return checked;
    }

    /** The manifest's files by path, after checking the manifest's own checksum. */
    private static Map<String, JsonNode> filesOf(Path manifest, byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        int end = text.lastIndexOf("\n\"Manifest-Checksum\"");
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new BaseBackupInvalidException(manifest.getFileName() + " is not a readable backup_manifest: " + e.getMessage());
        }
        if (end < 0 || !root.hasNonNull("Manifest-Checksum")) {
            throw new BaseBackupInvalidException(manifest.getFileName() + " has no Manifest-Checksum");
        }
        String actual = HexFormat.of().formatHex(sha256(bytes, end + 1));
        if (!actual.equalsIgnoreCase(root.path("Manifest-Checksum").asText())) {
            throw new BaseBackupInvalidException(manifest.getFileName() + " does not match its own checksum (SHA-256 " + actual
                    + ", recorded " + root.path("Manifest-Checksum").asText() + ")");
        }
        Map<String, JsonNode> files = new HashMap<>();
        for (JsonNode file : root.path("Files")) {
            String path = file.has("Path") ? file.path("Path").asText()
                    : new String(HexFormat.of().parseHex(file.path("Encoded-Path").asText()), StandardCharsets.UTF_8);
            files.put(path, file);
        }
        return files;
    }

    private static byte[] sha256(byte[] bytes, int length) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(bytes, 0, length);
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A file checksum as backup_manifest writes it: CRC32C in the server's (little-endian) byte order, SHA-2 in hex. */
    private interface Checksummer {
        void update(byte[] data, int length);

        /** Null when the manifest recorded none. */
        String hex();

        static Checksummer of(String algorithm) {
            if (algorithm.equals("CRC32C")) {
                Checksum crc = new CRC32C();
                return new Checksummer() {
                    public void update(byte[] data, int length) {
                        crc.update(data, 0, length);
                    }

                    public String hex() {
                        byte[] le = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) crc.getValue()).array();
                        return HexFormat.of().formatHex(le);
                    }
                };
            }
            if (algorithm.startsWith("SHA")) {
                try {
                    MessageDigest digest = MessageDigest.getInstance("SHA-" + algorithm.substring(3));
                    return new Checksummer() {
                        public void update(byte[] data, int length) {
                            digest.update(data, 0, length);
                        }

                        public String hex() {
                            return HexFormat.of().formatHex(digest.digest());
                        }
                    };
                } catch (NoSuchAlgorithmException e) {
                    throw new BaseBackupInvalidException("unknown checksum algorithm " + algorithm + " in a backup_manifest");
                }
            }
            return new Checksummer() {
                public void update(byte[] data, int length) {
                }

                public String hex() {
                    return null;
                }
            };
        }
    }
}
