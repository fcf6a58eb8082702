package com.llmbackup.exec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A long-running child started by {@link CommandRunner#start}: both streams drained on their own
 * threads for as long as it runs (stderr line by line to a listener, its last lines kept for the
 * message when it dies), its exit code once it ended, and a stop that ends its descendants too.
 * Whoever started it supervises it: nothing here restarts it.
 */
public final class RunningCommand implements AutoCloseable {

    /** Lines of stderr kept: where a program says why it stopped. */
    static final int TAIL_LINES = 20;

    private final Process process;
    private final String program;
    private final Deque<String> tail = new ArrayDeque<>();
    private final Thread stderr;
    private final Thread stdout;

    RunningCommand(Process process, String program, Consumer<String> stderrLines) {
        this.process = process;
        this.program = program;
        this.stderr = drain(process.getErrorStream(), program + "-stderr", line -> {
            synchronized (tail) {
                if (tail.size() == TAIL_LINES) {
                    tail.removeFirst();
                }
                tail.addLast(line);
            }
            stderrLines.accept(line);
        });
        this.stdout = drain(process.getInputStream(), program + "-stdout", line -> { });
    }

    public String program() {
        return program;
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** The exit code once the program ended; empty while it runs. */
    public OptionalInt exitCode() {
        return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
    }

    /** Waits at most {@code timeout} for the program to end; true when it did. */
    public boolean awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The last lines it wrote to stderr (after it ended: all it said, once the drain caught up). */
    public List<String> stderrTail() {
        if (!process.isAlive()) {
            try {
                stderr.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (tail) {
            return List.copyOf(tail);
        }
    }

    /** SIGTERM, and after {@code grace} SIGKILL to it and its descendants; returns when it ended. */
    public void stop(Duration grace) {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                kill();
            }
        } catch (InterruptedException e) {
            kill();
            Thread.currentThread().interrupt();
        }
        descendants.forEach(ProcessHandle::destroyForcibly);
    }

    /** SIGKILL to it and its descendants. */
    public void kill() {
        CommandRunner.kill(process);
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(10));
        try {
            stdout.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread drain(InputStream in, String name, Consumer<String> lines) {
        Thread thread = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    lines.accept(line);
                }
            } catch (IOException | RuntimeException ended) {
                // the child is gone, or the listener failed: nothing more to read
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }
}
