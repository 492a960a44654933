// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The buffer that keystores and {@code .properties} files are read into: each array it outgrows
 * is wiped when it grows (a keystore or a file holding passwords would otherwise leave copies of
 * itself on the heap), and {@link WipedBuffer#wipe()} wipes the last one.
 */
class WipedBufferTest {
    private static final byte SECRET = 0x5A;

    /** The buffer's current storage, read by reflection: what the heap holds. */
    private static byte[] storage(WipedBuffer buffer) throws ReflectiveOperationException {
        for (Class<?> type = buffer.getClass(); type != null; type = type.getSuperclass()) {
            try {
                Field field = type.getDeclaredField("buf");
                field.setAccessible(true);
                return (byte[]) field.get(buffer);
            } catch (NoSuchFieldException e) {
                // in a superclass
            }
        }
        throw new NoSuchFieldException("buf");
    }

    @Test
    void everyOutgrownArrayAndTheLastAreWiped() throws Exception {
        WipedBuffer buffer = new WipedBuffer();
        byte[] one = {SECRET};
        int growths = 0;
        byte[] current = storage(buffer);
        for (int i = 0; i < 100_000; i++) {
            buffer.write(one, 0, 1);
            byte[] now = storage(buffer);
            if (now != current) {
                assertArrayEquals(new byte[current.length], current, "the outgrown array of " + current.length);
                growths++;
                current = now;
            }
        }
        assertTrue(growths >= 3, growths + " growths");
        byte[] expected = new byte[100_000];
        Arrays.fill(expected, SECRET);
        assertArrayEquals(expected, buffer.toByteArray());
        assertEquals(100_000, buffer.size());
        buffer.wipe();
        assertArrayEquals(new byte[current.length], storage(buffer), "the last array");
    }
}
