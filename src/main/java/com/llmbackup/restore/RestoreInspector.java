package com.llmbackup.restore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.catalog.CorruptManifestException;
import com.llmbackup.catalog.LeaseManager;
import com.llmbackup.catalog.Manifest;
import com.llmbackup.catalog.ManifestFiles;
import com.llmbackup.catalog.RawNames;
import com.llmbackup.catalog.Sizes;
import com.llmbackup.catalog.SnapshotCheck;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.config.Text;
import com.llmbackup.config.Texts;
import com.llmbackup.docker.ComposeServices;
import com.llmbackup.offsite.OffsiteException;
import com.llmbackup.offsite.OffsiteRepository;
import com.llmbackup.postgres.DatabaseDumper;
import com.llmbackup.postgres.DatabaseNames;
import com.llmbackup.postgres.DatabaseRestorer;
import com.llmbackup.postgres.DumpInvalidException;
import com.llmbackup.uploads.ArchiveInvalidException;
import com.llmbackup.uploads.UploadsRestorer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * What the restore's guard looks at: finds the set a request names (fetched from offsite when
 * only there) and gathers the facts the pure {@link RestoreGuard} judges (the set's artifacts
 * against the manifest's SHA-256, {@code pg_restore --list}, the archive's entries, the
 * snapshot's files, the targets, the compose services), and writes the approval text
 * ({@link ApprovalText}). Nothing is changed. The approved plan is then {@link FrozenPlans}'; the
 * steps are {@link RestoreExecutor}'s, what they record {@link RestoreRecorder}'s.
 */
@Service
public class RestoreInspector {

    private static final Logger log = LoggerFactory.getLogger(RestoreInspector.class);

    private final BackupProperties properties;
    private final BackupCatalog catalog;
    private final LeaseManager leases;
    private final DatabaseDumper dumper;
    private final DatabaseRestorer databases;
    private final UploadsRestorer uploads;
    private final ComposeServices compose;
    private final Clock clock;
    private final OffsiteRepository offsite;
    private final DatabaseSpace space;

    private final Texts texts;

    public RestoreInspector(BackupProperties properties, BackupCatalog catalog, LeaseManager leases, DatabaseDumper dumper,
                            DatabaseRestorer databases, UploadsRestorer uploads, ComposeServices compose, Clock clock,
                            OffsiteRepository offsite, DatabaseSpace space) {
        this.offsite = offsite;
        this.space = space;
        this.properties = properties;
        this.catalog = catalog;
        this.leases = leases;
        this.dumper = dumper;
        this.databases = databases;
        this.uploads = uploads;
        this.compose = compose;
        this.clock = clock;
        // the approver's facts in backup.language: built here, not injected, so the constructor stays as callers know it
        this.texts = Texts.of(properties.language());
    }

    /**
     * The guard: the set exists and is complete or legacy, its artifacts match the
     * manifest's SHA-256, {@code pg_restore --list} reads the dump, an archive holds no
     * entry that could write outside the uploads folder, a side-by-side target is new.
     * Nothing is changed; the answer says what a restore would replace and lose.
     */
    public RestorePlan inspect(RestoreRequest request) {
        Source source = resolve(request);
        BackupSet set = source.set();
        checkTargets(request);
        if (!request.sideBySide()) {
            checkServicesFound(request);
        }
        Instant backupTime = backupTime(source);
        long dumpBytes = 0;
        int tocEntries = 0;
        ApprovalText.Database database = ApprovalText.Database.NONE;
        if (request.restoreDatabase()) {
            dumpBytes = requireFile(source.dump(), set, "dump");
            checkSha(set, source.dump());
            checkGlobals(set, source.globals());
            try {
                tocEntries = dumper.verify(source.dump());
            } catch (DumpInvalidException e) {
                throw refused(e.getMessage() + ". The dump of " + set.label() + " is damaged: restore another set.", e);
            }
            database = databaseFacts(request, source, dumpBytes);
        }
        long uploadsFiles = 0;
        long uploadsBytes = 0;
        if (request.restoreUploads()) {
            if (set.kind().archivesUploads()) {
                uploadsBytes = requireFile(source.uploads(), set, "uploads archive");
                UploadsRestorer.Scan scan;
                try {
                    scan = uploads.scanArchive(source.uploads(), archivePrefixes());
                } catch (ArchiveInvalidException e) {
                    throw refused(e.getMessage(), e);
                }
                expectSha(set, source.uploads(), scan.sha256());
                uploadsFiles = scan.files();
            } else {
                if (!Files.isDirectory(source.uploads(), LinkOption.NOFOLLOW_LINKS)) {
                    throw refused("Set " + set.label() + " has no uploads snapshot (" + source.uploads().getFileName()
                            + " is missing). Restore the database only (restoreUploads=false) or choose another set.", null);
                }
                long[] figures = checkSnapshot(source);
                uploadsFiles = figures[0];
                uploadsBytes = figures[1];
            }
        }
        return ApprovalText.describe(request, new ApprovalText.Facts(set, source.dump().getFileName().toString(),
                source.uploads().getFileName().toString(), backupTime, clock.instant(), properties.displayZoneId(), dumpBytes, tocEntries,
                uploadsFiles, uploadsBytes, request.sideBySide() || !request.restoreDatabase() ? null : currentDatabase(),
                properties.uploadsDir(), request.sideBySide() || !request.restoreUploads() ? 0 : countFiles(properties.uploadsDir()),
                properties.compose().serviceList(), properties.compose().project(), database), texts);
    }

    /** The set's facts for a restore of chosen files (issue 29): no dump, no services, no walk of the live folder. */
    RestorePlan inspectFiles(RestoreRequest request) {
        Source source = resolve(request);
        return ApprovalText.describe(request, new ApprovalText.Facts(source.set(), source.dump().getFileName().toString(),
                source.uploads().getFileName().toString(), backupTime(source), clock.instant(), properties.displayZoneId(), 0, 0, 0, 0,
                null, properties.uploadsDir(), 0, properties.compose().serviceList(), properties.compose().project(),
                ApprovalText.Database.NONE), texts);
    }

    /**
     * The database half's facts: in place, whether the live database can be swapped and the
     * server has room for a second copy (refused with the figures when it has not, unless the
     * old in-place way was asked for); what the set's globals would do to the roles.
     */
    private ApprovalText.Database databaseFacts(RestoreRequest request, Source source, long dumpBytes) {
        String live = properties.database().name();
        DatabaseSpace.Room room = null;
        if (!request.sideBySide() && !request.undo()) {
            RestoreGuard.swappable(live, request.inPlaceDatabase()).ifPresent(why -> {
                throw refused(why, null);
            });
            room = space.measure(dumpBytes);
            RestoreGuard.room(room, request.inPlaceDatabase(), live, keptPrevious(live)).ifPresent(why -> {
                throw refused(why, null);
            });
        }
        String roles;
        try {
            roles = request.undo() ? "" : databases.rolesPlan(Files.isRegularFile(source.globals()) ? source.globals() : null).summary();
        } catch (RuntimeException e) {
            roles = "Roles from the set's globals: cannot be compared now (" + e.getMessage() + ").";
        }
        String undone = request.undo() ? DatabaseNames.previous(live, request.undoRestoreOf()) : null;
        return new ApprovalText.Database(live, room, roles, undone);
    }

    /** The databases earlier restores keep for an undo, with their sizes: what a lack of room may be made of. */
    private List<String> keptPrevious(String live) {
        try {
            return databases.databases().stream().filter(db -> DatabaseNames.previousRun(live, db).isPresent())
                    .map(db -> db + " (" + Sizes.human(databases.size(db)) + ")").toList();
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    /**
     * The set's globals still match its manifest: they run as the backup's roles. A set whose
     * manifest does not list them and that has none is fine (globals could not be dumped).
     */
    public void checkGlobals(BackupSet set, Path globals) {
        if (set.manifest() == null) {
            return;
        }
        String name = globals.getFileName().toString();
        boolean listed = set.manifest().artifacts().stream().anyMatch(a -> a.name().equals(name));
        if (!listed && !Files.exists(globals, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isRegularFile(globals, LinkOption.NOFOLLOW_LINKS)) {
            throw refused(name + " of " + set.label() + " is listed in its manifest but missing: the set is damaged. Restore another set.", null);
        }
        checkSha(set, globals);
    }

    /** The SHA-256 of the set's manifest (null for a legacy set): what a frozen plan pins. */
    String manifestSha(Source source) {
        Path manifest = catalog.kindDir(source.set().kind()).resolve(source.set().kind().manifestName(source.set().id()));
        if (source.set().manifest() == null || !Files.isRegularFile(manifest)) {
            return null; // a legacy set: no manifest to pin; the guard's pg_restore --list and archive scan still ran
        }
        try {
            return DatabaseDumper.sha256(manifest);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + manifest + ": " + e.getMessage(), e);
        }
    }

    private void checkServicesFound(RestoreRequest request) {
        Map<String, Integer> found = new LinkedHashMap<>();
        compose.configuredServices().forEach((service, containers) -> found.put(service, containers.size()));
        // applicationStopped: the operator's word, recorded with the request and shown to the approver
        RestoreGuard.servicesFound(found, request.applicationStopped(), properties.compose().project(),
                found.values().stream().anyMatch(n -> n > 0) || request.applicationStopped() ? Set.of() : compose.projects())
                .ifPresent(why -> {
                    throw refused(why, null);
                });
    }


    /** The set a request names, with the paths of its artifacts; refuses bad input and sets that cannot be restored. */
    public Source resolve(RestoreRequest request) {
        BackupKind kind;
        try {
            kind = BackupKind.fromDir(request.backupKind() == null ? "daily" : request.backupKind());
        } catch (IllegalArgumentException e) {
            throw refused(e.getMessage(), e);
        }
        if (request.backupId() == null) {
            throw refused("backupId is missing: give the set's date as YYYYMMDD (or YYYYMMDD_N). " + restorable(kind), null);
        }
        BackupSetId id;
        try {
            id = BackupSetId.parse(request.backupId());
        } catch (IllegalArgumentException e) {
            throw refused(e.getMessage() + " " + restorable(kind), e);
        }
        RestoreGuard.nothingToRestore(request.restoreDatabase(), request.restoreUploads()).ifPresent(why -> {
            throw refused(why, null);
        });
        BackupSet set = catalog.find(kind, id).or(() -> fetchFromOffsite(kind, id)).orElseThrow(() -> refused("No backup set "
                + kind.dir() + "/" + id + " in " + catalog.root() + (offsite.enabled() ? " nor in the offsite repository" : "") + ". "
                + restorable(kind), null));
        if (!set.restorable()) {
            throw refused("Set " + set.label() + " cannot be restored: it is " + set.status().name().toLowerCase(Locale.ROOT)
                    + (set.problem() == null ? "" : " (" + set.problem() + ")") + ". " + restorable(kind), null);
        }
        Path dir = catalog.kindDir(kind);
        return new Source(set, dir.resolve(kind.dumpName(id)), dir.resolve(kind.globalsName(id)), dir.resolve(kind.uploadsName(id)));
    }

    /**
     * A set that exists only offsite is fetched into the backup root (verified against its
     * manifest, under the lock for the moment it writes there) and then restored as usual.
     */
    public Optional<BackupSet> fetchFromOffsite(BackupKind kind, BackupSetId id) {
        if (!offsite.enabled()) {
            return Optional.empty();
        }
        String label = kind.dir() + "/" + id;
        try {
            if (offsite.find(kind, id).isEmpty()) {
                return Optional.empty();
            }
        } catch (OffsiteException e) {
            throw refused("No backup set " + label + " in " + catalog.root() + ", and the offsite repository cannot be read: "
                    + e.getMessage(), e);
        }
        // not a process instance: held while renewed (hours, for a large set), taken over only once that stops
        String owner = "offsite-fetch-" + kind.dir() + "-" + id + "-" + UUID.randomUUID();
        LeaseManager.Attempt attempt = leases.tryAcquireForWork(owner, "Fetch " + label + " from offsite");
        if (attempt.busy()) {
            throw refused("Set " + label + " is only offsite, and the backup root is busy (" + attempt.holder().purpose()
                    + " holds the lock): start the restore again when it has finished.", null);
        }
        try {
            log.info("Set {} is not in {}: fetching it from the offsite repository", label, catalog.root());
            return Optional.of(offsite.fetchIntoCatalog(kind, id, attempt.lease()));
        } catch (OffsiteException e) {
            throw refused("Set " + label + " is only offsite and could not be fetched: " + e.getMessage() + " Restore another set.", e);
        } finally {
            leases.release(owner);
        }
    }

    void checkTargets(RestoreRequest request) {
        if (!request.sideBySide()) {
            return;
        }
        if (request.restoreDatabase()) {
            String db = request.targetDatabase();
            String production = properties.database().name();
            // the server is asked only about a name that passed the other rules
            Optional<Text> refusal = RestoreGuard.targetDatabase(db, production, false);
            if (refusal.isEmpty() && databases.exists(db)) {
                refusal = RestoreGuard.targetDatabase(db, production, true);
            }
            refusal.ifPresent(why -> {
                throw refused(why, null);
            });
        }
        if (request.restoreUploads()) {
            Path dir = request.targetUploadsDir() == null ? null : Path.of(request.targetUploadsDir()).toAbsolutePath().normalize();
            Path allowed = sideBySideRoot();
            Path root = catalog.root().toAbsolutePath().normalize();
            List<Path> sets = new ArrayList<>(Arrays.stream(BackupKind.values())
                    .map(k -> catalog.kindDir(k).toAbsolutePath().normalize()).toList());
            sets.add(root.resolve(".staging"));
            RestoreGuard.targetFolder(dir, properties.uploadsDir().toAbsolutePath().normalize(), allowed, root, sets).ifPresent(why -> {
                throw refused(why, null);
            });
            try {
                if (Files.isSymbolicLink(dir) || !dir.toRealPath().startsWith(allowed.toRealPath())) {
                    throw refused("targetUploadsDir " + dir + " leads out of " + allowed + " through a symbolic link.", null);
                }
            } catch (NoSuchFileException absent) {
                // a new folder: its parent decides where it lands
                Path parent = dir.getParent();
                try {
                    if (parent != null && Files.exists(parent) && !parent.toRealPath().startsWith(allowed.toRealPath())) {
                        throw refused("targetUploadsDir " + dir + " leads out of " + allowed + " through a symbolic link.", null);
                    }
                } catch (IOException e) {
                    throw refused("Cannot check targetUploadsDir " + dir + ": " + e.getMessage(), e);
                }
            } catch (IOException e) {
                throw refused("Cannot check targetUploadsDir " + dir + ": " + e.getMessage(), e);
            }
            if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                try (var entries = Files.list(dir)) {
                    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) || entries.findAny().isPresent()) {
                        throw refused("targetUploadsDir " + dir + " is not an empty folder: a side-by-side restore writes only into a "
                                + "new or empty folder.", null);
                    }
                } catch (IOException e) {
                    throw refused("Cannot read targetUploadsDir " + dir + ": " + e.getMessage(), e);
                }
            }
        }
    }

    /** Where side-by-side restores may write: backup.restore.side-by-side-root, by default {@code <backup.root>/scratch}. */
    public Path sideBySideRoot() {
        Path configured = properties.restore().sideBySideRoot();
        Path root = configured != null ? configured : catalog.root().resolve("scratch");
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the side-by-side root " + root + ": " + e.getMessage(), e);
        }
        return root.toAbsolutePath().normalize();
    }

    private long requireFile(Path file, BackupSet set, String what) {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw refused("Set " + set.label() + " has no " + what + " (" + file.getFileName() + " is missing). "
                    + "Choose another set" + (what.equals("dump") ? ", or restore the uploads only (restoreDatabase=false)." : "."), null);
        }
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void checkSha(BackupSet set, Path file) {
        if (set.manifest() == null) {
            return; // legacy: no checksum was ever written; pg_restore --list and the archive scan still run
        }
        try {
            expectSha(set, file, DatabaseDumper.sha256(file));
        } catch (IOException e) {
            throw refused("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static void expectSha(BackupSet set, Path file, String actual) {
        if (set.manifest() == null) {
            return;
        }
        String name = file.getFileName().toString();
        Manifest.Artifact artifact = set.manifest().artifacts().stream().filter(a -> a.name().equals(name)).findFirst()
                .orElseThrow(() -> refused("The manifest of " + set.label() + " does not list " + name + ": the set is damaged.", null));
        if (!actual.equals(artifact.sha256())) {
            throw refused(name + " of " + set.label() + " does not match its manifest (SHA-256 " + actual + ", manifest "
                    + artifact.sha256() + "): the file was changed or damaged since the backup. Restore another set.", null);
        }
    }

    /** Every file the manifest lists is there with its size and SHA-256 (read once here, before anything stops). */
    private long[] checkSnapshot(Source source) {
        long files = 0;
        long bytes = 0;
        if (source.set().status() != BackupSet.Status.COMPLETE) {
            try (var walk = Files.walk(source.uploads())) {
                for (Path p : (Iterable<Path>) walk::iterator) {
                    if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                        files++;
                        bytes += Files.size(p);
                    }
                }
            } catch (IOException e) {
                throw refused("Cannot read " + source.uploads() + ": " + e.getMessage(), e);
            }
            return new long[] {files, bytes};
        }
        byte[] buffer = SnapshotCheck.buffer();
        // streamed in path order: a million entries are never in memory at once
        try (ManifestFiles.Entries entries = catalog.files(source.set())) {
            while (entries.hasNext()) {
                Manifest.FileEntry e = entries.next();
                if (!Manifest.FileEntry.FILE.equals(e.type())) {
                    continue;
                }
                Path p = RawNames.resolve(source.uploads(), e.path());
                try {
                    // content too: a byte changed on the backup volume keeps the size
                    Optional<String> problem = SnapshotCheck.problem(source.uploads(), e, buffer);
                    if (problem.isPresent()) {
                        throw refused("The snapshot of " + source.set().label() + " is damaged: " + problem.get()
                                + ". Restore another set.", null);
                    }
                } catch (IOException ex) {
                    throw refused("Cannot read " + p + ": " + ex.getMessage(), ex);
                }
                files++;
                bytes += e.size();
            }
        } catch (CorruptManifestException e) {
            throw refused("The file list of " + source.set().label() + " cannot be trusted: " + e.getMessage() + " Restore another set.", e);
        }
        return new long[] {files, bytes};
    }

    private String currentDatabase() {
        String name = properties.database().name();
        try {
            Map<String, Long> rows = databases.rowCounts(name);
            return name + " (now " + Sizes.human(databases.size(name)) + ", " + rows.values().stream().mapToLong(Long::longValue).sum() + " rows)";
        } catch (RuntimeException e) {
            return name + " (cannot be read now: " + e.getMessage() + ")";
        }
    }

    private static long countFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (var walk = Files.walk(dir)) {
            return walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).count();
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
    }

    /** When the set a request names was written (its manifest's completion; a legacy set's file time): the RPO a restore of it achieves. */
    public Instant backupTime(RestoreRequest request) {
        return backupTime(resolve(request));
    }

    private Instant backupTime(Source source) {
        Manifest m = source.set().manifest();
        if (m != null && m.completedAt() != null) {
            return m.completedAt();
        }
        try {
            // a legacy set: the old scripts' files carry their time
            Path file = Files.exists(source.dump()) ? source.dump() : source.uploads();
            return Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS).toInstant();
        } catch (IOException e) {
            return source.set().date().atStartOfDay(clock.getZone()).toInstant();
        }
    }

    public List<String> archivePrefixes() {
        String configured = properties.uploadsDir().toAbsolutePath().normalize().toString().replaceFirst("^/+", "");
        return configured.equals("uploads") || configured.isEmpty() ? List.of("uploads") : List.of("uploads", configured);
    }

    private String restorable(BackupKind kind) {
        List<String> ids = catalog.list(kind).stream().filter(BackupSet::restorable).map(s -> s.id().toString()).toList();
        if (ids.isEmpty()) {
            return "There is no restorable " + kind.dir() + " set in " + catalog.root() + ".";
        }
        List<String> newest = ids.subList(Math.max(0, ids.size() - 10), ids.size());
        return "Restorable " + kind.dir() + " sets: " + String.join(", ", newest) + ".";
    }

    private static RestoreRefusedException refused(String message, Throwable cause) {
        return new RestoreRefusedException(message + " Nothing was changed; the application was not stopped.", cause);
    }

    private RestoreRefusedException refused(Text why, Throwable cause) {
        return new RestoreRefusedException(Text.of("restore.refused.nothingChanged", why), texts, cause);
    }

    /** A set and where its artifacts are. */
    public record Source(BackupSet set, Path dump, Path globals, Path uploads) {
    }

}
