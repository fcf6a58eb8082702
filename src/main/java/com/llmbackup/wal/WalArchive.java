package com.llmbackup.wal;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.llmbackup.catalog.Durable;
import com.llmbackup.catalog.FilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WAL on disk: {@code <root>/wal}, where pg_receivewal writes segments (the newest as
 * {@code .partial}) and timeline history files, and {@code <root>/wal/pre-gap}, where the
 * segments from before a gap go (pg_receivewal resumes after the newest segment it finds in its
 * folder, which after a lost slot the server no longer has). A point-in-time recovery's
 * {@code restore_command} reads both. Beside them, our own files (dot-named, ignored by PostgreSQL):
 * the receiver's state ({@code .receiver.json}), the receipts ({@code .receipts}: for a segment,
 * the latest instant whose commits all lie in it or before, one line per segment) and the
 * receiver's lease ({@code .lease.json}).
 */
public class WalArchive {

    static final String PRE_GAP = "pre-gap";
    static final String STATE = ".receiver.json";
    static final String RECEIPTS = ".receipts";
    private static final Logger log = LoggerFactory.getLogger(WalArchive.class);
    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path dir;
    private final FilePermissions permissions;

    public WalArchive(Path backupRoot, FilePermissions permissions) {
        this.dir = backupRoot.resolve("wal");
        this.permissions = permissions;
    }

    public Path dir() {
        return dir;
    }

    public Path preGapDir() {
        return dir.resolve(PRE_GAP);
    }

    /** The folder, owner-only like the kinds' folders (WAL holds every row written). */
    public Path ensureDir() {
        try {
            permissions.createDirectories(dir);
            permissions.lockDown(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the WAL folder " + dir + ": " + e.getMessage(), e);
        }
    }

    /** One segment file on disk. */
    public record WalFile(Path path, WalSegment segment, long size, Instant modifiedAt, boolean preGap) {
        public String name() {
            return path.getFileName().toString();
        }
    }

    /** What the folder holds: segments (oldest first), history files by timeline, the segment size they were read with. */
    public record Listing(long segmentSize, List<WalFile> segments, Map<Integer, TimelineHistory> histories, List<String> problems) {
        public long bytes() {
            return segments.stream().mapToLong(WalFile::size).sum();
        }
    }

    /** Everything on disk, read with the segment size the receiver recorded (else the files' own). */
    public Listing list() {
        long segmentSize = segmentSize();
        List<WalFile> segments = new ArrayList<>();
        Map<Integer, TimelineHistory> histories = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        for (Path folder : List.of(dir, preGapDir())) {
            if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
                for (Path entry : entries) {
                    String name = entry.getFileName().toString();
                    Optional<WalSegment> segment = WalSegment.parse(name, segmentSize);
                    if (segment.isPresent()) {
                        BasicFileAttributes attrs = Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                        if (attrs.isRegularFile()) {
                            segments.add(new WalFile(entry, segment.get(), attrs.size(), attrs.lastModifiedTime().toInstant(),
                                    folder != dir));
                        }
                        continue;
                    }
                    Optional<Integer> timeline = WalSegment.historyTimeline(name);
                    if (timeline.isPresent()) {
                        try {
                            histories.put(timeline.get(), TimelineHistory.parse(timeline.get(), Files.readString(entry)));
                        } catch (IOException | RuntimeException e) {
                            problems.add("history file " + entry + " cannot be read: " + e.getMessage());
                        }
                    }
                }
            } catch (NoSuchFileException gone) {
                // removed while listing: nothing there
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list the WAL folder " + folder + ": " + e.getMessage(), e);
            }
        }
        segments.sort(Comparator.comparing(WalFile::segment).thenComparing(WalFile::preGap));
        return new Listing(segmentSize, List.copyOf(segments), histories, List.copyOf(problems));
    }

