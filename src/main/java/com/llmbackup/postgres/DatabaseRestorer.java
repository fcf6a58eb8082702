package com.llmbackup.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

import com.llmbackup.config.BackupProperties;
import com.llmbackup.exec.Command;
import com.llmbackup.exec.CommandFailedException;
import com.llmbackup.exec.CommandResult;
import com.llmbackup.exec.CommandRunner;
import org.springframework.stereotype.Component;

/**
 * The one database restorer of every restore: a dump restored into a new database made like the
 * live one ({@link #restoreInto}: owner, encoding, locale, tablespace; then the database-level
 * settings, comment, grants and connection limit), the runbook's GRANT, and the check (every
 * table's rows as the backup counted them, every object of the dump's table of contents there and
 * nothing else); the in-place restore swaps it in ({@link #swap}: one transaction renames the live
 * database away and the copy in, so the live name points at the old or the new database, never a
 * mix). A side-by-side restore and the drill keep the copy under their own name. The old way,
 * {@code pg_restore --clean} into the live database, remains for a server without room for a
 * second copy ({@link #restoreInPlace}).
 */
@Component
public class DatabaseRestorer {

    /** How our pg_restore sessions are named on the server (PGAPPNAME): a killed orchestrator's are found by it. */
    public static final String PG_RESTORE_APP = "pg_restore llm-backup";
    /** TOC entries that are data, privileges or the database itself: not objects the check compares. */
    private static final List<String> NOT_OBJECTS = List.of("TABLE DATA ", "SEQUENCE SET ", "BLOBS ", "BLOB ", "BLOB METADATA ",
            "LARGE OBJECTS ", "MATERIALIZED VIEW DATA ", "ACL ", "DEFAULT ACL ", "DATABASE ", "DATABASE PROPERTIES ",
            "COMMENT - DATABASE ", "SECURITY LABEL - DATABASE ");
    private static final Set<String> LIST_SETTINGS = Set.of("search_path", "temp_tablespaces", "session_preload_libraries",
            "local_preload_libraries", "shared_preload_libraries");

    private final PostgresClient postgres;
    private final CommandRunner runner;
    private final GlobalRoles roles;
    private final BackupProperties.Restore settings;

    public DatabaseRestorer(PostgresClient postgres, CommandRunner runner, GlobalRoles roles, BackupProperties properties) {
        this.postgres = postgres;
        this.runner = runner;
        this.roles = roles;
        this.settings = properties.restore();
    }

    /**
     * Restores {@code dump} into the new database {@code database}, made like the live one, and
     * checks it against the dump and {@code expectedRows} (the backup's row counts; empty for a
     * legacy set): a difference fails with {@link DumpInvalidException}. A failure drops the copy.
     * Production is not touched.
     */
    public Result restoreInto(Path dump, String database, Map<String, Long> expectedRows) {
        if (exists(database)) {
            throw new IllegalStateException("Database " + database + " already exists: a restore writes only into a new database.");
        }
        long start = System.nanoTime();
        List<String> warnings = new ArrayList<>(createLike(database, postgres.database().name()));
        try {
            int jobs = jobs();
            pgRestore(dump, database, List.of("--exit-on-error", "--jobs=" + jobs),
                    ". Production was not touched; the partial copy " + database + " was dropped.");
            String grantRole = postgres.database().grantRole();
            if (roleExists(grantRole)) {
                grant(database, grantRole);
            }
            long restored = System.nanoTime();
            Check check = check(database, dump, expectedRows);
            if (!check.problems().isEmpty()) {
                throw new DumpInvalidException("The restored copy " + database + " differs from the backup: " + String.join("; ", check.problems())
                        + ". Production was not touched; the copy was dropped. Check the set, or restore another one.");
            }
            warnings.addAll(check.warnings());
            // settings such as default_transaction_read_only would have stopped pg_restore: they come last
            warnings.addAll(copyProperties(postgres.database().name(), database));
            long checked = System.nanoTime();
            return new Result(database, jobs, check.rowCounts(), warnings, (restored - start) / 1_000_000, (checked - restored) / 1_000_000);
        } catch (RuntimeException e) {
            // a failed restore into a new database leaves none behind: the next attempt starts from nothing
            try {
                drop(database);
            } catch (RuntimeException dropFailed) {
                e.addSuppressed(dropFailed);
            }
            throw e;
        }
    }

