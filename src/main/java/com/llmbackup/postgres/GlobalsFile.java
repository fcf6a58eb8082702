package com.llmbackup.postgres;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A set's {@code globals_<id>.sql} ({@code pg_dumpall --globals-only}) read as data, never run as a
 * script: its roles with their attributes, password hash and own statements, the memberships, and
 * what else it holds. {@link #plan} decides what a restore runs: roles that are missing are created
 * (with their attributes, settings, comment and memberships); a role that exists is never changed,
 * the orchestrator's own role never touched; what differs is reported. Pure.
 */
public final class GlobalsFile {

    private static final String IDENT = "(\"(?:[^\"]|\"\")+\"|[A-Za-z_][A-Za-z0-9_$]*)";
    private static final Pattern CREATE_ROLE = Pattern.compile("CREATE ROLE " + IDENT);
    private static final Pattern ALTER_ROLE_WITH = Pattern.compile("ALTER ROLE " + IDENT + " WITH (.*)", Pattern.DOTALL);
    private static final Pattern ALTER_ROLE_SET = Pattern.compile("ALTER ROLE " + IDENT + " (SET|RESET) .*", Pattern.DOTALL);
    private static final Pattern ALTER_ROLE_IN_DATABASE = Pattern.compile("ALTER ROLE " + IDENT + " IN DATABASE .*", Pattern.DOTALL);
    private static final Pattern COMMENT_ON_ROLE = Pattern.compile("COMMENT ON ROLE " + IDENT + " IS .*", Pattern.DOTALL);
    private static final Pattern GRANT_ROLE = Pattern.compile("GRANT " + IDENT + " TO " + IDENT + "(.*?)(?: GRANTED BY " + IDENT + ")?",
            Pattern.DOTALL);
    /** What pg_dumpall writes after a membership's member: nothing else is run (", other_role" would grant an existing role). */
    private static final Pattern GRANT_OPTIONS = Pattern.compile(
            "(?: WITH (?:ADMIN OPTION|(?:ADMIN|INHERIT|SET) (?:TRUE|FALSE))(?:, (?:ADMIN OPTION|(?:ADMIN|INHERIT|SET) (?:TRUE|FALSE)))*)?");
    /** Unquoted, these name roles by the session or all at once, not by a name: the orchestrator's own role, or every role. */
    private static final Set<String> ROLE_SPECIFICATIONS = Set.of("current_user", "current_role", "session_user", "public", "none", "all");
    private static final Pattern TABLESPACE = Pattern.compile("CREATE TABLESPACE " + IDENT + ".*", Pattern.DOTALL);
    private static final Pattern PASSWORD = Pattern.compile("\\s*PASSWORD '((?:[^']|'')*)'");
    private static final Pattern CONNECTION_LIMIT = Pattern.compile("CONNECTION LIMIT (-?\\d+)");
    /** The attributes compared with a role that exists: those pg_roles shows as flags. */
    static final List<String> FLAGS = List.of("SUPERUSER", "INHERIT", "CREATEROLE", "CREATEDB", "LOGIN", "REPLICATION", "BYPASSRLS");

    private final Map<String, Role> roles;
    private final List<Membership> memberships;
    private final List<String> tablespaces;
    private final List<String> skipped;

    private GlobalsFile(Map<String, Role> roles, List<Membership> memberships, List<String> tablespaces, List<String> skipped) {
        this.roles = roles;
        this.memberships = memberships;
        this.tablespaces = tablespaces;
        this.skipped = skipped;
    }

    /** A role of the file: its attributes (as written after WITH, without the password), its password hash, its statements. */
    public record Role(String name, Set<String> flags, int connectionLimit, String password, List<String> statements) {
    }

    /** {@code GRANT role TO member}, as the statement to run (without its grantor). */
    public record Membership(String role, String member, String statement) {
    }

    /** A role that exists on the server: its flags, connection limit and password hash (null when the orchestrator may not read it). */
    public record ExistingRole(Set<String> flags, int connectionLimit, String password) {
    }

    /** What a restore runs (in order), and what it reports. */
    public record Plan(List<String> statements, List<String> created, List<String> differences, List<String> skipped) {

        /** One line for the approval form and the history; empty when there is nothing to say. */
        public String summary() {
            List<String> parts = new ArrayList<>();
            if (!created.isEmpty()) {
                parts.add("created because missing: " + String.join(", ", created));
            }
            if (!differences.isEmpty()) {
                parts.add("left as they are, differing from the backup: " + String.join("; ", differences));
            }
            if (!skipped.isEmpty()) {
                parts.add("not applied: " + String.join("; ", skipped));
            }
            return parts.isEmpty() ? "" : "Roles from the set's globals: " + String.join(". ", parts) + ".";
        }
    }

    public List<Role> roles() {
        return List.copyOf(roles.values());
    }

    public List<Membership> memberships() {
        return memberships;
    }

    public static GlobalsFile parse(String text) {
        Map<String, Role> roles = new LinkedHashMap<>();
        List<Membership> memberships = new ArrayList<>();
        List<String> tablespaces = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (String statement : statements(text)) {
            Matcher m;
            if (namesARoleSpecification(statement)) {
                skipped.add(firstWords(statement) + " (a role specification, not a role's name: it would change the orchestrator's own role)");
            } else if ((m = CREATE_ROLE.matcher(statement)).matches()) {
                String name = ident(m.group(1));
                roles.put(name, new Role(name, Set.of(), -1, null, new ArrayList<>(List.of(statement))));
            } else if ((m = ALTER_ROLE_WITH.matcher(statement)).matches()) {
                String name = ident(m.group(1));
                Role role = roles.computeIfAbsent(name, n -> new Role(n, Set.of(), -1, null, new ArrayList<>()));
                String attributes = m.group(2);
                String password = null;
                Matcher p = PASSWORD.matcher(attributes);
                if (p.find()) {
                    password = p.group(1).replace("''", "'");
                    attributes = attributes.substring(0, p.start()) + attributes.substring(p.end());
                }
                Set<String> flags = new LinkedHashSet<>();
                for (String token : attributes.trim().split("\\s+")) {
                    if (FLAGS.contains(token)) {
                        flags.add(token);
                    }
                }
                Matcher limit = CONNECTION_LIMIT.matcher(attributes);
                int connectionLimit = limit.find() ? Integer.parseInt(limit.group(1)) : -1;
                role.statements().add(statement);
                roles.put(name, new Role(name, flags, connectionLimit, password, role.statements()));
            } else if ((m = ALTER_ROLE_IN_DATABASE.matcher(statement)).matches()) {
                // it names a database by name: before the swap that name is the old one
                skipped.add("a setting of role " + ident(m.group(1)) + " in one database");
            } else if ((m = ALTER_ROLE_SET.matcher(statement)).matches() || (m = COMMENT_ON_ROLE.matcher(statement)).matches()) {
                Role role = roles.get(ident(m.group(1)));
                if (role != null) {
                    role.statements().add(statement);
                }
            } else if ((m = GRANT_ROLE.matcher(statement)).matches() && !GRANT_OPTIONS.matcher(m.group(3) == null ? "" : m.group(3)).matches()) {
                skipped.add(firstWords(statement) + " (not a membership as pg_dumpall writes it)");
            } else if ((m = GRANT_ROLE.matcher(statement)).matches()) {
                String options = m.group(3) == null ? "" : m.group(3);
                // the grantor is left out: it may not exist here, and the orchestrator's role then grants
                memberships.add(new Membership(ident(m.group(1)), ident(m.group(2)), "GRANT " + m.group(1) + " TO " + m.group(2) + options));
            } else if ((m = TABLESPACE.matcher(statement)).matches()) {
                tablespaces.add(ident(m.group(1)));
            } else if (!statement.startsWith("SET ") && !statement.startsWith("ALTER TABLESPACE ")
                    && !statement.startsWith("GRANT ") && !statement.startsWith("REVOKE ") && !statement.startsWith("COMMENT ON TABLESPACE ")) {
                skipped.add(firstWords(statement));
            }
        }
        return new GlobalsFile(roles, memberships, tablespaces, skipped);
    }

    /**
     * What a restore does with these globals on a server whose roles are {@code existing} (by
     * name), whose memberships are {@code existingMemberships} ({@code role>member}) and whose
     * tablespaces are {@code existingTablespaces}; {@code orchestratorRole} is never touched.
     */
    public Plan plan(Map<String, ExistingRole> existing, Set<String> existingMemberships, Set<String> existingTablespaces,
                     String orchestratorRole) {
        List<String> statements = new ArrayList<>();
        List<String> created = new ArrayList<>();
        List<String> differences = new ArrayList<>();
        List<String> skippedNow = new ArrayList<>(skipped);
        for (Role role : roles.values()) {
            ExistingRole now = existing.get(role.name());
            if (now == null && !role.name().equals(orchestratorRole)) {
                statements.addAll(role.statements());
                created.add(role.name());
                continue;
            }
            if (now == null) {
                continue; // the orchestrator's role always exists: it is logged in
            }
            List<String> differs = new ArrayList<>();
            for (String flag : FLAGS) {
                boolean backup = role.flags().contains(flag);
                if (role.statements().stream().anyMatch(s -> s.contains(" WITH ")) && backup != now.flags().contains(flag)) {
                    differs.add((backup ? flag : "NO" + flag) + " in the backup, " + (backup ? "NO" + flag : flag) + " now");
                }
            }
            if (role.connectionLimit() != now.connectionLimit()) {
                differs.add("connection limit " + role.connectionLimit() + " in the backup, " + now.connectionLimit() + " now");
            }
            if (role.password() != null && now.password() != null && !role.password().equals(now.password())) {
                differs.add("password differs");
            }
            if (!differs.isEmpty()) {
                differences.add(role.name() + (role.name().equals(orchestratorRole) ? " (the orchestrator's own role)" : "") + ": "
                        + String.join(", ", differs));
            }
        }
        for (Membership m : memberships) {
            boolean granted = existingMemberships.contains(m.role() + ">" + m.member());
            if (granted) {
                continue;
            }
            if (created.contains(m.member()) && (created.contains(m.role()) || existing.containsKey(m.role()))) {
                statements.add(m.statement());
            } else if (!m.member().equals(orchestratorRole) && existing.containsKey(m.member())) {
                differences.add(m.member() + ": not a member of " + m.role() + " as in the backup");
            } else if (m.member().equals(orchestratorRole)) {
                differences.add(m.member() + " (the orchestrator's own role): not a member of " + m.role() + " as in the backup");
            }
        }
        for (String tablespace : tablespaces) {
            if (!existingTablespaces.contains(tablespace)) {
                skippedNow.add("tablespace " + tablespace + " (create it by hand if the database needs it)");
            }
        }
        return new Plan(statements, created, differences, skippedNow);
    }

    /** The file's statements, split at semicolons outside quotes; comments and psql's backslash commands left out. */
    static List<String> statements(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean single = false;
        boolean dbl = false;
        boolean lineStart = true;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!single && !dbl) {
                if (lineStart && c == '\\') {
                    int nl = text.indexOf('\n', i);
                    i = nl < 0 ? text.length() : nl;
                    continue; // \restrict, \connect: meta-commands of psql, not SQL
                }
                if (c == '-' && i + 1 < text.length() && text.charAt(i + 1) == '-') {
                    int nl = text.indexOf('\n', i);
                    i = nl < 0 ? text.length() : nl;
                    lineStart = true;
                    continue;
                }
                if (c == ';') {
                    String s = current.toString().strip();
                    if (!s.isEmpty()) {
                        out.add(s);
                    }
                    current.setLength(0);
                    lineStart = false;
                    continue;
                }
            }
            if (c == '\'' && !dbl) {
                single = !single;
            } else if (c == '"' && !single) {
                dbl = !dbl;
            }
            current.append(c);
            if (c == '\n') {
                lineStart = true;
            } else if (!Character.isWhitespace(c)) {
                lineStart = false;
            }
        }
        String rest = current.toString().strip();
        if (!rest.isEmpty()) {
            out.add(rest);
        }
        return out;
    }

    /** A name as PostgreSQL reads it: quoted as written, unquoted folded to lower case (else APP would pass for a missing role). */
    private static String ident(String raw) {
        return raw.startsWith("\"") ? raw.substring(1, raw.length() - 1).replace("\"\"", "\"") : raw.toLowerCase(Locale.ROOT);
    }

    /** A role statement or membership that names CURRENT_USER, SESSION_USER, ... unquoted where a role's name belongs. */
    private static boolean namesARoleSpecification(String statement) {
        for (Pattern p : List.of(CREATE_ROLE, ALTER_ROLE_WITH, ALTER_ROLE_SET, ALTER_ROLE_IN_DATABASE, COMMENT_ON_ROLE, GRANT_ROLE)) {
            Matcher m = p.matcher(statement);
            if (m.matches()) {
                int names = p == GRANT_ROLE ? 2 : 1;
                for (int g = 1; g <= names; g++) {
                    if (!m.group(g).startsWith("\"") && ROLE_SPECIFICATIONS.contains(m.group(g).toLowerCase(Locale.ROOT))) {
                        return true;
                    }
                }
                return false;
            }
        }
        return false;
    }

    private static String firstWords(String statement) {
        String[] words = statement.split("\\s+");
        return String.join(" ", List.of(words).subList(0, Math.min(3, words.length))) + " ...";
    }
}
