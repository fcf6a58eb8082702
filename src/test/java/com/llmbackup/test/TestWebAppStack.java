package com.llmbackup.test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * The web app's stand-in as real containers of one compose project: {@code db} (PostgreSQL
 * from a locally built image), {@code backend} (busybox httpd serving {@code /api/v1/health}
 * only when the uploads folder it mounts says data version 2, and logging why not) and
 * {@code frontend}. All use host networking on their own ports of 127.0.0.1 and carry
 * docker-compose's labels, so the orchestrator finds them as it finds the real stack.
 */
public final class TestWebAppStack implements AutoCloseable {

    /** Each stack its own compose project: a restore in one test run never stops another run's containers. */
    private final String project = "llm-webapp-test-" + Long.toHexString(System.nanoTime());
    public static final String POSTGRES_IMAGE = "llm-backup-test/postgres:15";
    public static final String DB_PASSWORD = "stack-db-superuser";
    /** A 48 MiB tmpfs in the db container, for a tablespace without room. */
    public static final String SMALL_VOLUME = "/small";

    private final GenericContainer<?> db;
    private final GenericContainer<?> backend;
    private final GenericContainer<?> frontend;
    private final int dbPort;
    private final int backendPort;
    private final int frontendPort;

    private TestWebAppStack(Path uploads) {
        dbPort = freePort();
        backendPort = freePort();
        frontendPort = freePort();
        db = service("db", postgresImage())
                .withCommand("-c", "listen_addresses=127.0.0.1", "-c", "port=" + dbPort)
                // a small volume of the database server's own, for a tablespace that runs out of room (the restore's space check)
                .withTmpFs(Map.of(SMALL_VOLUME, "rw,size=48m,mode=1777"))
                .waitingFor(Wait.forLogMessage(".*ready to accept connections.*", 1).withStartupTimeout(Duration.ofMinutes(1)));
        db.start();
        try {
            var result = db.execInContainer("psql", "--port=" + dbPort, "--no-psqlrc", "--command",
                    "alter user postgres password '" + DB_PASSWORD + "'");
            if (result.getExitCode() != 0) {
                throw new IllegalStateException("cannot set the db container's password: " + result.getStderr());
            }
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
        String script = """
                /bin/busybox mkdir -p /tmp/www/api/v1
                /bin/busybox rm -f /tmp/www/api/v1/health
                echo "backend: starting (uploads at /data)"
                version=$(/bin/busybox cat /data/.app-version 2>/dev/null || echo missing)
                if [ "$version" = "2" ]; then
                  echo '{"status":"ok"}' > /tmp/www/api/v1/health
                  echo "backend: ready, data version $version"
                else
                  echo "backend: ERROR data version $version is not supported (this backend needs 2): /api/v1/health will fail"
                fi
                exec /bin/busybox httpd -f -v -p 127.0.0.1:%d -h /tmp/www
                """.formatted(backendPort);
        backend = service("backend", DockerImageName.parse(TestDocker.busyboxImage()))
                .withCreateContainerCmdModifier(cmd -> {
                    cmd.withEntrypoint("/bin/busybox");
                    // a plain bind: Testcontainers' withFileSystemBind wants to pull alpine to check the path
                    cmd.getHostConfig().withInit(true).withBinds(new Bind(uploads.toString(),
                            new Volume("/data"), AccessMode.ro));
                })
                .withCommand("sh", "-c", script)
                .waitingFor(Wait.forLogMessage(".*backend: (ready|ERROR).*", 1));
        backend.start();
        frontend = service("frontend", DockerImageName.parse(TestDocker.busyboxImage()))
                .withCreateContainerCmdModifier(cmd -> {
                    cmd.withEntrypoint("/bin/busybox");
                    cmd.getHostConfig().withInit(true);
                })
                .withCommand("sh", "-c", "/bin/busybox mkdir -p /tmp/www && echo frontend > /tmp/www/index.html && echo 'frontend: serving'"
                        + " && exec /bin/busybox httpd -f -p 127.0.0.1:" + frontendPort + " -h /tmp/www")
                .waitingFor(Wait.forLogMessage(".*frontend: serving.*", 1));
        frontend.start();
    }

    /** Starts the stack; the backend mounts {@code uploads} read-only, as the web app's backend does. */
    public static TestWebAppStack start(Path uploads) {
        return new TestWebAppStack(uploads);
    }

    /** The compose project of this stack's containers (backup.compose.project). */
    public String project() {
        return project;
    }

    public int dbPort() {
        return dbPort;
    }

    public String healthUrl() {
        return "http://127.0.0.1:" + backendPort + "/api/v1/health";
    }

    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + dbPort + "/" + database, "postgres", DB_PASSWORD);
    }

    public void execute(String database, String... statements) {
        try (Connection c = connect(database); var s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** HTTP status of the backend's health URL now (0 when nothing answers). */
    public int healthStatus() {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(healthUrl())).timeout(Duration.ofSeconds(3)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    /** The container's state as the engine reports it: running, started and finished times. */
    public InspectContainerResponse.ContainerState state(String service) {
        return TestDocker.client().inspectContainerCmd(containerId(service)).exec().getState();
    }

    public String containerId(String service) {
        GenericContainer<?> c = switch (service) {
            case "db" -> db;
            case "backend" -> backend;
            case "frontend" -> frontend;
            default -> throw new IllegalArgumentException(service);
        };
        return c.getContainerId();
    }

    /** Runs a command in the db container (as its postgres user); its stdout, failing on a non-zero exit. */
    public String execInDb(String... command) {
        try {
            var result = db.execInContainer(command);
            if (result.getExitCode() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed in the db container: " + result.getStderr());
            }
            return result.getStdout();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    public String backendLogs() {
        return backend.getLogs();
    }

    @Override
    public void close() {
        frontend.stop();
        backend.stop();
        db.stop();
    }

    @SuppressWarnings("resource")
    private GenericContainer<?> service(String service, DockerImageName image) {
        return new GenericContainer<>(image)
                .withNetworkMode("host")
                .withLabels(Map.of(
                        "com.docker.compose.project", project,
                        "com.docker.compose.service", service,
                        "com.docker.compose.oneoff", "False"));
    }

    /** The PostgreSQL image, built once with scripts/postgres-image.sh (debootstrap, no registry) when missing. */
    public static synchronized DockerImageName postgresImage() {
        var docker = TestDocker.client();
        if (docker.listImagesCmd().withImageNameFilter(POSTGRES_IMAGE).exec().isEmpty()) {
            Path script = Path.of("scripts/postgres-image.sh").toAbsolutePath();
            try {
                Process p = new ProcessBuilder("bash", script.toString(), POSTGRES_IMAGE).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes());
                if (p.waitFor() != 0 || !Files.exists(script)) {
                    throw new IllegalStateException("building " + POSTGRES_IMAGE + " with " + script + " failed: " + out);
                }
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException("cannot build " + POSTGRES_IMAGE + ": " + e, e);
            }
        }
        return DockerImageName.parse(POSTGRES_IMAGE);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
