package com.llmbackup.process.engine;

import java.util.List;
import java.util.Set;

import com.llmbackup.backup.BackupRunService;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.RunKind;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.incident.DefaultIncidentHandler;
import org.camunda.bpm.engine.impl.incident.IncidentContext;
import org.camunda.bpm.engine.impl.persistence.entity.ExecutionEntity;
import org.camunda.bpm.engine.runtime.Incident;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * When a backup step has used up its retries, the engine raises an incident (Cockpit
 * shows it). This handler also records the failure in the history and the backup log,
 * naming the step and the cause, in a transaction of its own.
 */
@Component
class BackupIncidents extends AbstractProcessEnginePlugin {

    private static final Logger log = LoggerFactory.getLogger(BackupIncidents.class);
    /** The models whose steps write history rows of a run; a backup run's incident is recorded whoever called it. */
    private static final Set<String> RUN_PROCESSES = Set.of(ProcessKeys.BACKUP_RUN, ProcessKeys.DAILY_BACKUP, ProcessKeys.WEEKLY_BACKUP,
            ProcessKeys.CLEANUP, ProcessKeys.RESTORE_DRILL);

    // looked up lazily: the service's beans need the engine this plugin helps to build
    private final ObjectProvider<BackupRunService> runs;

    BackupIncidents(ObjectProvider<BackupRunService> runs) {
        this.runs = runs;
    }

    @Override
    public void preInit(ProcessEngineConfigurationImpl configuration) {
        configuration.setCustomIncidentHandlers(List.of(new DefaultIncidentHandler(Incident.FAILED_JOB_HANDLER_TYPE) {
            @Override
            public Incident handleIncident(IncidentContext context, String message) {
                Incident incident = super.handleIncident(context, message);
                record(context, message);
                return incident;
            }
        }));
    }

    private void record(IncidentContext context, String message) {
        String definition = context.getProcessDefinitionId();
        if (definition == null || context.getExecutionId() == null
                || !RUN_PROCESSES.contains(definition.substring(0, definition.indexOf(':')))) {
            return;
        }
        try {
            ExecutionEntity execution = Context.getCommandContext().getExecutionManager().findExecutionById(context.getExecutionId());
            // the run's row belongs to the top of the call tree (the daily, weekly or restore instance)
            runs.getObject().failByOwner(Executions.ownerInstanceId(execution), kindOf(execution), context.getActivityId(), message);
        } catch (RuntimeException e) {
            log.error("Could not record the failure of {} in the history: {}", context.getActivityId(), e.toString());
        }
    }

    private static RunKind kindOf(ExecutionEntity execution) {
        return switch (ProcessKeys.keyOf(execution)) {
            case ProcessKeys.CLEANUP -> RunKind.CLEANUP;
            // the drill's open rows run one after the other: the first open one is the set being drilled
            case ProcessKeys.RESTORE_DRILL -> RunKind.DRILL;
            case ProcessKeys.DAILY_BACKUP -> RunKind.DAILY;
            case ProcessKeys.WEEKLY_BACKUP -> RunKind.WEEKLY;
            // BackupRunProcess: the kind its caller passed in (BackupRunVariables.RUN_KIND)
            default -> RunKind.of(BackupKind.fromDir(String.valueOf(execution.getVariable("runKind"))));
        };
    }
}
