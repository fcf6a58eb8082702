package com.llmbackup.catalog;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The statements on {@code backup_history}, shared by {@link BackupHistory} and the restore's own
 * operations on the table: every write runs in a transaction of its own (REQUIRES_NEW), so a row
 * recording a failure survives the rollback of the job that failed; reads run in the caller's.
 */
public final class HistoryTable {

    public static final String NAME = "backup_history";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate ownTransaction;
    private final Clock clock;

    HistoryTable(JdbcTemplate jdbc, PlatformTransactionManager transactions, Clock clock) {
        this.jdbc = jdbc;
        this.ownTransaction = new TransactionTemplate(transactions);
        this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.clock = clock;
    }

    /** A write, committed at once. */
    public void update(String sql, Object... args) {
        ownTransaction.executeWithoutResult(tx -> jdbc.update(sql, args));
    }

    /** A write, committed at once: whether it changed a row. */
    public boolean changed(String sql, Object... args) {
        Integer rows = ownTransaction.execute(tx -> jdbc.update(sql, args));
        return rows != null && rows > 0;
    }

    /** The first row's value, if there is one and it is not null. */
    public <T> Optional<T> first(String sql, RowMapper<T> mapper, Object... args) {
        return jdbc.query(sql, mapper, args).stream().filter(Objects::nonNull).findFirst();
    }

    /** The one value the query selects. */
    public <T> T value(String sql, Class<T> type, Object... args) {
        return jdbc.queryForObject(sql, type, args);
    }

    JdbcTemplate jdbc() {
        return jdbc;
    }

    TransactionTemplate ownTransaction() {
        return ownTransaction;
    }

    /** Microseconds, as PostgreSQL stores them, so a manifest copying a row's times matches it exactly. */
    public Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    /** A text column holds 8000 characters: a longer text is cut, not the statement failed. */
    public static String truncate(String message) {
        if (message == null) {
            return null;
        }
        return message.length() <= 8000 ? message : message.substring(0, 7997) + "...";
    }

    public static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
