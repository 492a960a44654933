// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.InputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code SalesforceHttpClient} hands the session only to the org: a request to another origin
 * (here a second loopback HTTPS server, on another port, that records the headers it receives)
 * carries no {@code Authorization}, whether the caller named it or {@code instance.resolve} led
 * there, and its 401 is never answered with a login; an {@link HttpClient} that follows redirects
 * is refused, so the token never follows one.
 *
 * <p>The class is in the jar's Java 11 part ({@code META-INF/versions/11}), which the tests'
 * compiler does not see (they compile against the Java 8 classes): Surefire puts that directory on
 * the class path, and {@link #send} reaches the class by reflection.
 */
class SalesforceHttpClientTest extends EmulatorTestBase {
    private static final String LIMITS = "/services/data/v62.0/limits";
    private static final String INVALID_SESSION =
            "[{\"message\":\"Session expired or invalid\",\"errorCode\":\"INVALID_SESSION_ID\"}]";

    @TempDir
    static Path work;
    private static HttpsServer other;
    private static String otherUrl;
    private static final List<String> authorizations = new CopyOnWriteArrayList<>();
    private static volatile boolean answer401;
    private static HttpClient http;

    /** The other service: a certificate of its own, made by keytool, trusted beside the emulator's CA. */
    @BeforeAll
    static void startTheOtherService() throws Exception {
        Path store = work.resolve("other.p12");
        Process keytool = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "other", "-keyalg", "RSA", "-keysize", "2048", "-validity", "1",
                "-dname", "CN=other service", "-ext", "san=ip:127.0.0.1", "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        byte[] output = keytool.getInputStream().readAllBytes();
        assertTrue(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0, new String(output, UTF_8));
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, "changeit".toCharArray());
        SSLContext serverTls = SSLContext.getInstance("TLS");
        serverTls.init(keyManagers.getKeyManagers(), null, null);

        other = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        other.setHttpsConfigurator(new HttpsConfigurator(serverTls));
        other.createContext("/", exchange -> {
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (authorization != null) {
                authorizations.add(authorization);
            }
            byte[] body = (answer401 ? INVALID_SESSION : "{}").getBytes(UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(answer401 ? 401 : 200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        other.start();
        otherUrl = "https://127.0.0.1:" + other.getAddress().getPort();

        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(emulator.caFile)) {
            trust.setCertificateEntry("emulator", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        trust.setCertificateEntry("other", keys.getCertificate("other"));
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        SSLContext clientTls = SSLContext.getInstance("TLS");
        clientTls.init(null, trustManagers.getTrustManagers(), null);
        http = HttpClient.newBuilder().sslContext(clientTls).build();
    }

    @AfterAll
    static void stopTheOtherService() {
        other.stop(0);
    }

    /** {@code new SalesforceHttpClient(client, http)}, by reflection. */
    private static Object salesforce(SalesforceJwtClient client, HttpClient http) throws Exception {
        Constructor<?> constructor = Class.forName("dev.sfjwt.SalesforceHttpClient")
                .getConstructor(SalesforceJwtClient.class, HttpClient.class);
        try {
            return constructor.newInstance(client, http);
        } catch (InvocationTargetException e) {
            throw rethrown(e);
        }
    }

    /** {@code salesforce.send(request, ofString())}, by reflection. */
    private static HttpResponse<?> send(Object salesforce, Function<URI, HttpRequest.Builder> request)
            throws Exception {
        Method send = salesforce.getClass().getMethod("send", Function.class, HttpResponse.BodyHandler.class);
        try {
            return (HttpResponse<?>) send.invoke(salesforce, request, HttpResponse.BodyHandlers.ofString());
        } catch (InvocationTargetException e) {
            throw rethrown(e);
        }
    }

    private static Exception rethrown(InvocationTargetException e) {
        if (e.getCause() instanceof Error) {
            throw (Error) e.getCause();
        }
        return (Exception) e.getCause();
    }

    private static SalesforceJwtConfig.Builder settings() {
        return emulator.jks().subject(Emulator.HTTP_CLIENT_USER);
    }

    @Test
    void theTokenGoesToTheInstanceAndTheMyDomainOnly() throws Exception {
        authorizations.clear();
        answer401 = false;
        // The token request goes to 127.0.0.1 (the instance); the My Domain is localhost.
        try (SalesforceJwtClient client = new SalesforceJwtClient(settings().myDomain(emulator.myDomainUrl()).build())) {
            Object salesforce = salesforce(client, http);
            assertEquals(emulator.baseUrl(), client.token().getInstanceUrl());
            assertEquals(200, send(salesforce, instance -> HttpRequest.newBuilder(instance.resolve(LIMITS)))
                    .statusCode());
            assertEquals(200, send(salesforce, instance -> HttpRequest.newBuilder(
                    URI.create(emulator.myDomainUrl() + LIMITS))).statusCode());

            String otherPath = "//127.0.0.1:" + other.getAddress().getPort() + "/upload";
            assertEquals(200, send(salesforce, instance -> HttpRequest.newBuilder(instance.resolve(otherPath)))
                    .statusCode(), "instance.resolve with a //host path");
            assertEquals(200, send(salesforce, instance -> HttpRequest.newBuilder(URI.create(otherUrl + "/hook")))
                    .statusCode());
            assertEquals(0, authorizations.size(), "the other service got no token");
        }
    }

    /** The core's rule, as for SalesforceConnections: the errorCode decides, not the text. */
    @Test
    void onlySalesforcesSessionErrorIsAnsweredWithALogin() throws Exception {
        try (SalesforceJwtClient client = new SalesforceJwtClient(settings().build())) {
            Object salesforce = salesforce(client, http);
            client.token();
            long logins = emulator.logins(Emulator.HTTP_CLIENT_USER);

            emulator.faults(SalesforceConnectionsTest.unauthorized(LIMITS, SalesforceConnectionsTest.ANOTHER_ERROR));
            HttpResponse<?> other = send(salesforce, instance -> HttpRequest.newBuilder(instance.resolve(LIMITS)));
            assertEquals(401, other.statusCode());
            assertEquals(SalesforceConnectionsTest.ANOTHER_ERROR, other.body());
            assertEquals(logins, emulator.logins(Emulator.HTTP_CLIENT_USER), "no new login");

            emulator.faults(SalesforceConnectionsTest.unauthorized(LIMITS, INVALID_SESSION));
            assertEquals(200, send(salesforce, instance -> HttpRequest.newBuilder(instance.resolve(LIMITS)))
                    .statusCode());
            assertEquals(logins + 1, emulator.logins(Emulator.HTTP_CLIENT_USER), "one new login");
        }
    }

    @Test
    void aSessionErrorFromAnotherOriginIsNotAnsweredWithALogin() throws Exception {
        authorizations.clear();
        answer401 = true;
        try (SalesforceJwtClient client = new SalesforceJwtClient(settings().build())) {
            AccessToken token = client.token();
            long logins = emulator.logins(Emulator.HTTP_CLIENT_USER);
            HttpResponse<?> response = send(salesforce(client, http),
                    instance -> HttpRequest.newBuilder(URI.create(otherUrl + "/hook")));
            assertEquals(401, response.statusCode());
            assertEquals(INVALID_SESSION, response.body());
            assertEquals(logins, emulator.logins(Emulator.HTTP_CLIENT_USER), "no new login");
            assertEquals(token, client.token(), "the token was not forgotten");
            assertEquals(0, authorizations.size(), "the other service got no token");
        } finally {
            answer401 = false;
        }
    }

    @Test
    void anHttpClientThatFollowsRedirectsIsRefused() throws Exception {
        try (SalesforceJwtClient client = new SalesforceJwtClient(settings().build())) {
            for (HttpClient.Redirect policy : new HttpClient.Redirect[] {HttpClient.Redirect.NORMAL,
                    HttpClient.Redirect.ALWAYS}) {
                HttpClient following = HttpClient.newBuilder().followRedirects(policy).build();
                IllegalArgumentException e =
                        assertThrows(IllegalArgumentException.class, () -> salesforce(client, following));
                assertTrue(e.getMessage().contains("Redirect.NEVER"), e.getMessage());
            }
            salesforce(client, HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build());
        }
    }
}
