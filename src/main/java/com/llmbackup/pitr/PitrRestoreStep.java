package com.llmbackup.pitr;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

import com.llmbackup.catalog.BackupHistory;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.restore.RestoreRecorder;
import com.llmbackup.restore.RestoreRequest;
import org.springframework.stereotype.Service;

/**
 * RestoreProcess's {@code Task_ReplayToTime}: a restore asked with {@code restoreToTime} starts
 * its history row, replays the database to that time beside production into a {@code pitr} set
 * (progress on the row), and hands that set to the ordinary restore (guard, approval, safety
 * backup, swap, health, undo). A time the window cannot reach, or a replay that fails, is a
 * refusal: nothing was changed.
 */
@Service
public class PitrRestoreStep {

    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS z");

    private final PointInTimeReplay replay;
    private final RestoreRecorder recorder;
    private final BackupHistory history;
    private final ZoneId zone;

    public PitrRestoreStep(PointInTimeReplay replay, RestoreRecorder recorder, BackupHistory history, BackupProperties properties) {
        this.replay = replay;
        this.recorder = recorder;
        this.history = history;
        this.zone = properties.displayZoneId();
    }

    /** The run's row, and the pitr set's id with what the time means; or why it was refused (then {@code backupId} is null). */
    public record Result(long runId, String backupId, String meaning, String refusal) {
    }

    public Result replay(String owner, RestoreRequest request, String restoreToTime) {
        long runId = recorder.findRun(owner).orElseGet(() -> recorder.begin(request.withSet("pitr", "as of " + restoreToTime), owner));
        try {
            if (request.backupId() != null || request.undo()) {
                throw new ReplayRefusedException("Give either restoreToTime or a set (backupKind and backupId) or undoRestoreOf, not both.");
            }
            if (!request.restoreDatabase()) {
                throw new ReplayRefusedException("restoreToTime brings the database to a time, and restoreDatabase is false: nothing to restore.");
            }
            Instant target = PitrTargets.parse(restoreToTime);
            PointInTimeReplay.Outcome outcome = replay.replayOnce("pitr-" + owner, target, new ReplayProgress() {
                @Override
                public void note(String line) {
                    recorder.addDetail(runId, line);
                }

                @Override
                public void segments(long replayed, long total, long segmentSize) {
                    history.progress(runId, replayed, total, replayed * segmentSize, total * segmentSize);
                }
            });
            String meaning = meaning(outcome);
            recorder.addDetail(runId, meaning);
            return new Result(runId, outcome.set().id().toString(), meaning, null);
        } catch (RuntimeException e) {
            // before the approval, as the guard: whatever stops the replay (a refused time, a damaged segment, a full volume)
            // is a refusal with its reason; production was only read
            return new Result(runId, null, null, e.getMessage() + (e.getMessage().contains("Nothing was changed") ? ""
                    : " Nothing was changed; the application was not stopped."));
        }
    }

    /** What the time means, for the approver: in the operator's zone and UTC, the last commit kept and the first undone. */
    String meaning(PointInTimeReplay.Outcome o) {
        StringBuilder text = new StringBuilder("Database as of " + LOCAL.format(o.target().atZone(zone)) + " (" + o.target() + " UTC), "
                + o.set().label() + " replayed from " + o.base() + ".");
        if (o.lastCommitBefore() != null) {
            text.append(" Last transaction kept: committed at ").append(LOCAL.format(o.lastCommitBefore().atZone(zone))).append('.');
        }
        if (o.firstCommitAfter() != null) {
            text.append(" First transaction undone (with every later one): ").append(o.firstXidAfter()).append(", committed at ")
                    .append(LOCAL.format(o.firstCommitAfter().atZone(zone))).append('.');
        } else if (o.toEndOfWal()) {
            text.append(" Nothing committed after it was in the WAL when it was replayed.");
        }
        return text.append(" The uploads stay as they are.").toString();
    }
}
