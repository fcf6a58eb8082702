package com.llmbackup.wal;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Properties;

import com.llmbackup.config.BackupProperties;
import com.llmbackup.postgres.DatabaseUnavailableException;
import com.llmbackup.postgres.PostgresClient;

/**
 * The web app's PostgreSQL server as the WAL receiver sees it: its identity and settings, the
 * slot and the WAL sender streaming from it, its flushed WAL position, and a replication
 * connection's admission (the preflight's test). The status readings go through one connection
 * to the {@code postgres} maintenance database, kept open between readings: never to the web
 * app's own database, whose renames and drops must not wait for it.
 */
public class WalServer implements AutoCloseable {

    private final PostgresClient postgres;
    private final BackupProperties.Database database;
    private Connection connection;

    public WalServer(PostgresClient postgres) {
        this.postgres = postgres;
        this.database = postgres.database();
    }

    /** Who the server is: its cluster, segment size, timeline and the settings streaming needs. */
    public record Identity(String systemIdentifier, long segmentSize, int timeline, String walLevel, int maxWalSenders,
                           int walSendersInUse, int maxReplicationSlots, int replicationSlotsInUse, String maxSlotWalKeepSize,
                           int majorVersion) {
    }

    /**
     * One status reading: the server's clock and flushed WAL (with its timeline), the slot (missing:
     * {@code slotExists} false) and the WAL sender streaming from it, if any; the server's cluster.
     */
    public record Observation(Instant serverTime, Lsn serverFlush, int timeline, boolean slotExists, boolean slotActive,
                              Integer activePid, Lsn slotRestart, String walStatus, Long retainedBytes, Lsn replicaFlush,
                              Double flushLagSeconds, String applicationName, String systemIdentifier) {
        public boolean slotLost() {
            return "lost".equals(walStatus);
        }
    }

    public synchronized Identity identify() {
        return query(c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("""
                    select (select system_identifier from pg_control_system())::text,
                           current_setting('wal_segment_size')::text,
                           substr(pg_walfile_name(pg_current_wal_flush_lsn()), 1, 8),
                           current_setting('wal_level'),
                           current_setting('max_wal_senders')::int,
                           (select count(*) from pg_stat_replication)::int,
                           current_setting('max_replication_slots')::int,
                           (select count(*) from pg_replication_slots)::int,
                           current_setting('max_slot_wal_keep_size'),
                           current_setting('server_version_num')::int / 10000
                    """)) {
                rs.next();
                return new Identity(rs.getString(1), sizeSetting(rs.getString(2)), Integer.parseInt(rs.getString(3), 16),
                        rs.getString(4), rs.getInt(5), rs.getInt(6), rs.getInt(7), rs.getInt(8), rs.getString(9), rs.getInt(10));
            }
        });
    }

    public synchronized Observation observe(String slot) {
        return query(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    select clock_timestamp(), pg_current_wal_flush_lsn()::text, substr(pg_walfile_name(pg_current_wal_flush_lsn()), 1, 8),
                           s.slot_name is not null, coalesce(s.active, false), s.active_pid, s.restart_lsn::text, s.wal_status,
                           pg_wal_lsn_diff(pg_current_wal_flush_lsn(), s.restart_lsn)::bigint,
                           r.flush_lsn::text, extract(epoch from r.flush_lag)::float8, r.application_name,
                           (select system_identifier from pg_control_system())::text
                      from (select 1) one
                      left join pg_replication_slots s on s.slot_name = ?
                      left join pg_stat_replication r on r.pid = s.active_pid
                    """)) {
                ps.setString(1, slot);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    Integer activePid = (Integer) rs.getObject(6);
                    Long retained = (Long) rs.getObject(9);
                    Double lag = (Double) rs.getObject(11);
                    return new Observation(rs.getTimestamp(1).toInstant(), Lsn.parse(rs.getString(2)), Integer.parseInt(rs.getString(3), 16),
                            rs.getBoolean(4), rs.getBoolean(5), activePid, rs.getString(7) == null ? null : Lsn.parse(rs.getString(7)),
                            rs.getString(8), retained, rs.getString(10) == null ? null : Lsn.parse(rs.getString(10)), lag, rs.getString(12),
                            rs.getString(13));
                }
            }
        });
    }

    /** Ends the WAL sender of a receiver that may no longer stream (an orphan of a killed orchestrator). */
    public synchronized boolean terminate(int pid) {
        return query(c -> {
            try (PreparedStatement ps = c.prepareStatement("select pg_terminate_backend(?, 10000)")) {
                ps.setInt(1, pid);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getBoolean(1);
                }
            }
        });
    }

    /** Drops a slot the server invalidated (its WAL is gone), so it can be made afresh. */
    public synchronized void dropSlot(String slot) {
        query(c -> {
            try (PreparedStatement ps = c.prepareStatement("select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = ?")) {
                ps.setString(1, slot);
                ps.execute();
                return null;
            }
        });
    }

    /**
     * Opens a replication connection as pg_receivewal does ({@code replication=true}) and asks
     * {@code IDENTIFY_SYSTEM}; the server's refusal comes back as the exception, its SQL state and words.
     */
    public void probeReplication() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", database.user());
        if (database.password() != null) {
            props.setProperty("password", database.password());
        }
        props.setProperty("replication", "true");
        props.setProperty("assumeMinServerVersion", "9.4");
        props.setProperty("preferQueryMode", "simple");
        props.setProperty("connectTimeout", String.valueOf(Math.max(1, database.connectTimeout().toSeconds())));
        props.setProperty("ApplicationName", "llm-backup-preflight");
        String url = "jdbc:postgresql://" + database.host() + ":" + database.port() + "/" + database.name();
        try (Connection c = DriverManager.getConnection(url, props); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("IDENTIFY_SYSTEM")) {
            rs.next();
        }
    }

    @Override
    public synchronized void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
            connection = null;
        }
    }

    private <T> T query(SqlFunction<T> body) {
        try {
            if (connection == null || connection.isClosed()) {
                connection = connectMaintenance();
            }
            return body.apply(connection);
        } catch (SQLException e) {
            close();
            throw new DatabaseUnavailableException("WAL status of " + database.host() + ":" + database.port() + ": " + e.getMessage(), e);
        }
    }

    private Connection connectMaintenance() {
        try {
            return postgres.connect("postgres");
        } catch (DatabaseUnavailableException e) {
            if (e.getCause() instanceof SQLException sql && "3D000".equals(sql.getSQLState())) {
                return postgres.connect(); // a server without the maintenance database
            }
            throw e;
        }
    }

    /** {@code wal_segment_size} as current_setting prints it: bytes ("16777216") or with a unit ("16MB"). */
    static long sizeSetting(String value) {
        String v = value.strip().toUpperCase();
        long factor = 1;
        if (v.endsWith("KB")) {
            factor = 1024;
        } else if (v.endsWith("MB")) {
            factor = 1024 * 1024;
        } else if (v.endsWith("GB")) {
            factor = 1024L * 1024 * 1024;
        }
        return Long.parseLong(v.replaceAll("[^0-9]", "")) * factor;
    }

    @FunctionalInterface
    private interface SqlFunction<T> {
        T apply(Connection c) throws SQLException;
    }
}
