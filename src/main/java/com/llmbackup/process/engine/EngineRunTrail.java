package com.llmbackup.process.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.llmbackup.catalog.RunTrail;
import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.history.HistoricActivityInstance;
import org.camunda.bpm.engine.history.HistoricIncident;
import org.camunda.bpm.engine.history.HistoricProcessInstance;
import org.springframework.stereotype.Component;

/**
 * A run's trail from the engine's history (read-only): the instance, the instances it called
 * (BackupRunProcess below a daily, weekly or restore; RestoreProcess below a recovery), each
 * with its model and steps. Activity instances record no sequence flows: the page marks a flow
 * taken when both its ends ran.
 */
@Component
class EngineRunTrail implements RunTrail {

    /** The variables operators send (forms of RestoreProcess and DisasterRecoveryProcess) that the run detail shows. */
    static final Set<String> INPUTS = Set.of("reason", "approved", "approvalComment", "resolution", "confirmed",
            "confirmationComment", "acknowledged", "escalationComment");
    /** A safety net against a call tree that never ends (none of the models nests deeper than three). */
    private static final int MAX_INSTANCES = 20;

    private final HistoryService history;
    private final RepositoryService repository;
    private final IdentityService identity;

    EngineRunTrail(HistoryService history, RepositoryService repository, IdentityService identity) {
        this.history = history;
        this.repository = repository;
        this.identity = identity;
    }

    @Override
    public Optional<Trail> of(String processInstanceId) {
        return processInstanceId == null ? Optional.empty() : WithoutCaller.query(identity, () -> trail(processInstanceId));
    }

    private Optional<Trail> trail(String processInstanceId) {
        HistoricProcessInstance root = history.createHistoricProcessInstanceQuery().processInstanceId(processInstanceId).singleResult();
        if (root == null) {
            return Optional.empty();
        }
        List<Instance> instances = new ArrayList<>();
        Map<String, String> models = new HashMap<>();
        collect(root, null, null, instances, models);
        Map<String, Object> inputs = new LinkedHashMap<>();
        history.createHistoricVariableInstanceQuery().processInstanceId(processInstanceId).variableNameIn(INPUTS.toArray(String[]::new))
                .list().stream().filter(v -> v.getValue() != null)
                .sorted(Comparator.comparing(v -> v.getName()))
                .forEach(v -> inputs.put(v.getName(), v.getValue()));
        return Optional.of(new Trail(root.getStartUserId(), instances, inputs));
    }

    private void collect(HistoricProcessInstance instance, String calledBy, String calledFrom, List<Instance> into,
                         Map<String, String> models) {
        List<Step> steps = history.createHistoricActivityInstanceQuery().processInstanceId(instance.getId())
                .orderByHistoricActivityInstanceStartTime().asc().orderPartiallyByOccurrence().asc().list().stream()
                .map(EngineRunTrail::step).toList();
        List<String> failed = history.createHistoricIncidentQuery().processInstanceId(instance.getId()).list().stream()
                .map(HistoricIncident::getActivityId).distinct().toList();
        String xml = models.computeIfAbsent(instance.getProcessDefinitionId(), this::model);
        into.add(new Instance(instance.getProcessDefinitionKey(), instance.getId(), calledBy, calledFrom, xml, steps, failed,
                instance.getEndTime() == null));
        for (Step step : steps) {
            if (step.calledProcessInstanceId() != null && into.size() < MAX_INSTANCES) {
                HistoricProcessInstance called = history.createHistoricProcessInstanceQuery()
                        .processInstanceId(step.calledProcessInstanceId()).singleResult();
                if (called != null) {
                    collect(called, instance.getId(), step.activityId(), into, models);
                }
            }
        }
    }

    private String model(String processDefinitionId) {
        try (InputStream in = repository.getProcessModel(processDefinitionId)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Step step(HistoricActivityInstance a) {
        return new Step(a.getActivityId(), a.getActivityName(), a.getActivityType(), instant(a.getStartTime()), instant(a.getEndTime()),
                a.getDurationInMillis(), a.isCanceled(), a.getAssignee(), a.getCalledProcessInstanceId());
    }

    private static Instant instant(Date date) {
        return date == null ? null : date.toInstant();
    }
}
