// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
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
 * known only once logged in, and a retry needs the request again. Keep the {@link HttpClient}'s
 * default of not following redirects: a redirect would carry the session elsewhere.
 */
public final class SalesforceHttpClient {
    private final SalesforceJwtClient client;
    private final HttpClient http;

    /**
     * Wraps an {@link HttpClient}.
     *
     * @param client the client whose tokens to send
     * @param http the HTTP client
     */
    public SalesforceHttpClient(SalesforceJwtClient client, HttpClient http) {
        if (client == null) {
            throw new NullPointerException("client");
        }
        if (http == null) {
            throw new NullPointerException("http");
        }
        this.client = client;
        this.http = http;
    }

    /**
     * Sends a request with the current token; after HTTP 401 {@code INVALID_SESSION_ID} forgets
     * that token, logs in again and sends the request once more. Any other response is returned
     * as {@code handler} makes it.
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
        HttpResponse<Outcome<T>> first = http.send(build(request, token), new Unauthorized<>(handler));
        Outcome<T> outcome = first.body();
        if (outcome.unauthorized == null) {
            return new Answered<>(first, outcome.body);
        }
        if (!SalesforceConnections.isInvalidSession(401, new String(outcome.unauthorized, StandardCharsets.UTF_8))) {
            return new Answered<>(first, replay(outcome, handler));
        }
        client.invalidate(token);
        return http.send(build(request, client.token()), handler);
    }

    private static HttpRequest build(Function<URI, HttpRequest.Builder> request, AccessToken token) {
        return request.apply(URI.create(token.getInstanceUrl()))
                .setHeader("Authorization", "Bearer " + token.getAccessToken())
                .build();
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
