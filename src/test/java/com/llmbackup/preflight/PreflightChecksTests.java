package com.llmbackup.preflight;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.RestartPolicy;
import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.FilePermissions;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.config.Texts;
import com.llmbackup.docker.ComposeServices;
import com.llmbackup.docker.DockerConfig;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.health.HealthProbe;
import com.llmbackup.offsite.OffsiteRepository;
import com.llmbackup.postgres.PostgresClient;
import com.llmbackup.preflight.CheckResult.Status;
import com.llmbackup.test.TestDocker;
import com.llmbackup.test.TestHttpServer;
import com.llmbackup.test.TestPostgres;
import com.llmbackup.wal.WalArchive;
import com.llmbackup.wal.WalReceiver;
import com.llmbackup.wal.WalServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.testcontainers.containers.GenericContainer;

/**
 * Every preflight check against the real thing: a PostgreSQL server, the local Docker
 * engine with labelled containers, an HTTP server and real folders; each passes when it
 * should and fails with its message when it should.
 */
class PreflightChecksTests {

    private static final String PROJECT = "preflight-" + Long.toHexString(System.nanoTime());
    private static final TestPostgres pg = TestPostgres.get();
    private static String database;
    private static GenericContainer<?> backend;
    private static GenericContainer<?> frontend;
    private static TestHttpServer web;

    @TempDir
    Path dir;
    private WalReceiver receiver;
    /** For the WAL checks: a server whose pg_hba.conf and roles the tests change (never the shared one). */
    private static TestPostgres walServer;

    @BeforeAll
    static void startEnvironment() throws IOException {
        database = pg.createDatabase("llm_webapp");
        pg.execute(database,
                "create table documents (id serial primary key, title text)",
                "insert into documents (title) values ('manual.pdf')");
        backend = TestDocker.composeService(PROJECT, "backend");
        frontend = TestDocker.composeService(PROJECT, "frontend");
        web = new TestHttpServer();
    }

    @AfterAll
    static void stopEnvironment() {
        backend.stop();
        frontend.stop();
        web.close();
        if (walServer != null) {
            walServer.close();
        }
    }

    @AfterEach
    void stopReceiver() {
        if (receiver != null) {
            receiver.close();
        }
    }

    private static synchronized TestPostgres walServer() {
        if (walServer == null) {
            walServer = TestPostgres.startPrivate();
        }
        return walServer;
    }

    private PreflightChecks walChecks(String user, String password) throws IOException {
        TestPostgres server = walServer();
        return checks(Map.of("backup.database.port", String.valueOf(server.port()), "backup.database.name", "postgres",
                "backup.database.user", user, "backup.database.password", password, "backup.wal.slot", "preflight_slot",
                "backup.wal.status-interval", "200ms", "backup.wal.lease-ttl", "2s"));
    }

    @Test
    void walStreamingWarnsNamingTheHbaLineWhenReplicationIsRefused() throws Exception {
        walServer().replaceHba("local all all trust", "host all all 127.0.0.1/32 scram-sha-256");
        try {
            CheckResult result = walChecks(TestPostgres.SUPERUSER, TestPostgres.SUPERUSER_PASSWORD).run(PreflightChecks.WAL_STREAMING);

            assertThat(result.status()).as(result.line()).isEqualTo(Status.WARN);
            assertThat(result.verdict()).contains("A replication connection as postgres to 127.0.0.1:" + walServer().port() + " fails")
                    .contains("no pg_hba.conf entry for replication connection");
            assertThat(result.advice()).contains("Add this line to the server's pg_hba.conf and reload it")
                    .contains("host  replication  postgres  127.0.0.1/32  scram-sha-256")
                    .contains("the nightly dumps go on");
        } finally {
            walServer().replaceHba("local all all trust", "host all all 127.0.0.1/32 scram-sha-256",
                    "local replication all trust", "host replication all 127.0.0.1/32 scram-sha-256");
        }
    }

    @Test
    void walStreamingWarnsWithAlterRoleWhenRoleMayNotReplicate() throws Exception {
        walServer().execute("postgres", "do $$ begin if not exists (select 1 from pg_roles where rolname = 'plain_dumper') then "
                + "create role plain_dumper login password 'plain-pw'; end if; end $$");

        CheckResult result = walChecks("plain_dumper", "plain-pw").run(PreflightChecks.WAL_STREAMING);

        assertThat(result.status()).as(result.line()).isEqualTo(Status.WARN);
        assertThat(result.advice()).contains("ALTER ROLE plain_dumper REPLICATION;");
    }

