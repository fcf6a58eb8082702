package com.llmbackup.uploads;

import java.nio.file.Path;

import com.llmbackup.catalog.RawNames;

/**
 * The names of entries listed from the live folder, as the file lists hold them: a name that
 * is not valid UTF-8 (Latin-1 {@code caf\xe9.txt} from an old upload, CP949 from a Windows
 * zip) keeps its bytes ({@link RawNames}), so it is backed up and restored under its own name.
 */
final class FileNames {

    private FileNames() {
    }

    /** The last element of a path read from a folder listing, its bytes kept. */
    static String name(Path listed) {
        Path name = listed.getFileName();
        String text = name.toString();
        // nothing was replaced while decoding (fast path: no URI built)
        return text.indexOf('\uFFFD') < 0 ? text : RawNames.of(name);
    }

    /** A link's target as the file lists write it, its bytes kept. */
    static String linkTarget(Path target) {
        return RawNames.of(target);
    }
}
