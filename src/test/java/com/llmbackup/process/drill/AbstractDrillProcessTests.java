package com.llmbackup.process.drill;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.health.BackupHealthIndicator;
import com.llmbackup.process.AbstractBackupProcessTests;
import com.llmbackup.test.FileTrees;
import com.llmbackup.test.LocalHttp;
import io.micrometer.core.instrument.MeterRegistry;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * The restore drill's process tests: the backup tests' environment (real PostgreSQL, real
 * folders, the real engine and models) with {@code backup.drill.files-query} set, one Spring
 * context shared by every drill test class; helpers that make sets, run drills and compare
 * production before and after.
 */
@TestPropertySource(properties = "backup.drill.files-query=SELECT file_path FROM drill_files")
abstract class AbstractDrillProcessTests extends AbstractBackupProcessTests {

    static final Path SCRATCH = DIR.resolve("backup/scratch");

    static {
        PG.execute(DATABASE, "create table if not exists drill_files (id serial primary key, file_path text)",
                "delete from drill_files", "insert into drill_files (file_path) values ('user1/a.pdf'), ('user2/회의록.txt'), (null)");
    }

    @Autowired
    BackupHealthIndicator health;
    @Autowired
    MeterRegistry meters;

    /** Runs a daily or weekly backup to its end and returns its completed history row. */
    HistoryEntry backup(String processKey) {
        ProcessInstance instance = runtime.startProcessInstanceByKey(processKey);
        runJobs(instance);
        HistoryEntry row = history.listByOwner(instance.getId()).get(0);
        assertThat(row.status()).as(row.message()).isEqualTo(RunStatus.COMPLETED);
        return row;
    }

    ProcessInstance drill(Map<String, Object> variables) {
        ProcessInstance instance = runtime.startProcessInstanceByKey("RestoreDrillProcess", variables);
        runJobs(instance);
        return instance;
    }

    List<HistoryEntry> drillRows(ProcessInstance instance) {
        return history.listByOwner(instance.getId()).stream().filter(e -> e.kind() == RunKind.DRILL).toList();
    }

    JsonNode evidence(long runId) throws Exception {
        ensureUser("drillauditor", "auditor-pw", "operators");
        var response = LocalHttp.call(port, "GET", "/api/backups/drills/" + runId, "drillauditor:auditor-pw", null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    /** What must not change: production's tables, the live uploads, the server's databases, the scratch root's entries. */
    Map<String, Object> production() throws Exception {
        List<String> databases = new ArrayList<>();
        try (var c = PG.connect("postgres"); var rs = c.createStatement().executeQuery("select datname from pg_database order by 1")) {
            while (rs.next()) {
                databases.add(rs.getString(1));
            }
        }
        return Map.of("users", tableDigest(DATABASE, "users"), "documents", tableDigest(DATABASE, "documents"),
                "drill_files", tableDigest(DATABASE, "drill_files"), "uploads", FileTrees.describe(DIR.resolve("uploads")),
                "databases", databases, "scratch", scratchEntries());
    }

    static List<String> scratchEntries() throws Exception {
        if (!Files.isDirectory(SCRATCH)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(SCRATCH)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    boolean databaseExists(String name) throws Exception {
        try (var c = PG.connect("postgres"); var ps = c.prepareStatement("select 1 from pg_database where datname = ?")) {
            ps.setString(1, name);
            try (var rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Flips one byte in place: the size stays, only the content tells. */
    /** One bit of the file's first byte flipped, its mtime kept (flipped twice, the set is as it was). */
    static void flipByte(Path file) throws Exception {
        var mtime = Files.getLastModifiedTime(file);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            int b = f.read();
            f.seek(0);
            f.write(b ^ 0x01);
        }
        Files.setLastModifiedTime(file, mtime);
    }

    /** The drill's part of the health: its reason when DOWN for a drill, else null. */
    String drillHealth() {
        Object reason = health.health().getDetails().get("drill");
        return reason == null ? null : reason.toString();
    }

    double verifiedRestore(String kind) {
        return meters.get("llm.backup.last.verified.restore.timestamp").tag("kind", kind).gauge().value();
    }
}
