package com.llmbackup.catalog;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The status of a history row, as stored and served ({@code "status": "COMPLETED"}). */
public enum RunStatus {
    RUNNING,
    COMPLETED,
    FAILED,
    /** A restore an operator rejected. */
    REJECTED,
    /** A restore the guard refused before anything changed. */
    REFUSED,
    /** A restore whose step failed: the services run again and Task_ResolveFailedRestore waits for an operator. */
    WAITING_FOR_OPERATOR;

    /** Not ended yet: running, or a restore waiting for an operator's decision. */
    public boolean open() {
        return this == RUNNING || this == WAITING_FOR_OPERATOR;
    }

    public static RunStatus fromName(String value) {
        try {
            return valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown status '" + value + "': use "
                    + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", ")) + ".", e);
        }
    }
}
