package com.llmbackup.postgres;

import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.llmbackup.catalog.Sha256;

/**
 * The names a restore gives the databases beside the live one: {@code <db>__restoring_<run>}
 * while it is restored and checked, {@code <db>__before_<run>} for the database it replaced.
 * PostgreSQL cuts names at 63 bytes; a name that would be longer keeps the start of the live
 * name, then 8 hex digits of its SHA-256, then the suffix: the same live name and run always give
 * the same name, so a restarted step, the cleanup and an undo find it again. Pure.
 */
public final class DatabaseNames {

    /** PostgreSQL's NAMEDATALEN - 1. */
    public static final int MAX_BYTES = 63;
    static final String RESTORING = "__restoring_";
    static final String BEFORE = "__before_";
    private static final Pattern RUN_SUFFIX = Pattern.compile("(__restoring_|__before_)(\\d{1,19})$");

    private DatabaseNames() {
    }

    /** Where restore run {@code runId} restores the dump before it is swapped in. */
    public static String restoring(String live, long runId) {
        return name(live, RESTORING + runId);
    }

    /** What the live database becomes when restore run {@code runId} swaps its copy in: kept for an undo. */
    public static String previous(String live, long runId) {
        return name(live, BEFORE + runId);
    }

    /** The run whose previous database {@code candidate} is, when it is one of {@code live}'s. */
    public static OptionalLong previousRun(String live, String candidate) {
        return run(live, candidate, BEFORE);
    }

    /** The run whose copy {@code candidate} is, when it is one of {@code live}'s. */
    public static OptionalLong restoringRun(String live, String candidate) {
        return run(live, candidate, RESTORING);
    }

    /** Whether a name is of the form a restore gives its databases (a side-by-side target may not take one). */
    public static boolean reserved(String name) {
        return name.contains(RESTORING) || name.contains(BEFORE);
    }

    private static OptionalLong run(String live, String candidate, String kind) {
        Matcher m = RUN_SUFFIX.matcher(candidate);
        if (!m.find() || !m.group(1).equals(kind)) {
            return OptionalLong.empty();
        }
        long runId;
        try {
            runId = Long.parseLong(m.group(2));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
        return name(live, kind + runId).equals(candidate) ? OptionalLong.of(runId) : OptionalLong.empty();
    }

    static String name(String live, String suffix) {
        if (bytes(live) + bytes(suffix) <= MAX_BYTES) {
            return live + suffix;
        }
        var digest = Sha256.newDigest();
        digest.update(live.getBytes(StandardCharsets.UTF_8));
        String hash = "_" + Sha256.hex(digest).substring(0, 8);
        int room = MAX_BYTES - bytes(suffix) - bytes(hash);
        StringBuilder kept = new StringBuilder();
        int used = 0;
        for (int i = 0; i < live.length(); ) {
            int cp = live.codePointAt(i);
            int n = bytes(new String(Character.toChars(cp)));
            if (used + n > room) {
                break; // never half a character: the name stays valid UTF-8
            }
            kept.appendCodePoint(cp);
            used += n;
            i += Character.charCount(cp);
        }
        return kept + hash + suffix;
    }

    private static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
