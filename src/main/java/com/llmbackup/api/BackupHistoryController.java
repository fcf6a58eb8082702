package com.llmbackup.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;

import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupHistory;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunObserver;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.catalog.VolumeUsage;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.config.Text;
import com.llmbackup.config.Texts;
import com.llmbackup.offsite.OffsiteState;
import com.llmbackup.restore.FileRestores;
import com.llmbackup.restore.RestoreUndo;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The backup history and storage use for the web app's admin panel (a machine client:
 * HTTP Basic, like /engine-rest). Field names are stable and documented in docs/api.md.
 *
 * <pre>
 * GET /api/backups?kind=daily&amp;status=FAILED&amp;from=2025-10-01&amp;to=2025-11-01&amp;page=0&amp;size=50
 * GET /api/backups/storage
 * </pre>
 */
@RestController
@RequestMapping("/api/backups")
class BackupHistoryController {

    private static final int MAX_PAGE = 500;
    /** The scheduled processes' keys (bpmn/), whose start timers say when the next set is made. */
    static final String DAILY_PROCESS = "DailyBackupProcess";
    static final String WEEKLY_PROCESS = "WeeklyBackupProcess";

    private final BackupHistory history;
    private final BackupCatalog catalog;
    private final Clock clock;
    private final Duration rpo;
    private final RunObserver observer;
    private final OffsiteState offsite;
    private final RestoreUndo undo;
    private final FileRestores files;

    BackupHistoryController(BackupHistory history, BackupCatalog catalog, Clock clock,
                            BackupProperties properties,
                            ObjectProvider<RunObserver> observer, OffsiteState offsite, RestoreUndo undo, FileRestores files) {
        this.undo = undo;
        this.files = files;
        this.offsite = offsite;
        this.history = history;
        this.observer = observer.getIfAvailable(() -> RunObserver.NONE);
        this.catalog = catalog;
        this.clock = clock;
        this.rpo = properties.rpo();
    }

    @GetMapping
    ResponseEntity<Map<String, Object>> list(@RequestParam(required = false) String lang,
                                             @RequestHeader(value = HttpHeaders.ACCEPT_LANGUAGE, required = false) String acceptLanguage,
                                             @RequestParam(required = false) String kind,
                                             @RequestParam(required = false) String status,
                                             @RequestParam(required = false) String from,
                                             @RequestParam(required = false) String to,
                                             @RequestParam(defaultValue = "0") int page,
                                             @RequestParam(defaultValue = "50") int size) {
        if (page < 0 || size < 1 || size > MAX_PAGE) {
            return bad("page must be 0 or more and size between 1 and " + MAX_PAGE + ".");
        }
        RunStatus statusFilter = null;
        RunKind kindFilter = null;
        try {
            statusFilter = status == null ? null : RunStatus.valueOf(status);
        } catch (IllegalArgumentException e) {
            return bad("status must be " + oneOf(Arrays.stream(RunStatus.values()).map(Enum::name).toList())
                    + ", not '" + status + "'.");
        }
        try {
            kindFilter = kind == null ? null : RunKind.fromLabel(kind);
        } catch (IllegalArgumentException e) {
            return bad("kind must be " + oneOf(Arrays.stream(RunKind.values()).map(RunKind::label).toList())
                    + ", not '" + kind + "'.");
        }
        Instant fromInstant;
        Instant toInstant;
        try {
            fromInstant = from == null ? null : LocalDate.parse(from).atStartOfDay().toInstant(ZoneOffset.UTC);
            toInstant = to == null ? null : LocalDate.parse(to).atStartOfDay().toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            return bad("from and to are dates of the form YYYY-MM-DD (to is exclusive).");
        }
        BackupHistory.Page result = history.page(kindFilter, statusFilter, fromInstant, toInstant, page, size);
        Map<String, Object> body = new LinkedHashMap<>();
        Map<String, RunObserver.Observed> observed = observe(observer, result.items());
        body.put("items", result.items().stream().map(e -> {
            Map<String, Object> item = run(e, observed.get(e.processInstanceId()), viewer(history, lang, acceptLanguage));
            if (e.kind() == RunKind.RESTORE) {
                // a completed restore whose replaced database is still kept: the page offers its undo
                item.put("undoableUntil", undo.undoableUntil(e).orElse(null));
                // a file restore whose replaced versions are still kept (issue 29)
                item.put("filesUndoable", files.undoable(e));
            }
            return item;
        }).toList());
        body.put("page", result.page());
        body.put("size", result.size());
        body.put("total", result.total());
        body.put("offsite", offsite.summary());
        return ResponseEntity.ok(body);
    }

