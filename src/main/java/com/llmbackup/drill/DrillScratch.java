package com.llmbackup.drill;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a drill restores one set: database {@code llm_backup_drill_<runId>} on the web app's
 * server and folder {@code <side-by-side root>/drill-<runId>}, named by the drill's history row.
 * Leftovers (an orchestrator stopped mid-drill, an instance deleted in an incident) are removed
 * by the next drill, but only names of this exact form whose run id is a drill's row: an
 * operator's side-by-side target, even one named alike, is never taken for the drill's.
 */
public record DrillScratch(String database, Path folder) {

    static final String DATABASE_PREFIX = "llm_backup_drill_";
    static final String FOLDER_PREFIX = "drill-";
    private static final Pattern DATABASE = Pattern.compile(Pattern.quote(DATABASE_PREFIX) + "([1-9][0-9]{0,17})");
    private static final Pattern FOLDER = Pattern.compile(Pattern.quote(FOLDER_PREFIX) + "([1-9][0-9]{0,17})");

    public static DrillScratch of(long runId, Path scratchRoot) {
        return new DrillScratch(DATABASE_PREFIX + runId, scratchRoot.resolve(FOLDER_PREFIX + runId));
    }

    /**
     * Why this scratch must not be used: it is production itself (a production database named
     * {@code llm_backup_drill_N}, or a side-by-side root that holds the uploads folder or lies in
     * it), which the drill would write into and then drop or delete. Empty when it is apart.
     */
    public Optional<String> conflict(String productionDatabase, Path uploadsDir) {
        if (database.equals(productionDatabase)) {
            return Optional.of("The drill's scratch database " + database + " is the production database (backup.database.name): "
                    + "the drill neither writes nor drops it. Nothing was changed.");
        }
        if (overlaps(folder, uploadsDir)) {
            return Optional.of("The drill's scratch folder " + folder.toAbsolutePath().normalize() + " overlaps the uploads folder "
                    + uploadsDir.toAbsolutePath().normalize() + " (backup.uploads-dir): "
                    + "set backup.restore.side-by-side-root apart from it. Nothing was changed.");
        }
        return Optional.empty();
    }

    /** Whether a folder is the uploads folder, lies in it or holds it. */
    static boolean overlaps(Path folder, Path uploadsDir) {
        Path live = uploadsDir.toAbsolutePath().normalize();
        Path mine = folder.toAbsolutePath().normalize();
        return mine.startsWith(live) || live.startsWith(mine);
    }

    /** The drill run a database name belongs to, if it has the drill's form. */
    static OptionalLong databaseRun(String name) {
        return run(DATABASE.matcher(name));
    }

    /** The drill run a folder name (below the scratch root) belongs to, if it has the drill's form. */
    static OptionalLong folderRun(String name) {
        return run(FOLDER.matcher(name));
    }

    /**
     * Whether a scratch item of run {@code run} is a leftover to remove: it has the drill's form, its
     * run is a drill's row ({@code drillRuns}), and not one of the runs still going ({@code running}).
     */
    static boolean leftover(OptionalLong run, Set<Long> drillRuns, Set<Long> running) {
        return run.isPresent() && drillRuns.contains(run.getAsLong()) && !running.contains(run.getAsLong());
    }

    private static OptionalLong run(Matcher m) {
        return m.matches() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
    }
}
