package com.llmbackup.wal;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One WAL segment file as PostgreSQL names it: timeline, then the segment number split in two
 * 32-bit halves ({@code 000000010000000A0000003F}), {@code .partial} while pg_receivewal still
 * writes it (or when a timeline switch cut it short). The number depends on the server's
 * segment size ({@code wal_segment_size}, 16 MB unless initdb was told otherwise).
 */
public record WalSegment(int timeline, long number, boolean partial) implements Comparable<WalSegment> {

    public static final long DEFAULT_SIZE = 16L * 1024 * 1024;
    private static final Pattern NAME = Pattern.compile("([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})(\\.partial)?");
    private static final Pattern HISTORY = Pattern.compile("([0-9A-F]{8})\\.history");

    /** The segment a file name stands for; empty for any other name (history files, our own files). */
    public static Optional<WalSegment> parse(String fileName, long segmentSize) {
        Matcher m = NAME.matcher(fileName);
        if (!m.matches()) {
            return Optional.empty();
        }
        long perId = perId(segmentSize);
        long low = Long.parseLong(m.group(3), 16);
        if (low >= perId) {
            return Optional.empty(); // not a name this segment size produces
        }
        int timeline = (int) Long.parseLong(m.group(1), 16);
        return Optional.of(new WalSegment(timeline, Long.parseLong(m.group(2), 16) * perId + low, m.group(4) != null));
    }

    /** The timeline a history file ({@code 00000002.history}) describes; empty for any other name. */
    public static Optional<Integer> historyTimeline(String fileName) {
        Matcher m = HISTORY.matcher(fileName);
        return m.matches() ? Optional.of((int) Long.parseLong(m.group(1), 16)) : Optional.empty();
    }

    public static String historyFileName(int timeline) {
        return String.format(Locale.ROOT, "%08X.history", timeline);
    }

    /** The complete segment's file name (without {@code .partial}). */
    public String name(long segmentSize) {
        long perId = perId(segmentSize);
        return String.format(Locale.ROOT, "%08X%08X%08X", timeline, number / perId, number % perId);
    }

    public String fileName(long segmentSize) {
        return name(segmentSize) + (partial ? ".partial" : "");
    }

    public Lsn start(long segmentSize) {
        return Lsn.startOf(number, segmentSize);
    }

    public Lsn end(long segmentSize) {
        return Lsn.startOf(number + 1, segmentSize);
    }

    private static long perId(long segmentSize) {
        return 0x100000000L / segmentSize;
    }

    @Override
    public int compareTo(WalSegment other) {
        int byNumber = Long.compare(number, other.number);
        return byNumber != 0 ? byNumber : Integer.compare(timeline, other.timeline);
    }
}
