package com.llmbackup.postgres;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.llmbackup.config.BackupProperties;
import com.llmbackup.exec.Command;
import com.llmbackup.exec.CommandFailedException;
import com.llmbackup.exec.CommandRunner;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The web app's PostgreSQL server as llm-backup sees it: JDBC connections for checks and
 * small statements, and the client programs (pg_dump, pg_restore, psql) as commands that
 * get the password through their environment only.
 */
@Component
public class PostgresClient {

    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\)\\s+(\\d+)(?:\\.(\\d+))?");

    private final BackupProperties.Database database;
    private final BackupProperties.Postgres postgres;
    private final CommandRunner runner;

    @Autowired // the bean's; the private one is for another server (on)
    public PostgresClient(BackupProperties properties, CommandRunner runner) {
        this(properties.database(), properties.postgres(), runner);
    }

    private PostgresClient(BackupProperties.Database database, BackupProperties.Postgres postgres, CommandRunner runner) {
        this.database = database;
        this.postgres = postgres;
        this.runner = runner;
    }

    /** The same database, role and tools on another server (a scratch server replaying a point in time). */
    public PostgresClient on(String host, int port) {
        return new PostgresClient(new BackupProperties.Database(host, port, database.name(), database.user(), database.password(),
                database.grantRole(), database.connectTimeout()), postgres, runner);
    }

    public BackupProperties.Database database() {
        return database;
    }

    /** A connection to the configured database; failures become a message an operator can act on. */
    public Connection connect() {
        return connect(database.name());
    }

    public Connection connect(String databaseName) {
        Properties props = new Properties();
        props.setProperty("user", database.user());
        if (database.password() != null) {
            props.setProperty("password", database.password());
        }
        try {
            return DriverManager.getConnection(database.jdbcUrl(databaseName), props);
        } catch (SQLException e) {
            throw new DatabaseUnavailableException(describe(e, databaseName), e);
        }
    }

    /** The database server's clock now ({@code clock_timestamp()}): what this orchestrator's clock is compared with. */
    public Instant serverTime() {
        try (Connection c = connect(); ResultSet rs = c.createStatement().executeQuery("select clock_timestamp()")) {
            rs.next();
            return rs.getObject(1, OffsetDateTime.class).toInstant();
        } catch (SQLException e) {
            throw new DatabaseUnavailableException(describe(e, database.name()), e);
        }
    }

    /** What the server is and whether the configured role can dump every table and sequence. */
    public ServerInfo inspect() {
        try (Connection c = connect()) {
            int versionNum;
            String version;
            try (ResultSet rs = c.createStatement().executeQuery(
                    "select current_setting('server_version_num')::int, current_setting('server_version')")) {
                rs.next();
                versionNum = rs.getInt(1);
                version = rs.getString(2);
            }
            boolean superuser;
            boolean readAll;
            try (ResultSet rs = c.createStatement().executeQuery(
                    "select rolsuper from pg_roles where rolname = current_user")) {
                rs.next();
                superuser = rs.getBoolean(1);
            }
            // pg_read_all_data exists from PostgreSQL 14; membership grants SELECT on everything
            try (PreparedStatement ps = c.prepareStatement(
                    "select exists (select 1 from pg_roles where rolname = 'pg_read_all_data' "
                            + "and pg_has_role(current_user, oid, 'MEMBER'))")) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    readAll = rs.getBoolean(1);
                }
            }
            List<String> unreadable = new ArrayList<>();
            if (!superuser && !readAll) {
                try (ResultSet rs = c.createStatement().executeQuery("""
                        select n.nspname || '.' || cl.relname,
                               case cl.relkind when 'S' then 'sequence' else 'table' end
                          from pg_class cl join pg_namespace n on n.oid = cl.relnamespace
                         where cl.relkind in ('r', 'p', 'S', 'm')
                           and n.nspname not in ('pg_catalog', 'information_schema')
                           and n.nspname not like 'pg_toast%' and n.nspname not like 'pg_temp%'
                           and (not has_schema_privilege(n.oid, 'USAGE')
                                or not has_table_privilege(cl.oid, 'SELECT'))
                         order by 1
                        """)) {
                    while (rs.next()) {
                        unreadable.add(rs.getString(2) + " " + rs.getString(1));
                    }
                }
            }
            return new ServerInfo(version, versionNum / 10000, database.user(), superuser, readAll, unreadable);
        } catch (SQLException e) {
            throw new DatabaseUnavailableException(describe(e, database.name()), e);
        }
    }

    /** The path of a client program: from {@code backup.postgres.bin-dir}, else the PATH. */
    public Path tool(String name) {
        if (postgres.binDir() != null && !postgres.binDir().isBlank()) {
            return Path.of(postgres.binDir(), name);
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return Path.of(name);
    }

    /** The major version of a client program, from its {@code --version} output. */
    public int toolMajorVersion(String name) {
        String out = runner.run(Command.of(tool(name).toString(), "--version")).stdout();
        Matcher m = VERSION.matcher(out);
        if (!m.find()) {
            throw new CommandFailedException(name, 0, out, name + " --version printed no PostgreSQL version: " + out.strip(), null);
        }
        return Integer.parseInt(m.group(1));
    }

    /**
     * A client command for the configured server: host, port and user as arguments,
     * the password only in the child's environment (PGPASSWORD), never in its argv.
     */
    public Command command(String tool, List<String> args) {
        List<String> argv = new ArrayList<>();
        argv.add(tool(tool).toString());
        argv.add("--host=" + database.host());
        argv.add("--port=" + database.port());
        argv.add("--username=" + database.user());
        argv.add("--no-password");
        argv.addAll(args);
        return Command.of(argv)
                .withEnvironment("PGPASSWORD", database.password())
                .withEnvironment("PGCONNECT_TIMEOUT", String.valueOf(Math.max(1, database.connectTimeout().toSeconds())))
                .withEnvironment("PGAPPNAME", "llm-backup")
                .withTimeout(postgres.commandTimeout());
    }

    private String describe(SQLException e, String databaseName) {
        String where = database.user() + "@" + database.host() + ":" + database.port() + "/" + databaseName;
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String what = switch (state) {
            case "08001", "08006", "08004" -> "the database server at " + database.host() + ":" + database.port()
                    + " is not reachable (" + firstLine(e) + "). Check that PostgreSQL runs and that backup.database.host and backup.database.port point at it.";
            case "28P01" -> "password authentication failed for user '" + database.user()
                    + "'. Set BACKUP_DATABASE_PASSWORD to this role's password.";
            case "28000" -> "the server refused user '" + database.user() + "' (" + firstLine(e)
                    + "). Check backup.database.user and the server's pg_hba.conf.";
            case "3D000" -> "database '" + databaseName + "' does not exist on " + database.host() + ":" + database.port()
                    + ". Check backup.database.name.";
            default -> firstLine(e);
        };
        return "Database " + where + ": " + what;
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl > 0 ? m.substring(0, nl) : m;
    }

    /** The server's version and whether the configured role can read everything a dump needs. */
    public record ServerInfo(String version, int majorVersion, String user, boolean superuser,
                             boolean readAllData, List<String> unreadableRelations) {
    }
}
