package com.llmbackup.process.engine;

import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import com.llmbackup.catalog.RunObserver;
import com.llmbackup.config.Text;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.TaskService;
import org.camunda.bpm.engine.runtime.Incident;
import org.camunda.bpm.engine.task.Task;
import org.springframework.stereotype.Component;

/**
 * Open runs as the engine sees them now (for the admin page): waiting at a restore's user task,
 * in an incident, or abandoned (a job locked by a stopped orchestrator, or no instance left),
 * and the open tasks of group {@code operators}. Read-only queries, one per kind of fact.
 */
@Component
class EngineRunObserver implements RunObserver {

    private static final Set<String> OPERATOR_TASKS = Set.of("Task_ResolveFailedRestore", "Task_ResolveInterruptedRestore");
    private static final String APPROVAL = "Task_ApproveRestore";
    private static final String OPERATORS = "operators";

    private final RuntimeService runtime;
    private final TaskService tasks;
    private final RepositoryService repository;
    private final OrchestratorNodes nodes;
    private final IdentityService identity;
    private final ManagementService management;

    EngineRunObserver(RuntimeService runtime, TaskService tasks, RepositoryService repository, OrchestratorNodes nodes,
                      IdentityService identity, ManagementService management) {
        this.identity = identity;
        this.management = management;
        this.runtime = runtime;
        this.tasks = tasks;
        this.repository = repository;
        this.nodes = nodes;
    }

    @Override
    public Map<String, Observed> observe(Collection<String> processInstanceIds) {
        return unrestricted(() -> observeAll(processInstanceIds));
    }

    private Map<String, Observed> observeAll(Collection<String> processInstanceIds) {
        Map<String, Observed> observed = new HashMap<>();
        Set<String> ids = new HashSet<>(processInstanceIds);
        ids.remove(null);
        if (ids.isEmpty()) {
            return observed;
        }
        String[] idArray = ids.toArray(String[]::new);
        Set<String> alive = new HashSet<>();
        runtime.createProcessInstanceQuery().processInstanceIds(ids).list().forEach(pi -> alive.add(pi.getId()));
        for (String id : ids) {
            if (!alive.contains(id)) {
                observed.put(id, new Observed(LiveState.ABANDONED, Text.of("run.abandoned.instanceGone"), null, false));
            }
        }
        for (OrchestratorNodes.StoppedLock lock : nodes.stoppedLocks()) {
            String root = lock.rootProcessInstanceId() == null ? lock.processInstanceId() : lock.rootProcessInstanceId();
            if (ids.contains(root)) {
                observed.put(root, new Observed(LiveState.ABANDONED, lock.why(), null, true));
            }
        }
        // the root's own incident, or the one propagated from a called run, names the step
        for (String id : alive) {
            for (Incident incident : runtime.createIncidentQuery().processInstanceId(id).list()) {
                observed.putIfAbsent(id, new Observed(LiveState.INCIDENT,
                        Text.of("run.incident", incident.getActivityId(), incident.getIncidentMessage()), null, true));
            }
        }
        for (Task task : tasks.createTaskQuery().processInstanceIdIn(idArray).active().list()) {
            LiveState state = APPROVAL.equals(task.getTaskDefinitionKey()) ? LiveState.WAITING_FOR_APPROVAL
                    : OPERATOR_TASKS.contains(task.getTaskDefinitionKey()) ? LiveState.WAITING_FOR_OPERATOR : null;
            if (state != null) {
                observed.putIfAbsent(task.getProcessInstanceId(), new Observed(state,
                        Text.of("task." + task.getTaskDefinitionKey()), task.getId(), true));
            }
        }
        return observed;
    }

    @Override
    public Optional<Instant> nextStart(String processKey) {
        return unrestricted(() -> management.createJobQuery().processDefinitionKey(processKey).timers().orderByJobDuedate().asc()
                .listPage(0, 1).stream().findFirst().map(job -> job.getDuedate().toInstant()));
    }

    @Override
    public List<OperatorTask> operatorTasks() {
        return unrestricted(this::openTasks);
    }

    private List<OperatorTask> openTasks() {
        Map<String, String> keys = new HashMap<>();
        return tasks.createTaskQuery().taskCandidateGroup(OPERATORS).includeAssignedTasks().active()
                .orderByTaskCreateTime().asc().list().stream()
                .map(task -> {
                    Map<String, Object> vars = task.getProcessInstanceId() == null ? Map.of()
                            : runtime.getVariables(task.getProcessInstanceId(), List.of("requestedBy", "backupKind", "backupId"));
                    String key = task.getProcessDefinitionId() == null ? null : keys.computeIfAbsent(task.getProcessDefinitionId(),
                            id -> repository.getProcessDefinition(id).getKey());
                    return new OperatorTask(task.getId(), task.getName(), task.getTaskDefinitionKey(), task.getProcessInstanceId(), key,
                            task.getCreateTime() == null ? null : task.getCreateTime().toInstant(), task.getAssignee(),
                            text(vars.get("requestedBy")), text(vars.get("backupKind")), text(vars.get("backupId")));
                })
                .toList();
    }

    private <T> T unrestricted(Supplier<T> query) {
        return WithoutCaller.query(identity, query);
    }

    private static String text(Object value) {
        return value == null ? null : value.toString();
    }
}
