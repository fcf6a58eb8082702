package com.llmbackup.api;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.llmbackup.catalog.BackupHistory;
import com.llmbackup.catalog.BackupLog;
import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunObserver;
import com.llmbackup.catalog.RunTrail;
import com.llmbackup.drill.DrillEvidenceStore;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * One run in full, finished or not, for the admin page's run detail: the run as the list serves
 * it; who started it and what operators sent (reason, decision, comments); each process
 * instance of the run (its own and the ones it called) with its BPMN model, its steps and where
 * it failed; a drill's checks; a recovery's report; the backup log's lines of the run.
 *
 * <pre>
 * GET /api/backups/runs/{runId}
 * </pre>
 */
@RestController
class RunDetailController {

    /** Log lines around a run: the log's dates are to the second. */
    private static final Duration LOG_SLACK = Duration.ofSeconds(2);
    private static final int LOG_LINES = 200;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BackupHistory history;
    private final RunObserver observer;
    private final RunTrail trails;
    private final DrillEvidenceStore drills;
    private final BackupLog backupLog;
    private final Clock clock;

    RunDetailController(BackupHistory history, ObjectProvider<RunObserver> observer, ObjectProvider<RunTrail> trails,
                        DrillEvidenceStore drills, BackupLog backupLog, Clock clock) {
        this.history = history;
        this.observer = observer.getIfAvailable(() -> RunObserver.NONE);
        this.trails = trails.getIfAvailable(() -> RunTrail.NONE);
        this.drills = drills;
        this.backupLog = backupLog;
        this.clock = clock;
    }

    @GetMapping("/api/backups/runs/{runId}")
    ResponseEntity<Map<String, Object>> run(@PathVariable long runId, @RequestParam(required = false) String lang,
                                            @RequestHeader(value = HttpHeaders.ACCEPT_LANGUAGE, required = false) String acceptLanguage)
            throws IOException {
        Optional<HistoryEntry> found = history.find(runId);
        if (found.isEmpty()) {
            return ResponseEntity.status(HttpStatus.NOT_FOUND).body(Map.of("error", "No run " + runId + " in the history."));
        }
        HistoryEntry e = found.get();
        Map<String, RunObserver.Observed> observed = BackupHistoryController.observe(observer, List.of(e));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("run", BackupHistoryController.run(e, observed.get(e.processInstanceId()), BackupHistoryController.viewer(history, lang,
                acceptLanguage)));
        Optional<RunTrail.Trail> trail = trails.of(e.processInstanceId());
        body.put("startedBy", trail.map(RunTrail.Trail::startedBy).orElse(null));
        body.put("inputs", trail.map(RunTrail.Trail::inputs).orElse(Map.of()));
        body.put("instances", trail.map(t -> t.instances().stream().map(RunDetailController::instance).toList()).orElse(List.of()));
        body.put("drill", e.kind() == RunKind.DRILL ? drills.find(runId).orElse(null) : null);
        body.put("recovery", e.kind() == RunKind.RECOVERY ? history.report(runId).map(RunDetailController::json).orElse(null) : null);
        Instant end = e.endedAt() == null ? clock.instant() : e.endedAt();
        body.put("log", backupLog.linesBetween(e.startedAt().minus(LOG_SLACK), end.plus(LOG_SLACK), LOG_LINES));
        return ResponseEntity.ok(body);
    }

    private static Map<String, Object> instance(RunTrail.Instance i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("processKey", i.processKey());
        m.put("processInstanceId", i.processInstanceId());
        m.put("calledByInstanceId", i.calledByInstanceId());
        m.put("calledByActivityId", i.calledByActivityId());
        m.put("running", i.running());
        m.put("cockpitUrl", i.running() ? BackupHistoryController.cockpitUrl(i.processInstanceId()) : null);
        m.put("failedActivityIds", i.failedActivityIds());
        List<Map<String, Object>> steps = new ArrayList<>();
        for (RunTrail.Step s : i.steps()) {
            Map<String, Object> step = new LinkedHashMap<>();
            step.put("activityId", s.activityId());
            step.put("name", s.name());
            step.put("type", s.type());
            step.put("startedAt", s.startedAt());
            step.put("endedAt", s.endedAt());
            step.put("durationMillis", s.durationMillis());
            step.put("canceled", s.canceled());
            step.put("assignee", s.assignee());
            step.put("calledProcessInstanceId", s.calledProcessInstanceId());
            steps.add(step);
        }
        m.put("steps", steps);
        m.put("bpmnXml", i.bpmnXml());
        return m;
    }

    private static Object json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            return text; // an unreadable report is still shown, as written
        }
    }
}
