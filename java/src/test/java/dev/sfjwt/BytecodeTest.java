// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The library's classes run on Java 8; the helper for Java 11's HttpClient needs Java 11. */
class BytecodeTest {
    static final int JAVA_8 = 52;
    static final int JAVA_11 = 55;

    /**
     * The class file version of a class at {@code name} in the jar: Java 8, except the Java 11
     * part of the multi-release jar ({@code META-INF/versions/11/}).
     */
    static int expectedVersion(String name) {
        return name.replace('\\', '/').startsWith("META-INF/versions/11/") ? JAVA_11 : JAVA_8;
    }

    static int majorVersion(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        assertEquals(0xCAFEBABE, data.readInt(), "class file magic");
        data.readUnsignedShort(); // minor
        return data.readUnsignedShort();
    }

    @Test
    void everyMainClassIsJava8Bytecode() throws IOException {
        Path classes = Paths.get(System.getProperty("sfjwt.test.classes", "target/classes"));
        List<Path> files;
        try (Stream<Path> walk = Files.walk(classes)) {
            files = walk.filter(p -> p.toString().endsWith(".class")).collect(Collectors.toList());
        }
        assertTrue(files.size() >= 10, "found the classes: " + files);
        for (Path file : files) {
            try (InputStream in = Files.newInputStream(file)) {
                assertEquals(expectedVersion(classes.relativize(file).toString()), majorVersion(in), file.toString());
            }
        }
    }
}
