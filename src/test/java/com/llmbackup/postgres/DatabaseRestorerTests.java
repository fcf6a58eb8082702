package com.llmbackup.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.llmbackup.config.BackupProperties;
import com.llmbackup.exec.Command;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.test.DatabaseFingerprint;
import com.llmbackup.test.TestPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * The one database restorer against a real server: the dump restored beside the live database,
 * checked, swapped in by one transaction (and back), exact whatever was created since the backup;
 * sessions ended and named; names at PostgreSQL's 63 bytes; the old in-place way. Every database a
 * test makes is dropped after it.
 */
class DatabaseRestorerTests {

    private static final TestPostgres PG = TestPostgres.get();

    @TempDir
    Path dir;

    private final List<String> made = new ArrayList<>();
    private final List<String> roles = new ArrayList<>();

    @AfterEach
    void dropWhatTheTestMade() throws SQLException {
        List<String> all = new ArrayList<>();
        try (Connection c = PG.connect("postgres"); ResultSet rs = c.createStatement().executeQuery("select datname from pg_database")) {
            while (rs.next()) {
                all.add(rs.getString(1));
            }
        }
        for (String db : all) {
            if (made.stream().anyMatch(db::startsWith)) {
                PG.execute("postgres", "drop database if exists \"" + db + "\" with (force)");
            }
        }
        for (String role : roles) {
            PG.execute("postgres", "drop role if exists \"" + role + "\"");
        }
    }

    private String live(String name) {
        made.add(name);
        PG.execute("postgres", "create database \"" + name + "\"");
        return name;
    }

    private static DatabaseRestorer restorer(String live) {
        return restorer(live, TestPostgres.SUPERUSER, TestPostgres.SUPERUSER_PASSWORD);
    }

    private static DatabaseRestorer restorer(String live, String user, String password) {
        Map<String, String> settings = new HashMap<>(Map.of("backup.database.host", "127.0.0.1",
                "backup.database.port", String.valueOf(PG.port()), "backup.database.name", live,
                "backup.database.user", user, "backup.database.password", password,
                "backup.postgres.bin-dir", PG.binDir().toString(), "backup.restore.lock-timeout", "5s"));
        BackupProperties properties = new Binder(new MapConfigurationPropertySource(settings)).bindOrCreate("backup", BackupProperties.class);
        CommandRunner runner = new CommandRunner();
        PostgresClient client = new PostgresClient(properties, runner);
        return new DatabaseRestorer(client, runner, new GlobalRoles(client), properties);
    }

    /** A web app's database with something of every kind the fingerprint compares. */
    private void fill(String db, String role) {
        PG.execute("postgres", "alter database \"" + db + "\" set work_mem = '7MB'", "alter database \"" + db + "\" set search_path = app, \"$user\", public",
                "comment on database \"" + db + "\" is 'the web app''s data'", "grant connect, temporary on database \"" + db + "\" to " + role,
                "alter role " + role + " in database \"" + db + "\" set statement_timeout = '5s'");
        PG.execute(db, "create schema archive", "create type mood as enum ('ok', 'sad')",
                "create table users (id serial primary key, email text unique, mood mood default 'ok')",
                "create table archive.\"Old Messages\" (id int references users, body text)",
                "create view active_users as select id, email from users where mood = 'ok'",
                "create materialized view user_count as select count(*) as n from users",
                "create function add(a int, b int) returns int language sql as 'select a + b'",
                "create function touch() returns trigger language plpgsql as 'begin new.email := lower(new.email); return new; end'",
                "create trigger users_touch before insert on users for each row execute function touch()",
                "create sequence invoice_no start 1000",
                "select setval('invoice_no', 1042)",
                "insert into users (email) select 'U' || g || '@example.org' from generate_series(1, 40) g",
                "insert into archive.\"Old Messages\" select g, repeat('안녕 ', g) from generate_series(1, 20) g",
                "select lo_from_bytea(0, 'a scanned contract')",
                "refresh materialized view user_count",
                "grant select on users to " + role);
    }

    private Path dump(String db) {
        Path file = dir.resolve(db + ".dump");
        new CommandRunner().run(Command.of(PG.binDir().resolve("pg_dump").toString(), "--format=custom", "--host=127.0.0.1",
                "--port=" + PG.port(), "--username=" + TestPostgres.SUPERUSER, "--file=" + file, db)
                .withEnvironment("PGPASSWORD", TestPostgres.SUPERUSER_PASSWORD));
        return file;
    }

