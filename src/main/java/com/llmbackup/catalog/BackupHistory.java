package com.llmbackup.catalog;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

import com.llmbackup.config.Text;
import com.llmbackup.config.Texts;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The backup history ({@code backup_history}, created by Flyway): one row per run. Every write
 * runs in a transaction of its own (REQUIRES_NEW, {@link HistoryTable}), so a row recording a
 * failure survives the rollback of the job that failed. The files on disk stay the source of
 * truth: the rows of complete sets can be rebuilt from their manifests. What only a restore
 * records (its frozen plan, step marks, interruptions, operator decisions) is restore.RestoreRuns'.
 */
public class BackupHistory {

    private static final String TABLE = HistoryTable.NAME;
    private static final String OFFSITE_COLUMNS = "offsite_snapshot_id = ?, offsite_bytes = ?, offsite_files_read = ?, "
            + "offsite_files_unchanged = ?, offsite_at = ?";

    private final HistoryTable table;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate ownTransaction;
    private final Consumer<HistoryEntry> onFailure;
    private final Texts texts;

    public BackupHistory(JdbcTemplate jdbc, PlatformTransactionManager transactions, Clock clock, Texts texts) {
        this(jdbc, transactions, clock, texts, failed -> { });
    }

    /** {@code onFailure} hears of every run recorded as FAILED (alerts), after the row committed. */
    public BackupHistory(JdbcTemplate jdbc, PlatformTransactionManager transactions, Clock clock, Texts texts,
                         Consumer<HistoryEntry> onFailure) {
        this.onFailure = onFailure;
        this.texts = texts;
        this.table = new HistoryTable(jdbc, transactions, clock);
        this.jdbc = table.jdbc();
        this.ownTransaction = table.ownTransaction();
    }

    /** The table's statements, for the operations of one kind of run kept beside that run's code (the restore's). */
    public HistoryTable table() {
        return table;
    }

    /** Records the start of a run and returns the row's id. */
    public long start(RunKind kind, String processInstanceId) {
        return ownTransaction.execute(tx -> {
            GeneratedKeyHolder key = new GeneratedKeyHolder();
            jdbc.update(c -> {
                var ps = c.prepareStatement("insert into " + TABLE + " (kind, process_instance_id, status, started_at) values (?, ?, ?, ?)",
                        new String[] {"id"});
                ps.setString(1, kind.label());
                ps.setString(2, processInstanceId);
                ps.setString(3, RunStatus.RUNNING.name());
                ps.setTimestamp(4, Timestamp.from(table.now()));
                return ps;
            }, key);
            return key.getKey().longValue();
        });
    }

    public void setBackupId(long runId, String backupId) {
        update("update " + TABLE + " set backup_id = ? where id = ?", backupId, runId);
    }

    /** Progress of a long step, readable while the run goes (its own transaction commits at once). */
    public void progress(long runId, long filesDone, long filesTotal, long bytesDone, long bytesTotal) {
        update("update " + TABLE + " set progress_files_done = ?, progress_files_total = ?, progress_bytes_done = ?,"
                + " progress_bytes_total = ? where id = ?", filesDone, filesTotal, bytesDone, bytesTotal, runId);
    }

    /** Appends a warning; one statement, so two threads of a run (a restore's halves) lose none. */
    public void addWarning(long runId, String warning) {
        append("warnings", runId, warning);
    }

    private void append(String column, long runId, String line) {
        // the column holds 8000 characters: lines beyond are dropped, not the statement failed
        String more = "\n" + line;
        update("update " + TABLE + " set " + column + " = case when " + column + " is null then ? when length(" + column
                        + ") + ? <= 8000 then " + column + " || ? else " + column + " end where id = ?", HistoryTable.truncate(line),
                more.length(), more, runId);
    }

