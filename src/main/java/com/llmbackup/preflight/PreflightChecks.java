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
import com.llmbackup.config.Text;
import com.llmbackup.config.Texts;
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
    private final Texts texts;

    public PreflightChecks(BackupProperties properties, PostgresClient postgres, ComposeServices compose, HealthProbe health,
                           OffsiteRepository offsite, WalServer walServer, WalReceiver walReceiver, Texts texts) {
        this.texts = texts;
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
            return fail(check, Text.of("preflight.itself", e.getMessage()), Text.of("preflight.itself.advice"));
        }
    }

    CheckResult backupRoot() {
        Path root = properties.root();
        if (!Files.exists(root)) {
            return fail(BACKUP_ROOT, Text.of("preflight.root.missing", root), Text.of("preflight.root.missing.advice", root));
        }
        if (!Files.isDirectory(root)) {
            return fail(BACKUP_ROOT, Text.of("preflight.root.notFolder", root), Text.of("preflight.root.notFolder.advice"));
        }
        try {
            Path probe = Files.createTempFile(root, ".preflight-", ".tmp");
            Files.delete(probe);
        } catch (IOException e) {
            return fail(BACKUP_ROOT, Text.of("preflight.root.notWritable", root, describe(e)),
                    Text.of("preflight.root.notWritable.advice", root, System.getProperty("user.name")));
        }
        List<String> open = readableByOthers(root);
        if (!open.isEmpty()) {
            List<String> folders = open.stream().map(f -> f.substring(0, f.indexOf(' '))).toList();
            return fail(BACKUP_ROOT, Text.of("preflight.root.open", root, String.join(", ", open)),
                    Text.of("preflight.root.open.advice", permissions.dirsOctal(), String.join(" ", folders), properties.permissions().dirs()));
        }
        return pass(BACKUP_ROOT, Text.of("preflight.root.ok", root));
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
            Text figures = Text.of("preflight.space.figures", gib(volume.freeBytes()), gib(volume.totalBytes()), usedPercent,
                    volume.storeName(), properties.root());
            if (usedPercent > properties.volume().maxUsedPercent()) {
                return fail(FREE_SPACE, Text.of("preflight.space.full", figures, properties.volume().maxUsedPercent()),
                        Text.of("preflight.space.full.advice"));
            }
            if (sameDevice(root, Path.of("/"))) {
                return warn(FREE_SPACE, Text.of("preflight.space.systemDisk", figures), Text.of("preflight.space.systemDisk.advice"));
            }
            return pass(FREE_SPACE, Text.of("preflight.space.ok", figures));
        } catch (IOException e) {
            return fail(FREE_SPACE, Text.of("preflight.space.unreadable", root, describe(e)), Text.of("preflight.space.unreadable.advice"));
        }
    }

    CheckResult database() {
        try {
            ServerInfo info = postgres.inspect();
            Text who = Text.of("preflight.db.who", postgres.database().name(), info.user(), info.version());
            if (!info.unreadableRelations().isEmpty()) {
                List<String> shown = info.unreadableRelations().subList(0, Math.min(5, info.unreadableRelations().size()));
                return fail(DATABASE, Text.of("preflight.db.unreadable", who, info.unreadableRelations().size(), String.join(", ", shown)
                                + (info.unreadableRelations().size() > shown.size() ? ", ..." : "")),
                        Text.of("preflight.db.unreadable.advice", info.user()));
            }
            Text rights = Text.of(info.superuser() ? "preflight.db.superuser" : info.readAllData() ? "preflight.db.readAllData" : "preflight.db.readsAll");
            return pass(DATABASE, Text.of("preflight.db.ok", who, rights));
        } catch (DatabaseUnavailableException e) {
            return fail(DATABASE, e.getMessage(), Text.of("preflight.db.unavailable.advice"));
        }
    }

    CheckResult pgDumpVersion() {
        int client;
        String tool = postgres.tool("pg_dump").toString();
        try {
            client = postgres.toolMajorVersion("pg_dump");
        } catch (CommandFailedException e) {
            return fail(PG_DUMP_VERSION, Text.of("preflight.pgDump.notRunning", tool, e.getMessage()), Text.of("preflight.pgDump.notRunning.advice"));
        }
        int server;
        try {
            server = postgres.inspect().majorVersion();
        } catch (DatabaseUnavailableException e) {
            return warn(PG_DUMP_VERSION, Text.of("preflight.pgDump.serverUnknown", client, tool), Text.of("preflight.pgDump.serverUnknown.advice"));
        }
        if (client < server) {
            return fail(PG_DUMP_VERSION, Text.of("preflight.pgDump.older", client, tool, server), Text.of("preflight.pgDump.older.advice", server));
        }
        return pass(PG_DUMP_VERSION, Text.of("preflight.pgDump.ok", client, tool, server));
    }

    CheckResult uploads() {
        Path dir = properties.uploadsDir();
        if (!Files.exists(dir)) {
            return fail(UPLOADS, Text.of("preflight.uploads.missing", dir), Text.of("preflight.uploads.missing.advice"));
        }
        if (!Files.isDirectory(dir)) {
            return fail(UPLOADS, Text.of("preflight.uploads.notFolder", dir), Text.of("preflight.uploads.notFolder.advice"));
        }
        int entries = 0;
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path ignored : stream) {
                entries++;
            }
        } catch (IOException e) {
            return fail(UPLOADS, Text.of("preflight.uploads.unreadable", dir, describe(e)),
                    Text.of("preflight.uploads.unreadable.advice", dir, System.getProperty("user.name")));
        }
        return pass(UPLOADS, Text.of("preflight.uploads.ok", dir, entries));
    }

    CheckResult docker() {
        String version;
        Map<String, List<ServiceContainer>> services;
        try {
            version = compose.engineVersion();
            services = compose.configuredServices();
        } catch (DockerUnavailableException e) {
            return fail(DOCKER, e.getMessage(), Text.of("preflight.docker.unavailable.advice"));
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
            return fail(DOCKER, Text.of("preflight.docker.missing", version, String.join(", ", missing), project, missing.get(0)),
                    Text.of("preflight.docker.missing.advice", project));
        }
        Text verdict = Text.of("preflight.docker.ok", version, String.join(", ", found));
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
            return fail(DOCKER, Text.of("preflight.docker.restarted", verdict, String.join(", ", startedAgain)),
                    Text.of("preflight.docker.restarted.advice", String.join(", ", startedAgainServices)));
        }
        if (!stopped.isEmpty()) {
            return warn(DOCKER, verdict, Text.of("preflight.docker.stopped.advice", String.join(", ", stopped)));
        }
        return pass(DOCKER, verdict);
    }

    CheckResult healthUrl() {
        HealthProbe.Result result = health.probe();
        if (result.healthy()) {
            return pass(HEALTH_URL, result.url() + " " + result.description() + ".");
        }
        return fail(HEALTH_URL, result.url() + " " + result.description() + ".", Text.of("preflight.health.advice"));
    }

    /**
     * The offsite repository (R11): reachable and opened by the password, whose file must not
     * live in the backup root (whoever has the backup volume would have the key too).
     */
    CheckResult offsite() {
        BackupProperties.Offsite settings = properties.offsite();
        if (!settings.active()) {
            return pass(OFFSITE, Text.of("preflight.offsite.off", properties.root()));
        }
        Path password = settings.passwordFile().toAbsolutePath().normalize();
        if (password.startsWith(properties.root().toAbsolutePath().normalize())) {
            return fail(OFFSITE, Text.of("preflight.offsite.passwordInRoot", password, properties.root()),
                    Text.of("preflight.offsite.passwordInRoot.advice"));
        }
        if (!Files.isReadable(password)) {
            return fail(OFFSITE, Text.of("preflight.offsite.passwordUnreadable", password), Text.of("preflight.offsite.passwordUnreadable.advice"));
        }
        try {
            offsite.probe();
        } catch (RuntimeException e) {
            return fail(OFFSITE, e.getMessage(), Text.of("preflight.offsite.unreachable.advice", offsite.location()));
        }
        return pass(OFFSITE, Text.of("preflight.offsite.ok", offsite.location()));
    }

    /**
     * WAL streaming (docs/wal.md): a replication connection for our role (a refusal translated into
     * the pg_hba.conf line or the role attribute to add), {@code wal_level}, a free WAL sender (two
     * while the receiver is not streaming: it and a base backup), what the slot keeps on the server,
     * and the receiver's state. Never a FAIL: without streaming the nightly dumps go on.
     */
    CheckResult walStreaming() {
        BackupProperties.Wal wal = properties.wal();
        Text fallback = Text.of("preflight.wal.fallback", properties.rpo().toHours());
        if (!wal.enabled()) {
            return pass(WAL_STREAMING, Text.of("preflight.wal.off", properties.rpo().toHours()));
        }
        String user = properties.database().user();
        try {
            walServer.probeReplication();
        } catch (SQLException e) {
            ReplicationErrors.Explained why = ReplicationErrors.explain(e.getMessage(), user);
            return warn(WAL_STREAMING, Text.of("preflight.wal.replication", user, properties.database().host(), properties.database().port(),
                    firstLine(e.getMessage())), Text.of("preflight.wal.then", why.message(), fallback));
        }
        WalServer.Identity server;
        WalServer.Observation slot;
        try {
            server = walServer.identify();
            slot = walServer.observe(wal.slot());
        } catch (DatabaseUnavailableException e) {
            return warn(WAL_STREAMING, e.getMessage(), Text.of("preflight.wal.dbFirst", fallback));
        }
        if (!List.of("replica", "logical").contains(server.walLevel())) {
            return warn(WAL_STREAMING, Text.of("preflight.wal.level", server.walLevel()), Text.of("preflight.wal.level.advice", fallback));
        }
        WalReceiverStatus receiver = awaitReceiver();
        int free = server.maxWalSenders() - server.walSendersInUse();
        int needed = receiver.streaming() ? 1 : 2;
        if (free < needed) {
            return warn(WAL_STREAMING, Text.of(receiver.streaming() ? "preflight.wal.senders.streaming" : "preflight.wal.senders", free,
                    server.maxWalSenders()), Text.of("preflight.wal.senders.advice"));
        }
        Object retained = slot.retainedBytes() == null ? Text.of("preflight.wal.noWal") : Sizes.human(slot.retainedBytes());
        if (slot.retainedBytes() != null && slot.retainedBytes() > wal.maxSlotRetained().toBytes()) {
            return warn(WAL_STREAMING, Text.of("preflight.wal.retained", wal.slot(), retained, Sizes.human(wal.maxSlotRetained().toBytes()),
                            receiver.state() + (receiver.message() == null ? "" : ": " + receiver.message())),
                    Text.of("preflight.wal.retained.advice"));
        }
        if (!receiver.streaming()) {
            return warn(WAL_STREAMING, Text.of("preflight.wal.receiver", receiver.state().name().toLowerCase(Locale.ROOT), receiver.message()),
                    Text.of("preflight.wal.receiver.advice", fallback));
        }
        Object keep = "-1".equals(server.maxSlotWalKeepSize()) ? Text.of("preflight.wal.unlimited") : server.maxSlotWalKeepSize();
        return pass(WAL_STREAMING, Text.of("preflight.wal.ok", properties.root().resolve("wal"), wal.slot(),
                receiver.lagSeconds() == null ? Text.of("preflight.wal.lagUnknown") : String.format(Locale.ROOT, "%.1f s", receiver.lagSeconds()),
                server.walLevel(), free, server.maxWalSenders(), retained, keep));
    }

    // a verdict or advice is a text in backup.language (the summary and the log have one reader), or a component's own words
    private CheckResult pass(String check, Object verdict) {
        return CheckResult.pass(check, words(verdict));
    }

    private CheckResult warn(String check, Object verdict, Object advice) {
        return CheckResult.warn(check, words(verdict), words(advice));
    }

    private CheckResult fail(String check, Object verdict, Object advice) {
        return CheckResult.fail(check, words(verdict), words(advice));
    }

    private String words(Object text) {
        return text instanceof Text t ? texts.render(t) : (String) text;
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
