// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

import java.util.Arrays;

/**
 * A growing byte buffer for bytes that may be secret (a keystore, a file holding passwords):
 * unlike {@code ByteArrayOutputStream}, which leaves each array it outgrows to the garbage
 * collector as it is, it wipes the old array when it grows, and {@link #wipe()} wipes the last.
 */
final class WipedBuffer {
    private byte[] buf = new byte[8192];
    private int count;

    /** Appends {@code length} bytes of {@code bytes} from {@code offset}. */
    void write(byte[] bytes, int offset, int length) {
        if (length > buf.length - count) {
            // Doubling, as ByteArrayOutputStream does, so that a read costs O(n) copies; the
            // callers' caps (64 MiB at most) keep it far from int overflow.
            byte[] grown = Arrays.copyOf(buf, Math.max(buf.length * 2, count + length));
            Arrays.fill(buf, (byte) 0);
            buf = grown;
        }
        System.arraycopy(bytes, offset, buf, count, length);
        count += length;
    }

    /** How many bytes it holds. */
    int size() {
        return count;
    }

    /** A copy of its bytes, which the caller wipes. */
    byte[] toByteArray() {
        return Arrays.copyOf(buf, count);
    }

    /** Wipes the bytes it holds. */
    void wipe() {
        Arrays.fill(buf, (byte) 0);
        count = 0;
    }
}