    /**
     * The old way, into the live database itself: {@code pg_restore --clean --if-exists}. Not
     * atomic (a failure leaves it half restored) and not exact (objects created since the backup
     * stay: reported as warnings). For a server without room for a second copy, when asked for.
     */
    public Result restoreInPlace(Path dump, String database, Map<String, Long> expectedRows) {
        long start = System.nanoTime();
        List<String> warnings = new ArrayList<>();
        List<String> left = endRestoreSessions(database);
        if (!left.isEmpty()) {
            warnings.add("Ended " + left.size() + " pg_restore session(s) on " + database + " left by an earlier attempt "
                    + "(its orchestrator stopped): " + String.join("; ", left) + ".");
        }
        awaitNoLockHolders(database);
        List<String> sessions = otherSessions(database, false);
        if (!sessions.isEmpty()) {
            warnings.add("Other sessions were connected to " + database + " during the restore: " + String.join("; ", sessions) + ".");
        }
        int jobs = jobs();
        pgRestore(dump, database, List.of("--clean", "--if-exists", "--jobs=" + jobs), ". The database may be partly "
                + "restored: roll back to the safety backup, or fix the cause and restore again.");
        String grantRole = postgres.database().grantRole();
        if (roleExists(grantRole)) {
            grant(database, grantRole);
        }
        long restored = System.nanoTime();
        Check check = check(database, dump, expectedRows);
        List<String> failing = check.problems().stream().filter(p -> !p.startsWith(Check.EXTRA)).toList();
        if (!failing.isEmpty()) {
            throw new DumpInvalidException("The restored database " + database + " differs from the backup: " + String.join("; ", failing)
                    + ". Roll back to the safety backup and check the set.");
        }
        check.problems().stream().filter(p -> p.startsWith(Check.EXTRA))
                .forEach(p -> warnings.add(p + " (the in-place method drops only what the dump holds: they remain)"));
        warnings.addAll(check.warnings());
        return new Result(database, jobs, check.rowCounts(), warnings, (restored - start) / 1_000_000,
                (System.nanoTime() - restored) / 1_000_000);
    }

    /**
     * With the application stopped: the live database closed to new connections, every other
     * session on it ended (returned, to be named), then in one transaction {@code live} renamed
     * to {@code outgoing} and {@code incoming} to {@code live}. Before the commit nothing changed
     * (the live database is opened again); after it, the live name points at {@code incoming}'s
     * data and {@code outgoing} stays closed, kept for an undo.
     */
    public Swap swap(String live, String incoming, String outgoing) {
        long start = System.nanoTime();
        if (!exists(incoming)) {
            throw new IllegalStateException("Database " + incoming + " does not exist: nothing to swap in for " + live + ".");
        }
        if (exists(outgoing)) {
            throw new IllegalStateException("Database " + outgoing + " exists already: " + live + " cannot be renamed to it. Nothing was changed.");
        }
        if (!exists(live)) {
            // a new server whose database was never made: the copy simply takes the name
            endSessions(incoming);
            try (Connection c = postgres.connect("postgres"); Statement s = c.createStatement()) {
                s.execute("alter database " + ident(incoming) + " rename to " + ident(live));
                s.execute("alter database " + ident(live) + " with allow_connections true");
            } catch (SQLException e) {
                throw new DatabaseUnavailableException("Renaming " + incoming + " to " + live + " failed: " + e.getMessage(), e);
            }
            return new Swap(List.of(), (System.nanoTime() - start) / 1_000_000);
        }
        allowConnections(live, false);
        boolean renamed = false;
        try {
            List<String> ended = endSessions(live);
            endSessions(incoming);
            List<String> prepared = preparedTransactions(live);
            if (!prepared.isEmpty()) {
                throw new DatabaseUnavailableException("Prepared transactions hold " + live + " (" + String.join("; ", prepared)
                        + "): it cannot be renamed. Commit or roll them back (COMMIT PREPARED / ROLLBACK PREPARED), then restore again. "
                        + "Nothing was changed.", null);
            }
            try (Connection c = postgres.connect("postgres"); Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                s.execute("alter database " + ident(live) + " rename to " + ident(outgoing));
                s.execute("alter database " + ident(incoming) + " rename to " + ident(live));
                s.execute("alter database " + ident(live) + " with allow_connections true");
                c.commit();
                renamed = true;
            } catch (SQLException e) {
                throw new DatabaseUnavailableException("Swapping " + incoming + " in as " + live + " failed: " + e.getMessage()
                        + ". Nothing was changed: " + live + " is the database it was.", e);
            }
            return new Swap(ended, (System.nanoTime() - start) / 1_000_000);
        } finally {
            if (!renamed && exists(live)) {
                allowConnections(live, true);
            }
        }
    }

