import java.nio.file.Path;

import com.llmbackup.catalog.ManifestFiles;
import com.llmbackup.uploads.Snapshotter;
import com.llmbackup.uploads.TarGzArchiver;

/**
 * Runs llm-backup's weekly archive step (PAX tar, gzip members on every core, SHA-256 of
 * every file and of the archive, the file list streamed beside it), then `sync`; with
 * {@code verify}, then also the weekly's verification step (the archive read back against the list).
 *
 *   java -cp CLASSPATH ArchiveBench SOURCE TARGET [verify]
 *
 * Prints: seconds, archive bytes, stored blocks of all blocks, peak heap MB[, verify seconds].
 */
public class ArchiveBench {
    public static void main(String[] args) throws Exception {
        Path list = Path.of(args[1] + ".files.jsonl");
        long start = System.nanoTime();
        TarGzArchiver.Result result;
        try (ManifestFiles.Writer out = ManifestFiles.write(list)) {
            result = new TarGzArchiver().archive(Path.of(args[0]), Path.of(args[1]), out, Snapshotter.Progress.NONE);
        }
        new ProcessBuilder("sync").inheritIO().start().waitFor();
        double seconds = (System.nanoTime() - start) / 1e9;
        String verify = "";
        if (args.length > 2 && args[2].equals("verify")) {
            long v = System.nanoTime();
            try (ManifestFiles.Entries expected = ManifestFiles.read(list, null)) {
                new TarGzArchiver().verify(Path.of(args[1]), expected, result.sha256());
            }
            verify = String.format(" %.3f", (System.nanoTime() - v) / 1e9);
        }
        System.out.printf("%.3f %d %d/%d %.1f%s%n", seconds, result.archiveBytes(), result.storedBlocks(), result.blocks(),
                Heap.peakMegabytes(), verify);
    }
}
