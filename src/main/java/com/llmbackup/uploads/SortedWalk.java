package com.llmbackup.uploads;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.FileVisitor;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * {@link Files#walkFileTree} (links not followed, same callbacks) with each folder's entries
 * visited sorted by name: the walk then emits paths in
 * {@link com.llmbackup.catalog.ManifestFiles#PATH_ORDER}, the order of the file lists, so the
 * snapshot merge-joins the tree with the previous list instead of holding a map of it. Only
 * the names of the folders on the current path are held.
 */
public final class SortedWalk {

    private SortedWalk() {
    }

    public static void walk(Path start, FileVisitor<Path> visitor) throws IOException {
        visit(start, visitor);
    }

    private static FileVisitResult visit(Path path, FileVisitor<Path> visitor) throws IOException {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return visitor.visitFileFailed(path, e);
        }
        if (!attrs.isDirectory()) {
            return visitor.visitFile(path, attrs);
        }
        // the listed paths, not their names: a name that is not UTF-8 keeps its bytes (FileNames skips it)
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(path)) {
            for (Path entry : entries) {
                children.add(entry);
            }
        } catch (IOException e) {
            return visitor.visitFileFailed(path, e);
        }
        // names hold no '/': String order is the path order among siblings
        children.sort(Comparator.comparing((Path p) -> p.getFileName().toString()));
        FileVisitResult pre = visitor.preVisitDirectory(path, attrs);
        if (pre == FileVisitResult.SKIP_SUBTREE || pre == FileVisitResult.SKIP_SIBLINGS) {
            return FileVisitResult.CONTINUE;
        }
        if (pre == FileVisitResult.TERMINATE) {
            return pre;
        }
        for (Path child : children) {
            FileVisitResult result = visit(child, visitor);
            if (result == FileVisitResult.TERMINATE) {
                return result;
            }
            if (result == FileVisitResult.SKIP_SIBLINGS) {
                break;
            }
        }
        return visitor.postVisitDirectory(path, null);
    }
}
