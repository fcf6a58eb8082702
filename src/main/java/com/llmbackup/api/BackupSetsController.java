package com.llmbackup.api;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.Manifest;
import com.llmbackup.catalog.SetEvidence;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Every set on disk, newest first, for the admin page's table of sets (restore, pin, verify).
 * Only the manifests' header fields are read (the catalog's listing leaves the file lists out).
 * The last drill and the offsite copy come from {@link SetEvidence} beans; until the drill and
 * offsite services provide them, both are {@code null}.
 *
 * <pre>
 * GET /api/backups/sets?kind=daily&amp;status=complete&amp;pinned=true&amp;restorable=true
 * </pre>
 */
@RestController
@RequestMapping("/api/backups/sets")
class BackupSetsController {

    /** How the API names a set's status: the catalog's INCOMPLETE is a publish that has not finished. */
    static final Map<BackupSet.Status, String> STATUS = Map.of(BackupSet.Status.COMPLETE, "complete",
            BackupSet.Status.LEGACY, "legacy", BackupSet.Status.INCOMPLETE, "publishing", BackupSet.Status.CORRUPT, "corrupt");
    private static final Pattern PINNED_BY = Pattern.compile("^pinned by (\\S+)$|\\(([^()]+)\\)$");

    private final BackupCatalog catalog;
    private final Clock clock;
    private final SetEvidence.Drills drills;
    private final SetEvidence.OffsiteCopies offsite;

    BackupSetsController(BackupCatalog catalog, Clock clock, ObjectProvider<SetEvidence.Drills> drills,
                         ObjectProvider<SetEvidence.OffsiteCopies> offsite) {
        this.catalog = catalog;
        this.clock = clock;
        this.drills = drills.getIfAvailable(() -> SetEvidence.Drills.NONE);
        this.offsite = offsite.getIfAvailable(() -> SetEvidence.OffsiteCopies.NONE);
    }

    @GetMapping
    ResponseEntity<Map<String, Object>> sets(@RequestParam(required = false) String kind,
                                             @RequestParam(required = false) String status,
                                             @RequestParam(required = false) Boolean pinned,
                                             @RequestParam(required = false) Boolean restorable) {
        BackupKind kindFilter;
        try {
            kindFilter = kind == null ? null : BackupKind.fromDir(kind);
        } catch (IllegalArgumentException e) {
            return bad(e.getMessage());
        }
        if (status != null && !STATUS.containsValue(status.toLowerCase(Locale.ROOT))) {
            return bad("status must be complete, legacy, publishing or corrupt, not '" + status + "'.");
        }
        Instant now = clock.instant();
        List<BackupSet> sets = new ArrayList<>(kindFilter == null ? catalog.list() : catalog.list(kindFilter));
        sets.sort(Comparator.comparing(BackupSet::id).reversed().thenComparing(BackupSet::kind));
        List<Map<String, Object>> items = sets.stream()
                .filter(s -> status == null || STATUS.get(s.status()).equals(status.toLowerCase(Locale.ROOT)))
                .filter(s -> pinned == null || s.pinned() == pinned)
                .filter(s -> restorable == null || s.restorable() == restorable)
                .map(s -> describe(s, now))
                .toList();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("items", items);
        body.put("total", items.size());
        return ResponseEntity.ok(body);
    }

    private Map<String, Object> describe(BackupSet set, Instant now) {
        Manifest m = set.manifest();
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("kind", set.kind().dir());
        item.put("id", set.id().toString());
        item.put("label", set.label());
        item.put("status", STATUS.get(set.status()));
        item.put("restorable", set.restorable());
        List<Map<String, Object>> artifacts = new ArrayList<>();
        Instant writtenAt;
        long bytes = 0;
        if (m != null) {
            writtenAt = m.completedAt() != null ? m.completedAt() : m.startedAt();
            for (Manifest.Artifact a : m.artifacts() == null ? List.<Manifest.Artifact>of() : m.artifacts()) {
                artifacts.add(artifact(a.name(), a.type(), a.size(), a.fileCount()));
                bytes += a.size();
            }
        } else {
            // legacy or corrupt: what the files say (folders are not walked: a listing stays cheap)
            writtenAt = null;
            for (Path file : set.files()) {
                try {
                    boolean regular = Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS);
                    Long size = regular ? Files.size(file) : null;
                    artifacts.add(artifact(file.getFileName().toString(), regular ? Manifest.Artifact.FILE : Manifest.Artifact.DIRECTORY,
                            size, null));
                    bytes += size == null ? 0 : size;
                    Instant modified = Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS).toInstant();
                    writtenAt = writtenAt == null || modified.isAfter(writtenAt) ? modified : writtenAt;
                } catch (IOException e) {
                    artifacts.add(artifact(file.getFileName().toString(), null, null, null));
                }
            }
        }
        item.put("writtenAt", writtenAt);
        item.put("startedAt", m == null ? null : m.startedAt());
        item.put("ageSeconds", writtenAt == null ? null : Duration.between(writtenAt, now).toSeconds());
        item.put("bytes", bytes);
        item.put("artifacts", artifacts);
        item.put("stats", m == null ? null : m.stats());
        item.put("pinned", set.pinned());
        item.put("pinnedReason", set.pinned() ? m.pinnedReason() : null);
        item.put("pinnedBy", set.pinned() ? pinnedBy(m.pinnedReason()) : null);
        item.put("processInstanceId", m == null ? null : m.processInstanceId());
        item.put("problem", set.problem());
        item.put("lastDrill", drills.lastDrill(set.kind(), set.id()).map(d -> {
            Map<String, Object> drill = new LinkedHashMap<>();
            drill.put("status", d.status());
            drill.put("at", d.at());
            drill.put("runId", d.runId());
            return drill;
        }).orElse(null));
        item.put("offsite", offsite.offsite(set.kind(), set.id()).map(o -> {
            Map<String, Object> copy = new LinkedHashMap<>();
            copy.put("state", o.state());
            copy.put("snapshotId", o.snapshotId());
            copy.put("at", o.at());
            return copy;
        }).orElse(null));
        return item;
    }

    /** The pin API writes "pinned by USER" or "REASON (USER)". */
    static String pinnedBy(String reason) {
        if (reason == null) {
            return null;
        }
        Matcher matcher = PINNED_BY.matcher(reason.strip());
        if (!matcher.find()) {
            return null;
        }
        return matcher.group(1) != null ? matcher.group(1) : matcher.group(2);
    }

    private static Map<String, Object> artifact(String name, String type, Long size, Long fileCount) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("name", name);
        a.put("type", type);
        a.put("size", size);
        a.put("fileCount", fileCount);
        return a;
    }

    private static ResponseEntity<Map<String, Object>> bad(String message) {
        return ResponseEntity.status(HttpStatus.BAD_REQUEST).body(Map.of("error", message));
    }
}
