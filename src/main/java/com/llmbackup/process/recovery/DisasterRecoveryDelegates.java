package com.llmbackup.process.recovery;

import java.time.Instant;
import java.util.Map;

import com.llmbackup.catalog.BackupHistory;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.monitoring.Alerts;
import com.llmbackup.process.engine.Steps;
import com.llmbackup.process.restore.RecoveryApproval;
import com.llmbackup.recovery.DisasterRecoveryService;
import com.llmbackup.recovery.RecoveryRefusedException;
import com.llmbackup.recovery.RecoveryReport;
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
        return execution -> recoveries.rebuildHistory(DisasterRecoveryVariables.of(execution).recoveryRunId());
    }

    /** No set to recover is an outcome (Err_NoRestorableSet: reported, no incident); the operator copies one and starts again. */
    @Bean
    JavaDelegate chooseSetDelegate(DisasterRecoveryService recoveries) {
        return execution -> {
            DisasterRecoveryVariables vars = DisasterRecoveryVariables.of(execution);
            try {
                vars.putChosen(recoveries.choose(vars.recoveryRunId(), vars.namedKind(), vars.namedId(), starter(execution), vars.reason()),
                        vars.reason());
            } catch (RecoveryRefusedException e) {
                vars.putFailure(execution.getCurrentActivityId(), e.getMessage());
                throw new BpmnError(ERR_NO_RESTORABLE_SET, e.getMessage());
            }
        };
    }

    @Bean
    JavaDelegate restoreRolesDelegate(DisasterRecoveryService recoveries) {
        return execution -> {
            DisasterRecoveryVariables vars = DisasterRecoveryVariables.of(execution);
            recoveries.restoreRoles(vars.recoveryRunId(), vars.recoveryKind(), vars.recoveryId());
        };
    }

    /** For the model's gateway: whether the called restore's history row (never a variable it could have been sent) says completed. */
    @Bean
    RecoveryOutcomes recoveryOutcomes(BackupHistory history) {
        return new RecoveryOutcomes(history);
    }

    @Bean
    JavaDelegate raiseRtoAlertDelegate(Alerts alerts, BackupHistory history, BackupProperties properties) {
        return execution -> {
            DisasterRecoveryVariables vars = DisasterRecoveryVariables.of(execution);
            RecoveryHistory engine = new RecoveryHistory(execution.getProcessEngineServices().getHistoryService(), execution.getProcessInstanceId());
            var open = execution.getProcessEngineServices().getTaskService().createTaskQuery()
                    .processInstanceId(execution.getProcessInstanceId()).list().stream().map(t -> t.getName()).toList();
            String message = "Disaster recovery " + execution.getProcessInstanceId() + " was declared at " + engine.declaredAt()
                    + "; its RTO (backup.dr.rto " + properties.dr().rto() + ") ends at " + engine.declaredAt().plus(properties.dr().rto())
                    + ". " + (open.isEmpty() ? "No recovery task is open: look for a running or failed step in Cockpit."
                    : "Open tasks: " + String.join("; ", open) + ".");
            vars.putRtoMessage(message);
            history.addDetail(vars.recoveryRunId(), "RTO at risk: " + message);
            alerts.rtoAtRisk(execution.getProcessInstanceId(), message);
        };
    }

    /** The report: RTO, RPO, each step and who did it, from the engine's history and the restore's row. */
    @Bean
    JavaDelegate recordRecoveryDelegate(DisasterRecoveryService recoveries, BackupHistory history, RecoveryOutcomes outcomes,
                                        BackupProperties properties) {
        return execution -> {
            DisasterRecoveryVariables vars = DisasterRecoveryVariables.of(execution);
            RecoveryHistory engine = new RecoveryHistory(execution.getProcessEngineServices().getHistoryService(), execution.getProcessInstanceId());
            String confirmedBy = engine.completerOf(RecoveryApproval.CONFIRM_TASK).orElse(null);
            String restoreInstance = engine.restoreInstance().orElse(null);
            Instant healthyAt = restoreInstance == null ? null : engine.healthyAt(restoreInstance).orElse(null);
            var restore = vars.restoreRunId() == null ? null : history.find(vars.restoreRunId()).orElse(null);
            String outcome;
            String message;
            if (!vars.failedStep().isEmpty() && vars.recoveryId() == null) {
                outcome = RecoveryReport.FAILED;
                message = vars.failureMessage();
            } else if (!vars.confirmed()) {
                outcome = RecoveryReport.CANCELLED;
                message = "not confirmed by " + confirmedBy + (vars.confirmationComment() == null ? "" : ": " + vars.confirmationComment())
                        + ". Nothing was restored.";
            } else if (outcomes.restored(execution)) {
                outcome = RecoveryReport.RECOVERED;
                message = restore.message();
            } else {
                outcome = RecoveryReport.FAILED;
                message = "the restore ended " + (restore == null ? "without a history row" : restore.status() + ": " + restore.message());
                healthyAt = null;
            }
            Instant backupTime = vars.recoveryId() == null ? null : recoveries.backupTime(vars.recoveryKind(), vars.recoveryId());
            recoveries.finish(RecoveryReport.of(vars.recoveryRunId(), execution.getProcessInstanceId(), outcome, message, starter(execution),
                    confirmedBy, vars.reason(), engine.declaredAt(), RecoveryReport.RECOVERED.equals(outcome) ? healthyAt : null,
                    Steps.now(),
                    vars.recoveryId() == null ? null : vars.recoveryKind() + "/" + vars.recoveryId(), backupTime,
                    properties.dr().rto(), properties.rpo(), engine.escalated(), restoreInstance, vars.preflightPassed(), engine.steps()));
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
