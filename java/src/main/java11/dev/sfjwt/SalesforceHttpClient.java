// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.function.Function;
import javax.net.ssl.SSLSession;

/**
 * Salesforce REST calls over Java 11's {@link HttpClient} with a token of a
 * {@link SalesforceJwtClient}: the {@code Authorization} header, and one retry with a new login
 * when Salesforce answers HTTP 401 {@code INVALID_SESSION_ID}. It lives in the jar's Java 11 part
 * (a multi-release jar); on Java 8, use {@link SalesforceConnections}.
 *
 * <pre>{@code
 * SalesforceHttpClient salesforce = new SalesforceHttpClient(client, HttpClient.newHttpClient());
 * HttpResponse<String> limits = salesforce.send(
 *         instance -> HttpRequest.newBuilder(instance.resolve("/services/data/v62.0/limits")),
 *         HttpResponse.BodyHandlers.ofString());
 * }</pre>
 *
 * <p>A request is given as a function from the instance URL to a request builder: the instance is
 * known only once logged in, and a retry needs the request again.
 *
 * <p>The session is a bearer credential of the integration user, so it goes to the org only: a
 * request whose origin (scheme, host, port) is the token's instance or the configured My Domain
 * carries it; a request to any other origin (object storage, a webhook, or a {@code //host/...}
 * path that {@code instance.resolve} takes off the instance) is sent as built, without it, and
 * its response, a 401 included, is returned as it is. The {@link HttpClient} must not follow
 * redirects ({@link HttpClient.Redirect#NEVER}, its default), or a redirect would carry the
 * session elsewhere: the constructor refuses one that does.
 */
public final class SalesforceHttpClient {
    private static final int HTTPS_PORT = 443;
    private static final int HTTP_PORT = 80;

    private final SalesforceJwtClient client;
    private final HttpClient http;
    /** The My Domain's origin, or null. */
    private final String myDomain;

    /**
     * Wraps an {@link HttpClient}.
     *
     * @param client the client whose tokens to send
     * @param http the HTTP client; it must not follow redirects
     * @throws IllegalArgumentException when {@code http} follows redirects
     * @throws IllegalStateException when {@code client} is closed
     */
    public SalesforceHttpClient(SalesforceJwtClient client, HttpClient http) {
        if (client == null) {
            throw new NullPointerException("client");
        }
        if (http == null) {
            throw new NullPointerException("http");
        }
        if (http.followRedirects() != HttpClient.Redirect.NEVER) {
            throw new IllegalArgumentException("the HttpClient follows redirects (" + http.followRedirects()
                    + "), which would carry the Salesforce session elsewhere: build it with Redirect.NEVER");
        }
        this.client = client;
        this.http = http;
        String configured = client.myDomain();
        this.myDomain = configured == null ? null : origin(URI.create(configured));
    }

