package com.llmbackup.test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.LeaseManager;
import com.llmbackup.catalog.Manifest;
import com.llmbackup.catalog.ManifestFiles;
import com.llmbackup.uploads.Snapshotter;

/**
 * Complete sets as a backup run publishes them (staged, manifest with every artifact's and
 * uploads file's size and SHA-256, published through the catalog), without a database: for
 * tests of what reads or copies sets (offsite, restore from offsite).
 */
public final class TestSets {

    private TestSets() {
    }

    /**
     * Publishes a set of {@code kind} dated by the catalog's clock: a dump with {@code dump}
     * as content and, for daily and safety, an uploads folder of {@code uploads}
     * (path -> content); for weekly, an "archive" file of those contents.
     */
    public static BackupSet publish(BackupCatalog catalog, LeaseManager.Lease lease, BackupKind kind, String dump,
                                    Map<String, String> uploads) throws IOException {
        BackupCatalog.StagedSet staged = catalog.stage(kind, lease);
        Files.writeString(staged.dumpFile(), dump);
        List<Manifest.Artifact> artifacts = new ArrayList<>();
        artifacts.add(Manifest.Artifact.file(staged.dumpFile().getFileName().toString(), Files.size(staged.dumpFile()),
                FileTrees.sha256(staged.dumpFile())));
        List<Manifest.FileEntry> entries = new ArrayList<>();
        String uploadsName = staged.uploadsPath().getFileName().toString();
        if (kind.archivesUploads()) {
            StringBuilder archive = new StringBuilder();
            uploads.forEach((k, v) -> archive.append(k).append('=').append(v).append('\n'));
            Files.writeString(staged.uploadsPath(), archive);
            artifacts.add(Manifest.Artifact.file(uploadsName, Files.size(staged.uploadsPath()), FileTrees.sha256(staged.uploadsPath())));
        } else {
            Files.createDirectories(staged.uploadsPath());
            FileTrees.write(staged.uploadsPath(), uploads);
            long bytes = 0;
            try (Stream<Path> walk = Files.walk(staged.uploadsPath())) {
                for (Path p : (Iterable<Path>) walk::iterator) {
                    if (p.equals(staged.uploadsPath())) {
                        // the folder itself first, as the snapshot step lists it
                        entries.add(new Manifest.FileEntry(".", Manifest.FileEntry.DIRECTORY, 0, Files.getLastModifiedTime(p).to(TimeUnit.NANOSECONDS),
                                (Integer) Files.getAttribute(p, "unix:mode") & 07777, 0, 0, "root", "root", null, null));
                        continue;
                    }
                    String rel = staged.uploadsPath().relativize(p).toString();
                    boolean dir = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
                    long size = dir ? 0 : Files.size(p);
                    bytes += size;
                    entries.add(new Manifest.FileEntry(rel, dir ? Manifest.FileEntry.DIRECTORY : Manifest.FileEntry.FILE, size,
                            Files.getLastModifiedTime(p).to(TimeUnit.NANOSECONDS), dir ? 0700 : 0600, 0, 0,
                            "root", "root", dir ? null : FileTrees.sha256(p), null));
                }
            }
            artifacts.add(Manifest.Artifact.directory(uploadsName, bytes, entries.stream().filter(e -> e.type().equals("file")).count()));
            // format 2 as a run writes it: the entries in their own list, its SHA-256 in the manifest (inline entries are not read)
            entries.sort(Comparator.comparing(Manifest.FileEntry::path, ManifestFiles.PATH_ORDER));
            try (ManifestFiles.Writer list = ManifestFiles.write(staged.fileList())) {
                entries.forEach(list::add);
                list.close();
                artifacts.add(Manifest.Artifact.file(staged.fileList().getFileName().toString(), list.size(), list.sha256()));
            }
        }
        Manifest manifest = new Manifest(Manifest.FORMAT_VERSION, kind.dir(), staged.id().toString(), null, staged.owner(),
                Instant.parse("2025-10-31T02:00:00Z"), null, "15.4", null, null, null, artifacts, List.of(),
                Map.of("public.documents", 3L), new Manifest.Stats(dump.getBytes(StandardCharsets.UTF_8).length, entries.size(), entries.size(), 0),
                List.of());
        return catalog.publish(staged, manifest, lease);
    }

    /**
     * Publishes a daily or safety set as a run does: {@code live} snapshotted by the real
     * {@link Snapshotter} against {@code previous} (files unchanged since are hard links to its
     * copies), the file list written as it goes, the manifest listing dump, uploads and list.
     */
    public static BackupSet publishSnapshot(BackupCatalog catalog, LeaseManager.Lease lease, BackupKind kind, String dump, Path live,
                                            BackupSet previous) throws IOException {
        BackupCatalog.StagedSet staged = catalog.stage(kind, lease);
        Files.writeString(staged.dumpFile(), dump);
        List<Manifest.Artifact> artifacts = new ArrayList<>();
        artifacts.add(Manifest.Artifact.file(staged.dumpFile().getFileName().toString(), Files.size(staged.dumpFile()),
                FileTrees.sha256(staged.dumpFile())));
        Path previousDir = previous == null ? null : catalog.kindDir(previous.kind()).resolve(previous.kind().uploadsName(previous.id()));
        Snapshotter.Result result;
        try (ManifestFiles.Entries before = previous == null ? ManifestFiles.of(List.of()) : catalog.files(previous);
             ManifestFiles.Writer list = ManifestFiles.write(staged.fileList())) {
            result = new Snapshotter().snapshot(live, staged.uploadsPath(), previousDir, before, list, Snapshotter.Progress.NONE);
            list.close();
            artifacts.add(Manifest.Artifact.directory(staged.uploadsPath().getFileName().toString(), result.bytes(), result.fileCount()));
            artifacts.add(Manifest.Artifact.file(staged.fileList().getFileName().toString(), list.size(), list.sha256()));
        }
        Manifest manifest = new Manifest(Manifest.FORMAT_VERSION, kind.dir(), staged.id().toString(), null, staged.owner(),
                Instant.parse("2025-10-31T02:00:00Z"), null, "15.4", null, null, null, artifacts, List.of(),
                Map.of("public.documents", 3L), new Manifest.Stats(dump.getBytes(StandardCharsets.UTF_8).length, result.fileCount(),
                result.filesCopied(), result.filesLinked()), List.of());
        return catalog.publish(staged, manifest, lease);
    }
}
