package com.llmbackup.exec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An external program to run: an argument list (never a shell string), its own environment
 * variables (where secrets go: they never reach an argument list; the child inherits only a few
 * of the orchestrator's, see {@link ChildEnvironment}), an optional working directory and a timeout.
 */
public final class Command {

    private final List<String> argv;
    private final Map<String, String> environment;
    private final Path workingDirectory;
    private final Duration timeout;

    private Command(List<String> argv, Map<String, String> environment, Path workingDirectory, Duration timeout) {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("a command needs at least the program to run");
        }
        this.argv = List.copyOf(argv);
        this.environment = Map.copyOf(environment);
        this.workingDirectory = workingDirectory;
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    public static Command of(String program, String... args) {
        List<String> argv = new ArrayList<>();
        argv.add(program);
        argv.addAll(List.of(args));
        return new Command(argv, Map.of(), null, Duration.ofMinutes(10));
    }

    public static Command of(List<String> argv) {
        return new Command(argv, Map.of(), null, Duration.ofMinutes(10));
    }

    public Command withEnvironment(String name, String value) {
        Map<String, String> env = new LinkedHashMap<>(environment);
        if (value != null) {
            env.put(name, value);
        }
        return new Command(argv, env, workingDirectory, timeout);
    }

    public Command withTimeout(Duration timeout) {
        return new Command(argv, environment, workingDirectory, timeout);
    }

    public Command inDirectory(Path directory) {
        return new Command(argv, environment, directory, timeout);
    }

    public List<String> argv() {
        return argv;
    }

    public Map<String, String> environment() {
        return environment;
    }

    public Path workingDirectory() {
        return workingDirectory;
    }

    public Duration timeout() {
        return timeout;
    }

    /** The program's file name, for messages ("pg_dump exited with code 1"). */
    public String programName() {
        String program = argv.get(0);
        int slash = program.lastIndexOf('/');
        return slash >= 0 ? program.substring(slash + 1) : program;
    }

    /** The command line for logs; the environment (where secrets are) is named, never shown. */
    @Override
    public String toString() {
        String line = String.join(" ", argv);
        return environment.isEmpty() ? line : line + " (with " + String.join(", ", environment.keySet()) + " set)";
    }
}
