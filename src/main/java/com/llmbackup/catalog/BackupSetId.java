package com.llmbackup.catalog;

import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A set's id: its date {@code YYYYMMDD}, and {@code _N} for the N-th set of the same kind
 * on the same day ({@code 20251031}, {@code 20251031_2}, ...).
 */
public record BackupSetId(LocalDate date, int sequence) implements Comparable<BackupSetId> {

    private static final Pattern FORMAT = Pattern.compile("(\\d{8})(?:_(\\d{1,4}))?");
    private static final DateTimeFormatter BASIC = DateTimeFormatter.BASIC_ISO_DATE;
    private static final Comparator<BackupSetId> ORDER =
            Comparator.comparing(BackupSetId::date).thenComparingInt(BackupSetId::sequence);

    public BackupSetId {
        if (sequence < 1) {
            throw new IllegalArgumentException("a set's sequence starts at 1");
        }
    }

    public static BackupSetId first(LocalDate date) {
        return new BackupSetId(date, 1);
    }

    /** Parses {@code YYYYMMDD} or {@code YYYYMMDD_N}; anything else is refused with the expected form. */
    public static BackupSetId parse(String value) {
        Matcher m = value == null ? null : FORMAT.matcher(value.trim());
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException("Backup id '" + value + "' is not of the form YYYYMMDD or YYYYMMDD_N, e.g. 20251031 or 20251031_2.");
        }
        LocalDate date;
        try {
            date = LocalDate.parse(m.group(1), BASIC.withResolverStyle(ResolverStyle.STRICT));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("Backup id '" + value + "' has no valid date (" + m.group(1) + " is not a day of the calendar).");
        }
        int sequence = m.group(2) == null ? 1 : Integer.parseInt(m.group(2));
        if (sequence < 2 && m.group(2) != null) {
            throw new IllegalArgumentException("Backup id '" + value + "': a second set of a day is _2, the first has no suffix.");
        }
        return new BackupSetId(date, sequence);
    }

    public BackupSetId next() {
        return new BackupSetId(date, sequence + 1);
    }

    @Override
    public int compareTo(BackupSetId other) {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString() {
        String day = date.format(BASIC);
        return sequence == 1 ? day : day + "_" + sequence;
    }
}
