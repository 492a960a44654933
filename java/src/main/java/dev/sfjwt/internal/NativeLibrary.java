// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt.internal;

import dev.sfjwt.UnsupportedPlatformException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Finds and loads sfjwt's JNI library. Not API: use the classes of {@code dev.sfjwt}. The
 * native methods themselves are package-private in {@code dev.sfjwt} (a sealed package), so that
 * no other code can hand them a freed or forged handle.
 *
 * <p>The library is loaded once, by {@link #ensureLoaded()}:
 * <ol>
 * <li>from the file named by the system property {@code sfjwt.library.path} (a file, or a
 * directory holding {@code libsfjwt_jni.so}), when set;</li>
 * <li>else from the jar's resource {@code /native/<os>-<arch>/libsfjwt_jni.so} ({@code .dll},
 * {@code .dylib}), copied to a temporary file (deleted again once loaded, or at exit where that
 * is not possible);</li>
 * <li>else with {@code System.loadLibrary("sfjwt_jni")}, from {@code java.library.path};</li>
 * <li>else it throws {@link UnsupportedPlatformException}, listing the platforms the jar
 * carries.</li>
 * </ol>
 */
public final class NativeLibrary {
    /** The library's base name: {@code libsfjwt_jni.so} on Linux. */
    public static final String LIBRARY = "sfjwt_jni";
    /** The system property that overrides where the library is loaded from. */
    public static final String LIBRARY_PATH_PROPERTY = "sfjwt.library.path";
    /**
     * The platforms a jar may carry a library for, as {@link #platform()} names them; the
     * release jar carries the first three.
     */
    public static final List<String> KNOWN_PLATFORMS = Collections.unmodifiableList(Arrays.asList(
            "linux-x86_64", "linux-aarch64", "windows-x86_64", "macos-x86_64", "macos-aarch64"));

    private static boolean loaded;

    private NativeLibrary() {
    }

    /**
     * Loads the library, once per class loader; later calls return at once.
     *
     * @throws UnsupportedPlatformException when no library for this platform can be found
     */
    public static synchronized void ensureLoaded() {
        if (!loaded) {
            load();
            loaded = true;
        }
    }

    /**
     * The platform directory inside the jar: {@code linux-x86_64}, {@code linux-aarch64},
     * {@code macos-aarch64}, {@code windows-x86_64}, ...
     *
     * @return the directory name
     */
    public static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (os.startsWith("linux")) {
            os = "linux";
        } else if (os.startsWith("mac") || os.startsWith("darwin")) {
            os = "macos";
        } else if (os.startsWith("windows")) {
            os = "windows";
        }
        if (arch.equals("amd64") || arch.equals("x86_64") || arch.equals("x64")) {
            arch = "x86_64";
        } else if (arch.equals("aarch64") || arch.equals("arm64")) {
            arch = "aarch64";
        }
        return os + "-" + arch;
    }

    /**
     * The jar's resource holding the library for a platform.
     *
     * @param platform as {@link #platform()} names it
     * @return {@code /native/<platform>/libsfjwt_jni.so}, {@code sfjwt_jni.dll} on Windows, ...
     */
    static String resource(String platform) {
        String file = platform.startsWith("windows-") ? LIBRARY + ".dll"
                : "lib" + LIBRARY + (platform.startsWith("macos-") ? ".dylib" : ".so");
        return "/native/" + platform + "/" + file;
    }

    /**
     * The {@linkplain #KNOWN_PLATFORMS known platforms} this jar carries a library for.
     *
     * @return the platforms, in the order of {@link #KNOWN_PLATFORMS}
     */
    public static List<String> availablePlatforms() {
        List<String> available = new ArrayList<>();
        for (String platform : KNOWN_PLATFORMS) {
            if (NativeLibrary.class.getResource(resource(platform)) != null) {
                available.add(platform);
            }
        }
        return available;
    }

    private static void load() {
        String override = System.getProperty(LIBRARY_PATH_PROPERTY);
        if (override != null && !override.trim().isEmpty()) {
            File file = new File(override.trim());
            if (file.isDirectory()) {
                file = new File(file, System.mapLibraryName(LIBRARY));
            }
            System.load(file.getAbsolutePath());
            return;
        }
        String resource = resource(platform());
        if (NativeLibrary.class.getResource(resource) != null) {
            loadFromJar(resource);
            return;
        }
        try {
            System.loadLibrary(LIBRARY);
        } catch (UnsatisfiedLinkError e) {
            throw new UnsupportedPlatformException(platform(), availablePlatforms(), e);
        }
    }

    /** Copies the resource to a temporary file and loads it: a JVM loads files, not resources. */
    private static void loadFromJar(String resource) {
        Path file = null;
        try {
            String name = System.mapLibraryName(LIBRARY);
            int dot = name.lastIndexOf('.');
            file = Files.createTempFile(name.substring(0, dot) + "-", name.substring(dot));
            try (InputStream in = NativeLibrary.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IOException("resource " + resource + " vanished");
                }
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            }
            System.load(file.toAbsolutePath().toString());
        } catch (IOException e) {
            UnsatisfiedLinkError error = new UnsatisfiedLinkError(
                    "sfjwt: cannot extract the native library " + resource + " to a temporary file"
                            + " (set -Djava.io.tmpdir to a writable directory, or -D"
                            + LIBRARY_PATH_PROPERTY + "): " + e);
            error.initCause(e);
            throw error;
        } finally {
            if (file != null) {
                deleteOrDeleteOnExit(file);
            }
        }
    }

    private static void deleteOrDeleteOnExit(Path file) {
        // A loaded library stays mapped after its file is removed, except on Windows.
        try {
            Files.deleteIfExists(file);
        } catch (IOException | SecurityException e) {
            file.toFile().deleteOnExit();
        }
    }
}
