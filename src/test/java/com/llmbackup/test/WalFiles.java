package com.llmbackup.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.llmbackup.exec.Command;
import com.llmbackup.exec.CommandResult;
import com.llmbackup.exec.CommandRunner;

/**
 * The WAL a receiver wrote, read back with PostgreSQL's own pg_waldump: whether it is unbroken
 * from its first segment to a position (no segment missing, every record readable), and which
 * transactions committed in it.
 */
public final class WalFiles {

    private static final Pattern SEGMENT = Pattern.compile("([0-9A-F]{24})(\\.partial)?");
    private static final Pattern COMMIT = Pattern.compile("tx:\\s+(\\d+),.*desc: COMMIT");

    private WalFiles() {
    }

    /** pg_waldump reads every record from the first segment in {@code <root>/wal} (and pre-gap/) up to {@code end}. */
    public static void assertUnbroken(Path binDir, Path backupRoot, String end) throws IOException {
        Path copy = copy(backupRoot);
        try {
            List<String> from = from(copy);
            CommandResult result = new CommandRunner().runAllowingFailure(Command.of(binDir.resolve("pg_waldump").toString(),
                    "--path=" + copy, "--quiet", from.get(0), from.get(1), "--end=" + end));
            assertThat(result.exitCode()).as("pg_waldump %s to %s: %s", from, end, result.stderr()).isZero();
        } finally {
            delete(copy);
        }
    }

    /** The transactions whose commit record is in the WAL on disk (read from the first segment to where it ends). */
    public static Set<Long> committedXids(Path binDir, Path backupRoot) throws IOException {
        Path copy = copy(backupRoot);
        try {
            List<String> from = from(copy);
            // no end: it reads as far as the WAL goes (and says where it stopped)
            CommandResult result = new CommandRunner().runAllowingFailure(Command.of(binDir.resolve("pg_waldump").toString(),
                    "--path=" + copy, "--rmgr=Transaction", from.get(0), from.get(1)));
            Set<Long> xids = new TreeSet<>();
            Matcher m = COMMIT.matcher(result.stdout());
            while (m.find()) {
                xids.add(Long.parseLong(m.group(1)));
            }
            return xids;
        } finally {
            delete(copy);
        }
    }

    /** Segment files as a recovery reads them: {@code .partial} ones under their segment's name. */
    private static Path copy(Path backupRoot) throws IOException {
        Path copy = Files.createTempDirectory("wal-read-");
        for (Path dir : List.of(backupRoot.resolve("wal"), backupRoot.resolve("wal/pre-gap"))) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                for (Path file : files) {
                    Matcher m = SEGMENT.matcher(file.getFileName().toString());
                    if (m.matches() && !(m.group(2) != null && Files.exists(copy.resolve(m.group(1))))) {
                        Files.copy(file, copy.resolve(m.group(1)), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
        return copy;
    }

    /** pg_waldump's {@code --timeline} and {@code --start} for the first segment of the copy (a segment alone would be read alone). */
    private static List<String> from(Path copy) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(copy)) {
            files.forEach(f -> names.add(f.getFileName().toString()));
        }
        assertThat(names).as("WAL segments in the copy").isNotEmpty();
        String name = names.stream().sorted().findFirst().orElseThrow();
        long segmentSize = Files.size(copy.resolve(name));
        long number = Long.parseLong(name.substring(8, 16), 16) * (0x100000000L / segmentSize) + Long.parseLong(name.substring(16), 16);
        long start = number * segmentSize;
        return List.of("--timeline=" + Long.parseLong(name.substring(0, 8), 16),
                "--start=" + Long.toHexString(start >>> 32).toUpperCase() + "/" + Long.toHexString(start & 0xFFFFFFFFL).toUpperCase());
    }

    private static void delete(Path dir) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
    }
}
