import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * A deterministic stand-in for the web app's uploads folder, and "one day of changes".
 *
 *   java bench/DatasetGenerator.java generate DIR FILES TOTAL_MB [SEED]
 *   java bench/DatasetGenerator.java mutate DIR SEED
 *
 * generate: FILES files of log-normal sizes scaled to about TOTAL_MB, in per-user folders
 * (user_NNN/YYYY/MM/), 85% incompressible (PDF- and image-like random bytes), 15% text.
 * mutate: about 1% of files changed, 0.5% added, 0.2% deleted; deterministic by SEED.
 */
public class DatasetGenerator {

    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: generate DIR FILES TOTAL_MB [SEED] | mutate DIR SEED");
            System.exit(2);
        }
        Path dir = Path.of(args[1]);
        if (args[0].equals("generate")) {
            generate(dir, Integer.parseInt(args[2]), Long.parseLong(args[3]) * 1024 * 1024,
                    args.length > 4 ? Long.parseLong(args[4]) : 42);
        } else {
            mutate(dir, Long.parseLong(args[2]));
        }
    }

    static void generate(Path dir, int files, long totalBytes, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        double[] weights = new double[files];
        double sum = 0;
        for (int i = 0; i < files; i++) {
            // log-normal: most files small, a few large scans
            weights[i] = Math.exp(random.nextGaussian() * 1.5);
            sum += weights[i];
        }
        long written = 0;
        for (int i = 0; i < files; i++) {
            long size = Math.max(0, Math.round(weights[i] / sum * totalBytes));
            Path file = dir.resolve(String.format("user_%03d/%d/%02d/doc_%06d.%s", i % 200, 2023 + i % 3, 1 + i % 12, i,
                    random.nextInt(100) < 15 ? "txt" : "pdf"));
            write(file, size, random.split(), file.toString().endsWith(".txt"));
            written += size;
        }
        System.out.printf("generated %d files, %.1f MB in %s%n", files, written / 1048576.0, dir);
    }

    static void mutate(Path dir, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        List<Path> all = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.filter(Files::isRegularFile).sorted().forEach(all::add);
        }
        int changed = 0, added = 0, deleted = 0;
        for (Path file : all) {
            int roll = random.nextInt(1000);
            if (roll < 10) {
                write(file, Files.size(file) + random.nextInt(4096), random.split(), file.toString().endsWith(".txt"));
                changed++;
            } else if (roll < 12) {
                Files.delete(file);
                deleted++;
            }
        }
        int toAdd = Math.max(1, all.size() / 200);
        for (int i = 0; i < toAdd; i++) {
            Path file = dir.resolve(String.format("user_%03d/new/doc_%d_%d.pdf", i % 200, seed, i));
            write(file, 1000 + random.nextInt(500_000), random.split(), false);
            added++;
        }
        System.out.printf("mutated %s: %d changed, %d added, %d deleted%n", dir, changed, added, deleted);
    }

    static void write(Path file, long size, SplittableRandom random, boolean text) throws IOException {
        Files.createDirectories(file.getParent());
        byte[] chunk = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long done = 0; done < size; done += chunk.length) {
                int n = (int) Math.min(chunk.length, size - done);
                if (text) {
                    for (int i = 0; i < n; i++) {
                        chunk[i] = (byte) ("etaoin shrdlu\n".charAt(random.nextInt(14)));
                    }
                } else {
                    for (int i = 0; i < n; i += 8) {
                        long v = random.nextLong();
                        for (int b = 0; b < 8 && i + b < n; b++) {
                            chunk[i + b] = (byte) (v >>> (8 * b));
                        }
                    }
                }
                out.write(chunk, 0, n);
            }
        }
    }
}
