package com.llmbackup.offsite;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.catalog.Durable;
import com.llmbackup.catalog.LeaseManager;
import com.llmbackup.catalog.Manifest;
import com.llmbackup.catalog.ManifestFiles;
import com.llmbackup.catalog.SnapshotCheck;
import com.llmbackup.catalog.Trees;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.exec.CommandFailedException;
import com.llmbackup.exec.CommandResult;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.postgres.DatabaseDumper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * The offsite restic repository: copy a set (its files and folders as they are on disk, so
 * unchanged uploads dedupe across days), list the copies by their tags, check the repository,
 * restore a set's copy into a folder or back into the backup root (verified against its
 * manifest), forget and prune. Every failure is an {@link OffsiteException} with restic's words.
 */
@Service
public class OffsiteRepository {

    private static final Logger log = LoggerFactory.getLogger(OffsiteRepository.class);
    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final boolean RUNS_AS_ROOT = "root".equals(System.getProperty("user.name"));
    /** What S3 endpoints answer to a key they do not know or a signature made with the wrong secret. */
    private static final Pattern S3_REFUSED = Pattern.compile(
            "(?i)\\b(Forbidden|Access ?Denied|InvalidAccessKeyId|SignatureDoesNotMatch|InvalidSignature)\\b");
    private static final Pattern PACK = Pattern.compile("(?i)pack(?: ID does not match, want| file| )?\\s*([0-9a-f]{8,64})");

    private final BackupProperties.Offsite settings;
    private final BackupCatalog catalog;
    private final Restic restic;

    public OffsiteRepository(BackupProperties properties, BackupCatalog catalog, CommandRunner runner) {
        this.settings = properties.offsite();
        this.catalog = catalog;
        this.restic = new Restic(settings, runner);
    }

    public boolean enabled() {
        return settings.active();
    }

    /** The repository's location for messages: a URL's user and password are hidden ({@code rest:https://***@host/}). */
    public String location() {
        return settings.location();
    }

    /** {@code restic init}: a new, empty, encrypted repository (refused by restic when one is there). */
    public void init() {
        call(null, Restic.args("init"), "create the offsite repository");
    }

    /** Reachable and the password opens it: {@code restic cat config}. */
    public void probe() {
        call(null, Restic.args("cat", "config"), "open the offsite repository");
    }

    /** Every snapshot of the repository that copies one of our sets, oldest first. */
    public List<OffsiteSnapshot> snapshots() {
        CommandResult result = call(null, Restic.args("snapshots", "--json", "--tag", OffsiteSnapshot.PROJECT_TAG), "list the offsite snapshots");
        List<OffsiteSnapshot> snapshots = new ArrayList<>();
        try {
            JsonNode array = JSON.readTree(result.stdout().isBlank() ? "[]" : result.stdout());
            for (JsonNode node : array) {
                List<String> tags = new ArrayList<>();
                node.path("tags").forEach(t -> tags.add(t.asText()));
                snapshots.add(new OffsiteSnapshot(node.path("id").asText(), node.path("short_id").asText(),
                        Instant.parse(node.path("time").asText()), List.copyOf(tags)));
            }
        } catch (IOException | RuntimeException e) {
            throw new OffsiteException("restic snapshots printed what is not its JSON list: " + e.getMessage(), e);
        }
        snapshots.sort(Comparator.comparing(OffsiteSnapshot::time));
        return snapshots;
    }

    /** The newest copy of a set, if the repository has one. */
    public Optional<OffsiteSnapshot> find(BackupKind kind, BackupSetId id) {
        return snapshots().stream().filter(s -> s.copies(kind, id)).reduce((a, b) -> b);
    }

    /** {@link #copy(BackupSet, List)} with the repository's snapshot list read first. */
    public CopyResult copy(BackupSet set) {
        return copy(set, snapshots());
    }

