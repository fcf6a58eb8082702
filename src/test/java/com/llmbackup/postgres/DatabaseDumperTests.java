package com.llmbackup.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.llmbackup.config.BackupProperties;
import com.llmbackup.exec.Command;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.test.FileTrees;
import com.llmbackup.test.TestPostgres;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** pg_dump, pg_restore --list and pg_dumpall against a real server, with password authentication. */
class DatabaseDumperTests {

    private static final TestPostgres PG = TestPostgres.get();
    private static String database;

    @TempDir
    Path dir;

    @BeforeAll
    static void createDatabase() {
        database = PG.createDatabase("llm_webapp");
        PG.execute(database, "create table chat_messages (id bigserial primary key, content text)",
                "insert into chat_messages (content) select repeat('안녕 ', g % 7) from generate_series(1, 1234) g",
                "create schema archive", "create table archive.\"Old Messages\" (id int)",
                "insert into archive.\"Old Messages\" values (1), (2)");
    }

    private static DatabaseDumper dumper(String user, String password) {
        Map<String, String> settings = new HashMap<>(Map.of("backup.database.host", "127.0.0.1",
                "backup.database.port", String.valueOf(PG.port()), "backup.database.name", database,
                "backup.database.user", user, "backup.database.password", password,
                "backup.postgres.bin-dir", PG.binDir().toString()));
        BackupProperties properties = new Binder(new MapConfigurationPropertySource(settings)).bindOrCreate("backup", BackupProperties.class);
        CommandRunner runner = new CommandRunner();
        return new DatabaseDumper(new PostgresClient(properties, runner), runner);
    }

    @Test
    void dumpWritesVerifiedDumpWithRowCountsOfItsSnapshot() throws Exception {
        Path file = dir.resolve("db_20251031.dump");

        DatabaseDumper.DumpResult result = dumper(TestPostgres.SUPERUSER, TestPostgres.SUPERUSER_PASSWORD).dump(file);

        assertThat(result.rowCounts()).containsExactly(Map.entry("archive.\"Old Messages\"", 2L), Map.entry("public.chat_messages", 1234L));
        assertThat(result.size()).isEqualTo(Files.size(file));
        assertThat(result.sha256()).isEqualTo(FileTrees.sha256(file));
        assertThat(result.serverVersion()).startsWith(String.valueOf(PG.binDir().getParent().getFileName()));
        assertThat(Files.readAllBytes(file)).startsWith("PGDMP".getBytes());
        assertThat(dumper(TestPostgres.SUPERUSER, TestPostgres.SUPERUSER_PASSWORD).verify(file)).isGreaterThan(5);
    }

    @Test
    void verifyFailsWithClearMessageWhenDumpIsNotReadable() throws Exception {
        Path file = dir.resolve("db_20251031.dump");
        Files.writeString(file, "this is not a dump");

        assertThatThrownBy(() -> dumper(TestPostgres.SUPERUSER, TestPostgres.SUPERUSER_PASSWORD).verify(file))
                .isInstanceOf(DumpInvalidException.class)
                .hasMessageStartingWith("pg_restore --list cannot read db_20251031.dump (exit code 1): pg_restore: error: ");
    }

    @Test
    void dumpFailsWithClearMessageWhenRoleCannotReadTables() {
        String role = "noread_" + Long.toHexString(System.nanoTime());
        PG.execute(database, "create role " + role + " login password 'pw'");

        assertThatThrownBy(() -> dumper(role, "pw").dump(dir.resolve("db.dump")))
                .isInstanceOf(DumpFailedException.class)
                .hasMessageStartingWith("Cannot dump " + database + " as role " + role + ": permission denied for schema archive. Give the role")
                .hasMessageEndingWith("read access to every table (GRANT pg_read_all_data TO " + role
                        + "); the preflight's database check lists what it cannot read.");
    }

    @Test
    void dumpGlobalsWarnsWhenRoleMayNotReadPasswords() throws Exception {
        // a plain role may read pg_roles but not pg_authid, where the password hashes are
        String role = "plain_" + Long.toHexString(System.nanoTime());
        PG.execute(database, "create role " + role + " login password 'pw'");
        Path file = dir.resolve("globals.sql");

        DatabaseDumper.GlobalsResult result = dumper(role, "pw").dumpGlobals(file);

        assertThat(result.written()).isTrue();
        assertThat(result.warning()).isEqualTo("Globals dumped without role passwords (role " + role
                + " may not read them): set passwords of restored roles by hand.");
        assertThat(file).content().contains("CREATE ROLE " + role);
    }

    @Test
    void dumpGlobalsWritesRolesWithPasswordsAsSuperuser() throws Exception {
        Path file = dir.resolve("globals.sql");

        DatabaseDumper.GlobalsResult result = dumper(TestPostgres.SUPERUSER, TestPostgres.SUPERUSER_PASSWORD).dumpGlobals(file);

        assertThat(result.warning()).isNull();
        assertThat(file).content().contains("CREATE ROLE postgres").contains("PASSWORD 'SCRAM-SHA-256$");
    }

    @Test
    void commandCarriesPasswordOnlyInChildEnvironment() {
        String secret = "s3cret-" + Long.toHexString(System.nanoTime());
        Map<String, String> settings = Map.of("backup.database.password", secret, "backup.database.user", "llm");
        BackupProperties properties = new Binder(new MapConfigurationPropertySource(settings)).bindOrCreate("backup", BackupProperties.class);
        PostgresClient client = new PostgresClient(properties, new CommandRunner());

        for (String tool : List.of("pg_dump", "pg_restore", "psql", "pg_dumpall")) {
            Command command = client.command(tool, List.of("--list"));
            assertThat(command.argv()).noneMatch(arg -> arg.contains(secret)).contains("--no-password");
            assertThat(command.toString()).doesNotContain(secret);
            assertThat(command.environment()).containsEntry("PGPASSWORD", secret);
        }
    }
}
