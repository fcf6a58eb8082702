package com.llmbackup.pitr;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the replaying server's log says (its messages in English: {@code lc_messages = 'C'}):
 * each segment restored (the progress), where it stopped before the target (the first
 * transaction after it), that the WAL ended before the target, where redo ended and where the
 * WAL could not be read further.
 */
final class ReplayLog implements Consumer<String> {

    private static final Pattern RESTORED = Pattern.compile("restored log file \"([0-9A-F]{24})\" from archive");
    private static final Pattern STOPPING = Pattern.compile("recovery stopping before (commit|abort) of transaction (\\d+), time (.+)$");
    private static final Pattern NOT_REACHED = Pattern.compile("recovery ended before configured recovery target was reached");
    private static final Pattern REDO_DONE = Pattern.compile("redo done at ([0-9A-F]+/[0-9A-F]+)");
    private static final Pattern BROKEN_AT = Pattern.compile("(invalid record length|incorrect resource manager data checksum|invalid resource manager ID"
            + "|record with incorrect prev-link|invalid record offset|record length .* too long|invalid contrecord length"
            + "|there is no contrecord flag|missing contrecord)[^\\n]* at ([0-9A-F]+/[0-9A-F]+)");
    private static final Pattern BROKEN_SEGMENT = Pattern.compile("(invalid magic number|invalid info bits|unexpected pageaddr"
            + "|unexpected timeline ID|out-of-sequence timeline ID)[^\\n]* in (?:log|WAL) segment ([0-9A-F]{24})");
    private static final DateTimeFormatter PG_TIME = new DateTimeFormatterBuilder().appendPattern("yyyy-MM-dd HH:mm:ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
            .appendOffset("+HH:mm", "Z").toFormatter();

    private final Consumer<String> restored;
    private volatile String lastRestored;
    private volatile Long stoppedBeforeXid;
    private volatile Instant stoppedBeforeTime;
    private volatile boolean stoppedBeforeCommit;
    private volatile boolean targetNotReached;
    private volatile String redoDoneAt;
    private volatile String brokenAt;
    private volatile String brokenSegment;
    private volatile String brokenWhy;

    /** {@code restored} gets the name of each segment the server restored. */
    ReplayLog(Consumer<String> restored) {
        this.restored = restored;
    }

    @Override
    public void accept(String line) {
        Matcher m = RESTORED.matcher(line);
        if (m.find()) {
            lastRestored = m.group(1);
            restored.accept(m.group(1));
            return;
        }
        m = STOPPING.matcher(line);
        if (m.find()) {
            stoppedBeforeCommit = m.group(1).equals("commit");
            stoppedBeforeXid = Long.parseLong(m.group(2));
            stoppedBeforeTime = parseTime(m.group(3).strip());
            return;
        }
        if (NOT_REACHED.matcher(line).find()) {
            targetNotReached = true;
            return;
        }
        m = REDO_DONE.matcher(line);
        if (m.find()) {
            redoDoneAt = m.group(1);
            return;
        }
        m = BROKEN_SEGMENT.matcher(line);
        if (m.find()) {
            brokenSegment = m.group(2);
            brokenWhy = line.strip();
            return;
        }
        m = BROKEN_AT.matcher(line);
        if (m.find()) {
            brokenAt = m.group(2);
            brokenWhy = line.strip();
        }
    }

    static Instant parseTime(String text) {
        try {
            return OffsetDateTime.parse(text, PG_TIME).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    String lastRestored() {
        return lastRestored;
    }

    Long stoppedBeforeXid() {
        return stoppedBeforeXid;
    }

    Instant stoppedBeforeTime() {
        return stoppedBeforeTime;
    }

    boolean stoppedBeforeCommit() {
        return stoppedBeforeCommit;
    }

    boolean targetNotReached() {
        return targetNotReached;
    }

    String redoDoneAt() {
        return redoDoneAt;
    }

    /** Where reading the WAL stopped: a position ({@code 0/5000148}), or null. */
    String brokenAt() {
        return brokenAt;
    }

    /** The segment a broken page was found in, when the log names it. */
    String brokenSegment() {
        return brokenSegment;
    }

    String brokenWhy() {
        return brokenWhy;
    }
}
