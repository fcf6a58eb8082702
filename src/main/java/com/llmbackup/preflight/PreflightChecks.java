package com.llmbackup.preflight;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.FilePermissions;
import com.llmbackup.catalog.Sizes;
import com.llmbackup.catalog.VolumeUsage;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.docker.ComposeServices;
import com.llmbackup.docker.ComposeServices.ServiceContainer;
import com.llmbackup.docker.DockerUnavailableException;
import com.llmbackup.exec.CommandFailedException;
import com.llmbackup.health.HealthProbe;
import com.llmbackup.offsite.OffsiteRepository;
import com.llmbackup.postgres.DatabaseUnavailableException;
import com.llmbackup.postgres.PostgresClient;
import com.llmbackup.postgres.PostgresClient.ServerInfo;
import com.llmbackup.wal.ReplicationErrors;
import com.llmbackup.wal.WalReceiver;
import com.llmbackup.wal.WalReceiverStatus;
import com.llmbackup.wal.WalServer;
import org.springframework.stereotype.Service;

/**
 * The runbook's troubleshooting section ("문제 해결") made automatic. Each check looks at one
 * thing, never changes anything, and never throws: whatever goes wrong becomes a FAIL with
 * a verdict and what to do.
 */
@Service
public class PreflightChecks {

    public static final String BACKUP_ROOT = "backupRoot";
    public static final String FREE_SPACE = "freeSpace";
    public static final String DATABASE = "database";
    public static final String PG_DUMP_VERSION = "pgDumpVersion";
    public static final String UPLOADS = "uploads";
    public static final String DOCKER = "docker";
    public static final String HEALTH_URL = "healthUrl";
    public static final String OFFSITE = "offsite";
    public static final String WAL_STREAMING = "walStreaming";
    /** How long the check waits for a receiver that is starting (the start-up preflight runs beside its start). */
    static final Duration RECEIVER_START = Duration.ofSeconds(15);

    private final BackupProperties properties;
    private final PostgresClient postgres;
    private final ComposeServices compose;
    private final HealthProbe health;
    private final FilePermissions permissions;
    private final OffsiteRepository offsite;
    private final WalServer walServer;
    private final WalReceiver walReceiver;

    public PreflightChecks(BackupProperties properties, PostgresClient postgres, ComposeServices compose, HealthProbe health,
                           OffsiteRepository offsite, WalServer walServer, WalReceiver walReceiver) {
        this.offsite = offsite;
        this.walServer = walServer;
        this.walReceiver = walReceiver;
        this.properties = properties;
        this.permissions = new FilePermissions(properties.permissions().files(), properties.permissions().dirs());
        this.postgres = postgres;
        this.compose = compose;
        this.health = health;
    }

    public CheckResult run(String check) {
        Supplier<CheckResult> body = switch (check) {
            case BACKUP_ROOT -> this::backupRoot;
            case FREE_SPACE -> this::freeSpace;
            case DATABASE -> this::database;
            case PG_DUMP_VERSION -> this::pgDumpVersion;
            case UPLOADS -> this::uploads;
            case DOCKER -> this::docker;
            case HEALTH_URL -> this::healthUrl;
            case OFFSITE -> this::offsite;
            case WAL_STREAMING -> this::walStreaming;
            default -> throw new IllegalArgumentException("no preflight check named '" + check + "'");
        };
        try {
            return body.get();
        } catch (RuntimeException e) {
            return CheckResult.fail(check, "the check itself failed: " + e.getMessage(),
                    "Read the orchestrator's log for the stack trace and report it.");
        }
    }

