package com.llmbackup.wal;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What PostgreSQL and pg_receivewal say when WAL cannot stream, translated into the exact fix
 * (docs/wal.md): the pg_hba.conf line, the role attribute, the server setting to change.
 */
public final class ReplicationErrors {

    private static final Pattern NO_HBA = Pattern.compile("no pg_hba\\.conf entry for replication connection from host \"([^\"]+)\", user \"([^\"]+)\"");

    private ReplicationErrors() {
    }

    /** What kind of failure it is, for the receiver's retries and the preflight's verdict. */
    public enum Kind { REFUSED, SLOT_LOST, SLOT_BUSY, NO_SPACE, UNREACHABLE, OTHER }

    public record Explained(Kind kind, String message) {
    }

    /** The server's or the program's words with what to do about them. */
    public static Explained explain(String said, String user) {
        String text = said == null ? "" : said.strip();
        String lower = text.toLowerCase(Locale.ROOT);
        Matcher hba = NO_HBA.matcher(text);
        if (hba.find()) {
            return new Explained(Kind.REFUSED, "The server refuses replication connections from " + hba.group(1) + " for role "
                    + hba.group(2) + " (no pg_hba.conf line allows them). Add this line to the server's pg_hba.conf and reload it "
                    + "(SELECT pg_reload_conf();): " + hbaLine(hba.group(2), hba.group(1)));
        }
        if (lower.contains("must be superuser or replication role") || lower.contains("permission denied to start wal sender")
                || lower.contains("must be superuser or have the replication attribute")) {
            return new Explained(Kind.REFUSED, "Role " + user + " may not stream WAL: run ALTER ROLE " + user
                    + " REPLICATION; as a superuser (" + firstLine(text) + ").");
        }
        if (lower.contains("exceeds max_wal_senders") || lower.contains("max_wal_senders")) {
            return new Explained(Kind.REFUSED, "No WAL sender is free on the server (" + firstLine(text)
                    + "): raise max_wal_senders (ALTER SYSTEM SET max_wal_senders = 10;) and restart PostgreSQL.");
        }
        if (lower.contains("all replication slots are in use") || lower.contains("max_replication_slots")) {
            return new Explained(Kind.REFUSED, "No replication slot is free on the server (" + firstLine(text)
                    + "): raise max_replication_slots and restart PostgreSQL, or drop an unused slot.");
        }
        if (lower.contains("wal_level")) {
            return new Explained(Kind.REFUSED, "The server's wal_level does not allow streaming (" + firstLine(text)
                    + "): ALTER SYSTEM SET wal_level = replica; and restart PostgreSQL.");
        }
        if (lower.contains("has already been removed") || lower.contains("can no longer get changes") || lower.contains("invalidated")) {
            return new Explained(Kind.SLOT_LOST, "The server removed WAL the slot had kept (the receiver was away longer than "
                    + "max_slot_wal_keep_size allows): " + firstLine(text));
        }
        if (lower.contains("is active for pid")) {
            return new Explained(Kind.SLOT_BUSY, "Another receiver uses the slot: " + firstLine(text));
        }
        if (lower.contains("no space left on device")) {
            return new Explained(Kind.NO_SPACE, "The WAL folder's volume is full: " + firstLine(text)
                    + ". Free space on the backup volume (the cleanup removes expired sets and WAL) or enlarge it.");
        }
        if (lower.contains("could not connect") || lower.contains("connection refused") || lower.contains("server closed the connection")
                || lower.contains("terminating connection") || lower.contains("could not receive data") || lower.contains("not reachable")
                || lower.contains("the database system is shutting down") || lower.contains("the database system is starting up")
                || lower.contains("unexpected termination of replication stream") || lower.contains("could not send")) {
            return new Explained(Kind.UNREACHABLE, "The database server is not reachable: " + firstLine(text));
        }
        if (lower.endsWith("disconnected") || lower.contains("replication stream was terminated")) {
            return new Explained(Kind.UNREACHABLE, "The server ended the replication connection (it stopped or restarted).");
        }
        return new Explained(Kind.OTHER, firstLine(text));
    }

    /** The line a replication connection needs, in pg_hba.conf's form. */
    public static String hbaLine(String user, String clientAddress) {
        String address = clientAddress.contains("/") ? clientAddress
                : clientAddress.contains(":") ? clientAddress + "/128" : clientAddress + "/32";
        return "host  replication  " + user + "  " + address + "  scram-sha-256";
    }

    private static String firstLine(String text) {
        String trimmed = text.replaceFirst("^pg_receivewal: (error: )?", "").replaceFirst("^pg_basebackup: (error: )?", "");
        int nl = trimmed.indexOf('\n');
        return (nl > 0 ? trimmed.substring(0, nl) : trimmed).strip();
    }
}