    /**
     * Copies a complete set, its manifest and what the manifest lists, as one snapshot tagged
     * with kind and id. A daily or safety set goes in as {@link CopyLayout} says, with the newest
     * copy in {@code known} of a set still complete here as restic's parent ({@link #parentFor}):
     * restic then reads only the uploads files that are new or changed since that copy. Returns
     * the snapshot id, the parent, and restic's figures (bytes added to the repository after
     * deduplication and compression, files read and skipped).
     */
    public CopyResult copy(BackupSet set, List<OffsiteSnapshot> known) {
        if (!set.restorable() || set.manifest() == null) {
            throw new IllegalArgumentException(set.label() + " is not a complete set with a manifest: nothing to copy offsite");
        }
        Path dir = catalog.kindDir(set.kind());
        // what the manifest lists and the manifest, nothing else named for the set: a stray file
        // beside it would travel unverified and come back with the set
        List<String> names = new ArrayList<>();
        names.add(set.kind().manifestName(set.id()));
        set.manifest().artifacts().forEach(a -> names.add(a.name()));
        for (String name : names) {
            if (!Files.exists(dir.resolve(name), LinkOption.NOFOLLOW_LINKS)) {
                throw new IllegalStateException(set.label() + " lacks " + name + ", which its manifest lists: not copied offsite");
            }
        }
        CopyLayout layout = CopyLayout.of(set.kind(), set.id(), dir, names);
        // --quiet: with --json, restic prints a status line 60 times a second; on a copy of hours
        // they would push the summary out of the kept head of stdout
        List<String> args = Restic.args("backup", "--json", "--quiet", "--host", Restic.HOST);
        List<String> tags = new ArrayList<>(OffsiteSnapshot.tagsOf(set.kind(), set.id()));
        Optional<OffsiteSnapshot> parent = Optional.empty();
        if (layout.uploadsAtRoot()) {
            tags.add(OffsiteSnapshot.UPLOADS_AT_ROOT_TAG);
            parent = parentFor(set, known);
        }
        for (String tag : tags) {
            args.add("--tag");
            args.add(tag);
        }
        if (parent.isPresent()) {
            // hard links change a file's ctime whenever a later set links it: restic would read every
            // file again. Size, mtime and the inode are still compared, and a parent whose set is
            // still here holds its inodes, so a file with the parent's inode is the parent's file
            args.addAll(List.of("--parent", parent.get().id(), "--ignore-ctime"));
        }
        args.add("--");
        args.addAll(layout.targets());
        CommandResult result = call(layout.workingDirectory(), args, "copy " + set.label() + " offsite");
        return summaryOf(result, set.label(), parent);
    }

    /**
     * Copies the WAL folder ({@code <root>/wal}: segments, history files, the receiver's state and
     * receipts, the segments before a gap; not the receiver's lease) as it is now, tagged {@code kind:wal};
     * unchanged segments cost nothing after the first copy. Losing the server then loses at most the
     * WAL written since the last copy.
     */
    public CopyResult copyWal() {
        if (!Files.isDirectory(catalog.root().resolve(OffsiteSnapshot.WAL), LinkOption.NOFOLLOW_LINKS)) {
            throw new OffsiteException("There is no WAL folder " + catalog.root().resolve(OffsiteSnapshot.WAL) + " to copy offsite.", null);
        }
        List<String> args = Restic.args("backup", "--json", "--quiet", "--host", Restic.HOST, "--tag", OffsiteSnapshot.PROJECT_TAG,
                "--tag", OffsiteSnapshot.KIND_TAG + OffsiteSnapshot.WAL, "--exclude", "wal/.lease*", "--exclude", "*.tmp", "--",
                OffsiteSnapshot.WAL);
        return summaryOf(call(catalog.root(), args, "copy the WAL offsite"), "the WAL folder", Optional.empty());
    }

    /** The newest copy of the WAL folder, if the repository has one. */
    public Optional<OffsiteSnapshot> newestWal() {
        return snapshots().stream().filter(OffsiteSnapshot::wal).reduce((a, b) -> b);
    }

