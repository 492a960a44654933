// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

import dev.sfjwt.internal.NativeLibrary;

/**
 * The native methods of sfjwt's JNI library. Package-private, in a sealed package: only this
 * package's classes call them, and only through {@link NativeHandle}, which frees a handle
 * exactly once and never uses it during or after that. So no code outside sfjwt can free a
 * handle twice or pass a forged one.
 *
 * <p>Every method converts its arguments, calls the Rust core once and converts back. A core
 * error arrives as {@link SfJwtException}; a panic or a misuse of a handle as
 * {@link IllegalStateException}.
 */
final class Native {
    static {
        NativeLibrary.ensureLoaded();
    }

    private Native() {
    }

    /**
     * Validates the settings, loads the signing key and sets up HTTPS.
     *
     * @param settings the settings as arrays; the caller wipes them
     * @return a handle for the other {@code client*} methods, freed by {@link #clientFree}
     * @throws SfJwtException on an invalid setting or an unusable keystore
     */
    static native long clientNew(SalesforceJwtConfig.NativeSettings settings) throws SfJwtException;

    /**
     * Frees a handle; 0 is a no-op. The handle must not be used during or after this call.
     *
     * @param handle from {@link #clientNew}
     */
    static native void clientFree(long handle);

    /**
     * The cached token, or a new login.
     *
     * @param handle a live handle
     * @return the token
     * @throws SfJwtException when the login fails
     */
    static native AccessToken clientToken(long handle) throws SfJwtException;

    /**
     * Forgets the cached token, whichever it is.
     *
     * @param handle a live handle
     */
    static native void clientInvalidate(long handle);

    /**
     * Forgets the cached token if it is still the one with {@code tokenId}.
     *
     * @param handle a live handle
     * @param tokenId {@link AccessToken#tokenId()}
     */
    static native void clientInvalidateIfCurrent(long handle, long tokenId);

    /**
     * The client's My Domain as an origin URL ({@code https://acme.my.salesforce.com}).
     *
     * @param handle a live handle
     * @return the My Domain, or null when {@code my_domain} is not set
     */
    static native String clientMyDomain(long handle);

    /**
     * Runs the connection test with the client's settings.
     *
     * @param handle a live handle
     * @return the report
     */
    static native ConnectionReport clientTestConnection(long handle);

    /**
     * Runs the connection test without a client: a keystore problem is a failed step.
     *
     * @param settings the settings as arrays; the caller wipes them
     * @return the report
     * @throws SfJwtException on an invalid setting
     */
    static native ConnectionReport testConnection(SalesforceJwtConfig.NativeSettings settings)
            throws SfJwtException;

    /**
     * Whether an answer to a call made with a token says the session expired or was revoked:
     * HTTP 401 with Salesforce's {@code [{"errorCode":"INVALID_SESSION_ID",...}]}. The core's
     * rule, the same in every language.
     *
     * @param status the HTTP status
     * @param body the whole body, not null
     * @return true when one new login and one retry will do
     */
    static native boolean isInvalidSession(int status, byte[] body);

    /**
     * The pairs of a {@code .properties} file as the core reads it: UTF-8, else ISO-8859-1,
     * then Java's syntax; key and value in turn, in file order.
     *
     * @param file the file's bytes, not null; the caller wipes them
     * @return key, value, key, value, ...
     */
    static native String[] parseProperties(byte[] file);

    /**
     * Test only (cargo feature {@code testing}): panics in Rust.
     *
     * @throws IllegalStateException always, with the panic's text
     */
    static native void testingPanic();

    /**
     * Test only (cargo feature {@code testing}): throws a sample core error.
     *
     * @param value the C value of the error code
     * @throws SfJwtException always, with that code
     */
    static native void testingError(int value) throws SfJwtException;

    /**
     * Test only (cargo feature {@code testing}): the core's configuration keys, for the parity test.
     *
     * @return {@code sfjwt::config::KEYS}, snake_case
     */
    static native String[] testingConfigKeys();

    /**
     * Test only (cargo feature {@code testing}): the core's secret keys, for the parity test.
     *
     * @return {@code sfjwt::config::SECRET_KEYS}
     */
    static native String[] testingSecretKeys();

    /**
     * Test only (cargo feature {@code testing}): the fields of the core's token, for the parity test.
     *
     * @return {@code sfjwt::AccessToken::FIELDS}, snake_case
     */
    static native String[] testingTokenFields();
}
