package com.llmbackup.catalog;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

import com.llmbackup.config.BackupProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The runbook's backup log ({@code backup.log-file}): one line per run and outcome, in the
 * old scripts' format ({@code [date] Daily backup completed: db_YYYYMMDD.dump}), so that
 * {@code tail -n 50 /var/log/llm-backup.log} keeps working. A log that cannot be written
 * is reported in the application log and never fails a run.
 */
@Component
public class BackupLog {

    private static final Logger log = LoggerFactory.getLogger(BackupLog.class);
    // the shape of `date` in the C locale, as the scripts wrote it
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE MMM d HH:mm:ss zzz yyyy", Locale.ROOT);

    private final Path file;
    private final Clock clock;

    public BackupLog(BackupProperties properties, Clock clock) {
        this.file = properties.logFile();
        this.clock = clock;
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

    public Path file() {
        return file;
    }
}
