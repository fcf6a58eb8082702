import java.nio.file.Path;

import com.llmbackup.catalog.ManifestFiles;
import com.llmbackup.uploads.Snapshotter;

/**
 * Runs llm-backup's uploads snapshot exactly as the daily step does (entries streamed from the
 * previous file list and into this one, in path order), then `sync`.
 *
 *   java -cp CLASSPATH SnapshotBench SOURCE TARGET FILE_LIST_OUT [PREVIOUS_DIR PREVIOUS_FILE_LIST]
 *
 * Prints: seconds, files copied, files linked, peak heap MB.
 */
public class SnapshotBench {
    public static void main(String[] args) throws Exception {
        Path previousDir = args.length > 4 ? Path.of(args[3]) : null;
        long start = System.nanoTime();
        Snapshotter.Result result;
        try (ManifestFiles.Entries previous = previousDir != null ? ManifestFiles.read(Path.of(args[4]), null)
                : ManifestFiles.of(java.util.List.of());
             ManifestFiles.Writer out = ManifestFiles.write(Path.of(args[2]))) {
            result = new Snapshotter().snapshot(Path.of(args[0]), Path.of(args[1]), previousDir, previous, out,
                    Snapshotter.Progress.NONE);
        }
        new ProcessBuilder("sync").inheritIO().start().waitFor();
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("%.3f %d %d %.1f%n", seconds, result.filesCopied(), result.filesLinked(), Heap.peakMegabytes());
    }
}
