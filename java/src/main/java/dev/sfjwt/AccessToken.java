// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

/**
 * A Salesforce session obtained with the JWT Bearer flow: send
 * {@code Authorization: Bearer <accessToken>} to {@link #getInstanceUrl()}.
 *
 * <p>Salesforce issues no refresh token and usually no expiry: the session lasts as long as the
 * org's session timeout. {@link SalesforceJwtClient#token()} caches it and
 * {@link SalesforceJwtClient#invalidate(AccessToken)} forgets it after an HTTP 401.
 * {@link #toString()} never shows the token itself.
 */
public final class AccessToken {
    /** Which login the token came from (not a secret). */
    private final long tokenId;
    private final String accessToken;
    private final String instanceUrl;
    private final String id;
    private final String tokenType;
    private final String scope;
    private final String issuedAt;
    private final String orgId;
    private final String userId;

    /** Called by sfjwt's native code. */
    AccessToken(long tokenId, String accessToken, String instanceUrl, String id, String tokenType, String scope,
            String issuedAt, String orgId, String userId) {
        this.tokenId = tokenId;
        this.accessToken = accessToken;
        this.instanceUrl = instanceUrl;
        this.id = id;
        this.tokenType = tokenType;
        this.scope = scope;
        this.issuedAt = issuedAt;
        this.orgId = orgId;
        this.userId = userId;
    }

    /**
     * The session id, for the {@code Authorization: Bearer} header. Keep it secret.
     *
     * @return the token
     */
    public String getAccessToken() {
        return accessToken;
    }

    /**
     * The org's instance, base of every REST call ({@code https://acme.my.salesforce.com}).
     *
     * @return the URL, without a trailing slash
     */
    public String getInstanceUrl() {
        return instanceUrl;
    }

    /**
     * The identity URL, {@code https://login.salesforce.com/id/<org id>/<user id>}.
     *
     * @return the URL
     */
    public String getId() {
        return id;
    }

    /**
     * The token type, {@code Bearer}.
     *
     * @return the type
     */
    public String getTokenType() {
        return tokenType;
    }

    /**
     * The granted scopes ({@code api web ...}), when Salesforce states them.
     *
     * @return the scopes, or null
     */
    public String getScope() {
        return scope;
    }

    /**
     * When the token was issued, in milliseconds since the epoch, as Salesforce wrote it
     * ({@code "1700000000000"}), when it says.
     *
     * @return the text, or null
     */
    public String getIssuedAt() {
        return issuedAt;
    }

    /**
     * The org id: the second-to-last segment of {@link #getId()}.
     *
     * @return the id, or null
     */
    public String getOrgId() {
        return orgId;
    }

    /**
     * The user id: the last segment of {@link #getId()}.
     *
     * @return the id, or null
     */
    public String getUserId() {
        return userId;
    }

    /** Which login the token came from, for {@link SalesforceJwtClient#invalidate(AccessToken)}. */
    long tokenId() {
        return tokenId;
    }

    /** The token's fields with the token itself redacted. */
    @Override
    public String toString() {
        return "AccessToken{tokenType=" + tokenType + ", instanceUrl=" + instanceUrl + ", id=" + id
                + ", scope=" + scope + ", accessToken=<redacted>}";
    }
}
