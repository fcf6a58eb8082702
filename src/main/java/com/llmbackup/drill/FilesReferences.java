package com.llmbackup.drill;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The database and the files belong together: every path {@code backup.drill.files-query}
 * lists in the restored database must be a file of the restored uploads. A path is taken
 * relative to the uploads folder; an absolute one must lie below {@code backup.uploads-dir}
 * (the web app may store either); NULL or empty means "no file" and is skipped.
 */
final class FilesReferences {

    /** At most this many problems are named; the count says how many there were. */
    static final int NAMED = 20;

    private FilesReferences() {
    }

    /** How many paths were checked and what is wrong with the others, each naming its path. */
    record Result(int checked, int missing, List<String> problems) {
        boolean passed() {
            return problems.isEmpty();
        }
    }

    static Result check(List<String> databasePaths, Set<String> restoredFiles, Path uploadsDir) {
        List<String> problems = new ArrayList<>();
        int checked = 0;
        int missing = 0;
        for (String value : databasePaths) {
            if (value == null || value.isBlank()) {
                continue;
            }
            checked++;
            Optional<String> problem = problem(value, restoredFiles, uploadsDir);
            if (problem.isPresent()) {
                missing++;
                if (problems.size() < NAMED) {
                    problems.add(problem.get());
                }
            }
        }
        if (missing > NAMED) {
            problems.add("and " + (missing - NAMED) + " more");
        }
        if (checked == 0 && !restoredFiles.isEmpty()) {
            // a query on the wrong table or column passes vacuously: the database and the files were never paired
            problems.add("backup.drill.files-query listed no path in the restored database, yet the restored uploads hold "
                    + restoredFiles.size() + " files: the check would prove nothing (is the query right?)");
        }
        return new Result(checked, missing, problems);
    }

    /** The rule for one path the database lists. */
    static Optional<String> problem(String value, Set<String> restoredFiles, Path uploadsDir) {
        String path = value.strip();
        String rel;
        if (path.startsWith("/")) {
            Path absolute = Path.of(path).normalize();
            Path root = uploadsDir.toAbsolutePath().normalize();
            if (!absolute.startsWith(root) || absolute.equals(root)) {
                return Optional.of("path " + value + " (listed by the database) lies outside the uploads folder " + root);
            }
            rel = root.relativize(absolute).toString();
        } else {
            rel = path.startsWith("./") ? path.substring(2) : path;
            if (List.of(rel.split("/")).contains("..")) {
                return Optional.of("path " + value + " (listed by the database) leads out of the uploads folder (..)");
            }
        }
        if (!restoredFiles.contains(rel)) {
            return Optional.of("path " + value + " (listed by the database) is not a file of the restored uploads");
        }
        return Optional.empty();
    }
}