    /** The segment size: as the receiver recorded it from the server, else that of a complete segment, else 16 MB. */
    public long segmentSize() {
        Optional<Long> recorded = readState().map(WalReceiverStatus::segmentSize);
        if (recorded.isPresent()) {
            return recorded.get();
        }
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "[0-9A-F]*")) {
                for (Path entry : entries) {
                    String name = entry.getFileName().toString();
                    if (name.length() == 24 && Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS)) {
                        long size = Files.size(entry);
                        if (Long.bitCount(size) == 1 && size >= 1024 * 1024) {
                            return size;
                        }
                    }
                }
            } catch (IOException e) {
                log.debug("cannot read the segment size from {}: {}", dir, e.toString());
            }
        }
        return WalSegment.DEFAULT_SIZE;
    }

    /** The receiver's last recorded state, if it ever ran here. */
    public Optional<WalReceiverStatus> readState() {
        Path file = dir.resolve(STATE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(file.toFile(), WalReceiverStatus.class));
        } catch (IOException e) {
            log.warn("Ignoring the unreadable WAL receiver state {}: {}", file, e.getMessage());
            return Optional.empty();
        }
    }

    /** Replaces the state atomically; not forced: a state lost in a crash only makes the window end earlier. */
    public void writeState(WalReceiverStatus status) {
        Path file = dir.resolve(STATE);
        Path tmp = dir.resolve(STATE + ".tmp");
        try {
            permissions.createFile(tmp);
            Files.write(tmp, JSON.writeValueAsBytes(status), StandardOpenOption.TRUNCATE_EXISTING);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the WAL receiver state " + file + ": " + e.getMessage(), e);
        }
    }

    /** Adds receipts: for each segment name, the latest instant whose commits all lie in it or before. */
    public void appendReceipts(Map<String, Instant> receipts) {
        if (receipts.isEmpty()) {
            return;
        }
        Path file = dir.resolve(RECEIPTS);
        try {
            if (!Files.exists(file)) {
                permissions.createFile(file);
            }
            try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND)) {
                for (Map.Entry<String, Instant> receipt : receipts.entrySet()) {
                    out.write(receipt.getKey() + " " + receipt.getValue() + "\n");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the WAL receipts " + file + ": " + e.getMessage(), e);
        }
    }

    /** The receipts by segment name (a later line for the same segment wins: it is never earlier). */
    public Map<String, Instant> readReceipts() {
        Path file = dir.resolve(RECEIPTS);
        Map<String, Instant> receipts = new HashMap<>();
        if (!Files.isRegularFile(file)) {
            return receipts;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String[] fields = line.strip().split(" ");
                if (fields.length == 2) {
                    try {
                        receipts.merge(fields[0], Instant.parse(fields[1]), (a, b) -> a.isAfter(b) ? a : b);
                    } catch (DateTimeParseException torn) {
                        // the last line of a crash: that segment has no receipt
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the WAL receipts " + file + ": " + e.getMessage(), e);
        }
        return receipts;
    }

    /** Keeps only the receipts of segments still on disk (after retention removed older ones). */
    public void pruneReceipts(Collection<String> keep) {
        Map<String, Instant> receipts = readReceipts();
        receipts.keySet().retainAll(keep);
        Path file = dir.resolve(RECEIPTS);
        Path tmp = dir.resolve(RECEIPTS + ".tmp");
        try {
            permissions.createFile(tmp);
            StringBuilder text = new StringBuilder();
            new TreeMap<>(receipts).forEach((name, at) -> text.append(name).append(' ').append(at).append('\n'));
            Files.writeString(tmp, text, StandardOpenOption.TRUNCATE_EXISTING);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rewrite the WAL receipts " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Moves every segment of the live folder into {@code pre-gap/} (after the server dropped WAL the
     * slot had kept, pg_receivewal must start afresh from the slot); returns how many.
     */
    public int moveBeforeGap() {
        int moved = 0;
        try {
            permissions.createDirectories(preGapDir());
            for (WalFile file : list().segments()) {
                if (!file.preGap()) {
                    Files.move(file.path(), preGapDir().resolve(file.name()), StandardCopyOption.ATOMIC_MOVE);
                    moved++;
                }
            }
            Durable.syncDirectory(preGapDir());
            Durable.syncDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move the WAL before the gap into " + preGapDir() + ": " + e.getMessage(), e);
        }
        return moved;
    }

    /** Deletes segment files (retention decided them); returns the bytes freed. History files are never deleted. */
    public long delete(List<WalFile> files) {
        long freed = 0;
        for (WalFile file : files) {
            Path normal = file.path().toAbsolutePath().normalize();
            Path parent = normal.getParent();
            if (!parent.equals(dir.toAbsolutePath().normalize()) && !parent.equals(preGapDir().toAbsolutePath().normalize())) {
                throw new IllegalStateException("refusing to delete " + file.path() + ": it is not in " + dir);
            }
            try {
                if (Files.deleteIfExists(normal)) {
                    freed += file.size();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete " + normal + ": " + e.getMessage(), e);
            }
        }
        return freed;
    }
}
