package com.llmbackup.exec;

import java.util.Map;
import java.util.Set;

/**
 * What a child process's environment holds: the few variables every program needs to run as
 * the orchestrator does (where programs are, the locale of file names and messages, the home
 * folder ssh reads its keys from, the temp folder, the time zone) and the command's own. The
 * orchestrator's other variables ({@code SPRING_DATASOURCE_PASSWORD},
 * {@code CAMUNDA_BPM_ADMINUSER_PASSWORD}, whatever its deployment sets) never reach pg_dump,
 * restic or any other child.
 */
final class ChildEnvironment {

    static final Set<String> INHERITED = Set.of("PATH", "HOME", "TMPDIR", "TZ", "LANG", "LC_ALL");

    private ChildEnvironment() {
    }

    /** Narrows {@code environment} (a {@link ProcessBuilder}'s, the orchestrator's copy) to the inherited names and adds {@code own}. */
    static void apply(Map<String, String> environment, Map<String, String> own) {
        environment.keySet().removeIf(name -> !inherited(name));
        environment.putAll(own);
    }

    static boolean inherited(String name) {
        // LC_CTYPE and the other locale categories: as LANG, they only say how to read and write text
        return INHERITED.contains(name) || name.startsWith("LC_");
    }
}
