package com.llmbackup.wal;

import java.util.Locale;

/**
 * A position in the write-ahead log as PostgreSQL prints it ({@code 16/B374D848}: the high and
 * low 32 bits in hex). Positions of one cluster compare as unsigned numbers; ours never reach
 * the sign bit (that is 8 exabytes of WAL).
 */
public record Lsn(long value) implements Comparable<Lsn> {

    public static final Lsn ZERO = new Lsn(0);

    public Lsn {
        if (value < 0) {
            throw new IllegalArgumentException("a WAL position beyond 7FFFFFFF/FFFFFFFF is not supported");
        }
    }

    public static Lsn parse(String text) {
        int slash = text == null ? -1 : text.indexOf('/');
        if (slash <= 0 || slash == text.length() - 1) {
            throw new IllegalArgumentException("not a WAL position (like 0/3000028): " + text);
        }
        try {
            long high = Long.parseLong(text.substring(0, slash), 16);
            long low = Long.parseLong(text.substring(slash + 1), 16);
            if (high > 0xFFFFFFFFL || low > 0xFFFFFFFFL) {
                throw new IllegalArgumentException("not a WAL position (like 0/3000028): " + text);
            }
            return new Lsn((high << 32) | low);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a WAL position (like 0/3000028): " + text, e);
        }
    }

    /** The number of the segment holding the byte at this position. */
    public long segment(long segmentSize) {
        return value / segmentSize;
    }

    /** The number of the segment holding the last byte before this position (a range's end is exclusive). */
    public long segmentBefore(long segmentSize) {
        return value == 0 ? 0 : (value - 1) / segmentSize;
    }

    public static Lsn startOf(long segment, long segmentSize) {
        return new Lsn(segment * segmentSize);
    }

    /** Bytes from {@code other} to this position (0 when this one is not after it). */
    public long bytesAfter(Lsn other) {
        return Math.max(0, value - other.value);
    }

    public boolean isAfter(Lsn other) {
        return value > other.value;
    }

    public static Lsn max(Lsn a, Lsn b) {
        return a.value >= b.value ? a : b;
    }

    @Override
    public int compareTo(Lsn other) {
        return Long.compare(value, other.value);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%X/%X", value >>> 32, value & 0xFFFFFFFFL);
    }
}
