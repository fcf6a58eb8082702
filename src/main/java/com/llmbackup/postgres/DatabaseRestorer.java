package com.llmbackup.postgres;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import com.llmbackup.config.BackupProperties;
import com.llmbackup.exec.CommandFailedException;
import com.llmbackup.exec.CommandResult;
import com.llmbackup.exec.CommandRunner;
import org.springframework.stereotype.Component;

/**
 * The database half of a restore, as the runbook does it but without its defect D7:
 * roles from the set's globals when the grant role is missing, then
 * {@code pg_restore --clean --if-exists --jobs N}, then the runbook's GRANT to
 * {@code backup.database.grant-role}, then the row counts compared with the backup's.
 * Sessions that hold locks on the database's tables are waited for at most
 * {@code backup.restore.lock-timeout}; then the restore fails naming them, before pg_restore starts.
 */
@Component
public class DatabaseRestorer {

    private final PostgresClient postgres;
    private final CommandRunner runner;
    private final BackupProperties.Restore settings;

    public DatabaseRestorer(PostgresClient postgres, CommandRunner runner, BackupProperties properties) {
        this.postgres = postgres;
        this.runner = runner;
        this.settings = properties.restore();
    }

    /**
     * Restores {@code dump} into {@code database}, creating it first when {@code create}
     * (side by side: it must not exist). {@code expectedRows} are the backup's row counts
     * (empty for a legacy set, which has none to compare).
     */
    public Result restore(Path dump, Path globals, String database, boolean create, Map<String, Long> expectedRows) {
        List<String> warnings = new ArrayList<>();
        String grantRole = postgres.database().grantRole();
        if (create) {
            createDatabase(database);
        }
        warnings.addAll(restoreRoles(globals));
        if (!create) {
            List<String> left = endRestoreSessions(database);
            if (!left.isEmpty()) {
                warnings.add("Ended " + left.size() + " pg_restore session(s) on " + database + " left by an earlier attempt "
                        + "(its orchestrator stopped): " + String.join("; ", left) + ".");
            }
            awaitNoLockHolders(database);
        }
        List<String> sessions = otherSessions(database, false);
        if (!sessions.isEmpty()) {
            warnings.add("Other sessions were connected to " + database + " during the restore: " + String.join("; ", sessions) + ".");
        }
        int jobs = settings.effectiveJobs();
        CommandResult result = runner.runAllowingFailure(postgres.command("pg_restore", List.of(
                "--clean", "--if-exists", "--jobs=" + jobs, "--dbname=" + database, dump.toString())));
        if (result.exitCode() != 0) {
            String stderr = result.stderr().strip();
            throw new CommandFailedException("pg_restore", result.exitCode(), stderr, "pg_restore into " + database
                    + " failed (exit code " + result.exitCode() + "): " + lastLines(stderr, 12) + ". The database may be partly "
                    + "restored: roll back to the safety backup, or fix the cause and restore again.", null);
        }
        if (roleExists(grantRole)) {
            grant(database, grantRole);
        }
        Map<String, Long> rows = rowCounts(database);
        List<String> differences = new ArrayList<>();
        expectedRows.forEach((table, expected) -> {
            Long actual = rows.get(table);
            if (!expected.equals(actual)) {
                differences.add(table + " has " + (actual == null ? "no table" : actual + " rows") + ", the backup " + expected);
            }
        });
        if (!differences.isEmpty()) {
            throw new DumpInvalidException("The restored database " + database + " differs from the backup: "
                    + String.join("; ", differences) + ". Roll back to the safety backup and check the set.");
        }
        return new Result(database, jobs, rows, warnings);
    }

