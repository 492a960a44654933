// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

/**
 * Logs in to Salesforce with the OAuth 2.0 JWT Bearer flow and keeps the token.
 *
 * <pre>{@code
 * try (SalesforceJwtClient client = new SalesforceJwtClient(config)) {
 *     AccessToken token = client.token();   // cached: one login for many calls and threads
 *     // GET token.getInstanceUrl() + "/services/data/v62.0/..." with
 *     //     "Authorization: Bearer " + token.getAccessToken()
 * } catch (SfJwtException e) {
 *     // e.getCode(), and for a refused login e.getSalesforceError(), e.getHint()
 * }
 * }</pre>
 *
 * <p>One client per configuration and job is enough: it is thread-safe, and concurrent
 * {@link #token()} calls on a cold cache share one login. The work happens in sfjwt's Rust
 * core, through JNI; the jar carries the native library and loads it on first use.
 *
 * <p>The token cache belongs to the process and is shared by the clients with the same
 * settings while one of them is open; when the last one closes, its token is wiped. Keep one
 * client open for the whole job.
 *
 * <p>{@link #close()} frees the native resources; it waits for calls running in other threads
 * and may be called more than once. Any other method called after it throws
 * {@link IllegalStateException}. A client that is never closed is freed some time after the
 * garbage collector finds it unreachable, but do close it.
 */
public final class SalesforceJwtClient implements AutoCloseable {
    private final NativeHandle handle;
    /** The configured My Domain as an origin URL, or null: where else the token may go. */
    private final String myDomain;

    /**
     * Validates the configuration, loads and decrypts the signing key, and sets up HTTPS. No
     * network call is made yet.
     *
     * @param config the settings
     * @throws SfJwtException with {@link ErrorCode#CONFIG} for a missing or invalid setting, or
     *     a keystore code ({@link ErrorCode#KEYSTORE_PASSWORD}, {@link ErrorCode#ALIAS_NOT_FOUND},
     *     ...) when the key cannot be loaded
     */
    public SalesforceJwtClient(SalesforceJwtConfig config) throws SfJwtException {
        if (config == null) {
            throw new NullPointerException("config");
        }
        SalesforceJwtConfig.NativeSettings settings = config.toNative();
        long live;
        try {
            live = Native.clientNew(settings);
        } finally {
            settings.wipe();
        }
        this.handle = NativeHandle.register(this, live, Native::clientFree, "SalesforceJwtClient");
        this.myDomain = handle.call(Native::clientMyDomain);
    }

    /**
     * For the HTTP helpers, which send the token to the org's origins only.
     *
     * @return the My Domain as an origin URL ({@code https://acme.my.salesforce.com}), or null
     */
    String myDomain() {
        return myDomain;
    }

    /**
     * A token: the cached one while it is fresh ({@code token_ttl_secs}), else a new login.
     * Concurrent callers wait for one shared login, and get its failure too: for one second
     * after a failed login, calls throw that failure again instead of logging in, so that an
     * outage costs one login a second, not one per thread. While the cache holds the same token, this
     * returns the same {@link AccessToken} object (it is immutable), so a call on a warm cache
     * costs a lock and a look-up and creates nothing; a new token, after expiry or
     * {@link #invalidate()}, is a new object at once.
     *
     * @return the token
     * @throws SfJwtException when the login fails: {@link ErrorCode#AUTH_REJECTED} with
     *     Salesforce's error and a hint, or {@link ErrorCode#NETWORK}, {@link ErrorCode#TLS}, ...
     * @throws IllegalStateException after {@link #close()}
     */
    public AccessToken token() throws SfJwtException {
        return handle.call(Native::clientToken);
    }

    /**
     * Forgets the cached token, whichever it is, so that the next {@link #token()} logs in
     * again; it also ends the one-second back-off after a failed login. After an HTTP 401, call
     * {@link #invalidate(AccessToken)} instead.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public void invalidate() {
        handle.call(h -> {
            Native.clientInvalidate(h);
            return null;
        });
    }

    /**
     * Forgets the cached token only if it is still {@code token}: what to call when Salesforce
     * answers HTTP 401 {@code INVALID_SESSION_ID} to a request made with {@code token}. When many
     * threads see the same session expire, the first call forgets it and the others leave alone
     * the new token one of them may already have got.
     *
     * @param token the token the request was made with
     * @throws IllegalStateException after {@link #close()}
     */
    public void invalidate(AccessToken token) {
        if (token == null) {
            throw new NullPointerException("token");
        }
        handle.call(h -> {
            Native.clientInvalidateIfCurrent(h, token.tokenId());
            return null;
        });
    }

    /**
     * Runs the connection test with this client's settings: load key, sign assertion, token
     * request, identity, API versions. It always makes a real login (the cache is not used).
     * Failures are reported, not thrown.
     *
     * @return the report
     * @throws IllegalStateException after {@link #close()}
     */
    public ConnectionReport testConnection() {
        return handle.call(Native::clientTestConnection);
    }

    /**
     * Runs the connection test without creating a client, so that a keystore problem shows as
     * a failed "load key" step instead of an exception: what a "Test connection" button does.
     *
     * @param config the settings
     * @return the report
     * @throws SfJwtException with {@link ErrorCode#CONFIG} for a missing or invalid setting
     */
    public static ConnectionReport testConnection(SalesforceJwtConfig config) throws SfJwtException {
        if (config == null) {
            throw new NullPointerException("config");
        }
        SalesforceJwtConfig.NativeSettings settings = config.toNative();
        try {
            return Native.testConnection(settings);
        } finally {
            settings.wipe();
        }
    }

    /**
     * Whether {@link #close()} was called.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return handle.isClosed();
    }

    /** Frees the native client after calls running in other threads end; idempotent. */
    @Override
    public void close() {
        handle.close();
    }
}
