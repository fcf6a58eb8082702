package com.llmbackup.catalog;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The fill level of the file system a path lives on. A path that does not exist yet (a
 * backup root before the first run) is measured on its nearest existing parent.
 */
public record VolumeUsage(Path measuredAt, String storeName, long totalBytes, long freeBytes) {

    public static VolumeUsage of(Path path) throws IOException {
        Path existing = path.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        Path at = existing == null ? Path.of("/") : existing;
        FileStore store = Files.getFileStore(at);
        return new VolumeUsage(at, store.name(), store.getTotalSpace(), store.getUsableSpace());
    }

    /** Percent used, to one decimal. */
    public double usedPercentExact() {
        return totalBytes == 0 ? 100 : Math.round(1000.0 * (totalBytes - freeBytes) / totalBytes) / 10.0;
    }

    /** Percent used, rounded to a whole number (what thresholds compare against). */
    public int usedPercent() {
        return totalBytes == 0 ? 100 : (int) Math.round(100.0 * (totalBytes - freeBytes) / totalBytes);
    }
}
