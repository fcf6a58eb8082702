package com.llmbackup.test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a database holds, as one comparable map: every table's rows (count and a digest of them
 * in a stable order), sequences, large objects, triggers, views, functions, types, constraints
 * and indexes, schemas and relations with their owners and grants, and the database-level
 * settings, comment, owner and grants. The one helper every test that compares two databases
 * (before and after a restore, the backup and the restored copy) uses. The database's own name is
 * left out: a swapped-in copy has another one until the swap.
 */
public final class DatabaseFingerprint {

    private static final String USER_SCHEMA = "n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'"
            + " and n.nspname not like 'pg_temp%'";

    private DatabaseFingerprint() {
    }

    public static Map<String, String> of(Connection c) throws SQLException {
        Map<String, String> f = new TreeMap<>();
        try (Statement s = c.createStatement()) {
            rows(s, f, "database", """
                    select 'owner ' || pg_get_userbyid(d.datdba) || ', encoding ' || pg_encoding_to_char(d.encoding) || ', collate ' || d.datcollate
                           || ', ctype ' || d.datctype || ', connection limit ' || d.datconnlimit || ', grants '
                           || coalesce((select string_agg(a::text, ' ' order by a::text) from unnest(d.datacl) a), 'default')
                           || ', comment ' || coalesce(shobj_description(d.oid, 'pg_database'), '-')
                      from pg_database d where d.datname = current_database()""");
            rows(s, f, "database settings", """
                    select coalesce(pg_get_userbyid(nullif(r.setrole, 0)), 'all roles') || ': '
                           || (select string_agg(x, ', ' order by x) from unnest(r.setconfig) x)
                      from pg_db_role_setting r where r.setdatabase = (select oid from pg_database where datname = current_database())""");
            rows(s, f, "schema", "select n.nspname || ' owner ' || pg_get_userbyid(n.nspowner) || ' grants ' || coalesce((select string_agg(a::text, ' '"
                    + " order by a::text) from unnest(n.nspacl) a), 'default') from pg_namespace n where " + USER_SCHEMA);
            rows(s, f, "relation", "select c.relkind::text || ' ' || n.nspname || '.' || c.relname || ' owner ' || pg_get_userbyid(c.relowner)"
                    + " || ' grants ' || coalesce((select string_agg(a::text, ' ' order by a::text) from unnest(c.relacl) a), 'default')"
                    + " from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind in ('r', 'p', 'v', 'm', 'S', 'f', 'i')"
                    + " and " + USER_SCHEMA);
            rows(s, f, "view", "select n.nspname || '.' || c.relname || ': ' || pg_get_viewdef(c.oid) from pg_class c"
                    + " join pg_namespace n on n.oid = c.relnamespace where c.relkind in ('v', 'm') and " + USER_SCHEMA);
            rows(s, f, "function", "select n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') owner '"
                    + " || pg_get_userbyid(p.proowner) || ' md5 ' || md5(coalesce(p.prosrc, '')) from pg_proc p"
                    + " join pg_namespace n on n.oid = p.pronamespace where " + USER_SCHEMA
                    + " and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')");
            rows(s, f, "type", "select n.nspname || '.' || t.typname || ' ' || t.typtype::text || coalesce(' ' || (select string_agg(e.enumlabel,"
                    + " ',' order by e.enumsortorder) from pg_enum e where e.enumtypid = t.oid), '') from pg_type t"
                    + " join pg_namespace n on n.oid = t.typnamespace where " + USER_SCHEMA + " and t.typtype in ('e', 'd', 'r')");
            rows(s, f, "trigger", "select c.relname || '.' || t.tgname || ': ' || pg_get_triggerdef(t.oid) from pg_trigger t"
                    + " join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace where not t.tgisinternal and " + USER_SCHEMA);
            rows(s, f, "constraint", "select c.relname || '.' || k.conname || ': ' || pg_get_constraintdef(k.oid) from pg_constraint k"
                    + " join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace where " + USER_SCHEMA);
            rows(s, f, "index", "select pg_get_indexdef(i.indexrelid) from pg_index i join pg_class c on c.oid = i.indexrelid"
                    + " join pg_namespace n on n.oid = c.relnamespace where " + USER_SCHEMA);
            rows(s, f, "large object", "select m.oid || ' owner ' || pg_get_userbyid(m.lomowner) || ' md5 ' || md5(lo_get(m.oid))"
                    + " from pg_largeobject_metadata m");
            List<String[]> tables = new ArrayList<>();
            List<String> sequences = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("select c.relkind, quote_ident(n.nspname) || '.' || quote_ident(c.relname) from pg_class c"
                    + " join pg_namespace n on n.oid = c.relnamespace where c.relkind in ('r', 'p', 'm', 'S') and " + USER_SCHEMA)) {
                while (rs.next()) {
                    if (rs.getString(1).equals("S")) {
                        sequences.add(rs.getString(2));
                    } else {
                        tables.add(new String[] {rs.getString(1), rs.getString(2)});
                    }
                }
            }
            for (String[] table : tables) {
                if (table[0].equals("p")) {
                    continue; // a partitioned table's rows are its partitions'
                }
                try (ResultSet rs = s.executeQuery("select count(*) || ':' || coalesce(md5(string_agg(t::text, '|' order by t::text)), '') from "
                        + table[1] + " t")) {
                    rs.next();
                    f.put("rows " + table[1], rs.getString(1));
                }
            }
            for (String sequence : sequences) {
                try (ResultSet rs = s.executeQuery("select last_value || ' called ' || is_called from " + sequence)) {
                    rs.next();
                    f.put("sequence " + sequence, rs.getString(1));
                }
            }
        }
        return f;
    }

    private static void rows(Statement s, Map<String, String> f, String kind, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        // keyed by what it is: a difference between two fingerprints names the object
        for (String value : values) {
            f.merge(kind + " " + value, "1", (a, b) -> String.valueOf(Integer.parseInt(a) + 1));
        }
    }
}
