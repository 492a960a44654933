// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

/**
 * The stable error codes of sfjwt, the same in every language. The {@linkplain #value()
 * numbers} are the C values and the exit codes of the command line; they are never reused.
 *
 * @see SfJwtException#getCode()
 */
public enum ErrorCode {
    /** A missing or invalid setting; the message names the key. */
    CONFIG(1),
    /** The keystore file is missing or unreadable; the message names the path. */
    KEYSTORE_IO(10),
    /** Not a recognised keystore, or corrupt or truncated. */
    KEYSTORE_FORMAT(11),
    /** Wrong store password: the keystore's integrity check failed. */
    KEYSTORE_PASSWORD(12),
    /** The alias is absent; the message lists the aliases present. */
    ALIAS_NOT_FOUND(13),
    /** The alias names a trusted-certificate entry, not a private key. */
    NOT_A_PRIVATE_KEY(14),
    /** Wrong key password. */
    KEY_PASSWORD(15),
    /** Not an RSA key of at least 2048 bits (Salesforce signs with RS256 only). */
    UNSUPPORTED_KEY(16),
    /** DNS failure, connection refused or reset. */
    NETWORK(20),
    /** Connect or response timeout. */
    TIMEOUT(21),
    /** TLS handshake or certificate verification failure. */
    TLS(22),
    /**
     * The token endpoint refused the assertion; see {@link SfJwtException#getSalesforceError()},
     * {@link SfJwtException#getSalesforceErrorDescription()} and {@link SfJwtException#getHint()}.
     */
    AUTH_REJECTED(30),
    /** An unexpected HTTP status or a body that is not JSON. */
    HTTP(31),
    /** Malformed or incomplete JSON from Salesforce. */
    PROTOCOL(32),
    /** A REST call of the connection test failed after login; see {@link SfJwtException#getApiErrorCode()}. */
    API(33),
    /** A bug in sfjwt. */
    INTERNAL(99);

    private final int value;

    ErrorCode(int value) {
        this.value = value;
    }

    /**
     * The numeric code: the C value and the exit code of {@code java -jar sfjwt.jar test-connection}.
     *
     * @return the number, 1 to 99
     */
    public int value() {
        return value;
    }
}
