package com.llmbackup.catalog;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * Reads and writes manifests. A write goes to a temporary file in the same folder, is
 * flushed to disk, then renamed over the target: a reader (or a crash) sees the old
 * manifest or the new one, never half of one.
 */
final class ManifestStore {

    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    // listings need everything but the file list, which can be megabytes per set
    private static final ObjectMapper SUMMARY = JSON.copy().addMixIn(Manifest.class, WithoutFiles.class);

    @JsonIgnoreProperties(value = "files", ignoreUnknown = true)
    private abstract static class WithoutFiles {
    }

    private ManifestStore() {
    }

    /** The manifest without its file list (null there), for listings. */
    static Manifest readSummary(Path file) {
        return read(file, SUMMARY);
    }

    static Manifest read(Path file) {
        return read(file, JSON);
    }

    private static Manifest read(Path file, ObjectMapper mapper) {
        // parsed as a stream: a format-1 manifest of a million files is hundreds of megabytes, and a
        // summary skips its file list without holding it
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            Manifest manifest = mapper.readValue(in, Manifest.class);
            if (manifest == null || manifest.status() == null || manifest.id() == null || manifest.kind() == null) {
                throw new CorruptManifestException(file, "it lacks kind, id or status");
            }
            return manifest;
        } catch (JsonProcessingException e) {
            throw new CorruptManifestException(file, isEmpty(file) ? "it is empty" : "it is not valid JSON ("
                    + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read manifest " + file, e);
        }
    }

    private static boolean isEmpty(Path file) {
        try {
            return Files.size(file) == 0;
        } catch (IOException e) {
            return false;
        }
    }

    static void writeAtomically(Path file, Manifest manifest, FilePermissions permissions) {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        try {
            byte[] bytes = JSON.writeValueAsBytes(manifest);
            permissions.createFile(tmp);
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                channel.write(ByteBuffer.wrap(bytes));
                channel.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            FilePermissions.syncDirectory(file.getParent());
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the next run clears leftover temporary files
            }
            throw new UncheckedIOException("cannot write manifest " + file + ": " + e.getMessage(), e);
        }
    }
}
