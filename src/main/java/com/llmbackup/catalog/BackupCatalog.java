package com.llmbackup.catalog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backup repository on disk ({@code backup.root}): lists sets, hands out ids and
 * staging folders, publishes crash-safely and rolls back what a crash left.
 *
 * <p>Publishing: (1) the manifest is written with status {@code publishing}, listing the
 * artifacts; (2) each artifact is renamed from staging into the kind's folder (same file
 * system, so each rename is atomic); (3) the manifest is atomically replaced with status
 * {@code complete}. A crash anywhere leaves either a complete set or a {@code publishing}
 * manifest whose artifacts the next run removes. Only the lease holder publishes or rolls
 * back: callers pass the {@link LeaseManager.Lease} they hold.
 */
public class BackupCatalog {

    static final String STAGING = ".staging";
    private static final Logger log = LoggerFactory.getLogger(BackupCatalog.class);

    private final Path root;
    private final FilePermissions permissions;
    private final Clock clock;
    private final CrashPoint crashPoint;

    public BackupCatalog(Path root, FilePermissions permissions, Clock clock) {
        this(root, permissions, clock, CrashPoint.NONE);
    }

    BackupCatalog(Path root, FilePermissions permissions, Clock clock, CrashPoint crashPoint) {
        this.root = root;
        this.permissions = permissions;
        this.clock = clock;
        this.crashPoint = crashPoint;
    }

    public Path root() {
        return root;
    }

    public Path kindDir(BackupKind kind) {
        return root.resolve(kind.dir());
    }

    /** Every set of every kind, oldest first within a kind. */
    public List<BackupSet> list() {
        List<BackupSet> sets = new ArrayList<>();
        for (BackupKind kind : BackupKind.values()) {
            sets.addAll(list(kind));
        }
        return sets;
    }

    public List<BackupSet> list(BackupKind kind) {
        Path dir = kindDir(kind);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        Map<BackupSetId, List<Path>> filesById = new TreeMap<>();
        Map<BackupSetId, Path> manifests = new TreeMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                kind.match(entry.getFileName().toString()).ifPresent(match -> {
                    filesById.computeIfAbsent(match.id(), id -> new ArrayList<>()).add(entry);
                    if (match.isManifest()) {
                        manifests.put(match.id(), entry);
                    }
                });
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        List<BackupSet> sets = new ArrayList<>();
        filesById.forEach((id, files) -> {
            files.sort(Comparator.naturalOrder());
            Path manifestFile = manifests.get(id);
            if (manifestFile == null) {
                boolean seed = files.stream().anyMatch(f -> kind.match(f.getFileName().toString())
                        .map(BackupKind.Match::isSeedArtifact).orElse(false));
                if (seed) {
                    sets.add(new BackupSet(kind, id, BackupSet.Status.LEGACY, null, List.copyOf(files), null));
                }
                return;
            }
            try {
                Manifest manifest = ManifestStore.readSummary(manifestFile);
                BackupSet.Status status = manifest.complete() ? BackupSet.Status.COMPLETE : BackupSet.Status.INCOMPLETE;
                sets.add(new BackupSet(kind, id, status, manifest, List.copyOf(files), null));
            } catch (CorruptManifestException e) {
                log.warn("{}", e.getMessage());
                sets.add(new BackupSet(kind, id, BackupSet.Status.CORRUPT, null, List.copyOf(files), e.getMessage()));
            }
        });
        return sets;
    }

    public Optional<BackupSet> find(BackupKind kind, BackupSetId id) {
        return list(kind).stream().filter(s -> s.id().equals(id)).findFirst();
    }

    /** The uploads entries of a complete set in path order, streamed (listings leave them out: they can be a million); close it. */
    public ManifestFiles.Entries files(BackupSet set) {
        return ManifestFiles.read(set);
    }

