package com.llmbackup.catalog;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the engine's history recorded of a run's process instance and the runs it called: each
 * step with its start, end and duration, the model it ran, where it failed, who started it and
 * what the operators decided. The run detail of the admin page reads it for finished and open
 * runs alike (Cockpit's Community Edition shows finished instances nowhere). The catalog knows
 * nothing of the engine: the process layer answers.
 */
public interface RunTrail {

    /** One step as the engine recorded it; {@code endedAt} null while it runs. */
    record Step(String activityId, String name, String type, Instant startedAt, Instant endedAt, Long durationMillis,
                boolean canceled, String assignee, String calledProcessInstanceId) {
    }

    /**
     * One process instance of the run (the run's own first, then the ones it called, each after
     * its caller): its model as BPMN XML, its steps in start order, the steps it failed at
     * (open or resolved incidents), whether it still runs.
     */
    record Instance(String processKey, String processInstanceId, String calledByInstanceId, String calledByActivityId,
                    String bpmnXml, List<Step> steps, List<String> failedActivityIds, boolean running) {
    }

    /**
     * The run's instances, who started the first ({@code null} for a timer), and the
     * operators' inputs that the engine kept (reason, decision, comments, resolution).
     */
    record Trail(String startedBy, List<Instance> instances, Map<String, Object> inputs) {
    }

    /** The trail of the run whose own process instance this is; empty when the engine knows it not (history removed). */
    Optional<Trail> of(String processInstanceId);

    /** Without an engine (plain catalog tests): nothing known. */
    RunTrail NONE = processInstanceId -> Optional.empty();
}
