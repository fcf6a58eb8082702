package com.llmbackup.catalog;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.llmbackup.catalog.Manifest.FileEntry;

/**
 * The uploads entries of a set, streamed: never held whole, so a million files need no more
 * heap than a thousand (issue 19). Since format 2 they are a file list beside the manifest,
 * {@code files_<id>.jsonl}: one {@link FileEntry} as JSON per line, sorted by {@link #PATH_ORDER},
 * written entry by entry while the snapshot or archive walks, forced to disk before the
 * manifest can say complete, its size and SHA-256 recorded in the manifest's artifacts. A
 * format-1 manifest holds its entries inline, in walk order: they are read whole and sorted
 * (the one-off cost of the first daily after the upgrade).
 */
public final class ManifestFiles {

    /**
     * Paths component by component ({@code a} < {@code a/b} < {@code a.txt}): a walk that visits
     * each folder's entries sorted by name, a folder before its content, emits exactly this
     * order. The root {@code .} comes first. Within a name, UTF-16 order as {@link String#compareTo}.
     */
    public static final Comparator<String> PATH_ORDER = ManifestFiles::comparePaths;

    private static final int BUFFER = 1 << 16;

    private ManifestFiles() {
    }

    static int comparePaths(String a, String b) {
        if (a.equals(b)) {
            return 0;
        }
        if (a.equals(".")) {
            return -1;
        }
        if (b.equals(".")) {
            return 1;
        }
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y) {
                // the separator below every other character: a folder's content before its next sibling
                return x == '/' ? -1 : y == '/' ? 1 : Character.compare(x, y);
            }
        }
        return Integer.compare(a.length(), b.length());
    }

    /**
     * A complete set's entries in path order (empty for a set without entries: a legacy set or
     * one without uploads). The caller closes it. A format-2 list that is damaged, out of order
     * or whose SHA-256 differs from the manifest's fails with {@link CorruptManifestException}
     * when the damage is reached (the SHA-256 at its end).
     */
    public static Entries read(BackupSet set) {
        if (set.status() != BackupSet.Status.COMPLETE || set.manifest() == null) {
            return of(List.of());
        }
        Path manifestFile = fileOf(set, set.kind().manifestName(set.id()));
        if (set.manifest().formatVersion() < 2) {
            return of(InlineFormat.read(manifestFile));
        }
        String name = set.kind().fileListName(set.id());
        Manifest.Artifact artifact = set.manifest().artifacts() == null ? null
                : set.manifest().artifacts().stream().filter(a -> a.name().equals(name)).findFirst().orElse(null);
        if (artifact == null) {
            boolean uploads = set.manifest().artifacts() != null
                    && set.manifest().artifacts().stream().anyMatch(a -> a.name().equals(set.kind().uploadsName(set.id())));
            if (uploads) {
                // no list must never read as "no files": every check of the uploads would pass having checked nothing
                throw new CorruptManifestException(manifestFile, "it lists the uploads " + set.kind().uploadsName(set.id())
                        + " but not their file list " + name);
            }
            return of(List.of()); // a set without uploads (the dump-only safety backup of a test)
        }
        return read(manifestFile.resolveSibling(name), artifact.sha256());
    }

    private static Path fileOf(BackupSet set, String name) {
        return set.files().stream().filter(f -> f.getFileName().toString().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException("set " + set.label() + " has no " + name));
    }

    /** A format-2 file list; {@code expectedSha256} (null: not checked) is compared at its end. */
    public static Entries read(Path fileList, String expectedSha256) {
        try {
            return new LineEntries(fileList, expectedSha256);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the file list " + fileList + ": " + e.getMessage(), e);
        }
    }

    /** Entries held in memory (a format-1 manifest, a test), sorted into path order. */
    public static Entries of(Collection<FileEntry> entries) {
        List<FileEntry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing(FileEntry::path, PATH_ORDER));
        Iterator<FileEntry> it = sorted.iterator();
        return new Entries() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public FileEntry next() {
                return it.next();
            }

            @Override
            public void close() {
            }
        };
    }

    /**
     * The format-1 manifests' inline entries, read with Jackson: kept in a class of its own, so
     * that no Jackson class is loaded (nor looked for along the class path) unless such a
     * manifest is read; a fresh JVM pays a few tenths of a second for them (issue 28).
     */
    private static final class InlineFormat {
        static final ObjectReader ENTRY = new ObjectMapper().readerFor(FileEntry.class)
                .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

        /** Parsed one by one (the rest of the manifest is skipped). */
        static List<FileEntry> read(Path manifest) {
            List<FileEntry> entries = new ArrayList<>();
            try (JsonParser parser = ENTRY.createParser(manifest.toFile())) {
                if (parser.nextToken() != JsonToken.START_OBJECT) {
                    throw new CorruptManifestException(manifest, "it is not a JSON object");
                }
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String field = parser.currentName();
                    JsonToken value = parser.nextToken();
                    if (field.equals("files") && value == JsonToken.START_ARRAY) {
                        while (parser.nextToken() == JsonToken.START_OBJECT) {
                            FileEntry entry = ENTRY.readValue(parser);
                            if (entry != null && entry.path() != null && !insideSnapshot(entry.path())) {
                                throw new CorruptManifestException(manifest, "entry " + (entries.size() + 1) + escapes(entry.path()));
                            }
                            entries.add(entry);
                        }
                    } else {
                        parser.skipChildren();
                    }
                }
            } catch (JsonProcessingException e) {
                throw new CorruptManifestException(manifest, "it is not valid JSON (" + e.getOriginalMessage() + ")");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read manifest " + manifest + ": " + e.getMessage(), e);
            }
            return entries;
        }
    }

    /**
     * Every reader resolves an entry's path below the snapshot folder: {@code .} or names joined
     * by {@code /}, none empty, {@code .} or {@code ..}, so no list (edited, its SHA-256 with it)
     * can make a restore or a check read or write outside it.
     */
    static boolean insideSnapshot(String path) {
        if (path.equals(".")) {
            return true;
        }
        if (path.isEmpty() || path.indexOf('\0') >= 0) {
            return false;
        }
        for (String name : path.split("/", -1)) {
            if (name.isEmpty() || name.equals(".") || name.equals("..")) {
                return false;
            }
        }
        return true;
    }

    private static String escapes(String path) {
        return " names the path '" + path + "', which is not a relative path inside the snapshot";
    }

    /** Writes a file list, entry by entry, in path order (refused otherwise: the merge-joins depend on it). */
    public static Writer write(Path fileList) {
        try {
            return new Writer(fileList);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the file list " + fileList + ": " + e.getMessage(), e);
        }
    }

    /** Entries in path order, read as they are needed; close it (a file stays open until then). */
    public interface Entries extends Iterator<FileEntry>, AutoCloseable {
        @Override
        void close();

        /** The rest of the entries as a stream (closing the stream closes this). */
        default Stream<FileEntry> stream() {
            return StreamSupport.stream(Spliterators.spliteratorUnknownSize(this, Spliterator.ORDERED | Spliterator.NONNULL), false)
                    .onClose(this::close);
        }
    }

    /**
     * The merge-join of a walk in path order with entries in path order: {@link #find} for each
     * path the walk visits, in that order, gives the entry of that path or null; the entries
     * passed over are dropped, so only one is held.
     */
    public static final class Cursor {
        private final Iterator<FileEntry> entries;
        private FileEntry ahead;

        public Cursor(Iterator<FileEntry> entries) {
            this.entries = entries;
        }

        public FileEntry find(String path) {
            while (true) {
                if (ahead == null) {
                    if (!entries.hasNext()) {
                        return null;
                    }
                    ahead = entries.next();
                }
                int order = PATH_ORDER.compare(ahead.path(), path);
                if (order > 0) {
                    return null;
                }
                FileEntry passed = ahead;
                ahead = null;
                if (order == 0) {
                    return passed;
                }
            }
        }
    }

    /**
     * {@code entries} read on a thread of their own, a few batches ahead of the caller (a daily
     * parses the previous list while it walks the tree: two cores, not one). Close it; the
     * source's exceptions (a damaged list, a SHA-256 that differs) reach the caller where the
     * caller's reading reaches them.
     */
    public static Entries readAhead(Entries entries) {
        return new AheadEntries(entries);
    }

    /**
     * A sink whose entries go to {@code sink} on a thread of their own (a daily writes its list
     * while it walks); {@link Behind#close} hands over the last ones and waits for them, and
     * throws what the sink threw.
     */
    public static Behind writeBehind(Sink sink) {
        return new Behind(sink);
    }

    private static final int BATCH = 256;
    private static final int BATCHES = 8;
    /** The end of a stream of batches. */
    private static final List<FileEntry> END = List.of();

    private static Thread daemon(Runnable work, String name) {
        Thread thread = new Thread(work, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static <T> void put(BlockingQueue<T> queue, T item) {
        try {
            queue.put(item);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while passing file list entries", e);
        }
    }

    private static <T> T take(BlockingQueue<T> queue) {
        try {
            return queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while passing file list entries", e);
        }
    }

    private static RuntimeException rethrown(Throwable failure) {
        if (failure instanceof RuntimeException r) {
            return r;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(failure);
    }

    /** {@link #readAhead}: batches of entries, then {@link #END}, or the failure that ended the source. */
    private static final class AheadEntries implements Entries {
        private final BlockingQueue<Object> batches = new ArrayBlockingQueue<>(BATCHES);
        private volatile boolean closed;
        private Iterator<FileEntry> current = Collections.emptyIterator();
        private boolean ended;

        AheadEntries(Entries source) {
            daemon(() -> {
                List<FileEntry> batch = new ArrayList<>(BATCH);
                try (source) {
                    while (!closed && source.hasNext()) {
                        batch.add(source.next());
                        if (batch.size() == BATCH) {
                            put(batches, batch);
                            batch = new ArrayList<>(BATCH);
                        }
                    }
                    put(batches, batch);
                    put(batches, END);
                } catch (Throwable t) {
                    // the entries read before it first: the caller meets the failure where the source met it
                    put(batches, batch);
                    put(batches, t);
                }
            }, "file-list-reader");
        }

        @Override
        @SuppressWarnings("unchecked")
        public boolean hasNext() {
            while (!current.hasNext()) {
                if (ended) {
                    return false;
                }
                Object next = take(batches);
                if (next instanceof Throwable failure) {
                    ended = true;
                    throw rethrown(failure);
                }
                if (next == END) {
                    ended = true;
                    return false;
                }
                current = ((List<FileEntry>) next).iterator();
            }
            return true;
        }

        @Override
        public FileEntry next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return current.next();
        }

        @Override
        public void close() {
            closed = true;
            // let the reader finish its batch, close its file and end
            while (!ended) {
                Object next = take(batches);
                ended = next == END || next instanceof Throwable;
            }
        }
    }

    /** {@link #writeBehind}. */
    public static final class Behind implements Sink, AutoCloseable {
        private final BlockingQueue<List<FileEntry>> batches = new ArrayBlockingQueue<>(BATCHES);
        private final Thread thread;
        private volatile Throwable failure;
        private List<FileEntry> batch = new ArrayList<>(BATCH);
        private boolean closed;

        private Behind(Sink sink) {
            thread = daemon(() -> {
                while (true) {
                    List<FileEntry> next = take(batches);
                    if (next == END) {
                        return;
                    }
                    if (failure == null) {
                        try {
                            next.forEach(sink::add);
                        } catch (Throwable t) {
                            failure = t; // passed on at the next add or at close; the rest is drained
                        }
                    }
                }
            }, "file-list-writer");
        }

        @Override
        public void add(FileEntry entry) {
            batch.add(entry);
            if (batch.size() == BATCH) {
                if (failure != null) {
                    throw rethrown(failure);
                }
                put(batches, batch);
                batch = new ArrayList<>(BATCH);
            }
        }

        /** Waits until every entry reached the sink. */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            put(batches, batch);
            put(batches, END);
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while writing the file list", e);
            }
            if (failure != null) {
                throw rethrown(failure);
            }
        }
    }

    /** A sink for entries as a walk produces them. */
    @FunctionalInterface
    public interface Sink {
        Sink NONE = entry -> {
        };

        void add(FileEntry entry);
    }

    /** A file list being written: {@link #close} forces it to disk; then {@link #size} and {@link #sha256} are final. */
    public static final class Writer implements Sink, AutoCloseable {
        private final Path file;
        private final FileChannel channel;
        private final MessageDigest digest = Sha256.newDigest();
        private final OutputStream out;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream(512);
        private String last;
        private long count;
        private String sha256;
        private long size;

        private Writer(Path file) throws IOException {
            this.file = file;
            // a retried step rewrites the list from the start
            this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            this.out = new BufferedOutputStream(new DigestOutputStream(Channels.newOutputStream(channel), digest), BUFFER);
        }

        @Override
        public void add(FileEntry entry) {
            if (last != null && PATH_ORDER.compare(last, entry.path()) >= 0) {
                throw new IllegalStateException("file list " + file.getFileName() + ": " + entry.path() + " after " + last
                        + " is not in path order");
            }
            try {
                line.reset();
                FileListLine.write(entry, line);
                line.write('\n');
                line.writeTo(out);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the file list " + file + ": " + e.getMessage(), e);
            }
            last = entry.path();
            count++;
        }

        public long count() {
            return count;
        }

        public long size() {
            return size;
        }

        public String sha256() {
            return sha256;
        }

        @Override
        public void close() {
            if (sha256 != null) {
                return;
            }
            try (channel) {
                out.flush();
                channel.force(true);
                size = channel.size();
                sha256 = Sha256.hex(digest);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the file list " + file + ": " + e.getMessage()
                        + ". The backup volume may be failing or full; check dmesg and free space.", e);
            }
        }
    }

    private static final class LineEntries implements Entries {
        private final Path file;
        private final String expectedSha256;
        private final MessageDigest digest = Sha256.newDigest();
        private final BufferedReader reader;
        private FileEntry next;
        private String last;
        private long line;
        private boolean ended;

        LineEntries(Path file, String expectedSha256) throws IOException {
            this.file = file;
            this.expectedSha256 = expectedSha256;
            InputStream in = new DigestInputStream(Files.newInputStream(file), digest);
            this.reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), BUFFER);
        }

        @Override
        public boolean hasNext() {
            if (next != null) {
                return true;
            }
            if (ended) {
                return false;
            }
            try {
                String text = reader.readLine();
                if (text == null) {
                    ended = true;
                    String sha = Sha256.hex(digest);
                    if (expectedSha256 != null && !expectedSha256.equals(sha)) {
                        throw new CorruptManifestException(file, "its SHA-256 is " + sha + ", the manifest says " + expectedSha256
                                + " (changed or damaged since the backup)");
                    }
                    return false;
                }
                line++;
                FileEntry entry;
                try {
                    entry = FileListLine.read(text);
                } catch (IOException e) {
                    throw new CorruptManifestException(file, "line " + line + " is not a valid entry (" + e.getMessage() + ")");
                }
                if (entry == null || entry.path() == null || (last != null && PATH_ORDER.compare(last, entry.path()) >= 0)) {
                    throw new CorruptManifestException(file, "line " + line + " is out of path order or has no path");
                }
                if (!insideSnapshot(entry.path())) {
                    throw new CorruptManifestException(file, "line " + line + escapes(entry.path()));
                }
                last = entry.path();
                next = entry;
                return true;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the file list " + file + ": " + e.getMessage(), e);
            }
        }

        @Override
        public FileEntry next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            FileEntry entry = next;
            next = null;
            return entry;
        }

        @Override
        public void close() {
            try {
                reader.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