    /** The newest complete set of a kind, if any. */
    public Optional<BackupSet> newestComplete(BackupKind kind) {
        return list(kind).stream().filter(s -> s.status() == BackupSet.Status.COMPLETE).reduce((a, b) -> b);
    }

    /**
     * A new id for today and a staging folder for the lease holder to fill: the first free
     * {@code YYYYMMDD[_N]} of the kind, counting published, legacy, corrupt and staged sets,
     * so a second run on the same day never overwrites anything.
     */
    public StagedSet stage(BackupKind kind, LeaseManager.Lease lease) {
        lease.verify();
        try {
            lockDown();
            Optional<StagedSet> earlier = stagedEarlier(kind, lease.owner());
            if (earlier.isPresent()) {
                // the same run's first step again (an engine retry after a failure midway): its
                // set is reused, emptied, so the retry ends as a first run would
                StagedSet again = earlier.get();
                Trees.delete(again.dir());
                Trees.delete(again.partsDir());
                permissions.createDirectories(again.dir());
                permissions.createDirectories(again.partsDir());
                log.info("Staging {} again for run {}", again.label(), lease.owner());
                return again;
            }
            LocalDate today = LocalDate.now(clock);
            BackupSetId id = BackupSetId.first(today);
            while (taken(kind, id)) {
                id = id.next();
            }
            permissions.createDirectories(kindDir(kind));
            Path dir = permissions.createDirectories(stagingOf(lease.owner()).resolve(kind.dir() + "_" + id));
            StagedSet staged = new StagedSet(kind, id, dir, lease.owner());
            permissions.createDirectories(staged.partsDir());
            return staged;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the staging folder under " + root + ": " + e.getMessage(), e);
        }
    }

    /**
     * The backup root, every kind folder and the staging folders get {@code backup.permissions.dirs}
     * at every run, also those made before (the old scripts' 0755 folders).
     */
    void lockDown() throws IOException {
        permissions.lockDown(root);
        for (BackupKind kind : BackupKind.values()) {
            permissions.lockDown(kindDir(kind));
        }
        Path staging = root.resolve(STAGING);
        permissions.lockDown(staging);
        if (Files.isDirectory(staging)) {
            try (DirectoryStream<Path> owners = Files.newDirectoryStream(staging)) {
                for (Path owner : owners) {
                    permissions.lockDown(owner);
                }
            }
        }
    }

