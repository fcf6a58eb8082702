package com.llmbackup.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import com.llmbackup.catalog.Durable;
import com.llmbackup.exec.Command;
import com.llmbackup.exec.CommandFailedException;
import com.llmbackup.exec.CommandResult;
import com.llmbackup.exec.CommandRunner;
import org.postgresql.util.PSQLException;
import org.springframework.stereotype.Component;

/**
 * {@code pg_dump -Fc -f} of the web app's database, with the row count of every table
 * taken in the dump's own snapshot ({@code pg_export_snapshot()} held open by a JDBC
 * transaction, {@code pg_dump --snapshot}), so the counts match what the dump holds.
 * The dump is written to a file (a seekable file keeps the data offsets parallel
 * {@code pg_restore} needs) and hashed right after, while it is in the page cache.
 */
@Component
public class DatabaseDumper {

    private final PostgresClient postgres;
    private final CommandRunner runner;

    public DatabaseDumper(PostgresClient postgres, CommandRunner runner) {
        this.postgres = postgres;
        this.runner = runner;
    }

    public DumpResult dump(Path file) {
        String database = postgres.database().name();
        try {
            // a step run again after its orchestrator died: that attempt's pg_dump may still write its file (SIGKILL does
            // not end the child); unlinked, it writes into nothing this run reads
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + file + " left by an earlier attempt: " + e.getMessage(), e);
        }
        try (Connection c = postgres.connect()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("set transaction isolation level repeatable read, read only");
                String snapshot;
                String version;
                try (ResultSet rs = s.executeQuery("select pg_export_snapshot(), current_setting('server_version')")) {
                    rs.next();
                    snapshot = rs.getString(1);
                    version = rs.getString(2);
                }
                long started = System.nanoTime();
                // pg_dump and the row counts run side by side, both in the snapshot this transaction holds
                CompletableFuture<Void> dump = CompletableFuture.runAsync(() -> runner.run(postgres.command("pg_dump",
                        List.of("--format=custom", "--file=" + file, "--snapshot=" + snapshot, "--dbname=" + database))));
                Map<String, Long> rowCounts;
                try {
                    rowCounts = rowCounts(s);
                } catch (SQLException e) {
                    // the failed count aborts the snapshot's transaction, so pg_dump fails too, with a
                    // message about the snapshot: the count's error is the one that explains
                    dump.exceptionally(ignored -> null).join();
                    if (!"42501".equals(e.getSQLState())) {
                        // not a missing right: the server ended the session (restart, shutdown, crash) or the network went
                        throw new DumpFailedException("The dump of " + database + " was interrupted: " + serverMessage(e)
                                + " (SQLSTATE " + e.getSQLState() + "). Nothing of it is used; the step is retried "
                                + "(backup.retry-cycle), or check that the database server runs and start a new run.", e);
                    }
                    throw new DumpFailedException("Cannot dump " + database + " as role " + postgres.database().user()
                            + ": " + serverMessage(e) + ". Give the role read access to every table (GRANT pg_read_all_data TO "
                            + postgres.database().user() + "); the preflight's database check lists what it cannot read.", e);
                }
                try {
                    dump.join();
                } catch (CompletionException e) {
                    throw e.getCause() instanceof RuntimeException r ? r : e;
                }
                Duration dumpTime = Duration.ofNanos(System.nanoTime() - started);
                c.rollback();
                long hashStart = System.nanoTime();
                // pg_dump does not fsync its output: the dump must be on disk before a manifest calls the set complete
                Durable.force(file);
                String sha = sha256(file);
                return new DumpResult(file, Files.size(file), sha, rowCounts, version, dumpTime,
                        Duration.ofNanos(System.nanoTime() - hashStart));
            }
        } catch (SQLException e) {
            throw new DatabaseUnavailableException("Database " + database + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the dump " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads the dump's table of contents with {@code pg_restore --list}; a dump it cannot read fails here. */
    public int verify(Path dump) {
        CommandResult listed = runner.runAllowingFailure(
                Command.of(postgres.tool("pg_restore").toString(), "--list", dump.toString()));
        if (listed.exitCode() != 0) {
            throw new DumpInvalidException("pg_restore --list cannot read " + dump.getFileName() + " (exit code "
                    + listed.exitCode() + "): " + listed.stderr().strip());
        }
        int entries = 0;
        for (String line : listed.stdout().split("\n")) {
            if (!line.isBlank() && !line.startsWith(";")) {
                entries++;
            }
        }
        return entries;
    }

    /**
     * {@code pg_dumpall --globals-only}: the roles (such as {@code llm_user}) a new server
     * needs before the runbook's GRANT works. A role that may not read passwords gets them
     * left out; one that may not dump roles at all gets a warning instead of a file.
     */
    public GlobalsResult dumpGlobals(Path file) {
        List<String> base = List.of("--globals-only", "--file=" + file, "--database=" + postgres.database().name());
        try {
            runner.run(postgres.command("pg_dumpall", base));
            Durable.force(file);
            return new GlobalsResult(true, null);
        } catch (CommandFailedException full) {
            List<String> noPasswords = new ArrayList<>(base);
            noPasswords.add("--no-role-passwords");
            try {
                runner.run(postgres.command("pg_dumpall", noPasswords));
                Durable.force(file);
                return new GlobalsResult(true, "Globals dumped without role passwords (role " + postgres.database().user()
                        + " may not read them): set passwords of restored roles by hand.");
            } catch (CommandFailedException e) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // nothing to clean up then
                }
                return new GlobalsResult(false, "Roles not saved: pg_dumpall --globals-only failed for role "
                        + postgres.database().user() + " (" + e.getMessage() + "). On a new server create role "
                        + "llm_user by hand before restoring.");
            }
        }
    }

    /** The exact row count of every table the statement's connection sees (a dump's snapshot, or a restored database). */
    static Map<String, Long> rowCounts(Statement s) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (ResultSet rs = s.executeQuery("""
                select quote_ident(n.nspname) || '.' || quote_ident(c.relname)
                  from pg_class c join pg_namespace n on n.oid = c.relnamespace
                 where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema')
                   and n.nspname not like 'pg_toast%' and n.nspname not like 'pg_temp%'
                 order by 1""")) {
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
        }
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String table : tables) {
            try (ResultSet rs = s.executeQuery("select count(*) from " + table)) {
                rs.next();
                counts.put(table, rs.getLong(1));
            }
        }
        return counts;
    }

    private static String serverMessage(SQLException e) {
        if (e instanceof PSQLException p && p.getServerErrorMessage() != null) {
            return p.getServerErrorMessage().getMessage();
        }
        return e.getMessage();
    }

    public static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The dump, its checksum, the row counts of its snapshot, and how long dumping and hashing took. */
    public record DumpResult(Path file, long size, String sha256, Map<String, Long> rowCounts, String serverVersion,
                             Duration dumpTime, Duration hashTime) {
    }

    public record GlobalsResult(boolean written, String warning) {
    }
}
