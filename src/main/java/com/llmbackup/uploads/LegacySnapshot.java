package com.llmbackup.uploads;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.llmbackup.catalog.Manifest.FileEntry;
import com.llmbackup.catalog.RawNames;

/**
 * A snapshot made before manifests listed its files (a legacy set): its entries are read
 * from the folder itself, links not followed, held in memory. They carry no checksum, so a
 * restore copies what the folder holds as it is.
 */
final class LegacySnapshot {

    private LegacySnapshot() {
    }

    static List<FileEntry> entries(Path snapshot) {
        List<FileEntry> entries = new ArrayList<>();
        UnixAttributes attributes = new UnixAttributes();
        try {
            Files.walkFileTree(snapshot, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    if (!dir.equals(snapshot)) {
                        entries.add(attributes.entry(rel(dir), FileEntry.DIRECTORY, 0, attributes.read(dir), null, null));
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Map<String, Object> unix = attributes.read(file);
                    if (attrs.isSymbolicLink()) {
                        entries.add(attributes.entry(rel(file), FileEntry.SYMLINK, 0, unix, null, FileNames.linkTarget(Files.readSymbolicLink(file))));
                    } else if (attrs.isRegularFile()) {
                        entries.add(attributes.entry(rel(file), FileEntry.FILE, attrs.size(), unix, null, null));
                    }
                    return FileVisitResult.CONTINUE;
                }

                private String rel(Path p) {
                    return RawNames.relative(snapshot, p);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the snapshot " + snapshot + ": " + e.getMessage(), e);
        }
        return entries;
    }
}