    /** Restores the newest copy of the WAL folder below {@code target} (as {@code target/wal}), for a recovery onto a new server. */
    public OffsiteSnapshot restoreWal(Path target) {
        OffsiteSnapshot snapshot = newestWal().orElseThrow(() -> new OffsiteException("The offsite repository has no copy of the WAL.", null));
        call(null, Restic.args("restore", snapshot.id(), "--target", target.toString()), "restore the WAL from offsite");
        return snapshot;
    }

    /** The snapshot id and figures of restic backup's JSON summary line. */
    private static CopyResult summaryOf(CommandResult result, String label, Optional<OffsiteSnapshot> parent) {
        String[] lines = result.stdout().split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            String line = lines[i].strip();
            if (line.contains("\"message_type\":\"summary\"")) {
                try {
                    JsonNode summary = JSON.readTree(line);
                    if (summary.path("snapshot_id").asText().isBlank()) {
                        // no id, no copy: the history and the sets would show a copy nobody can find
                        throw new OffsiteException("restic backup of " + label
                                + " printed a summary without a snapshot id: the copy is not recorded", null);
                    }
                    return new CopyResult(summary.path("snapshot_id").asText(), parent.map(OffsiteSnapshot::shortId).orElse(null),
                            summary.path("data_added").asLong(), summary.path("total_bytes_processed").asLong(),
                            summary.path("total_files_processed").asLong(),
                            summary.path("files_new").asLong() + summary.path("files_changed").asLong(),
                            summary.path("files_unmodified").asLong());
                } catch (IOException e) {
                    throw new OffsiteException("restic backup printed an unreadable summary: " + e.getMessage(), e);
                }
            }
        }
        throw new OffsiteException("restic backup of " + label + " ended without its summary line", null);
    }

    /**
     * The parent of a copy of {@code set}: the newest uploads-at-root copy of another set that is
     * still complete in the backup root. Its set's files keep their inodes allocated, so an inode
     * that restic finds again at the same path, size and mtime is the file it copied then, not a
     * new file that was given a freed inode number.
     */
    Optional<OffsiteSnapshot> parentFor(BackupSet set, List<OffsiteSnapshot> known) {
        List<OffsiteSnapshot> candidates = known.stream().filter(OffsiteSnapshot::uploadsAtRoot)
                .filter(s -> s.set().isPresent() && !s.copies(set.kind(), set.id()) && !s.set().get().kind().archivesUploads())
                .sorted(Comparator.comparing(OffsiteSnapshot::time).reversed())
                .toList();
        for (OffsiteSnapshot candidate : candidates) {
            OffsiteSnapshot.SetRef ref = candidate.set().orElseThrow();
            if (catalog.find(ref.kind(), ref.id()).filter(s -> s.status() == BackupSet.Status.COMPLETE).isPresent()) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** {@link #check(String)} with {@code backup.offsite.check-read-data-subset}. */
    public CheckVerdict check() {
        return check(settings.checkReadDataSubset());
    }

    /**
     * {@code restic check} reading {@code readDataSubset} of the packs (e.g. {@code 5%}): a
     * verdict naming the damaged pack or file when the repository is not sound.
     */
    public CheckVerdict check(String readDataSubset) {
        List<String> args = Restic.args("check");
        if (readDataSubset != null && !readDataSubset.isBlank()) {
            args.add("--read-data-subset=" + readDataSubset);
        }
        CommandResult result = restic.runAllowingFailure(args);
        if (result.exitCode() == 0) {
            return CheckVerdict.sound("restic check passed on " + location()
                    + (readDataSubset == null ? "" : " (read " + readDataSubset + " of the data packs)"));
        }
        return CheckVerdict.damaged(problemOf(result.stdout() + "\n" + result.stderr()), result.exitCode());
    }

    /** The lines of restic check's output that say what is wrong, packs named by their id. */
    static String problemOf(String output) {
        List<String> lines = new ArrayList<>();
        for (String raw : output.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("[") || line.startsWith("create ") || line.startsWith("load ")
                    || line.startsWith("check ") || line.startsWith("read ") || line.startsWith("using temporary")
                    || line.startsWith("no errors") || line.startsWith("Fatal: repository contains errors")) {
                continue;
            }
            lines.add(line);
        }
        List<String> packs = new ArrayList<>();
        Matcher m = PACK.matcher(output);
        while (m.find()) {
            if (!packs.contains(m.group(1))) {
                packs.add(m.group(1));
            }
        }
        String detail = lines.isEmpty() ? "restic check reported errors" : String.join("; ", lines);
        return packs.isEmpty() ? detail : "damaged pack " + String.join(", ", packs.stream().map(p -> "data/" + p.substring(0, 2) + "/" + p).toList())
                + ": " + detail;
    }

    /** Restores a set's newest copy into {@code target}: its files and folders by their names, whatever the copy's layout. */
    public OffsiteSnapshot restoreSet(BackupKind kind, BackupSetId id, Path target) {
        OffsiteSnapshot snapshot = find(kind, id).orElseThrow(() -> new OffsiteException(
                "The offsite repository has no copy of " + kind.dir() + "/" + id + ".", null));
        try {
            Files.createDirectories(target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + target + ": " + e.getMessage(), e);
        }
        String what = "restore " + kind.dir() + "/" + id + " from offsite";
        if (snapshot.uploadsAtRoot()) {
            call(null, Restic.args("restore", snapshot.id(), "--target", target.resolve(kind.uploadsName(id)).toString()), what);
            CopyLayout.unfold(kind, id, target);
        } else {
            call(null, Restic.args("restore", snapshot.id(), "--target", target.toString()), what);
        }
        return snapshot;
    }

    /**
     * Fetches a set that exists only offsite into the backup root: restored into a staging
     * folder and verified there in full (the manifest is the set's, every artifact is there
     * with its SHA-256, the file list's included, every uploads file with its size and SHA-256,
     * nothing else is in the copy), forced to disk, then published as a run publishes: a
     * {@code publishing} manifest first (a power cut leaves an unfinished set the next run
     * rolls back, never one that lists complete), the artifacts, the copy's own manifest last.
     * Nothing of the set may be in the kind's folder already: a fetch never replaces a file.
     * The caller holds the lease: the copy is staged in the holder's own staging folder (cleared
     * by the next holder if this fetch dies), and the lease is checked before each write into the
     * kind's folder, so a fetch that lost it publishes nothing.
     */
    public BackupSet fetchIntoCatalog(BackupKind kind, BackupSetId id, LeaseManager.Lease lease) {
        Optional<BackupSet> local = catalog.find(kind, id);
        if (local.isPresent()) {
            throw new OffsiteException(kind.dir() + "/" + id + " is already in the backup root (" + local.get().status().name().toLowerCase(Locale.ROOT)
                    + "): a fetch from offsite never replaces it. An unfinished set is rolled back by the next backup run.", null);
        }
        Path staging = catalog.ownStaging(lease).resolve(kind.dir() + "_" + id);
        Trees.delete(staging);
        try {
            restoreSet(kind, id, staging);
            return moveIntoPlace(kind, id, staging, lease);
        } finally {
            Trees.delete(staging.getParent());
        }
    }

    private BackupSet moveIntoPlace(BackupKind kind, BackupSetId id, Path staging, LeaseManager.Lease lease) {
        String label = kind.dir() + "/" + id;
        String manifestName = kind.manifestName(id);
        Manifest manifest = verifyArtifacts(kind, id, staging);
        List<String> names = new ArrayList<>();
        manifest.artifacts().forEach(a -> names.add(a.name()));
        Path dir = catalog.kindDir(kind);
        Path manifestFile = dir.resolve(manifestName);
        List<Path> moved = new ArrayList<>();
        boolean marked = false;
        try {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(staging)) {
                for (Path entry : entries) {
                    String name = entry.getFileName().toString();
                    if (!name.equals(manifestName) && !names.contains(name)) {
                        throw new OffsiteException("The offsite copy of " + label + " holds " + name
                                + ", which its manifest does not list: it is not taken into the backup root", null);
                    }
                }
            }
            if (!kind.archivesUploads()) {
                Path uploads = staging.resolve(kind.uploadsName(id));
                try (ManifestFiles.Entries entries = copiedList(kind, id, staging, manifest)) {
                    verifyEntries(label, uploads, entries);
                }
                try (ManifestFiles.Entries entries = copiedList(kind, id, staging, manifest)) {
                    restoreFolderAttributes(uploads, entries);
                }
            }
            Files.createDirectories(dir);
            for (String name : names) {
                if (Files.exists(dir.resolve(name), LinkOption.NOFOLLOW_LINKS)) {
                    throw new OffsiteException(dir.resolve(name) + " is in the way of the offsite copy of " + label
                            + " (left by an earlier run or fetch?): a fetch never replaces a file; move it away and fetch again", null);
                }
            }
            forceTree(staging);
            // the same protocol as a run's publish: a power cut from here on leaves a set that says publishing
            lease.verify();
            Path marker = staging.resolve("." + manifestName + ".publishing");
            Durable.write(marker, JSON.writeValueAsBytes(manifest.withStatus(Manifest.PUBLISHING, null)));
            Files.move(marker, manifestFile, StandardCopyOption.ATOMIC_MOVE);
            marked = true;
            Durable.syncDirectory(dir);
            for (String name : names) {
                moved.add(Files.move(staging.resolve(name), dir.resolve(name), StandardCopyOption.ATOMIC_MOVE));
            }
            Durable.syncDirectory(dir);
            Durable.syncDirectory(catalog.root());
            lease.verify();
            Files.move(staging.resolve(manifestName), manifestFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Durable.syncDirectory(dir);
            BackupSet set = catalog.find(kind, id).filter(s -> s.status() == BackupSet.Status.COMPLETE)
                    .orElseThrow(() -> new OffsiteException("the fetched set " + label + " does not list as complete", null));
            log.info("Fetched {} from the offsite repository into {}", set.label(), dir);
            return set;
        } catch (IOException | RuntimeException e) {
            moved.forEach(Trees::delete);
            if (marked) {
                Trees.delete(manifestFile);
            }
            if (e instanceof OffsiteException oe) {
                throw oe;
            }
            throw new OffsiteException("Cannot put the offsite copy of " + label + " into " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * The uploads folder's own mode, owner (as root) and mtime from the list's first entry
     * ({@code .}): an uploads-at-root copy holds the folder's content, not the folder.
     */
    private static void restoreFolderAttributes(Path uploads, ManifestFiles.Entries entries) throws IOException {
        if (!entries.hasNext()) {
            return;
        }
        Manifest.FileEntry root = entries.next();
        if (!root.path().equals(".") || !Manifest.FileEntry.DIRECTORY.equals(root.type())) {
            return;
        }
        if (RUNS_AS_ROOT && root.uid() != null && root.gid() != null) {
            Files.setAttribute(uploads, "unix:uid", root.uid(), LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(uploads, "unix:gid", root.gid(), LinkOption.NOFOLLOW_LINKS);
        }
        Files.setAttribute(uploads, "unix:mode", root.mode(), LinkOption.NOFOLLOW_LINKS);
        Files.setLastModifiedTime(uploads, FileTime.from(root.mtimeNanos(), TimeUnit.NANOSECONDS));
    }

    /** restic restore does not fsync: every file and folder of the copy is forced before the set may say complete. */
    private static void forceTree(Path staging) throws IOException {
        try (Durable.Batch batch = new Durable.Batch(); Stream<Path> walk = Files.walk(staging)) {
            walk.forEach(p -> {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    batch.directory(p);
                } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    batch.file(p);
                }
            });
            batch.await();
        }
    }

    /**
     * For the drill: restores the set's offsite copy into a scratch folder below {@code scratch}
     * and compares it with its manifest (every artifact's SHA-256, every uploads file's size
     * and SHA-256); a verdict naming what differs. The scratch copy is removed afterwards.
     */
    public CheckVerdict verifyCopy(BackupKind kind, BackupSetId id, Path scratch) {
        Path target = scratch.resolve("offsite-verify-" + kind.dir() + "_" + id);
        Trees.delete(target);
        try {
            OffsiteSnapshot snapshot = restoreSet(kind, id, target);
            Manifest manifest = verifyArtifacts(kind, id, target);
            int files = 0;
            if (!kind.archivesUploads()) {
                // the local set's list when it is there (the copy must equal it), else the copy's own (its SHA-256 checked above)
                Optional<BackupSet> local = catalog.find(kind, id).filter(s -> s.status() == BackupSet.Status.COMPLETE);
                try (ManifestFiles.Entries entries = local.isPresent() ? catalog.files(local.get()) : copiedList(kind, id, target, manifest)) {
                    files = verifyEntries(kind.dir() + "/" + id, target.resolve(kind.uploadsName(id)), entries);
                }
            }
            return CheckVerdict.sound("The offsite copy of " + kind.dir() + "/" + id + " (snapshot " + snapshot.shortId()
                    + ") restores and matches its manifest: " + manifest.artifacts().size() + " artifacts, " + files + " uploads files.");
        } catch (OffsiteException e) {
            return CheckVerdict.damaged(e.getMessage(), 1);
        } catch (IOException e) {
            return CheckVerdict.damaged("Cannot read the restored copy of " + kind.dir() + "/" + id + ": " + e.getMessage(), 1);
        } finally {
            Trees.delete(target);
        }
    }

    /** The restored manifest is the set's, complete, and every artifact is there with its SHA-256. */
    private Manifest verifyArtifacts(BackupKind kind, BackupSetId id, Path staging) {
        Path manifestFile = staging.resolve(kind.manifestName(id));
        Manifest manifest;
        try {
            manifest = JSON.readValue(manifestFile.toFile(), Manifest.class);
        } catch (IOException e) {
            throw new OffsiteException("The offsite copy of " + kind.dir() + "/" + id + " has no readable manifest: " + e.getMessage(), e);
        }
        if (!manifest.complete() || !kind.dir().equals(manifest.kind()) || !id.toString().equals(manifest.id())) {
            throw new OffsiteException("The offsite copy of " + kind.dir() + "/" + id + " holds the manifest of "
                    + manifest.kind() + "/" + manifest.id() + " (" + manifest.status() + ")", null);
        }
        if (manifest.artifacts() == null) {
            throw new OffsiteException("The manifest of the offsite copy of " + kind.dir() + "/" + id + " lists no artifacts", null);
        }
        for (Manifest.Artifact artifact : manifest.artifacts()) {
            if (!List.of(kind.dumpName(id), kind.uploadsName(id), kind.fileListName(id), kind.globalsName(id), kind.configName(id),
                    kind.baseBackupName(id), kind.baseBackupManifestName(id)).contains(artifact.name())) {
                throw new OffsiteException("The manifest of the offsite copy of " + kind.dir() + "/" + id + " lists the artifact "
                        + artifact.name() + ", which is not a name of that set", null);
            }
            Path file = staging.resolve(artifact.name());
            if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new OffsiteException("The offsite copy of " + kind.dir() + "/" + id + " lacks " + artifact.name(), null);
            }
            if (Manifest.Artifact.FILE.equals(artifact.type()) && artifact.sha256() != null) {
                String actual = sha256(file);
                if (!actual.equals(artifact.sha256())) {
                    throw new OffsiteException(artifact.name() + " of the offsite copy of " + kind.dir() + "/" + id
                            + " does not match its manifest (SHA-256 " + actual + ", manifest " + artifact.sha256() + ")", null);
                }
            }
        }
        return manifest;
    }

    /** The file list the copy carries: format 2 as its own file (an artifact), format 1 inline. */
    private static ManifestFiles.Entries copiedList(BackupKind kind, BackupSetId id, Path copy, Manifest manifest) {
        if (manifest.formatVersion() < 2) {
            return ManifestFiles.of(manifest.files() == null ? List.of() : manifest.files());
        }
        String name = kind.fileListName(id);
        return manifest.artifacts().stream().filter(a -> a.name().equals(name)).findFirst()
                .map(a -> ManifestFiles.read(copy.resolve(name), a.sha256()))
                .orElseGet(() -> ManifestFiles.of(List.of()));
    }

    private static int verifyEntries(String label, Path uploads, Iterator<Manifest.FileEntry> entries) throws IOException {
        byte[] buffer = new byte[1 << 20];
        int files = 0;
        while (entries.hasNext()) {
            Manifest.FileEntry entry = entries.next();
            if (!Manifest.FileEntry.FILE.equals(entry.type())) {
                continue;
            }
            Optional<String> problem = SnapshotCheck.problem(uploads, entry, buffer);
            if (problem.isPresent()) {
                throw new OffsiteException("The offsite copy of " + label + " does not match its manifest: " + problem.get(), null);
            }
            files++;
        }
        return files;
    }

    /** Forgets the given snapshots (each decided, with its reason, by the caller). */
    public void forget(List<String> snapshotIds) {
        if (snapshotIds.isEmpty()) {
            return;
        }
        List<String> args = Restic.args("forget");
        args.addAll(snapshotIds);
        call(null, args, "forget offsite snapshots");
    }

    /** Removes the data no snapshot uses any more. */
    public void prune() {
        call(null, Restic.args("prune"), "prune the offsite repository");
    }

    private CommandResult call(Path workingDirectory, List<String> args, String what) {
        try {
            return restic.run(workingDirectory, args);
        } catch (CommandFailedException e) {
            throw new OffsiteException("Cannot " + what + " (" + location() + "): " + explain(e), e);
        }
    }

    /** restic's own words, with what they mean for an operator when we know. */
    static String explain(CommandFailedException e) {
        String stderr = e.stderr().strip();
        String lower = stderr.toLowerCase(Locale.ROOT);
        String hint = "";
        if (lower.contains("wrong password")) {
            hint = " The password in backup.offsite.password-file does not open this repository.";
        } else if (S3_REFUSED.matcher(stderr).find()) {
            // checked before "is there a repository": restic asks that after any failed first read
            hint = " The S3 endpoint refused the credentials: check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in "
                    + "backup.offsite.env-file, and that this key may read and write the bucket.";
        } else if (lower.contains("is there a repository") || lower.contains("unable to open config")) {
            hint = " No repository at that location: create it once with restic init (see docs/offsite.md), or fix backup.offsite.repository.";
        } else if (e.exitCode() == CommandFailedException.NOT_STARTED) {
            hint = " Install restic (Debian package restic).";
        }
        // restic's own verdict is its "Fatal:" line; the lines after it only repeat the location
        String said = stderr.lines().filter(l -> l.startsWith("Fatal:")).findFirst()
                .orElseGet(() -> stderr.lines().reduce((a, b) -> b).orElse(stderr)).strip();
        if (!said.isEmpty() && !said.endsWith(".")) {
            said += ".";
        }
        return (stderr.isEmpty() ? e.getMessage() : "restic exited with code " + e.exitCode() + ": " + said) + hint;
    }

    private static String sha256(Path file) {
        try {
            return DatabaseDumper.sha256(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * What one copy did, in restic's figures: the snapshot and its parent (short id; null when
     * restic had none to compare with), the bytes added to the repository, the bytes and files of
     * the set, and of those files the ones read (new or changed) and the ones skipped as unchanged.
     */
    public record CopyResult(String snapshotId, String parentId, long bytesAdded, long bytesProcessed, long filesProcessed,
                             long filesRead, long filesUnchanged) {
    }

    /** The outcome of {@code restic check}: sound, or what is damaged (naming the pack or file). */
    public record CheckVerdict(boolean sound, String message, int exitCode) {
        static CheckVerdict sound(String message) {
            return new CheckVerdict(true, message, 0);
        }

        static CheckVerdict damaged(String message, int exitCode) {
            return new CheckVerdict(false, message, exitCode);
        }
    }
}
