package com.llmbackup.catalog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

import com.llmbackup.config.BackupProperties;
import com.llmbackup.config.Text;
import com.llmbackup.config.Texts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The runbook's backup log ({@code backup.log-file}): one line per run and outcome, in the
 * old scripts' format ({@code [date] Daily backup completed: db_YYYYMMDD.dump}), so that
 * {@code tail -n 50 /var/log/llm-backup.log} keeps working. A log that cannot be written
 * is reported in the application log and never fails a run. Lines are written in
 * {@code backup.language} (the log has one reader at a time).
 */
@Component
public class BackupLog {

    private static final Logger log = LoggerFactory.getLogger(BackupLog.class);
    // the shape of `date` in the C locale, as the scripts wrote it
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE MMM d HH:mm:ss zzz yyyy", Locale.ROOT);

    private final Path file;
    private final Clock clock;
    private final Texts texts;

    public BackupLog(BackupProperties properties, Clock clock, Texts texts) {
        this.file = properties.logFile();
        this.clock = clock;
        this.texts = texts;
    }

    /** A line from the bundles, in {@code backup.language}. */
    public void write(Text text) {
        write(texts.render(text));
    }

    /** The texts the log's lines are rendered with (backup.language): for what the same reader sees elsewhere (Tasklist). */
    public Texts texts() {
        return texts;
    }

    public synchronized void write(String message) {
        String line = "[" + DATE.format(ZonedDateTime.now(clock)) + "] " + message.replace('\n', ' ') + "\n";
        log.info("backup log: {}", message);
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            if (Files.notExists(file)) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException | UnsupportedOperationException e) {
            log.warn("Cannot write the backup log {} ({}); the line was: {}. Set backup.log-file to a writable path.",
                    file, e.toString(), line.strip());
        }
    }

    /**
     * The lines written from {@code from} to {@code to} (the lines of one run: runs that write
     * here hold the backup lock, so their windows do not overlap), oldest first, at most
     * {@code max}. Read as a stream: the file only grows. A line whose date cannot be read is left out.
     */
    public List<String> linesBetween(Instant from, Instant to, int max) {
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
            return lines.filter(line -> written(line).filter(at -> !at.isBefore(from) && !at.isAfter(to)).isPresent())
                    .limit(max).toList();
        } catch (IOException | UncheckedIOException e) {
            log.warn("Cannot read the backup log {} ({})", file, e.toString());
            return List.of();
        }
    }

    /** When a line was written, to the second, from its {@code [date]}. */
    static Optional<Instant> written(String line) {
        int end = line.indexOf("] ");
        if (!line.startsWith("[") || end < 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(ZonedDateTime.parse(line.substring(1, end), DATE).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    public Path file() {
        return file;
    }
}
