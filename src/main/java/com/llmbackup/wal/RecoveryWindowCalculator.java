package com.llmbackup.wal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import com.llmbackup.catalog.Manifest;

/**
 * The recovery window from what is on disk, pure: the WAL segments and history files, the
 * receipts (for a segment, the latest instant whose commits all lie in it or before), where the
 * receiver's WAL ends (timeline, position, and the instant up to which everything was received),
 * and the base backups of the retained sets.
 *
 * <p>From a base backup starting at {@code S} on timeline {@code t}, a recovery needs every segment
 * from S's on, along the server's timeline history ({@code t} up to its switch point, then the next
 * timeline from the segment of the switch, ...) to the receiver's end. A base backup is usable when
 * its own WAL (to its end position) is there; it reaches to the receiver's end when nothing after is
 * missing, else to the receipt of the last segment before the first missing one (never later than
 * the commits that segment is known to hold). The window is the union of the usable backups'
 * ranges; what lies between them is a gap, with the reason of the break before it.
 */
public final class RecoveryWindowCalculator {

    private RecoveryWindowCalculator() {
    }

    /** A retained set's base backup: the set's label and the facts its manifest recorded. */
    public record BaseBackupRef(String label, Manifest.BaseBackup facts) {
    }

    public static RecoveryWindow compute(WalArchive.Listing listing, Map<String, Instant> receipts, WalReceiverStatus receiver,
                                         List<BaseBackupRef> baseBackups) {
        if (receiver == null || receiver.receivedLsn() == null || receiver.timeline() == null || receiver.lastReceivedAt() == null) {
            return new RecoveryWindow(null, null, List.of(), List.of(), receiver,
                    "No WAL has been received yet: the window opens once the receiver streams and a base backup is taken.");
        }
        if (baseBackups.isEmpty()) {
            return new RecoveryWindow(null, null, List.of(), List.of(), receiver,
                    "No base backup yet: the window opens with the next weekly backup, or one taken now (Take a base backup).");
        }
        Calculation calc = new Calculation(listing, receipts, receiver);
        List<RecoveryWindow.Start> starts = new ArrayList<>();
        List<String> unusable = new ArrayList<>();
        for (BaseBackupRef ref : baseBackups) {
            calc.start(ref).ifPresentOrElse(starts::add, () -> unusable.add(ref.label() + ": " + calc.lastRefusal));
        }
        if (starts.isEmpty()) {
            return new RecoveryWindow(null, null, List.of(), List.of(), receiver,
                    "No base backup has its WAL on disk: " + String.join("; ", unusable) + ".");
        }
        starts.sort(Comparator.comparing(RecoveryWindow.Start::consistentAt));
        Instant to = receiver.lastReceivedAt();
        List<RecoveryWindow.Gap> gaps = new ArrayList<>();
        Instant from = starts.get(0).consistentAt();
        Instant reached = starts.get(0).reachesTo();
        String brokenBy = starts.get(0).brokenBy();
        for (RecoveryWindow.Start next : starts.subList(1, starts.size())) {
            if (next.consistentAt().isAfter(reached)) {
                gaps.add(new RecoveryWindow.Gap(reached, next.consistentAt(), brokenBy));
            }
            if (next.reachesTo().isAfter(reached)) {
                reached = next.reachesTo();
                brokenBy = next.brokenBy();
            }
        }
        if (reached.isBefore(to)) {
            gaps.add(new RecoveryWindow.Gap(reached, to, brokenBy
                    + " No base backup follows it: take one (weekly, or Take a base backup now) to recover to later times."));
        }
        String note = unusable.isEmpty() ? null : "Not usable: " + String.join("; ", unusable) + ".";
        return new RecoveryWindow(from, to, gaps, starts, receiver, note);
    }

