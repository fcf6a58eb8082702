package com.llmbackup.catalog;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * File names that are not valid UTF-8 (a Latin-1 {@code caf\xe9.txt}, a CP949 name from a
 * Windows zip), byte-exact. The JVM reads names as UTF-8 ({@code config/FileNameEncoding})
 * and shows a byte it cannot decode as U+FFFD, which would rename the file and make two such
 * names one. The file lists hold such a name as a string in which each byte that is not part
 * of valid UTF-8 is the lone surrogate U+DC80..U+DCFF (Python's "surrogateescape", PEP 383):
 * valid UTF-8 never decodes to a lone surrogate, so the string is unambiguous and every other
 * name reads as it always did. {@link #resolve} turns such a string back into a path with the
 * original bytes; the JVM keeps a path's bytes as they are, and {@link Path#of(URI)} makes
 * one from percent-encoded bytes.
 */
public final class RawNames {

    private static final char FIRST = '\uDC80';
    private static final char LAST = '\uDCFF';

    private RawNames() {
    }

    /** A name's (or path's) bytes as the file lists write it: valid UTF-8 decoded, every other byte as U+DCxx. */
    public static String decode(byte[] raw) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(raw);
        CharBuffer out = CharBuffer.allocate(raw.length);
        while (true) {
            CoderResult result = decoder.decode(in, out, true);
            if (result.isUnderflow()) {
                break;
            }
            if (result.isOverflow()) {
                out = grow(out);
            } else {
                for (int i = 0; i < result.length(); i++) {
                    if (!out.hasRemaining()) {
                        out = grow(out);
                    }
                    out.put((char) (0xDC00 | (in.get() & 0xFF)));
                }
            }
        }
        return out.flip().toString();
    }

    private static CharBuffer grow(CharBuffer out) {
        CharBuffer bigger = CharBuffer.allocate(out.capacity() * 2 + 16);
        return bigger.put(out.flip());
    }

    /** The bytes a file-list string stands for (the reverse of {@link #decode}). */
    public static byte[] encode(String name) {
        if (!hasRawBytes(name)) {
            return name.getBytes(StandardCharsets.UTF_8);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(name.length() + 8);
        int start = 0;
        for (int i = 0; i < name.length(); i++) {
            if (isRawByte(name, i)) {
                out.writeBytes(name.substring(start, i).getBytes(StandardCharsets.UTF_8));
                out.write(name.charAt(i) & 0xFF);
                start = i + 1;
            }
        }
        out.writeBytes(name.substring(start).getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    /** Whether the string holds a byte that is not UTF-8 (fast: one scan, nothing allocated). */
    public static boolean hasRawBytes(String name) {
        for (int i = 0, n = name.length(); i < n; i++) {
            char c = name.charAt(i);
            if (c >= FIRST && c <= LAST && isRawByte(name, i)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isRawByte(String name, int i) {
        char c = name.charAt(i);
        return c >= FIRST && c <= LAST && (i == 0 || !Character.isHighSurrogate(name.charAt(i - 1)));
    }

    /**
     * {@code root} joined with a file-list path ({@code .} is the root itself), with the
     * path's original bytes: {@code root.resolve(path)} for every name that is valid UTF-8.
     */
    public static Path resolve(Path root, String path) {
        if (path.equals(".")) {
            return root;
        }
        if (!hasRawBytes(path)) {
            return root.resolve(path);
        }
        String rootUri = root.toAbsolutePath().toUri().getRawPath();
        StringBuilder uri = new StringBuilder("file://").append(rootUri);
        if (!rootUri.endsWith("/")) {
            uri.append('/');
        }
        percentEncode(encode(path), uri);
        return Path.of(URI.create(uri.toString()));
    }

    /**
     * A relative path (a link's target) with the string's original bytes; {@code Path.of} for
     * every name that is valid UTF-8.
     */
    public static Path relativePath(String path) {
        if (!hasRawBytes(path)) {
            return Path.of(path);
        }
        if (path.startsWith("/")) {
            return resolve(Path.of("/"), path.substring(1));
        }
        return Path.of("/").relativize(resolve(Path.of("/"), path));
    }

    /** A path as a file list writes it, its bytes kept: the reverse of {@link #resolve}; "." for the root. */
    public static String relative(Path root, Path path) {
        Path rel = root.relativize(path);
        String text = rel.toString();
        if (text.isEmpty()) {
            return ".";
        }
        return text.indexOf('\uFFFD') < 0 ? text : of(rel);
    }

    /** The path's string with its bytes kept: its own {@code toString()} where that is exact. */
    public static String of(Path path) {
        String text = path.toString();
        if (text.indexOf('\uFFFD') < 0) {
            return text; // nothing was replaced while decoding
        }
        String raw = path.isAbsolute() ? rawPath(path) : rawPath(Path.of("/").resolve(path)).substring(1);
        return decode(percentDecode(raw));
    }

    /** For messages: the string with each byte that is not UTF-8 as {@code %XX} (e.g. {@code user1/caf%E9.txt}). */
    public static String display(String name) {
        if (!hasRawBytes(name)) {
            return name;
        }
        StringBuilder out = new StringBuilder(name.length() + 8);
        for (int i = 0; i < name.length(); i++) {
            if (isRawByte(name, i)) {
                out.append('%').append(String.format("%02X", name.charAt(i) & 0xFF));
            } else {
                out.append(name.charAt(i));
            }
        }
        return out.toString();
    }

    private static String rawPath(Path absolute) {
        String raw = absolute.toUri().getRawPath();
        // toUri marks a folder with a trailing slash
        return raw.length() > 1 && raw.endsWith("/") && !absolute.toString().endsWith("/") ? raw.substring(0, raw.length() - 1) : raw;
    }

    private static void percentEncode(byte[] bytes, StringBuilder out) {
        for (byte b : bytes) {
            int c = b & 0xFF;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' || c == '-' || c == '.'
                    || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xF, 16));
            }
        }
    }

    /** The bytes of a {@code %XX}-escaped ASCII string (a URI's raw path, an escaped tar name). */
    public static byte[] percentDecode(String raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%' && i + 2 < raw.length()) {
                out.write(Integer.parseInt(raw.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.write(c); // a URI's raw path is ASCII: every other byte is escaped
            }
        }
        return out.toByteArray();
    }
}
