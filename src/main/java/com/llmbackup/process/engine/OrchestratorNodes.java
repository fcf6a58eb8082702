package com.llmbackup.process.engine;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import com.llmbackup.catalog.LeaseManager;
import com.llmbackup.catalog.OwnerLiveness;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.config.Text;
import com.llmbackup.config.Texts;
import com.llmbackup.exec.ThisMachine;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.cmd.UnlockJobCmd;
import org.camunda.bpm.engine.impl.jobexecutor.JobExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The orchestrators sharing the engine database, and the jobs a stopped one left locked.
 *
 * <p>The engine locks a job for {@code lock-time-in-millis} (12 h, longer than the longest
 * step) and gives it to another job thread only after that. An orchestrator killed inside a
 * step would leave its job invisible for 12 h and then run it again, blindly. So every
 * orchestrator reports a heartbeat ({@code orchestrator_node}); every heartbeat it also looks
 * for jobs locked by one that stopped ({@link LockOwnerVerdict}) and unlocks them, so they
 * run again within a minute of a restart. A step that must not simply run again (a restore's
 * stop, data and start steps) knows it from its own mark and asks an operator instead.
 * A running restore's lease is renewed again here after a restart: it belongs to the restore.
 */
@Component
public class OrchestratorNodes implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OrchestratorNodes.class);

    private final Texts texts;
    private final JdbcTemplate jdbc;
    private final ProcessEngineConfigurationImpl engine;
    private final BackupProperties.Lock settings;
    private final LeaseManager leases;
    private final OwnerLiveness liveness;
    private final String host = ThisMachine.id();
    private final long pid = ThisMachine.pid();
    private final Instant started = ThisMachine.started();
    // two threads: a heartbeat never waits behind a rescue (or the backup root's file lock)
    private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "orchestrator-heartbeat");
        t.setDaemon(true);
        return t;
    });

    OrchestratorNodes(JdbcTemplate jdbc, ProcessEngine engine, BackupProperties properties, LeaseManager leases,
                      OwnerLiveness liveness, Texts texts) {
        this.texts = texts;
        this.jdbc = jdbc;
        this.engine = (ProcessEngineConfigurationImpl) engine.getProcessEngineConfiguration();
        this.settings = properties.lock();
        this.leases = leases;
        this.liveness = liveness;
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        beat();
        tick();
        long period = settings.nodeHeartbeat().toMillis();
        timer.scheduleWithFixedDelay(this::beat, period, period, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(this::tick, period, period, TimeUnit.MILLISECONDS);
    }

    private void beat() {
        try {
            heartbeat();
        } catch (RuntimeException e) {
            log.warn("Orchestrator heartbeat failed (retried in {} s): {}", settings.nodeHeartbeat().toSeconds(), e.toString());
        }
    }

    /** Give back the jobs of stopped orchestrators, renew a running restore's lease. */
    void tick() {
        try {
            rescueJobs();
            adoptRestoreLease();
        } catch (RuntimeException e) {
            log.warn("Looking for jobs of stopped orchestrators failed (retried in {} s): {}", settings.nodeHeartbeat().toSeconds(),
                    e.toString());
        }
    }

    String lockOwner() {
        JobExecutor executor = engine.getJobExecutor();
        return executor == null ? null : executor.getLockOwner();
    }

    private void heartbeat() {
        String owner = lockOwner();
        if (owner == null) {
            return;
        }
        // the database's clock, for writer and reader alike: the machines' clocks may differ
        if (jdbc.update("update orchestrator_node set heartbeat_at = current_timestamp where lock_owner = ?", owner) == 0) {
            jdbc.update("insert into orchestrator_node (lock_owner, host, pid, started_at, heartbeat_at) values (?, ?, ?, ?, current_timestamp)",
                    owner, host, pid, Timestamp.from(started));
            log.info("Orchestrator {} (process {} on {}) reports every {} s", owner, pid, host, settings.nodeHeartbeat().toSeconds());
        }
    }

    /** Unlocks the jobs whose lock owner has stopped; returns how many. */
    public int rescueJobs() {
        List<StoppedLock> stopped = stoppedLocks();
        for (StoppedLock job : stopped) {
            engine.getCommandExecutorTxRequired().execute(new UnlockJobCmd(job.jobId()));
            log.warn("Job {} of {} (process instance {}) runs again now: {}. It was locked until {}.", job.jobId(),
                    job.processKey(), job.processInstanceId(), texts.render(job.why()), job.lockedUntil());
        }
        if (!stopped.isEmpty()) {
            engine.getJobExecutor().jobWasAdded();
        }
        return stopped.size();
    }

    /** A job locked by an orchestrator that has stopped: its run is abandoned until someone unlocks it. */
    record StoppedLock(String jobId, String processInstanceId, String rootProcessInstanceId, String processKey,
                       Object lockedUntil, Text why) {
    }

    /** The jobs locked by another orchestrator that has stopped ({@link LockOwnerVerdict}). */
    List<StoppedLock> stoppedLocks() {
        String own = lockOwner();
        if (own == null) {
            return List.of();
        }
        Instant now = jdbc.queryForObject("select current_timestamp", Timestamp.class).toInstant();
        long lockTime = engine.getJobExecutor().getLockTimeInMillis();
        List<Map<String, Object>> locked = jdbc.queryForList("select ID_, LOCK_OWNER_, LOCK_EXP_TIME_, PROCESS_INSTANCE_ID_,"
                + " ROOT_PROC_INST_ID_, PROCESS_DEF_KEY_ from ACT_RU_JOB where LOCK_OWNER_ is not null and LOCK_OWNER_ <> ?"
                + " and LOCK_EXP_TIME_ > ?", own, Timestamp.from(now));
        if (locked.isEmpty()) {
            return List.of();
        }
        Map<String, LockOwnerVerdict.Node> nodes = jdbc.query("select lock_owner, host, pid, started_at, heartbeat_at from orchestrator_node",
                (rs, row) -> new LockOwnerVerdict.Node(rs.getString(1), rs.getString(2), rs.getLong(3),
                        rs.getTimestamp(4).toInstant(), rs.getTimestamp(5).toInstant())).stream()
                .collect(Collectors.toMap(LockOwnerVerdict.Node::lockOwner, n -> n));
        LockOwnerVerdict.Here here = new LockOwnerVerdict.Here(own, host, now, settings.nodeStaleAfter(),
                ThisMachine::processStart);
        List<StoppedLock> stopped = new ArrayList<>();
        for (Map<String, Object> job : locked) {
            String owner = (String) job.get("LOCK_OWNER_");
            Instant lockedAt = ((Timestamp) job.get("LOCK_EXP_TIME_")).toInstant().minusMillis(lockTime);
            LockOwnerVerdict.whyStopped(owner, lockedAt, Optional.ofNullable(nodes.get(owner)), here)
                    .ifPresent(why -> stopped.add(new StoppedLock((String) job.get("ID_"), (String) job.get("PROCESS_INSTANCE_ID_"),
                            (String) job.get("ROOT_PROC_INST_ID_"), (String) job.get("PROCESS_DEF_KEY_"), job.get("LOCK_EXP_TIME_"), why)));
        }
        return stopped;
    }

    /** A running restore keeps the lock across a restart of its orchestrator: renewed from here from now on. */
    private void adoptRestoreLease() {
        leases.current().map(LeaseManager.LeaseInfo::owner)
                .filter(owner -> liveness.keepsLeaseUntilEnded(owner) && liveness.of(owner) == OwnerLiveness.State.ACTIVE)
                .ifPresent(leases::resume);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
