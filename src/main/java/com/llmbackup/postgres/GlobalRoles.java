package com.llmbackup.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.springframework.stereotype.Component;

/**
 * The roles of a set's globals on the web app's server: missing ones created, existing ones
 * (the orchestrator's own above all) never changed, what differs reported. The file is read as
 * data ({@link GlobalsFile}); only the statements of roles created now are run, one by one.
 */
@Component
public class GlobalRoles {

    private final PostgresClient postgres;

    public GlobalRoles(PostgresClient postgres) {
        this.postgres = postgres;
    }

    /** What a restore of these globals would do now (nothing is changed): for the approval form. */
    public GlobalsFile.Plan plan(Path globals) {
        if (globals == null || !Files.isRegularFile(globals)) {
            return new GlobalsFile.Plan(List.of(), List.of(), List.of(), List.of());
        }
        GlobalsFile file;
        try {
            file = GlobalsFile.parse(Files.readString(globals, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + globals + ": " + e.getMessage(), e);
        }
        try (Connection c = postgres.connect("postgres"); Statement s = c.createStatement()) {
            return file.plan(existingRoles(c), memberships(s), tablespaces(s), postgres.database().user());
        } catch (SQLException e) {
            throw new DatabaseUnavailableException("Cannot read the roles of the server: " + e.getMessage(), e);
        }
    }

    /**
     * Creates the roles of the globals that are missing; returns what the operator should know
     * (what was created, what differs and was left, what could not be done), empty when nothing.
     */
    public List<String> restore(Path globals) {
        GlobalsFile.Plan plan = plan(globals);
        List<String> notes = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        if (!plan.statements().isEmpty()) {
            try (Connection c = postgres.connect("postgres"); Statement s = c.createStatement()) {
                for (String sql : plan.statements()) {
                    try {
                        s.execute(sql);
                    } catch (SQLException e) {
                        // never a password hash in a message
                        String shown = sql.replaceAll("PASSWORD '(?:[^']|'')*'", "PASSWORD '...'");
                        failed.add((shown.length() > 80 ? shown.substring(0, 80) + "..." : shown) + ": " + e.getMessage());
                    }
                }
            } catch (SQLException e) {
                throw new DatabaseUnavailableException("Cannot create the roles of " + globals.getFileName() + ": " + e.getMessage(), e);
            }
        }
        if (!plan.summary().isEmpty()) {
            notes.add(plan.summary());
        }
        if (!failed.isEmpty()) {
            notes.add("Role statements that failed (role " + postgres.database().user() + " may lack CREATEROLE): " + String.join("; ", failed));
        }
        return notes;
    }

    private static Map<String, GlobalsFile.ExistingRole> existingRoles(Connection c) throws SQLException {
        Map<String, String> passwords = new HashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select rolname, rolpassword from pg_authid")) {
            while (rs.next()) {
                passwords.put(rs.getString(1), rs.getString(2));
            }
        } catch (SQLException notSuperuser) {
            // only a superuser reads the hashes: passwords are then not compared (autocommit: nothing to roll back)
        }
        Map<String, GlobalsFile.ExistingRole> roles = new HashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("""
                select rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, rolbypassrls, rolconnlimit
                  from pg_roles""")) {
            while (rs.next()) {
                Set<String> flags = new LinkedHashSet<>();
                for (int i = 0; i < GlobalsFile.FLAGS.size(); i++) {
                    if (rs.getBoolean(i + 2)) {
                        flags.add(GlobalsFile.FLAGS.get(i));
                    }
                }
                roles.put(rs.getString(1), new GlobalsFile.ExistingRole(flags, rs.getInt(9), passwords.get(rs.getString(1))));
            }
        }
        return roles;
    }

    private static Set<String> memberships(Statement s) throws SQLException {
        Set<String> out = new HashSet<>();
        try (ResultSet rs = s.executeQuery("""
                select r.rolname, m.rolname from pg_auth_members a join pg_roles r on r.oid = a.roleid join pg_roles m on m.oid = a.member""")) {
            while (rs.next()) {
                out.add(rs.getString(1) + ">" + rs.getString(2));
            }
        }
        return out;
    }

    private static Set<String> tablespaces(Statement s) throws SQLException {
        Set<String> out = new HashSet<>();
        try (ResultSet rs = s.executeQuery("select spcname from pg_tablespace")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
