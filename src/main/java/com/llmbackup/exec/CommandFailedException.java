package com.llmbackup.exec;

/**
 * A program that could not be started, exited with a non-zero code, or ran out of time.
 * Carries the exit code and the end of stderr, which is where the programs we run
 * (pg_dump, pg_restore, psql) say what went wrong.
 */
public class CommandFailedException extends RuntimeException {

    /** Exit code used when the program never ran or was killed for running too long. */
    public static final int NOT_STARTED = -1;
    public static final int TIMED_OUT = -2;

    private final String program;
    private final int exitCode;
    private final String stderr;

    public CommandFailedException(String program, int exitCode, String stderr, String message, Throwable cause) {
        super(message, cause);
        this.program = program;
        this.exitCode = exitCode;
        this.stderr = stderr == null ? "" : stderr;
    }

    public String program() {
        return program;
    }

    public int exitCode() {
        return exitCode;
    }

    public String stderr() {
        return stderr;
    }

    public boolean timedOut() {
        return exitCode == TIMED_OUT;
    }
}
