package com.llmbackup.wal;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A timeline's history file ({@code 00000003.history}): the timelines before it and where each
 * ended ({@code 1<TAB>0/3000158<TAB>before 2025-11-30 15:01:59+00}). Without it, WAL of the new
 * timeline cannot be followed from a base backup taken on an older one.
 */
public record TimelineHistory(int timeline, List<Switch> switches) {

    /** Timeline {@code parent} ended at {@code end} (exclusive) and the next one began there. */
    public record Switch(int parent, Lsn end) {
    }

    public TimelineHistory {
        switches = List.copyOf(switches);
    }

    public static TimelineHistory parse(int timeline, String content) {
        List<Switch> switches = new ArrayList<>();
        for (String raw : content.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split("\\s+", 3);
            if (fields.length < 2) {
                throw new IllegalArgumentException("history of timeline " + timeline + " has an unreadable line: " + line);
            }
            switches.add(new Switch(Integer.parseInt(fields[0]), Lsn.parse(fields[1])));
        }
        return new TimelineHistory(timeline, switches);
    }

    /**
     * The LSN range of each timeline from the first to this one: {@code [begin, end)}, the last
     * open-ended ({@code end} empty).
     */
    public List<Span> spans() {
        List<Span> spans = new ArrayList<>();
        Lsn begin = Lsn.ZERO;
        for (Switch s : switches) {
            spans.add(new Span(s.parent(), begin, Optional.of(s.end())));
            begin = s.end();
        }
        spans.add(new Span(timeline, begin, Optional.empty()));
        return spans;
    }

    /** One timeline's part of the history: from {@code begin} to {@code end} (exclusive; empty: still going). */
    public record Span(int timeline, Lsn begin, Optional<Lsn> end) {
        public boolean contains(Lsn lsn) {
            return lsn.compareTo(begin) >= 0 && end.map(e -> lsn.compareTo(e) < 0).orElse(true);
        }
    }
}