    @Test
    void walStreamingPassesWhenReceiverStreams() throws Exception {
        PreflightChecks checks = walChecks(TestPostgres.SUPERUSER, TestPostgres.SUPERUSER_PASSWORD);
        receiver.start();

        CheckResult result = checks.run(PreflightChecks.WAL_STREAMING);

        assertThat(result.status()).as(result.line()).isEqualTo(Status.PASS);
        assertThat(result.verdict()).startsWith("WAL streams into " + dir.resolve("backup/wal") + " on slot preflight_slot (lag ")
                .contains("wal_level replica").contains("WAL senders free").contains("max_slot_wal_keep_size unlimited");
    }

    @Test
    void walStreamingPassesSayingSoWhenSwitchedOff() throws Exception {
        CheckResult result = checks(Map.of("backup.wal.enabled", "false")).run(PreflightChecks.WAL_STREAMING);

        assertThat(result.status()).isEqualTo(Status.PASS);
        assertThat(result.verdict()).startsWith("WAL streaming is switched off (backup.wal.enabled=false)");
    }

    private PreflightChecks checks(Map<String, String> overrides) throws IOException {
        Path root = Files.createDirectories(dir.resolve("backup"));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
        Path uploads = Files.createDirectories(dir.resolve("uploads"));
        Files.writeString(uploads.resolve("report.pdf"), "%PDF-1.4");
        Map<String, String> settings = new HashMap<>();
        settings.put("backup.root", root.toString());
        settings.put("backup.uploads-dir", uploads.toString());
        settings.put("backup.log-file", dir.resolve("llm-backup.log").toString());
        settings.put("backup.language", "en");
        settings.put("backup.database.host", "127.0.0.1");
        settings.put("backup.database.port", String.valueOf(pg.port()));
        settings.put("backup.database.name", database);
        settings.put("backup.database.user", TestPostgres.SUPERUSER);
        settings.put("backup.database.password", TestPostgres.SUPERUSER_PASSWORD);
        settings.put("backup.postgres.bin-dir", pg.binDir().toString());
        settings.put("backup.compose.project", PROJECT);
        settings.put("backup.health.url", web.healthUrl());
        settings.putAll(overrides);
        BackupProperties properties = new Binder(new MapConfigurationPropertySource(settings))
                .bindOrCreate("backup", BackupProperties.class);
        CommandRunner runner = new CommandRunner();
        DockerClient docker = DockerConfig.create(properties.docker());
        PostgresClient postgres = new PostgresClient(properties, runner);
        WalServer walServer = new WalServer(postgres);
        receiver = new WalReceiver(properties, new WalArchive(properties.root(), FilePermissions.ownerOnly()), walServer, postgres, runner,
                Clock.systemUTC(), FilePermissions.ownerOnly());
        return new PreflightChecks(properties, postgres,
                new ComposeServices(docker, properties), new HealthProbe(properties),
                new OffsiteRepository(properties, new BackupCatalog(properties.root(),
                        FilePermissions.ownerOnly(), Clock.systemUTC()), runner), walServer, receiver, Texts.of(properties.language()));
    }

    @Test
    void runPassesEveryCheckWhenEnvironmentIsComplete() throws IOException {
        PreflightChecks checks = checks(Map.of());

        for (String check : List.of(PreflightChecks.BACKUP_ROOT, PreflightChecks.DATABASE, PreflightChecks.PG_DUMP_VERSION,
                PreflightChecks.UPLOADS, PreflightChecks.DOCKER, PreflightChecks.HEALTH_URL)) {
            CheckResult result = checks.run(check);
            assertThat(result.status()).as(result.line()).isEqualTo(Status.PASS);
        }
        assertThat(checks.run(PreflightChecks.DATABASE).verdict())
                .startsWith("Connected to " + database + " as postgres (PostgreSQL ")
                .endsWith("; the role is superuser.");
        assertThat(checks.run(PreflightChecks.DOCKER).verdict())
                .contains("backend: running (").contains("frontend: running (");
        assertThat(checks.run(PreflightChecks.UPLOADS).verdict()).endsWith("is readable (1 entries at its top level).");
        assertThat(checks.run(PreflightChecks.HEALTH_URL).verdict()).contains("answered HTTP 200");
    }

