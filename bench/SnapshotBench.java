import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.llmbackup.catalog.Manifest.FileEntry;
import com.llmbackup.uploads.Snapshotter;

/**
 * Runs llm-backup's uploads snapshot exactly as the daily step does, then `sync`.
 *
 *   java -cp CLASSPATH bench/SnapshotBench.java SOURCE TARGET MANIFEST_OUT [PREVIOUS_DIR PREVIOUS_MANIFEST]
 *
 * Prints: seconds, files copied, files linked, peak heap MB.
 */
public class SnapshotBench {
    public static void main(String[] args) throws Exception {
        ObjectMapper json = new ObjectMapper();
        Map<String, FileEntry> previous = new HashMap<>();
        Path previousDir = null;
        if (args.length > 4) {
            previousDir = Path.of(args[3]);
            List<FileEntry> entries = json.readValue(Path.of(args[4]).toFile(), new TypeReference<List<FileEntry>>() { });
            entries.forEach(e -> previous.put(e.path(), e));
        }
        long start = System.nanoTime();
        Snapshotter.Result result = new Snapshotter().snapshot(Path.of(args[0]), Path.of(args[1]), previousDir, previous,
                Snapshotter.Progress.NONE);
        json.writeValue(Path.of(args[2]).toFile(), result.entries());
        new ProcessBuilder("sync").inheritIO().start().waitFor();
        double seconds = (System.nanoTime() - start) / 1e9;
        long peakHeap = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peakHeap += pool.getPeakUsage().getUsed();
            }
        }
        System.out.printf("%.3f %d %d %.1f%n", seconds, result.filesCopied(), result.filesLinked(), peakHeap / 1048576.0);
    }
}
