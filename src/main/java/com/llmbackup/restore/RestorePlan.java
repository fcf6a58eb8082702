package com.llmbackup.restore;

/**
 * What the guard found, for the operator who approves: the set, when it was written and
 * how old it is (the data a restore loses), sizes, what is replaced, how the database half runs
 * ({@code databaseMethod}, Korean then English; null when the database is not restored), and the whole as text.
 */
public record RestorePlan(String set, String status, String backupTime, String backupAge, String dataLoss, long dumpBytes,
                          long uploadsFiles, long uploadsBytes, String overwrites, String summary, String databaseMethod) {
}