    /** Also from FAILED: a run whose incident an operator retried in Cockpit does complete, and the row says so. */
    public void complete(long runId, String backupId, Manifest.Stats stats) {
        update("update " + TABLE + " set status = ?, ended_at = ?, backup_id = coalesce(?, backup_id), bytes = ?, file_count = ?,"
                        + " files_copied = ?, files_linked = ? where id = ? and status in ('RUNNING', 'WAITING_FOR_OPERATOR', 'FAILED')",
                RunStatus.COMPLETED.name(), Timestamp.from(table.now()), backupId, stats == null ? null : stats.bytes(),
                stats == null ? null : stats.fileCount(), stats == null ? null : stats.filesCopied(),
                stats == null ? null : stats.filesLinked(), runId);
    }

    /** A message that is words already (an exception's): stored as it is, shown as it is in every language. */
    public void fail(long runId, String step, String message) {
        fail(runId, step, message, null);
    }

    /** The message as a key and arguments: stored in {@code backup.language} and as the key, shown in the viewer's language. */
    public void fail(long runId, String step, Text message) {
        fail(runId, step, texts.render(message), message);
    }

    private void fail(long runId, String step, String message, Text text) {
        // a row ends once: an ended run is never failed or completed again
        if (changed("update " + TABLE + " set status = ?, ended_at = ?, failed_step = ?, message = ?, message_key = ?, message_args = ?"
                        + " where id = ? and status in ('RUNNING', 'WAITING_FOR_OPERATOR')",
                RunStatus.FAILED.name(), Timestamp.from(table.now()), step, HistoryTable.truncate(message),
                args(text) == null ? null : text.key(), args(text), runId)) {
            announceFailure(runId);
        }
    }

    // arguments too long for the column are dropped: the page then shows the stored message
    private static String args(Text text) {
        String json = text == null ? null : text.argsJson();
        return json == null || json.length() > 8000 ? null : json;
    }

    /** {@code onFailure} hears of the run as now committed (failed, or a restore waiting for an operator). */
    public void announceFailure(long runId) {
        find(runId).ifPresent(onFailure);
    }

    /** Who asked for a restore, which set it restores ({@code daily/20251031}) and why. */
    public void setRequest(long runId, String requestedBy, String source, String reason) {
        boolean none = reason == null || reason.isBlank();
        Text line = none ? null : Text.of("detail.reason", reason);
        update("update " + TABLE + " set requested_by = ?, source = ?, details = ?, detail_texts = ? where id = ?", requestedBy, source,
                none ? null : HistoryTable.truncate(texts.render(line)), none ? null : encoded(line), runId);
    }

    public void setApprovedBy(long runId, String approvedBy) {
        update("update " + TABLE + " set approved_by = ? where id = ?", approvedBy, runId);
    }

    public void setSource(long runId, String source) {
        update("update " + TABLE + " set source = ? where id = ?", source, runId);
    }

    /** Appends a line to the run's details (a step and its duration, an operator's comment), as words: shown as it is. */
    public void addDetail(long runId, String line) {
        appendDetail(runId, line, "");
    }

    /** Appends a line from the bundles: stored in backup.language and as its key, shown in the viewer's language. */
    public void addDetail(long runId, Text line) {
        appendDetail(runId, texts.render(line), encoded(line));
    }

    // "key json-args", one line; empty (the line shown as stored) when it would not fit a line of its own
    private static String encoded(Text line) {
        String json = line.argsJson();
        return json.contains("\n") || json.length() > 2000 ? "" : line.key() + " " + json;
    }

    private void appendDetail(long runId, String line, String encoded) {
        // details and detail_texts grow together, a line each, or neither (the columns hold 8000 characters)
        String flat = line.replace('\n', ' ');
        String more = "\n" + flat;
        String moreEncoded = "\n" + encoded;
        String fits = "length(details) + ? <= 8000 and length(coalesce(detail_texts, '')) + ? <= 8000";
        update("update " + TABLE + " set details = case when details is null then ? when " + fits + " then details || ? else details end,"
                        + " detail_texts = case when details is null then ? when " + fits + " then coalesce(detail_texts, '') || ?"
                        + " else detail_texts end where id = ?",
                HistoryTable.truncate(flat), more.length(), moreEncoded.length(), more,
                encoded, more.length(), moreEncoded.length(), moreEncoded, runId);
    }

