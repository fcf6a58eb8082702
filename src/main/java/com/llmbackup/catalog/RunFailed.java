package com.llmbackup.catalog;

/** A run (backup, cleanup, restore, drill) was recorded as FAILED; its history row as committed. */
public record RunFailed(HistoryEntry run) {
}
