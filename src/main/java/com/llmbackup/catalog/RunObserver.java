package com.llmbackup.catalog;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.llmbackup.config.Text;

/**
 * What the engine says, at read time, of runs the history records as open, and the operator
 * tasks waiting now. The history stores RUNNING for a run whose instance sits in an incident or
 * was abandoned by a stopped orchestrator; this tells them apart for the admin page. The
 * catalog knows nothing of the engine: the process layer answers.
 */
public interface RunObserver {

    /** What an open run really is now. */
    enum LiveState {
        /** Working: a job runs or waits for the job executor (or a timer, the lock). */
        RUNNING,
        /** A restore waiting at Task_ApproveRestore. */
        WAITING_FOR_APPROVAL,
        /** A restore waiting for an operator's resolution (failed or interrupted). */
        WAITING_FOR_OPERATOR,
        /** An incident in the run (or a run it called). */
        INCIDENT,
        /** Its orchestrator stopped with a job locked, or its process instance is gone while the row is open. */
        ABANDONED
    }

    /**
     * The state of one run's instance, why (for ABANDONED and INCIDENT), the open task, if any,
     * and whether the instance still runs (Cockpit shows only running instances).
     */
    record Observed(LiveState state, Text detail, String taskId, boolean instanceRuns) {
    }

    /** An open operator task (approval, failed or interrupted restore, DR step): who asked, since when. */
    record OperatorTask(String taskId, String name, String taskKey, String processInstanceId, String processKey,
                        Instant created, String assignee, String requestedBy, String backupKind, String backupId) {
    }

    /** The observed state per process instance id, for the open runs given (ids without an answer: none known). */
    Map<String, Observed> observe(Collection<String> processInstanceIds);

    /** Open tasks of group operators (assigned or not), oldest first. */
    List<OperatorTask> operatorTasks();

    /** When a scheduled process (its start timer) runs next; empty when it has no timer. */
    default Optional<Instant> nextStart(String processKey) {
        return Optional.empty();
    }

    /** Without an engine (plain catalog tests): every open run is just running, no tasks. */
    RunObserver NONE = new RunObserver() {
        @Override
        public Map<String, Observed> observe(Collection<String> processInstanceIds) {
            return Map.of();
        }

        @Override
        public List<OperatorTask> operatorTasks() {
            return List.of();
        }
    };
}
