package com.llmbackup.uploads;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * File names that are not valid UTF-8 (Latin-1 {@code caf\xe9.txt} from an old upload). The
 * JVM (UTF-8 by {@link com.llmbackup.config.FileNameEncoding}) shows each bad byte as U+FFFD:
 * stored under that string, the file would be renamed and two such names would become one.
 * So such a name is skipped with a warning that shows its bytes escaped ({@code caf%E9.txt}).
 * The raw bytes come from {@link Path#toUri()}, which percent-encodes the name's own bytes.
 */
public final class FileNames {

    private FileNames() {
    }

    /** The name of a listed entry as the file lists write it. */
    static String name(Path listed) {
        return listed.getFileName().toString();
    }

    /** Whether the last element of a path read from a folder listing is valid UTF-8. */
    public static boolean isUtf8(Path listed) {
        Path name = listed.getFileName();
        if (name == null || name.toString().indexOf('\uFFFD') < 0) {
            return true; // nothing was replaced while decoding (fast path: no URI built)
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes(lastSegment(listed))));
            return true; // a real U+FFFD in a valid UTF-8 name
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** The path below {@code root} with every byte outside printable ASCII as %XX, e.g. {@code user1/caf%E9.txt}. */
    public static String escaped(Path root, Path path) {
        String rootUri = rawPath(root);
        String uri = rawPath(path);
        String rel = uri.startsWith(rootUri) ? uri.substring(rootUri.length()) : uri;
        return rel.startsWith("/") ? rel.substring(1) : rel;
    }

    /** The warning a skipped name gets in the history and the log. */
    public static String skipped(Path root, Path path, boolean folder) {
        return "Skipped " + escaped(root, path) + (folder ? " and everything in it" : "")
                + ": its name is not valid UTF-8 (bytes shown as %XX), so it cannot be stored under its own name. "
                + "Rename it to UTF-8 (e.g. convmv -f latin1 -t utf8 --notest on it) and the next run backs it up.";
    }

    private static String rawPath(Path path) {
        String raw = path.toAbsolutePath().toUri().getRawPath();
        return raw.length() > 1 && raw.endsWith("/") ? raw.substring(0, raw.length() - 1) : raw;
    }

    private static String lastSegment(Path path) {
        String raw = rawPath(path);
        return raw.substring(raw.lastIndexOf('/') + 1);
    }

    /** Undoes the URI's percent-encoding into the name's bytes. */
    private static byte[] bytes(String raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%' && i + 2 < raw.length()) {
                out.write(Integer.parseInt(raw.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toByteArray();
    }
}
