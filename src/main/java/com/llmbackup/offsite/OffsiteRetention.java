package com.llmbackup.offsite;

import java.util.ArrayList;
import java.util.List;

import com.llmbackup.catalog.BackupLog;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.config.Text;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * Offsite retention, run by the cleanup under its lock: every copy decided by
 * {@link OffsiteRetentionPlanner} with its reason in the backup log, then {@code restic forget}
 * of exactly the copies decided away and {@code restic prune}. A dry run only logs.
 */
@Service
public class OffsiteRetention {

    private static final Logger log = LoggerFactory.getLogger(OffsiteRetention.class);

    private final BackupProperties properties;
    private final OffsiteRepository repository;
    private final OffsiteState state;
    private final BackupLog backupLog;

    public OffsiteRetention(BackupProperties properties, OffsiteRepository repository, OffsiteState state, BackupLog backupLog) {
        this.properties = properties;
        this.repository = repository;
        this.state = state;
        this.backupLog = backupLog;
    }

    static OffsiteRetentionPlanner.Policy policy(BackupProperties properties) {
        BackupProperties.Offsite o = properties.offsite();
        return new OffsiteRetentionPlanner.Policy(o.keepDaily(), o.keepWeekly(), o.keepMonthly(), properties.retention().minFull());
    }

    /** Decides, logs and (unless a dry run) forgets and prunes; returns the lines written. */
    public List<Text> apply(boolean dryRun) {
        if (!repository.enabled()) {
            return List.of();
        }
        List<OffsiteSnapshot> snapshots = repository.snapshots();
        List<OffsiteRetentionPlanner.Decision> decisions = new ArrayList<>(OffsiteRetentionPlanner.plan(snapshots, policy(properties)));
        decisions.addAll(OffsiteRetentionPlanner.planWal(snapshots, policy(properties)));
        List<Text> lines = new ArrayList<>();
        List<String> forget = new ArrayList<>();
        for (OffsiteRetentionPlanner.Decision d : decisions) {
            Text line = dryRun && !d.keep() ? Text.of("offsite.retention.wouldForget", d.label(), d.snapshot().shortId(), d.reason())
                    : d.line();
            log.info(backupLog.texts().render(line));
            if (!d.keep()) {
                backupLog.write(line);
                lines.add(line);
                forget.add(d.snapshot().id());
            }
        }
        if (!dryRun && !forget.isEmpty()) {
            try {
                repository.forget(forget);
                repository.prune();
            } catch (RuntimeException e) {
                // a prune that fails after the forget: the sets must not go on showing the forgotten copies as offsite
                try {
                    state.refresh();
                } catch (RuntimeException unreadable) {
                    e.addSuppressed(unreadable);
                }
                throw e;
            }
        }
        Text summary = Text.of(dryRun ? "offsite.retention.dryRun" : "offsite.retention.done", forget.size(),
                decisions.size() - forget.size());
        backupLog.write(summary);
        lines.add(summary);
        state.refresh();
        return lines;
    }

    /** The full plan with reasons for every copy (kept ones too), for logs and tests. */
    public List<OffsiteRetentionPlanner.Decision> plan() {
        List<OffsiteSnapshot> snapshots = repository.snapshots();
        List<OffsiteRetentionPlanner.Decision> decisions = new ArrayList<>(OffsiteRetentionPlanner.plan(snapshots, policy(properties)));
        decisions.addAll(OffsiteRetentionPlanner.planWal(snapshots, policy(properties)));
        return decisions;
    }
}
