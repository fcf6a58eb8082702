package com.llmbackup.uploads;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A walk of a tree, links not followed, with each folder's entries visited sorted by name: the
 * walk emits paths in {@link com.llmbackup.catalog.ManifestFiles#PATH_ORDER}, the order of the
 * file lists, so the snapshot merge-joins the tree with the previous list instead of holding a
 * map of it. Only the names of the folders on the current path are held. Each entry comes with
 * its path below the start as the file lists write it (built from the names, not by
 * relativizing) and its attributes read once (one lstat: mode, owner ids, size, mtime, ctime,
 * type), which the snapshot compares with the previous list without reading them again.
 */
public final class SortedWalk {

    /** The attributes read for every entry, as {@code Files.readAttributes} names them. */
    static final String ATTRIBUTES = "unix:mode,uid,gid,size,lastModifiedTime,ctime,isDirectory,isRegularFile,isSymbolicLink";

    private SortedWalk() {
    }

    /** What the walk hands on; {@code rel} is "." for the start itself. */
    public interface Visitor {
        /** A folder, before its content; {@link FileVisitResult#SKIP_SUBTREE} leaves its content out. */
        FileVisitResult enter(Path dir, String rel, Map<String, Object> attributes) throws IOException;

        /** A folder whose content was visited. */
        default void leave(Path dir, String rel) throws IOException {
        }

        /** Anything but a folder: a file, a link, a special file. */
        void visit(Path path, String rel, Map<String, Object> attributes) throws IOException;

        /** An entry that could not be read or listed (gone since the listing, unreadable); rethrows unless overridden. */
        default void failed(Path path, String rel, IOException e) throws IOException {
            throw e;
        }
    }

    public static void walk(Path start, Visitor visitor) throws IOException {
        visit(start, ".", visitor);
    }

    /** A walk of a subtree whose root is {@code rel} in the file lists' form. */
    static void walk(Path start, String rel, Visitor visitor) throws IOException {
        visit(start, rel, visitor);
    }

    /** A listed entry and its name as the file lists write it. */
    private record Child(String name, Path path) implements Comparable<Child> {
        @Override
        public int compareTo(Child other) {
            // names hold no '/': String order is the path order among siblings
            return name.compareTo(other.name);
        }
    }

    private static void visit(Path path, String rel, Visitor visitor) throws IOException {
        Map<String, Object> attributes;
        try {
            attributes = Files.readAttributes(path, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            visitor.failed(path, rel, e);
            return;
        }
        if (!Boolean.TRUE.equals(attributes.get("isDirectory"))) {
            visitor.visit(path, rel, attributes);
            return;
        }
        // the listed paths, not paths made from their names: a name that is not UTF-8 keeps its bytes
        List<Child> children = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(path)) {
            for (Path entry : entries) {
                children.add(new Child(FileNames.name(entry), entry));
            }
        } catch (IOException e) {
            visitor.failed(path, rel, e);
            return;
        }
        if (visitor.enter(path, rel, attributes) != FileVisitResult.CONTINUE) {
            return;
        }
        children.sort(null);
        String prefix = rel.equals(".") ? "" : rel + "/";
        for (Child child : children) {
            visit(child.path(), prefix + child.name(), visitor);
        }
        visitor.leave(path, rel);
    }
}
