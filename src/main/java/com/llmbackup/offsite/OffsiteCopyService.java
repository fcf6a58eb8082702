package com.llmbackup.offsite;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupHistory;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupLog;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.catalog.LeaseLostException;
import com.llmbackup.catalog.LeaseManager;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.Sizes;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.config.Text;
import com.llmbackup.monitoring.Alerts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * The offsite step of a backup run: copies the set just published, then (daily and weekly
 * runs; a restore waits for its safety backup) catches up, oldest first and at most
 * {@code backup.offsite.catch-up-limit}, the complete sets the repository lacks and its
 * retention would keep. A failed copy never undoes the local set: it becomes a
 * warning on the run, a log line, an alert and the offsite state; the run still completes,
 * and the next run copies what is missing. Safe to run twice: a set already offsite is not copied again.
 * With WAL streaming on, the WAL folder is copied too ({@link OffsiteWalCopy}).
 */
@Service
public class OffsiteCopyService {

    private static final Logger log = LoggerFactory.getLogger(OffsiteCopyService.class);

    private final BackupProperties properties;
    private final OffsiteRepository repository;
    private final OffsiteState state;
    private final BackupCatalog catalog;
    private final BackupHistory history;
    private final BackupLog backupLog;
    private final LeaseManager leases;
    private final Alerts alerts;
    private final OffsiteWalCopy wal;

    public OffsiteCopyService(BackupProperties properties, OffsiteRepository repository, OffsiteState state, BackupCatalog catalog,
                              BackupHistory history, BackupLog backupLog, LeaseManager leases, Alerts alerts, OffsiteWalCopy wal) {
        this.wal = wal;
        this.properties = properties;
        this.repository = repository;
        this.state = state;
        this.catalog = catalog;
        this.history = history;
        this.backupLog = backupLog;
        this.leases = leases;
        this.alerts = alerts;
    }

    /** What the step did: the sets copied (with snapshot and bytes sent) and the warning when it failed. */
    public record Outcome(boolean enabled, List<String> copied, String warning) {
    }

    public Outcome copyAfterPublish(String owner, long runId, BackupKind kind, String backupId) {
        if (!repository.enabled()) {
            return new Outcome(false, List.of(), null);
        }
        leases.resume(owner); // the copy runs under the run's lock: a lost lease ends the run as elsewhere
        BackupSetId id = BackupSetId.parse(backupId);
        String label = kind.dir() + "/" + id;
        List<String> copied = new ArrayList<>();
        try {
            List<OffsiteSnapshot> snapshots = state.refresh();
            if (snapshots.stream().noneMatch(s -> s.copies(kind, id))) {
                BackupSet set = catalog.find(kind, id).filter(s -> s.status() == BackupSet.Status.COMPLETE)
                        .orElseThrow(() -> new IllegalStateException(label + " is not a complete set"));
                OffsiteRepository.CopyResult result = repository.copy(set, snapshots);
                history.setOffsite(runId, result.snapshotId(), result.bytesAdded(), result.filesRead(), result.filesUnchanged());
                copied.add(record(set, result, "copied"));
            }
            // a safety backup is a restore's first step: the restore waits for it, so no catching up there
            List<OffsiteSnapshot> known = state.refresh();
            List<BackupSet> catchUp = kind == BackupKind.SAFETY ? List.of() : toCatchUp(known);
            for (BackupSet missing : catchUp) {
                leases.resume(owner);
                OffsiteRepository.CopyResult result = repository.copy(missing, known);
                history.setOffsiteForSet(RunKind.of(missing.kind()), missing.id().toString(), result.snapshotId(), result.bytesAdded(),
                        result.filesRead(), result.filesUnchanged());
                String line = record(missing, result, "caughtUp");
                history.addDetail(runId, line);
                copied.add(line);
            }
            if (wal.active()) {
                // the WAL written since the last interval goes with every run (docs/wal.md)
                String line = wal.copy();
                backupLog.write(line);
                history.addDetail(runId, line);
            }
            state.refresh();
            state.succeeded();
            return new Outcome(true, copied, null);
        } catch (LeaseLostException e) {
            throw e;
        } catch (RuntimeException e) {
            String warning = backupLog.texts().render("offsite.copyFailed", e.getMessage(), label);
            log.warn("Run {}: {}", runId, warning, e);
            history.addWarning(runId, warning);
            backupLog.write(Text.of("log.run.warning", RunKind.of(kind).titleText(), warning));
            state.failed(e.getMessage());
            alerts.offsiteCopyFailed(label, runId, e.getMessage());
            return new Outcome(true, copied, warning);
        }
    }

    /**
     * Complete sets the repository lacks, oldest first, that offsite retention would keep
     * once copied (a set it would forget at once is not sent), at most the catch-up limit.
     */
    List<BackupSet> toCatchUp(List<OffsiteSnapshot> snapshots) {
        List<BackupSet> missing = catalog.list().stream()
                .filter(s -> s.status() == BackupSet.Status.COMPLETE)
                // a pitr set is made again from a base backup and the WAL, both copied already
                .filter(s -> s.kind() != BackupKind.PITR)
                .filter(s -> snapshots.stream().noneMatch(o -> o.copies(s.kind(), s.id())))
                .sorted(Comparator.comparing(BackupSet::id).thenComparing(BackupSet::kind))
                .toList();
        if (missing.isEmpty()) {
            return List.of();
        }
        List<OffsiteSnapshot> withCandidates = new ArrayList<>(snapshots);
        for (BackupSet s : missing) {
            withCandidates.add(new OffsiteSnapshot("pending-" + s.label(), "pending", Instant.EPOCH,
                    OffsiteSnapshot.tagsOf(s.kind(), s.id())));
        }
        List<String> kept = OffsiteRetentionPlanner.plan(withCandidates, OffsiteRetention.policy(properties)).stream()
                .filter(d -> d.keep() && d.snapshot().id().startsWith("pending-")).map(d -> d.set().label()).toList();
        return missing.stream().filter(s -> kept.contains(s.label())).limit(properties.offsite().catchUpLimit()).toList();
    }

    private String record(BackupSet set, OffsiteRepository.CopyResult result, String how) {
        String line = backupLog.texts().render("offsite.copied", Text.of("offsite.copied." + how), set.label(),
                shortId(result.snapshotId()) + (result.parentId() == null ? "" : ", parent " + result.parentId()), result.filesRead(),
                result.filesProcessed(), result.filesUnchanged(), Sizes.human(result.bytesAdded()), Sizes.human(result.bytesProcessed()));
        log.info(line);
        backupLog.write(line);
        return line;
    }

    private static String shortId(String id) {
        return id.length() > 8 ? id.substring(0, 8) : id;
    }
}