    @Test
    void freeSpaceWarnsWhenRootIsOnSystemDisk() throws IOException {
        // a root that does not exist yet is measured on its nearest existing folder: here "/"
        CheckResult result = checks(Map.of("backup.root", "/llm-backup-test-not-created/backup")).run(PreflightChecks.FREE_SPACE);

        assertThat(result.status()).isEqualTo(Status.WARN);
        assertThat(result.verdict()).contains(" free of ").contains("% used)").endsWith("the backup root is on the system disk.");
        assertThat(result.advice()).startsWith("Put backups on a separate volume");
    }

    @Test
    void freeSpacePassesWhenRootIsOnSeparateVolume() throws Exception {
        Path mount = Files.createDirectories(dir.resolve("volume"));
        mount(mount, "size=20m");
        try {
            CheckResult result = checks(Map.of("backup.root", mount.toString())).run(PreflightChecks.FREE_SPACE);

            assertThat(result.status()).as(result.line()).isEqualTo(Status.PASS);
            assertThat(result.verdict()).endsWith("; separate from the system disk.");
        } finally {
            umount(mount);
        }
    }

    @Test
    void freeSpaceFailsWhenVolumeIsFullerThanThreshold() throws Exception {
        Path mount = Files.createDirectories(dir.resolve("volume"));
        mount(mount, "size=2m");
        try {
            Files.write(mount.resolve("filler"), new byte[1950 * 1024]);

            CheckResult result = checks(Map.of("backup.root", mount.toString())).run(PreflightChecks.FREE_SPACE);

            assertThat(result.status()).isEqualTo(Status.FAIL);
            assertThat(result.verdict()).startsWith("The backup volume is nearly full: ").contains("above backup.volume.max-used-percent=90");
        } finally {
            umount(mount);
        }
    }

    @Test
    void backupRootFailsWhenMissing() throws IOException {
        Path missing = dir.resolve("no-such-backup");

        CheckResult result = checks(Map.of("backup.root", missing.toString())).run(PreflightChecks.BACKUP_ROOT);

        assertThat(result.status()).isEqualTo(Status.FAIL);
        assertThat(result.verdict()).isEqualTo("The backup root " + missing + " does not exist.");
        assertThat(result.advice()).contains("mkdir -p " + missing);
        assertThat(checks(Map.of("backup.root", missing.toString(), "backup.language", "ko")).run(PreflightChecks.BACKUP_ROOT).verdict())
                .isEqualTo("백업 루트 " + missing + "이(가) 없습니다.");
    }

