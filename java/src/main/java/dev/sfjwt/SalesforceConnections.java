// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Salesforce REST calls over {@link HttpURLConnection} (Java 8, no other library) with a token of
 * a {@link SalesforceJwtClient}: the {@code Authorization} header, and one retry with a new login
 * when Salesforce answers HTTP 401 {@code INVALID_SESSION_ID} (the session expired or was
 * revoked).
 *
 * <pre>{@code
 * SalesforceConnections.Response limits =
 *         SalesforceConnections.request(client, "GET", "/services/data/v62.0/limits", null, null);
 * if (limits.getStatus() == 200) { String json = limits.getBodyText(); ... }
 * }</pre>
 *
 * <p>On Java 11 and later, {@code dev.sfjwt.SalesforceHttpClient} does the same for
 * {@code java.net.http.HttpClient}.
 */
public final class SalesforceConnections {
    /** The largest response body read into memory. */
    private static final int MAX_BODY_BYTES = 64 * 1024 * 1024;

    private SalesforceConnections() {
    }

    /**
     * Opens a connection to {@code path} on the token's instance with the bearer header set, for
     * code that drives the connection itself (no retry). The token never appears in the URL.
     *
     * @param token the token to send
     * @param path an absolute path on the instance, such as {@code /services/data/v62.0/sobjects}
     * @return the connection, not yet connected
     * @throws IOException when the URL cannot be made or opened
     */
    public static HttpURLConnection open(AccessToken token, String path) throws IOException {
        if (token == null) {
            throw new NullPointerException("token");
        }
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("path must start with / (a path on the instance): " + path);
        }
        HttpURLConnection connection = (HttpURLConnection) new URL(token.getInstanceUrl() + path).openConnection();
        // A redirect would carry the session elsewhere: never follow one.
        connection.setInstanceFollowRedirects(false);
        connection.setRequestProperty("Authorization", "Bearer " + token.getAccessToken());
        connection.setRequestProperty("Accept", "application/json");
        return connection;
    }

    /**
     * Sends a request to {@code path} on the instance with the client's token; after HTTP 401
     * {@code INVALID_SESSION_ID} it forgets that token, logs in again and sends the request once
     * more. Other statuses are returned as they are.
     *
     * @param client the client whose token to use
     * @param method {@code GET}, {@code POST}, {@code PATCH} (sent as {@code POST} with
     *     {@code _HttpMethod=PATCH}, which Salesforce accepts), {@code DELETE}, ...
     * @param path an absolute path on the instance
     * @param body the request body, or null
     * @param contentType the body's type, such as {@code application/json}, or null
     * @return the response
     * @throws IOException on a network failure
     * @throws SfJwtException when a login fails
     */
    public static Response request(SalesforceJwtClient client, String method, String path, byte[] body,
            String contentType) throws IOException, SfJwtException {
        if (client == null) {
            throw new NullPointerException("client");
        }
        AccessToken token = client.token();
        Response response = send(token, method, path, body, contentType);
        if (response.isInvalidSession()) {
            client.invalidate(token);
            response = send(client.token(), method, path, body, contentType);
        }
        return response;
    }

    private static Response send(AccessToken token, String method, String path, byte[] body, String contentType)
            throws IOException {
        String target = path;
        String verb = method;
        if ("PATCH".equalsIgnoreCase(method)) {
            // HttpURLConnection refuses PATCH; Salesforce's REST API takes this override.
            target = path + (path.contains("?") ? "&" : "?") + "_HttpMethod=PATCH";
            verb = "POST";
        }
        HttpURLConnection connection = open(token, target);
        try {
            connection.setRequestMethod(verb);
            if (body != null) {
                connection.setDoOutput(true);
                if (contentType != null) {
                    connection.setRequestProperty("Content-Type", contentType);
                }
                connection.setFixedLengthStreamingMode(body.length);
                try (OutputStream out = connection.getOutputStream()) {
                    out.write(body);
                }
            }
            int status = connection.getResponseCode();
            InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
            byte[] bytes = in == null ? new byte[0] : readAll(in);
            return new Response(status, connection.getHeaderFields(), bytes);
        } finally {
            connection.disconnect();
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        try (InputStream stream = in) {
            return SalesforceJwtConfig.readCapped(stream, MAX_BODY_BYTES, "response body larger than 64 MiB");
        }
    }

    /** A response: status, headers and the whole body. */
    public static final class Response {
        private final int status;
        private final Map<String, List<String>> headers;
        private final byte[] body;

        Response(int status, Map<String, List<String>> headers, byte[] body) {
            this.status = status;
            this.headers = Collections.unmodifiableMap(headers);
            this.body = body;
        }

        /**
         * The HTTP status.
         *
         * @return the status, such as 200
         */
        public int getStatus() {
            return status;
        }

        /**
         * The response headers, as {@link HttpURLConnection#getHeaderFields()} gives them.
         *
         * @return the headers
         */
        public Map<String, List<String>> getHeaders() {
            return headers;
        }

        /**
         * The body.
         *
         * @return a copy of the body's bytes
         */
        public byte[] getBody() {
            return body.clone();
        }

        /**
         * The body as UTF-8 text (Salesforce's JSON).
         *
         * @return the text
         */
        public String getBodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /**
         * Whether this is Salesforce's 401 {@code [{"errorCode":"INVALID_SESSION_ID",...}]}: the
         * session expired or was revoked, and a new login will do. The core decides, as for
         * every language; other 401s are the caller's.
         */
        boolean isInvalidSession() {
            return Native.isInvalidSession(status, body);
        }

        /** The status and the body's size, never the body (it may hold data of the org). */
        @Override
        public String toString() {
            return "Response{status=" + status + ", " + body.length + " bytes}";
        }
    }
}
