package com.llmbackup.uploads;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

import com.llmbackup.catalog.RawNames;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Names that are not valid UTF-8 ({@link RawNames}) in the weekly's PAX tar, byte-exact. PAX
 * {@code path} records are UTF-8 unless the header says {@code hdrcharset=BINARY}, and commons
 * compress writes and reads them as UTF-8 only. So such an entry gets an extended header
 * written here: {@code hdrcharset=BINARY}, {@code path} (and {@code linkpath}) as the raw bytes,
 * which GNU tar and bsdtar extract as they are (the runbook's {@code tar -xzf}), the
 * nanosecond {@code mtime}, and {@code LLMBACKUP.path} (and {@code LLMBACKUP.linkpath}): the
 * same bytes with every byte outside printable ASCII, and {@code %}, as {@code %XX}, which is
 * what this project's readers use ({@link #name}, {@link #linkName}). The entry's own header
 * then holds only ASCII, whole seconds and star-mode big numbers, so no second extended
 * header follows it (readers take only the last).
 */
final class RawTarNames {

    static final String PATH = "LLMBACKUP.path";
    static final String LINK_PATH = "LLMBACKUP.linkpath";
    // the ustar fields hold 100 bytes: the placeholders must fit, or commons writes a header of its own
    private static final int USTAR_NAME = 99;

    private RawTarNames() {
    }

    /** Whether the entry needs {@link #put}: its name or link target is not valid UTF-8. */
    static boolean needed(String name, String linkTarget) {
        return RawNames.hasRawBytes(name) || (linkTarget != null && RawNames.hasRawBytes(linkTarget));
    }

    /**
     * Puts {@code entry} (its name, link target, mode, owner, size set; its mtime {@code mtime})
     * under {@code name} and {@code linkTarget} (file-list strings) with its own extended header.
     */
    static void put(TarArchiveOutputStream tar, TarArchiveEntry entry, String name, String linkTarget, FileTime mtime)
            throws IOException {
        ByteArrayOutputStream records = new ByteArrayOutputStream();
        record(records, "hdrcharset", "BINARY".getBytes(StandardCharsets.US_ASCII));
        byte[] path = RawNames.encode(name);
        record(records, "path", path);
        record(records, PATH, escape(path).getBytes(StandardCharsets.US_ASCII));
        if (linkTarget != null) {
            byte[] link = RawNames.encode(linkTarget);
            record(records, "linkpath", link);
            record(records, LINK_PATH, escape(link).getBytes(StandardCharsets.US_ASCII));
            entry.setLinkName(placeholder(escape(link)));
        }
        Instant time = mtime.toInstant();
        record(records, "mtime", String.format("%d.%09d", time.getEpochSecond(), time.getNano()).getBytes(StandardCharsets.US_ASCII));
        TarArchiveEntry header = new TarArchiveEntry("././@PaxHeader", TarConstants.LF_PAX_EXTENDED_HEADER_LC);
        header.setSize(records.size());
        header.setLastModifiedTime(FileTime.from(Instant.ofEpochSecond(Math.max(0, time.getEpochSecond()))));
        tar.putArchiveEntry(header);
        tar.write(records.toByteArray());
        tar.closeArchiveEntry();

        entry.setName(placeholder(escape(path)));
        entry.setLastModifiedTime(FileTime.from(Instant.ofEpochSecond(time.getEpochSecond())));
        // big numbers in the header itself (binary), not in a second extended header
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_STAR);
        try {
            tar.putArchiveEntry(entry);
        } finally {
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        }
    }

    /** The entry's name as the file lists write it: the bytes of {@link #PATH} where the writer gave them. */
    static String name(TarArchiveEntry entry) {
        String raw = entry.getExtraPaxHeader(PATH);
        if (raw == null) {
            return entry.getName();
        }
        String name = RawNames.decode(RawNames.percentDecode(raw));
        // commons marks a folder's name with a trailing slash
        return entry.isDirectory() && !name.endsWith("/") ? name + "/" : name;
    }

    /** The entry's link target as the file lists write it. */
    static String linkName(TarArchiveEntry entry) {
        String raw = entry.getExtraPaxHeader(LINK_PATH);
        return raw == null ? entry.getLinkName() : RawNames.decode(RawNames.percentDecode(raw));
    }

    private static String placeholder(String escaped) {
        return escaped.length() <= USTAR_NAME ? escaped : escaped.substring(0, USTAR_NAME);
    }

    /** A PAX record: {@code "<length> <key>=<value>\n"}, the length counting itself. */
    private static void record(ByteArrayOutputStream out, String key, byte[] value) {
        int rest = 1 + key.length() + 1 + value.length + 1;
        int length = rest + Integer.toString(rest).length();
        if (Integer.toString(length).length() != Integer.toString(rest).length()) {
            length++;
        }
        out.writeBytes(Integer.toString(length).getBytes(StandardCharsets.US_ASCII));
        out.write(' ');
        out.writeBytes(key.getBytes(StandardCharsets.US_ASCII));
        out.write('=');
        out.writeBytes(value);
        out.write('\n');
    }

    static String escape(byte[] bytes) {
        StringBuilder out = new StringBuilder(bytes.length + 16);
        for (byte b : bytes) {
            int c = b & 0xFF;
            if (c > 0x20 && c < 0x7F && c != '%') {
                out.append((char) c);
            } else {
                out.append('%').append(String.format("%02X", c));
            }
        }
        return out.toString();
    }
}
