package com.llmbackup.process.engine;

import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.impl.cfg.TransactionState;
import org.camunda.bpm.engine.impl.context.Context;

/** Where an execution stands in a tree of calling processes. */
public final class Executions {

    private Executions() {
    }

    /**
     * The process instance a backup run belongs to: the nearest caller above the
     * {@code BackupRunProcess} instances. A run called by a daily is owned by the daily's
     * instance (its history row, its lease, the Cockpit link), a safety backup by its restore,
     * so the restore can go on holding the lease after the call ended, also when the restore is
     * itself called (by a disaster recovery): the restore's row and lease are its own instance's.
     */
    public static String ownerInstanceId(DelegateExecution execution) {
        DelegateExecution instance = execution.getProcessInstance();
        while (instance.getSuperExecution() != null && ProcessKeys.BACKUP_RUN.equals(ProcessKeys.keyOf(instance))) {
            instance = instance.getSuperExecution().getProcessInstance();
        }
        return instance.getId();
    }

    /** The key of the process that called this one, or null when it was started on its own. */
    public static String callerKey(DelegateExecution execution) {
        DelegateExecution superExecution = execution.getProcessInstance().getSuperExecution();
        return superExecution == null ? null : ProcessKeys.keyOf(superExecution);
    }

    /**
     * The engine job running this step (every restore step is asynchronous, so there is one): a
     * job that runs again after its orchestrator died is the same job, a new visit of the step a new one.
     */
    public static String currentJobId(DelegateExecution execution) {
        var context = Context.getCommandContext();
        var job = context == null ? null : context.getCurrentJob();
        return job != null ? job.getId() : "activity-instance " + execution.getActivityInstanceId();
    }

    /** Runs {@code action} once the engine committed the current command's transaction (never when it rolled back). */
    public static void afterCommit(Runnable action) {
        Context.getCommandContext().getTransactionContext().addTransactionListener(
                TransactionState.COMMITTED, ignored -> action.run());
    }
}
