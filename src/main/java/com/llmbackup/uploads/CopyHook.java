package com.llmbackup.uploads;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A test seam of the snapshot and the archive: called around reading each file, so a test
 * can change, delete or replace the file "during" the backup deterministically, without sleeps.
 */
interface CopyHook {
    CopyHook NONE = new CopyHook() {
    };

    /** Before the file is opened for reading. */
    default void opening(Path file, String rel) throws IOException {
    }

    /** After the file's content was read (attempt 1, 2, ...) and before it is looked at again. */
    default void copied(Path file, String rel, int attempt) throws IOException {
    }
}
