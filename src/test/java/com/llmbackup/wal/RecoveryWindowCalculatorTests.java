package com.llmbackup.wal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.llmbackup.catalog.Manifest;
import com.llmbackup.wal.RecoveryWindowCalculator.BaseBackupRef;
import org.junit.jupiter.api.Test;

/** The window from segments, history files, receipts, the receiver's end and the base backups; no disk. */
class RecoveryWindowCalculatorTests {

    private static final long SIZE = 16L * 1024 * 1024;
    private static final Instant T0 = Instant.parse("2025-11-30T02:00:00Z");

    private final List<WalArchive.WalFile> files = new ArrayList<>();
    private final Map<Integer, TimelineHistory> histories = new HashMap<>();
    private final Map<String, Instant> receipts = new HashMap<>();

    private static Instant at(int minutes) {
        return T0.plusSeconds(60L * minutes);
    }

    private void segments(int timeline, int... numbers) {
        for (int n : numbers) {
            files.add(file(new WalSegment(timeline, n, false)));
        }
    }

    private void partial(int timeline, int number) {
        files.add(file(new WalSegment(timeline, number, true)));
    }

    private static WalArchive.WalFile file(WalSegment segment) {
        return new WalArchive.WalFile(Path.of("/backup/wal", segment.fileName(SIZE)), segment, SIZE, T0, false);
    }

    private void receipt(int timeline, int number, Instant at) {
        receipts.put(new WalSegment(timeline, number, false).name(SIZE), at);
    }

    private static BaseBackupRef base(String label, int timeline, String start, String end, Instant consistentAt) {
        return new BaseBackupRef(label, new Manifest.BaseBackup("base.tar.gz", "base.backup_manifest", timeline, start, end,
                consistentAt.minusSeconds(30), consistentAt, "7301", SIZE));
    }

    private static WalReceiverStatus receiver(int timeline, String lsn, Instant lastReceivedAt) {
        return new WalReceiverStatus(WalReceiverStatus.State.STREAMING, null, "node", "llm_backup", timeline, lsn, lsn, 0L, 0.0,
                lastReceivedAt, lastReceivedAt, 0L, "7301", SIZE, lastReceivedAt, true, null);
    }

    private RecoveryWindow window(WalReceiverStatus receiver, BaseBackupRef... bases) {
        return RecoveryWindowCalculator.compute(new WalArchive.Listing(SIZE, files, histories, List.of()), receipts, receiver, List.of(bases));
    }

    @Test
    void windowRunsFromBaseBackupToLastReceivedWhenWalIsUnbroken() {
        segments(1, 2, 3, 4);
        partial(1, 5);

        RecoveryWindow w = window(receiver(1, "0/5000100", at(90)), base("weekly/20251130", 1, "0/2000028", "0/2000138", at(1)));

        assertThat(w.from()).isEqualTo(at(1));
        assertThat(w.to()).isEqualTo(at(90));
        assertThat(w.gaps()).isEmpty();
        assertThat(w.covers(at(45))).isTrue();
        assertThat(w.covers(at(0))).isFalse();
        assertThat(w.startFor(at(45))).map(RecoveryWindow.Start::label).contains("weekly/20251130");
    }

    @Test
    void windowStartsAtOldestBaseBackupWhenSeveralHaveTheirWal() {
        segments(1, 2, 3, 4, 5, 6);
        partial(1, 7);

        RecoveryWindow w = window(receiver(1, "0/7000100", at(600)), base("weekly/20251123", 1, "0/2000028", "0/2000138", at(1)),
                base("weekly/20251130", 1, "0/5000028", "0/5000138", at(300)));

        assertThat(w.from()).isEqualTo(at(1));
        assertThat(w.gaps()).isEmpty();
        assertThat(w.startFor(at(400))).map(RecoveryWindow.Start::label).contains("weekly/20251130");
        assertThat(w.startFor(at(200))).map(RecoveryWindow.Start::label).contains("weekly/20251123");
    }

    @Test
    void gapLiesBetweenLastReceiptAndNextBaseBackupWhenSegmentsAreMissing() {
        segments(1, 2, 3, 7, 8);
        partial(1, 9);
        receipt(1, 2, at(10));
        receipt(1, 3, at(20));

        RecoveryWindow w = window(receiver(1, "0/9000100", at(500)), base("weekly/20251123", 1, "0/2000028", "0/2000138", at(1)),
                base("weekly/20251130", 1, "0/7000028", "0/7000138", at(400)));

        assertThat(w.from()).isEqualTo(at(1));
        assertThat(w.to()).isEqualTo(at(500));
        assertThat(w.gaps()).singleElement().satisfies(g -> {
            assertThat(g.from()).isEqualTo(at(20));
            assertThat(g.to()).isEqualTo(at(400));
            assertThat(g.reason()).startsWith("WAL segments 000000010000000000000004 to 000000010000000000000006 are missing")
                    .contains("longer than the server kept WAL for the slot");
        });
        assertThat(w.covers(at(15))).isTrue();
        assertThat(w.covers(at(100))).isFalse();
        assertThat(w.covers(at(450))).isTrue();
    }

