package com.llmbackup.uploads;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import com.llmbackup.catalog.Manifest.FileEntry;
import com.llmbackup.uploads.UnchangedFile.Difference;
import com.llmbackup.uploads.UnchangedFile.State;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The one "unchanged" rule of the snapshot and the restore, one case per rule. */
class UnchangedFileTests {

    private static final long MTIME = 1_700_000_000_123_456_789L;
    private static final long CTIME = 1_700_000_100_000_000_001L;
    /** The backup started a minute after the file last changed. */
    private static final Instant STARTED = Instant.ofEpochSecond(1_700_000_160L);

    private static final FileEntry RECORDED = new FileEntry("a/b.pdf", FileEntry.FILE, 42, MTIME, 0640, 1000, 1000, "u", "g",
            "ab", null, CTIME);
    private static final State SAME = new State(true, 42, MTIME, 0640, 1000, 1000, CTIME);

    static Stream<Arguments> snapshotRules() {
        return Stream.of(
                Arguments.of("everything equal", RECORDED, SAME, Difference.NONE),
                Arguments.of("not a regular file now", RECORDED, now(s -> new State(false, 42, MTIME, 0640, 1000, 1000, CTIME)), Difference.NOT_A_FILE),
                Arguments.of("recorded as a folder", entry(FileEntry.DIRECTORY, CTIME), SAME, Difference.NOT_A_FILE),
                Arguments.of("size differs", RECORDED, new State(true, 43, MTIME, 0640, 1000, 1000, CTIME), Difference.SIZE),
                Arguments.of("mtime differs by 1 ns", RECORDED, new State(true, 42, MTIME + 1, 0640, 1000, 1000, CTIME), Difference.MTIME),
                Arguments.of("mode differs", RECORDED, new State(true, 42, MTIME, 0644, 1000, 1000, CTIME), Difference.MODE),
                Arguments.of("owner differs", RECORDED, new State(true, 42, MTIME, 0640, 1001, 1000, CTIME), Difference.OWNER),
                Arguments.of("group differs", RECORDED, new State(true, 42, MTIME, 0640, 1000, 1001, CTIME), Difference.OWNER),
                Arguments.of("rewritten keeping size and mtime: ctime differs", RECORDED,
                        new State(true, 42, MTIME, 0640, 1000, 1000, CTIME + 4_000_000), Difference.CTIME),
                Arguments.of("manifest written before ctime was recorded", entry(FileEntry.FILE, null), SAME, Difference.CTIME_UNKNOWN));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("snapshotRules")
    void snapshotRuleWhenAttributeDiffersNamesIt(String rule, FileEntry recorded, State now, Difference expected) {
        assertThat(UnchangedFile.forSnapshot().compare(recorded, now)).isEqualTo(expected);
        assertThat(UnchangedFile.forSnapshot().unchanged(recorded, now)).isEqualTo(expected == Difference.NONE);
    }

    static Stream<Arguments> restoreRules() {
        return Stream.of(
                Arguments.of("everything equal, ctime before the backup", STARTED, false, true, RECORDED, SAME, Difference.NONE),
                Arguments.of("ctime differs from the recorded one", STARTED, false, true, RECORDED,
                        new State(true, 42, MTIME, 0640, 1000, 1000, CTIME + 1), Difference.CTIME),
                Arguments.of("no ctime recorded (tar header), ctime before the backup", STARTED, true, true,
                        entry(FileEntry.FILE, null), SAME, Difference.NONE),
                Arguments.of("no ctime recorded, changed after the backup started", STARTED, true, true, entry(FileEntry.FILE, null),
                        new State(true, 42, MTIME, 0640, 1000, 1000, STARTED.getEpochSecond() * 1_000_000_000L + 5), Difference.CHANGED_SINCE_BACKUP),
                Arguments.of("changed within the second before the backup started (coarse clock)", STARTED, true, true,
                        entry(FileEntry.FILE, null),
                        new State(true, 42, MTIME, 0640, 1000, 1000, STARTED.getEpochSecond() * 1_000_000_000L - 500_000_000L),
                        Difference.CHANGED_SINCE_BACKUP),
                Arguments.of("a legacy set: no backup start known", null, false, true, RECORDED, SAME, Difference.CTIME_UNKNOWN),
                Arguments.of("archive times: mtime equal to the microsecond", STARTED, true, true, entry(FileEntry.FILE, null),
                        new State(true, 42, MTIME - 789 + 999, 0640, 1000, 1000, CTIME), Difference.NONE),
                Arguments.of("archive times: mtime differs by a microsecond", STARTED, true, true, entry(FileEntry.FILE, null),
                        new State(true, 42, MTIME + 1000, 0640, 1000, 1000, CTIME), Difference.MTIME),
                Arguments.of("owner not compared when the restore cannot set it", STARTED, false, false, RECORDED,
                        new State(true, 42, MTIME, 0640, 0, 0, CTIME), Difference.NONE),
                Arguments.of("owner compared as root", STARTED, false, true, RECORDED,
                        new State(true, 42, MTIME, 0640, 0, 0, CTIME), Difference.OWNER));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("restoreRules")
    void restoreRuleWhenFileDiffersNamesIt(String rule, Instant started, boolean archiveTimes, boolean owner, FileEntry recorded,
                                           State now, Difference expected) {
        assertThat(UnchangedFile.forRestore(started, archiveTimes, owner).compare(recorded, now)).isEqualTo(expected);
    }

    private static FileEntry entry(String type, Long ctime) {
        return new FileEntry("a/b.pdf", type, 42, MTIME, 0640, 1000, 1000, "u", "g", "ab", null, ctime);
    }

    private static State now(UnaryOperator<State> change) {
        return change.apply(SAME);
    }
}