    /**
     * Sends a request with the current token; after HTTP 401 {@code INVALID_SESSION_ID} forgets
     * that token, logs in again and sends the request once more. Any other response is returned
     * as {@code handler} makes it. A request to another origin than the org's goes without the
     * token, once.
     *
     * @param request the request, from the instance URL ({@code instance.resolve("/services/...")})
     * @param handler what to make of the body
     * @param <T> the body's type
     * @return the response
     * @throws IOException on a network failure
     * @throws InterruptedException when interrupted
     * @throws SfJwtException when a login fails
     */
    public <T> HttpResponse<T> send(Function<URI, HttpRequest.Builder> request, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException, SfJwtException {
        AccessToken token = client.token();
        HttpRequest built = build(request, token);
        if (!toOrg(built.uri(), token)) {
            return http.send(built, handler);
        }
        HttpResponse<Outcome<T>> first = http.send(built, new Unauthorized<>(handler));
        Outcome<T> outcome = first.body();
        if (outcome.unauthorized == null) {
            return new Answered<>(first, outcome.body);
        }
        if (!Native.isInvalidSession(401, outcome.unauthorized)) {
            return new Answered<>(first, replay(outcome, handler));
        }
        client.invalidate(token);
        return http.send(build(request, client.token()), handler);
    }

    /** The request for the token's instance, with the token only if it goes to the org. */
    private HttpRequest build(Function<URI, HttpRequest.Builder> request, AccessToken token) {
        HttpRequest.Builder builder = request.apply(URI.create(token.getInstanceUrl()));
        HttpRequest plain = builder.build();
        if (!toOrg(plain.uri(), token)) {
            return plain;
        }
        return builder.setHeader("Authorization", "Bearer " + token.getAccessToken()).build();
    }

    /** Whether {@code uri} is on the token's instance or the My Domain. */
    private boolean toOrg(URI uri, AccessToken token) {
        String target = origin(uri);
        return target != null
                && (target.equals(origin(URI.create(token.getInstanceUrl()))) || target.equals(myDomain));
    }

    /**
     * {@code scheme://host:port}, the scheme and host in lower case and the port spelled out;
     * null for a URI of no origin (no host, an unknown scheme's default port).
     */
    private static String origin(URI uri) {
        String scheme = uri.getScheme();
        String host = uri.getHost();
        if (scheme == null || host == null) {
            return null;
        }
        scheme = scheme.toLowerCase(Locale.ROOT);
        int port = uri.getPort();
        if (port == -1) {
            port = scheme.equals("https") ? HTTPS_PORT : scheme.equals("http") ? HTTP_PORT : -1;
        }
        return port == -1 ? null : scheme + "://" + host.toLowerCase(Locale.ROOT) + ":" + port;
    }

    /** A 401's body handed to the caller's handler after all, for a 401 that is not a session's. */
    private static <T> T replay(Outcome<?> outcome, HttpResponse.BodyHandler<T> handler) throws IOException {
        HttpResponse.BodySubscriber<T> subscriber = handler.apply(outcome.info);
        subscriber.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
            }

            @Override
            public void cancel() {
            }
        });
        subscriber.onNext(List.of(ByteBuffer.wrap(outcome.unauthorized)));
        subscriber.onComplete();
        try {
            return subscriber.getBody().toCompletableFuture().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        }
    }

    /** The body as the caller's handler made it, or a 401's bytes, kept for a look first. */
    private static final class Outcome<T> {
        final T body;
        final byte[] unauthorized;
        final HttpResponse.ResponseInfo info;

        Outcome(T body, byte[] unauthorized, HttpResponse.ResponseInfo info) {
            this.body = body;
            this.unauthorized = unauthorized;
            this.info = info;
        }
    }

    /** Reads a 401's body as bytes and any other with the caller's handler. */
    private static final class Unauthorized<T> implements HttpResponse.BodyHandler<Outcome<T>> {
        private final HttpResponse.BodyHandler<T> handler;

        Unauthorized(HttpResponse.BodyHandler<T> handler) {
            this.handler = handler;
        }

        @Override
        public HttpResponse.BodySubscriber<Outcome<T>> apply(HttpResponse.ResponseInfo info) {
            if (info.statusCode() == 401) {
                return HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofByteArray(),
                        bytes -> new Outcome<T>(null, bytes, info));
            }
            return HttpResponse.BodySubscribers.mapping(handler.apply(info), body -> new Outcome<T>(body, null, info));
        }
    }

    /** A response with its body replaced by the caller's. */
    private static final class Answered<T> implements HttpResponse<T> {
        private final HttpResponse<?> response;
        private final T body;

        Answered(HttpResponse<?> response, T body) {
            this.response = response;
            this.body = body;
        }

        @Override
        public int statusCode() {
            return response.statusCode();
        }

        @Override
        public HttpRequest request() {
            return response.request();
        }

        @Override
        public Optional<HttpResponse<T>> previousResponse() {
            return Optional.empty();
        }

        @Override
        public HttpHeaders headers() {
            return response.headers();
        }

        @Override
        public T body() {
            return body;
        }

        @Override
        public Optional<SSLSession> sslSession() {
            return response.sslSession();
        }

        @Override
        public URI uri() {
            return response.uri();
        }

        @Override
        public HttpClient.Version version() {
            return response.version();
        }
    }
}
