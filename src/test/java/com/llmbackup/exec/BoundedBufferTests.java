package com.llmbackup.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class BoundedBufferTests {

    @Test
    void toByteArrayKeepsHeadWhenNotKeepingTail() {
        BoundedBuffer buffer = new BoundedBuffer(4, false);
        byte[] data = "abcdef".getBytes(StandardCharsets.UTF_8);
        buffer.write(data, data.length);

        assertThat(new String(buffer.toByteArray(), StandardCharsets.UTF_8)).isEqualTo("abcd");
    }

    @Test
    void toByteArrayKeepsLastBytesWhenKeepingTail() {
        BoundedBuffer buffer = new BoundedBuffer(4, true);
        byte[] data = "abcdef".getBytes(StandardCharsets.UTF_8);
        buffer.write(data, 3);
        buffer.write("defghij".getBytes(StandardCharsets.UTF_8), 7);

        assertThat(new String(buffer.toByteArray(), StandardCharsets.UTF_8)).isEqualTo("ghij");
    }

    @Test
    void toByteArrayReturnsAllWhenUnderLimit() {
        BoundedBuffer buffer = new BoundedBuffer(10, true);
        buffer.write("xyz".getBytes(StandardCharsets.UTF_8), 3);

        assertThat(new String(buffer.toByteArray(), StandardCharsets.UTF_8)).isEqualTo("xyz");
    }
}
