package com.llmbackup.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

import com.llmbackup.catalog.BackupCatalog.StagedSet;
import com.llmbackup.config.Text;
import com.llmbackup.config.Texts;
import com.llmbackup.test.ManualClock;
import com.llmbackup.test.TestPostgres;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.support.TransactionTemplate;

/** The history table on a real PostgreSQL server, migrated by the application's Flyway scripts. */
class BackupHistoryTests {

    private static final TestPostgres pg = TestPostgres.get();

    @TempDir
    Path root;

    private final ManualClock clock = ManualClock.at("2025-10-31T02:00:00Z");
    private DataSource dataSource;
    private JdbcTemplate jdbc;
    private DataSourceTransactionManager transactions;
    private BackupHistory history;

    @BeforeEach
    void setUp() {
        String database = pg.createDatabase("engine");
        // the engine's tables come first on an existing installation: Flyway must baseline beside them
        pg.execute(database, "create table act_ge_property (name_ varchar(64) primary key, value_ varchar(300))");
        dataSource = new DriverManagerDataSource(pg.jdbcUrl(database), TestPostgres.SUPERUSER, TestPostgres.SUPERUSER_PASSWORD);
        Flyway.configure().dataSource(dataSource).baselineOnMigrate(true).baselineVersion("0")
                .table("llm_backup_schema_history").locations("classpath:db/migration").load().migrate();
        jdbc = new JdbcTemplate(dataSource);
        transactions = new DataSourceTransactionManager(dataSource);
        history = new BackupHistory(jdbc, transactions, clock, Texts.of("en"));
    }

    @Test
    void failureRowSurvivesWhenJobTransactionRollsBack() {
        jdbc.execute("create table job_work (id int)");
        TransactionTemplate job = new TransactionTemplate(transactions);

        assertThatThrownBy(() -> job.executeWithoutResult(tx -> {
            jdbc.update("insert into job_work values (1)");
            long run = history.start(RunKind.DAILY, "pi-1");
            history.fail(run, "Task_DumpDatabase", "pg_dump exited with code 1: connection refused");
            throw new IllegalStateException("the job fails and its transaction rolls back");
        })).hasMessage("the job fails and its transaction rolls back");

        assertThat(jdbc.queryForObject("select count(*) from job_work", Integer.class)).as("the job's own work is gone").isZero();
        List<HistoryEntry> rows = history.list();
        assertThat(rows).singleElement().satisfies(row -> {
            assertThat(row.kind()).isEqualTo(RunKind.DAILY);
            assertThat(row.processInstanceId()).isEqualTo("pi-1");
            assertThat(row.status()).isEqualTo(RunStatus.FAILED);
            assertThat(row.problems().failedStep()).isEqualTo("Task_DumpDatabase");
            assertThat(row.message()).isEqualTo("pg_dump exited with code 1: connection refused");
            assertThat(row.endedAt()).isEqualTo(clock.instant());
        });
    }

    @Test
    void progressIsReadableWhileRunTransactionIsOpen() {
        TransactionTemplate job = new TransactionTemplate(transactions);
        JdbcTemplate otherConnection = new JdbcTemplate(new DriverManagerDataSource(
                ((DriverManagerDataSource) dataSource).getUrl(), TestPostgres.SUPERUSER, TestPostgres.SUPERUSER_PASSWORD));

        Map<String, Object> seen = job.execute(tx -> {
            long run = history.start(RunKind.DAILY, "pi-2");
            history.progress(run, 120, 20000, 5_000_000, 2_000_000_000);
            return otherConnection.queryForMap("select progress_files_done, progress_files_total, progress_bytes_done,"
                    + " progress_bytes_total, status from backup_history where id = ?", run);
        });

        assertThat(seen).containsEntry("progress_files_done", 120L).containsEntry("progress_files_total", 20000L)
                .containsEntry("progress_bytes_done", 5_000_000L).containsEntry("progress_bytes_total", 2_000_000_000L)
                .containsEntry("status", "RUNNING");
    }

    @Test
    void rebuildFromCatalogEqualsOriginalHistory() throws Exception {
        BackupCatalog catalog = new BackupCatalog(root, FilePermissions.ownerOnly(), clock);
        try (LeaseManager leases = new LeaseManager(root, Duration.ofMinutes(2), clock, OwnerLiveness.ALWAYS_ACTIVE,
                FilePermissions.ownerOnly())) {
            for (int day = 0; day < 3; day++) {
                String owner = "pi-" + day;
                LeaseManager.Lease lease = leases.tryAcquire(owner, "daily backup").lease();
                long run = history.start(day == 2 ? RunKind.WEEKLY : RunKind.DAILY, owner);
                StagedSet staged = catalog.stage(day == 2 ? BackupKind.WEEKLY : BackupKind.DAILY, lease);
                Files.writeString(staged.dumpFile(), "dump " + day);
                clock.advance(Duration.ofMinutes(7));
                Manifest.Stats stats = new Manifest.Stats(1000L * (day + 1), 10 + day, 2, 8 + day);
                HistoryEntry started = history.find(run).orElseThrow();
                catalog.publish(staged, new Manifest(Manifest.FORMAT_VERSION, staged.kind().dir(), staged.id().toString(),
                        null, owner, started.startedAt(), null, "15.4", null, null, null,
                        List.of(Manifest.Artifact.file(staged.dumpFile().getFileName().toString(), 6, "ab")),
                        List.of(), Map.of(), stats, List.of()), lease);
                history.complete(run, staged.id().toString(), stats);
                lease.release();
                clock.advance(Duration.ofDays(1));
            }
            long failed = history.start(RunKind.DAILY, "pi-failed");
            history.fail(failed, "Task_SnapshotUploads", "No space left on device");
        }
        List<HistoryEntry> original = history.list().stream().filter(e -> e.status().equals(RunStatus.COMPLETED)).toList();

        jdbc.update("delete from backup_history");
        int added = history.rebuild(catalog);

        assertThat(added).isEqualTo(3);
        assertThat(history.list()).usingRecursiveFieldByFieldElementComparatorIgnoringFields("id", "rebuilt")
                .containsExactlyElementsOf(original);
        assertThat(history.list()).allMatch(HistoryEntry::rebuilt);
        assertThat(history.rebuild(catalog)).as("a second rebuild adds nothing").isZero();
    }

    @Test
    void detailLinesWhenWrittenFromKeysAndAsWordsAreShownInTheViewersLanguageLineByLine() {
        long runId = history.start(RunKind.RESTORE, "pi-details");
        history.setRequest(runId, "alice", "daily/20251031", "user1 deleted documents");
        history.addDetail(runId, "pg_restore: 12 entries");
        history.addDetail(runId, Text.of("detail.rollingBack", "safety/20251031"));
        HistoryEntry.Request request = history.find(runId).orElseThrow().request();

        assertThat(request.details()).as("stored in backup.language").isEqualTo(
                "Reason: user1 deleted documents\npg_restore: 12 entries\nRolling back to safety/20251031");
        assertThat(request.detailLines(text -> Texts.of("ko").render(text)))
                .containsExactly("사유: user1 deleted documents", "pg_restore: 12 entries", "safety/20251031(으)로 롤백");
        assertThat(request.detailLines(text -> Texts.of("en").render(text)))
                .containsExactly("Reason: user1 deleted documents", "pg_restore: 12 entries", "Rolling back to safety/20251031");
    }
}