    /** As {@link #end(long, RunStatus, Text)}, for a message that is words already: shown as it is in every language. */
    public void end(long runId, RunStatus status, String message) {
        update("update " + TABLE + " set status = ?, ended_at = ?, message = ? where id = ? and status in ('RUNNING', 'WAITING_FOR_OPERATOR')",
                status.name(), Timestamp.from(table.now()), HistoryTable.truncate(message), runId);
    }

    /** Ends a run with a status other than FAILED (REJECTED, REFUSED, a restore's COMPLETED) and a message. */
    public void end(long runId, RunStatus status, Text message) {
        String args = args(message);
        update("update " + TABLE + " set status = ?, ended_at = ?, message = ?, message_key = ?, message_args = ? where id = ?"
                        + " and status in ('RUNNING', 'WAITING_FOR_OPERATOR')", status.name(), Timestamp.from(table.now()),
                HistoryTable.truncate(texts.render(message)), args == null ? null : message.key(), args, runId);
    }

    /** The texts the history renders its messages with. */
    public Texts texts() {
        return texts;
    }

    /** The offsite copy of the run's set: restic's snapshot id, the bytes it actually sent, the files it read and skipped. */
    public void setOffsite(long runId, String snapshotId, long bytesSent, long filesRead, long filesUnchanged) {
        update("update " + TABLE + " set " + OFFSITE_COLUMNS + " where id = ?",
                snapshotId, bytesSent, filesRead, filesUnchanged, Timestamp.from(table.now()), runId);
    }

    /** The same for a set copied later (caught up by another run): the row of the run that made it. */
    public void setOffsiteForSet(RunKind kind, String backupId, String snapshotId, long bytesSent, long filesRead, long filesUnchanged) {
        update("update " + TABLE + " set " + OFFSITE_COLUMNS + " where kind = ? and backup_id = ? and status = 'COMPLETED'",
                snapshotId, bytesSent, filesRead, filesUnchanged, Timestamp.from(table.now()), kind.label(), backupId);
    }

    /** The run whose set was copied offsite last, if any ever was. */
    public Optional<HistoryEntry> lastOffsiteCopyRun() {
        return ownTransaction.execute(tx -> jdbc.query("select * from " + TABLE + " where offsite_at is not null"
                + " order by offsite_at desc, id desc limit 1", BackupHistory::map)).stream().findFirst();
    }

    /**
     * How many runs this engine recorded itself (not rebuilt from manifests), other than
     * recoveries and {@code exceptRunId}: on the new server of a recovery there are none.
     */
    public long recordedHere(long exceptRunId) {
        Long count = ownTransaction.execute(tx -> jdbc.queryForObject("select count(*) from " + TABLE
                + " where rebuilt = false and id <> ? and kind <> ?", Long.class, exceptRunId, RunKind.RECOVERY.label()));
        return count == null ? 0 : count;
    }

    /** When the newest offsite copy succeeded, if one ever did. */
    public Optional<Instant> lastOffsiteCopy() {
        return Optional.ofNullable(ownTransaction.execute(tx -> jdbc.queryForObject("select max(offsite_at) from " + TABLE, Timestamp.class)))
                .map(Timestamp::toInstant);
    }

    /** A disaster recovery's report (JSON), written once when it ends. */
    public void setReport(long runId, String reportJson) {
        update("update " + TABLE + " set report = ? where id = ?", reportJson, runId);
    }

    /** The reports of the disaster recoveries, newest first. */
    public List<String> reports() {
        return jdbc.queryForList("select report from " + TABLE + " where kind = ? and report is not null order by started_at desc, id desc",
                String.class, RunKind.RECOVERY.label());
    }

    /** A disaster recovery's report (JSON), once it ended. */
    public Optional<String> report(long runId) {
        return jdbc.queryForList("select report from " + TABLE + " where id = ? and report is not null", String.class, runId)
                .stream().findFirst();
    }

    public void setRto(long runId, long rtoMillis) {
        update("update " + TABLE + " set rto_millis = ? where id = ?", rtoMillis, runId);
    }

