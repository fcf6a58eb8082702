package com.llmbackup.process.engine;

import java.time.Instant;
import java.util.function.LongSupplier;

import com.llmbackup.catalog.LeaseWaitTimeoutException;
import com.llmbackup.config.TextedException;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.impl.util.ClockUtil;

/** What the delegates of every process share: a business outcome as a BPMN error, the lock step. */
public final class Steps {

    /** The lock wait ran out (backup.lock.max-wait): every model that takes the lock catches it. */
    public static final String ERR_LOCK_TIMEOUT = "Err_LockTimeout";

    private Steps() {
    }

    /** Records the failing step and message (history, forms) and makes the BPMN error the model catches. */
    public static BpmnError error(FailureVariables vars, DelegateExecution execution, String code, RuntimeException cause) {
        if (cause instanceof TextedException texted && texted.text() != null) {
            vars.putFailure(execution.getCurrentActivityId(), cause.getMessage(), texted.text());
        } else {
            vars.putFailure(execution.getCurrentActivityId(), cause.getMessage());
        }
        return new BpmnError(code, cause.getMessage(), cause);
    }

    /** The engine's clock: it drives the wait timers, so a lock step measures its wait by it. */
    public static Instant now() {
        return ClockUtil.getCurrentTime().toInstant();
    }

    /**
     * The lock step of every model that takes the backup root's lock (a backup run, the
     * cleanup): finds or starts the run's history row by the run's own instance ({@code begin}),
     * never by a variable a start could have sent; tries the lock, says whether it got it (the
     * model waits on a timer and comes back) and gives up with Err_LockTimeout after
     * {@code backup.lock.max-wait}. The row's id is written to {@code runId} for those who read
     * the instance; no step reads it back.
     */
    public static void takeLock(DelegateExecution execution, LeaseWaitVariables vars, LongSupplier begin, Acquire acquire) {
        long runId = begin.getAsLong();
        vars.putRunId(runId);
        Instant now = now();
        try {
            vars.putLeaseAcquired(acquire.tryAcquire(runId, vars.leaseWaitingSince(now), now));
        } catch (LeaseWaitTimeoutException e) {
            throw error(vars, execution, ERR_LOCK_TIMEOUT, e);
        }
    }

    /** One try at the lock for the run's row: whether it was taken. */
    @FunctionalInterface
    public interface Acquire {
        boolean tryAcquire(long runId, Instant waitingSince, Instant now);
    }
}
