package com.llmbackup.pitr;

/** What a replay reports as it goes: a line at each stage, and the WAL segments replayed of those on disk after the base backup. */
@FunctionalInterface
public interface ReplayProgress {

    void note(String line);

    default void segments(long replayed, long total, long segmentSize) {
    }
}
