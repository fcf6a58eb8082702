package com.llmbackup.recovery;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupHistory;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupLog;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.config.Text;
import com.llmbackup.monitoring.Alerts;
import com.llmbackup.postgres.DatabaseRestorer;
import com.llmbackup.restore.RestoreInspector;
import com.llmbackup.restore.RestorePlan;
import com.llmbackup.restore.RestoreRequest;
import com.llmbackup.restore.RestoreRuns;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * The automated steps of a disaster recovery onto a new server: its history row, the history
 * rebuilt from the copied manifests, the set chosen ({@link RecoveryChoice}) and verified by the
 * restore's own guard, the roles restored first, and the report. The restore itself is
 * RestoreProcess's (called by the model), so nothing of it is repeated here.
 */
@Service
public class DisasterRecoveryService {

    private static final Logger log = LoggerFactory.getLogger(DisasterRecoveryService.class);
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private final BackupProperties properties;
    private final BackupCatalog catalog;
    private final BackupHistory history;
    private final BackupLog backupLog;
    private final RestoreInspector inspector;
    private final RestoreRuns restoreRuns;
    private final DatabaseRestorer databases;
    private final Alerts alerts;

    public DisasterRecoveryService(BackupProperties properties, BackupCatalog catalog, BackupHistory history, BackupLog backupLog,
                                   RestoreInspector inspector, RestoreRuns restoreRuns, DatabaseRestorer databases, Alerts alerts) {
        this.properties = properties;
        this.catalog = catalog;
        this.history = history;
        this.backupLog = backupLog;
        this.inspector = inspector;
        this.restoreRuns = restoreRuns;
        this.databases = databases;
        this.alerts = alerts;
    }

    /** The set chosen for the recovery, verified, and what the confirming operator reads. */
    public record Chosen(String kind, String id, String label, Instant backupTime, RestorePlan plan, String server) {
    }

    /** The recovery's history row (a retried step finds the one it made). */
    public long declare(String owner, String declaredBy, String reason) {
        var existing = history.runningRun(owner, RunKind.RECOVERY);
        if (existing.isPresent()) {
            return existing.get().id();
        }
        long runId = history.start(RunKind.RECOVERY, owner);
        history.setRequest(runId, declaredBy, null, reason);
        backupLog.write(Text.of("log.recovery.declared", declaredBy, runId));
        return runId;
    }

    /** The recovery's history row, found by its own process instance (never by a variable a step could be sent). */
    public long runOf(String owner) {
        return history.newestOwned(owner, RunKind.RECOVERY).map(HistoryEntry::id)
                .orElseThrow(() -> new IllegalStateException("Process instance " + owner + " has no disaster recovery in the history: "
                        + "its first step records it."));
    }

    /** Rows for the complete sets the copied backup root holds (the engine database of a new server is empty). */
    public int rebuildHistory(long runId) {
        int added = history.rebuild(catalog);
        history.addDetail(runId, Text.of("detail.historyRebuilt", catalog.root(), added));
        return added;
    }

    /**
     * The named set, or the newest complete one, checked by the restore's own guard (SHA-256 of
     * its artifacts, pg_restore --list, archive entries, the services to stop) before the operator confirms.
     */
    public Chosen choose(long runId, String kind, String id, String declaredBy, String reason) {
        fetchNamedFromOffsite(kind, id).ifPresent(fetched -> history.addDetail(runId, Text.of("detail.fetched", fetched.label(), catalog.root())));
        BackupSet set = RecoveryChoice.choose(catalog.list(), kind, id, catalog.root().toString(), backupLog.texts());
        RestoreRequest request = RestoreRequest.forRecovery(set.kind().dir(), set.id().toString(), reason, declaredBy);
        RestorePlan plan;
        try {
            plan = inspector.inspect(request);
        } catch (RuntimeException e) {
            throw new RecoveryRefusedException(Text.of("recovery.refused.check", set.label(), e.getMessage()), backupLog.texts(), e);
        }
        history.setBackupId(runId, set.id().toString());
        history.setSource(runId, set.label());
        history.addDetail(runId, Text.of("detail.chosen", set.label(), plan.backupTime()));
        return new Chosen(set.kind().dir(), set.id().toString(), set.label(), inspector.backupTime(request), plan,
                RecoveryReport.serverFact(history.recordedHere(runId)));
    }