    private static Map<String, String> fingerprint(String db) throws SQLException {
        try (Connection c = PG.connect(db)) {
            return DatabaseFingerprint.of(c);
        }
    }

    private static Map<String, Long> rowCounts(String db) throws SQLException {
        try (Connection c = PG.connect(db); Statement s = c.createStatement()) {
            return DatabaseDumper.rowCounts(s);
        }
    }

    private String role() {
        String role = "app_" + Long.toHexString(System.nanoTime());
        PG.execute("postgres", "create role " + role + " login password 'app'");
        roles.add(role);
        return role;
    }

    @Test
    void restoreBesideAndSwapWhenObjectsWereCreatedSinceGivesExactlyTheBackup() throws Exception {
        String live = live("webapp_" + Long.toHexString(System.nanoTime()));
        fill(live, role());
        Path dump = dump(live);
        Map<String, String> atBackup = fingerprint(live);
        Map<String, Long> rows = rowCounts(live);
        // since the backup: a table, a schema, a function, a sequence, a table with a foreign key into a restored one, new rows
        PG.execute(live, "create table notes (id int)", "create schema reports", "create table reports.monthly (n int)",
                "create function late() returns int language sql as 'select 1'", "create sequence late_seq",
                "create table comments (id int, user_id int references users)", "insert into comments values (1, 1)",
                "insert into users (email) values ('late@example.org')", "delete from archive.\"Old Messages\" where id > 10",
                "select lo_from_bytea(0, 'written after the backup')");
        DatabaseRestorer restorer = restorer(live);
        String beside = DatabaseNames.restoring(live, 7);
        String previous = DatabaseNames.previous(live, 7);

        DatabaseRestorer.Result result = restorer.restoreInto(dump, beside, rows);
        restorer.close(beside);
        assertThat(restorer.checked(beside)).isTrue();
        DatabaseRestorer.Swap swap = restorer.swap(live, beside, previous);

        assertThat(fingerprint(live)).isEqualTo(atBackup);
        assertThat(result.rowCounts()).isEqualTo(rows);
        assertThat(result.restoreMillis()).isPositive();
        assertThat(swap.endedSessions()).isEmpty();
        assertThat(restorer.exists(beside)).isFalse();
        assertThat(restorer.checked(previous)).as("the replaced database is kept, closed to connections").isTrue();
        PG.execute("postgres", "alter database \"" + previous + "\" with allow_connections true");
        assertThat(fingerprint(previous)).containsKeys("relation r public.comments owner postgres grants default",
                "relation r reports.monthly owner postgres grants default");
    }

    @Test
    void checkWhenARowCountDiffersFailsDropsTheCopyAndLeavesTheLiveDatabaseUntouched() throws Exception {
        String live = live("webapp_" + Long.toHexString(System.nanoTime()));
        fill(live, role());
        Path dump = dump(live);
        Map<String, Long> damaged = new HashMap<>(rowCounts(live));
        damaged.put("public.users", 41L);
        PG.execute(live, "insert into users (email) values ('after@example.org')");
        Map<String, String> before = fingerprint(live);
        DatabaseRestorer restorer = restorer(live);
        String beside = DatabaseNames.restoring(live, 8);

        assertThatThrownBy(() -> restorer.restoreInto(dump, beside, damaged))
                .isInstanceOf(DumpInvalidException.class)
                .hasMessageStartingWith("The restored copy " + beside + " differs from the backup: row counts: public.users has 40 rows, "
                        + "the backup 41")
                .hasMessageContaining("Production was not touched; the copy was dropped.");

        assertThat(restorer.exists(beside)).isFalse();
        assertThat(fingerprint(live)).isEqualTo(before);
    }

    @Test
    void checkWhenTheCopyHoldsAnObjectTheDumpDoesNotFailsNamingIt() throws Exception {
        String live = live("webapp_" + Long.toHexString(System.nanoTime()));
        fill(live, role());
        Path dump = dump(live);
        DatabaseRestorer restorer = restorer(live);
        String copy = live + "_copy";
        made.add(copy);
        PG.execute("postgres", "create database \"" + copy + "\"");
        new CommandRunner().run(Command.of(PG.binDir().resolve("pg_restore").toString(), "--host=127.0.0.1", "--port=" + PG.port(),
                "--username=postgres", "--dbname=" + copy, dump.toString()).withEnvironment("PGPASSWORD", TestPostgres.SUPERUSER_PASSWORD));
        PG.execute(copy, "create table stowaway (id int)", "drop function add(int, int)");

        DatabaseRestorer.Check check = restorer.check(copy, dump, rowCounts(live));

        assertThat(check.problems()).containsExactlyInAnyOrder("missing objects of the dump: FUNCTION public add(integer, integer) postgres",
                "not in the backup: tables public.stowaway", "not in the backup: objects TABLE public stowaway postgres");
    }

