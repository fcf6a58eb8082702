package com.llmbackup.restore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import com.llmbackup.config.Text;

/**
 * Every refusal of a request's {@code restorePaths} (a restore of chosen files or folders), each
 * an operator's text; judged before the approval and again before anything is written.
 * Pure but for {@link #throughLink}, which looks at the live folder.
 */
public final class RestorePathsGuard {

    /** The request's field that names the paths. */
    static final String FIELD = "restorePaths";

    // an argument, not bundle text: MessageFormat would read its braces as placeholders
    private static final String FILE_LIST = "/api/backups/sets/{kind}/{id}/files";

    private RestorePathsGuard() {
    }

    /**
     * The list itself: not empty, each path relative to the uploads folder, no {@code ..}, no
     * NUL. A folder may end in {@code /}; the paths are returned as the file lists write them.
     */
    public static Optional<Text> syntax(List<String> paths) {
        return syntax(paths, FIELD);
    }

    /** The same, naming the list {@code field} in the refusal (the files API's {@code path}). */
    public static Optional<Text> syntax(List<String> paths, String field) {
        if (paths == null || paths.isEmpty()) {
            return Optional.of(Text.of("restore.paths.empty", field));
        }
        for (String path : paths) {
            if (path == null || path.isBlank()) {
                return Optional.of(Text.of("restore.paths.blank", field));
            }
            if (path.indexOf('\0') >= 0) {
                return Optional.of(Text.of("restore.paths.nul", field, path.replace("\0", "\\0")));
            }
            if (path.startsWith("/")) {
                return Optional.of(Text.of("restore.paths.absolute", field, path));
            }
            List<String> names = List.of(normalized(path).split("/", -1));
            if (names.contains("..")) {
                return Optional.of(Text.of("restore.paths.outside", field, path));
            }
            if (names.contains(".") || names.contains("")) {
                return Optional.of(Text.of("restore.paths.notPlain", field, path));
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
    public static Optional<Text> inSet(Collection<String> missing, String set) {
        if (missing.isEmpty()) {
            return Optional.empty();
        }
        String named = String.join(", ", missing.stream().limit(10).toList());
        return Optional.of(missing.size() > 10 ? Text.of("restore.paths.notInSet.more", set, named, missing.size() - 10, FILE_LIST)
                : Text.of("restore.paths.notInSet", set, named, FILE_LIST));
    }

    /** Whether a restored path lies at or below a requested one. */
    public static boolean covers(String requested, String path) {
        return path.equals(requested) || path.startsWith(requested + "/");
    }

    /**
     * A restore writes into the live folder only through real folders: a folder above
     * {@code path} that is a symbolic link (which may lead anywhere, out of the folder too) is refused.
     */
    public static Optional<Text> throughLink(Path live, String path) {
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
                return Optional.of(Text.of("restore.paths.throughLink", path, current, target));
            }
            if (!Files.isDirectory(current, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.empty(); // absent (recreated as a folder) or a file (replaced): nothing leads elsewhere
            }
        }
        return Optional.empty();
    }
}
