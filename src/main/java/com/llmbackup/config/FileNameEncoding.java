package com.llmbackup.config;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * The JVM turns file names into strings with {@code sun.jnu.encoding}, which it takes from
 * the locale at start-up (LC_ALL, then LC_CTYPE, then LANG; setting the property by -D does
 * not change it). Anything but UTF-8 turns non-ASCII names (Korean uploads) into '?': every
 * daily would fail on them and a weekly archive would store them renamed. So start-up stops
 * with one message instead of failing every night.
 */
public final class FileNameEncoding {

    private FileNameEncoding() {
    }

    /** Empty when file names are read as UTF-8; else why not, with the locale variables as they are. */
    public static Optional<String> problem(String encoding, Map<String, String> env) {
        if (isUtf8(encoding)) {
            return Optional.empty();
        }
        String locale = "LC_ALL=" + shown(env.get("LC_ALL")) + ", LC_CTYPE=" + shown(env.get("LC_CTYPE"))
                + ", LANG=" + shown(env.get("LANG"));
        // plain ASCII: under such a locale the console cannot print Korean either
        return Optional.of("The JVM reads file names as " + encoding + " (sun.jnu.encoding, from the locale: " + locale
                + "), not UTF-8: non-ASCII names such as Korean uploads would be read as '?' and could not be backed up.");
    }

    public static final String ACTION = "Start llm-backup with a UTF-8 locale: LANG=C.UTF-8, and LC_ALL unset or UTF-8 "
            + "(systemd: Environment=LANG=C.UTF-8 in the unit; cron: LANG=C.UTF-8 at the top of the crontab; "
            + "Docker: ENV LANG=C.UTF-8). scripts/run.sh sets it. -Dsun.jnu.encoding does not work: the JVM takes it from the locale.";

    static boolean isUtf8(String encoding) {
        if (encoding == null || encoding.isBlank()) {
            return false;
        }
        try {
            return Charset.forName(encoding.trim()).equals(StandardCharsets.UTF_8);
        } catch (IllegalArgumentException unknown) {
            return false;
        }
    }

    private static String shown(String value) {
        return value == null ? "unset" : "'" + value + "'";
    }

    /** Start-up stops with this (printed by {@link FileNameEncodingFailureAnalyzer}). */
    public static class UnsupportedException extends IllegalStateException {
        UnsupportedException(String message) {
            super(message);
        }
    }

    /** Checks the running JVM before anything reads a file name. */
    static void requireUtf8() {
        problem(System.getProperty("sun.jnu.encoding"), System.getenv()).ifPresent(message -> {
            throw new UnsupportedException(message);
        });
    }
}