    /** One evaluation: the segments on disk by timeline and number, the server's timeline path. */
    private static final class Calculation {
        private final long segmentSize;
        private final Set<String> complete = new HashSet<>();
        private final Set<String> partial = new HashSet<>();
        /** Segment files shorter than a segment, by name: their size. */
        private final Map<String, Long> truncated = new HashMap<>();
        private final Map<String, Instant> receipts;
        private final WalReceiverStatus receiver;
        private final int endTimeline;
        private final Lsn end;
        private final List<TimelineHistory.Span> path;
        private final boolean historyMissing;
        private final Map<Integer, TimelineHistory> histories;
        private String lastRefusal;

        Calculation(WalArchive.Listing listing, Map<String, Instant> receipts, WalReceiverStatus receiver) {
            this.segmentSize = listing.segmentSize();
            for (WalArchive.WalFile file : listing.segments()) {
                String name = file.segment().name(segmentSize);
                if (file.size() != segmentSize) {
                    // pg_receivewal writes every segment, the one being written too, at its full size: a
                    // shorter file lost its end (a crash of the disk, a copy cut short) and is no continuity
                    truncated.put(name, file.size());
                    continue;
                }
                (file.segment().partial() ? partial : complete).add(name);
            }
            this.receipts = new HashMap<>(receipts);
            this.receiver = receiver;
            this.endTimeline = receiver.timeline();
            this.end = receiver.received();
            this.histories = listing.histories();
            TimelineHistory history = histories.get(endTimeline);
            if (endTimeline == 1) {
                path = List.of(new TimelineHistory.Span(1, Lsn.ZERO, Optional.empty()));
                historyMissing = false;
            } else if (history != null) {
                path = history.spans();
                historyMissing = false;
            } else {
                path = List.of(new TimelineHistory.Span(endTimeline, Lsn.ZERO, Optional.empty()));
                historyMissing = true;
            }
        }

        Optional<RecoveryWindow.Start> start(BaseBackupRef ref) {
            Manifest.BaseBackup b = ref.facts();
            if (b.walSegmentSize() != 0 && b.walSegmentSize() != segmentSize) {
                return refuse("its WAL segments are " + b.walSegmentSize() + " bytes, the WAL on disk " + segmentSize);
            }
            if (b.systemIdentifier() != null && receiver.systemIdentifier() != null
                    && !b.systemIdentifier().equals(receiver.systemIdentifier())) {
                return refuse("it is of database cluster " + b.systemIdentifier() + ", the WAL of " + receiver.systemIdentifier());
            }
            Lsn start = Lsn.parse(b.startLsn());
            Lsn consistent = Lsn.parse(b.endLsn());
            if (consistent.isAfter(end)) {
                return refuse("its WAL (to " + consistent + ") has not been received yet (the receiver is at " + end + ")");
            }
            List<TimelineHistory.Span> spans = spansFrom(b.timeline(), start);
            String pathBreak = null;
            if (spans.isEmpty()) {
                if (!historyMissing || b.timeline() > endTimeline) {
                    return refuse("it is on timeline " + b.timeline() + ", which the server's timeline " + endTimeline + " does not descend from");
                }
                // no history: its own timeline can be followed as far as its segments go
                spans = List.of(new TimelineHistory.Span(b.timeline(), start, Optional.empty()));
                pathBreak = "Timeline " + endTimeline + " has no history file (" + WalSegment.historyFileName(endTimeline)
                        + ") in the WAL folder: WAL after the switch from timeline " + b.timeline() + " cannot be followed.";
            }
            List<WalSegment> needed = needed(spans, start);
            long consistentSegment = consistent.segmentBefore(segmentSize);
            Instant reach = b.consistentAt();
            for (int i = 0; i < needed.size(); i++) {
                WalSegment segment = needed.get(i);
                boolean last = i == needed.size() - 1 && pathBreak == null;
                if (!present(segment, last)) {
                    if (segment.number() <= consistentSegment) {
                        return refuse("its WAL segment " + segment.name(segmentSize)
                                + (truncated.containsKey(segment.name(segmentSize)) ? " is truncated" : " is not on disk"));
                    }
                    return Optional.of(new RecoveryWindow.Start(ref.label(), b.timeline(), b.startLsn(), b.endLsn(), b.consistentAt(),
                            reach, missing(needed, i)));
                }
                Instant receipt = receipts.get(segment.name(segmentSize));
                if (receipt != null && receipt.isAfter(reach)) {
                    reach = receipt;
                }
            }
            if (pathBreak != null) {
                return Optional.of(new RecoveryWindow.Start(ref.label(), b.timeline(), b.startLsn(), b.endLsn(), b.consistentAt(),
                        min(reach, receiver.lastReceivedAt()), pathBreak));
            }
            return Optional.of(new RecoveryWindow.Start(ref.label(), b.timeline(), b.startLsn(), b.endLsn(), b.consistentAt(),
                    receiver.lastReceivedAt().isBefore(b.consistentAt()) ? b.consistentAt() : receiver.lastReceivedAt(), null));
        }

