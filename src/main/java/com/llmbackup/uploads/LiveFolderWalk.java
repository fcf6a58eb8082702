package com.llmbackup.uploads;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.llmbackup.catalog.RawNames;

/**
 * A walk of the live uploads folder (given to {@link SortedWalk}, so in path order) with the
 * rules the daily snapshot and the weekly archive share, and their warnings: a name that is
 * not UTF-8 is kept byte for byte ({@link FileNames}); an entry deleted while it is walked or read is a
 * warning, not a failure; anything but a folder, a file or a symbolic link is skipped; a file
 * that became a folder or a link while it was read is taken as what it is now. A file read
 * while it changes is read again, up to {@value #ATTEMPTS} times. The subclass says what a
 * folder, a file and a link become, with the attributes the walk read (links not followed);
 * {@link #attributes} reads them again where a read must be checked.
 */
abstract class LiveFolderWalk implements SortedWalk.Visitor {

    static final int ATTEMPTS = 3;

    final Path source;
    final List<String> warnings;
    final UnixAttributes attributes = new UnixAttributes();

    LiveFolderWalk(Path source, List<String> warnings) {
        this.source = source;
        this.warnings = warnings;
    }

    /** A folder read ({@code rel} is "." for the uploads folder itself); its content follows, then {@link #leave}. */
    abstract void directory(Path dir, String rel, Map<String, Object> unix) throws IOException;

    abstract void regularFile(Path file, String rel, Map<String, Object> unix) throws IOException;

    abstract void symlink(Path file, String rel, Map<String, Object> unix) throws IOException;

    /** The file was deleted while it was read: whatever was made of it so far goes. */
    void vanishedWhileRead(String rel) throws IOException {
    }

    @Override
    public final FileVisitResult enter(Path dir, String rel, Map<String, Object> unix) throws IOException {
        attributes.names(dir, unix);
        directory(dir, rel, unix);
        return FileVisitResult.CONTINUE;
    }

    @Override
    public final void visit(Path file, String rel, Map<String, Object> unix) throws IOException {
        try {
            attributes.names(file, unix);
            if (Boolean.TRUE.equals(unix.get("isSymbolicLink"))) {
                symlink(file, rel, unix);
            } else if (Boolean.TRUE.equals(unix.get("isRegularFile"))) {
                regularFile(file, rel, unix);
            } else {
                warnings.add(notAFile(rel));
            }
        } catch (NoSuchFileException e) {
            if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                throw e; // something of ours is missing, not the source file
            }
            // deleted between the listing and its read, or during the read
            vanishedWhileRead(rel);
            warnings.add(vanished(rel));
        }
    }

    @Override
    public final void failed(Path path, String rel, IOException e) throws IOException {
        // deleted between its folder's listing and its read; the uploads folder itself must be there
        if (e instanceof NoSuchFileException && !rel.equals(".")) {
            warnings.add(vanished(rel));
            return;
        }
        throw e;
    }

    /** The file is no longer a file after its read (a folder or a link now): what is there now is taken. */
    final void replaced(Path file, String rel) throws IOException {
        if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
            warnings.add(RawNames.display(rel) + " was replaced by a folder while it was backed up: this set holds the folder.");
            SortedWalk.walk(file, rel, this);
        } else if (Files.isSymbolicLink(file)) {
            symlink(file, rel, attributes.read(file));
        } else {
            warnings.add(notAFile(rel));
        }
    }

    static String vanished(String rel) {
        return RawNames.display(rel) + " was deleted while it was backed up: it is not in this set.";
    }

    /** A FIFO, socket or device: no backup holds one, and no restore deletes one (they are kept where they are). */
    static String notAFile(String rel) {
        return "Not in this set: " + RawNames.display(rel) + " is not a regular file, folder or symbolic link (a FIFO, socket "
                + "or device). A restore keeps it where it is and never deletes it; the program that made it makes it again.";
    }

    static String keptChanging(String rel, long bytes) {
        return RawNames.display(rel) + " changed while it was backed up: it was read " + ATTEMPTS + " times and changed during each read. This set "
                + "holds the last read as it was stored (" + bytes + " bytes; its manifest size and SHA-256 are those bytes, which "
                + "may mix old and new content); the next backup reads it again.";
    }

    /** Size, mtime and ctime equal: nothing wrote to the file in between (ctime also moves on a rewrite that restores mtime). */
    static boolean sameContentState(Map<String, Object> before, Map<String, Object> after) {
        return before.get("size").equals(after.get("size")) && before.get("lastModifiedTime").equals(after.get("lastModifiedTime"))
                && before.get("ctime").equals(after.get("ctime"));
    }

    /** An operator's account of a failed read: the file, and for a permission problem the fix. */
    static String describe(IOException e, Path source) {
        if (e instanceof AccessDeniedException denied) {
            return "cannot read " + denied.getFile() + ": permission denied. The backup must read every file of the uploads "
                    + "folder: run llm-backup as root (as its service unit does) or give its user read access to " + source
                    + " (for example: setfacl -R -m u:USER:rX " + source + ").";
        }
        if (e instanceof FileSystemException fse) {
            return fse.getFile() + (fse.getReason() == null ? "" : ": " + fse.getReason());
        }
        // the operator reads "No space left on device", not the exception's class
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }
}