    /** "a, b or c" */
    private static String oneOf(List<String> values) {
        return String.join(", ", values.subList(0, values.size() - 1)) + " or " + values.get(values.size() - 1);
    }

    /**
     * Storage use, the newest set per kind, and bytes written per day; days are those of
     * {@code zone} (the operator's, as the page sends it), else the server's.
     */
    @GetMapping("/storage")
    ResponseEntity<Map<String, Object>> storage(@RequestParam(required = false) String zone) throws IOException {
        ZoneId days;
        try {
            days = zone == null ? clock.getZone() : ZoneId.of(zone);
        } catch (DateTimeException e) {
            return bad("zone must be a time zone id such as Asia/Seoul or UTC, not '" + zone + "'.");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        Map<String, Long> perKind = new LinkedHashMap<>();
        for (BackupKind kind : BackupKind.values()) {
            perKind.put(kind.dir(), diskUse(catalog.kindDir(kind)));
        }
        body.put("root", catalog.root().toString());
        body.put("bytesPerKind", perKind);
        VolumeUsage usage = VolumeUsage.of(catalog.root());
        Map<String, Object> volume = new LinkedHashMap<>();
        volume.put("totalBytes", usage.totalBytes());
        volume.put("freeBytes", usage.freeBytes());
        volume.put("usedPercent", usage.usedPercentExact());
        body.put("volume", volume);
        Instant since = clock.instant().minus(Duration.ofDays(31));
        Map<String, Long> growth = new TreeMap<>();
        Map<String, Map<String, Long>> growthPerKind = new TreeMap<>();
        for (HistoryEntry e : history.page(null, RunStatus.COMPLETED, since, null, 0, MAX_PAGE).items()) {
            if (e.figures().bytes() != null && e.kind() != RunKind.CLEANUP) {
                String day = e.startedAt().atZone(days).toLocalDate().toString();
                growth.merge(day, e.figures().bytes(), Long::sum);
                growthPerKind.computeIfAbsent(day, d -> new TreeMap<>()).merge(e.kind().label(), e.figures().bytes(), Long::sum);
            }
        }
        body.put("zone", days.getId());
        body.put("bytesWrittenPerDay", growth);
        body.put("bytesWrittenPerDayAndKind", growthPerKind);
        // the newest complete set of each kind and its age, against the RPO
        Map<String, Object> newest = new LinkedHashMap<>();
        Instant now = clock.instant();
        for (BackupKind kind : BackupKind.values()) {
            catalog.newestComplete(kind).ifPresent(set -> {
                Map<String, Object> n = new LinkedHashMap<>();
                Instant at = set.manifest().completedAt();
                n.put("backupId", set.id().toString());
                n.put("completedAt", at);
                n.put("ageSeconds", at == null ? null : Duration.between(at, now).toSeconds());
                n.put("withinRpo", at != null && Duration.between(at, now).compareTo(rpo) <= 0);
                newest.put(kind.dir(), n);
            });
        }
        body.put("newest", newest);
        // a fresh install has no set yet: when the schedule makes the first one
        Map<String, Object> next = new LinkedHashMap<>();
        next.put(BackupKind.DAILY.dir(), observer.nextStart(DAILY_PROCESS).orElse(null));
        next.put(BackupKind.WEEKLY.dir(), observer.nextStart(WEEKLY_PROCESS).orElse(null));
        body.put("nextScheduled", next);
        body.put("rpoSeconds", rpo.toSeconds());
        body.put("offsite", offsite.summary());
        return ResponseEntity.ok(body);
    }

    /**
     * What the engine says of the open runs among these, and of the failed ones (an incident
     * records the row FAILED while the instance waits in Cockpit for a retry).
     */
    static Map<String, RunObserver.Observed> observe(RunObserver observer, List<HistoryEntry> entries) {
        List<String> ids = entries.stream().filter(e -> e.status().open() || e.status() == RunStatus.FAILED)
                .map(HistoryEntry::processInstanceId).filter(Objects::nonNull).distinct().toList();
        return ids.isEmpty() ? new HashMap<>() : new HashMap<>(observer.observe(ids));
    }

    /** What a run is now: an open one as the engine sees it; a failed one still in its incident; else its status. */
    static String state(HistoryEntry e, RunObserver.Observed observed) {
        if (observed == null) {
            return e.status().name();
        }
        if (e.status().open() || (e.status() == RunStatus.FAILED && observed.state() == RunObserver.LiveState.INCIDENT)) {
            return observed.state().name();
        }
        return e.status().name();
    }

    /**
     * One run as served. {@code status} is what the history stores; {@code state} is what the run
     * is now (WAITING_FOR_APPROVAL, WAITING_FOR_OPERATOR, INCIDENT, ABANDONED) or the status.
     */
    /** How the page's texts are rendered: in the viewer's language ({@code lang}, else Accept-Language, else backup.language). */
    static Function<Text, String> viewer(BackupHistory history, String lang, String acceptLanguage) {
        Texts texts = history.texts();
        Locale locale = texts.viewer(lang, acceptLanguage);
        return text -> texts.render(text, locale);
    }

    static Map<String, Object> run(HistoryEntry e, RunObserver.Observed observed, Function<Text, String> viewer) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("runId", e.id());
        m.put("kind", e.kind());
        m.put("backupId", e.backupId());
        m.put("status", e.status());
        String state = state(e, observed);
        // what the engine said applies: an open run, or a failed one still in its incident
        boolean seen = observed != null && (e.status().open() || state.equals(RunObserver.LiveState.INCIDENT.name()));
        m.put("state", state);
        m.put("stateDetail", seen ? viewer.apply(observed.detail()) : null);
        m.put("taskUrl", seen && observed.taskId() != null ? tasklistUrl(observed.taskId()) : null);
        m.put("processInstanceId", e.processInstanceId());
        m.put("cockpitUrl", instanceRuns(e, observed) ? cockpitUrl(e.processInstanceId()) : null);
        m.put("detailUrl", detailUrl(e.id()));
        m.put("startedAt", e.startedAt());
        m.put("endedAt", e.endedAt());
        m.put("durationSeconds", e.endedAt() == null ? null : Duration.between(e.startedAt(), e.endedAt()).toSeconds());
        m.put("bytes", e.figures().bytes());
        m.put("fileCount", e.figures().fileCount());
        m.put("filesCopied", e.figures().filesCopied());
        m.put("filesLinked", e.figures().filesLinked());
        m.put("failedStep", e.problems().failedStep());
        m.put("interruptedStep", e.problems().interruptedStep());
        // a message stored with its key is shown in the viewer's language; an older one (or an exception's words) as stored
        m.put("message", e.text() != null ? viewer.apply(e.text()) : e.message());
        m.put("warnings", e.problems().warnings() == null ? List.of() : List.of(e.problems().warnings().split("\n")));
        m.put("requestedBy", e.request().requestedBy());
        m.put("approvedBy", e.request().approvedBy());
        m.put("source", e.request().source());
        m.put("details", e.request().detailLines(viewer));
        m.put("rtoSeconds", e.figures().rtoMillis() == null ? null : e.figures().rtoMillis() / 1000.0);
        Map<String, Object> copy = new LinkedHashMap<>();
        copy.put("snapshotId", e.offsite().snapshotId());
        copy.put("bytesSent", e.offsite().bytesSent());
        copy.put("filesRead", e.offsite().filesRead());
        copy.put("filesUnchanged", e.offsite().filesUnchanged());
        m.put("offsite", copy);
        Map<String, Object> progress = new LinkedHashMap<>();
        progress.put("filesDone", e.progress().filesDone());
        progress.put("filesTotal", e.progress().filesTotal());
        progress.put("bytesDone", e.progress().bytesDone());
        progress.put("bytesTotal", e.progress().bytesTotal());
        m.put("progress", progress);
        return m;
    }