    /**
     * A named set that is not in the copied backup root but in the offsite repository is fetched
     * first (verified against its manifest), so "copy the backup files" can be this fetch; a
     * name that does not parse is left to the choice, which says so.
     */
    public Optional<BackupSet> fetchNamedFromOffsite(String kind, String id) {
        if (id == null || id.isBlank()) {
            return Optional.empty();
        }
        BackupKind k;
        BackupSetId setId;
        try {
            k = BackupKind.fromDir(kind == null || kind.isBlank() ? BackupKind.DAILY.dir() : kind.strip());
            setId = BackupSetId.parse(id.strip());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (catalog.find(k, setId).isPresent()) {
            return Optional.empty();
        }
        try {
            return inspector.fetchFromOffsite(k, setId);
        } catch (RuntimeException e) {
            throw new RecoveryRefusedException(e.getMessage(), e);
        }
    }

    /** The set's roles before its database: the restored tables' owners and the grant role must exist. */
    public List<String> restoreRoles(long runId, String kind, String id) {
        var source = inspector.resolve(RestoreRequest.forRecovery(kind, id, null, null));
        // run as the backup's roles after the confirmation: still the file the manifest names
        inspector.checkGlobals(source.set(), source.globals());
        List<String> notes = databases.restoreRoles(source.globals());
        if (notes.isEmpty()) {
            history.addDetail(runId, Text.of("detail.roleExists", properties.database().grantRole()));
        } else {
            history.addDetail(runId, String.join(" ", notes));
        }
        return notes;
    }

    /** When the set was written: the report's RPO. */
    public Instant backupTime(String kind, String id) {
        return inspector.backupTime(RestoreRequest.forRecovery(kind, id, null, null));
    }

    /**
     * Whether the called restore completed: the application answered its health check. A
     * rolled-back restore is not a recovery. The restore's row is found by the process instance
     * the engine recorded as called ({@code restoreInstance}, null when none was), never by a variable.
     */
    public boolean restored(String restoreInstance) {
        return restoreRun(restoreInstance).filter(e -> e.status() == RunStatus.COMPLETED)
                .filter(e -> !restoreRuns.rollingBack(e.id())).isPresent();
    }

    private Optional<HistoryEntry> restoreRun(String restoreInstance) {
        return restoreInstance == null ? Optional.empty() : history.newestOwned(restoreInstance, RunKind.RESTORE);
    }

    /**
     * Task_RaiseRtoAlert: the recovery declared at {@code declaredAt} is about to miss its RTO;
     * recorded and alerted, naming the tasks still open. Returns what the operator's task shows.
     */
    public String rtoAtRisk(long runId, String processInstanceId, Instant declaredAt, List<String> openTasks) {
        // the alert, the run's details and the operator's task: in backup.language
        String message = backupLog.texts().render("recovery.rtoAtRisk", processInstanceId, declaredAt, properties.dr().rto(),
                declaredAt.plus(properties.dr().rto()), openTasks.isEmpty() ? Text.of("recovery.rtoAtRisk.noTask")
                        : Text.of("recovery.rtoAtRisk.openTasks", String.join("; ", openTasks)));
        history.addDetail(runId, Text.of("recovery.rtoAtRisk.detail", message));
        alerts.rtoAtRisk(processInstanceId, message);
        return message;
    }

    /** What a recovery's steps and its operators answered (its variables). */
    public record Answers(String recoveryKind, String recoveryId, boolean confirmed, String confirmationComment, String reason,
                          String failedStep, String failureMessage, Boolean preflightPassed) {
    }

    /**
     * What the engine recorded of a recovery: who declared and confirmed it (the logins), when,
     * the called restore and when its health check passed, whether the RTO escalation fired,
     * and each finished step.
     */
    public record EngineRecord(String processInstanceId, String declaredBy, String confirmedBy, Instant declaredAt, Instant endedAt,
                               String restoreInstance, Instant restoreHealthyAt, boolean rtoEscalated, List<RecoveryReport.Step> steps) {
    }

    /** Task_RecordRecovery: the report (RTO, RPO, each step and who did it) from the engine's record and the restore's row. */
    public void recordRecovery(long runId, Answers answers, EngineRecord engine) {
        HistoryEntry restore = restoreRun(engine.restoreInstance()).orElse(null);
        RecoveryEnding ending = RecoveryEnding.of(answers, engine.confirmedBy(), restore, restored(engine.restoreInstance()),
                backupLog.texts());
        boolean recovered = RecoveryReport.RECOVERED.equals(ending.outcome());
        String set = answers.recoveryId() == null ? null : answers.recoveryKind() + "/" + answers.recoveryId();
        Instant backupTime = answers.recoveryId() == null ? null : backupTime(answers.recoveryKind(), answers.recoveryId());
        finish(RecoveryReport.of(runId, engine.processInstanceId(), ending.outcome(), ending.message(), engine.declaredBy(),
                engine.confirmedBy(), answers.reason(), engine.declaredAt(), recovered ? engine.restoreHealthyAt() : null, engine.endedAt(),
                set, backupTime, properties.dr().rto(), properties.rpo(), engine.rtoEscalated(), engine.restoreInstance(),
                answers.preflightPassed(), engine.steps()));
    }

    /** Ends the row with the report: completed when recovered, rejected when the operator cancelled, failed otherwise (with an alert). */
    public void finish(RecoveryReport report) {
        try {
            history.setReport(report.runId(), JSON.writeValueAsString(report));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (report.confirmedBy() != null) {
            history.setApprovedBy(report.runId(), report.confirmedBy());
        }
        if (report.rtoSeconds() != null) {
            history.setRto(report.runId(), report.rtoSeconds() * 1000);
        }
        Text summary = report.summary();
        switch (report.outcome()) {
            case RecoveryReport.RECOVERED -> history.end(report.runId(), RunStatus.COMPLETED, summary);
            case RecoveryReport.CANCELLED -> history.end(report.runId(), RunStatus.REJECTED, summary);
            default -> history.fail(report.runId(), null, summary);
        }
        backupLog.write(Text.of("log.recovery.ended", Text.of("recovery.outcome." + report.outcome()), summary));
        log.info("Disaster recovery {} (run {}): {}", report.outcome(), report.runId(), backupLog.texts().render(summary));
    }

    /** Every recovery's report, newest first (the admin page). */
    public List<JsonNode> reports() {
        List<JsonNode> reports = new ArrayList<>();
        for (String json : history.reports()) {
            try {
                reports.add(JSON.readTree(json));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return reports;
    }
}
