package com.llmbackup.process.recovery;

import java.util.List;
import java.util.Map;

import com.llmbackup.process.engine.Steps;
import com.llmbackup.recovery.DisasterRecoveryService;
import com.llmbackup.recovery.RecoveryRefusedException;
import org.camunda.bpm.engine.BadUserRequestException;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.delegate.TaskListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The delegates of {@code DisasterRecoveryProcess}: each reads its variables, calls one step of
 * {@link DisasterRecoveryService}, writes what the next steps and the forms need. The restore
 * and the preflight are the called processes' own; the report reads the engine's history
 * ({@link RecoveryHistory}).
 */
@Configuration(proxyBeanMethods = false)
class DisasterRecoveryDelegates {

    static final String ERR_NO_RESTORABLE_SET = "Err_NoRestorableSet";

    /** The recovery's history row, in the name of the operator the engine authenticated for the start. */
    @Bean
    JavaDelegate declareRecoveryDelegate(DisasterRecoveryService recoveries) {
        return execution -> {
            DisasterRecoveryVariables vars = DisasterRecoveryVariables.of(execution);
            String declaredBy = starter(execution);
            vars.putDeclaredBy(declaredBy); // what the confirmation form shows; the report reads the engine's record
            vars.putRecoveryRunId(recoveries.declare(execution.getProcessInstanceId(), declaredBy, vars.reason()));
        };
    }

    @Bean
    JavaDelegate rebuildHistoryDelegate(DisasterRecoveryService recoveries) {
        return execution -> recoveries.rebuildHistory(recoveries.runOf(execution.getProcessInstanceId()));
    }

    /** No set to recover is an outcome (Err_NoRestorableSet: reported, no incident); the operator copies one and starts again. */
    @Bean
    JavaDelegate chooseSetDelegate(DisasterRecoveryService recoveries) {
        return execution -> {
            DisasterRecoveryVariables vars = DisasterRecoveryVariables.of(execution);
            try {
                vars.putChosen(recoveries.choose(recoveries.runOf(execution.getProcessInstanceId()), vars.namedKind(), vars.namedId(), starter(execution), vars.reason()),
                        vars.reason());
            } catch (RecoveryRefusedException e) {
                if (e.text() != null) {
                    vars.putFailure(execution.getCurrentActivityId(), e.getMessage(), e.text());
                } else {
                    vars.putFailure(execution.getCurrentActivityId(), e.getMessage());
                }
                throw new BpmnError(ERR_NO_RESTORABLE_SET, e.getMessage());
            }
        };
    }

    @Bean
    JavaDelegate restoreRolesDelegate(DisasterRecoveryService recoveries) {
        return execution -> {
            DisasterRecoveryVariables vars = DisasterRecoveryVariables.of(execution);
            recoveries.restoreRoles(recoveries.runOf(execution.getProcessInstanceId()), vars.recoveryKind(), vars.recoveryId());
        };
    }

    /** For the model's gateway: whether the called restore's history row (never a variable it could have been sent) says completed. */
    @Bean
    RecoveryOutcomes recoveryOutcomes(DisasterRecoveryService recoveries) {
        return new RecoveryOutcomes(recoveries);
    }

    @Bean
    JavaDelegate raiseRtoAlertDelegate(DisasterRecoveryService recoveries) {
        return execution -> {
            DisasterRecoveryVariables vars = DisasterRecoveryVariables.of(execution);
            RecoveryHistory engine = new RecoveryHistory(execution.getProcessEngineServices().getHistoryService(), execution.getProcessInstanceId());
            List<String> open = execution.getProcessEngineServices().getTaskService().createTaskQuery()
                    .processInstanceId(execution.getProcessInstanceId()).list().stream().map(t -> t.getName()).toList();
            vars.putRtoMessage(recoveries.rtoAtRisk(recoveries.runOf(execution.getProcessInstanceId()), execution.getProcessInstanceId(), engine.declaredAt(), open));
        };
    }

    /** The report: RTO, RPO, each step and who did it, from the engine's history and the restore's row. */
    @Bean
    JavaDelegate recordRecoveryDelegate(DisasterRecoveryService recoveries) {
        return execution -> {
            DisasterRecoveryVariables vars = DisasterRecoveryVariables.of(execution);
            RecoveryHistory engine = new RecoveryHistory(execution.getProcessEngineServices().getHistoryService(), execution.getProcessInstanceId());
            recoveries.recordRecovery(recoveries.runOf(execution.getProcessInstanceId()), vars.answers(), engine.record(starter(execution), Steps.now()));
        };
    }

    /**
     * On completing any recovery task: only a logged-in operator (the engine then logs who
     * completed it, which the report and the restore's pre-approval read), and only with every
     * check of the task ticked (RecoveryChecklist).
     */
    @Bean
    TaskListener recoveryTaskListener() {
        return task -> {
            var auth = task.getProcessEngineServices().getIdentityService().getCurrentAuthentication();
            if (auth == null || auth.getUserId() == null) {
                throw new BadUserRequestException("A disaster recovery task is completed by a logged-in operator (Tasklist or /engine-rest "
                        + "with a login): its report and the restore's approval name who did it.");
            }
            Map<String, Object> values = task.getVariables();
            RecoveryChecklist.missing(task.getTaskDefinitionKey(), values).ifPresent(why -> {
                throw new BadUserRequestException(why);
            });
        };
    }

    private static String starter(DelegateExecution execution) {
        var started = execution.getProcessEngineServices().getHistoryService().createHistoricProcessInstanceQuery()
                .processInstanceId(execution.getProcessInstanceId()).singleResult();
        return started == null || started.getStartUserId() == null ? "unknown" : started.getStartUserId();
    }
}