    /**
     * Whether the run's instance still runs: an open run whose instance the engine did not find
     * gone, or a failed one in its incident. Cockpit's Community Edition shows nothing else.
     */
    static boolean instanceRuns(HistoryEntry e, RunObserver.Observed observed) {
        if (e.processInstanceId() == null) {
            return false;
        }
        if (e.status().open()) {
            return observed == null || observed.instanceRuns();
        }
        return e.status() == RunStatus.FAILED && observed != null && observed.state() == RunObserver.LiveState.INCIDENT;
    }

    static String cockpitUrl(String processInstanceId) {
        return "/camunda/app/cockpit/default/#/process-instance/" + processInstanceId;
    }

    /** The run's detail on the admin page (steps, diagram, people, log), for every run, finished or not. */
    static String detailUrl(long runId) {
        return "/admin/index.html#run=" + runId;
    }

    static String tasklistUrl(String taskId) {
        return "/camunda/app/tasklist/default/#/?task=" + taskId;
    }

    /** Bytes on disk under a folder, each hard-linked file counted once (as du does). */
    private static long diskUse(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        Set<Object> seen = new HashSet<>();
        long[] bytes = new long[1];
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).forEach(p -> {
                try {
                    if (seen.add(Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS))) {
                        bytes[0] += Files.size(p);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return bytes[0];
    }

    private static ResponseEntity<Map<String, Object>> bad(String message) {
        return ResponseEntity.status(HttpStatus.BAD_REQUEST).body(Map.of("error", message));
    }
}