    @Test
    void backupRootFailsWithChmodWhenRootOrKindFolderIsReadableByOthers() throws IOException {
        // the old scripts' folders: mkdir -p /backup/daily under umask 022
        Path root = Files.createDirectories(dir.resolve("old-backup"));
        Files.createDirectories(root.resolve("daily"));
        Files.createDirectories(root.resolve("weekly"));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(root.resolve("daily"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(root.resolve("weekly"), PosixFilePermissions.fromString("rwx------"));

        CheckResult result = checks(Map.of("backup.root", root.toString())).run(PreflightChecks.BACKUP_ROOT);

        assertThat(result.status()).isEqualTo(Status.FAIL);
        assertThat(result.verdict()).isEqualTo("The backup root " + root + " is writable, but other users can read backups: "
                + root + " (rwxr-xr-x), " + root.resolve("daily") + " (rwxr-xr-x).");
        assertThat(result.advice()).startsWith("Run chmod 700 " + root + " " + root.resolve("daily") + " (");
    }

    @Test
    void backupRootPassesWhenFoldersHaveConfiguredGroupMode() throws IOException {
        Path root = Files.createDirectories(dir.resolve("group-backup"));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-x---"));

        CheckResult result = checks(Map.of("backup.root", root.toString(), "backup.permissions.dirs", "rwxr-x---"))
                .run(PreflightChecks.BACKUP_ROOT);

        assertThat(result.status()).as(result.line()).isEqualTo(Status.PASS);
    }

    @Test
    void backupRootFailsWhenNotWritable() throws Exception {
        // as root, permissions do not stop a write: a read-only mount does
        Path readOnly = Files.createDirectories(dir.resolve("readonly"));
        mount(readOnly, "size=1m,ro");
        try {
            CheckResult result = checks(Map.of("backup.root", readOnly.toString())).run(PreflightChecks.BACKUP_ROOT);

            assertThat(result.status()).isEqualTo(Status.FAIL);
            assertThat(result.verdict()).isEqualTo("Cannot write to the backup root " + readOnly + ": Read-only file system.");
        } finally {
            umount(readOnly);
        }
    }

    @Test
    void databaseFailsWhenServerIsDown() throws IOException {
        int closedPort = closedPort();

        CheckResult result = checks(Map.of("backup.database.port", String.valueOf(closedPort))).run(PreflightChecks.DATABASE);

        assertThat(result.status()).isEqualTo(Status.FAIL);
        assertThat(result.verdict()).startsWith("Database postgres@127.0.0.1:" + closedPort + "/" + database
                + ": the database server at 127.0.0.1:" + closedPort + " is not reachable (");
        assertThat(result.verdict()).endsWith("Check that PostgreSQL runs and that backup.database.host and backup.database.port point at it.");
    }

    @Test
    void databaseFailsWhenPasswordIsWrong() throws IOException {
        CheckResult result = checks(Map.of("backup.database.password", "wrong")).run(PreflightChecks.DATABASE);

        assertThat(result.status()).isEqualTo(Status.FAIL);
        assertThat(result.verdict()).endsWith("password authentication failed for user 'postgres'. Set BACKUP_DATABASE_PASSWORD to this role's password.");
    }

    @Test
    void databaseFailsWhenRoleLacksRightsToDump() throws IOException {
        String role = "norights_" + Long.toHexString(System.nanoTime());
        pg.execute(database, "create role " + role + " login password 'pw'");

        CheckResult result = checks(Map.of("backup.database.user", role, "backup.database.password", "pw"))
                .run(PreflightChecks.DATABASE);

        assertThat(result.status()).isEqualTo(Status.FAIL);
        assertThat(result.verdict()).contains("but the role cannot read 2 relation(s) a dump needs: "
                + "table public.documents, sequence public.documents_id_seq.");
        assertThat(result.advice()).startsWith("Run as a superuser: GRANT pg_read_all_data TO " + role + ";");
    }

    @Test
    void databasePassesWhenRoleReadsAllData() throws IOException {
        String role = "reader_" + Long.toHexString(System.nanoTime());
        pg.execute(database, "create role " + role + " login password 'pw'", "grant pg_read_all_data to " + role);

        CheckResult result = checks(Map.of("backup.database.user", role, "backup.database.password", "pw"))
                .run(PreflightChecks.DATABASE);

        assertThat(result.status()).as(result.line()).isEqualTo(Status.PASS);
        assertThat(result.verdict()).endsWith("the role is member of pg_read_all_data.");
    }

    @Test
    void pgDumpVersionFailsWhenClientIsMissing() throws IOException {
        CheckResult result = checks(Map.of("backup.postgres.bin-dir", dir.resolve("nobin").toString()))
                .run(PreflightChecks.PG_DUMP_VERSION);

        assertThat(result.status()).isEqualTo(Status.FAIL);
        assertThat(result.verdict()).contains("does not run: could not start pg_dump");
        assertThat(result.advice()).contains("apt-get install postgresql-client");
    }

    @Test
    void pgDumpVersionFailsWhenClientIsOlderThanServer() throws IOException {
        // a stand-in pg_dump that reports version 9: it is a program that prints, run by argv
        Path bin = Files.createDirectories(dir.resolve("oldbin"));
        Path fake = bin.resolve("pg_dump");
        Files.writeString(fake, "#!/bin/busybox sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n");
        fake.toFile().setExecutable(true);

        CheckResult result = checks(Map.of("backup.postgres.bin-dir", bin.toString())).run(PreflightChecks.PG_DUMP_VERSION);

        assertThat(result.status()).isEqualTo(Status.FAIL);
        assertThat(result.verdict()).startsWith("pg_dump 9 (" + fake + ") is older than the server (PostgreSQL ");
        assertThat(result.advice()).startsWith("Install postgresql-client-");
    }

    @Test
    void uploadsFailsWhenFolderIsMissing() throws IOException {
        Path missing = dir.resolve("no-uploads");

        CheckResult result = checks(Map.of("backup.uploads-dir", missing.toString())).run(PreflightChecks.UPLOADS);

        assertThat(result.status()).isEqualTo(Status.FAIL);
        assertThat(result.verdict()).isEqualTo("The uploads folder " + missing + " does not exist.");
        assertThat(result.advice()).startsWith("Set backup.uploads-dir");
    }

    @Test
    void dockerFailsWhenComposeServiceIsMissing() throws IOException {
        CheckResult result = checks(Map.of("backup.compose.services", "backend,worker")).run(PreflightChecks.DOCKER);

        assertThat(result.status()).isEqualTo(Status.FAIL);
        assertThat(result.verdict()).contains("compose service(s) worker of project " + PROJECT + " were not found");
        assertThat(result.advice()).contains("docker ps -a --filter label=com.docker.compose.project=" + PROJECT);
    }

    @Test
    void dockerFailsWhenEngineIsUnreachable() throws IOException {
        CheckResult result = checks(Map.of("backup.docker.host", "unix://" + dir.resolve("no-docker.sock")))
                .run(PreflightChecks.DOCKER);

        assertThat(result.status()).isEqualTo(Status.FAIL);
        assertThat(result.verdict()).startsWith("Docker engine at unix://" + dir.resolve("no-docker.sock") + " is not reachable (");
    }

    @Test
    void dockerWarnsWhenServiceIsStopped() throws IOException {
        String project = PROJECT + "-stopped";
        GenericContainer<?> stopped = TestDocker.composeService(project, "backend");
        try {
            TestDocker.client().stopContainerCmd(stopped.getContainerId()).withTimeout(5).exec();

            CheckResult result = checks(Map.of("backup.compose.project", project, "backup.compose.services", "backend"))
                    .run(PreflightChecks.DOCKER);

            assertThat(result.status()).isEqualTo(Status.WARN);
            assertThat(result.verdict()).contains("backend: exited (");
            assertThat(result.advice()).startsWith("Service(s) backend are not running");
        } finally {
            stopped.stop();
        }
    }

    /** After a power cut mid-restore, the engine must not start a service the restore stopped: always and on-failure do. */
    @ParameterizedTest(name = "restart: {0}")
    @CsvSource({"always,FAIL", "on-failure,FAIL", "unless-stopped,PASS", "no,PASS"})
    void dockerFailsNamingTheServiceWhenItsRestartPolicyStartsItAgainAtBoot(String policy, Status expected) throws IOException {
        String project = PROJECT + "-restart-" + policy;
        GenericContainer<?> service = TestDocker.composeService(project, "backend",
                hostConfig -> hostConfig.withRestartPolicy(RestartPolicy.parse(policy)));
        try {
            CheckResult result = checks(Map.of("backup.compose.project", project, "backup.compose.services", "backend"))
                    .run(PreflightChecks.DOCKER);

            assertThat(result.status()).as(result.line()).isEqualTo(expected);
            if (expected == Status.FAIL) {
                assertThat(result.verdict()).contains("The Docker engine starts backend (" + service.getContainerName().substring(1)
                        + ": restart " + policy + ") again when it starts itself (after a power cut or a reboot)");
                assertThat(result.advice()).startsWith("Set `restart: unless-stopped` for backend in the web app's docker-compose.yml");
            }
        } finally {
            service.stop();
        }
    }

    @Test
    void healthUrlFailsWhenAppAnswersWithError() throws IOException {
        web.respond(503, "{\"status\":\"down\",\"db\":\"unreachable\"}");
        try {
            CheckResult result = checks(Map.of()).run(PreflightChecks.HEALTH_URL);

            assertThat(result.status()).isEqualTo(Status.FAIL);
            assertThat(result.verdict()).contains("answered with error HTTP 503").contains("\"db\":\"unreachable\"");
        } finally {
            web.respond(200, "{\"status\":\"ok\"}");
        }
    }

    @Test
    void healthUrlFailsWhenNothingListens() throws IOException {
        String url = "http://127.0.0.1:" + closedPort() + "/api/v1/health";

        CheckResult result = checks(Map.of("backup.health.url", url)).run(PreflightChecks.HEALTH_URL);

        assertThat(result.status()).isEqualTo(Status.FAIL);
        assertThat(result.verdict()).isEqualTo(url + " connection refused: nothing listens there.");
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void mount(Path at, String options) throws Exception {
        exec("mount", "-t", "tmpfs", "-o", options, "tmpfs", at.toString());
    }

    private static void umount(Path at) throws Exception {
        exec("umount", at.toString());
    }

    private static void exec(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", argv) + ": " + out).isZero();
    }
}