    /**
     * The pg_restore sessions on a database. Under the backup root's lock no other restore of
     * ours runs, so any is left by an attempt whose orchestrator died: pg_restore outlives a
     * JVM killed with SIGKILL and would go on writing beside a new attempt.
     */
    /**
     * The set's roles (pg_dumpall --globals-only) when the grant role is missing, as on a new
     * server; nothing when it exists. Returns what the operator should know (empty: nothing done).
     */
    public List<String> restoreRoles(Path globals) {
        List<String> warnings = new ArrayList<>();
        String grantRole = postgres.database().grantRole();
        if (roleExists(grantRole)) {
            return warnings;
        }
        if (globals != null && Files.isRegularFile(globals)) {
            // existing roles make CREATE ROLE fail; those errors are expected and ignored
            CommandResult r = runner.runAllowingFailure(postgres.command("psql",
                    List.of("--dbname=postgres", "--quiet", "--no-psqlrc", "--file=" + globals)));
            warnings.add("Role " + grantRole + " was missing: roles created from " + globals.getFileName()
                    + (r.exitCode() == 0 ? "." : " (psql exit code " + r.exitCode() + ")."));
        }
        if (!roleExists(grantRole)) {
            warnings.add("Role " + grantRole + " does not exist and the set has no roles for it: GRANT skipped. "
                    + "Create the role and run GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA public TO " + grantRole + ".");
        }
        return warnings;
    }