    /** A set of this kind the owner staged before and did not publish, if any. */
    private Optional<StagedSet> stagedEarlier(BackupKind kind, String owner) throws IOException {
        Path mine = stagingOf(owner);
        if (!Files.isDirectory(mine)) {
            return Optional.empty();
        }
        try (DirectoryStream<Path> sets = Files.newDirectoryStream(mine, kind.dir() + "_*")) {
            for (Path dir : sets) {
                String name = dir.getFileName().toString();
                if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) && !name.endsWith(".parts")) {
                    try {
                        BackupSetId id = BackupSetId.parse(name.substring(kind.dir().length() + 1));
                        return Optional.of(new StagedSet(kind, id, dir, owner));
                    } catch (IllegalArgumentException notASet) {
                        // another name: not ours to reuse
                    }
                }
            }
        }
        return Optional.empty();
    }

    private boolean taken(BackupKind kind, BackupSetId id) {
        if (find(kind, id).isPresent()) {
            return true;
        }
        Path staging = root.resolve(STAGING);
        if (!Files.isDirectory(staging)) {
            return false;
        }
        try (DirectoryStream<Path> owners = Files.newDirectoryStream(staging)) {
            for (Path owner : owners) {
                if (Files.exists(owner.resolve(kind.dir() + "_" + id))) {
                    return true;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return false;
    }

    /** The set a run staged earlier (a later step of the same run). */
    public StagedSet staged(BackupKind kind, BackupSetId id, LeaseManager.Lease lease) {
        Path dir = stagingOf(lease.owner()).resolve(kind.dir() + "_" + id);
        Optional<Manifest> own = ownManifest(kind, id, lease.owner());
        if (own.isPresent() && own.get().complete()) {
            return new StagedSet(kind, id, dir, lease.owner()); // published already: see publishedBy
        }
        if (own.isPresent()) {
            undoPublish(kind, id, own.get(), dir, lease);
        }
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("The staging folder " + dir + " of set " + kind.dir() + "/" + id
                    + " is gone (cleared after a crash or a takeover); start a new run.");
        }
        return new StagedSet(kind, id, dir, lease.owner());
    }

    /**
     * The set when this run published it already: a publish step that failed after its
     * complete manifest (and is retried) must not publish again over it. What it left in
     * staging goes.
     */
    public Optional<BackupSet> publishedBy(StagedSet staged) {
        Optional<Manifest> own = ownManifest(staged.kind(), staged.id(), staged.owner());
        if (own.isEmpty() || !own.get().complete()) {
            return Optional.empty();
        }
        removeStaging(staged);
        return find(staged.kind(), staged.id());
    }

    /** The manifest of a set when this owner wrote it (null when there is none, or another run's). */
    private Optional<Manifest> ownManifest(BackupKind kind, BackupSetId id, String owner) {
        Path file = kindDir(kind).resolve(kind.manifestName(id));
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            Manifest manifest = ManifestStore.readSummary(file);
            return owner.equals(manifest.processInstanceId()) ? Optional.of(manifest) : Optional.empty();
        } catch (CorruptManifestException e) {
            return Optional.empty();
        }
    }

    /**
     * A publish of this run that failed midway (manifest {@code publishing}, some artifacts
     * renamed): they go back into staging and the manifest is removed, so the retried
     * publish lists every artifact again.
     */
    private void undoPublish(BackupKind kind, BackupSetId id, Manifest manifest, Path dir, LeaseManager.Lease lease) {
        lease.verify();
        Path kindDir = kindDir(kind);
        try {
            if (manifest.artifacts() != null && Files.isDirectory(dir)) {
                for (Manifest.Artifact artifact : manifest.artifacts()) {
                    Path published = kindDir.resolve(artifact.name());
                    if (Files.exists(published, LinkOption.NOFOLLOW_LINKS) && !Files.exists(dir.resolve(artifact.name()), LinkOption.NOFOLLOW_LINKS)) {
                        Files.move(published, dir.resolve(artifact.name()), StandardCopyOption.ATOMIC_MOVE);
                    }
                }
            }
            Files.deleteIfExists(kindDir.resolve(kind.manifestName(id)));
            FilePermissions.syncDirectory(kindDir);
            log.warn("Undid the unfinished publish of {}/{} by {} before publishing it again", kind.dir(), id, lease.owner());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot undo the unfinished publish of " + kind.dir() + "/" + id + ": " + e.getMessage(), e);
        }
    }

    /**
     * A folder of the lease holder's own below the staging root, for work that is not a run's
     * set (a fetch from offsite): if the work dies, the next holder's {@link #recover} clears it.
     */
    public Path ownStaging(LeaseManager.Lease lease) {
        lease.verify();
        try {
            return permissions.createDirectories(stagingOf(lease.owner()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the staging folder under " + root + ": " + e.getMessage(), e);
        }
    }

    Path stagingOf(String owner) {
        return root.resolve(STAGING).resolve(owner.replaceAll("[^A-Za-z0-9._-]", "_"));
    }

    /**
     * Publishes a staged set: every file or folder in the staging folder becomes an
     * artifact under the kind's folder, listed in a manifest that ends up {@code complete}.
     * The lease is checked before every rename: a run that lost it stops before touching
     * anything more.
     */
    public BackupSet publish(StagedSet staged, Manifest manifest, LeaseManager.Lease lease) {
        Path kindDir = kindDir(staged.kind());
        Path manifestFile = kindDir.resolve(staged.kind().manifestName(staged.id()));
        List<Path> artifacts;
        try (var stream = Files.list(staged.dir())) {
            artifacts = stream.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read staging folder " + staged.dir(), e);
        }
        for (Path artifact : artifacts) {
            if (staged.kind().match(artifact.getFileName().toString()).filter(m -> m.id().equals(staged.id())).isEmpty()) {
                throw new IllegalStateException("staged file " + artifact.getFileName() + " is not named for set " + staged.label());
            }
        }
        for (Path artifact : artifacts) {
            if (Files.isRegularFile(artifact, LinkOption.NOFOLLOW_LINKS)) {
                // dumps and archives hold every row and document: owner only (R11);
                // snapshot folders keep the uploads' own modes, behind the kind folder's 0700
                try {
                    permissions.apply(artifact);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot set the mode of " + artifact + ": " + e.getMessage(), e);
                }
            }
        }
        lease.verify();
        crashPoint.reached("before-manifest");
        ManifestStore.writeAtomically(manifestFile, manifest.withStatus(Manifest.PUBLISHING, null), permissions);
        crashPoint.reached("manifest-publishing");
        for (Path artifact : artifacts) {
            lease.verify();
            try {
                Files.move(artifact, kindDir.resolve(artifact.getFileName()), StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot move " + artifact + " into " + kindDir + ": " + e.getMessage(), e);
            }
            crashPoint.reached("renamed " + artifact.getFileName());
        }
        // the renames, and the kind folder's own entry in the root, on disk before the set says complete
        // (the artifacts' content was forced by the steps that wrote them)
        FilePermissions.syncDirectory(kindDir);
        FilePermissions.syncDirectory(root);
        lease.verify();
        ManifestStore.writeAtomically(manifestFile, manifest.withStatus(Manifest.COMPLETE, clock.instant()), permissions);
        crashPoint.reached("manifest-complete");
        removeStaging(staged);
        log.info("Published {} ({} artifacts)", staged.label(), artifacts.size());
        return find(staged.kind(), staged.id()).orElseThrow();
    }

    /**
     * Rolls back what crashes left: sets whose manifest still says {@code publishing} lose
     * their artifacts and manifest; temporary manifest files and every staging folder but
     * the caller's own are removed. Complete, legacy and corrupt sets are never touched.
     * Returns the labels of the sets rolled back.
     */
    public List<String> recover(LeaseManager.Lease lease) {
        lease.verify();
        List<String> rolledBack = new ArrayList<>();
        for (BackupKind kind : BackupKind.values()) {
            for (BackupSet set : list(kind)) {
                if (set.status() == BackupSet.Status.INCOMPLETE) {
                    for (Path file : set.files()) {
                        if (!file.getFileName().toString().equals(kind.manifestName(set.id()))) {
                            Trees.delete(file);
                        }
                    }
                    Trees.delete(kindDir(kind).resolve(kind.manifestName(set.id())));
                    rolledBack.add(set.label());
                    log.warn("Rolled back unfinished publish of {}", set.label());
                }
            }
            deleteTemporaryManifests(kindDir(kind));
        }
        Path staging = root.resolve(STAGING);
        if (Files.isDirectory(staging)) {
            try (DirectoryStream<Path> owners = Files.newDirectoryStream(staging)) {
                for (Path owner : owners) {
                    if (!owner.equals(stagingOf(lease.owner()))) {
                        log.warn("Clearing staging left by an earlier run: {}", owner);
                        Trees.delete(owner);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return rolledBack;
    }

    /** Removes everything the lease holder staged and did not publish (its run failed). */
    public void discardStaging(LeaseManager.Lease lease) {
        lease.verify();
        Trees.delete(stagingOf(lease.owner()));
    }

    private static void removeStaging(StagedSet staged) {
        if (!Files.isDirectory(staged.dir().getParent())) {
            return;
        }
        Trees.delete(staged.dir());
        Trees.delete(staged.partsDir());
        try {
            // the owner's folder goes too once its last staged set is gone
            Files.deleteIfExists(staged.dir().getParent());
        } catch (DirectoryNotEmptyException stillInUse) {
            // another staged set of the same run
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTemporaryManifests(Path dir) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> tmp = Files.newDirectoryStream(dir, ".manifest_*.json.tmp")) {
            for (Path file : tmp) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Deletes a whole set (dump, globals, extra files, snapshot or archive, manifest) under
     * the lease, manifest first: a crash midway leaves seed-named files that the next
     * cleanup sees as a legacy set of the same date and decides again. Nothing outside the
     * kind's folder is touched and no symbolic link is followed. Returns the bytes freed:
     * files still linked from another snapshot free nothing.
     */
    public long delete(BackupSet set, LeaseManager.Lease lease) {
        lease.verify();
        Path kindDir = kindDir(set.kind()).toAbsolutePath().normalize();
        long freed = 0;
        List<Path> files = new ArrayList<>(set.files());
        files.sort(Comparator.comparing((Path p) -> !p.getFileName().toString().startsWith("manifest_")));
        for (Path file : files) {
            Path normal = file.toAbsolutePath().normalize();
            if (!normal.getParent().equals(kindDir)) {
                throw new IllegalStateException("refusing to delete " + file + ": it is not directly in " + kindDir);
            }
            freed += freeable(normal);
            Trees.delete(normal);
        }
        log.info("Deleted {} ({} bytes freed)", set.label(), freed);
        return freed;
    }

    private static long freeable(Path path) {
        long[] bytes = new long[1];
        try {
            Files.walkFileTree(path, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    if (attrs.isRegularFile() && ((Integer) Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS)) == 1) {
                        bytes[0] += attrs.size();
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes[0];
    }

    /** Pins or unpins a complete set: recorded in its manifest, so it survives a rebuilt history. */
    public BackupSet pin(BackupKind kind, BackupSetId id, boolean pinned, String reason, LeaseManager.Lease lease) {
        lease.verify();
        BackupSet set = find(kind, id).orElseThrow(() -> new IllegalArgumentException("No backup set " + kind.dir() + "/" + id + "."));
        if (set.status() != BackupSet.Status.COMPLETE) {
            throw new IllegalStateException("Set " + set.label() + " is " + set.status().name().toLowerCase()
                    + ": only a complete set (with a manifest) can be pinned.");
        }
        Path file = kindDir(kind).resolve(kind.manifestName(id));
        Manifest full = ManifestStore.read(file);
        ManifestStore.writeAtomically(file, full.withPin(pinned, pinned ? reason : null), permissions);
        return find(kind, id).orElseThrow();
    }

    /** A test seam: called at each step of publishing; a test throws here to simulate a crash. */
    interface CrashPoint {
        CrashPoint NONE = step -> {
        };

        void reached(String step);
    }

    /** A set being written: its id and the staging folder its artifacts go into under their final names. */
    public record StagedSet(BackupKind kind, BackupSetId id, Path dir, String owner) {
        public Path dumpFile() {
            return dir.resolve(kind.dumpName(id));
        }

        public Path uploadsPath() {
            return dir.resolve(kind.uploadsName(id));
        }

        /** The uploads entries, written in path order by the snapshot or archive step (format 2). */
        public Path fileList() {
            return dir.resolve(kind.fileListName(id));
        }

        public Path globalsFile() {
            return dir.resolve(kind.globalsName(id));
        }

        public Path configDir() {
            return dir.resolve(kind.configName(id));
        }

        public Path baseBackupFile() {
            return dir.resolve(kind.baseBackupName(id));
        }

        public Path baseBackupManifestFile() {
            return dir.resolve(kind.baseBackupManifestName(id));
        }

        public String label() {
            return kind.dir() + "/" + id;
        }

        /** Beside the set: what each step found (dump figures, the snapshot's file list), read when publishing. */
        public Path partsDir() {
            return dir.resolveSibling(dir.getFileName() + ".parts");
        }
    }
}