    CheckResult backupRoot() {
        Path root = properties.root();
        if (!Files.exists(root)) {
            return CheckResult.fail(BACKUP_ROOT, "The backup root " + root + " does not exist.",
                    "Create it on a volume separate from the system disk (mkdir -p " + root + " && chmod 700 " + root
                            + "), or set backup.root to the backup volume.");
        }
        if (!Files.isDirectory(root)) {
            return CheckResult.fail(BACKUP_ROOT, "The backup root " + root + " is not a folder.",
                    "Set backup.root to a folder on the backup volume.");
        }
        try {
            Path probe = Files.createTempFile(root, ".preflight-", ".tmp");
            Files.delete(probe);
        } catch (IOException e) {
            return CheckResult.fail(BACKUP_ROOT, "Cannot write to the backup root " + root + ": " + describe(e) + ".",
                    "Make " + root + " writable for the user running llm-backup (" + System.getProperty("user.name")
                            + "), or remount its volume read-write.");
        }
        List<String> open = readableByOthers(root);
        if (!open.isEmpty()) {
            List<String> folders = open.stream().map(f -> f.substring(0, f.indexOf(' '))).toList();
            return CheckResult.fail(BACKUP_ROOT, "The backup root " + root + " is writable, but other users can read backups: "
                            + String.join(", ", open) + ".",
                    "Run chmod " + permissions.dirsOctal() + " " + String.join(" ", folders)
                            + " (llm-backup also does at the next run; backup.permissions.dirs=" + properties.permissions().dirs() + ").");
        }
        return CheckResult.pass(BACKUP_ROOT, "The backup root " + root + " exists and is writable.");
    }

    /** The root and kind folders with more rights than backup.permissions.dirs, as "path (mode)". */
    private List<String> readableByOthers(Path root) {
        List<String> open = new ArrayList<>();
        List<Path> folders = new ArrayList<>(List.of(root));
        for (BackupKind kind : BackupKind.values()) {
            folders.add(root.resolve(kind.dir()));
        }
        for (Path folder : folders) {
            try {
                if (Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
                    var mode = Files.getPosixFilePermissions(folder, LinkOption.NOFOLLOW_LINKS);
                    if (!permissions.beyondDirs(mode).isEmpty()) {
                        open.add(folder + " (" + PosixFilePermissions.toString(mode) + ")");
                    }
                }
            } catch (IOException | UnsupportedOperationException e) {
                // not a POSIX file system: nothing to compare
            }
        }
        return open;
    }

    CheckResult freeSpace() {
        Path root = properties.root();
        try {
            VolumeUsage volume = VolumeUsage.of(root);
            root = volume.measuredAt();
            int usedPercent = volume.usedPercent();
            String figures = gib(volume.freeBytes()) + " free of " + gib(volume.totalBytes()) + " (" + usedPercent + "% used) on "
                    + volume.storeName() + " for " + properties.root();
            if (usedPercent > properties.volume().maxUsedPercent()) {
                return CheckResult.fail(FREE_SPACE, "The backup volume is nearly full: " + figures
                                + ", above backup.volume.max-used-percent=" + properties.volume().maxUsedPercent() + ".",
                        "Free space (the cleanup process deletes expired sets), shorten backup.retention.days, or enlarge the volume.");
            }
            if (sameDevice(root, Path.of("/"))) {
                return CheckResult.warn(FREE_SPACE, figures + "; the backup root is on the system disk.",
                        "Put backups on a separate volume (runbook: 백업 저장소는 시스템 디스크와 별도 볼륨 사용): a lost system disk then "
                                + "keeps its backups, and full backups cannot fill the system disk.");
            }
            return CheckResult.pass(FREE_SPACE, figures + "; separate from the system disk.");
        } catch (IOException e) {
            return CheckResult.fail(FREE_SPACE, "Cannot read the free space of " + root + ": " + describe(e) + ".",
                    "Check that the backup volume is mounted.");
        }
    }

    CheckResult database() {
        try {
            ServerInfo info = postgres.inspect();
            String who = "Connected to " + postgres.database().name() + " as " + info.user() + " (PostgreSQL " + info.version() + ")";
            if (!info.unreadableRelations().isEmpty()) {
                List<String> shown = info.unreadableRelations().subList(0, Math.min(5, info.unreadableRelations().size()));
                return CheckResult.fail(DATABASE, who + ", but the role cannot read " + info.unreadableRelations().size()
                                + " relation(s) a dump needs: " + String.join(", ", shown)
                                + (info.unreadableRelations().size() > shown.size() ? ", ..." : "") + ".",
                        "Run as a superuser: GRANT pg_read_all_data TO " + info.user()
                                + "; (PostgreSQL 14+), or set backup.database.user to the database owner.");
            }
            String rights = info.superuser() ? "superuser" : info.readAllData() ? "member of pg_read_all_data" : "can read every table and sequence";
            return CheckResult.pass(DATABASE, who + "; the role is " + rights + ".");
        } catch (DatabaseUnavailableException e) {
            return CheckResult.fail(DATABASE, e.getMessage(),
                    "Start the database or correct backup.database.* (password in BACKUP_DATABASE_PASSWORD), then run the preflight again.");
        }
    }

