package com.llmbackup.process.preflight;

import java.util.List;

import com.llmbackup.catalog.BackupLog;
import com.llmbackup.config.Text;
import com.llmbackup.preflight.CheckResult;
import com.llmbackup.preflight.PreflightChecks;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The delegates of {@code PreflightProcess}: one bean per check task ({@code Task_CheckX}
 * is served by {@code checkXDelegate}), each running one check and recording its result,
 * and the report that sums them up. A failed check is an outcome, not an error: the
 * process always runs every check and ends in passed or failed.
 */
@Configuration(proxyBeanMethods = false)
class PreflightDelegates {

    /** The checks in the order of the model. */
    static final List<String> CHECKS = List.of(PreflightChecks.BACKUP_ROOT, PreflightChecks.FREE_SPACE,
            PreflightChecks.DATABASE, PreflightChecks.PG_DUMP_VERSION, PreflightChecks.UPLOADS,
            PreflightChecks.DOCKER, PreflightChecks.HEALTH_URL, PreflightChecks.OFFSITE, PreflightChecks.WAL_STREAMING);

    private static final Logger log = LoggerFactory.getLogger(PreflightDelegates.class);

    @Bean
    JavaDelegate checkBackupRootDelegate(PreflightChecks checks) {
        return check(checks, PreflightChecks.BACKUP_ROOT);
    }

    @Bean
    JavaDelegate checkFreeSpaceDelegate(PreflightChecks checks) {
        return check(checks, PreflightChecks.FREE_SPACE);
    }

    @Bean
    JavaDelegate checkDatabaseDelegate(PreflightChecks checks) {
        return check(checks, PreflightChecks.DATABASE);
    }

    @Bean
    JavaDelegate checkPgDumpVersionDelegate(PreflightChecks checks) {
        return check(checks, PreflightChecks.PG_DUMP_VERSION);
    }

    @Bean
    JavaDelegate checkUploadsDelegate(PreflightChecks checks) {
        return check(checks, PreflightChecks.UPLOADS);
    }

    @Bean
    JavaDelegate checkDockerDelegate(PreflightChecks checks) {
        return check(checks, PreflightChecks.DOCKER);
    }

    @Bean
    JavaDelegate checkHealthUrlDelegate(PreflightChecks checks) {
        return check(checks, PreflightChecks.HEALTH_URL);
    }

    @Bean
    JavaDelegate checkOffsiteDelegate(PreflightChecks checks) {
        return check(checks, PreflightChecks.OFFSITE);
    }

    @Bean
    JavaDelegate checkWalStreamingDelegate(PreflightChecks checks) {
        return check(checks, PreflightChecks.WAL_STREAMING);
    }

    @Bean
    JavaDelegate reportPreflightDelegate(BackupLog backupLog) {
        return execution -> {
            PreflightVariables vars = PreflightVariables.of(execution);
            List<CheckResult> results = vars.checkResults(CHECKS);
            List<String> failed = results.stream().filter(CheckResult::failed).map(CheckResult::check).toList();
            long warnings = results.stream().filter(r -> r.status() == CheckResult.Status.WARN).count();
            String headline = backupLog.texts().render(failed.isEmpty() ? "preflight.passed" : "preflight.failed",
                    results.size() - failed.size() - warnings, warnings, failed.size(), String.join(", ", failed));
            StringBuilder summary = new StringBuilder(headline);
            results.forEach(r -> summary.append('\n').append(backupLog.texts().render(r.advice().isEmpty()
                    ? Text.of("preflight.line", r.check(), r.status(), r.verdict())
                    : Text.of("preflight.lineDo", r.check(), r.status(), r.verdict(), r.advice()))));
            vars.putOutcome(failed.isEmpty(), summary.toString(), failed);
            backupLog.write(headline);
            log.info("{}", summary);
        };
    }

    private static JavaDelegate check(PreflightChecks checks, String name) {
        return execution -> PreflightVariables.of(execution).putCheckResult(checks.run(name));
    }
}
