package com.llmbackup.test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Declarative file trees and exact comparisons of trees (contents, folders, links, modes, owners, mtimes). */
public final class FileTrees {

    private FileTrees() {
    }

    /** Writes each {@code path -> content}; a path ending in "/" is an (empty) folder. */
    public static void write(Path root, Map<String, String> files) throws IOException {
        for (var e : files.entrySet()) {
            Path p = root.resolve(e.getKey());
            if (e.getKey().endsWith("/")) {
                Files.createDirectories(p);
            } else {
                Files.createDirectories(p.getParent());
                Files.writeString(p, e.getValue());
            }
        }
    }

    /** The regular files under {@code root}, {@code path -> content} (the reverse of {@link #write}). */
    public static Map<String, String> read(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.put(root.relativize(p).toString(), Files.readString(p));
                }
            }
        }
        return out;
    }

    /** Every entry under {@code root} described by type, size, mode, owner, mtime and content hash or link target. */
    public static Map<String, String> describe(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                String rel = root.relativize(p).toString();
                Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,lastModifiedTime,size", LinkOption.NOFOLLOW_LINKS);
                long mtime = ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS);
                String what;
                if (Files.isSymbolicLink(p)) {
                    // a link's time is set with lutimes, which keeps microseconds
                    what = "link->" + Files.readSymbolicLink(p) + " mtime=" + (mtime / 1000);
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    what = "dir mode=" + Integer.toOctalString((Integer) a.get("mode") & 07777) + " mtime=" + mtime;
                } else {
                    what = "file size=" + a.get("size") + " sha=" + sha256(p)
                            + " mode=" + Integer.toOctalString((Integer) a.get("mode") & 07777) + " mtime=" + mtime;
                }
                out.put(rel.isEmpty() ? "." : rel, what + " owner=" + a.get("uid") + ":" + a.get("gid"));
            }
        }
        return out;
    }

    /** A complete daily set as its manifest says, for tests of what reads the catalog (health, RPO). */
    public static void completeDaily(Path root, String id, String completedAt) throws IOException {
        Files.createDirectories(root.resolve("daily"));
        Files.writeString(root.resolve("daily/db_" + id + ".dump"), "PGDMP");
        Files.writeString(root.resolve("daily/manifest_" + id + ".json"), """
                {"formatVersion": 1, "kind": "daily", "id": "%s", "status": "complete", "completedAt": "%s"}"""
                .formatted(id, completedAt));
    }

    public static Object inode(Path p) throws IOException {
        return Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
    }

    public static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes files whose names are stored as Latin-1 bytes ({@code "café.txt"} becomes
     * {@code caf\xe9.txt}, not valid UTF-8), as an old upload leaves them. A Java string cannot
     * name such a file (nor can an argv built from one), so they are packed into a ustar
     * archive with Latin-1 names and unpacked by GNU tar, which keeps the bytes.
     */
    public static void writeLatin1Named(Path dir, Map<String, String> files) throws Exception {
        Files.createDirectories(dir);
        Path tar = Files.createTempFile("latin1-", ".tar");
        try {
            try (var out = new TarArchiveOutputStream(Files.newOutputStream(tar), "ISO-8859-1")) {
                for (var e : files.entrySet()) {
                    byte[] content = e.getValue().getBytes(StandardCharsets.UTF_8);
                    var entry = new TarArchiveEntry(e.getKey());
                    entry.setSize(content.length);
                    out.putArchiveEntry(entry);
                    out.write(content);
                    out.closeArchiveEntry();
                }
            }
            Process p = new ProcessBuilder("tar", "-xf", tar.toString(), "-C", dir.toString()).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new IOException("tar -xf failed: " + output);
            }
        } finally {
            Files.delete(tar);
        }
    }
}