    CheckResult pgDumpVersion() {
        int client;
        String tool = postgres.tool("pg_dump").toString();
        try {
            client = postgres.toolMajorVersion("pg_dump");
        } catch (CommandFailedException e) {
            return CheckResult.fail(PG_DUMP_VERSION, "pg_dump (" + tool + ") does not run: " + e.getMessage() + ".",
                    "Install the PostgreSQL client (apt-get install postgresql-client) or set backup.postgres.bin-dir to its bin folder.");
        }
        int server;
        try {
            server = postgres.inspect().majorVersion();
        } catch (DatabaseUnavailableException e) {
            return CheckResult.warn(PG_DUMP_VERSION, "pg_dump " + client + " found (" + tool
                            + "); the server's version is unknown because the database is not reachable.",
                    "Fix the database check first; pg_dump must be at least the server's major version.");
        }
        if (client < server) {
            return CheckResult.fail(PG_DUMP_VERSION, "pg_dump " + client + " (" + tool + ") is older than the server (PostgreSQL "
                            + server + "); it refuses to dump a newer server.",
                    "Install postgresql-client-" + server + " and set backup.postgres.bin-dir to /usr/lib/postgresql/" + server + "/bin.");
        }
        return CheckResult.pass(PG_DUMP_VERSION, "pg_dump " + client + " (" + tool + ") can dump PostgreSQL " + server + ".");
    }

