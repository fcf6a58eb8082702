package com.llmbackup.process.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;

import java.nio.file.Files;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Date;
import java.util.List;
import java.util.Map;

import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.catalog.Trees;
import com.llmbackup.drill.DrillService;
import com.llmbackup.test.FileTrees;
import org.assertj.core.api.Assertions;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** The drill's lock paths (waits for a busy lock, gives up after backup.lock.max-wait), its timer, and leftovers of an abandoned drill. */
class RestoreDrillLockTests extends AbstractDrillProcessTests {

    @Autowired
    DrillService drills;

    @Test
    void drillWhenAnotherDrillHoldsTheLockWaitsThenPassesOrGivesUp() throws Exception {
        backup("DailyBackupProcess");
        ProcessInstance first = holdingTheLock();
        ProcessInstance waiting = runtime.startProcessInstanceByKey("RestoreDrillProcess", Map.of("backupKind", "daily"));
        ProcessInstance givesUp = runtime.startProcessInstanceByKey("RestoreDrillProcess", Map.of("backupKind", "daily"));
        runJobs(waiting);
        runJobs(givesUp);
        assertThat(waiting).isWaitingAt("Event_WaitForDrillLock");
        assertThat(givesUp).isWaitingAt("Event_WaitForDrillLock");
        assertThat(drillRows(waiting)).as("no row before the lock: nothing chosen yet").isEmpty();

        runJobs(first);
        assertThat(first).isEnded().hasPassed("EndEvent_DrillPassed");
        assertThat(leases.current()).isEmpty();
        // backup.lock.retry-interval (1m) later the waiting drill tries again and gets the lock
        ClockUtil.setCurrentTime(Date.from(ClockUtil.getCurrentTime().toInstant().plusSeconds(61)));
        runJobs(waiting);
        assertThat(waiting).isEnded().hasPassed("Event_WaitForDrillLock", "Task_RestoreDrillSet", "EndEvent_DrillPassed");

        // past backup.lock.max-wait (10m) with the lock held again: the last one gives up
        ProcessInstance holder = holdingTheLock();
        ClockUtil.setCurrentTime(Date.from(ClockUtil.getCurrentTime().toInstant().plusSeconds(10 * 60)));
        runJobs(givesUp);
        assertThat(givesUp).isEnded().hasPassed("Task_RecordDrillFailure", "EndEvent_DrillNotStarted").hasNotPassed("Task_SelectDrillSets");
        HistoryEntry refused = drillRows(givesUp).get(0);
        assertThat(refused.status()).isEqualTo(RunStatus.FAILED);
        assertThat(refused.request().source()).isEqualTo("daily");
        assertThat(refused.problems().failedStep()).isEqualTo("Task_TakeDrillLock");
        assertThat(refused.message()).startsWith("Gave up waiting for the lock on the backup root after 10m (backup.lock.max-wait): run "
                + holder.getId() + " (drill) has held it since ");
        assertThat(awaitAlert(givesUp.getId()).get("failedStep").asText()).isEqualTo("Task_TakeDrillLock");
        assertThat(leases.current()).as("the holder keeps its lock").hasValueSatisfying(l -> assertThat(l.owner()).isEqualTo(holder.getId()));
        runJobs(holder);
        assertThat(holder).isEnded().hasPassed("EndEvent_DrillPassed");
    }

    /** A drill stopped right after it took the lock. */
    private ProcessInstance holdingTheLock() {
        ProcessInstance drill = runtime.startProcessInstanceByKey("RestoreDrillProcess", Map.of("backupKind", "daily"));
        executeUntil(drill, "Task_SelectDrillSets");
        assertThat(leases.current()).hasValueSatisfying(l -> assertThat(l.owner()).isEqualTo(drill.getId()));
        return drill;
    }

    @Test
    void drillWhenAnEarlierDrillWasAbandonedMidwayRemovesItsScratchOnly() throws Exception {
        HistoryEntry daily = backup("DailyBackupProcess");
        ProcessInstance abandoned = runtime.startProcessInstanceByKey("RestoreDrillProcess", Map.of("backupId", daily.backupId()));
        executeUntil(abandoned, "Task_RestoreDrillSet");
        Job restore = jobsOf(abandoned).get(0);
        management.executeJob(restore.getId());
        long abandonedRun = drillRows(abandoned).get(0).id();
        assertThat(databaseExists("llm_backup_drill_" + abandonedRun)).isTrue();
        assertThat(Files.isDirectory(SCRATCH.resolve("drill-" + abandonedRun))).isTrue();
        // the orchestrator "died": the instance is gone, its scratch and lease stay
        runtime.deleteProcessInstance(abandoned.getId(), "orchestrator lost");
        // an operator's side-by-side copies, one even named like the drill's but for a restore's row, and production
        long restoreRun = history.start(RunKind.RESTORE, "pi-operator");
        PG.execute("postgres", "create database llm_webapp_check", "create database llm_backup_drill_" + restoreRun);
        FileTrees.write(SCRATCH.resolve("uploads-check"), Map.of("a.txt", "a"));
        FileTrees.write(SCRATCH.resolve("drill-" + restoreRun), Map.of("b.txt", "b"));
        try {
            ProcessInstance next = drill(Map.of("backupId", daily.backupId()));

            assertThat(next).isEnded().hasPassed("EndEvent_DrillPassed");
            assertThat(databaseExists("llm_backup_drill_" + abandonedRun)).as("the abandoned drill's database").isFalse();
            assertThat(Files.exists(SCRATCH.resolve("drill-" + abandonedRun))).as("the abandoned drill's folder").isFalse();
            assertThat(databaseExists("llm_webapp_check")).isTrue();
            assertThat(databaseExists("llm_backup_drill_" + restoreRun)).isTrue();
            assertThat(databaseExists(DATABASE)).isTrue();
            assertThat(FileTrees.describe(SCRATCH.resolve("uploads-check"))).containsKey("a.txt");
            assertThat(FileTrees.describe(SCRATCH.resolve("drill-" + restoreRun))).containsKey("b.txt");
            assertThat(Files.readString(DIR.resolve("llm-backup.log"))).contains("Restore drill: removed leftovers of earlier drills: "
                    + "database llm_backup_drill_" + abandonedRun + ", folder " + SCRATCH.resolve("drill-" + abandonedRun));
            HistoryEntry gone = history.find(abandonedRun).orElseThrow();
            assertThat(gone.status()).as("the abandoned row does not run for ever").isEqualTo(RunStatus.FAILED);
            assertThat(gone.message()).isEqualTo("The drill's process instance " + abandoned.getId() + " no longer exists (deleted, or its "
                    + "orchestrator's data lost): the set was not drilled.");
        } finally {
            PG.execute("postgres", "drop database if exists llm_webapp_check", "drop database if exists llm_backup_drill_" + restoreRun);
            Trees.delete(SCRATCH.resolve("uploads-check"));
            Trees.delete(SCRATCH.resolve("drill-" + restoreRun));
            history.end(restoreRun, RunStatus.REFUSED, "test row");
        }
    }