    @Test
    void gapStartsAtConsistentPointWhenNoReceiptSaysMore() {
        segments(1, 2, 3, 5);
        partial(1, 6);

        RecoveryWindow w = window(receiver(1, "0/6000100", at(500)), base("weekly/20251123", 1, "0/2000028", "0/2000138", at(1)));

        // nothing says which commits segment 3 holds: only the base backup's own instant is sure
        assertThat(w.gaps()).singleElement().satisfies(g -> {
            assertThat(g.from()).isEqualTo(at(1));
            assertThat(g.to()).isEqualTo(at(500));
            assertThat(g.reason()).contains("WAL segment 000000010000000000000004 is missing").contains("No base backup follows it");
        });
    }

    @Test
    void windowEndIsNotCoveredWhenAGapReachesIt() {
        segments(1, 2, 3, 5, 6, 7);
        partial(1, 8);
        receipt(1, 2, at(10));

        RecoveryWindow w = window(receiver(1, "0/8000100", at(500)), base("weekly/20251123", 1, "0/2000028", "0/2000138", at(1)),
                base("weekly/20251130", 1, "0/5000028", "0/5000138", at(400)));

        // a recovery "to the latest" asks for the window's end: with no base backup after the gap that ends there, it cannot be reached
        assertThat(w.covers(at(10))).isTrue();
        assertThat(w.covers(at(400))).as("the later base backup's consistent point").isTrue();
        RecoveryWindow broken = window(receiver(1, "0/8000100", at(500)), base("weekly/20251123", 1, "0/2000028", "0/2000138", at(1)));
        assertThat(broken.gaps()).singleElement().satisfies(g -> assertThat(g.to()).isEqualTo(broken.to()));
        assertThat(broken.covers(broken.to())).isFalse();
        assertThat(broken.startFor(broken.to())).isEmpty();
    }

    @Test
    void baseBackupIsUnusableWhenItsOwnWalIsMissing() {
        segments(1, 3, 4);
        partial(1, 5);

        RecoveryWindow w = window(receiver(1, "0/5000100", at(90)), base("weekly/20251130", 1, "0/2000028", "0/2000138", at(1)));

        assertThat(w.from()).isNull();
        assertThat(w.to()).isNull();
        assertThat(w.note()).contains("weekly/20251130: its WAL segment 000000010000000000000002 is not on disk");
    }

    @Test
    void baseBackupIsUnusableWhenItsWalWasNotReceivedYet() {
        segments(1, 2);

        RecoveryWindow w = window(receiver(1, "0/2000000", at(0)), base("weekly/20251130", 1, "0/2000028", "0/2000138", at(1)));

        assertThat(w.empty()).isTrue();
        assertThat(w.note()).contains("has not been received yet");
    }

    @Test
    void windowFollowsTimelineSwitchWhenHistoryFileIsThere() {
        segments(1, 2, 3);
        partial(1, 4);
        segments(2, 4, 5);
        partial(2, 6);
        histories.put(2, TimelineHistory.parse(2, "1\t0/4000100\tno recovery target specified\n"));

        RecoveryWindow w = window(receiver(2, "0/6000100", at(90)), base("weekly/20251130", 1, "0/2000028", "0/2000138", at(1)));

        assertThat(w.from()).isEqualTo(at(1));
        assertThat(w.to()).isEqualTo(at(90));
        assertThat(w.gaps()).isEmpty();
    }

    @Test
    void windowBreaksAtTimelineSwitchWhenHistoryFileIsMissing() {
        segments(1, 2, 3);
        partial(1, 4);
        segments(2, 4, 5);
        partial(2, 6);
        receipt(1, 3, at(30));

        RecoveryWindow w = window(receiver(2, "0/6000100", at(90)), base("weekly/20251130", 1, "0/2000028", "0/2000138", at(1)));

        assertThat(w.from()).isEqualTo(at(1));
        assertThat(w.gaps()).singleElement().satisfies(g -> {
            assertThat(g.from()).isEqualTo(at(30));
            assertThat(g.to()).isEqualTo(at(90));
            assertThat(g.reason()).contains("Timeline 2 has no history file (00000002.history)");
        });
    }

    @Test
    void baseBackupOfAnotherClusterIsNotUsed() {
        segments(1, 2);
        partial(1, 3);
        BaseBackupRef other = new BaseBackupRef("weekly/20251130", new Manifest.BaseBackup("b", "m", 1, "0/2000028", "0/2000138",
                at(0), at(1), "9999", SIZE));

        RecoveryWindow w = window(receiver(1, "0/3000100", at(90)), other);

        assertThat(w.empty()).isTrue();
        assertThat(w.note()).contains("database cluster 9999");
    }

    @Test
    void windowIsEmptyWithReasonWhenNoBaseBackupOrNoWalYet() {
        segments(1, 2);

        assertThat(window(receiver(1, "0/2000100", at(5))).note()).startsWith("No base backup yet");
        assertThat(window(null, base("weekly/20251130", 1, "0/2000028", "0/2000138", at(1))).note()).startsWith("No WAL has been received yet");
    }
}
