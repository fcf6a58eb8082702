package com.llmbackup.pitr;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import com.llmbackup.exec.Command;
import com.llmbackup.exec.CommandResult;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.exec.RunningCommand;

/**
 * The replay's PostgreSQL on this machine's own server binaries (where no Docker engine serves
 * the stack: the sandbox, a server outside Compose). Of the base backup's major version, or
 * refused naming where it looked; run as {@code postgres} when the orchestrator is root
 * (PostgreSQL refuses root), else as the orchestrator's own user.
 */
final class LocalReplayServer {

    private final Path bin;
    private final String serverUser;
    private final CommandRunner runner;

    private LocalReplayServer(Path bin, String serverUser, CommandRunner runner) {
        this.bin = bin;
        this.serverUser = serverUser;
        this.runner = runner;
    }

    /** The server binaries of {@code major} ({@code postgres}, {@code pg_ctl}, {@code pg_controldata}), or refused saying what to install. */
    static LocalReplayServer find(int major, String configuredBinDir, CommandRunner runner) {
        Set<Path> candidates = new LinkedHashSet<>();
        if (configuredBinDir != null && !configuredBinDir.isBlank()) {
            candidates.add(Path.of(configuredBinDir));
        }
        candidates.add(Path.of("/usr/lib/postgresql/" + major + "/bin"));
        candidates.add(Path.of("/usr/pgsql-" + major + "/bin"));
        for (Path dir : candidates) {
            if (Files.isExecutable(dir.resolve("postgres")) && Files.isExecutable(dir.resolve("pg_ctl"))
                    && Files.isExecutable(dir.resolve("pg_controldata")) && majorOf(dir, runner) == major) {
                boolean root = "root".equals(System.getProperty("user.name"));
                return new LocalReplayServer(dir, root ? "postgres" : null, runner);
            }
        }
        throw new ReplayRefusedException("A point-in-time recovery needs a PostgreSQL " + major + " server to replay the WAL, and none "
                + "is here: no Docker engine serves the web app's stack, and no PostgreSQL " + major + " server binaries (postgres, pg_ctl, "
                + "pg_controldata) are in " + candidates + ". Install the server package of that version (Debian: postgresql-" + major
                + "), or run the orchestrator where Docker serves the stack. Nothing was changed.");
    }

    private static int majorOf(Path dir, CommandRunner runner) {
        CommandResult out = runner.runAllowingFailure(Command.of(dir.resolve("postgres").toString(), "--version"));
        String digits = out.stdout().replaceAll("^[^0-9]*", "");
        int end = 0;
        while (end < digits.length() && Character.isDigit(digits.charAt(end))) {
            end++;
        }
        return out.exitCode() == 0 && end > 0 ? Integer.parseInt(digits.substring(0, end)) : -1;
    }

    /** Whether the server runs as another user than the orchestrator (then it cannot read the owner-only WAL folder). */
    boolean otherUser() {
        return serverUser != null;
    }

    /** The scratch folder handed to the server's user. */
    void handOver(Path dir) {
        if (serverUser != null) {
            runner.run(Command.of("chown", "-R", serverUser + ":", dir.toString()));
        }
        runner.run(Command.of("chmod", "700", dir.resolve("data").toString()));
    }

    String controldata(Path data) {
        return runner.run(asServer(List.of(bin.resolve("pg_controldata").toString(), "-D", data.toString()))).stdout();
    }

    /** Starts {@code postgres -D data}; each line of its log goes to {@code lines}. */
    RunningCommand start(Path data, Consumer<String> lines) {
        return runner.start(asServer(List.of(bin.resolve("postgres").toString(), "-D", data.toString())), lines);
    }

    /** {@code pg_ctl stop -m immediate}: nothing of a scratch server is worth a clean shutdown. False when none ran. */
    boolean stop(Path data) {
        if (!Files.exists(data.resolve("postmaster.pid"))) {
            return false;
        }
        return runner.runAllowingFailure(asServer(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate",
                "-w", "-t", "60", "stop"))).exitCode() == 0;
    }

    private Command asServer(List<String> argv) {
        List<String> all = new ArrayList<>();
        if (serverUser != null) {
            all.addAll(List.of("runuser", "-u", serverUser, "--"));
        }
        all.addAll(argv);
        return Command.of(all);
    }
}