    public Optional<HistoryEntry> find(long runId) {
        return jdbc.query("select * from " + TABLE + " where id = ?", BackupHistory::map, runId).stream().findFirst();
    }

    /** One page of runs, newest first, filtered by kind, status and start date (any may be null). */
    public Page page(RunKind kind, RunStatus status, Instant from, Instant to, int page, int size) {
        StringBuilder where = new StringBuilder(" where 1 = 1");
        List<Object> args = new ArrayList<>();
        if (kind != null) {
            where.append(" and kind = ?");
            args.add(kind.label());
        }
        if (status != null) {
            where.append(" and status = ?");
            args.add(status.name());
        }
        if (from != null) {
            where.append(" and started_at >= ?");
            args.add(Timestamp.from(from));
        }
        if (to != null) {
            where.append(" and started_at < ?");
            args.add(Timestamp.from(to));
        }
        Long total = jdbc.queryForObject("select count(*) from " + TABLE + where, Long.class, args.toArray());
        List<Object> pageArgs = new ArrayList<>(args);
        pageArgs.add(size);
        pageArgs.add((long) page * size);
        List<HistoryEntry> items = jdbc.query("select * from " + TABLE + where + " order by started_at desc, id desc limit ? offset ?",
                BackupHistory::map, pageArgs.toArray());
        return new Page(items, page, size, total == null ? 0 : total);
    }

    /**
     * The newest failed run of a kind that no later run of the kind completed after, if any.
     * Later means a later row, not a later start: a run refused under a clock ten years ahead
     * started "in 2036", and the runs after it must still resolve it.
     */
    public Optional<HistoryEntry> unresolvedFailure(RunKind kind) {
        return jdbc.query("select * from " + TABLE + " f where kind = ? and status = ? and not exists (select 1 from " + TABLE
                        + " c where c.kind = f.kind and c.status = ? and c.id > f.id) order by id desc limit 1",
                BackupHistory::map, kind.label(), RunStatus.FAILED.name(), RunStatus.COMPLETED.name()).stream().findFirst();
    }

    /** Per kind: runs per status, and the newest completed run (for metrics). */
    public List<KindStats> stats() {
        Map<RunKind, Map<RunStatus, Long>> counts = new TreeMap<>();
        jdbc.query("select kind, status, count(*) from " + TABLE + " group by kind, status", rs -> {
            counts.computeIfAbsent(RunKind.fromLabel(rs.getString(1)), k -> new TreeMap<>())
                    .put(RunStatus.fromName(rs.getString(2)), rs.getLong(3));
        });
        List<KindStats> stats = new ArrayList<>();
        for (var e : counts.entrySet()) {
            HistoryEntry last = jdbc.query("select * from " + TABLE + " where kind = ? and status = ? and ended_at is not null"
                    + " order by ended_at desc, id desc limit 1", BackupHistory::map, e.getKey().label(), RunStatus.COMPLETED.name()).stream().findFirst().orElse(null);
            stats.add(new KindStats(e.getKey(), e.getValue(), last));
        }
        return stats;
    }

    /** How many runs of a kind ended in each status, and its newest completed run (null if none). */
    public record KindStats(RunKind kind, Map<RunStatus, Long> countsByStatus, HistoryEntry lastCompleted) {
    }

    /** A page of history rows and the total that matched. */
    public record Page(List<HistoryEntry> items, int page, int size, long total) {
    }

    /** The RUNNING row of this kind a process instance started, if any: a retried first step finds it again. */
    public Optional<HistoryEntry> runningRun(String processInstanceId, RunKind kind) {
        return listByOwner(processInstanceId).stream().filter(e -> e.kind() == kind && e.status().open()).findFirst();
    }

    /**
     * The newest row of this kind a process instance started, whatever its status: how a step finds
     * its own run's row (never by a variable, which a start or an edit could point at another run's row).
     */
    public Optional<HistoryEntry> newestOwned(String processInstanceId, RunKind kind) {
        return listByOwner(processInstanceId).stream().filter(e -> e.kind() == kind).reduce((first, later) -> later);
    }

