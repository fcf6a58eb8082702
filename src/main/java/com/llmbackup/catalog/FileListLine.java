package com.llmbackup.catalog;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.llmbackup.catalog.Manifest.FileEntry;

/**
 * One line of a file list ({@code files_<id>.jsonl}): a {@link FileEntry} as a JSON object,
 * its fields named and left out when null as Jackson's data binding does, so lists written
 * before and after read alike. Written by hand and read with Jackson's streaming parser, not
 * its data binding: a daily writes and reads one line per file, and in a fresh JVM (the first
 * daily after a start, the benchmark) binding each line cost more than walking the tree
 * (issue 28: 1.0 s to read 20,000 lines, now about 0.1 s). A name that is not valid UTF-8
 * holds lone surrogates (one per byte that is not UTF-8); they are written as
 * {@code \\uDCxx} escapes, as data binding writes every surrogate, and read back as the same chars.
 */
final class FileListLine {

    private static final JsonFactory JSON = new JsonFactory();
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

    private FileListLine() {
    }

    // each field's name as written, with its separator: made once, not per line
    private static final byte[] PATH = key("{", "path");
    private static final byte[] TYPE = key(",", "type");
    private static final byte[] SIZE = key(",", "size");
    private static final byte[] MTIME = key(",", "mtimeNanos");
    private static final byte[] MODE = key(",", "mode");
    private static final byte[] UID = key(",", "uid");
    private static final byte[] GID = key(",", "gid");
    private static final byte[] OWNER = key(",", "owner");
    private static final byte[] GROUP = key(",", "group");
    private static final byte[] SHA256 = key(",", "sha256");
    private static final byte[] LINK = key(",", "linkTarget");
    private static final byte[] CTIME = key(",", "ctimeNanos");

    private static byte[] key(String before, String name) {
        return (before + '"' + name + "\":").getBytes(StandardCharsets.US_ASCII);
    }

    /** The entry as one line of JSON, without the line end. */
    static void write(FileEntry entry, ByteArrayOutputStream out) {
        if (entry.path() == null) {
            throw new IllegalArgumentException("an entry without a path");
        }
        string(out, PATH, entry.path());
        string(out, TYPE, entry.type());
        number(out, SIZE, entry.size());
        number(out, MTIME, entry.mtimeNanos());
        number(out, MODE, entry.mode());
        if (entry.uid() != null) {
            number(out, UID, entry.uid());
        }
        if (entry.gid() != null) {
            number(out, GID, entry.gid());
        }
        string(out, OWNER, entry.owner());
        string(out, GROUP, entry.group());
        string(out, SHA256, entry.sha256());
        string(out, LINK, entry.linkTarget());
        if (entry.ctimeNanos() != null) {
            number(out, CTIME, entry.ctimeNanos());
        }
        out.write('}');
    }

    private static void number(ByteArrayOutputStream out, byte[] key, long value) {
        out.writeBytes(key);
        out.writeBytes(Long.toString(value).getBytes(StandardCharsets.US_ASCII));
    }

    private static void string(ByteArrayOutputStream out, byte[] key, String value) {
        if (value == null) {
            return;
        }
        out.writeBytes(key);
        out.write('"');
        if (plain(value)) {
            out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
        } else {
            escaped(out, value);
        }
        out.write('"');
    }

    /** Nothing to escape: no quote, backslash, control character or surrogate (the common case: one array copy). */
    private static boolean plain(String value) {
        for (int i = 0, n = value.length(); i < n; i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\' || Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    /** As data binding writes it: short escapes where JSON has them, other control characters and every surrogate as {@code \\uXXXX}. */
    private static void escaped(ByteArrayOutputStream out, String value) {
        for (int i = 0, n = value.length(); i < n; i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"', '\\' -> {
                    out.write('\\');
                    out.write(c);
                }
                case '\b' -> shortEscape(out, 'b');
                case '\t' -> shortEscape(out, 't');
                case '\n' -> shortEscape(out, 'n');
                case '\f' -> shortEscape(out, 'f');
                case '\r' -> shortEscape(out, 'r');
                default -> {
                    if (c < 0x20 || Character.isSurrogate(c)) {
                        escape(out, c); // a lone surrogate (a byte that is not UTF-8) has no UTF-8 form
                    } else if (c < 0x80) {
                        out.write(c);
                    } else {
                        out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
                    }
                }
            }
        }
    }

    private static void shortEscape(ByteArrayOutputStream out, char c) {
        out.write('\\');
        out.write(c);
    }

    private static void escape(ByteArrayOutputStream out, char c) {
        out.write('\\');
        out.write('u');
        out.write(HEX[(c >> 12) & 0xF]);
        out.write(HEX[(c >> 8) & 0xF]);
        out.write(HEX[(c >> 4) & 0xF]);
        out.write(HEX[c & 0xF]);
    }

    /**
     * The entry of one line. Unknown fields are skipped (a newer release's lists still read);
     * a missing number reads as 0, as data binding reads it. Anything but one JSON object
     * of known field types throws {@link IOException} with the parser's words.
     */
    static FileEntry read(String line) throws IOException {
        String path = null;
        String type = null;
        long size = 0;
        long mtimeNanos = 0;
        int mode = 0;
        Integer uid = null;
        Integer gid = null;
        String owner = null;
        String group = null;
        String sha256 = null;
        String linkTarget = null;
        Long ctimeNanos = null;
        try (JsonParser p = JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object");
            }
            JsonToken token;
            while ((token = p.nextToken()) == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "path" -> path = text(p, value);
                    case "type" -> type = text(p, value);
                    case "size" -> size = number(p, value, 0L);
                    case "mtimeNanos" -> mtimeNanos = number(p, value, 0L);
                    case "mode" -> mode = Math.toIntExact(number(p, value, 0L));
                    case "uid" -> uid = integer(p, value);
                    case "gid" -> gid = integer(p, value);
                    case "owner" -> owner = text(p, value);
                    case "group" -> group = text(p, value);
                    case "sha256" -> sha256 = text(p, value);
                    case "linkTarget" -> linkTarget = text(p, value);
                    case "ctimeNanos" -> ctimeNanos = value == JsonToken.VALUE_NULL ? null : number(p, value, null);
                    default -> p.skipChildren();
                }
            }
            if (token != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new IOException("more than one JSON object on the line");
            }
        } catch (ArithmeticException e) {
            throw new IOException("a number out of range", e);
        }
        return new FileEntry(path, type, size, mtimeNanos, mode, uid, gid, owner, group, sha256, linkTarget, ctimeNanos);
    }

    private static String text(JsonParser p, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return null;
        }
        if (value != JsonToken.VALUE_STRING) {
            throw new IOException("field " + p.currentName() + " is not a string");
        }
        return p.getText();
    }

    private static Long number(JsonParser p, JsonToken value, Long ifNull) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return ifNull;
        }
        if (value != JsonToken.VALUE_NUMBER_INT) {
            throw new IOException("field " + p.currentName() + " is not an integer");
        }
        return p.getLongValue();
    }

    private static Integer integer(JsonParser p, JsonToken value) throws IOException {
        Long n = number(p, value, null);
        return n == null ? null : Math.toIntExact(n);
    }
}
