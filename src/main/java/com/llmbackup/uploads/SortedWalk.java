package com.llmbackup.uploads;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A walk of a tree, links not followed, with each folder's entries visited sorted by name: the
 * walk emits paths in {@link com.llmbackup.catalog.ManifestFiles#PATH_ORDER}, the order of the
 * file lists, so the snapshot merge-joins the tree with the previous list instead of holding a
 * map of it. Only the names of the folders on the current path are held. Each entry comes with
 * its path below the start as the file lists write it (built from the names, not by
 * relativizing) and its attributes read once (one lstat: mode, owner ids, size, mtime, ctime,
 * type), which the snapshot compares with the previous list without reading them again.
 */
public final class SortedWalk {

    /** The attributes read for every entry, as {@code Files.readAttributes} names them. */
    static final String ATTRIBUTES = "unix:mode,uid,gid,size,lastModifiedTime,ctime,isDirectory,isRegularFile,isSymbolicLink";

    private SortedWalk() {
    }

    /** What the walk hands on; {@code rel} is "." for the start itself. */
    public interface Visitor {
        /** A folder, before its content; {@link FileVisitResult#SKIP_SUBTREE} leaves its content out. */
        FileVisitResult enter(Path dir, String rel, Map<String, Object> attributes) throws IOException;

        /** A folder whose content was visited. */
        default void leave(Path dir, String rel) throws IOException {
        }

        /** Anything but a folder: a file, a link, a special file. */
        void visit(Path path, String rel, Map<String, Object> attributes) throws IOException;

        /** An entry that could not be read or listed (gone since the listing, unreadable); rethrows unless overridden. */
        default void failed(Path path, String rel, IOException e) throws IOException {
            throw e;
        }
    }

    public static void walk(Path start, Visitor visitor) throws IOException {
        visit(start, ".", visitor);
    }

    /** A walk of a subtree whose root is {@code rel} in the file lists' form. */
    static void walk(Path start, String rel, Visitor visitor) throws IOException {
        visit(start, rel, visitor);
    }

    /**
     * The same walk, its listing and reading of attributes done on a thread of their own a few
     * hundred entries ahead of the visitor (the daily's walk and its links and copies on two
     * cores, not one): the visitor sees the same calls in the same order, on the caller's
     * thread. Attributes are as read when listed; a folder the visitor skips was read anyway.
     */
    public static void walkAhead(Path start, Visitor visitor) throws IOException {
        Ahead ahead = new Ahead(start);
        try {
            ahead.replay(visitor);
        } finally {
            ahead.stop();
        }
    }

    /** One call of the walk, recorded to be replayed. */
    private record Event(int kind, Path path, String rel, Map<String, Object> attributes, IOException failure) {
        static final int ENTER = 0;
        static final int VISIT = 1;
        static final int LEAVE = 2;
        static final int FAILED = 3;
        static final int END = 4;
    }

    /** The walking thread and what it has walked, in batches. */
    private static final class Ahead implements Visitor {
        private static final int BATCH = 256;
        private final BlockingQueue<List<Event>> batches = new ArrayBlockingQueue<>(8);
        private volatile boolean stopped;
        private List<Event> batch = new ArrayList<>(BATCH);
        private final Thread thread;

        Ahead(Path start) {
            thread = new Thread(() -> {
                try {
                    SortedWalk.visit(start, ".", this);
                    add(new Event(Event.END, start, ".", null, null));
                    hand();
                } catch (Stopped e) {
                    // the visitor ended the walk
                } catch (IOException | RuntimeException e) {
                    batch.add(new Event(Event.FAILED, start, ".", null, e instanceof IOException io ? io : new IOException(e)));
                    batch.add(new Event(Event.END, start, ".", null, null));
                    try {
                        hand();
                    } catch (Stopped ignored) {
                        // nobody waits
                    }
                }
            }, "sorted-walk");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public FileVisitResult enter(Path dir, String rel, Map<String, Object> attributes) {
            add(new Event(Event.ENTER, dir, rel, attributes, null));
            return FileVisitResult.CONTINUE;
        }

        @Override
        public void leave(Path dir, String rel) {
            add(new Event(Event.LEAVE, dir, rel, null, null));
        }

        @Override
        public void visit(Path path, String rel, Map<String, Object> attributes) {
            add(new Event(Event.VISIT, path, rel, attributes, null));
        }

        @Override
        public void failed(Path path, String rel, IOException e) {
            add(new Event(Event.FAILED, path, rel, null, e));
        }

        private void add(Event event) {
            batch.add(event);
            if (batch.size() == BATCH) {
                hand();
            }
        }

        private void hand() {
            try {
                while (!batches.offer(batch, 100, TimeUnit.MILLISECONDS)) {
                    if (stopped) {
                        throw new Stopped();
                    }
                }
            } catch (InterruptedException e) {
                throw new Stopped();
            }
            batch = new ArrayList<>(BATCH);
        }

        void replay(Visitor visitor) throws IOException {
            int skipping = 0; // depth inside a folder the visitor skipped
            while (true) {
                List<Event> events;
                try {
                    events = batches.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while walking", e);
                }
                for (Event e : events) {
                    if (skipping > 0) {
                        skipping += e.kind() == Event.ENTER ? 1 : e.kind() == Event.LEAVE ? -1 : 0;
                        continue;
                    }
                    switch (e.kind()) {
                        case Event.ENTER -> {
                            if (visitor.enter(e.path(), e.rel(), e.attributes()) != FileVisitResult.CONTINUE) {
                                skipping = 1;
                            }
                        }
                        case Event.VISIT -> visitor.visit(e.path(), e.rel(), e.attributes());
                        case Event.LEAVE -> visitor.leave(e.path(), e.rel());
                        case Event.FAILED -> visitor.failed(e.path(), e.rel(), e.failure());
                        default -> {
                            return;
                        }
                    }
                }
            }
        }

        void stop() {
            stopped = true;
            batches.clear();
        }

        /** Unwinds the walking thread once the visitor stopped listening. */
        private static final class Stopped extends RuntimeException {
            Stopped() {
                super(null, null, false, false);
            }
        }
    }

    /** A listed entry and its name as the file lists write it. */
    private record Child(String name, Path path) implements Comparable<Child> {
        @Override
        public int compareTo(Child other) {
            // names hold no '/': String order is the path order among siblings
            return name.compareTo(other.name);
        }
    }

    private static void visit(Path path, String rel, Visitor visitor) throws IOException {
        Map<String, Object> attributes;
        try {
            attributes = Files.readAttributes(path, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            visitor.failed(path, rel, e);
            return;
        }
        if (!Boolean.TRUE.equals(attributes.get("isDirectory"))) {
            visitor.visit(path, rel, attributes);
            return;
        }
        // the listed paths, not paths made from their names: a name that is not UTF-8 keeps its bytes
        List<Child> children = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(path)) {
            for (Path entry : entries) {
                children.add(new Child(FileNames.name(entry), entry));
            }
        } catch (IOException e) {
            visitor.failed(path, rel, e);
            return;
        }
        if (visitor.enter(path, rel, attributes) != FileVisitResult.CONTINUE) {
            return;
        }
        children.sort(null);
        String prefix = rel.equals(".") ? "" : rel + "/";
        for (Child child : children) {
            visit(child.path(), prefix + child.name(), visitor);
        }
        visitor.leave(path, rel);
    }
}