    public List<String> restoreSessions(String database) {
        List<String> sessions = new ArrayList<>();
        try (Connection c = postgres.connect("postgres"); PreparedStatement ps = c.prepareStatement("""
                select pid, coalesce(host(client_addr), 'local'), state, backend_start from pg_stat_activity
                 where datname = ? and pid <> pg_backend_pid() and application_name like 'pg_restore%' order by backend_start""")) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    sessions.add("pid " + rs.getInt(1) + " (from " + rs.getString(2) + ", " + rs.getString(3) + ", since "
                            + rs.getTimestamp(4).toInstant() + ")");
                }
            }
        } catch (SQLException e) {
            throw new DatabaseUnavailableException("Cannot list the sessions on " + database + ": " + e.getMessage(), e);
        }
        return sessions;
    }

    /** Ends the pg_restore sessions left on a database and waits until they are gone; returns them. */
    public List<String> endRestoreSessions(String database) {
        List<String> left = restoreSessions(database);
        if (left.isEmpty()) {
            return left;
        }
        try (Connection c = postgres.connect("postgres"); PreparedStatement ps = c.prepareStatement(
                "select pg_terminate_backend(pid) from pg_stat_activity where datname = ? and pid <> pg_backend_pid()"
                        + " and application_name like 'pg_restore%'")) {
            ps.setString(1, database);
            ps.execute();
        } catch (SQLException e) {
            throw new DatabaseUnavailableException("Cannot end the pg_restore sessions left on " + database + " (" + String.join("; ", left)
                    + "): " + e.getMessage() + ". End them by hand (SELECT pg_terminate_backend(pid)), then restore again.", e);
        }
        long deadline = System.nanoTime() + settings.lockTimeout().toNanos();
        while (!restoreSessions(database).isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new DatabaseUnavailableException("pg_restore sessions left on " + database + " did not end within "
                        + settings.lockTimeout().toSeconds() + " s: " + String.join("; ", restoreSessions(database)) + ". Nothing was "
                        + "restored yet. End them by hand (SELECT pg_terminate_backend(pid)), then restore again.", null);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while ending the pg_restore sessions on " + database, e);
            }
        }
        return left;
    }

    /** Drops a side-by-side copy (after its sessions are ended): a restore into it starts again from nothing. */
    public void drop(String database) {
        endRestoreSessions(database);
        try (Connection c = postgres.connect("postgres"); Statement s = c.createStatement()) {
            s.execute("drop database if exists \"" + database + "\"");
        } catch (SQLException e) {
            throw new DatabaseUnavailableException("Cannot drop the partial copy " + database + ": " + e.getMessage()
                    + ". Drop it by hand (DROP DATABASE " + database + "), then restore again.", e);
        }
    }

    /** Whether a database of that name exists on the server. */
    public boolean exists(String database) {
        try (Connection c = postgres.connect("postgres");
             PreparedStatement ps = c.prepareStatement("select 1 from pg_database where datname = ?")) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw new DatabaseUnavailableException("Cannot list the databases: " + e.getMessage(), e);
        }
    }

    /** Size of a database in bytes, and its tables' row counts: what a restore would replace. */
    public long size(String database) {
        try (Connection c = postgres.connect(database);
             ResultSet rs = c.createStatement().executeQuery("select pg_database_size(current_database())")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new DatabaseUnavailableException("Cannot read the size of " + database + ": " + e.getMessage(), e);
        }
    }

    public Map<String, Long> rowCounts(String database) {
        try (Connection c = postgres.connect(database); Statement s = c.createStatement()) {
            return DatabaseDumper.rowCounts(s);
        } catch (SQLException e) {
            throw new DatabaseUnavailableException("Cannot count the rows of " + database + ": " + e.getMessage(), e);
        }
    }

    private void createDatabase(String database) {
        if (exists(database)) {
            throw new IllegalStateException("Database " + database + " already exists: a side-by-side restore writes only into a new database.");
        }
        try (Connection c = postgres.connect("postgres"); Statement s = c.createStatement()) {
            s.execute("create database \"" + database + "\"");
        } catch (SQLException e) {
            throw new DatabaseUnavailableException("Cannot create database " + database + " as role " + postgres.database().user()
                    + ": " + e.getMessage() + ". The role needs CREATEDB for a side-by-side restore.", e);
        }
    }

    private boolean roleExists(String role) {
        try (Connection c = postgres.connect("postgres");
             PreparedStatement ps = c.prepareStatement("select 1 from pg_roles where rolname = ?")) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw new DatabaseUnavailableException("Cannot read the roles: " + e.getMessage(), e);
        }
    }

    /** The runbook's step after pg_restore, for tables and their sequences. */
    private void grant(String database, String role) {
        try (Connection c = postgres.connect(database); Statement s = c.createStatement()) {
            s.execute("GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA public TO \"" + role + "\"");
            s.execute("GRANT ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA public TO \"" + role + "\"");
        } catch (SQLException e) {
            throw new DatabaseUnavailableException("GRANT to " + role + " on " + database + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * pg_restore --clean drops tables, which waits for every session holding a lock on them, and
     * the archive's own {@code SET lock_timeout = 0} makes it wait for ever. So: wait at most
     * {@code backup.restore.lock-timeout} for such sessions to end, then fail naming them.
     */
    private void awaitNoLockHolders(String database) {
        long deadline = System.nanoTime() + settings.lockTimeout().toNanos();
        List<String> holders = otherSessions(database, true);
        while (!holders.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            holders = otherSessions(database, true);
        }
        if (!holders.isEmpty()) {
            throw new DatabaseUnavailableException(holders.size() + " other session(s) still hold locks on tables of " + database
                    + " after " + settings.lockTimeout().toSeconds() + " s (backup.restore.lock-timeout), and pg_restore --clean would wait "
                    + "for them: " + String.join("; ", holders) + ". Nothing was restored yet. End them (SELECT pg_terminate_backend(pid)),"
                    + " then roll back or restore again.", null);
        }
    }

    /** Sessions of other clients on the database (with {@code holdingLocks}: only those holding table locks there). */
    private List<String> otherSessions(String database, boolean holdingLocks) {
        List<String> sessions = new ArrayList<>();
        String locks = holdingLocks ? " and exists (select 1 from pg_locks l where l.pid = a.pid and l.granted and l.locktype = 'relation'"
                + " and l.database = (select oid from pg_database where datname = a.datname))" : "";
        try (Connection c = postgres.connect("postgres"); PreparedStatement ps = c.prepareStatement("""
                select pid, usename, coalesce(nullif(application_name, ''), '-'), coalesce(host(client_addr), 'local'), state
                  from pg_stat_activity a
                 where datname = ? and pid <> pg_backend_pid() and backend_type = 'client backend'
                   and application_name not like 'pg_restore%' and application_name <> 'llm-backup'""" + locks + " order by backend_start")) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    sessions.add("pid " + rs.getInt(1) + " (user " + rs.getString(2) + ", application " + rs.getString(3)
                            + ", from " + rs.getString(4) + ", " + rs.getString(5) + ")");
                }
            }
        } catch (SQLException | RuntimeException e) {
            sessions.add("(cannot list sessions: " + e.getMessage() + ")");
        }
        return sessions;
    }

    private static String lastLines(String text, int n) {
        String[] lines = text.split("\n");
        int from = Math.max(0, lines.length - n);
        return String.join(" | ", Arrays.copyOfRange(lines, from, lines.length));
    }

    /** Where the dump went, with how many jobs, the row counts found after, and what the operator should know. */
    public record Result(String database, int jobs, Map<String, Long> rowCounts, List<String> warnings) {
    }
}
