package com.llmbackup.config;

import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The {@code backup.*} settings. Defaults are the runbook's (FR-042); key names are the
 * public contract of design.md. A malformed value stops start-up with a message naming
 * the key and the value; a missing environment (folder, database, Docker) does not.
 */
@ConfigurationProperties("backup")
public record BackupProperties(
        @DefaultValue("/backup") Path root,
        @DefaultValue("/uploads") Path uploadsDir,
        @DefaultValue("/var/log/llm-backup.log") Path logFile,
        @DefaultValue Database database,
        @DefaultValue Postgres postgres,
        @DefaultValue Schedule schedule,
        @DefaultValue Retention retention,
        @DefaultValue Compose compose,
        @DefaultValue Docker docker,
        @DefaultValue Health health,
        @DefaultValue Volume volume,
        @DefaultValue Preflight preflight,
        @DefaultValue Lock lock,
        @DefaultValue Permissions permissions,
        @DefaultValue Space space,
        List<Path> extraFiles,
        @DefaultValue("R2/PT5M") String retryCycle,
        @DefaultValue("24h") Duration rpo,
        @DefaultValue Dr dr,
        @DefaultValue Restore restore,
        @DefaultValue Alerts alerts,
        @DefaultValue Drill drill,
        @DefaultValue Offsite offsite,
        @DefaultValue Clock clock,
        @DefaultValue Wal wal,
        String displayZone,
        @DefaultValue("ko") String language) {

    /** What Docker needs after a stop's grace: the kill, the container's exit and the engine's answer. */
    public static final Duration STOP_ANSWER_MARGIN = Duration.ofSeconds(30);

    public BackupProperties {
        Settings.requireZone("backup.display-zone", displayZone);
        Settings.requireLanguage("backup.language", language);
        Settings.requirePositive("backup.rpo", rpo);
        if (restore.stopTimeout().plus(STOP_ANSWER_MARGIN).compareTo(docker.timeout()) > 0) {
            // the engine answers a stop after the grace and the kill: a client that stops listening first fails every stop
            throw Settings.invalid("backup.restore.stop-timeout", restore.stopTimeout(), "the Docker client waits "
                    + docker.timeout() + " (backup.docker.timeout) for the answer to a stop, which comes after the stop timeout "
                    + "and the kill that follows it: set backup.docker.timeout to at least the stop timeout plus "
                    + STOP_ANSWER_MARGIN.toSeconds() + "s, or lower the stop timeout.");
        }
        extraFiles = extraFiles == null ? List.of() : List.copyOf(extraFiles);
        Settings.requireRetryCycle("backup.retry-cycle", retryCycle);
    }

    /**
     * The time zone in which the forms show times (backup.display-zone, e.g. Asia/Seoul; the
     * server's when unset), UTC beside them: Tasklist shows its own times in the browser's zone.
     */
    public ZoneId displayZoneId() {
        return displayZone == null || displayZone.isBlank() ? ZoneId.systemDefault() : ZoneId.of(displayZone);
    }

    /** The web app's database: what is dumped and restored. */
    public record Database(
            @DefaultValue("localhost") String host,
            @DefaultValue("5432") int port,
            @DefaultValue("llm_webapp") String name,
            @DefaultValue("postgres") String user,
            String password,
            @DefaultValue("llm_user") String grantRole,
            @DefaultValue("10s") Duration connectTimeout) {

        public Database {
            Settings.requirePort("backup.database.port", port);
            Settings.requireIdentifier("backup.database.name", name);
            Settings.requireIdentifier("backup.database.user", user);
            Settings.requireIdentifier("backup.database.grant-role", grantRole);
            Settings.requirePositive("backup.database.connect-timeout", connectTimeout);
        }

        public String jdbcUrl() {
            return jdbcUrl(name);
        }

        public String jdbcUrl(String databaseName) {
            return "jdbc:postgresql://" + host + ":" + port + "/" + databaseName
                    + "?connectTimeout=" + Math.max(1, connectTimeout.toSeconds())
                    + "&ApplicationName=llm-backup";
        }

        @Override
        public String toString() {
            // the password must never reach a log line
            return "Database[" + user + "@" + host + ":" + port + "/" + name + "]";
        }
    }

    /** Where the PostgreSQL client programs live (empty: the PATH) and how long they may run. */
    public record Postgres(String binDir, @DefaultValue("6h") Duration commandTimeout) {
        public Postgres {
            Settings.requirePositive("backup.postgres.command-timeout", commandTimeout);
        }
    }

    /** Timer schedules: 6-field cron expressions as the engine takes them. */
    public record Schedule(
            @DefaultValue("0 0 2 * * ?") String daily,
            @DefaultValue("0 0 2 ? * SUN") String weekly,
            @DefaultValue("0 0 3 * * ?") String cleanup,
            @DefaultValue("0 0 4 1 1,4,7,10 ?") String drill) {

        /** What every refused schedule says; the fields themselves are judged by the engine's parser (ScheduleExpressions). */
        public static final String CRON_HINT = " Use 6 fields: seconds minutes hours day-of-month month day-of-week, e.g. '0 0 2 * * ?'.";

        public Schedule {
            Settings.requireCron("backup.schedule.daily", daily);
            Settings.requireCron("backup.schedule.weekly", weekly);
            Settings.requireCron("backup.schedule.cleanup", cleanup);
            Settings.requireCron("backup.schedule.drill", drill);
        }
    }

    public record Retention(@DefaultValue("30") int days, @DefaultValue("4") int minFull) {
        public Retention {
            Settings.requireAtLeast("backup.retention.days", days, 1);
            Settings.requireAtLeast("backup.retention.min-full", minFull, 1);
        }
    }

    /**
     * The web app's compose project, the services a restore stops (never the database), and the
     * database's service (its volume is where a restore's second copy of the database goes).
     */
    public record Compose(
            @DefaultValue("llm-webapp") String project,
            @DefaultValue("backend,frontend") String services,
            @DefaultValue("db") String databaseService) {

        public Compose {
            Settings.requireComposeName("backup.compose.project", project);
            serviceList(services);
            Settings.requireComposeName("backup.compose.database-service", databaseService);
        }

        public List<String> serviceList() {
            return serviceList(services);
        }

        private static List<String> serviceList(String services) {
            return Settings.requireNameList("backup.compose.services", services);
        }
    }

    /**
     * The Docker engine, and how long the client waits for one answer ({@code timeout}): a stop
     * answers only once the container stopped, so it bounds {@code backup.restore.stop-timeout}.
     */
    public record Docker(@DefaultValue("unix:///var/run/docker.sock") String host,
                         @DefaultValue("2m") Duration timeout) {
        public Docker {
            Settings.requireDockerHost("backup.docker.host", host);
            Settings.requirePositive("backup.docker.timeout", timeout);
        }
    }

    public record Health(@DefaultValue("http://localhost:8000/api/v1/health") String url,
                         @DefaultValue("5s") Duration timeout) {
        public Health {
            Settings.requireHttpUrl("backup.health.url", url);
            Settings.requirePositive("backup.health.timeout", timeout);
        }
    }

    /** The backup volume: how full it may get before checks and health complain. */
    public record Volume(@DefaultValue("90") int maxUsedPercent) {
        public Volume {
            Settings.requireRange("backup.volume.max-used-percent", maxUsedPercent, 1, 100);
        }
    }

    /** The free-space check before a backup: the last set's size times a factor, plus a fixed margin. */
    public record Space(@DefaultValue("1.2") double factor, @DefaultValue("64MB") DataSize margin) {
        public Space {
            if (factor < 1.0) {
                throw new InvalidSettingException("backup.space.factor", factor, "it must be at least 1.0.");
            }
        }
    }

    public record Preflight(@DefaultValue("true") boolean onStartup) {
    }

    /**
     * The lease on the backup root: renewed every quarter of its TTL while a run holds it;
     * a run waits for a held lease at most {@code max-wait}, checking every {@code retry-interval}.
     * Every orchestrator reports a heartbeat every {@code node-heartbeat}; one silent for
     * {@code node-stale-after} (or whose process on this machine is gone) has stopped, and the
     * jobs it had locked run again at once instead of after the engine's job lock time.
     */
    public record Lock(@DefaultValue("2m") Duration leaseTtl,
                       @DefaultValue("6h") Duration maxWait,
                       @DefaultValue("1m") Duration retryInterval,
                       @DefaultValue("15s") Duration nodeHeartbeat,
                       @DefaultValue("1m") Duration nodeStaleAfter) {
        public Lock {
            Settings.requirePositive("backup.lock.lease-ttl", leaseTtl);
            Settings.requirePositive("backup.lock.max-wait", maxWait);
            Settings.requirePositive("backup.lock.retry-interval", retryInterval);
            Settings.requirePositive("backup.lock.node-heartbeat", nodeHeartbeat);
            Settings.requirePositive("backup.lock.node-stale-after", nodeStaleAfter);
            if (nodeStaleAfter.compareTo(nodeHeartbeat.multipliedBy(2)) < 0) {
                throw Settings.invalid("backup.lock.node-stale-after", nodeStaleAfter, "it must be at least twice "
                        + "backup.lock.node-heartbeat (" + nodeHeartbeat + "): a live orchestrator would be taken for a stopped one.");
            }
        }
    }

    /**
     * How far this orchestrator's clock may be from the database server's, and the catalog's
     * newest completion time may be ahead of it, before a run refuses to publish or to delete:
     * set ids and ages come from this clock.
     */
    public record Clock(@DefaultValue("5m") Duration maxSkew) {
        public Clock {
            Settings.requirePositive("backup.clock.max-skew", maxSkew);
        }
    }

    /** Modes of what the catalog writes (dumps, archives, manifests, its folders). */
    public record Permissions(@DefaultValue("rw-------") String files, @DefaultValue("rwx------") String dirs) {
        public Permissions {
            Settings.requireMode("backup.permissions.files", files);
            Settings.requireMode("backup.permissions.dirs", dirs);
        }
    }

    public record Dr(@DefaultValue("4h") Duration rto) {
        public Dr {
            Settings.requirePositive("backup.dr.rto", rto);
        }
    }

    /**
     * The restore: whether the approver must be another operator than the requester; the
     * {@code pg_restore --jobs} (0 = one per core, as far as the server has connections to spare);
     * how long to wait for other sessions on the database to end or release their locks; how long
     * the web app may take to answer its health URL after the services started, and how long a
     * compose service may take to stop; the folder below which side-by-side restores write
     * (default {@code <backup.root>/scratch}); how long the database a restore replaced is kept
     * for an undo ({@code keep-previous}).
     */
    public record Restore(@DefaultValue("false") boolean requireSecondOperator,
                          @DefaultValue("0") int jobs,
                          @DefaultValue("1m") Duration lockTimeout,
                          @DefaultValue("3m") Duration healthDeadline,
                          @DefaultValue("30s") Duration stopTimeout,
                          @DefaultValue("200") int logLines,
                          Path sideBySideRoot,
                          @DefaultValue("24h") Duration keepPrevious) {
        public Restore {
            Settings.requirePositive("backup.restore.keep-previous", keepPrevious);
            Settings.requireRange("backup.restore.jobs", jobs, 0, 64);
            Settings.requirePositive("backup.restore.lock-timeout", lockTimeout);
            Settings.requirePositive("backup.restore.health-deadline", healthDeadline);
            Settings.requirePositive("backup.restore.stop-timeout", stopTimeout);
            if (stopTimeout.toNanosPart() != 0) {
                // Docker takes whole seconds: 1500ms would silently become 1s
                throw Settings.invalid("backup.restore.stop-timeout", stopTimeout, "Docker takes whole seconds, e.g. 30s or 2m.");
            }
            Settings.requireRange("backup.restore.log-lines", logLines, 1, 10000);
        }
    }

    /**
     * The restore drill: how long restoring and checking one set may take ({@code timeout}, a
     * drill over it fails), how long the backups may go without a passed drill before the health
     * turns DOWN ({@code max-age}), and the query listing the upload paths the database refers to
     * ({@code files-query}, e.g. {@code SELECT file_path FROM documents}; none: not checked).
     */
    public record Drill(@DefaultValue("2h") Duration timeout,
                        @DefaultValue("100d") Duration maxAge,
                        String filesQuery) {
        public Drill {
            Settings.requirePositive("backup.drill.timeout", timeout);
            Settings.requirePositive("backup.drill.max-age", maxAge);
            filesQuery = filesQuery == null || filesQuery.isBlank() ? null : filesQuery.strip();
            if (filesQuery != null) {
                Settings.requireSelect("backup.drill.files-query", filesQuery);
            }
        }
    }

    /**
     * Where failures and a breached RPO are reported: a JSON POST to {@code webhook-url} and/or
     * an e-mail to {@code mail-to} (through {@code spring.mail.*}); with neither, a log line.
     * The RPO is checked every {@code rpo-check-interval}.
     */
    public record Alerts(String webhookUrl,
                         String mailTo,
                         @DefaultValue("llm-backup@localhost") String mailFrom,
                         @DefaultValue("15m") Duration rpoCheckInterval,
                         @DefaultValue("10s") Duration timeout) {
        public Alerts {
            webhookUrl = webhookUrl == null || webhookUrl.isBlank() ? null : webhookUrl.trim();
            mailTo = mailTo == null || mailTo.isBlank() ? null : mailTo.trim();
            if (webhookUrl != null) {
                Settings.requireHttpUrl("backup.alerts.webhook-url", webhookUrl);
            }
            Settings.requirePositive("backup.alerts.rpo-check-interval", rpoCheckInterval);
            Settings.requirePositive("backup.alerts.timeout", timeout);
        }
    }

    /**
     * The offsite copy (restic): {@code repository} is any location restic takes (a path, also a
     * mounted NAS, {@code sftp:}, {@code s3:}, {@code rest:}); without one offsite is off. The
     * password only ever travels as {@code RESTIC_PASSWORD_FILE}; {@code env-file} holds
     * {@code NAME=value} lines for the child's environment (credentials of {@code s3:}).
     * {@code sftp-command} (optional) is restic's {@code -o sftp.command=...}, split on spaces.
     * GFS retention keeps the newest set of each of the last {@code keep-daily} days,
     * {@code keep-weekly} weeks and {@code keep-monthly} months, per kind; the drill's
     * {@code restic check} reads {@code check-read-data-subset} of the packs. At most
     * {@code catch-up-limit} older sets missing offsite are copied by one run (oldest first).
     */
    public record Offsite(String repository,
                          Path passwordFile,
                          Path envFile,
                          Boolean enabled,
                          @DefaultValue("30") int keepDaily,
                          @DefaultValue("8") int keepWeekly,
                          @DefaultValue("12") int keepMonthly,
                          @DefaultValue("5%") String checkReadDataSubset,
                          String sftpCommand,
                          @DefaultValue("3") int catchUpLimit,
                          @DefaultValue("restic") String resticBinary,
                          @DefaultValue("6h") Duration commandTimeout) {
        public Offsite {
            repository = repository == null || repository.isBlank() ? null : repository.trim();
            sftpCommand = sftpCommand == null || sftpCommand.isBlank() ? null : sftpCommand.trim();
            if (Boolean.TRUE.equals(enabled) && repository == null) {
                throw Settings.invalid("backup.offsite.enabled", enabled, "it needs backup.offsite.repository (a path, sftp:, s3: or rest: location).");
            }
            if (repository != null) {
                Settings.requireResticRepository("backup.offsite.repository", repository);
                if (!Boolean.FALSE.equals(enabled) && passwordFile == null) {
                    throw Settings.invalid("backup.offsite.password-file", null, "it is required with backup.offsite.repository: "
                            + "the file holding the repository's password (mode 0600, never in the backup root).");
                }
            }
            Settings.requireAtLeast("backup.offsite.keep-daily", keepDaily, 0);
            Settings.requireAtLeast("backup.offsite.keep-weekly", keepWeekly, 0);
            Settings.requireAtLeast("backup.offsite.keep-monthly", keepMonthly, 0);
            if (keepDaily + keepWeekly + keepMonthly == 0) {
                throw Settings.invalid("backup.offsite.keep-daily", keepDaily, "keep-daily, keep-weekly and keep-monthly are all 0: nothing would be kept offsite.");
            }
            Settings.requireReadDataSubset("backup.offsite.check-read-data-subset", checkReadDataSubset);
            Settings.requireRange("backup.offsite.catch-up-limit", catchUpLimit, 0, 100);
            Settings.requirePositive("backup.offsite.command-timeout", commandTimeout);
        }

        /** The repository for messages: a URL's user and password hidden ({@code rest:https://***@host/}). */
        public String location() {
            return repository == null ? null : Settings.withoutUserinfo(repository);
        }

        /** On when a repository is set, unless {@code enabled=false}. */
        public boolean active() {
            return repository != null && !Boolean.FALSE.equals(enabled);
        }
    }

    /**
     * Continuous WAL streaming (docs/wal.md): {@code pg_receivewal} on the physical replication
     * slot {@code slot} into {@code <root>/wal}, run by one orchestrator at a time (a lease on the
     * backup root renewed while it runs, taken over when not renewed for {@code lease-ttl}); its
     * state is read every {@code status-interval}. The health turns DOWN and an alert goes out when
     * the server has WAL the receiver has not written for longer than {@code max-lag} (while the
     * database answers), and an alert when the slot keeps more than {@code max-slot-retained} on
     * the server. With offsite on, the WAL is copied to the restic repository every
     * {@code offsite-interval} and at every run. A base backup waits at most {@code base-backup-wal-wait}
     * for the receiver to have its WAL.
     */
    public record Wal(@DefaultValue("true") boolean enabled,
                      @DefaultValue("llm_backup") String slot,
                      @DefaultValue("5m") Duration maxLag,
                      @DefaultValue("1GB") DataSize maxSlotRetained,
                      @DefaultValue("15m") Duration offsiteInterval,
                      @DefaultValue("30s") Duration leaseTtl,
                      @DefaultValue("1s") Duration statusInterval,
                      @DefaultValue("2m") Duration baseBackupWalWait) {
        public Wal {
            Settings.requireSlotName("backup.wal.slot", slot);
            Settings.requirePositive("backup.wal.max-lag", maxLag);
            if (maxSlotRetained == null || maxSlotRetained.toBytes() <= 0) {
                throw Settings.invalid("backup.wal.max-slot-retained", maxSlotRetained, "it must be a positive size such as 512MB or 1GB.");
            }
            Settings.requirePositive("backup.wal.offsite-interval", offsiteInterval);
            Settings.requirePositive("backup.wal.lease-ttl", leaseTtl);
            Settings.requirePositive("backup.wal.status-interval", statusInterval);
            Settings.requirePositive("backup.wal.base-backup-wal-wait", baseBackupWalWait);
            if (leaseTtl.compareTo(statusInterval.multipliedBy(3)) < 0) {
                throw Settings.invalid("backup.wal.lease-ttl", leaseTtl, "it must be at least three times backup.wal.status-interval ("
                        + statusInterval + "): the receiver renews its lease at that pace.");
            }
        }
    }
}
