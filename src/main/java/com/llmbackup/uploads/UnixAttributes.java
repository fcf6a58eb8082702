package com.llmbackup.uploads;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipal;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.llmbackup.catalog.Manifest.FileEntry;

/**
 * Mode, owner, size, mtime and ctime of an entry of the uploads tree, links not followed, and
 * the manifest entry made of them. Owner and group names cost a passwd/group lookup each:
 * they are looked up once per id, not once per file. One instance per walk (not thread-safe).
 */
final class UnixAttributes {

    private final Map<Integer, String> users = new HashMap<>();
    private final Map<Integer, String> groups = new HashMap<>();

    Map<String, Object> read(Path path) throws IOException {
        Map<String, Object> unix = Files.readAttributes(path, SortedWalk.ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        names(path, unix);
        return unix;
    }

    /** Looks up the owner's and group's names of attributes read (once per id). */
    void names(Path path, Map<String, Object> unix) throws IOException {
        Integer uid = (Integer) unix.get("uid");
        Integer gid = (Integer) unix.get("gid");
        if (!users.containsKey(uid) || !groups.containsKey(gid)) {
            Map<String, Object> names = Files.readAttributes(path, "unix:owner,group", LinkOption.NOFOLLOW_LINKS);
            users.putIfAbsent(uid, ((UserPrincipal) names.get("owner")).getName());
            groups.putIfAbsent(gid, ((GroupPrincipal) names.get("group")).getName());
        }
    }

    FileEntry entry(String rel, String type, long size, Map<String, Object> unix, String sha256, String link) {
        int uid = (Integer) unix.get("uid");
        int gid = (Integer) unix.get("gid");
        // ctime only for files: it is what "unchanged" needs, and folders and links are never linked or kept
        Long ctime = FileEntry.FILE.equals(type) && unix.get("ctime") != null ? ((FileTime) unix.get("ctime")).to(TimeUnit.NANOSECONDS) : null;
        return new FileEntry(rel, type, size, ((FileTime) unix.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS),
                (Integer) unix.get("mode") & 07777, uid, gid, users.get(uid), groups.get(gid), sha256, link, ctime);
    }

    String userName(int uid) {
        return users.get(uid);
    }

    String groupName(int gid) {
        return groups.get(gid);
    }
}
