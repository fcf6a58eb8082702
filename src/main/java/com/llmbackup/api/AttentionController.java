package com.llmbackup.api;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import com.llmbackup.catalog.BackupHistory;
import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunObserver;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.config.Text;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpHeaders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * "What needs me now", the top of the admin page: the open operator tasks (approvals, failed or
 * interrupted restores, DR steps) with who asked and a Tasklist link; the open runs with their
 * real state, progress and an estimated end; per kind, the last failure no success followed.
 *
 * <pre>
 * GET /api/backups/attention
 * </pre>
 */
@RestController
class AttentionController {

    private static final int OPEN_RUNS = 100;

    private final BackupHistory history;
    private final RunObserver observer;
    private final Clock clock;

    AttentionController(BackupHistory history, ObjectProvider<RunObserver> observer, Clock clock) {
        this.history = history;
        this.observer = observer.getIfAvailable(() -> RunObserver.NONE);
        this.clock = clock;
    }

    @GetMapping("/api/backups/attention")
    Map<String, Object> attention(@RequestParam(required = false) String lang,
                                  @RequestHeader(value = HttpHeaders.ACCEPT_LANGUAGE, required = false) String acceptLanguage) {
        Function<Text, String> viewer = BackupHistoryController.viewer(history, lang, acceptLanguage);
        Instant now = clock.instant();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("tasks", observer.operatorTasks().stream().map(AttentionController::task).toList());
        List<HistoryEntry> open = new ArrayList<>();
        for (RunStatus status : RunStatus.values()) {
            if (status.open()) {
                open.addAll(history.page(null, status, null, null, 0, OPEN_RUNS).items());
            }
        }
        List<HistoryEntry> failed = new ArrayList<>();
        for (RunKind kind : RunKind.values()) {
            history.unresolvedFailure(kind).ifPresent(failed::add);
        }
        List<HistoryEntry> all = new ArrayList<>(open);
        all.addAll(failed);
        Map<String, RunObserver.Observed> observed = BackupHistoryController.observe(observer, all);
        body.put("running", open.stream().map(e -> {
            Map<String, Object> run = BackupHistoryController.run(e, observed.get(e.processInstanceId()), viewer);
            Instant end = Eta.estimate(e.startedAt(), now, e.progress().bytesDone(), e.progress().bytesTotal()).orElse(null);
            run.put("estimatedEndAt", end);
            run.put("remainingSeconds", end == null ? null : Duration.between(now, end).toSeconds());
            return run;
        }).toList());
        body.put("unresolvedFailures", failed.stream().map(e -> BackupHistoryController.run(e, observed.get(e.processInstanceId()), viewer)).toList());
        return body;
    }

    private static Map<String, Object> task(RunObserver.OperatorTask t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("taskId", t.taskId());
        m.put("name", t.name());
        m.put("taskKey", t.taskKey());
        m.put("processKey", t.processKey());
        m.put("processInstanceId", t.processInstanceId());
        m.put("created", t.created());
        m.put("assignee", t.assignee());
        m.put("requestedBy", t.requestedBy());
        m.put("backupKind", t.backupKind());
        m.put("backupId", t.backupId());
        m.put("tasklistUrl", BackupHistoryController.tasklistUrl(t.taskId()));
        m.put("cockpitUrl", t.processInstanceId() == null ? null : BackupHistoryController.cockpitUrl(t.processInstanceId()));
        return m;
    }
}
