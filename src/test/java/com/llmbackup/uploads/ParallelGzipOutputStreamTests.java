package com.llmbackup.uploads;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;

import com.llmbackup.exec.Command;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.test.FileTrees;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParallelGzipOutputStreamTests {

    @TempDir
    Path dir;

    /** 7.5 MB: random blocks (like PDFs), text, and blocks that mix both within one 1 MB block. */
    private static byte[] mixedData() {
        Random random = new Random(11);
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        byte[] noise = new byte[3 * 1024 * 1024 + 123];
        random.nextBytes(noise);
        data.writeBytes(noise);
        for (int i = 0; i < 60_000; i++) {
            data.writeBytes(("line " + i + " of the meeting notes\n").getBytes());
        }
        for (int i = 0; i < 40; i++) {
            byte[] small = new byte[20_000];
            random.nextBytes(small);
            data.writeBytes(small);
            data.writeBytes("plain text between scans ".repeat(800).getBytes());
        }
        return data.toByteArray();
    }

    @Test
    void outputIsOneGzipFileOfIndependentMembersThatStandardToolsRead() throws Exception {
        byte[] input = mixedData();
        Path file = dir.resolve("data.gz");
        ParallelGzipOutputStream gzip = new ParallelGzipOutputStream(Files.newOutputStream(file), 2, 1);
        try (gzip) {
            gzip.write(input, 0, 5);
            gzip.write(input, 5, input.length - 5);
        }

        byte[] written = Files.readAllBytes(file);
        assertThat(new GZIPInputStream(new ByteArrayInputStream(written)).readAllBytes()).isEqualTo(input);
        new CommandRunner().run(Command.of("gzip", "-t", file.toString()));
        assertThat(gzip.blocks()).isEqualTo((input.length + ParallelGzipOutputStream.BLOCK - 1) / ParallelGzipOutputStream.BLOCK);
        assertThat(gzip.storedBlocks()).as("the first three blocks are pure noise").isEqualTo(3);
        assertThat(gzip.sha256()).isEqualTo(FileTrees.sha256(file));
        assertThat(written.length).as("the text shrinks although it shares blocks with noise").isLessThan(input.length * 3 / 4);

        // each member stands alone: header with no mtime, raw deflate, CRC-32 and size of its block
        int pos = 0;
        int members = 0;
        long total = 0;
        while (pos < written.length) {
            assertThat(written[pos] & 0xff).isEqualTo(0x1f);
            assertThat(written[pos + 1] & 0xff).isEqualTo(0x8b);
            assertThat(new byte[] {written[pos + 4], written[pos + 5], written[pos + 6], written[pos + 7]}).containsOnly(0);
            Inflater inflater = new Inflater(true);
            inflater.setInput(written, pos + 10, written.length - pos - 10);
            byte[] block = new byte[ParallelGzipOutputStream.BLOCK];
            int n = 0;
            while (!inflater.finished()) {
                n += inflater.inflate(block, n, block.length - n);
            }
            int end = written.length - inflater.getRemaining();
            inflater.end();
            CRC32 crc = new CRC32();
            crc.update(block, 0, n);
            assertThat(intLE(written, end)).isEqualTo((int) crc.getValue());
            assertThat(intLE(written, end + 4)).isEqualTo(n);
            total += n;
            pos = end + 8;
            members++;
        }
        assertThat(members).isEqualTo(gzip.blocks());
        assertThat(total).isEqualTo(input.length);
    }

    @Test
    void emptyStreamIsValidGzip() throws Exception {
        Path file = dir.resolve("empty.gz");
        new ParallelGzipOutputStream(Files.newOutputStream(file), 2, 6).close();

        new CommandRunner().run(Command.of("gzip", "-t", file.toString()));
        assertThat(new GZIPInputStream(Files.newInputStream(file)).readAllBytes()).isEmpty();
    }

    @Test
    void looksRandomTellsNoiseFromText() {
        byte[] noise = new byte[16384];
        new Random(5).nextBytes(noise);
        byte[] text = "the quarterly report of the llm web application\n".repeat(400).getBytes();

        assertThat(ParallelGzipOutputStream.looksRandom(noise, 0, noise.length)).isTrue();
        assertThat(ParallelGzipOutputStream.looksRandom(text, 0, 16384)).isFalse();
    }

    private static int intLE(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }
}
