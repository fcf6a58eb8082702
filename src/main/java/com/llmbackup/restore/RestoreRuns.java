package com.llmbackup.restore;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;

import com.llmbackup.catalog.BackupHistory;
import com.llmbackup.catalog.HistoryTable;
import com.llmbackup.catalog.RunStatus;
import org.springframework.stereotype.Component;

/**
 * What only a restore records in its row of {@code backup_history}: the frozen plan, the switch
 * to the safety set, the marks of the steps that change the application and their
 * interruptions, and the operator's decisions (waiting, resumed by a decision's token). Every
 * write commits at once ({@link HistoryTable}), so a mark survives the orchestrator dying inside
 * the step.
 */
@Component
public class RestoreRuns {

    private static final String TABLE = HistoryTable.NAME;

    private final BackupHistory history;
    private final HistoryTable table;

    public RestoreRuns(BackupHistory history) {
        this.history = history;
        this.table = history.table();
    }

    /** Freezes a restore's plan (JSON); written once by its guard, read by every later step. */
    public void setPlan(long runId, String planJson) {
        table.update("update " + TABLE + " set plan = ? where id = ? and plan is null", planJson, runId);
    }

    public Optional<String> plan(long runId) {
        return table.first("select plan from " + TABLE + " where id = ?", (rs, row) -> rs.getString(1), runId);
    }

    /** A restore switched to its safety set (Task_PrepareRollback): recorded here, not in a variable. */
    public void setRollingBack(long runId) {
        table.update("update " + TABLE + " set rolling_back = true where id = ?", runId);
    }

    public boolean rollingBack(long runId) {
        return Boolean.TRUE.equals(table.value("select rolling_back from " + TABLE + " where id = ?", Boolean.class, runId));
    }

    /**
     * A restore's step failed and an operator must decide: the row shows it (with the step and
     * the cause) and the alert goes out now, not when someone closes the task.
     */
    public void waitForOperator(long runId, String step, String message) {
        // alerted once: a retried step finds the row waiting already
        if (table.changed("update " + TABLE + " set status = ?, failed_step = ?, message = ? where id = ? and status = 'RUNNING'",
                RunStatus.WAITING_FOR_OPERATOR.name(), step, HistoryTable.truncate(message), runId)) {
            history.announceFailure(runId);
        }
    }

    /** The operator chose to go on (retry, roll back): the run is running again, resumed by the decision {@code token}. */
    public void resume(long runId, String token) {
        table.update("update " + TABLE + " set status = ?, resume_token = ? where id = ? and status in ('WAITING_FOR_OPERATOR', 'RUNNING')",
                RunStatus.RUNNING.name(), token, runId);
    }

    /** The decision that resumed the run has committed: it is the one that counts. */
    public void resumeCommitted(long runId) {
        table.update("update " + TABLE + " set resume_token = 'committed' where id = ?", runId);
    }

    /**
     * An operator's decision that did not take effect (its completion rolled back): the run waits
     * again, unless another decision resumed it since. Returns whether the run was put back.
     */
    public boolean backToWaiting(long runId, String token) {
        return table.changed("update " + TABLE + " set status = ?, resume_token = null where id = ? and status = 'RUNNING' and resume_token = ?",
                RunStatus.WAITING_FOR_OPERATOR.name(), runId, token);
    }

    /**
     * A restore step that changes the application starts under engine job {@code jobId}: the
     * mark is committed at once, so it survives the orchestrator dying inside the step.
     */
    public void startStep(long runId, String step, String jobId) {
        table.update("update " + TABLE + " set step_in_flight = ?, step_job = ?, step_started_at = ? where id = ?", step, jobId,
                Timestamp.from(table.now()), runId);
    }

    /** The engine committed the step run by {@code jobId}: its mark goes, and an interruption it repaired with it. */
    public void endStep(long runId, String jobId) {
        table.update("update " + TABLE + " set step_in_flight = null, step_job = null, step_started_at = null,"
                + " interrupted_step = case when interrupted_step = step_in_flight then null else interrupted_step end"
                + " where id = ? and step_job = ?", runId, jobId);
    }

    /** The orchestrator's restart found the step interrupted: the mark goes, the interruption stays recorded. */
    public void clearStep(long runId, String jobId) {
        table.update("update " + TABLE + " set step_in_flight = null, step_job = null, step_started_at = null where id = ? and step_job = ?",
                runId, jobId);
    }

    /** The step a restore started and the engine never committed, if any. */
    public Optional<StepInFlight> stepInFlight(long runId) {
        return table.first("select step_in_flight, step_job, step_started_at from " + TABLE + " where id = ? and step_job is not null",
                (rs, row) -> new StepInFlight(rs.getString(1), rs.getString(2), HistoryTable.instant(rs, "step_started_at")), runId);
    }

    /** The orchestrator stopped inside {@code step}: kept until that step runs to its end again. */
    public void setInterrupted(long runId, String step) {
        table.update("update " + TABLE + " set interrupted_step = ? where id = ?", step, runId);
    }

    public Optional<String> interruptedStep(long runId) {
        return table.first("select interrupted_step from " + TABLE + " where id = ?", (rs, row) -> rs.getString(1), runId);
    }

    /** How the run's database half runs ({@code swap}, {@code in-place}, {@code undo}); set once, by the step that starts it. */
    public void setMethod(long runId, String method) {
        table.update("update " + TABLE + " set restore_method = ? where id = ?", method, runId);
    }

    public Optional<String> method(long runId) {
        return table.first("select restore_method from " + TABLE + " where id = ? and restore_method is not null",
                (rs, row) -> rs.getString(1), runId);
    }

    /** A part of the database half done, with its time ("check 1.1 s"), after those before it. */
    public void addPhase(long runId, String phase) {
        String now = phases(runId).orElse(null);
        table.update("update " + TABLE + " set restore_phases = ? where id = ?",
                HistoryTable.truncate(now == null ? phase : now + ", " + phase), runId);
    }

    public Optional<String> phases(long runId) {
        return table.first("select restore_phases from " + TABLE + " where id = ? and restore_phases is not null",
                (rs, row) -> rs.getString(1), runId);
    }

    /** The database the run swapped out and keeps for an undo; null once swapped back or dropped. */
    public void setPreviousDatabase(long runId, String database) {
        table.update("update " + TABLE + " set previous_database = ? where id = ?", database, runId);
    }

    public Optional<String> previousDatabase(long runId) {
        return table.first("select previous_database from " + TABLE + " where id = ? and previous_database is not null",
                (rs, row) -> rs.getString(1), runId);
    }

    /** A step of a restore that started (under an engine job) and was not committed yet. */
    public record StepInFlight(String step, String jobId, Instant startedAt) {
    }
}
