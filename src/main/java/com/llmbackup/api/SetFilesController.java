package com.llmbackup.api;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.catalog.Manifest.FileEntry;
import com.llmbackup.catalog.ManifestFiles;
import com.llmbackup.catalog.RawNames;
import com.llmbackup.catalog.SnapshotCheck;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.config.Text;
import com.llmbackup.config.Texts;
import com.llmbackup.restore.RestorePathsGuard;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The files of the sets (issue 29): a set's file list, paged and searched, and every version of
 * one path across the sets with whether it equals the live file. The file lists are streamed,
 * never read whole: a million-file set costs a walk of its list, not its size in heap.
 *
 * <pre>
 * GET /api/backups/sets/{kind}/{id}/files?prefix=projects/42/&amp;q=report&amp;page=0&amp;size=100
 * GET /api/backups/files?path=projects/42/report.pdf
 * </pre>
 *
 * Its refusals are in the caller's language ({@code lang}, else Accept-Language, else backup.language).
 */
@RestController
class SetFilesController {

    static final int DEFAULT_SIZE = 100;
    static final int MAX_SIZE = 1000;

    private final BackupCatalog catalog;
    private final BackupProperties properties;
    private final Texts texts;

    SetFilesController(BackupCatalog catalog, BackupProperties properties, Texts texts) {
        this.catalog = catalog;
        this.properties = properties;
        this.texts = texts;
    }

