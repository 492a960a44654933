// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

import dev.sfjwt.internal.NativeLibrary;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The jar carries no native library for this platform, none is on {@code java.library.path},
 * and the system property {@code sfjwt.library.path} is not set.
 *
 * <p>Thrown by the first use of sfjwt (creating a {@link SalesforceJwtClient} or calling
 * {@link SalesforceJwtClient#testConnection(SalesforceJwtConfig)}); later uses in the same JVM
 * throw {@link NoClassDefFoundError}. The message names the platform, the platforms the jar
 * carries and the ways out: a jar for this platform, or
 * {@code -Dsfjwt.library.path=/path/to/libsfjwt_jni.so} naming a library built with
 * {@code cargo build --release -p sfjwt-jni}. The {@linkplain #getCause() cause} is the error of
 * {@code System.loadLibrary}.
 *
 * <p>It extends {@link UnsatisfiedLinkError}, so code that catches that keeps working.
 */
public class UnsupportedPlatformException extends UnsatisfiedLinkError {
    private static final long serialVersionUID = 1L;

    /** The platform of this JVM, {@code <os>-<arch>}. */
    private final String platform;
    /** The platforms the jar carries a library for. */
    private final ArrayList<String> availablePlatforms;

    /**
     * Creates the exception; sfjwt's loader calls this constructor.
     *
     * @param platform this JVM's platform, such as {@code linux-riscv64}
     * @param availablePlatforms the platforms the jar carries a library for, possibly none
     * @param cause the error of {@code System.loadLibrary}, or null
     */
    public UnsupportedPlatformException(String platform, List<String> availablePlatforms, Throwable cause) {
        super(message(platform, availablePlatforms, cause));
        this.platform = platform;
        this.availablePlatforms = new ArrayList<>(availablePlatforms);
        initCause(cause);
    }

    static String message(String platform, List<String> availablePlatforms, Throwable cause) {
        return "sfjwt: no native library for " + platform + ": this jar carries "
                + (availablePlatforms.isEmpty() ? "none" : String.join(", ", availablePlatforms))
                + ". Use a sfjwt jar built for " + platform + ", or build the library with"
                + " `cargo build --release -p sfjwt-jni` and pass -D" + NativeLibrary.LIBRARY_PATH_PROPERTY
                + "=/path/to/" + System.mapLibraryName(NativeLibrary.LIBRARY) + ". (System.loadLibrary(\""
                + NativeLibrary.LIBRARY + "\"): " + (cause == null ? "failed" : cause.getMessage()) + ")";
    }

    /**
     * The platform of this JVM, from {@code os.name} and {@code os.arch}.
     *
     * @return {@code <os>-<arch>}, such as {@code linux-riscv64}
     */
    public String getPlatform() {
        return platform;
    }

    /**
     * The platforms the jar carries a native library for.
     *
     * @return an unmodifiable list such as {@code [linux-x86_64, linux-aarch64, windows-x86_64]};
     *     empty when the jar carries none
     */
    public List<String> getAvailablePlatforms() {
        return Collections.unmodifiableList(availablePlatforms);
    }
}