    /** The newest run of a kind about one set ({@code source}, e.g. a drill of {@code daily/20261201}). */
    public Optional<HistoryEntry> newest(RunKind kind, String source) {
        return jdbc.query("select * from " + TABLE + " where kind = ? and source = ? order by started_at desc, id desc limit 1",
                BackupHistory::map, kind.label(), source).stream().findFirst();
    }

    public List<HistoryEntry> listByOwner(String processInstanceId) {
        return jdbc.query("select * from " + TABLE + " where process_instance_id = ? order by id", BackupHistory::map, processInstanceId);
    }

    public List<HistoryEntry> list() {
        return jdbc.query("select * from " + TABLE + " order by started_at, id", BackupHistory::map);
    }

    /**
     * Adds a COMPLETED row for every complete set whose manifest has no row yet (after a
     * disaster the engine database is gone, the backup volume is not). Returns how many.
     */
    public int rebuild(BackupCatalog catalog) {
        int added = 0;
        for (BackupSet set : catalog.list()) {
            if (set.status() != BackupSet.Status.COMPLETE) {
                continue;
            }
            Manifest m = set.manifest();
            Integer existing = jdbc.queryForObject("select count(*) from " + TABLE + " where kind = ? and backup_id = ? and status = ?",
                    Integer.class, set.kind().dir(), set.id().toString(), RunStatus.COMPLETED.name());
            if (existing != null && existing > 0) {
                continue;
            }
            Manifest.Stats s = m.stats();
            update("insert into " + TABLE + " (kind, backup_id, process_instance_id, status, started_at, ended_at, bytes,"
                            + " file_count, files_copied, files_linked, warnings, rebuilt) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, true)",
                    set.kind().dir(), set.id().toString(), m.processInstanceId(), RunStatus.COMPLETED.name(),
                    Timestamp.from(m.startedAt() != null ? m.startedAt() : m.completedAt()),
                    m.completedAt() == null ? null : Timestamp.from(m.completedAt()),
                    s == null ? null : s.bytes(), s == null ? null : s.fileCount(),
                    s == null ? null : s.filesCopied(), s == null ? null : s.filesLinked(),
                    m.warnings() == null || m.warnings().isEmpty() ? null : String.join("\n", m.warnings()));
            added++;
        }
        return added;
    }

    private static HistoryEntry map(ResultSet rs, int row) throws SQLException {
        return new HistoryEntry(rs.getLong("id"), RunKind.fromLabel(rs.getString("kind")), rs.getString("backup_id"),
                rs.getString("process_instance_id"), RunStatus.fromName(rs.getString("status")), HistoryTable.instant(rs, "started_at"),
                HistoryTable.instant(rs, "ended_at"), rs.getString("message"), rs.getBoolean("rebuilt"),
                new HistoryEntry.Figures(longOrNull(rs, "bytes"), longOrNull(rs, "file_count"), longOrNull(rs, "files_copied"),
                        longOrNull(rs, "files_linked"), longOrNull(rs, "rto_millis")),
                new HistoryEntry.Progress(longOrNull(rs, "progress_files_done"), longOrNull(rs, "progress_files_total"),
                        longOrNull(rs, "progress_bytes_done"), longOrNull(rs, "progress_bytes_total")),
                new HistoryEntry.Request(rs.getString("requested_by"), rs.getString("approved_by"), rs.getString("source"),
                        rs.getString("details"), rs.getString("detail_texts")),
                new HistoryEntry.Problems(rs.getString("failed_step"), rs.getString("interrupted_step"), rs.getString("warnings")),
                new HistoryEntry.Offsite(rs.getString("offsite_snapshot_id"), longOrNull(rs, "offsite_bytes"),
                        longOrNull(rs, "offsite_files_read"), longOrNull(rs, "offsite_files_unchanged"), HistoryTable.instant(rs, "offsite_at")),
                Text.stored(rs.getString("message_key"), rs.getString("message_args")));
    }

    private void update(String sql, Object... args) {
        table.update(sql, args);
    }

    private boolean changed(String sql, Object... args) {
        return table.changed(sql, args);
    }

    private static Long longOrNull(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }
}