    /**
     * A page of a set's entries in path order: those starting with {@code prefix}, and whose
     * path holds {@code q} (ignoring case); {@code total} counts all that match.
     */
    @GetMapping("/api/backups/sets/{kind}/{id}/files")
    ResponseEntity<Map<String, Object>> files(@PathVariable String kind, @PathVariable String id,
                                              @RequestParam(required = false) String prefix, @RequestParam(required = false) String q,
                                              @RequestParam(defaultValue = "0") int page,
                                              @RequestParam(defaultValue = "" + DEFAULT_SIZE) int size,
                                              @RequestParam(required = false) String lang,
                                              @RequestHeader(value = HttpHeaders.ACCEPT_LANGUAGE, required = false) String acceptLanguage) {
        Locale viewer = texts.viewer(lang, acceptLanguage);
        if (page < 0 || size < 1 || size > MAX_SIZE) {
            return error(HttpStatus.BAD_REQUEST, texts.render(Text.of("api.files.page", MAX_SIZE), viewer));
        }
        Optional<BackupSet> found = find(kind, id);
        if (found.isEmpty()) {
            return error(HttpStatus.NOT_FOUND, texts.render(Text.of("api.files.noSet", kind + "/" + id, catalog.root()), viewer));
        }
        BackupSet set = found.get();
        String from = prefix == null ? "" : prefix;
        String needle = q == null || q.isBlank() ? null : q.toLowerCase(Locale.ROOT);
        List<Map<String, Object>> items = new ArrayList<>();
        long total = 0;
        long skip = (long) page * size;
        try (ManifestFiles.Entries entries = catalog.files(set)) {
            boolean inPrefix = false;
            while (entries.hasNext()) {
                FileEntry e = entries.next();
                if (!e.path().startsWith(from) || e.path().equals(".")) {
                    if (inPrefix) {
                        break; // path order keeps a prefix's paths together: nothing after them matches
                    }
                    continue;
                }
                inPrefix = !from.isEmpty();
                if (needle != null && !e.path().toLowerCase(Locale.ROOT).contains(needle)) {
                    continue;
                }
                if (total >= skip && items.size() < size) {
                    items.add(entry(e));
                }
                total++;
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("kind", set.kind().dir());
        body.put("id", set.id().toString());
        body.put("status", BackupSetsController.STATUS.get(set.status()));
        body.put("listed", set.manifest() != null);
        body.put("page", page);
        body.put("size", size);
        body.put("total", total);
        body.put("items", items);
        return ResponseEntity.ok(body);
    }

    /**
     * Every version of {@code path} (relative to the uploads folder) in the sets, newest first,
     * each with whether it equals the live file: size and mtime first, SHA-256 only when they
     * cannot tell.
     */
    @GetMapping("/api/backups/files")
    ResponseEntity<Map<String, Object>> versions(@RequestParam(required = false) String path,
                                                 @RequestParam(required = false) String lang,
                                                 @RequestHeader(value = HttpHeaders.ACCEPT_LANGUAGE, required = false)
                                                 String acceptLanguage) {
        Optional<Text> refusal = RestorePathsGuard.syntax(path == null ? null : List.of(path), "path");
        if (refusal.isPresent()) {
            return error(HttpStatus.BAD_REQUEST, texts.render(refusal.get(), texts.viewer(lang, acceptLanguage)));
        }
        String rel = RestorePathsGuard.normalize(List.of(path)).get(0);
        LiveFile live = LiveFile.read(RawNames.resolve(properties.uploadsDir(), rel));
        List<BackupSet> sets = new ArrayList<>(catalog.list().stream().filter(s -> s.restorable() && s.manifest() != null).toList());
        sets.sort(Comparator.comparing(SetFilesController::writtenAt, Comparator.nullsLast(Comparator.<Instant>reverseOrder()))
                .thenComparing(BackupSet::id, Comparator.reverseOrder()));
        List<Map<String, Object>> versions = new ArrayList<>();
        for (BackupSet set : sets) {
            FileEntry e;
            try (ManifestFiles.Entries entries = catalog.files(set)) {
                e = new ManifestFiles.Cursor(entries).find(rel);
            }
            if (e == null) {
                continue;
            }
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("kind", set.kind().dir());
            v.put("id", set.id().toString());
            v.put("set", set.label());
            v.put("time", writtenAt(set));
            v.putAll(entry(e));
            v.put("equalsLive", live.equalsEntry(e));
            versions.add(v);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("path", rel);
        Map<String, Object> liveBody = new LinkedHashMap<>();
        liveBody.put("exists", live.attributes() != null);
        liveBody.put("size", live.attributes() == null ? null : live.attributes().size());
        liveBody.put("modified", live.attributes() == null ? null : live.attributes().lastModifiedTime().toInstant());
        body.put("live", liveBody);
        body.put("versions", versions);
        return ResponseEntity.ok(body);
    }

    /** The live file, read once; its SHA-256 computed at most once, and only when size and mtime cannot tell. */
    private static final class LiveFile {
        private final Path file;
        private final BasicFileAttributes attributes;
        private String sha256;

        private LiveFile(Path file, BasicFileAttributes attributes) {
            this.file = file;
            this.attributes = attributes;
        }

        static LiveFile read(Path file) {
            try {
                return new LiveFile(file, Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
            } catch (IOException e) {
                return new LiveFile(file, null);
            }
        }

        BasicFileAttributes attributes() {
            return attributes;
        }

        boolean equalsEntry(FileEntry e) {
            if (attributes == null) {
                return false;
            }
            if (FileEntry.DIRECTORY.equals(e.type())) {
                return attributes.isDirectory();
            }
            if (!FileEntry.FILE.equals(e.type()) || !attributes.isRegularFile() || attributes.size() != e.size()) {
                return false;
            }
            if (attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS) == e.mtimeNanos()) {
                return true;
            }
            if (e.sha256() == null) {
                return false;
            }
            try {
                if (sha256 == null) {
                    sha256 = SnapshotCheck.sha256(file, SnapshotCheck.buffer());
                }
                return sha256.equals(e.sha256());
            } catch (IOException ex) {
                return false;
            }
        }
    }

    private Optional<BackupSet> find(String kind, String id) {
        try {
            return catalog.find(BackupKind.fromDir(kind), BackupSetId.parse(id)).filter(BackupSet::restorable);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Instant writtenAt(BackupSet set) {
        if (set.manifest() == null) {
            return null;
        }
        return set.manifest().completedAt() != null ? set.manifest().completedAt() : set.manifest().startedAt();
    }

    private static Map<String, Object> entry(FileEntry e) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("path", e.path());
        item.put("type", e.type());
        item.put("size", FileEntry.DIRECTORY.equals(e.type()) ? null : e.size());
        item.put("modified", Instant.EPOCH.plusNanos(e.mtimeNanos()));
        item.put("sha256", e.sha256());
        return item;
    }

    private static ResponseEntity<Map<String, Object>> error(HttpStatus status, String message) {
        return ResponseEntity.status(status).body(Map.of("error", message));
    }
}
