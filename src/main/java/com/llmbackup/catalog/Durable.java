package com.llmbackup.catalog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Forces what a backup wrote to disk before its manifest may say {@code complete}: a set
 * that is complete in the page cache is not complete after a power cut (issue 14, defect 1).
 * A file is forced with its metadata (size, mode, mtime); a folder's fsync makes the names
 * in it (new files, links, renames) durable.
 */
public final class Durable {

    private Durable() {
    }

    /** fsync of a file's content and metadata; a failure means the bytes may not be on disk, so it fails the step. */
    public static void force(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot flush " + file + " to disk: " + e.getMessage()
                    + ". The backup volume may be failing or full; check dmesg and free space.", e);
        }
    }

    /**
     * fsyncs issued in the background while a step goes on writing, side by side, and waited
     * for with {@link #await} before the step returns. One after the other, each fsync waits
     * for its own journal commit and cache flush; concurrent ones are merged by the journal and
     * the block layer, and they wait on the disk while the walk goes on using the CPU
     * (measured here: the 1,400 folders of a daily forced in 0.73 s one by one, 0.08 s with
     * 16 threads, no better with 64).
     */
    public static final class Batch implements AutoCloseable {
        // fsyncs wait on the disk, not the CPU: more threads than cores
        private static final int THREADS = 16;
        private final ExecutorService pool = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "fsync");
            t.setDaemon(true);
            return t;
        });
        // a million files must not mean a million futures in memory: past this many, the oldest is waited for
        private static final int IN_FLIGHT = 4096;
        private final ArrayDeque<Future<?>> pending = new ArrayDeque<>();

        public void file(Path file) {
            submit(() -> force(file));
        }

        public void directory(Path dir) {
            submit(() -> syncDirectory(dir));
        }

        private void submit(Runnable fsync) {
            while (pending.size() >= IN_FLIGHT) {
                waitFor(pending.removeFirst());
            }
            pending.addLast(pool.submit(fsync));
        }

        /** Waits until everything submitted is on disk; the first failure fails the step. */
        public void await() {
            while (!pending.isEmpty()) {
                waitFor(pending.removeFirst());
            }
        }

        private static void waitFor(Future<?> f) {
            try {
                f.get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while flushing the backup to disk", e);
            }
        }

        @Override
        public void close() {
            pool.shutdownNow();
        }
    }

    /** Writes bytes to a new or truncated file and forces them before returning. */
    public static void write(Path file, byte[] bytes) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** fsync of a folder (Linux allows it), making the entries created, linked or renamed in it durable. */
    public static void syncDirectory(Path dir) {
        FilePermissions.syncDirectory(dir);
    }
}
