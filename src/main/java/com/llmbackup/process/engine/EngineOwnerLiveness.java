package com.llmbackup.process.engine;

import com.llmbackup.catalog.OwnerLiveness;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.RuntimeService;
import org.springframework.stereotype.Component;

/** Answers from the engine whether the process instance holding a lease still works on it. */
@Component
class EngineOwnerLiveness implements OwnerLiveness {

    private final RuntimeService runtime;
    private final RepositoryService repository;

    EngineOwnerLiveness(RuntimeService runtime, RepositoryService repository) {
        this.runtime = runtime;
        this.repository = repository;
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

    /** A running restore's lease belongs to its process instance, not to the orchestrator that took it. */
    @Override
    public boolean keepsLeaseUntilEnded(String owner) {
        var instance = runtime.createProcessInstanceQuery().processInstanceId(owner).singleResult();
        return instance != null && ProcessKeys.RESTORE.equals(keyOf(instance.getProcessDefinitionId()));
    }

    private String keyOf(String processDefinitionId) {
        return repository.getProcessDefinition(processDefinitionId).getKey();
    }
}
