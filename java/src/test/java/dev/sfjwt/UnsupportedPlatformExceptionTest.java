// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sfjwt.internal.NativeLibrary;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The error of a platform the jar has no library for; {@code PackagedJarIT} runs it for real. */
class UnsupportedPlatformExceptionTest {

    @Test
    void messageNamesThePlatformWhatTheJarCarriesAndTheWayOut() {
        UnsatisfiedLinkError cause = new UnsatisfiedLinkError("no sfjwt_jni in java.library.path: /usr/lib");
        List<String> available = new ArrayList<>(Arrays.asList("linux-x86_64", "windows-x86_64"));
        UnsupportedPlatformException e = new UnsupportedPlatformException("linux-riscv64", available, cause);
        available.clear();

        String message = e.getMessage();
        assertTrue(message.startsWith("sfjwt: no native library for linux-riscv64: "), message);
        assertTrue(message.contains("this jar carries linux-x86_64, windows-x86_64."), message);
        assertTrue(message.endsWith("(System.loadLibrary(\"sfjwt_jni\"): no sfjwt_jni in java.library.path: /usr/lib)"),
                message);
        assertTrue(message.contains("Use a sfjwt jar built for linux-riscv64"), message);
        assertTrue(message.contains("cargo build --release -p sfjwt-jni"), message);
        assertTrue(message.contains("-Dsfjwt.library.path=/path/to/" + System.mapLibraryName("sfjwt_jni")), message);

        assertEquals("linux-riscv64", e.getPlatform());
        assertEquals(Arrays.asList("linux-x86_64", "windows-x86_64"), e.getAvailablePlatforms(), "a copy");
        assertThrows(UnsupportedOperationException.class, () -> e.getAvailablePlatforms().add("macos-aarch64"));
        assertSame(cause, e.getCause());
        assertTrue(e instanceof UnsatisfiedLinkError, "old catch blocks still catch it");
    }

    @Test
    void aJarWithoutLibrariesSaysSo() {
        UnsupportedPlatformException e = new UnsupportedPlatformException("freebsd-x86_64",
                Collections.<String>emptyList(), null);
        assertTrue(e.getMessage().contains("this jar carries none."), e.getMessage());
        assertTrue(e.getAvailablePlatforms().isEmpty());
        assertEquals(null, e.getCause());
    }

    @Test
    void theTestClassesCarryThisPlatformsLibrary() {
        // Maven copies the library into target/classes/native/<platform>/, as into the jar.
        assertTrue(NativeLibrary.KNOWN_PLATFORMS.contains(NativeLibrary.platform()), NativeLibrary.platform());
        assertTrue(NativeLibrary.availablePlatforms().contains(NativeLibrary.platform()), NativeLibrary.availablePlatforms().toString());
    }
}
