package com.llmbackup.uploads;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.llmbackup.catalog.RawNames;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

/**
 * What an entry of an archive or of a snapshot's file list may be, read as untrusted input:
 * a name inside the uploads folder (not absolute, no {@code ..}, no NUL, below one of the
 * accepted prefixes), not a device or fifo, not a hard link to anything but a file earlier
 * in the archive, never written through a symbolic link. Each refusal is an
 * {@link ArchiveInvalidException} that names the entry and says that nothing was written
 * outside the folder. The rules read names and headers only: the restore applies them to
 * the whole archive before writing ({@link ArchiveCheck}) and again while writing.
 */
final class EntryRules {

    private EntryRules() {
    }

    /** An archive entry's path below the uploads folder ("" for the folder itself), or a refusal naming it. */
    static String archiveRelative(String name, List<String> prefixes) {
        if (name.indexOf('\0') >= 0) {
            throw hostile(name, "its name contains a NUL character");
        }
        if (name.startsWith("/")) {
            throw hostile(name, "its name is an absolute path");
        }
        List<String> parts = new ArrayList<>();
        for (String part : name.split("/")) {
            if (part.equals("..")) {
                throw hostile(name, "its name climbs out with '..'");
            }
            if (!part.isEmpty() && !part.equals(".")) {
                parts.add(part);
            }
        }
        String joined = String.join("/", parts);
        for (String prefix : prefixes) {
            String p = prefix.replaceAll("^/+|/+$", "");
            if (joined.equals(p)) {
                return "";
            }
            if (joined.startsWith(p + "/")) {
                return joined.substring(p.length() + 1);
            }
        }
        throw hostile(name, "it is not below " + String.join("/ or ", prefixes) + "/");
    }

    /** A file list's path, or a refusal: it must name something inside the uploads folder. */
    static String listedRelative(String rel) {
        if (rel.isEmpty() || rel.startsWith("/") || rel.indexOf('\0') >= 0 || List.of(rel.split("/")).contains("..")) {
            throw hostile(rel, "it is not a path inside the uploads folder");
        }
        return rel;
    }

    /** Where an entry goes in {@code target}, or a refusal if its path resolves outside it. */
    static Path inside(Path target, String rel) {
        Path path = RawNames.resolve(target, rel);
        if (!path.normalize().startsWith(target)) {
            throw hostile(rel, "it resolves outside " + target);
        }
        return path;
    }

    /** The folders above an entry, outermost first ({@code a}, {@code a/b} for {@code a/b/c}). */
    static List<String> parents(String rel) {
        List<String> parents = new ArrayList<>();
        int slash = rel.indexOf('/');
        while (slash > 0) {
            parents.add(rel.substring(0, slash));
            slash = rel.indexOf('/', slash + 1);
        }
        return parents;
    }

    static ArchiveInvalidException throughLink(String name, String link) {
        return hostile(name, "it would be written through the symbolic link " + link);
    }

    /** The restore's own check of a hard link, against what it has written so far. */
    static ArchiveInvalidException hardLinkNotRestored(String rel, String to) {
        return hostile(rel, "it is a hard link to " + to + ", which is not a file restored before it");
    }

    /**
     * A restored link that points out of the folder is restored as it was backed up, with this
     * warning ({@code path} is where the link is, in {@code target}); null for a link inside.
     */
    static String linkLeaving(Path target, Path path, String rel, String linkTarget) {
        Path resolved = path.getParent().resolve(RawNames.relativePath(linkTarget)).normalize();
        if (resolved.startsWith(target)) {
            return null;
        }
        return "Restored " + RawNames.display(rel) + " as it was backed up: a symbolic link to " + RawNames.display(linkTarget)
                + ", outside the uploads folder.";
    }

    private static ArchiveInvalidException hostile(String name, String why) {
        return new ArchiveInvalidException("Refused archive entry '" + name + "': " + why
                + ". Nothing was written outside the uploads folder; the archive is not restorable as it is.");
    }

    /**
     * The rules applied to an archive's entries in their order, before anything is written:
     * a later entry may not go through a link an earlier one made, and a hard link may only
     * name a file met earlier. Counts the files (and links) and the bytes the archive holds.
     */
    static final class ArchiveCheck {
        private final List<String> prefixes;
        private final Set<String> symlinks = new HashSet<>();
        private final Set<String> regular = new HashSet<>();
        private long files;
        private long bytes;

        ArchiveCheck(List<String> prefixes) {
            this.prefixes = prefixes;
        }

        void check(TarArchiveEntry entry) {
            String rel = archiveRelative(RawTarNames.name(entry), prefixes);
            for (String parent : parents(rel)) {
                if (symlinks.contains(parent)) {
                    throw throughLink(entry.getName(), parent);
                }
            }
            if (entry.isDirectory()) {
                return;
            }
            // commons-compress counts any non-folder as a "file": special files are asked for first
            if (entry.isFIFO() || entry.isCharacterDevice() || entry.isBlockDevice()) {
                throw special(entry);
            }
            if (entry.isSymbolicLink()) {
                symlinks.add(rel);
            } else if (entry.isLink()) {
                String to;
                try {
                    to = archiveRelative(RawTarNames.linkName(entry), prefixes);
                } catch (ArchiveInvalidException outside) {
                    to = null;
                }
                if (to == null || !regular.contains(to)) {
                    throw hostile(entry.getName(), "it is a hard link to " + entry.getLinkName() + ", which is not a file earlier in the archive");
                }
            } else if (entry.isFile()) {
                regular.add(rel);
                bytes += entry.getSize();
            } else {
                throw special(entry);
            }
            files++;
        }

        long files() {
            return files;
        }

        long bytes() {
            return bytes;
        }

        private static ArchiveInvalidException special(TarArchiveEntry entry) {
            return hostile(entry.getName(), "it is a device, fifo or other special file");
        }
    }
}
