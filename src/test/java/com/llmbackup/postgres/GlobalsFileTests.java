package com.llmbackup.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** A set's globals read as data: missing roles created, existing ones left and compared, the orchestrator's never touched. */
class GlobalsFileTests {

    private static final String GLOBALS = """
            --
            -- PostgreSQL database cluster dump
            --

            \\restrict abc123

            SET default_transaction_read_only = off;
            SET client_encoding = 'UTF8';

            CREATE ROLE app;
            ALTER ROLE app WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN NOREPLICATION NOBYPASSRLS PASSWORD 'SCRAM-SHA-256$4096:c2FsdA==$a;b:c';
            COMMENT ON ROLE app IS 'the app''s role; with a semicolon';
            CREATE ROLE "we;ird";
            ALTER ROLE "we;ird" WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB NOLOGIN NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 3 VALID UNTIL '2030-01-01 00:00:00+00';
            CREATE ROLE backup;
            ALTER ROLE backup WITH SUPERUSER INHERIT CREATEROLE CREATEDB LOGIN REPLICATION BYPASSRLS PASSWORD 'md5old';
            ALTER ROLE app SET work_mem TO '5MB';
            ALTER ROLE app IN DATABASE llm_webapp SET search_path TO 'app';
            CREATE TABLESPACE fast OWNER backup LOCATION '/srv/fast';
            GRANT "we;ird" TO app GRANTED BY backup;
            GRANT "we;ird" TO backup GRANTED BY backup;

            \\unrestrict abc123
            """;

    @Test
    void parseWhenGivenPgDumpallOutputReadsRolesWithTheirStatementsAndMemberships() {
        GlobalsFile file = GlobalsFile.parse(GLOBALS);

        assertThat(file.roles()).extracting(GlobalsFile.Role::name).containsExactly("app", "we;ird", "backup");
        GlobalsFile.Role app = file.roles().get(0);
        assertThat(app.flags()).containsExactly("INHERIT", "LOGIN");
        assertThat(app.password()).isEqualTo("SCRAM-SHA-256$4096:c2FsdA==$a;b:c");
        assertThat(app.statements()).hasSize(4).last().asString().isEqualTo("ALTER ROLE app SET work_mem TO '5MB'");
        assertThat(file.roles().get(1).connectionLimit()).isEqualTo(3);
        assertThat(file.memberships()).extracting(GlobalsFile.Membership::statement)
                .containsExactly("GRANT \"we;ird\" TO app", "GRANT \"we;ird\" TO backup");
    }

    @Test
    void planWhenNoRoleExistsCreatesThemAllButTheOrchestratorsAndSaysWhatItLeftOut() {
        GlobalsFile.Plan plan = GlobalsFile.parse(GLOBALS).plan(Map.of(), Set.of(), Set.of(), "backup");

        assertThat(plan.created()).containsExactly("app", "we;ird");
        assertThat(plan.statements()).noneMatch(s -> s.contains("ROLE backup")).contains("GRANT \"we;ird\" TO app")
                .doesNotContain("GRANT \"we;ird\" TO backup");
        assertThat(plan.skipped()).containsExactly("a setting of role app in one database", "tablespace fast (create it by hand if the database "
                + "needs it)");
    }

    @Test
    void planWhenRolesExistChangesNothingOfThemAndReportsWhatDiffers() {
        Map<String, GlobalsFile.ExistingRole> existing = Map.of(
                "app", new GlobalsFile.ExistingRole(Set.of("INHERIT", "LOGIN", "CREATEDB"), -1, "SCRAM-SHA-256$other"),
                "we;ird", new GlobalsFile.ExistingRole(Set.of("INHERIT"), 3, null),
                "backup", new GlobalsFile.ExistingRole(Set.of("SUPERUSER", "INHERIT", "CREATEROLE", "CREATEDB", "LOGIN", "REPLICATION",
                        "BYPASSRLS"), -1, "md5new"));

        GlobalsFile.Plan plan = GlobalsFile.parse(GLOBALS).plan(existing, Set.of("we;ird>app"), Set.of("fast"), "backup");

        assertThat(plan.statements()).isEmpty();
        assertThat(plan.created()).isEmpty();
        assertThat(plan.differences()).containsExactly("app: NOCREATEDB in the backup, CREATEDB now, password differs",
                "backup (the orchestrator's own role): password differs",
                "backup (the orchestrator's own role): not a member of we;ird as in the backup");
        assertThat(plan.summary()).startsWith("Roles from the set's globals: left as they are, differing from the backup: app: ")
                .doesNotContain("SCRAM-SHA-256$other").doesNotContain("md5");
    }
}
