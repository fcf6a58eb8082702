package com.llmbackup.exec;

import java.time.Duration;

/** What a finished program left: its exit code, what it printed and how long it ran. */
public record CommandResult(int exitCode, String stdout, String stderr, Duration duration) {
}
