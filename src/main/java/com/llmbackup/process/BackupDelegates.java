package com.llmbackup.process;

import java.util.Optional;

import com.llmbackup.backup.BackupRunService;
import com.llmbackup.backup.NotEnoughSpaceException;
import com.llmbackup.catalog.BackupCatalog.StagedSet;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.LeaseLostException;
import com.llmbackup.catalog.LeaseWaitTimeoutException;
import com.llmbackup.postgres.DumpInvalidException;
import com.llmbackup.uploads.ArchiveInvalidException;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The delegates of the backup processes (daily and weekly; the restore's safety backup
 * will reuse them): each reads its variables, calls one step of {@link BackupRunService}
 * and writes what the next steps need. Business outcomes become BPMN errors the model
 * catches (lock wait exhausted, no space, unreadable dump, lease lost); anything else is
 * a technical failure the engine retries and then shows as an incident.
 */
@Configuration(proxyBeanMethods = false)
class BackupDelegates {

    static final String ERR_LOCK_TIMEOUT = "Err_LockTimeout";
    static final String ERR_NOT_ENOUGH_SPACE = "Err_NotEnoughSpace";
    static final String ERR_DUMP_INVALID = "Err_DumpInvalid";
    static final String ERR_LEASE_LOST = "Err_LeaseLost";
    static final String ERR_ARCHIVE_INVALID = "Err_ArchiveInvalid";

    @Bean
    JavaDelegate acquireLeaseDelegate(BackupRunService runs) {
        return step((execution, vars, kind) -> {
            long runId = vars.runId().orElseGet(() -> runs.begin(kind, execution.getProcessInstanceId()));
            vars.putRunId(runId);
            try {
                // the engine's clock, which also drives the wait timer
                java.time.Instant now = ClockUtil.getCurrentTime().toInstant();
                Optional<StagedSet> staged = runs.acquireAndStage(kind, execution.getProcessInstanceId(), runId,
                        vars.leaseWaitingSince(now), now);
                vars.putLeaseAcquired(staged.isPresent());
                staged.ifPresent(s -> vars.putBackupId(s.id().toString()));
            } catch (LeaseWaitTimeoutException e) {
                throw error(vars, execution, ERR_LOCK_TIMEOUT, e);
            }
        });
    }

    @Bean
    JavaDelegate checkSpaceForSetDelegate(BackupRunService runs) {
        return step((execution, vars, kind) -> {
            try {
                runs.checkSpace(staged(runs, execution, vars, kind));
            } catch (NotEnoughSpaceException e) {
                throw error(vars, execution, ERR_NOT_ENOUGH_SPACE, e);
            }
        });
    }

    @Bean
    JavaDelegate dumpDatabaseDelegate(BackupRunService runs) {
        return step((execution, vars, kind) -> runs.dumpDatabase(staged(runs, execution, vars, kind)));
    }

    @Bean
    JavaDelegate verifyDumpDelegate(BackupRunService runs) {
        return step((execution, vars, kind) -> {
            try {
                execution.setVariable("dumpTocEntries", runs.verifyDump(staged(runs, execution, vars, kind)));
            } catch (DumpInvalidException e) {
                throw error(vars, execution, ERR_DUMP_INVALID, e);
            }
        });
    }

    @Bean
    JavaDelegate dumpGlobalsDelegate(BackupRunService runs) {
        return step((execution, vars, kind) -> runs.dumpGlobals(staged(runs, execution, vars, kind), vars.requireRunId()));
    }

    @Bean
    JavaDelegate copyExtraFilesDelegate(BackupRunService runs) {
        return step((execution, vars, kind) -> runs.copyExtraFiles(staged(runs, execution, vars, kind)));
    }

    @Bean
    JavaDelegate snapshotUploadsDelegate(BackupRunService runs) {
        return step((execution, vars, kind) -> {
            var result = runs.snapshotUploads(staged(runs, execution, vars, kind), vars.requireRunId());
            execution.setVariable("filesCopied", result.filesCopied());
            execution.setVariable("filesLinked", result.filesLinked());
        });
    }

    @Bean
    JavaDelegate archiveUploadsDelegate(BackupRunService runs) {
        return step((execution, vars, kind) -> {
            var result = runs.archiveUploads(staged(runs, execution, vars, kind), vars.requireRunId());
            execution.setVariable("archiveBytes", result.archiveBytes());
            execution.setVariable("filesArchived", result.fileCount());
        });
    }

    @Bean
    JavaDelegate verifyArchiveDelegate(BackupRunService runs) {
        return step((execution, vars, kind) -> {
            try {
                runs.verifyArchive(staged(runs, execution, vars, kind));
            } catch (ArchiveInvalidException e) {
                throw error(vars, execution, ERR_ARCHIVE_INVALID, e);
            }
        });
    }

    @Bean
    JavaDelegate publishSetDelegate(BackupRunService runs) {
        return step((execution, vars, kind) -> runs.publish(staged(runs, execution, vars, kind), vars.requireRunId()));
    }

    @Bean
    JavaDelegate recordHistoryDelegate(BackupRunService runs) {
        return step((execution, vars, kind) -> runs.complete(vars.requireRunId(), kind, vars.backupId()));
    }

    @Bean
    JavaDelegate releaseLeaseDelegate(BackupRunService runs) {
        return step((execution, vars, kind) -> runs.release(execution.getProcessInstanceId()));
    }

    @Bean
    JavaDelegate recordFailureDelegate(BackupRunService runs) {
        return execution -> {
            ProcessVariables vars = ProcessVariables.of(execution);
            BackupKind kind = vars.runKind(ProcessKeys.keyOf(execution));
            runs.fail(kind, vars.requireRunId(), execution.getProcessInstanceId(), vars.failedStep(), vars.failureMessage());
        };
    }

    private static StagedSet staged(BackupRunService runs, DelegateExecution execution, ProcessVariables vars, BackupKind kind) {
        return runs.staged(kind, vars.backupId(), execution.getProcessInstanceId());
    }

    /** Records the failing step and message (history, forms) and makes the BPMN error the model catches. */
    static BpmnError error(ProcessVariables vars, DelegateExecution execution, String code, RuntimeException cause) {
        vars.putFailure(execution.getCurrentActivityId(), cause.getMessage());
        return new BpmnError(code, cause.getMessage(), cause);
    }

    /** Wraps a step: a lost lease anywhere ends the run cleanly through Err_LeaseLost. */
    private static JavaDelegate step(Step body) {
        return execution -> {
            ProcessVariables vars = ProcessVariables.of(execution);
            try {
                body.run(execution, vars, vars.runKind(ProcessKeys.keyOf(execution)));
            } catch (LeaseLostException e) {
                throw error(vars, execution, ERR_LEASE_LOST, e);
            }
        };
    }

    @FunctionalInterface
    private interface Step {
        void run(DelegateExecution execution, ProcessVariables vars, BackupKind kind) throws Exception;
    }
}
