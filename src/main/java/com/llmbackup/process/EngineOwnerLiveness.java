package com.llmbackup.process;

import com.llmbackup.catalog.OwnerLiveness;
import org.camunda.bpm.engine.RuntimeService;
import org.springframework.stereotype.Component;

/** Answers from the engine whether the process instance holding a lease still works on it. */
@Component
class EngineOwnerLiveness implements OwnerLiveness {

    private final RuntimeService runtime;

    EngineOwnerLiveness(RuntimeService runtime) {
        this.runtime = runtime;
    }

    @Override
    public State of(String owner) {
        if (runtime.createProcessInstanceQuery().processInstanceId(owner).count() == 0) {
            return State.ENDED;
        }
        if (runtime.createIncidentQuery().processInstanceId(owner).count() > 0) {
            return State.FAILED;
        }
        return State.ACTIVE;
    }
}
