package com.llmbackup.exec;

import java.io.ByteArrayOutputStream;

/** Keeps at most {@code limit} bytes of a stream: its head, or its tail (where errors are). */
final class BoundedBuffer {

    private final int limit;
    private final boolean keepTail;
    private final ByteArrayOutputStream head = new ByteArrayOutputStream();
    private byte[] ring;
    private int ringPos;
    private boolean wrapped;

    BoundedBuffer(int limit, boolean keepTail) {
        this.limit = limit;
        this.keepTail = keepTail;
        if (keepTail) {
            ring = new byte[limit];
        }
    }

    void write(byte[] data, int length) {
        if (!keepTail) {
            int room = limit - head.size();
            if (room > 0) {
                head.write(data, 0, Math.min(room, length));
            }
            return;
        }
        for (int i = 0; i < length; i++) {
            ring[ringPos++] = data[i];
            if (ringPos == limit) {
                ringPos = 0;
                wrapped = true;
            }
        }
    }

    byte[] toByteArray() {
        if (!keepTail) {
            return head.toByteArray();
        }
        if (!wrapped) {
            byte[] out = new byte[ringPos];
            System.arraycopy(ring, 0, out, 0, ringPos);
            return out;
        }
        byte[] out = new byte[limit];
        System.arraycopy(ring, ringPos, out, 0, limit - ringPos);
        System.arraycopy(ring, 0, out, limit - ringPos, ringPos);
        return out;
    }
}
