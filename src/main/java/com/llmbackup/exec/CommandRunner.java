package com.llmbackup.exec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Runs external programs the safe way: an argument list (no shell, so nothing in a name
 * or a setting is ever interpreted), stdout and stderr drained on their own threads (a
 * chatty child can never block on a full pipe), a timeout after which the child and its
 * descendants are killed, and a {@link CommandFailedException} with the exit code and
 * stderr when anything goes wrong.
 */
@Component
public class CommandRunner {

    private static final Logger log = LoggerFactory.getLogger(CommandRunner.class);

    /** How much of each stream is kept; a dump's TOC listing fits, an unbounded stream does not. */
    static final int STDOUT_LIMIT = 8 * 1024 * 1024;
    static final int STDERR_LIMIT = 64 * 1024;

    public CommandResult run(Command command) {
        CommandResult result = runAllowingFailure(command);
        if (result.exitCode() != 0) {
            throw new CommandFailedException(command.programName(), result.exitCode(), result.stderr(),
                    command.programName() + " exited with code " + result.exitCode()
                            + describeStderr(result.stderr()), null);
        }
        return result;
    }

    /** Runs the command and returns whatever exit code it had; fails only when it cannot run or times out. */
    public CommandResult runAllowingFailure(Command command) {
        log.debug("running: {}", command);
        long started = System.nanoTime();
        Process process = launch(command);
        StreamDrainer out = StreamDrainer.start(process.getInputStream(), STDOUT_LIMIT, false, command.programName() + "-stdout");
        StreamDrainer err = StreamDrainer.start(process.getErrorStream(), STDERR_LIMIT, true, command.programName() + "-stderr");
        try {
            if (!process.waitFor(command.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process);
                String stderr = err.awaitText(Duration.ofSeconds(5));
                throw new CommandFailedException(command.programName(), CommandFailedException.TIMED_OUT, stderr,
                        command.programName() + " did not finish within " + human(command.timeout())
                                + " and was stopped" + describeStderr(stderr), null);
            }
            String stdout = out.awaitText(Duration.ofMinutes(1));
            String stderr = err.awaitText(Duration.ofMinutes(1));
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            log.debug("{} exited with {} after {} ms", command.programName(), process.exitValue(), took.toMillis());
            return new CommandResult(process.exitValue(), stdout, stderr, took);
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            throw new CommandFailedException(command.programName(), CommandFailedException.TIMED_OUT, "",
                    command.programName() + " was interrupted and stopped", e);
        }
    }

    /**
     * Starts a program that runs until it is stopped (a receiver, a server): its streams are
     * drained for as long as it runs, each stderr line handed to {@code stderrLines}; the
     * command's timeout does not apply. The caller supervises it and stops it.
     */
    public RunningCommand start(Command command, Consumer<String> stderrLines) {
        log.debug("starting: {}", command);
        return new RunningCommand(launch(command), command.programName(), stderrLines);
    }

    private static Process launch(Command command) {
        ProcessBuilder builder = new ProcessBuilder(command.argv());
        ChildEnvironment.apply(builder.environment(), command.environment());
        if (command.workingDirectory() != null) {
            builder.directory(command.workingDirectory().toFile());
        }
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new CommandFailedException(command.programName(), CommandFailedException.NOT_STARTED, "",
                    "could not start " + command.programName() + ": " + e.getMessage()
                            + " (is it installed and on the PATH?)", e);
        }
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // the child may already have exited
        }
        return process;
    }

    static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String describeStderr(String stderr) {
        String trimmed = stderr == null ? "" : stderr.strip();
        return trimmed.isEmpty() ? "" : ": " + trimmed;
    }

    private static String human(Duration d) {
        return d.toString().substring(2).toLowerCase();
    }

    /** Reads a stream to its end on its own thread, keeping the head (stdout) or the tail (stderr). */
    private static final class StreamDrainer implements Runnable {
        private final InputStream in;
        private final int limit;
        private final boolean keepTail;
        private final Thread thread;
        private byte[] kept = new byte[0];
        private IOException failure;

        private StreamDrainer(InputStream in, int limit, boolean keepTail, String name) {
            this.in = in;
            this.limit = limit;
            this.keepTail = keepTail;
            this.thread = new Thread(this, name);
            this.thread.setDaemon(true);
        }

        static StreamDrainer start(InputStream in, int limit, boolean keepTail, String name) {
            StreamDrainer drainer = new StreamDrainer(in, limit, keepTail, name);
            drainer.thread.start();
            return drainer;
        }

        @Override
        public void run() {
            BoundedBuffer buffer = new BoundedBuffer(limit, keepTail);
            byte[] chunk = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(chunk)) != -1) {
                    buffer.write(chunk, n);
                }
            } catch (IOException e) {
                failure = e;
            }
            kept = buffer.toByteArray();
        }

        String awaitText(Duration wait) throws InterruptedException {
            thread.join(wait.toMillis());
            if (thread.isAlive()) {
                // a grandchild still holds the pipe open; what we have is enough
                return "";
            }
            if (failure != null && kept.length == 0) {
                throw new UncheckedIOException(failure);
            }
            return new String(kept, StandardCharsets.UTF_8);
        }
    }
}