    @Test
    void swapWhenSessionsAreConnectedEndsAndNamesThemAndAReconnectReachesTheRestoredDatabase() throws Exception {
        String live = live("webapp_" + Long.toHexString(System.nanoTime()));
        fill(live, role());
        Path dump = dump(live);
        Map<String, Long> rows = rowCounts(live);
        PG.execute(live, "insert into users (email) values ('late@example.org')");
        DatabaseRestorer restorer = restorer(live);
        String beside = DatabaseNames.restoring(live, 9);
        restorer.restoreInto(dump, beside, rows);
        restorer.close(beside);
        try (Connection session = PG.connect(live)) {
            session.createStatement().execute("set application_name = 'report-tool'");
            session.setAutoCommit(false);
            session.createStatement().execute("lock table users in access share mode");

            DatabaseRestorer.Swap swap = restorer.swap(live, beside, DatabaseNames.previous(live, 9));

            assertThat(swap.endedSessions()).singleElement().asString().contains("application report-tool").contains("idle in transaction");
            assertThat(session.isValid(2)).as("the old session was ended").isFalse();
        }
        try (Connection again = PG.connect(live); ResultSet rs = again.createStatement().executeQuery("select count(*) from users")) {
            rs.next();
            assertThat(rs.getLong(1)).as("a session connecting to the live name now reaches the restored database").isEqualTo(40);
        }
    }

    @Test
    void namesWhenTheLiveNameHas63BytesAreShortenedAndStillSwapAndSwapBack() throws Exception {
        String live = live(("w" + Long.toHexString(System.nanoTime()) + "_".repeat(63)).substring(0, 63));
        fill(live, role());
        Path dump = dump(live);
        Map<String, String> atBackup = fingerprint(live);
        Map<String, Long> rows = rowCounts(live);
        PG.execute(live, "create table since (id int)");
        Map<String, String> beforeRestore = fingerprint(live);
        DatabaseRestorer restorer = restorer(live);
        String beside = DatabaseNames.restoring(live, 1234567);
        String previous = DatabaseNames.previous(live, 1234567);
        made.add(beside.substring(0, 20));
        assertThat(beside.length()).isEqualTo(63);
        assertThat(previous.length()).isLessThanOrEqualTo(63);

        restorer.restoreInto(dump, beside, rows);
        restorer.close(beside);
        restorer.swap(live, beside, previous);
        assertThat(restorer.databases()).contains(live, previous).doesNotContain(beside);
        assertThat(DatabaseNames.previousRun(live, previous)).hasValue(1234567);
        assertThat(fingerprint(live)).isEqualTo(atBackup);

        restorer.swap(live, previous, beside); // the roll back: the database from before swapped back in
        restorer.drop(beside);
        assertThat(fingerprint(live)).isEqualTo(beforeRestore);
        assertThat(restorer.databases()).doesNotContain(beside, previous);
    }

    @Test
    void swapWhenTheSecondRenameFailsLeavesTheLiveNameOnTheLiveDatabaseAndOpen() throws Exception {
        // the orchestrator's role owns the live database, not the copy: the copy's rename fails after the live one's
        String swapper = role();
        PG.execute("postgres", "alter role " + swapper + " createdb");
        String live = "webapp_" + Long.toHexString(System.nanoTime());
        made.add(live);
        PG.execute("postgres", "create database \"" + live + "\" owner " + swapper);
        PG.execute(live, "create table users (id int)", "insert into users values (1), (2)");
        Map<String, String> before = fingerprint(live);
        String foreign = live + "_foreign";
        PG.execute("postgres", "create database \"" + foreign + "\"");
        DatabaseRestorer restorer = restorer(live, swapper, "app");
        String outgoing = DatabaseNames.previous(live, 5);

        assertThatThrownBy(() -> restorer.swap(live, foreign, outgoing)).isInstanceOf(DatabaseUnavailableException.class)
                .hasMessageStartingWith("Swapping " + foreign + " in as " + live + " failed: ")
                .hasMessageContaining("Nothing was changed: " + live + " is the database it was.");

        assertThat(restorer.databases()).contains(live, foreign).doesNotContain(outgoing);
        assertThat(restorer.checked(live)).as("open to connections again").isFalse();
        assertThat(fingerprint(live)).isEqualTo(before);
    }

