package com.llmbackup.catalog;

import java.nio.file.Path;

/** A manifest that cannot be trusted: it is reported, never deleted silently. */
public class CorruptManifestException extends RuntimeException {
    public CorruptManifestException(Path file, String why) {
        super("Manifest " + file + " is corrupt: " + why + ". The set is not trusted; inspect or remove the file by hand.");
    }
}
