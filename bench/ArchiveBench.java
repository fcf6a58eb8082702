import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;

import com.llmbackup.uploads.Snapshotter;
import com.llmbackup.uploads.TarGzArchiver;

/**
 * Runs llm-backup's weekly archive step (PAX tar, gzip members on every core, SHA-256 of
 * every file and of the archive), then `sync`.
 *
 *   java -cp CLASSPATH ArchiveBench SOURCE TARGET
 *
 * Prints: seconds, archive bytes, stored blocks of all blocks, peak heap MB.
 */
public class ArchiveBench {
    public static void main(String[] args) throws Exception {
        long start = System.nanoTime();
        TarGzArchiver.Result result = new TarGzArchiver().archive(Path.of(args[0]), Path.of(args[1]), Snapshotter.Progress.NONE);
        new ProcessBuilder("sync").inheritIO().start().waitFor();
        double seconds = (System.nanoTime() - start) / 1e9;
        long peakHeap = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peakHeap += pool.getPeakUsage().getUsed();
            }
        }
        System.out.printf("%.3f %d %d/%d %.1f%n", seconds, result.archiveBytes(), result.storedBlocks(), result.blocks(), peakHeap / 1048576.0);
    }
}
