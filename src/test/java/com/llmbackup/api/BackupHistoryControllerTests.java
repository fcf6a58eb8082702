package com.llmbackup.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunObserver;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.config.Text;
import com.llmbackup.config.Texts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** One run as /api/backups serves it: field names, their order and values are the admin panel's contract. */
class BackupHistoryControllerTests {

    private static final Texts EN = Texts.of("en");

    private static final Instant STARTED = Instant.parse("2025-10-31T02:00:00Z");
    private static final Instant ENDED = Instant.parse("2025-10-31T02:01:30Z");

    @Test
    void runWhenEveryColumnIsSetServesEachUnderItsName() {
        HistoryEntry entry = new HistoryEntry(42, RunKind.RESTORE, "20251030", "pi-42", RunStatus.FAILED, STARTED, ENDED,
                "pg_restore failed", true, new HistoryEntry.Figures(1001L, 1002L, 1003L, 1004L, 2500L),
                new HistoryEntry.Progress(11L, 12L, 13L, 14L), new HistoryEntry.Request("alice", "bob", "daily/20251030", "d1\nd2"),
                new HistoryEntry.Problems("Task_RestoreData", "Task_StopServices", "w1\nw2"), new HistoryEntry.Offsite("snap-1", 999L, 12L, 19988L, null));

        Map<String, Object> offsite = new LinkedHashMap<>();
        offsite.put("snapshotId", "snap-1");
        offsite.put("bytesSent", 999L);
        offsite.put("filesRead", 12L);
        offsite.put("filesUnchanged", 19988L);
        Map<String, Object> progress = new LinkedHashMap<>();
        progress.put("filesDone", 11L);
        progress.put("filesTotal", 12L);
        progress.put("bytesDone", 13L);
        progress.put("bytesTotal", 14L);
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("runId", 42L);
        expected.put("kind", RunKind.RESTORE);
        expected.put("backupId", "20251030");
        expected.put("status", RunStatus.FAILED);
        expected.put("state", "FAILED");
        expected.put("stateDetail", null);
        expected.put("taskUrl", null);
        expected.put("processInstanceId", "pi-42");
        expected.put("cockpitUrl", null); // a failed run not in an incident: its instance ended, Cockpit shows nothing
        expected.put("detailUrl", "/admin/index.html#run=42");
        expected.put("startedAt", STARTED);
        expected.put("endedAt", ENDED);
        expected.put("durationSeconds", 90L);
        expected.put("bytes", 1001L);
        expected.put("fileCount", 1002L);
        expected.put("filesCopied", 1003L);
        expected.put("filesLinked", 1004L);
        expected.put("failedStep", "Task_RestoreData");
        expected.put("interruptedStep", "Task_StopServices");
        expected.put("message", "pg_restore failed");
        expected.put("warnings", List.of("w1", "w2"));
        expected.put("requestedBy", "alice");
        expected.put("approvedBy", "bob");
        expected.put("source", "daily/20251030");
        expected.put("details", List.of("d1", "d2"));
        expected.put("rtoSeconds", 2.5);
        expected.put("offsite", offsite);
        expected.put("progress", progress);

        assertThat(BackupHistoryController.run(entry, null, EN::render)).containsExactlyEntriesOf(expected);
    }

    @ParameterizedTest(name = "{0} {1}: Cockpit {2}")
    @CsvSource({
            "RUNNING, , true",
            "RUNNING, ABANDONED_GONE, false",
            "RUNNING, ABANDONED_LOCKED, true",
            "WAITING_FOR_OPERATOR, WAITING_FOR_OPERATOR, true",
            "FAILED, INCIDENT, true",
            "FAILED, , false",
            "COMPLETED, , false",
            "REJECTED, , false"})
    void cockpitUrlWhenTheInstanceRunsOnlyElseTheDetailAlone(RunStatus status, String observed, boolean cockpit) {
        HistoryEntry entry = HistoryEntry.of(7, RunKind.RESTORE, "20251030", "pi-7", status, STARTED, status.open() ? null : ENDED, null);
        RunObserver.Observed seen = observed == null ? null : switch (observed) {
            case "ABANDONED_GONE" -> new RunObserver.Observed(RunObserver.LiveState.ABANDONED, Text.of("run.abandoned.instanceGone"), null, false);
            case "ABANDONED_LOCKED" -> new RunObserver.Observed(RunObserver.LiveState.ABANDONED, Text.of("lock.stopped.ended", "node-1", 42), null, true);
            default -> new RunObserver.Observed(RunObserver.LiveState.valueOf(observed), Text.of("task.Task_ResolveFailedRestore"), null, true);
        };
        Map<String, Object> run = BackupHistoryController.run(entry, seen, EN::render);
        assertThat(run.get("cockpitUrl")).isEqualTo(cockpit ? "/camunda/app/cockpit/default/#/process-instance/pi-7" : null);
        assertThat(run.get("detailUrl")).isEqualTo("/admin/index.html#run=7");
    }
}
