package com.llmbackup.catalog;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import com.llmbackup.catalog.Manifest.FileEntry;

/**
 * One line of a file list ({@code files_<id>.jsonl}): a {@link FileEntry} as a JSON object,
 * its fields named and left out when null as Jackson's data binding does, so lists written
 * before and after read alike. Written and read by hand, not with Jackson: a daily writes and
 * reads one line per file, and in a fresh JVM (the first daily after a start, the benchmark)
 * binding each line cost more than walking the tree (issue 28: 1.0 s to read 20,000 lines),
 * and even Jackson's streaming parser costs a quarter of a second to create the first time.
 * A name that is not valid UTF-8 holds lone surrogates (one per byte that is not UTF-8); they
 * are written as {@code \\uDCxx} escapes, as data binding writes every surrogate, and read back
 * as the same chars.
 */
final class FileListLine {

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
     * of known field types throws {@link IOException} saying what is wrong.
     */
    static FileEntry read(String line) throws IOException {
        return new Reader(line).entry();
    }

    /**
     * A JSON reader for exactly this: one flat object whose values are strings, integers or null
     * (any other JSON value is read and skipped in an unknown field). Jackson's parser did the
     * same, but creating the first one costs a fresh JVM a quarter of a second (issue 28).
     */
    private static final class Reader {
        private final String text;
        private int at;

        Reader(String text) {
            this.text = text;
        }

        FileEntry entry() throws IOException {
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
            if (next() != '{') {
                throw new IOException("not a JSON object");
            }
            if (peek() == '}') {
                at++;
            } else {
                while (true) {
                    if (next() != '"') {
                        throw error("a field name");
                    }
                    String field = string();
                    if (next() != ':') {
                        throw error("':'");
                    }
                    switch (field) {
                        case "path" -> path = text(field);
                        case "type" -> type = text(field);
                        case "size" -> size = orZero(number(field));
                        case "mtimeNanos" -> mtimeNanos = orZero(number(field));
                        case "mode" -> mode = Math.toIntExact(orZero(number(field)));
                        case "uid" -> uid = integer(field);
                        case "gid" -> gid = integer(field);
                        case "owner" -> owner = text(field);
                        case "group" -> group = text(field);
                        case "sha256" -> sha256 = text(field);
                        case "linkTarget" -> linkTarget = text(field);
                        case "ctimeNanos" -> ctimeNanos = number(field);
                        default -> skipValue();
                    }
                    char c = next();
                    if (c == '}') {
                        break;
                    }
                    if (c != ',') {
                        throw error("',' or '}'");
                    }
                }
            }
            if (peek() != 0) {
                throw new IOException("more than one JSON object on the line");
            }
            return new FileEntry(path, type, size, mtimeNanos, mode, uid, gid, owner, group, sha256, linkTarget, ctimeNanos);
        }

        private String text(String field) throws IOException {
            char c = next();
            if (c == '"') {
                return string();
            }
            if (c == 'n') {
                literal("ull");
                return null;
            }
            throw new IOException("field " + field + " is not a string");
        }

        private Long number(String field) throws IOException {
            char c = peek();
            if (c == 'n') {
                at++;
                literal("ull");
                return null;
            }
            int start = at;
            if (c == '-') {
                at++;
            }
            while (at < text.length() && text.charAt(at) >= '0' && text.charAt(at) <= '9') {
                at++;
            }
            boolean digits = at > start + (c == '-' ? 1 : 0);
            if (!digits || (at < text.length() && ".eE".indexOf(text.charAt(at)) >= 0)) {
                throw new IOException("field " + field + " is not an integer");
            }
            try {
                return Long.parseLong(text, start, at, 10);
            } catch (NumberFormatException e) {
                throw new IOException("a number out of range in field " + field, e);
            }
        }

        private Integer integer(String field) throws IOException {
            Long n = number(field);
            try {
                return n == null ? null : Math.toIntExact(n);
            } catch (ArithmeticException e) {
                throw new IOException("a number out of range in field " + field, e);
            }
        }

        private static long orZero(Long n) {
            return n == null ? 0 : n;
        }

        /** The rest of a string whose opening quote was read. */
        private String string() throws IOException {
            int start = at;
            int end = text.indexOf('"', start);
            int escape = text.indexOf('\\', start);
            if (end >= 0 && (escape < 0 || escape > end)) {
                at = end + 1;
                return text.substring(start, end); // the common case: nothing escaped
            }
            StringBuilder out = new StringBuilder();
            while (true) {
                if (at >= text.length()) {
                    throw new IOException("a string is not closed");
                }
                char c = text.charAt(at++);
                if (c == '"') {
                    return out.toString();
                }
                if (c < 0x20) {
                    throw new IOException("a control character in a string");
                }
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                if (at >= text.length()) {
                    throw new IOException("a string is not closed");
                }
                char e = text.charAt(at++);
                switch (e) {
                    case '"', '\\', '/' -> out.append(e);
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'u' -> {
                        if (at + 4 > text.length()) {
                            throw new IOException("a broken \\u escape");
                        }
                        try {
                            out.append((char) Integer.parseInt(text, at, at + 4, 16));
                        } catch (NumberFormatException bad) {
                            throw new IOException("a broken \\u escape", bad);
                        }
                        at += 4;
                    }
                    default -> throw new IOException("an unknown escape \\" + e);
                }
            }
        }

        /** Any JSON value, read and dropped (a field this release does not know). */
        private void skipValue() throws IOException {
            char c = next();
            switch (c) {
                case '"' -> string();
                case '{', '[' -> {
                    char close = c == '{' ? '}' : ']';
                    if (peek() == close) {
                        at++;
                        return;
                    }
                    while (true) {
                        if (c == '{') {
                            if (next() != '"') {
                                throw error("a field name");
                            }
                            string();
                            if (next() != ':') {
                                throw error("':'");
                            }
                        }
                        skipValue();
                        char after = next();
                        if (after == close) {
                            return;
                        }
                        if (after != ',') {
                            throw error("',' or '" + close + "'");
                        }
                    }
                }
                case 't' -> literal("rue");
                case 'f' -> literal("alse");
                case 'n' -> literal("ull");
                default -> {
                    if (c != '-' && (c < '0' || c > '9')) {
                        throw error("a value");
                    }
                    while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0) {
                        at++;
                    }
                }
            }
        }

        private void literal(String rest) throws IOException {
            if (!text.startsWith(rest, at)) {
                throw error("a value");
            }
            at += rest.length();
        }

        /** The next character that is not white space, consumed; 0 at the end. */
        private char next() {
            char c = peek();
            if (c != 0) {
                at++;
            }
            return c;
        }

        private char peek() {
            while (at < text.length()) {
                char c = text.charAt(at);
                if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                    return c;
                }
                at++;
            }
            return 0;
        }

        private IOException error(String expected) {
            return new IOException("expected " + expected + " at column " + (at + 1));
        }
    }
}
