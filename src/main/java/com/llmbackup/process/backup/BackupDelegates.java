package com.llmbackup.process.backup;

import java.util.Optional;

import com.llmbackup.backup.BackupRunService;
import com.llmbackup.backup.NotEnoughSpaceException;
import com.llmbackup.catalog.BackupCatalog.StagedSet;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.LeaseLostException;
import com.llmbackup.config.Text;
import com.llmbackup.offsite.OffsiteCopyService;
import com.llmbackup.postgres.DumpInvalidException;
import com.llmbackup.process.backup.BackupRunVariables.RunOutcome;
import com.llmbackup.process.engine.Executions;
import com.llmbackup.process.engine.Steps;
import com.llmbackup.uploads.ArchiveInvalidException;
import com.llmbackup.wal.BaseBackupInvalidException;
import org.camunda.bpm.engine.ProcessEngineException;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.ExecutionListener;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The delegates of {@code BackupRunProcess}, the one model of the backup chain (called by the
 * daily, the weekly and the restore's safety backup): each reads its variables, calls one step
 * of {@link BackupRunService} and writes what the next steps need. The run belongs to the
 * top of its call tree (the daily, weekly or restore instance): that instance owns its history
 * row and its lease. Business outcomes become BPMN errors the model catches (lock wait
 * exhausted, no space, unreadable dump or archive, lease lost); anything else is a technical
 * failure the engine retries and then shows as an incident.
 */
@Configuration(proxyBeanMethods = false)
class BackupDelegates {

    static final String ERR_NOT_ENOUGH_SPACE = "Err_NotEnoughSpace";
    static final String ERR_DUMP_INVALID = "Err_DumpInvalid";
    static final String ERR_LEASE_LOST = "Err_LeaseLost";
    static final String ERR_ARCHIVE_INVALID = "Err_ArchiveInvalid";
    static final String ERR_BASE_BACKUP_INVALID = "Err_BaseBackupInvalid";

    /** On the start event: the kind must come from a caller that writes it (see {@link RunKindGuard}). */
    @Bean
    ExecutionListener backupRunKindGuard() {
        return execution -> {
            try {
                RunKindGuard.check(Executions.callerKey(execution), BackupRunVariables.of(execution).rawRunKind());
            } catch (RunKindGuard.RefusedException e) {
                // fails the start request (or the caller's step): no instance, no history row, no file
                throw new ProcessEngineException(e.getMessage(), e);
            }
        };
    }

    @Bean
    JavaDelegate acquireLeaseDelegate(BackupRunService runs) {
        return step((execution, vars, kind, owner) -> Steps.takeLock(execution, vars,
                () -> runs.begin(kind, owner),
                (runId, since, now) -> {
                    Optional<StagedSet> staged = runs.acquireAndStage(kind, owner, runId, since, now);
                    staged.ifPresent(s -> vars.putBackupId(s.id().toString()));
                    return staged.isPresent();
                }));
    }

    @Bean
    JavaDelegate checkSpaceForSetDelegate(BackupRunService runs) {
        return step((execution, vars, kind, owner) -> {
            try {
                runs.checkSpace(runs.staged(kind, vars.backupId(), owner));
            } catch (NotEnoughSpaceException e) {
                throw Steps.error(vars, execution, ERR_NOT_ENOUGH_SPACE, e);
            }
        });
    }

    @Bean
    JavaDelegate dumpDatabaseDelegate(BackupRunService runs) {
        return step((execution, vars, kind, owner) -> runs.dumpDatabase(runs.staged(kind, vars.backupId(), owner)));
    }

    @Bean
    JavaDelegate verifyDumpDelegate(BackupRunService runs) {
        return step((execution, vars, kind, owner) -> {
            try {
                vars.putDumpTocEntries(runs.verifyDump(runs.staged(kind, vars.backupId(), owner)));
            } catch (DumpInvalidException e) {
                throw Steps.error(vars, execution, ERR_DUMP_INVALID, e);
            }
        });
    }

    @Bean
    JavaDelegate dumpGlobalsDelegate(BackupRunService runs) {
        return step((execution, vars, kind, owner) -> runs.dumpGlobals(runs.staged(kind, vars.backupId(), owner), runs.runOf(kind, owner)));
    }

    @Bean
    JavaDelegate copyExtraFilesDelegate(BackupRunService runs) {
        return step((execution, vars, kind, owner) -> runs.copyExtraFiles(runs.staged(kind, vars.backupId(), owner)));
    }

    @Bean
    JavaDelegate snapshotUploadsDelegate(BackupRunService runs) {
        return step((execution, vars, kind, owner) -> {
            var result = runs.snapshotUploads(runs.staged(kind, vars.backupId(), owner), runs.runOf(kind, owner));
            vars.putSnapshotFigures(result.filesCopied(), result.filesLinked());
        });
    }

    @Bean
    JavaDelegate archiveUploadsDelegate(BackupRunService runs) {
        return step((execution, vars, kind, owner) -> {
            var result = runs.archiveUploads(runs.staged(kind, vars.backupId(), owner), runs.runOf(kind, owner));
            vars.putArchiveFigures(result.archiveBytes(), result.fileCount());
        });
    }

    @Bean
    JavaDelegate verifyArchiveDelegate(BackupRunService runs) {
        return step((execution, vars, kind, owner) -> {
            try {
                runs.verifyArchive(runs.staged(kind, vars.backupId(), owner));
            } catch (ArchiveInvalidException e) {
                throw Steps.error(vars, execution, ERR_ARCHIVE_INVALID, e);
            }
        });
    }

    /** Weekly only: a refused or switched-off base backup is a warning inside the service, never an error. */
    @Bean
    JavaDelegate takeBaseBackupDelegate(BackupRunService runs) {
        return step((execution, vars, kind, owner) ->
                runs.takeBaseBackup(runs.staged(kind, vars.backupId(), owner), runs.runOf(kind, owner)));
    }

    @Bean
    JavaDelegate verifyBaseBackupDelegate(BackupRunService runs) {
        return step((execution, vars, kind, owner) -> {
            try {
                vars.putBaseBackupFilesChecked(runs.verifyBaseBackup(runs.staged(kind, vars.backupId(), owner)));
            } catch (BaseBackupInvalidException e) {
                throw Steps.error(vars, execution, ERR_BASE_BACKUP_INVALID, e);
            }
        });
    }

    @Bean
    JavaDelegate publishSetDelegate(BackupRunService runs) {
        return step((execution, vars, kind, owner) -> runs.publish(runs.staged(kind, vars.backupId(), owner), runs.runOf(kind, owner)));
    }

    /** Never a BPMN error: a failed copy is recorded as a warning inside the service, the run goes on. */
    @Bean
    JavaDelegate copyOffsiteDelegate(OffsiteCopyService offsite, BackupRunService runs) {
        return step((execution, vars, kind, owner) -> {
            OffsiteCopyService.Outcome outcome = offsite.copyAfterPublish(owner, runs.runOf(kind, owner), kind, vars.backupId());
            vars.putOffsiteCopy(!outcome.enabled() ? "disabled" : outcome.warning() == null ? "copied" : "failed", outcome.copied().size());
        });
    }

    @Bean
    JavaDelegate recordHistoryDelegate(BackupRunService runs) {
        return step((execution, vars, kind, owner) -> {
            runs.complete(runs.runOf(kind, owner), kind, vars.backupId());
            vars.putOutcome(RunOutcome.COMPLETED);
        });
    }

    @Bean
    JavaDelegate releaseLeaseDelegate(BackupRunService runs) {
        return step((execution, vars, kind, owner) -> runs.release(owner));
    }

    @Bean
    JavaDelegate recordFailureDelegate(BackupRunService runs) {
        return recordFailure(runs);
    }

    /** After Err_LeaseLost (the event subprocess): the same record, its outcome already LEASE_LOST. */
    @Bean
    JavaDelegate recordLeaseLostDelegate(BackupRunService runs) {
        return recordFailure(runs);
    }

    private static JavaDelegate recordFailure(BackupRunService runs) {
        return execution -> {
            BackupRunVariables vars = BackupRunVariables.of(execution);
            RunKindGuard.check(Executions.callerKey(execution), vars.rawRunKind());
            String owner = Executions.ownerInstanceId(execution);
            Text text = vars.failureText();
            if (text != null) {
                runs.fail(vars.runKind(), runs.runOf(vars.runKind(), owner), owner, vars.failedStep(), text);
            } else {
                runs.fail(vars.runKind(), runs.runOf(vars.runKind(), owner), owner, vars.failedStep(), vars.failureMessage());
            }
            if (!vars.hasOutcome()) {
                vars.putOutcome(RunOutcome.FAILED);
            }
        };
    }

    /** Wraps a step: a lost lease anywhere ends the run cleanly through Err_LeaseLost. */
    private static JavaDelegate step(Step body) {
        return execution -> {
            BackupRunVariables vars = BackupRunVariables.of(execution);
            // every step, not only the start event: a start at an inner activity skips the start listener
            RunKindGuard.check(Executions.callerKey(execution), vars.rawRunKind());
            try {
                body.run(execution, vars, vars.runKind(), Executions.ownerInstanceId(execution));
            } catch (LeaseLostException e) {
                vars.putOutcome(RunOutcome.LEASE_LOST);
                throw Steps.error(vars, execution, ERR_LEASE_LOST, e);
            }
        };
    }

    @FunctionalInterface
    private interface Step {
        void run(DelegateExecution execution, BackupRunVariables vars, BackupKind kind, String owner) throws Exception;
    }
}
