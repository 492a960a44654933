// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URL;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Secrets audit (issue 8), the Java surface: with distinctive passwords, a distinctive proxy
 * password and a distinctive access token (served by the emulator through a fault plan), no
 * exception message, {@code toString} or printed stack trace of {@link SfJwtException}, nor the
 * {@code toString} of {@link AccessToken}, {@link ConnectionReport} (and its steps),
 * {@link SalesforceJwtConfig} or {@link SalesforceJwtClient} holds a secret, a token or a JWT.
 * {@link AccessToken#getAccessToken()} is the one place a token may appear.
 */
class SecretsAuditTest extends EmulatorTestBase {
    private static final String STORE_SECRET = "Zx9-Store-Secret-7781";
    private static final String KEY_SECRET = "Qw4-Key-Secret-2290";
    private static final String PROXY_SECRET = "Pr0xy-Secret-5531";
    private static final String CANARY_TOKEN = "00DCanary-Token-Secret-3141!AQcanary";
    /** Every token the emulator issues starts with its org id and "!". */
    private static final String TOKEN_PREFIX = "00D000000000001AAA!";
    private static final List<String> SECRETS = Arrays.asList(
            STORE_SECRET, KEY_SECRET, PROXY_SECRET, CANARY_TOKEN, TOKEN_PREFIX, "eyJ", "changeit1");


    @AfterEach
    void clearFaults() throws Exception {
        setFaults("[]");
    }

    private static void assertClean(String what, String text, String... extra) {
        if (text == null) {
            return;
        }
        List<String> all = new ArrayList<>(SECRETS);
        all.addAll(Arrays.asList(extra));
        for (String secret : all) {
            assertFalse(text.contains(secret), what + " holds " + secret + ": " + text);
        }
    }

    private static void assertClean(SfJwtException e, String... extra) {
        assertNotNull(e);
        assertClean("getMessage", e.getMessage(), extra);
        assertClean("getLocalizedMessage", e.getLocalizedMessage(), extra);
        assertClean("toString", e.toString(), extra);
        assertClean("getHint", e.getHint(), extra);
        assertClean("getSalesforceError", e.getSalesforceError(), extra);
        assertClean("getSalesforceErrorDescription", e.getSalesforceErrorDescription(), extra);
        assertClean("getApiErrorCode", e.getApiErrorCode(), extra);
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        assertClean("printStackTrace", trace.toString(), extra);
    }

    private static void assertClean(ConnectionReport report, String... extra) {
        assertClean("ConnectionReport.toString", report.toString(), extra);
        for (ConnectionReport.Step step : report.getSteps()) {
            assertClean("Step.toString", step.toString(), extra);
            assertClean("Step.getDetail", step.getDetail(), extra);
        }
        for (String warning : report.getWarnings()) {
            assertClean("warning", warning, extra);
        }
        if (report.getError() != null) {
            assertClean(report.getError(), extra);
        }
    }

    /** The approved user with the JKS fixture, no cache, no retries. */
    private static SalesforceJwtConfig.Builder jks() {
        return emulator.jks().tokenCache(false).retries(0).timeoutSecs(5);
    }

    /** The client fails with {@code code}, and so does the connection test; nothing leaks. */
    private static void assertCleanFailure(SalesforceJwtConfig config, ErrorCode code) throws Exception {
        assertClean("SalesforceJwtConfig.toString", config.toString());
        SfJwtException e = assertThrows(SfJwtException.class, () -> {
            try (SalesforceJwtClient client = new SalesforceJwtClient(config)) {
                assertClean("SalesforceJwtClient.toString", client.toString());
                client.token();
            }
        });
        assertEquals(code, e.getCode(), e.getMessage());
        assertClean(e);
        ConnectionReport report = SalesforceJwtClient.testConnection(config);
        assertFalse(report.isOk());
        assertEquals(code, report.getError().getCode());
        assertClean(report);
    }

    @Test
    void wrongStorePassword() throws Exception {
        assertCleanFailure(jks().keystorePassword(STORE_SECRET.toCharArray()).build(),
                ErrorCode.KEYSTORE_PASSWORD);
    }

    @Test
    void wrongKeyPassword() throws Exception {
        assertCleanFailure(jks().keystorePath(Emulator.fixture("jks-diffkey.jks")).keyAlias("sfdc")
                .keyPassword(KEY_SECRET.toCharArray()).build(), ErrorCode.KEY_PASSWORD);
    }

    @Test
    void missingAlias() throws Exception {
        assertCleanFailure(jks().keyAlias("no_such_alias").keyPassword(KEY_SECRET.toCharArray()).build(),
                ErrorCode.ALIAS_NOT_FOUND);
    }

    @Test
    void unreachableProxyWithPassword() throws Exception {
        String proxy = "http://etl:" + PROXY_SECRET + "@127.0.0.1:" + Emulator.closedPort();
        // Loopback targets are never proxied: this login goes to a name only a proxy could reach.
        assertCleanFailure(jks().proxyUrl(proxy).loginUrl("https://emulator.sfjwt.test").build(),
                ErrorCode.NETWORK);
    }

    @Test
    void untrustedServer() throws Exception {
        assertCleanFailure(jks().caFile(Emulator.fixture("certs/jks-same.talend_certificate.crt")).build(),
                ErrorCode.TLS);
    }

    @Test
    void configurationErrors() throws Exception {
        SalesforceJwtConfig misspelled = jks().set("keystore_pasword", STORE_SECRET).build();
        SfJwtException e = assertThrows(SfJwtException.class, () -> new SalesforceJwtClient(misspelled));
        assertEquals(ErrorCode.CONFIG, e.getCode());
        assertClean(e);
        SalesforceJwtConfig badProxy = jks().proxyUrl("ftp://etl:" + PROXY_SECRET + "@127.0.0.1:1").build();
        assertClean("SalesforceJwtConfig.toString", badProxy.toString());
        // A password with '@' in it: every part of it stays hidden.
        String atProxy = jks().proxyUrl("http://etl:p@ss-" + PROXY_SECRET + "@proxy.example:3128").build().toString();
        assertClean("SalesforceJwtConfig.toString", atProxy);
        assertTrue(atProxy.contains("proxy_url=http://<redacted>@proxy.example:3128"), atProxy);
        assertFalse(atProxy.contains("ss-"), atProxy);
        e = assertThrows(SfJwtException.class, () -> new SalesforceJwtClient(badProxy));
        assertEquals(ErrorCode.CONFIG, e.getCode());
        assertClean(e);
    }

    @Test
    void brokenAnswers() throws Exception {
        for (String kind : Arrays.asList("html", "malformed", "empty", "oversized", "cut", "drop")) {
            setFaults("[{\"times\":2,\"action\":{\"kind\":\"" + kind + "\"}}]");
            SalesforceJwtConfig config = jks().build();
            SfJwtException e = assertThrows(SfJwtException.class, () -> {
                try (SalesforceJwtClient client = new SalesforceJwtClient(config)) {
                    client.token();
                }
            }, kind);
            assertClean(e);
            ConnectionReport report = SalesforceJwtClient.testConnection(config);
            assertFalse(report.isOk(), kind);
            assertClean(report);
        }
    }

    @Test
    void tokensAreShownOnlyByGetAccessToken() throws Exception {
        try (SalesforceJwtClient client = new SalesforceJwtClient(jks().build())) {
            AccessToken token = client.token();
            assertTrue(token.getAccessToken().startsWith(TOKEN_PREFIX));
            assertClean("AccessToken.toString", token.toString(), token.getAccessToken());
            assertClean("SalesforceJwtClient.toString", client.toString(), token.getAccessToken());

            String base = emulator.baseUrl();
            String body = "{\"access_token\":\"" + CANARY_TOKEN + "\",\"instance_url\":\"" + base
                    + "\",\"id\":\"" + base + "/id/00D000000000001AAA/005000000000001AAA\","
                    + "\"token_type\":\"Bearer\"}";
            setFaults("[{\"times\":10,\"action\":{\"kind\":\"status\",\"status\":200,\"body\":"
                    + jsonString(body) + "}}]");
            AccessToken canary = client.token();
            assertEquals(CANARY_TOKEN, canary.getAccessToken());
            assertClean("AccessToken.toString", canary.toString());
            // The emulator never issued it: the REST calls of the connection test fail with 401.
            ConnectionReport report = client.testConnection();
            assertFalse(report.isOk());
            assertEquals(ErrorCode.API, report.getError().getCode());
            assertClean(report);
        }
    }

    private static String jsonString(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** {@code POST /__emulator/faults}, trusting the emulator's CA. */
    private static void setFaults(String json) throws Exception {
        Certificate ca;
        try (InputStream in = Files.newInputStream(emulator.caFile)) {
            ca = CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("emulator", ca);
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        HttpsURLConnection connection =
                (HttpsURLConnection) new URL(emulator.baseUrl() + "/__emulator/faults").openConnection();
        connection.setSSLSocketFactory(context.getSocketFactory());
        connection.setRequestMethod("POST");
        connection.setDoOutput(true);
        connection.setRequestProperty("Content-Type", "application/json");
        connection.setRequestProperty(Emulator.ADMIN_HEADER, emulator.adminSecret);
        try (OutputStream out = connection.getOutputStream()) {
            out.write(json.getBytes(UTF_8));
        }
        assertEquals(200, connection.getResponseCode(), json);
        connection.getInputStream().close();
        connection.disconnect();
    }
}