    @Test
    void restoreInPlaceWhenATableWasCreatedSinceRestoresAndWarnsThatItRemains() throws Exception {
        String live = live("webapp_" + Long.toHexString(System.nanoTime()));
        fill(live, role());
        Path dump = dump(live);
        Map<String, Long> rows = rowCounts(live);
        PG.execute(live, "create table notes (id int)", "insert into users (email) values ('late@example.org')");

        DatabaseRestorer.Result result = restorer(live).restoreInPlace(dump, live, rows);

        assertThat(rowCounts(live)).containsAllEntriesOf(rows).containsEntry("public.notes", 0L);
        assertThat(result.warnings()).anySatisfy(w -> assertThat(w).startsWith("not in the backup: tables public.notes")
                .endsWith("(the in-place method drops only what the dump holds: they remain)"));
    }

    @Test
    void restoreRolesWhenSomeExistCreatesOnlyTheMissingOnesAndNeverTouchesTheOrchestratorsRole() throws Exception {
        String existing = role();
        String missing = "app_" + Long.toHexString(System.nanoTime()) + "_new";
        String group = missing + "_grp";
        roles.add(missing);
        roles.add(group);
        String hashBefore;
        try (Connection c = PG.connect("postgres"); ResultSet rs = c.createStatement().executeQuery(
                "select rolpassword from pg_authid where rolname = '" + existing + "'")) {
            rs.next();
            hashBefore = rs.getString(1);
        }
        Path globals = dir.resolve("globals_20251031.sql");
        Files.writeString(globals, """
                SET default_transaction_read_only = off;
                CREATE ROLE %1$s;
                ALTER ROLE %1$s WITH NOSUPERUSER INHERIT NOCREATEROLE CREATEDB LOGIN NOREPLICATION NOBYPASSRLS PASSWORD 'md5aaaabbbbccccddddeeeeffff00001111';
                CREATE ROLE %2$s;
                ALTER ROLE %2$s WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 3;
                ALTER ROLE %2$s SET work_mem TO '5MB';
                COMMENT ON ROLE %2$s IS 'the app''s new role';
                CREATE ROLE %3$s;
                ALTER ROLE %3$s WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB NOLOGIN NOREPLICATION NOBYPASSRLS;
                CREATE ROLE postgres;
                ALTER ROLE postgres WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN NOREPLICATION NOBYPASSRLS PASSWORD 'md5ffff';
                GRANT %3$s TO %2$s GRANTED BY postgres;
                GRANT %3$s TO %1$s GRANTED BY postgres;
                """.formatted(existing, missing, group));

        List<String> notes = restorer("postgres").restoreRoles(globals);

        try (Connection c = PG.connect("postgres"); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("select rolpassword, rolcreatedb from pg_authid where rolname = '" + existing + "'")) {
                rs.next();
                assertThat(rs.getString(1)).as("an existing role's password is never changed").isEqualTo(hashBefore);
                assertThat(rs.getBoolean(2)).as("nor its attributes").isFalse();
            }
            try (ResultSet rs = s.executeQuery("select rolcanlogin, rolconnlimit, pg_has_role(rolname, '" + group + "', 'member')"
                    + " from pg_roles where rolname = '" + missing + "'")) {
                assertThat(rs.next()).as("the missing role is created").isTrue();
                assertThat(rs.getBoolean(1)).isTrue();
                assertThat(rs.getInt(2)).isEqualTo(3);
                assertThat(rs.getBoolean(3)).as("with its membership").isTrue();
            }
            try (ResultSet rs = s.executeQuery("select rolsuper from pg_roles where rolname = 'postgres'")) {
                rs.next();
                assertThat(rs.getBoolean(1)).as("the orchestrator's own role is never touched").isTrue();
            }
            try (ResultSet rs = s.executeQuery("select pg_has_role('" + existing + "', '" + group + "', 'member')")) {
                rs.next();
                assertThat(rs.getBoolean(1)).as("no membership granted to a role that existed").isFalse();
            }
        }
        assertThat(String.join("\n", notes)).contains("created because missing: " + missing + ", " + group)
                .contains(existing + ": CREATEDB in the backup, NOCREATEDB now, password differs")
                .contains("postgres (the orchestrator's own role): NOSUPERUSER in the backup, SUPERUSER now")
                .contains(existing + ": not a member of " + group + " as in the backup")
                .doesNotContain("md5aaaa");
    }

    /**
     * A globals file that names a role that exists in a way the parser must see through: unquoted
     * upper case (PostgreSQL folds it), a role specification (CURRENT_USER, SESSION_USER,
     * CURRENT_ROLE: the orchestrator's own role; ALL: every role), a GRANT to more than one role. None may change
     * a role that exists: the orchestrator's role here is a superuser of its own, as the default postgres is.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
            "ALTER ROLE %VICTIM_UPPER% WITH NOLOGIN PASSWORD 'md5aaaabbbbccccddddeeeeffff00001111'",
            "CREATE ROLE %VICTIM_UPPER%; ALTER ROLE %VICTIM_UPPER% WITH NOLOGIN PASSWORD 'md5aaaabbbbccccddddeeeeffff00001111'",
            "ALTER ROLE CURRENT_USER WITH NOLOGIN PASSWORD 'md5aaaabbbbccccddddeeeeffff00001111'",
            "ALTER ROLE session_user WITH NOLOGIN PASSWORD 'md5aaaabbbbccccddddeeeeffff00001111'",
            "ALTER ROLE CURRENT_ROLE WITH NOLOGIN PASSWORD 'md5aaaabbbbccccddddeeeeffff00001111'",
            "CREATE ROLE %NEW%; GRANT %GROUP% TO %NEW%, %VICTIM%; GRANT %GROUP% TO %NEW%, %ORCH%",
            "ALTER ROLE ALL WITH LOGIN; ALTER ROLE ALL SET application_name TO 'hijacked'",
    })
    void restoreRolesWhenTheFileNamesAnExistingRoleIndirectlyChangesNoRoleThatExists(String statements) throws Exception {
        String victim = role();
        String orchestrator = role();
        String group = role();
        String created = "app_" + Long.toHexString(System.nanoTime()) + "_new";
        roles.add(created);
        PG.execute("postgres", "alter role " + orchestrator + " superuser");
        Map<String, String> before = roleStates(victim, orchestrator);
        Path globals = dir.resolve("globals_20251031.sql");
        Files.writeString(globals, "SET default_transaction_read_only = off;\n" + statements.replace("%VICTIM_UPPER%", victim.toUpperCase())
                .replace("%VICTIM%", victim).replace("%ORCH%", orchestrator).replace("%GROUP%", group).replace("%NEW%", created) + ";\n");

        try {
            restorer("postgres", orchestrator, "app").restoreRoles(globals);

            assertThat(roleStates(victim, orchestrator)).as("no role that existed changed").isEqualTo(before);
        } finally {
            PG.execute("postgres", "alter role all reset application_name");
        }
    }

    /** Per role: its password hash, login and memberships, as pg_authid and pg_auth_members say; and the settings of every role. */
    private static Map<String, String> roleStates(String... names) throws SQLException {
        Map<String, String> out = new HashMap<>();
        try (Connection c = PG.connect("postgres"); Statement s = c.createStatement()) {
            for (String name : names) {
                try (ResultSet rs = s.executeQuery("select rolpassword, rolcanlogin, (select string_agg(g.rolname, ',' order by g.rolname) "
                        + "from pg_auth_members m join pg_roles g on g.oid = m.roleid where m.member = a.oid) from pg_authid a where rolname = '"
                        + name + "'")) {
                    rs.next();
                    out.put(name, rs.getString(1) + " " + rs.getBoolean(2) + " " + rs.getString(3));
                }
            }
            try (ResultSet rs = s.executeQuery("select string_agg(array_to_string(setconfig, ','), ';') from pg_db_role_setting where setrole = 0")) {
                rs.next();
                out.put("every role's settings", rs.getString(1));
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
            "work_mem    | 7MB                 | '7MB'",
            "search_path | app, \"$user\", public | 'app', '$user', 'public'",
            "search_path | \"a,b\", c          | 'a,b', 'c'",
            "DateStyle   | ISO, MDY            | 'ISO, MDY'"})
    void settingValueWhenCopiedToTheCopyQuotesListSettingsItemByItem(String name, String value, String sql) {
        assertThat(DatabaseRestorer.settingValue(name, value)).isEqualTo(sql);
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
            "=Tc/postgres              | grant temporary, connect on database \"db\" to public",
            "app=c/postgres            | grant connect on database \"db\" to \"app\"",
            "owner=C*Tc/owner          | grant temporary, connect on database \"db\" to \"owner\"; grant create on database \"db\" to \"owner\" with grant option",
            "\"we;ird\"=c/postgres     | grant connect on database \"db\" to \"we;ird\""})
    void grantsWhenADatabaseAclIsCopiedAreItsStatements(String item, String statements) {
        assertThat(String.join("; ", DatabaseRestorer.grants("db", item))).isEqualTo(statements);
    }
}
