package com.llmbackup.drill;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The drills' evidence ({@code drill_evidence}, one JSON document per drilled set, keyed by its
 * history row), written in a transaction of its own like the history, so it is readable at once
 * and survives the rollback of the step that wrote it.
 */
@Component
public class DrillEvidenceStore {

    static final ObjectMapper JSON = JsonMapper.builder().findAndAddModules().disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();

    private final JdbcTemplate jdbc;
    private final TransactionTemplate ownTransaction;
    private final Clock clock;

    DrillEvidenceStore(JdbcTemplate jdbc, PlatformTransactionManager transactions, Clock clock) {
        this.jdbc = jdbc;
        this.ownTransaction = new TransactionTemplate(transactions);
        this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.clock = clock;
    }

    void save(DrillEvidence evidence) {
        String json;
        try {
            json = JSON.writeValueAsString(evidence);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        Timestamp now = Timestamp.from(clock.instant());
        ownTransaction.executeWithoutResult(tx -> {
            if (jdbc.update("update drill_evidence set evidence = ?, updated_at = ? where run_id = ?", json, now, evidence.runId()) == 0) {
                jdbc.update("insert into drill_evidence (run_id, evidence, updated_at) values (?, ?, ?)", evidence.runId(), json, now);
            }
        });
    }

    public Optional<DrillEvidence> find(long runId) {
        return jdbc.query("select evidence from drill_evidence where run_id = ?", (rs, row) -> read(rs.getString(1)), runId)
                .stream().findFirst();
    }

    /** The newest evidence first. */
    public List<DrillEvidence> list(int limit, int offset) {
        return jdbc.query("select evidence from drill_evidence order by run_id desc limit ? offset ?", (rs, row) -> read(rs.getString(1)),
                limit, offset);
    }

    public long count() {
        Long n = jdbc.queryForObject("select count(*) from drill_evidence", Long.class);
        return n == null ? 0 : n;
    }

    private static DrillEvidence read(String json) {
        try {
            return JSON.readValue(json, DrillEvidence.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable drill evidence: " + e.getMessage(), e);
        }
    }
}
