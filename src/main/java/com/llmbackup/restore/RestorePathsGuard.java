package com.llmbackup.restore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Every refusal of a request's {@code restorePaths} (a restore of chosen files or folders), each
 * an operator's message; judged before the approval and again before anything is written.
 * Pure but for {@link #throughLink}, which looks at the live folder.
 */
public final class RestorePathsGuard {

    private RestorePathsGuard() {
    }

    /**
     * The list itself: not empty, each path relative to the uploads folder, no {@code ..}, no
     * NUL. A folder may end in {@code /}; the paths are returned as the file lists write them.
     */
    public static Optional<String> syntax(List<String> paths) {
        if (paths == null || paths.isEmpty()) {
            return Optional.of("restorePaths is empty: name at least one file or folder of the set, relative to the uploads folder "
                    + "(e.g. [\"projects/42/report.pdf\"]).");
        }
        for (String path : paths) {
            if (path == null || path.isBlank()) {
                return Optional.of("restorePaths holds an empty path: name each file or folder relative to the uploads folder.");
            }
            if (path.indexOf('\0') >= 0) {
                return Optional.of("restorePaths: '" + path.replace("\0", "\\0") + "' contains a NUL character, which no file name "
                        + "can hold.");
            }
            if (path.startsWith("/")) {
                return Optional.of("restorePaths: '" + path + "' is an absolute path: name it relative to the uploads folder (without "
                        + "the leading /).");
            }
            List<String> names = List.of(normalized(path).split("/", -1));
            if (names.contains("..")) {
                return Optional.of("restorePaths: '" + path + "' leads out of the uploads folder (..): name a path inside it.");
            }
            if (names.contains(".") || names.contains("")) {
                return Optional.of("restorePaths: '" + path + "' is not a plain path (an empty name or '.'): write it as the file list "
                        + "shows it, e.g. projects/42/report.pdf.");
            }
        }
        return Optional.empty();
    }

    /** The paths as the file lists write them: a folder's trailing {@code /} dropped, duplicates once. */
    public static List<String> normalize(List<String> paths) {
        List<String> out = new ArrayList<>();
        for (String path : paths) {
            String n = normalized(path);
            if (!out.contains(n)) {
                out.add(n);
            }
        }
        return out;
    }

    private static String normalized(String path) {
        return path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
    }

    /** The paths the set does not hold ({@code missing}), named with the set. */
    public static Optional<String> inSet(Collection<String> missing, String set) {
        if (missing.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("Set " + set + " does not hold " + String.join(", ", missing.stream().limit(10).toList())
                + (missing.size() > 10 ? " and " + (missing.size() - 10) + " more" : "")
                + ": choose paths from its file list (GET /api/backups/sets/{kind}/{id}/files, or Files on the admin page).");
    }

    /** Whether a restored path lies at or below a requested one. */
    public static boolean covers(String requested, String path) {
        return path.equals(requested) || path.startsWith(requested + "/");
    }

    /**
     * A restore writes into the live folder only through real folders: a folder above
     * {@code path} that is a symbolic link (which may lead anywhere, out of the folder too) is refused.
     */
    public static Optional<String> throughLink(Path live, String path) {
        Path current = live;
        String[] names = path.split("/");
        for (int i = 0; i < names.length - 1; i++) {
            current = current.resolve(names[i]);
            if (Files.isSymbolicLink(current)) {
                String target;
                try {
                    target = Files.readSymbolicLink(current).toString();
                } catch (IOException e) {
                    target = "?";
                }
                return Optional.of("restorePaths: '" + path + "' leads through the symbolic link " + current + " (to " + target
                        + ") in the uploads folder: a restore never writes through a link. Restore it side by side (targetUploadsDir) "
                        + "and copy it by hand.");
            }
            if (!Files.isDirectory(current, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.empty(); // absent (recreated as a folder) or a file (replaced): nothing leads elsewhere
            }
        }
        return Optional.empty();
    }
}
