package com.llmbackup.offsite;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.llmbackup.config.BackupProperties;
import com.llmbackup.exec.Command;
import com.llmbackup.exec.CommandResult;
import com.llmbackup.exec.CommandRunner;

/**
 * restic as the project runs it: an argument list with the repository, a fixed host name (so
 * snapshots do not depend on the machine's name) and no local cache; the repository only as
 * {@code RESTIC_REPOSITORY} (its URL may hold a password), the password only as
 * {@code RESTIC_PASSWORD_FILE} and the env-file's variables only in the child's environment,
 * never in an argument or a log line.
 */
final class Restic {

    /** The host name every snapshot carries, whatever machine took it. */
    static final String HOST = "llm-backup";

    private final BackupProperties.Offsite settings;
    private final CommandRunner runner;

    Restic(BackupProperties.Offsite settings, CommandRunner runner) {
        this.settings = settings;
        this.runner = runner;
    }

    String repository() {
        return settings.repository();
    }

    CommandResult run(Path workingDirectory, List<String> args) {
        return runner.run(command(workingDirectory, args));
    }

    CommandResult runAllowingFailure(List<String> args) {
        return runner.runAllowingFailure(command(null, args));
    }

    Command command(Path workingDirectory, List<String> args) {
        List<String> argv = new ArrayList<>();
        argv.add(settings.resticBinary());
        // the repository as RESTIC_REPOSITORY, not --repo: a rest: or s3: URL may carry a password,
        // and argv is readable by every user (ps) and written to the debug log
        argv.add("--no-cache");
        if (settings.sftpCommand() != null) {
            argv.add("--option");
            argv.add("sftp.command=" + settings.sftpCommand());
        }
        argv.addAll(args);
        Command command = Command.of(argv).withTimeout(settings.commandTimeout());
        if (workingDirectory != null) {
            command = command.inDirectory(workingDirectory);
        }
        command = command.withEnvironment("RESTIC_REPOSITORY", settings.repository());
        command = command.withEnvironment("RESTIC_PASSWORD_FILE", settings.passwordFile() == null ? null : settings.passwordFile().toString());
        for (Map.Entry<String, String> e : environmentFile(settings.envFile()).entrySet()) {
            command = command.withEnvironment(e.getKey(), e.getValue());
        }
        return command;
    }

    /** {@code NAME=value} lines ({@code #} comments, blank lines and an {@code export } prefix allowed). */
    static Map<String, String> environmentFile(Path file) {
        Map<String, String> env = new LinkedHashMap<>();
        if (file == null) {
            return env;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read backup.offsite.env-file " + file + ": " + e.getMessage(), e);
        }
        int number = 0;
        for (String raw : lines) {
            number++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("export ")) {
                line = line.substring(7).strip();
            }
            int eq = line.indexOf('=');
            if (eq < 1 || !line.substring(0, eq).matches("[A-Za-z_][A-Za-z0-9_]*")) {
                // the line may hold a secret: its number is named, never its text
                throw new IllegalArgumentException("backup.offsite.env-file " + file + ", line " + number + ": not NAME=value");
            }
            String value = line.substring(eq + 1);
            if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"") || value.startsWith("'") && value.endsWith("'"))) {
                value = value.substring(1, value.length() - 1);
            }
            env.put(line.substring(0, eq), value);
        }
        return env;
    }

    static List<String> args(String... args) {
        return new ArrayList<>(Arrays.asList(args));
    }
}
