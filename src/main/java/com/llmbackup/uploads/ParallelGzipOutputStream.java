package com.llmbackup.uploads;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * gzip on every core, pigz-style but simpler: the stream is cut into blocks, each block
 * becomes an independent gzip member, and the members are written in order. A file of
 * concatenated members is one valid gzip file (RFC 1952): {@code gzip -t}, GNU
 * {@code tar -xzf} and commons-compress (with concatenated-member support) read it.
 *
 * <p>A block that does not shrink (PDFs, images, already compressed data) is detected by
 * compressing a sample at the fastest level; such blocks are stored, not squeezed in vain.
 * Memory is bounded: at most {@code 2 x threads} blocks are in flight. The SHA-256 of the
 * compressed output is computed as it is written.
 */
public final class ParallelGzipOutputStream extends OutputStream {

    static final int BLOCK = 1 << 20;
    private static final int SAMPLE = 64 * 1024;
    private static final double STORE_ABOVE = 0.97;

    private final OutputStream out;
    private final ExecutorService workers;
    private final int maxInFlight;
    private final Deque<Future<byte[]>> inFlight = new ArrayDeque<>();
    private final MessageDigest sha256;
    private final int level;
    private byte[] block = new byte[BLOCK];
    private int used;
    private long compressedBytes;
    private long storedBlocks;
    private long blocks;
    private boolean closed;

    public ParallelGzipOutputStream(OutputStream out, int threads, int level) {
        this.out = out;
        this.level = level;
        this.workers = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "gzip-worker");
            t.setDaemon(true);
            return t;
        });
        this.maxInFlight = threads * 2;
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void write(int b) throws IOException {
        block[used++] = (byte) b;
        if (used == BLOCK) {
            submit();
        }
    }

    @Override
    public void write(byte[] data, int off, int len) throws IOException {
        while (len > 0) {
            int n = Math.min(len, BLOCK - used);
            System.arraycopy(data, off, block, used, n);
            used += n;
            off += n;
            len -= n;
            if (used == BLOCK) {
                submit();
            }
        }
    }

    private void submit() throws IOException {
        byte[] data = block;
        int length = used;
        block = new byte[BLOCK];
        used = 0;
        blocks++;
        inFlight.add(workers.submit(() -> member(data, length, level)));
        while (inFlight.size() >= maxInFlight) {
            drainOne();
        }
    }

    private void drainOne() throws IOException {
        try {
            byte[] member = inFlight.removeFirst().get();
            out.write(member);
            sha256.update(member);
            compressedBytes += member.length;
            if (member[8] == 0) {
                storedBlocks++; // XFL byte 0 marks a stored member (see member())
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("compression interrupted");
        } catch (ExecutionException e) {
            throw new IOException("compression failed: " + e.getCause(), e.getCause());
        }
    }

    /** One gzip member: header, raw deflate data, CRC-32 and length of the block. */
    static byte[] member(byte[] data, int length, int level) {
        int chosen = level;
        if (length >= SAMPLE && compressedRatio(data, Math.min(length, SAMPLE)) > STORE_ABOVE) {
            chosen = Deflater.NO_COMPRESSION;
        }
        Deflater deflater = new Deflater(chosen, true);
        try {
            deflater.setInput(data, 0, length);
            deflater.finish();
            byte[] buffer = new byte[length + length / 100 + 1024];
            int pos = 10;
            while (!deflater.finished()) {
                if (pos == buffer.length) {
                    buffer = java.util.Arrays.copyOf(buffer, buffer.length * 2);
                }
                pos += deflater.deflate(buffer, pos, buffer.length - pos);
            }
            CRC32 crc = new CRC32();
            crc.update(data, 0, length);
            byte[] member = java.util.Arrays.copyOf(buffer, pos + 8);
            member[0] = 0x1f;
            member[1] = (byte) 0x8b;
            member[2] = 8;      // deflate
            member[3] = 0;      // no flags
            // mtime 0 (4 bytes) stays zero
            member[8] = (byte) (chosen == Deflater.NO_COMPRESSION ? 0 : 4); // XFL: 4 = fastest, 0 = stored here
            member[9] = 3;      // OS: Unix
            writeIntLE(member, pos, (int) crc.getValue());
            writeIntLE(member, pos + 4, length);
            return member;
        } finally {
            deflater.end();
        }
    }

    private static double compressedRatio(byte[] data, int sample) {
        Deflater probe = new Deflater(Deflater.BEST_SPEED, true);
        try {
            probe.setInput(data, 0, sample);
            probe.finish();
            byte[] sink = new byte[sample + 1024];
            int total = 0;
            while (!probe.finished()) {
                total += probe.deflate(sink, 0, sink.length);
            }
            return (double) total / sample;
        } finally {
            probe.end();
        }
    }

    private static void writeIntLE(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (used > 0 || blocks == 0) {
                submit();
            }
            while (!inFlight.isEmpty()) {
                drainOne();
            }
            out.flush();
        } finally {
            workers.shutdownNow();
            out.close();
        }
    }

    public String sha256() {
        return java.util.HexFormat.of().formatHex(sha256.digest());
    }

    public long compressedBytes() {
        return compressedBytes;
    }

    public long storedBlocks() {
        return storedBlocks;
    }

    public long blocks() {
        return blocks;
    }
}
