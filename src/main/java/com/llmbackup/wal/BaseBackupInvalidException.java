package com.llmbackup.wal;

/** A base backup's tar does not match its backup_manifest (or the manifest itself is damaged). */
public class BaseBackupInvalidException extends RuntimeException {
    public BaseBackupInvalidException(String message) {
        super(message);
    }
}