    CheckResult uploads() {
        Path dir = properties.uploadsDir();
        if (!Files.exists(dir)) {
            return CheckResult.fail(UPLOADS, "The uploads folder " + dir + " does not exist.",
                    "Set backup.uploads-dir to the web app's uploads folder (the volume docker-compose mounts as /uploads).");
        }
        if (!Files.isDirectory(dir)) {
            return CheckResult.fail(UPLOADS, "The uploads path " + dir + " is not a folder.", "Set backup.uploads-dir to a folder.");
        }
        int entries = 0;
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path ignored : stream) {
                entries++;
            }
        } catch (IOException e) {
            return CheckResult.fail(UPLOADS, "Cannot read the uploads folder " + dir + ": " + describe(e) + ".",
                    "Check its permissions (ls -la " + dir + "); llm-backup runs as " + System.getProperty("user.name") + ".");
        }
        return CheckResult.pass(UPLOADS, "The uploads folder " + dir + " is readable (" + entries + " entries at its top level).");
    }

    CheckResult docker() {
        String version;
        Map<String, List<ServiceContainer>> services;
        try {
            version = compose.engineVersion();
            services = compose.configuredServices();
        } catch (DockerUnavailableException e) {
            return CheckResult.fail(DOCKER, e.getMessage(),
                    "A restore stops and starts the web app's services through this engine: make it reachable, then run the preflight again.");
        }
        String project = properties.compose().project();
        List<String> missing = new ArrayList<>();
        List<String> stopped = new ArrayList<>();
        List<String> found = new ArrayList<>();
        services.forEach((service, containers) -> {
            if (containers.isEmpty()) {
                missing.add(service);
            } else {
                for (ServiceContainer c : containers) {
                    found.add(service + ": " + c.state() + " (" + c.name() + ")");
                    if (!c.running()) {
                        stopped.add(service);
                    }
                }
            }
        });
        if (!missing.isEmpty()) {
            return CheckResult.fail(DOCKER, "Docker " + version + " answers, but compose service(s) " + String.join(", ", missing)
                            + " of project " + project + " were not found (no container labelled com.docker.compose.project="
                            + project + " and com.docker.compose.service=" + missing.get(0) + ").",
                    "Compare backup.compose.project and backup.compose.services with `docker ps -a --filter label=com.docker.compose.project="
                            + project + "`.");
        }
        String verdict = "Docker " + version + "; " + String.join(", ", found) + ".";
        List<String> startedAgain = new ArrayList<>();
        List<String> startedAgainServices = new ArrayList<>();
        services.forEach((service, containers) -> containers.forEach(c -> {
            String policy = compose.restartPolicy(c);
            if (ComposeServices.STARTED_AGAIN_AT_BOOT.contains(policy)) {
                startedAgain.add(service + " (" + c.name() + ": restart " + policy + ")");
                if (!startedAgainServices.contains(service)) {
                    startedAgainServices.add(service);
                }
            }
        }));
        if (!startedAgain.isEmpty()) {
            return CheckResult.fail(DOCKER, verdict + " The Docker engine starts " + String.join(", ", startedAgain)
                            + " again when it starts itself (after a power cut or a reboot), even while a restore has stopped it: "
                            + "the web app would run on half-restored data before anyone answers \"Restore interrupted\".",
                    "Set `restart: unless-stopped` for " + String.join(", ", startedAgainServices) + " in the web app's docker-compose.yml "
                            + "and apply it (docker-compose up -d): Docker then starts at boot what was running and leaves stopped "
                            + "what a restore stopped.");
        }
        if (!stopped.isEmpty()) {
            return CheckResult.warn(DOCKER, verdict, "Service(s) " + String.join(", ", stopped)
                    + " are not running: start the web app (docker-compose up -d) unless this is intended.");
        }
        return CheckResult.pass(DOCKER, verdict);
    }

    CheckResult healthUrl() {
        HealthProbe.Result result = health.probe();
        if (result.healthy()) {
            return CheckResult.pass(HEALTH_URL, result.url() + " " + result.description() + ".");
        }
        return CheckResult.fail(HEALTH_URL, result.url() + " " + result.description() + ".",
                "Check the web app (docker-compose ps; docker-compose logs backend) and backup.health.url.");
    }

    /**
     * The offsite repository (R11): reachable and opened by the password, whose file must not
     * live in the backup root (whoever has the backup volume would have the key too).
     */
    CheckResult offsite() {
        BackupProperties.Offsite settings = properties.offsite();
        if (!settings.active()) {
            return CheckResult.pass(OFFSITE, "no offsite copy configured (backup.offsite.repository is not set): every set lives on "
                    + properties.root() + " only.");
        }
        Path password = settings.passwordFile().toAbsolutePath().normalize();
        if (password.startsWith(properties.root().toAbsolutePath().normalize())) {
            return CheckResult.fail(OFFSITE, "the offsite password file " + password + " is inside the backup root " + properties.root()
                    + ": whoever has the backup volume has the key too.", "Move it out of the backup root (e.g. /etc/llm-backup/offsite.password, mode 0600) and set backup.offsite.password-file.");
        }
        if (!Files.isReadable(password)) {
            return CheckResult.fail(OFFSITE, "the offsite password file " + password + " cannot be read.",
                    "Create it (mode 0600) with the repository's password, or fix backup.offsite.password-file.");
        }
        try {
            offsite.probe();
        } catch (RuntimeException e) {
            return CheckResult.fail(OFFSITE, e.getMessage(), "Check that " + offsite.location() + " is reachable from this machine "
                    + "and that backup.offsite.password-file holds its password; a new repository is created once with restic init (docs/offsite.md).");
        }
        return CheckResult.pass(OFFSITE, "offsite repository " + offsite.location() + " is reachable and the password opens it.");
    }

    /**
     * WAL streaming (docs/wal.md): a replication connection for our role (a refusal translated into
     * the pg_hba.conf line or the role attribute to add), {@code wal_level}, a free WAL sender (two
     * while the receiver is not streaming: it and a base backup), what the slot keeps on the server,
     * and the receiver's state. Never a FAIL: without streaming the nightly dumps go on.
     */
    CheckResult walStreaming() {
        BackupProperties.Wal wal = properties.wal();
        String fallback = " Until then the nightly dumps go on, and the newest dump stays the recovery point (backup.rpo "
                + properties.rpo().toHours() + " h).";
        if (!wal.enabled()) {
            return CheckResult.pass(WAL_STREAMING, "WAL streaming is switched off (backup.wal.enabled=false): the newest dump is the "
                    + "recovery point (backup.rpo " + properties.rpo().toHours() + " h).");
        }
        String user = properties.database().user();
        try {
            walServer.probeReplication();
        } catch (SQLException e) {
            ReplicationErrors.Explained why = ReplicationErrors.explain(e.getMessage(), user);
            return CheckResult.warn(WAL_STREAMING, "A replication connection as " + user + " to " + properties.database().host() + ":"
                    + properties.database().port() + " fails: " + firstLine(e.getMessage()) + ".", why.message() + fallback);
        }
        WalServer.Identity server;
        WalServer.Observation slot;
        try {
            server = walServer.identify();
            slot = walServer.observe(wal.slot());
        } catch (DatabaseUnavailableException e) {
            return CheckResult.warn(WAL_STREAMING, e.getMessage(), "Fix the database check first." + fallback);
        }
        if (!List.of("replica", "logical").contains(server.walLevel())) {
            return CheckResult.warn(WAL_STREAMING, "The server's wal_level is " + server.walLevel() + ": it writes too little WAL to stream.",
                    "Run ALTER SYSTEM SET wal_level = replica; and restart PostgreSQL." + fallback);
        }
        WalReceiverStatus receiver = awaitReceiver();
        int free = server.maxWalSenders() - server.walSendersInUse();
        int needed = receiver.streaming() ? 1 : 2;
        if (free < needed) {
            return CheckResult.warn(WAL_STREAMING, free + " of " + server.maxWalSenders() + " WAL senders are free; the receiver"
                            + (receiver.streaming() ? "'s base backups need one more." : " and a base backup need one each."),
                    "Raise max_wal_senders (ALTER SYSTEM SET max_wal_senders = 10;) and restart PostgreSQL, or stop another client that streams.");
        }
        String retained = slot.retainedBytes() == null ? "no WAL yet" : Sizes.human(slot.retainedBytes());
        if (slot.retainedBytes() != null && slot.retainedBytes() > wal.maxSlotRetained().toBytes()) {
            return CheckResult.warn(WAL_STREAMING, "Slot " + wal.slot() + " keeps " + retained + " of WAL on the database server, more than "
                            + "backup.wal.max-slot-retained (" + Sizes.human(wal.maxSlotRetained().toBytes()) + "): the receiver is behind or stopped ("
                            + receiver.state() + (receiver.message() == null ? "" : ": " + receiver.message()) + ").",
                    "Get the receiver streaming again; if it cannot catch up, set max_slot_wal_keep_size on the server (docs/wal.md) so "
                            + "that its disk cannot fill (the window then shows a gap).");
        }
        if (!receiver.streaming()) {
            return CheckResult.warn(WAL_STREAMING, "The WAL receiver is " + receiver.state().name().toLowerCase(Locale.ROOT) + ": "
                    + receiver.message(), "Read the orchestrator's log (WalReceiver) for what pg_receivewal said." + fallback);
        }
        String keep = "-1".equals(server.maxSlotWalKeepSize()) ? "unlimited (set it to bound what a stalled receiver costs the server's "
                + "disk, docs/wal.md)" : server.maxSlotWalKeepSize();
        return CheckResult.pass(WAL_STREAMING, "WAL streams into " + properties.root().resolve("wal") + " on slot " + wal.slot() + " (lag "
                + (receiver.lagSeconds() == null ? "unknown" : String.format(Locale.ROOT, "%.1f s", receiver.lagSeconds())) + "); wal_level "
                + server.walLevel() + ", " + free + " of " + server.maxWalSenders() + " WAL senders free, the slot keeps " + retained
                + ", max_slot_wal_keep_size " + keep + ".");
    }

    private WalReceiverStatus awaitReceiver() {
        long deadline = System.nanoTime() + RECEIVER_START.toNanos();
        WalReceiverStatus status = walReceiver.status();
        while (!status.streaming() && System.nanoTime() < deadline && starting(status)) {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            status = walReceiver.status();
        }
        return status;
    }

    /** A receiver that has not had its first chance yet (no failure recorded). */
    private static boolean starting(WalReceiverStatus status) {
        return status.message() == null || status.message().startsWith("Starting") || status.message().startsWith("pg_receivewal is starting")
                || status.message().startsWith("No orchestrator has run");
    }

    private static String firstLine(String text) {
        String m = text == null ? "" : text.strip();
        int nl = m.indexOf('\n');
        return nl > 0 ? m.substring(0, nl) : m;
    }

    private static boolean sameDevice(Path a, Path b) throws IOException {
        try {
            return Files.getAttribute(a, "unix:dev").equals(Files.getAttribute(b, "unix:dev"));
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return Files.getFileStore(a).name().equals(Files.getFileStore(b).name());
        }
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        String reason = e instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason() : m;
        return reason == null ? e.getClass().getSimpleName() : reason;
    }
}