        /** The spans of the server's path from the base backup's timeline on (empty: it is not on the path). */
        private List<TimelineHistory.Span> spansFrom(int timeline, Lsn start) {
            for (int i = 0; i < path.size(); i++) {
                TimelineHistory.Span span = path.get(i);
                if (span.timeline() == timeline && (span.contains(start) || historyMissing)) {
                    return path.subList(i, path.size());
                }
            }
            return List.of();
        }

        /**
         * The segments a recovery from {@code start} reads, in order: on each timeline up to the
         * segment before the one its switch lies in (that one is read from the next timeline), on the
         * last up to the receiver's end (or, without a known end, as far as the files go).
         */
        private List<WalSegment> needed(List<TimelineHistory.Span> spans, Lsn start) {
            List<WalSegment> needed = new ArrayList<>();
            for (int i = 0; i < spans.size(); i++) {
                TimelineHistory.Span span = spans.get(i);
                long from = (i == 0 ? start : span.begin()).segment(segmentSize);
                long to;
                if (span.end().isPresent()) {
                    to = span.end().get().segment(segmentSize) - 1;
                } else if (span.timeline() == endTimeline) {
                    to = Math.max(from, end.segmentBefore(segmentSize));
                } else {
                    to = lastOnDisk(span.timeline(), from);
                }
                for (long n = from; n <= to; n++) {
                    needed.add(new WalSegment(span.timeline(), n, false));
                }
            }
            return needed;
        }

        private long lastOnDisk(int timeline, long from) {
            long n = from;
            while (present(new WalSegment(timeline, n + 1, false), false)) {
                n++;
            }
            return n;
        }

        private boolean present(WalSegment segment, boolean last) {
            String name = segment.name(segmentSize);
            return complete.contains(name) || (last && partial.contains(name));
        }

        /** "WAL segments X to Y are missing (...)", the run of missing segments starting at {@code i}. */
        private String missing(List<WalSegment> needed, int i) {
            int j = i;
            while (j + 1 < needed.size() && !present(needed.get(j + 1), j + 1 == needed.size() - 1)) {
                j++;
            }
            String first = needed.get(i).name(segmentSize);
            Long size = truncated.get(first);
            if (size != null) {
                return "WAL segment " + first + " is truncated (" + size + " of " + segmentSize + " bytes on disk): the WAL after its "
                        + "end cannot be replayed.";
            }
            String range = i == j ? "WAL segment " + first + " is missing" : "WAL segments " + first + " to "
                    + needed.get(j).name(segmentSize) + " are missing";
            return range + " (the receiver was down longer than the server kept WAL for the slot, or the files were removed).";
        }

        private Optional<RecoveryWindow.Start> refuse(String why) {
            lastRefusal = why;
            return Optional.empty();
        }

        private static Instant min(Instant a, Instant b) {
            return Objects.requireNonNull(a).isBefore(b) ? a : b;
        }
    }
}
