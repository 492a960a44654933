// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar alone: {@code java -jar sfjwt-<version>.jar test-connection conn.properties}
 * in a fresh JVM with no {@code java.library.path}, against the emulator.
 */
class PackagedJarIT extends EmulatorTestBase {

    private static Path jar() {
        Path jar = Paths.get(System.getProperty("sfjwt.test.jar", "target/sfjwt-0.1.0.jar"));
        assertTrue(Files.isRegularFile(jar), jar + " exists");
        return jar;
    }

    /** Runs the jar in a new JVM; returns the exit code, the output in {@code output}. */
    private static int runJar(List<String> output, String... args) throws Exception {
        return runJar(output, new ArrayList<>(), args);
    }

    private static int runJar(List<String> output, List<String> jvmOptions, String... args) throws Exception {
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(jar().toString());
        for (String arg : args) {
            command.add(arg);
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        // Nothing but the jar may provide the library.
        builder.environment().remove("LD_LIBRARY_PATH");
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        builder.environment().remove("JDK_JAVA_OPTIONS");
        Process process = builder.start();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (InputStream in = process.getInputStream()) {
            byte[] buffer = new byte[8192];
            int n;
            while ((n = in.read(buffer)) > 0) {
                bytes.write(buffer, 0, n);
            }
        }
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the jar finished");
        output.add(new String(bytes.toByteArray(), UTF_8));
        return process.exitValue();
    }

    @Test
    void jarPassesTheConnectionTest(@TempDir Path dir) throws Exception {
        List<String> output = new ArrayList<>();
        int status = runJar(output, "test-connection", emulator.properties(dir, Emulator.USER).toString());
        String text = output.get(0);
        assertEquals(0, status, text);
        assertTrue(text.contains("Connection test PASSED"), text);
        assertTrue(text.contains("token request"), text);
        assertTrue(!text.contains("changeit1"), "no password in the output");
    }

    @Test
    void jvmsSharingATokenCacheDirLogInOnce(@TempDir Path dir) throws Exception {
        Path tokens = dir.resolve("tokens");
        Path conn = emulator.properties(dir, Emulator.USER);
        Files.write(conn, ("token_cache_dir=" + tokens.toString().replace("\\", "\\\\") + "\n").getBytes(UTF_8),
                java.nio.file.StandardOpenOption.APPEND);
        long before = emulator.logins();
        for (int jvm = 0; jvm < 3; jvm++) {
            List<String> output = new ArrayList<>();
            int status = runJar(output, "token", conn.toString());
            String text = output.get(0);
            assertEquals(0, status, text);
            assertTrue(text.contains("AccessToken{tokenType=Bearer") && text.contains("accessToken=<redacted>"), text);
        }
        assertEquals(1, emulator.logins() - before, "three JVMs, one login");
        try (java.util.stream.Stream<Path> files = Files.list(tokens)) {
            assertTrue(files.anyMatch(f -> f.toString().endsWith(".token")), "the shared entry");
        }
    }

    @Test
    void jarExitsWithTheErrorCode(@TempDir Path dir) throws Exception {
        List<String> output = new ArrayList<>();
        int status = runJar(output, "test-connection", emulator.properties(dir, Emulator.UNAPPROVED_USER).toString());
        String text = output.get(0);
        assertEquals(ErrorCode.AUTH_REJECTED.value(), status, text);
        assertTrue(text.contains("user hasn't approved this consumer"), text);

        output.clear();
        assertEquals(2, runJar(output, "no-such-command"), output.get(0));
    }

    @Test
    void libraryPathPropertyOverridesTheJarsCopy(@TempDir Path dir) throws Exception {
        Path conn = emulator.properties(dir, Emulator.USER);
        Path missing = dir.resolve("nowhere").resolve("libsfjwt_jni.so");
        List<String> output = new ArrayList<>();
        int status = runJar(output, Collections.singletonList("-Dsfjwt.library.path=" + missing),
                "test-connection", conn.toString());
        assertTrue(status != 0, "a missing override is not silently replaced by the jar's copy");
        assertTrue(output.get(0).contains(missing.toString()), output.get(0));

        Path cargoDir = Paths.get(System.getProperty("sfjwt.test.cli", "../target/debug/sfjwt")).getParent();
        output.clear();
        status = runJar(output, Collections.singletonList("-Dsfjwt.library.path=" + cargoDir),
                "test-connection", conn.toString());
        assertEquals(0, status, output.get(0));
    }

    @Test
    void anotherPlatformGetsAClearError(@TempDir Path dir) throws Exception {
        // The test jar carries one platform's library: the one of sfjwt.test.native.resource.
        String carried = System.getProperty("sfjwt.test.native.resource", "native/linux-x86_64/libsfjwt_jni.so")
                .split("/")[1];
        List<String> output = new ArrayList<>();
        int status = runJar(output, Collections.singletonList("-Dos.arch=riscv64"),
                "test-connection", emulator.properties(dir, Emulator.USER).toString());
        String text = output.get(0);
        assertEquals(3, status, text);
        assertTrue(text.contains("sfjwt: no native library for linux-riscv64"), text);
        assertTrue(text.contains("this jar carries " + carried), text);
        assertTrue(text.contains("-Dsfjwt.library.path="), text);
        assertTrue(!text.contains("NoClassDefFoundError") && !text.contains("\tat "), "no stack trace: " + text);
    }

    @Test
    void jarCarriesTheNativeLibraryAndJava8Classes() throws IOException {
        try (JarFile jar = new JarFile(jar().toFile())) {
            String resource = System.getProperty("sfjwt.test.native.resource",
                    "native/linux-x86_64/libsfjwt_jni.so");
            JarEntry library = jar.getJarEntry(resource);
            assertNotNull(library, resource + " in the jar");
            assertEquals("dev.sfjwt.Main", jar.getManifest().getMainAttributes().getValue("Main-Class"));
            // Sealed: no other jar can add a class to dev.sfjwt and call its package-private
            // native methods.
            assertEquals("true", jar.getManifest().getAttributes("dev/sfjwt/").getValue("Sealed"));
            int classes = 0;
            for (Enumeration<JarEntry> entries = jar.entries(); entries.hasMoreElements();) {
                JarEntry entry = entries.nextElement();
                if (entry.getName().endsWith(".class")) {
                    classes++;
                    try (InputStream in = jar.getInputStream(entry)) {
                        assertEquals(BytecodeTest.expectedVersion(entry.getName()), BytecodeTest.majorVersion(in),
                                entry.getName());
                    }
                }
            }
            assertTrue(classes >= 10, "classes in the jar: " + classes);
            assertEquals("true", jar.getManifest().getMainAttributes().getValue("Multi-Release"));
            assertNotNull(jar.getJarEntry("META-INF/versions/11/dev/sfjwt/SalesforceHttpClient.class"));
        }
    }
}
