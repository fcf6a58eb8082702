package com.llmbackup.process.cleanup;

import static org.assertj.core.api.Assertions.assertThat;

import com.llmbackup.process.AbstractBackupProcessTests;
import com.llmbackup.retention.RetentionRules.Facts;
import com.llmbackup.retention.RetentionRules.Verdict;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** One test per row of {@code dmn/RetentionDecision.dmn}, evaluated by the real engine. */
class RetentionDecisionTests extends AbstractBackupProcessTests {

    @Autowired
    DmnRetentionRules rules;

    private Verdict decide(String kind, String status, boolean pinned, long age, int newerFulls, boolean newest) {
        return decide(kind, status, pinned, age, newerFulls, newest, false);
    }

    private Verdict decide(String kind, String status, boolean pinned, long age, int newerFulls, boolean newest, boolean future) {
        return rules.decide(new Facts(kind, status, pinned, pinned ? "before the upgrade to v2" : null, null, age, newerFulls, newest,
                future, 30, 4));
    }

    @Test
    void pinnedSetIsKeptWhatever() {
        assertThat(decide("daily", "complete", true, 400, 9, false))
                .isEqualTo(new Verdict("keep", "Pinned by an operator: before the upgrade to v2"));
    }

    @Test
    void setAnOpenRestoreNeedsIsKeptNamingTheRestore() {
        assertThat(rules.decide(new Facts("safety", "complete", true, null, "needed by restore run 7 (WAITING_FOR_OPERATOR, process instance pi-7)",
                400, 9, false, false, 30, 4))).isEqualTo(new Verdict("keep", "Kept: needed by restore run 7 (WAITING_FOR_OPERATOR, process instance pi-7)."));
    }

    @Test
    void corruptSetIsKeptForInspection() {
        assertThat(decide("daily", "corrupt", false, 400, 0, false)).isEqualTo(new Verdict("keep",
                "Its manifest cannot be read: inspect it by hand; such a set is never deleted automatically."));
    }

    @Test
    void setDatedLaterThanTheClockIsKeptAsNeitherYoungNorNewest() {
        String reason = "Dated later than this orchestrator's clock: made under a clock that was ahead, or this clock is behind. "
                + "Its age is unknown: kept, never counted as young or as the newest; once the clock is checked, move it out of the "
                + "backup root by hand.";
        assertThat(decide("daily", "complete", false, -3652, 0, false, true)).isEqualTo(new Verdict("keep", reason));
        assertThat(decide("weekly", "complete", false, 0, 0, false, true)).isEqualTo(new Verdict("keep", reason));
        assertThat(decide("daily", "incomplete", false, -1, 0, false, true).reason()).isEqualTo(reason);
        assertThat(decide("daily", "complete", true, -3652, 0, false, true).reason()).startsWith("Pinned by an operator");
    }

    @Test
    void newestCompleteOfKindIsKeptEvenWhenOld() {
        assertThat(decide("daily", "complete", false, 40, 0, true)).isEqualTo(new Verdict("keep", "The newest complete daily backup."));
    }

    @Test
    void fourNewestFullBackupsAreKeptWhateverAge() {
        assertThat(decide("weekly", "complete", false, 60, 3, false))
                .isEqualTo(new Verdict("keep", "One of the 4 newest complete full backups."));
        assertThat(decide("weekly", "legacy", false, 60, 2, false).action()).isEqualTo("keep");
    }

    @Test
    void setOlderThanRetentionIsDeleted() {
        assertThat(decide("weekly", "complete", false, 31, 4, false)).isEqualTo(new Verdict("delete", "Older than 30 days (31 days old)."));
        assertThat(decide("daily", "legacy", false, 45, 0, false).action()).isEqualTo("delete");
    }

    @Test
    void incompleteSetFromEarlierDayIsDeleted() {
        assertThat(decide("daily", "incomplete", false, 1, 0, false)).isEqualTo(new Verdict("delete", "An unfinished backup from an earlier day."));
    }

    @Test
    void incompleteSetFromTodayIsKept() {
        assertThat(decide("daily", "incomplete", false, 0, 0, false))
                .isEqualTo(new Verdict("keep", "An unfinished backup from today: it may still be running."));
    }

    @Test
    void youngSetIsKept() {
        assertThat(decide("daily", "complete", false, 30, 0, false)).isEqualTo(new Verdict("keep", "Within the 30 days kept."));
    }

    private Verdict wal(boolean needed, boolean baseRetained, long age) {
        return rules.decide(new Facts("wal", "complete", false, null, null, age, 0, false, false, 30, 4, needed, baseRetained, 0,
                baseRetained ? "weekly/20251109" : null));
    }

    @Test
    void walNeededByRetainedBaseBackupIsKeptWhateverAge() {
        assertThat(wal(true, true, 45)).isEqualTo(new Verdict("keep", "Needed to recover from base backup weekly/20251109 on."));
    }

    @Test
    void walBeforeOldestRetainedBaseBackupIsDeletedNamingIt() {
        assertThat(wal(false, true, 2)).isEqualTo(new Verdict("delete",
                "Older than the oldest retained base backup (weekly/20251109): no recovery starts before it."));
    }

    @Test
    void walOlderThanRetentionIsDeletedWhenNoBaseBackupIsRetained() {
        assertThat(wal(false, false, 31)).isEqualTo(new Verdict("delete",
                "Older than 30 days (31 days old), and no retained base backup can use it."));
    }

    @Test
    void youngWalIsKeptWhenNoBaseBackupIsRetainedYet() {
        assertThat(wal(false, false, 30)).isEqualTo(new Verdict("keep", "No base backup is retained yet: WAL of the last 30 days is kept."));
    }

    @Test
    void fourNewestBaseBackupsAreKeptWhenOlderThanRetentionAndNotAmongFourNewestFulls() {
        // weeklies without a base backup (streaming was off) are newer: the floor holds for base backups too
        assertThat(rules.decide(new Facts("weekly", "complete", false, null, null, 60, 6, false, false, 30, 4, false, true, 3, null)))
                .isEqualTo(new Verdict("keep", "One of the 4 newest base backups: the recovery window starts at the oldest."));
        assertThat(rules.decide(new Facts("weekly", "complete", false, null, null, 60, 6, false, false, 30, 4, false, true, 4, null)).action())
                .isEqualTo("delete");
    }

    @Test
    void evaluationIsRecordedInDecisionHistory() {
        long before = engine.getHistoryService().createHistoricDecisionInstanceQuery().decisionDefinitionKey("RetentionDecision").count();

        decide("daily", "complete", false, 3, 0, false);

        assertThat(engine.getHistoryService().createHistoricDecisionInstanceQuery().decisionDefinitionKey("RetentionDecision").count())
                .isEqualTo(before + 1);
    }
}
