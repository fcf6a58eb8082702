package com.llmbackup.uploads;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

import com.llmbackup.catalog.Sha256;

/**
 * gzip on every core, pigz-style but simpler: the stream is cut into blocks, each block
 * becomes an independent gzip member, and the members are written in order. A file of
 * concatenated members is one valid gzip file (RFC 1952): {@code gzip -t}, GNU
 * {@code tar -xzf} and commons-compress (with concatenated-member support) read it.
 *
 * <p>Data that does not shrink (PDFs, images, already compressed data) is detected by the
 * entropy of each 16 KB segment and stored, not squeezed in vain.
 * Memory is bounded: at most {@code 2 x threads} blocks are in flight. The SHA-256 of the
 * compressed output is computed as it is written.
 */
public final class ParallelGzipOutputStream extends OutputStream {

    static final int BLOCK = 1 << 20;
    static final int SEGMENT = 16 * 1024;
    private static final int SAMPLE_STRIDE = 8;
    static final double RANDOM_BITS = 7.8;

    private final OutputStream out;
    private final ExecutorService workers;
    private final int maxInFlight;
    // compressed members in order, written by the caller's thread (a writer thread of its own
    // was measured slower on two cores)
    private final ArrayDeque<Future<Member>> inFlight = new ArrayDeque<>();
    // buffers are recycled: a small heap must not churn through a megabyte per block
    private final BlockingQueue<byte[]> freeInputs;
    private final BlockingQueue<byte[]> freeOutputs;
    private final MessageDigest sha256;
    private final int level;
    private byte[] block = new byte[BLOCK];
    private static final int OUTPUT_SIZE = BLOCK + BLOCK / 64 + 1024;
    private static final ThreadLocal<Deflater> DEFLATERS = new ThreadLocal<>();
    private int used;
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
        this.freeInputs = new ArrayBlockingQueue<>(maxInFlight + 2);
        this.freeOutputs = new ArrayBlockingQueue<>(maxInFlight + 2);
        for (int i = 0; i < maxInFlight + 1; i++) {
            freeInputs.add(new byte[BLOCK]);
            freeOutputs.add(new byte[OUTPUT_SIZE]);
        }
        this.sha256 = Sha256.newDigest();
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
        used = 0;
        blocks++;
        while (inFlight.size() >= maxInFlight) {
            writeOne(inFlight.removeFirst());
        }
        byte[] output = freeOutputs.poll();
        block = freeInputs.poll();
        if (block == null) {
            block = new byte[BLOCK];
        }
        byte[] into = output == null ? new byte[OUTPUT_SIZE] : output;
        inFlight.add(workers.submit(() -> {
            Deflater deflater = DEFLATERS.get();
            if (deflater == null) {
                deflater = new Deflater(level, true);
                DEFLATERS.set(deflater);
            }
            Member member = member(data, length, level, deflater, into);
            return new Member(data, member.bytes(), member.length(), member.stored());
        }));
    }

    /** A finished gzip member in a (possibly recycled) buffer, and the input block it came from. */
    record Member(byte[] input, byte[] bytes, int length, boolean stored) {
    }

    private void writeOne(Future<Member> next) throws IOException {
        try {
            Member member = next.get();
            if (member.stored()) {
                storedBlocks++;
            }
            out.write(member.bytes(), 0, member.length());
            sha256.update(member.bytes(), 0, member.length());
            if (member.input() != null) {
                freeInputs.offer(member.input());
            }
            if (member.bytes().length == OUTPUT_SIZE) {
                freeOutputs.offer(member.bytes());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("compression interrupted");
        } catch (ExecutionException e) {
            throw new IOException("compression failed: " + e.getCause(), e.getCause());
        }
    }

    /**
     * One gzip member: header, raw deflate data, CRC-32 and length of the block. The block is
     * deflated in segments; a segment whose bytes look random (high entropy: compressed
     * documents, images) is stored, the others are compressed at {@code level}. The level
     * switches inside one deflate stream, so text next to a PDF in the same block still shrinks.
     */
    static Member member(byte[] data, int length, int level, Deflater deflater, byte[] output) {
        deflater.reset();
        deflater.setLevel(level);
        {
            byte[] buffer = output;
            int pos = 10;
            int current = level;
            boolean anyStored = false;
            boolean anyCompressed = false;
            for (int off = 0; off < length; off += SEGMENT) {
                int n = Math.min(SEGMENT, length - off);
                int wanted = looksRandom(data, off, n) ? Deflater.NO_COMPRESSION : level;
                if (wanted != current) {
                    // the new level applies to input given after the next deflate call
                    deflater.setLevel(wanted);
                    current = wanted;
                }
                anyStored |= wanted == Deflater.NO_COMPRESSION;
                anyCompressed |= wanted != Deflater.NO_COMPRESSION;
                deflater.setInput(data, off, n);
                while (!deflater.needsInput()) {
                    if (pos == buffer.length) {
                        buffer = Arrays.copyOf(buffer, buffer.length * 2);
                    }
                    pos += deflater.deflate(buffer, pos, buffer.length - pos, Deflater.NO_FLUSH);
                }
            }
            deflater.finish();
            while (!deflater.finished()) {
                if (pos == buffer.length) {
                    buffer = Arrays.copyOf(buffer, buffer.length * 2);
                }
                pos += deflater.deflate(buffer, pos, buffer.length - pos);
            }
            CRC32 crc = new CRC32();
            crc.update(data, 0, length);
            if (pos + 8 > buffer.length) {
                buffer = Arrays.copyOf(buffer, pos + 8);
            }
            byte[] member = buffer;
            member[0] = 0x1f;
            member[1] = (byte) 0x8b;
            member[2] = 8;      // deflate
            member[3] = 0;      // no flags
            member[4] = 0;      // mtime 0: none (the buffer may be recycled, so set it)
            member[5] = 0;
            member[6] = 0;
            member[7] = 0;
            member[8] = 0;      // XFL
            member[9] = 3;      // OS: Unix
            writeIntLE(member, pos, (int) crc.getValue());
            writeIntLE(member, pos + 4, length);
            return new Member(null, member, pos + 8, anyStored && !anyCompressed);
        }
    }

    /**
     * Whether the Shannon entropy of a sample of the segment (every 8th byte) is above
     * {@link #RANDOM_BITS} bits per byte: deflate would not shrink such bytes.
     */
    static boolean looksRandom(byte[] data, int off, int length) {
        if (length < 4096) {
            return false;
        }
        int[] counts = new int[256];
        int samples = 0;
        for (int i = off; i < off + length; i += SAMPLE_STRIDE) {
            counts[data[i] & 0xff]++;
            samples++;
        }
        double entropy = 0;
        for (int c : counts) {
            if (c > 0) {
                double p = (double) c / samples;
                entropy -= p * Math.log(p);
            }
        }
        return entropy / Math.log(2) > RANDOM_BITS;
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
                writeOne(inFlight.removeFirst());
            }
            out.flush();
        } finally {
            workers.shutdownNow();
            out.close();
        }
    }

    public String sha256() {
        return Sha256.hex(sha256);
    }

    public long storedBlocks() {
        return storedBlocks;
    }

    public long blocks() {
        return blocks;
    }
}
