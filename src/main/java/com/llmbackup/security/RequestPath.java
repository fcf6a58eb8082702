package com.llmbackup.security;

import java.io.ByteArrayOutputStream;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The path a request names, spelled one way only, or why it is refused. Tomcat routes a path it
 * decoded and normalised, Jersey matches the raw URI: a check on one spelling can miss a call the
 * other routes. So an allowlist judges the decoded path only when the raw URI spells it plainly:
 * no path parameters ({@code ;jsessionid}), no backslash, no escaped slash, dot, semicolon or
 * percent, no empty, {@code .} or {@code ..} segment, and the same path as the container's
 * servlet path and path info (one trailing slash is dropped from both). Pure.
 */
final class RequestPath {

    private RequestPath() {
    }

    /** The decoded path, or the refusal. */
    record Result(String path, String refusal) {
        boolean refused() {
            return refusal != null;
        }
    }

    static Result of(String requestUri, String contextPath, String servletPath, String pathInfo) {
        String raw = requestUri == null ? "" : requestUri;
        if (contextPath != null && !contextPath.isEmpty() && raw.startsWith(contextPath)) {
            raw = raw.substring(contextPath.length());
        }
        if (raw.indexOf(';') >= 0 || raw.indexOf('\\') >= 0) {
            return refused(raw, "path parameters (;) and backslashes are not taken");
        }
        Optional<String> decoded = decode(raw);
        if (decoded.isEmpty()) {
            return refused(raw, "escaped slashes, dots, semicolons, percent signs, control characters and malformed escapes are not taken");
        }
        String path = decoded.get();
        if (!path.startsWith("/") || path.contains("//") || path.equals("/.") || path.equals("/..") || path.contains("/./")
                || path.contains("/../") || path.endsWith("/.") || path.endsWith("/..")) {
            return refused(raw, "empty, '.' and '..' segments are not taken");
        }
        path = withoutTrailingSlash(path);
        String routed = withoutTrailingSlash((servletPath == null ? "" : servletPath) + (pathInfo == null ? "" : pathInfo));
        if (!routed.equals(path)) {
            return refused(raw, "the server routes it as " + routed);
        }
        return new Result(path, null);
    }

    /**
     * The path as the container routed it, for calls judged on any spelling (an administrator's):
     * servlet path and path info, without path parameters, repeated or trailing slashes.
     */
    static String lenient(String requestUri, String servletPath, String pathInfo) {
        String path = (servletPath == null ? "" : servletPath) + (pathInfo == null ? "" : pathInfo);
        if (path.isEmpty()) {
            path = URLDecoder.decode(requestUri == null ? "" : requestUri.replace("+", "%2B"), StandardCharsets.UTF_8);
        }
        path = path.replaceAll(";[^/]*", "").replaceAll("/{2,}", "/");
        while (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return path;
    }

    private static String withoutTrailingSlash(String path) {
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    private static Result refused(String raw, String why) {
        return new Result(null, "The path " + raw + " is spelled in a way this server does not judge: " + why
                + ". Send the plain path (docs/security.md).");
    }

    /** Percent-decoded as UTF-8; empty when an escape is malformed or stands for a character that changes how a path is read. */
    private static Optional<String> decode(String raw) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return Optional.empty();
            }
            if (c != '%') {
                byte[] plain = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(plain, 0, plain.length);
                continue;
            }
            if (i + 2 >= raw.length()) {
                return Optional.empty();
            }
            int hi = Character.digit(raw.charAt(i + 1), 16);
            int lo = Character.digit(raw.charAt(i + 2), 16);
            if (hi < 0 || lo < 0) {
                return Optional.empty();
            }
            int b = hi * 16 + lo;
            if (b < 0x20 || b == 0x7f || b == '/' || b == '\\' || b == '.' || b == ';' || b == '%') {
                return Optional.empty();
            }
            bytes.write(b);
            i += 2;
        }
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray())).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }
}
