package com.llmbackup.test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for the tests, started once per test JVM from the installed
 * server binaries (scripts/setup-test-env.sh installs them) in a throw-away folder on a
 * free port of 127.0.0.1, and stopped when the JVM exits. Running as root, the server
 * runs as the {@code postgres} system user, as PostgreSQL requires.
 */
public final class TestPostgres implements AutoCloseable {

    public static final String SUPERUSER = "postgres";
    public static final String SUPERUSER_PASSWORD = "test-only-superuser";

    private static TestPostgres instance;

    private final Path binDir;
    private final Path dataDir;
    private final int port;
    private final String options;

    private TestPostgres(Path binDir, Path dataDir, int port, String options) {
        this.binDir = binDir;
        this.dataDir = dataDir;
        this.port = port;
        this.options = options;
    }

    public static synchronized TestPostgres get() {
        if (instance == null) {
            instance = launch(List.of());
        }
        return instance;
    }

    /**
     * Restarts the server as an operator would ({@code pg_ctl restart -m fast}): every open
     * session is ended; the server is back (same port and data) when this returns.
     */
    public void restart() {
        boolean root = "root".equals(System.getProperty("user.name"));
        try {
            run(asServerUser(root, List.of(binDir.resolve("pg_ctl").toString(), "-D", dataDir.toString(), "-w", "-t", "60",
                    "-m", "fast", "-l", dataDir.resolveSibling("server.log").toString(), "restart")));
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("Cannot restart the test PostgreSQL server: " + e.getMessage(), e);
        }
    }

    /**
     * A server of the caller's own (the shared one must never be stopped or reconfigured under
     * the other tests): extra {@code -c} settings, e.g. {@code max_slot_wal_keep_size=64MB}.
     * Stopped and removed by {@link #close()}, or at the JVM's exit.
     */
    public static TestPostgres startPrivate(String... settings) {
        return launch(List.of(), settings);
    }

    /** A private server made with extra initdb arguments, e.g. {@code --wal-segsize=1} (1 MB WAL segments). */
    public static TestPostgres startPrivate(List<String> initdbArgs, String... settings) {
        return launch(initdbArgs, settings);
    }

    /** Stops the server ({@code pg_ctl stop -m fast}); {@link #start()} brings it back on the same port and data. */
    public void stop() {
        pgCtl("-m", "fast", "stop");
    }

    /** {@code pg_ctl stop -m immediate}: as a crash or a power cut (the server recovers from its WAL when started). */
    public void crash() {
        pgCtl("-m", "immediate", "stop");
    }

    public void start() {
        pgCtl("-l", dataDir.resolveSibling("server.log").toString(), "-o", options, "start");
    }

    /** Replaces pg_hba.conf with these lines and makes the server read it. */
    public void replaceHba(String... lines) {
        try {
            Files.writeString(dataDir.resolve("pg_hba.conf"), String.join("\n", lines) + "\n");
            execute("postgres", "select pg_reload_conf()");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Stops and removes a private server. */
    @Override
    public void close() {
        try {
            pgCtl("-m", "immediate", "stop");
        } catch (IllegalStateException alreadyStopped) {
            // stopped by the test
        }
        try {
            deleteTree(dataDir.getParent());
        } catch (IOException ignored) {
            // a temporary folder
        }
    }

    private void pgCtl(String... args) {
        boolean root = "root".equals(System.getProperty("user.name"));
        List<String> argv = new ArrayList<>(List.of(binDir.resolve("pg_ctl").toString(), "-D", dataDir.toString(), "-w", "-t", "60"));
        argv.addAll(List.of(args));
        try {
            run(asServerUser(root, argv));
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("pg_ctl " + String.join(" ", args) + " failed: " + e.getMessage(), e);
        }
    }

    public int port() {
        return port;
    }

    public Path binDir() {
        return binDir;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), SUPERUSER, SUPERUSER_PASSWORD);
    }

    /** Runs statements as the superuser in the given database. */
    public void execute(String database, String... statements) {
        try (Connection c = connect(database); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("test SQL failed: " + e.getMessage(), e);
        }
    }

    /** A fresh, empty database with a unique name. */
    public String createDatabase(String prefix) {
        String name = prefix + "_" + Long.toHexString(System.nanoTime());
        execute("postgres", "create database " + name);
        return name;
    }

    private static TestPostgres launch(List<String> initdbArgs, String... settings) {
        try {
            Path binDir = findBinDir();
            int port = freePort();
            Path dir = Files.createTempDirectory("llm-backup-test-pg-");
            Path data = dir.resolve("data");
            Path pwfile = dir.resolve("pw");
            Files.writeString(pwfile, SUPERUSER_PASSWORD + "\n");
            boolean root = "root".equals(System.getProperty("user.name"));
            if (root) {
                run(List.of("chown", "-R", "postgres:postgres", dir.toString()));
            }
            List<String> initdb = new ArrayList<>(List.of(binDir.resolve("initdb").toString(), "-D", data.toString(), "-U", SUPERUSER,
                    "--pwfile=" + pwfile, "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                    "--locale=C.UTF-8", "--no-sync"));
            initdb.addAll(initdbArgs);
            run(asServerUser(root, initdb));
            StringBuilder options = new StringBuilder("-c listen_addresses=127.0.0.1 -c port=" + port + " -c unix_socket_directories=" + dir
                    + " -c fsync=off -c max_connections=200");
            for (String setting : settings) {
                options.append(" -c ").append(setting);
            }
            run(asServerUser(root, List.of(binDir.resolve("pg_ctl").toString(), "-D", data.toString(), "-w", "-t", "60",
                    "-l", dir.resolve("server.log").toString(), "-o", options.toString(), "start")));
            TestPostgres pg = new TestPostgres(binDir, data, port, options.toString());
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    run(asServerUser(root, List.of(binDir.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "stop")));
                    deleteTree(dir);
                } catch (Exception ignored) {
                    // best effort at JVM exit
                }
            }));
            return pg;
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("Cannot start the test PostgreSQL server: " + e.getMessage()
                    + ". Run scripts/setup-test-env.sh first (it installs postgresql).", e);
        }
    }

    private static List<String> asServerUser(boolean root, List<String> argv) {
        if (!root) {
            return argv;
        }
        List<String> wrapped = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        wrapped.addAll(argv);
        return wrapped;
    }

    private static Path findBinDir() throws IOException {
        Path base = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(base)) {
            throw new IOException("no PostgreSQL server under /usr/lib/postgresql");
        }
        try (Stream<Path> versions = Files.list(base)) {
            return versions.filter(p -> Files.isExecutable(p.resolve("bin/initdb")))
                    .max(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString().replaceAll("\\D", "0"))))
                    .map(p -> p.resolve("bin"))
                    .orElseThrow(() -> new IOException("no initdb under /usr/lib/postgresql/*/bin"));
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void run(List<String> argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", argv) + " failed: " + new String(out));
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