    /** The check passed: the copy is closed to connections, so nothing changes it before the swap (and that marks it checked). */
    public void close(String database) {
        allowConnections(database, false);
    }

    /** Open to connections again (after an interruption between closing the live database and the swap). */
    public void reopen(String database) {
        if (exists(database)) {
            allowConnections(database, true);
        }
    }

    /** A copy that exists and is closed to connections: restored, checked and closed by {@link #restoreInto} and {@link #close}. */
    public boolean checked(String database) {
        try (Connection c = postgres.connect("postgres");
             PreparedStatement ps = c.prepareStatement("select not datallowconn from pg_database where datname = ?")) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        } catch (SQLException e) {
            throw new DatabaseUnavailableException("Cannot list the databases: " + e.getMessage(), e);
        }
    }

    /** The set's roles: missing ones created, existing ones left as they are; returns what the operator should know. */
    public List<String> restoreRoles(Path globals) {
        List<String> notes = new ArrayList<>(roles.restore(globals));
        String grantRole = postgres.database().grantRole();
        if (!roleExists(grantRole)) {
            notes.add("Role " + grantRole + " does not exist and the set has no roles for it: GRANT skipped. "
                    + "Create the role and run GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA public TO " + grantRole + ".");
        }
        return notes;
    }

    /** What restoring the set's globals would do now, for the approval form. */
    public GlobalsFile.Plan rolesPlan(Path globals) {
        return roles.plan(globals);
    }

    /**
     * The pg_restore sessions on a database. Under the backup root's lock no other restore of
     * ours runs, so any is left by an attempt whose orchestrator died: pg_restore outlives a
     * JVM killed with SIGKILL and would go on writing beside a new attempt.
     */
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
        terminate(database, "and application_name like 'pg_restore%'", "the pg_restore sessions left on " + database + " (" + String.join("; ", left) + ")");
        awaitGone(() -> restoreSessions(database), "pg_restore sessions left on " + database);
        return left;
    }

    /** Drops a copy (after its sessions are ended): a restore into it starts again from nothing. */
    public void drop(String database) {
        if (!exists(database)) {
            return;
        }
        endSessions(database);
        try (Connection c = postgres.connect("postgres"); Statement s = c.createStatement()) {
            s.execute("drop database if exists " + ident(database));
        } catch (SQLException e) {
            throw new DatabaseUnavailableException("Cannot drop " + database + ": " + e.getMessage()
                    + ". Drop it by hand (DROP DATABASE " + ident(database) + " WITH (FORCE)).", e);
        }
    }

    /** Whether a database of that name exists on the server. */
    public boolean exists(String database) {
        return databases().contains(database);
    }

    /** The names of the server's databases. */
    public Set<String> databases() {
        Set<String> names = new TreeSet<>();
        try (Connection c = postgres.connect("postgres"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select datname from pg_database")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        } catch (SQLException e) {
            throw new DatabaseUnavailableException("Cannot list the databases: " + e.getMessage(), e);
        }
        return names;
    }

    /** Size of a database in bytes (asked of the server, so a closed database too). */
    public long size(String database) {
        try (Connection c = postgres.connect("postgres"); PreparedStatement ps = c.prepareStatement("select pg_database_size(?)")) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
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

    /**
     * How many pg_restore jobs: {@code backup.restore.jobs}, or this machine's cores as far as
     * the server has connections to spare (the work is the server's; the host is usually the same).
     */
    int jobs() {
        if (settings.jobs() > 0) {
            return settings.jobs();
        }
        int cores = Runtime.getRuntime().availableProcessors();
        try (Connection c = postgres.connect("postgres"); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("""
                select current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int
                       - (select count(*) from pg_stat_activity where backend_type = 'client backend')""")) {
            rs.next();
            return Math.max(1, Math.min(cores, rs.getInt(1) - 2));
        } catch (SQLException e) {
            return Math.max(1, cores - 1);
        }
    }

    // --- the check

    /** What the check found: problems (a difference from the backup), warnings (what it could not compare), the rows. */
    record Check(List<String> problems, List<String> warnings, Map<String, Long> rowCounts) {
        static final String EXTRA = "not in the backup: ";
    }

    /**
     * Every table's rows as the backup counted them (no table more or less), every object of the
     * dump's table of contents in the database and nothing else (compared as {@code pg_restore
     * --list} shows a schema-only dump of it), the dump's large objects.
     */
    Check check(String database, Path dump, Map<String, Long> expectedRows) {
        List<String> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Map<String, Long> rows = rowCounts(database);
        if (!expectedRows.isEmpty()) {
            List<String> differences = new ArrayList<>();
            expectedRows.forEach((table, expected) -> {
                Long actual = rows.get(table);
                if (!expected.equals(actual)) {
                    differences.add(table + " has " + (actual == null ? "no table" : actual + " rows") + ", the backup " + expected);
                }
            });
            if (!differences.isEmpty()) {
                problems.add("row counts: " + String.join("; ", differences));
            }
            List<String> extraTables = rows.keySet().stream().filter(t -> !expectedRows.containsKey(t)).toList();
            if (!extraTables.isEmpty()) {
                problems.add(Check.EXTRA + "tables " + String.join(", ", extraTables));
            }
        }
        Path dir = null;
        try {
            dir = Files.createTempDirectory("llm-backup-check-");
            List<String> backupToc = toc(dump, dir.resolve("backup.list"));
            int backupMajor = dumpedByMajor(backupToc);
            int localMajor = postgres.toolMajorVersion("pg_dump");
            if (backupMajor != localMajor) {
                warnings.add("Objects not compared with the dump's table of contents: it was written by pg_dump " + backupMajor
                        + ", this is pg_dump " + localMajor + " (row counts were compared).");
            } else {
                Path schema = dir.resolve("schema.dump");
                runner.run(postgres.command("pg_dump", List.of("--schema-only", "--format=custom", "--file=" + schema,
                        "--dbname=" + database)));
                List<String> expected = objects(backupToc);
                List<String> actual = objects(toc(schema, dir.resolve("schema.list")));
                List<String> missing = minus(expected, actual);
                List<String> extra = minus(actual, expected);
                if (!missing.isEmpty()) {
                    problems.add("missing objects of the dump: " + first(missing));
                }
                if (!extra.isEmpty()) {
                    problems.add(Check.EXTRA + "objects " + first(extra));
                }
            }
            List<String> backupObjects = largeObjects(backupToc);
            List<String> objectsNow = largeObjects(database);
            if (!backupToc.stream().anyMatch(l -> l.contains(" LARGE OBJECTS ")) && !new TreeSet<>(backupObjects).equals(new TreeSet<>(objectsNow))) {
                problems.add("large objects: " + objectsNow.size() + ", the backup " + backupObjects.size());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot compare " + database + " with " + dump.getFileName() + ": " + e.getMessage(), e);
        } finally {
            if (dir != null) {
                deleteQuietly(dir);
            }
        }
        return new Check(problems, warnings, rows);
    }

    /** A dump's table of contents ({@code pg_restore --list}, written to a file: a big schema outgrows a captured output). */
    private List<String> toc(Path dump, Path list) throws IOException {
        runner.run(Command.of(postgres.tool("pg_restore").toString(), "--list", "--file=" + list, dump.toString()));
        return Files.readAllLines(list, StandardCharsets.UTF_8);
    }

    private static int dumpedByMajor(List<String> toc) {
        for (String line : toc) {
            int at = line.indexOf("Dumped by pg_dump version: ");
            if (at >= 0) {
                String v = line.substring(at + "Dumped by pg_dump version: ".length()).trim();
                return Integer.parseInt(v.replaceAll("^(\\d+).*", "$1"));
            }
        }
        return -1;
    }

    /** The object entries of a TOC, without their dump ids and catalog oids ("TABLE public users postgres"). */
    static List<String> objects(List<String> toc) {
        List<String> out = new ArrayList<>();
        for (String line : toc) {
            if (line.isBlank() || line.startsWith(";")) {
                continue;
            }
            String entry = line.replaceFirst("^\\d+; \\d+ \\d+ ", "");
            if (NOT_OBJECTS.stream().noneMatch(entry::startsWith)) {
                out.add(entry);
            }
        }
        out.sort(null);
        return out;
    }

    private static List<String> largeObjects(List<String> toc) {
        List<String> oids = new ArrayList<>();
        for (String line : toc) {
            String entry = line.replaceFirst("^\\d+; \\d+ \\d+ ", "");
            if (entry.startsWith("BLOB - ")) {
                oids.add(entry.split(" ")[2]);
            }
        }
        return oids;
    }

    private List<String> largeObjects(String database) {
        List<String> oids = new ArrayList<>();
        try (Connection c = postgres.connect(database); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select oid::text from pg_largeobject_metadata")) {
            while (rs.next()) {
                oids.add(rs.getString(1));
            }
        } catch (SQLException e) {
            throw new DatabaseUnavailableException("Cannot list the large objects of " + database + ": " + e.getMessage(), e);
        }
        return oids;
    }

    /** {@code a} without one occurrence of each element of {@code b} (both sorted). */
    private static List<String> minus(List<String> a, List<String> b) {
        List<String> rest = new ArrayList<>(a);
        b.forEach(rest::remove);
        return rest;
    }

    private static String first(List<String> entries) {
        return String.join(", ", entries.subList(0, Math.min(10, entries.size()))) + (entries.size() > 10 ? " and " + (entries.size() - 10) + " more" : "");
    }

    // --- a new database like the live one

    /** Creates {@code database} from template0 with {@code like}'s owner, encoding, locale and tablespace (plain when it does not exist). */
    private List<String> createLike(String database, String like) {
        List<String> warnings = new ArrayList<>();
        StringBuilder sql = new StringBuilder("create database " + ident(database) + " with template template0");
        try (Connection c = postgres.connect("postgres")) {
            int version = c.getMetaData().getDatabaseMajorVersion();
            String locale = version >= 17 ? "d.datlocale" : version >= 15 ? "d.daticulocale" : "null";
            String provider = version >= 15 ? "d.datlocprovider::text" : "'c'";
            try (PreparedStatement ps = c.prepareStatement("select pg_get_userbyid(d.datdba), pg_encoding_to_char(d.encoding), d.datcollate,"
                    + " d.datctype, t.spcname, " + provider + ", " + locale
                    + " from pg_database d join pg_tablespace t on t.oid = d.dattablespace where d.datname = ?")) {
                ps.setString(1, like);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        sql.append(" owner ").append(ident(rs.getString(1))).append(" encoding ").append(literal(rs.getString(2)))
                                .append(" lc_collate ").append(literal(rs.getString(3))).append(" lc_ctype ").append(literal(rs.getString(4)))
                                .append(" tablespace ").append(ident(rs.getString(5)));
                        String prov = rs.getString(6);
                        if ("i".equals(prov)) {
                            sql.append(" locale_provider icu icu_locale ").append(literal(rs.getString(7)));
                        } else if ("b".equals(prov)) {
                            sql.append(" locale_provider builtin builtin_locale ").append(literal(rs.getString(7)));
                        }
                    } else {
                        warnings.add("Database " + like + " does not exist: " + database + " was created with the server's defaults.");
                    }
                }
            }
            try (Statement s = c.createStatement()) {
                s.execute(sql.toString());
            }
        } catch (SQLException e) {
            throw new DatabaseUnavailableException("Cannot create database " + database + " as role " + postgres.database().user()
                    + ": " + e.getMessage() + ". The role needs CREATEDB (and membership in the live database's owner) to restore "
                    + "beside it. Production was not touched.", e);
        }
        return warnings;
    }

    /**
     * What a dump does not hold of the live database (without --create): its settings (ALTER
     * DATABASE ... SET, and per role), comment, grants and connection limit, copied to {@code database}.
     */
    private List<String> copyProperties(String like, String database) {
        List<String> statements = new ArrayList<>();
        try (Connection c = postgres.connect("postgres")) {
            try (PreparedStatement ps = c.prepareStatement("""
                    select d.datconnlimit, d.datacl::text[], shobj_description(d.oid, 'pg_database'), pg_get_userbyid(d.datdba)
                      from pg_database d where d.datname = ?""")) {
                ps.setString(1, like);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return List.of();
                    }
                    if (rs.getInt(1) != -1) {
                        statements.add("alter database " + ident(database) + " connection limit " + rs.getInt(1));
                    }
                    Array acl = rs.getArray(2);
                    if (acl != null) {
                        statements.add("revoke all on database " + ident(database) + " from public, " + ident(rs.getString(4)));
                        for (String item : (String[]) acl.getArray()) {
                            statements.addAll(grants(database, item));
                        }
                    }
                    if (rs.getString(3) != null) {
                        statements.add("comment on database " + ident(database) + " is " + literal(rs.getString(3)));
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    select case when s.setrole = 0 then null else pg_get_userbyid(s.setrole) end, s.setconfig
                      from pg_db_role_setting s join pg_database d on d.oid = s.setdatabase where d.datname = ?""")) {
                ps.setString(1, like);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String target = rs.getString(1) == null ? "database " + ident(database)
                                : "role " + ident(rs.getString(1)) + " in database " + ident(database);
                        for (String setting : (String[]) rs.getArray(2).getArray()) {
                            int eq = setting.indexOf('=');
                            statements.add("alter " + target + " set " + ident(setting.substring(0, eq)) + " to "
                                    + settingValue(setting.substring(0, eq), setting.substring(eq + 1)));
                        }
                    }
                }
            }
            List<String> failed = new ArrayList<>();
            try (Statement s = c.createStatement()) {
                for (String statement : statements) {
                    try {
                        s.execute(statement);
                    } catch (SQLException e) {
                        failed.add(statement + ": " + e.getMessage());
                    }
                }
            }
            return failed.isEmpty() ? List.of() : List.of("Database-level properties of " + like + " not copied to " + database + ": "
                    + String.join("; ", failed));
        } catch (SQLException e) {
            throw new DatabaseUnavailableException("Cannot read the properties of " + like + ": " + e.getMessage(), e);
        }
    }

    /** An aclitem of a database ({@code grantee=CTc/grantor}, PUBLIC without a grantee) as GRANT statements. */
    static List<String> grants(String database, String item) {
        int eq = item.lastIndexOf('=', item.lastIndexOf('/'));
        String grantee = item.substring(0, eq);
        grantee = grantee.isEmpty() ? "public" : grantee.startsWith("\"") ? grantee : ident(grantee);
        String privileges = item.substring(eq + 1, item.lastIndexOf('/'));
        List<String> plain = new ArrayList<>();
        List<String> withOption = new ArrayList<>();
        for (int i = 0; i < privileges.length(); i++) {
            String name = switch (privileges.charAt(i)) {
                case 'C' -> "create";
                case 'c' -> "connect";
                case 'T' -> "temporary";
                default -> null;
            };
            if (name == null) {
                continue;
            }
            boolean option = i + 1 < privileges.length() && privileges.charAt(i + 1) == '*';
            (option ? withOption : plain).add(name);
        }
        List<String> out = new ArrayList<>();
        if (!plain.isEmpty()) {
            out.add("grant " + String.join(", ", plain) + " on database " + ident(database) + " to " + grantee);
        }
        if (!withOption.isEmpty()) {
            out.add("grant " + String.join(", ", withOption) + " on database " + ident(database) + " to " + grantee + " with grant option");
        }
        return out;
    }

    /** A setting's value as pg_db_role_setting keeps it, as SQL: list settings (search_path) item by item. */
    static String settingValue(String name, String value) {
        if (!LIST_SETTINGS.contains(name.toLowerCase())) {
            return literal(value);
        }
        List<String> items = new ArrayList<>();
        StringBuilder item = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            if (ch == '"') {
                if (quoted && i + 1 < value.length() && value.charAt(i + 1) == '"') {
                    item.append('"');
                    i++;
                } else {
                    quoted = !quoted;
                }
            } else if (ch == ',' && !quoted) {
                items.add(item.toString().trim());
                item.setLength(0);
            } else {
                item.append(ch);
            }
        }
        items.add(item.toString().trim());
        return String.join(", ", items.stream().map(DatabaseRestorer::literal).toList());
    }

    // --- sessions

    /** Every other session on a database, ended; returns them as an operator reads them (pid, user, application, address, state). */
    List<String> endSessions(String database) {
        List<String> sessions = otherSessions(database, false, true);
        if (!sessions.isEmpty()) {
            terminate(database, "", "the sessions on " + database + " (" + String.join("; ", sessions) + ")");
            awaitGone(() -> otherSessions(database, false, true), "Sessions on " + database);
        }
        return sessions;
    }

    private void terminate(String database, String filter, String what) {
        try (Connection c = postgres.connect("postgres"); PreparedStatement ps = c.prepareStatement(
                "select pg_terminate_backend(pid) from pg_stat_activity where datname = ? and pid <> pg_backend_pid() " + filter)) {
            ps.setString(1, database);
            ps.execute();
        } catch (SQLException e) {
            throw new DatabaseUnavailableException("Cannot end " + what + ": " + e.getMessage()
                    + ". End them by hand (SELECT pg_terminate_backend(pid)), then restore again.", e);
        }
    }

    private void awaitGone(Supplier<List<String>> sessions, String what) {
        long deadline = System.nanoTime() + settings.lockTimeout().toNanos();
        List<String> left = sessions.get();
        while (!left.isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new DatabaseUnavailableException(what + " did not end within " + settings.lockTimeout().toSeconds()
                        + " s (backup.restore.lock-timeout): " + String.join("; ", left) + ". End them by hand "
                        + "(SELECT pg_terminate_backend(pid)), then restore again.", null);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while ending " + what, e);
            }
            left = sessions.get();
        }
    }

    private List<String> preparedTransactions(String database) {
        List<String> out = new ArrayList<>();
        try (Connection c = postgres.connect("postgres");
             PreparedStatement ps = c.prepareStatement("select gid, owner, prepared from pg_prepared_xacts where database = ?")) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1) + " (owner " + rs.getString(2) + ", prepared " + rs.getTimestamp(3).toInstant() + ")");
                }
            }
        } catch (SQLException e) {
            throw new DatabaseUnavailableException("Cannot list the prepared transactions: " + e.getMessage(), e);
        }
        return out;
    }

    private void allowConnections(String database, boolean allow) {
        try (Connection c = postgres.connect("postgres"); Statement s = c.createStatement()) {
            s.execute("alter database " + ident(database) + " with allow_connections " + allow);
        } catch (SQLException e) {
            throw new DatabaseUnavailableException("Cannot " + (allow ? "open " : "close ") + database + (allow ? " to" : " for")
                    + " connections: " + e.getMessage() + (allow ? ". Open it by hand (ALTER DATABASE " + ident(database)
                    + " WITH ALLOW_CONNECTIONS true)." : ""), e);
        }
    }

    // --- the runbook's steps around pg_restore

    private void pgRestore(Path dump, String database, List<String> options, String consequence) {
        List<String> args = new ArrayList<>(options);
        args.add("--dbname=" + database);
        args.add(dump.toString());
        CommandResult result = runner.runAllowingFailure(postgres.command("pg_restore", args).withEnvironment("PGAPPNAME", PG_RESTORE_APP));
        if (result.exitCode() != 0) {
            String stderr = result.stderr().strip();
            throw new CommandFailedException("pg_restore", result.exitCode(), stderr, "pg_restore into " + database
                    + " failed (exit code " + result.exitCode() + "): " + lastLines(stderr, 12) + consequence, null);
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
            s.execute("GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA public TO " + ident(role));
            s.execute("GRANT ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA public TO " + ident(role));
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

    private List<String> otherSessions(String database, boolean holdingLocks) {
        return otherSessions(database, holdingLocks, false);
    }

    /**
     * Sessions of other clients on the database (with {@code holdingLocks}: only those holding
     * table locks there; with {@code all}: our own pg_restore and llm-backup sessions too).
     */
    private List<String> otherSessions(String database, boolean holdingLocks, boolean all) {
        List<String> sessions = new ArrayList<>();
        String locks = holdingLocks ? " and exists (select 1 from pg_locks l where l.pid = a.pid and l.granted and l.locktype = 'relation'"
                + " and l.database = (select oid from pg_database where datname = a.datname))" : "";
        String clients = all ? "" : " and backend_type = 'client backend' and application_name not like 'pg_restore%'"
                + " and application_name <> 'llm-backup'";
        try (Connection c = postgres.connect("postgres"); PreparedStatement ps = c.prepareStatement("""
                select pid, coalesce(usename, '-'), coalesce(nullif(application_name, ''), '-'), coalesce(host(client_addr), 'local'),
                       coalesce(state, backend_type)
                  from pg_stat_activity a
                 where datname = ? and pid <> pg_backend_pid()""" + clients + locks + " order by backend_start")) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    sessions.add("pid " + rs.getInt(1) + " (user " + rs.getString(2) + ", application " + rs.getString(3)
                            + ", from " + rs.getString(4) + ", " + rs.getString(5) + ")");
                }
            }
        } catch (SQLException | RuntimeException e) {
            if (all) {
                throw new DatabaseUnavailableException("Cannot list the sessions on " + database + ": " + e.getMessage(), e);
            }
            sessions.add("(cannot list sessions: " + e.getMessage() + ")");
        }
        return sessions;
    }

    static String ident(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    private static String lastLines(String text, int n) {
        String[] lines = text.split("\n");
        int from = Math.max(0, lines.length - n);
        return String.join(" | ", Arrays.copyOfRange(lines, from, lines.length));
    }

    private static void deleteQuietly(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a temporary folder: the next boot's tmp cleaner takes it
        }
    }

    /**
     * Where the dump went, with how many jobs, the row counts found after, what the operator
     * should know, and how long pg_restore (with the GRANT) and the check took.
     */
    public record Result(String database, int jobs, Map<String, Long> rowCounts, List<String> warnings, long restoreMillis,
                         long checkMillis) {
    }

    /** The sessions the swap ended (to be named on the run) and how long it took. */
    public record Swap(List<String> endedSessions, long millis) {
    }
}
