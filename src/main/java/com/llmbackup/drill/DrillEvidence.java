package com.llmbackup.drill;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * The evidence of one drilled set, kept as JSON beside its history row ({@code drill_evidence})
 * and served by {@code /api/backups/drills/{runId}}: what was checked, with what result, how long
 * the restore took (the RTO this set gives), how old the set was (the RPO it gives), where it was
 * restored and whether that scratch was removed. {@code verdict}: PASSED or FAILED, written when the
 * checks end (the history row ends after the scratch is removed);
 * {@code reason}: the first failed check's finding (null when passed), in {@code backup.language};
 * {@code reasonKey} and {@code reasonArgs}: the same as a text, which the run's message is written from
 * (null in evidence written before).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DrillEvidence(long runId, String processInstanceId, String setKind, String setId, String set, String verdict,
                            String reason, Instant startedAt, Instant endedAt, Instant setCompletedAt, Long setAgeSeconds,
                            Long restoreMillis, String scratchDatabase, String scratchFolder, boolean scratchRemoved,
                            List<Check> checks, String reasonKey, String reasonArgs) {

    public static final String PASSED = "PASSED";
    public static final String FAILED = "FAILED";

    /** One check: {@code artifacts}, {@code pg_restore}, {@code row-counts}, {@code uploads}, {@code files-query}, {@code timeout}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Check(String name, boolean passed, String detail, List<String> problems) {
    }

    public boolean passed() {
        return PASSED.equals(verdict);
    }

    DrillEvidence withScratchRemoved() {
        return new DrillEvidence(runId, processInstanceId, setKind, setId, set, verdict, reason, startedAt, endedAt, setCompletedAt,
                setAgeSeconds, restoreMillis, scratchDatabase, scratchFolder, true, checks,
                reasonKey, reasonArgs);
    }
}