    @Test
    void drillStepsWhenGivenARowNotTheirOwnRefuseAndTouchNothing() throws Exception {
        HistoryEntry daily = backup("DailyBackupProcess");
        // the lock holder's drillRunId changed (Cockpit edits variables): another drill's row, a backup's row
        ProcessInstance holder = holdingTheLock();
        executeUntil(holder, "Task_RestoreDrillSet");
        long foreign = history.start(RunKind.DRILL, "pi-foreign");
        PG.execute("postgres", "create database llm_backup_drill_" + foreign, "create database llm_backup_drill_" + daily.id());
        FileTrees.write(SCRATCH.resolve("drill-" + foreign), Map.of("a.txt", "a"));
        try {
            for (long run : List.of(foreign, daily.id())) {
                String why = "History row " + run + " is not a drill row of run " + holder.getId() + ": nothing was changed.";
                Assertions.assertThatThrownBy(() -> drills.drill(run, holder.getId())).hasMessage(why);
                Assertions.assertThatThrownBy(() -> drills.removeScratch(run, holder.getId())).hasMessage(why);
                Assertions.assertThatThrownBy(() -> drills.record(run, holder.getId())).hasMessage(why);
                assertThat(databaseExists("llm_backup_drill_" + run)).isTrue();
            }
            assertThat(FileTrees.describe(SCRATCH.resolve("drill-" + foreign))).containsKey("a.txt");
            assertThat(history.find(daily.id()).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
            assertThat(history.find(foreign).orElseThrow().status().open()).isTrue();
            runJobs(holder);
            assertThat(holder).isEnded().hasPassed("EndEvent_DrillPassed");
        } finally {
            PG.execute("postgres", "drop database if exists llm_backup_drill_" + foreign, "drop database if exists llm_backup_drill_" + daily.id());
            Trees.delete(SCRATCH.resolve("drill-" + foreign));
            history.fail(foreign, "Task_RestoreDrillSet", "test row");
        }
    }

    @Test
    void removeLeftoversWhenRunAtStartUpRemovesOnlyEndedDrillsScratch() throws Exception {
        backup("DailyBackupProcess");
        // an ended drill whose scratch survived (its orchestrator died between restore and removal, the row was failed since)
        long ended = history.start(RunKind.DRILL, "pi-ended");
        history.fail(ended, "Task_RestoreDrillSet", "test: orchestrator lost");
        // a drill going on elsewhere: its instance is not known to have ended (an incident, another orchestrator)
        ProcessInstance going = holdingTheLock();
        executeUntil(going, "Task_RestoreDrillSet");
        long goingRun = drillRows(going).get(0).id();
        PG.execute("postgres", "create database llm_backup_drill_" + ended, "create database llm_backup_drill_" + goingRun);
        FileTrees.write(SCRATCH.resolve("drill-" + ended), Map.of("a.txt", "a"));

        assertThat(drills.removeLeftovers()).as("what start-up runs")
                .containsExactly("database llm_backup_drill_" + ended, "folder " + SCRATCH.resolve("drill-" + ended));

        assertThat(databaseExists("llm_backup_drill_" + goingRun)).isTrue();
        runJobs(going); // its own step starts clean: it drops the database it finds under its name, restores, removes
        assertThat(going).isEnded().hasPassed("EndEvent_DrillPassed");
        assertThat(databaseExists("llm_backup_drill_" + goingRun)).isFalse();
    }

    @Test
    void timerWhenDeployedIsDueOnTheFirstDayOfAQuarterAtFour() {
        List<Job> timers = management.createJobQuery().processDefinitionKey("RestoreDrillProcess").timers().list().stream()
                .filter(j -> j.getProcessInstanceId() == null).toList();
        assertThat(timers).hasSize(1);
        ZonedDateTime due = timers.get(0).getDuedate().toInstant().atZone(ZoneId.systemDefault());
        assertThat(due.getMonthValue()).isIn(1, 4, 7, 10);
        assertThat(due.getDayOfMonth()).isEqualTo(1);
        assertThat(due.getHour()).isEqualTo(4);
        assertThat(due.getMinute()).isZero();
    }
}
