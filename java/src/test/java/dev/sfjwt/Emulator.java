// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URL;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The Salesforce emulator ({@code sfjwt emulator}) as a child process, with the org the tests
 * need: one connected app per fixture keystore and an approved, an unapproved and an inactive
 * user. Stopped with SIGTERM by {@link #close()}.
 */
final class Emulator implements AutoCloseable {
    static final String JKS_APP = "3MVG9jks.consumer";
    static final String P12_APP = "3MVG9p12.consumer";
    /** An External Client App with the JKS fixture's certificate, open to every approved user. */
    static final String ECA_APP = "3MVG9eca.consumer";
    /** Users only ExternalClientAppTest logs in as, one per test, whose token requests it counts. */
    static final String[] MY_DOMAIN_USERS = {"eca@example.com", "my-domain-connected-app@example.com",
        "eca-explicit-audience@example.com"};
    static final String USER = "etl@example.com";
    static final String UNAPPROVED_USER = "new@example.com";
    /** A user no other test logs in as, for tests that count its logins. */
    static final String LAST_CLIENT_USER = "last-client@example.com";
    /** A user no other test logs in as, for the token_cache_dir test. */
    static final String SHARED_CACHE_USER = "shared-cache@example.com";
    /** A user only LoggingTest logs in as. */
    static final String LOGGING_USER = "logging@example.com";
    /** Users of LoggingTest's handlers that call token(), one per test. */
    static final String[] NESTED_USERS = {"nested-close@example.com", "nested-login@example.com"};
    /** A user only SalesforceHttpClientTest logs in as. */
    static final String HTTP_CLIENT_USER = "http-client@example.com";
    /** Users of the examples' tests (ExamplesIT), one each, whose logins they count. */
    static final String[] EXAMPLE_USERS = {"urlconnection@example.com", "httpclient@example.com",
        "talend@example.com", "talend-rotation@example.com"};
    static final char[] STORE_PASSWORD = "changeit1".toCharArray();

    final Path dir;
    final Path caFile;
    final Path logFile;
    final int port;
    /** This run's secret, which {@code /__emulator/} requests carry in {@link #ADMIN_HEADER}. */
    final String adminSecret;
    private final Process process;

    /** The header of the admin secret. */
    static final String ADMIN_HEADER = "X-Sfjwt-Emulator-Admin";

    private Emulator(Path dir, Process process, int port, String adminSecret) {
        this.dir = dir;
        this.process = process;
        this.port = port;
        this.adminSecret = adminSecret;
        this.caFile = dir.resolve("ca.pem");
        this.logFile = dir.resolve("log.jsonl");
    }

    static Path fixtures() {
        return Paths.get(System.getProperty("sfjwt.test.fixtures", "../tests/fixtures")).toAbsolutePath();
    }

    static Path fixture(String name) {
        return fixtures().resolve(name);
    }

    /** Starts the emulator and waits for its port file. */
    static Emulator start() throws IOException, InterruptedException {
        Path cli = Paths.get(System.getProperty("sfjwt.test.cli", "../target/debug/sfjwt")).toAbsolutePath();
        if (!Files.isExecutable(cli)) {
            throw new IllegalStateException(cli + " is missing: run `cargo build -p sfjwt-cli` first");
        }
        Path dir = Files.createTempDirectory("sfjwt-emulator-");
        Path certs = fixtures().resolve("certs");
        String config = "{\"apps\":["
                + "{\"consumer_key\":\"" + JKS_APP + "\",\"certificate_file\":\""
                + json(certs.resolve("jks-same.talend_certificate.crt")) + "\"},"
                + "{\"consumer_key\":\"" + P12_APP + "\",\"certificate_file\":\""
                + json(certs.resolve("p12-keytool.sfdc.crt")) + "\"}],"
                + "\"external_client_apps\":[{\"consumer_key\":\"" + ECA_APP + "\",\"certificate_file\":\""
                + json(certs.resolve("jks-same.talend_certificate.crt")) + "\"}],"
                + "\"users\":[{\"username\":\"" + USER + "\"},"
                + "{\"username\":\"" + LAST_CLIENT_USER + "\"},"
                + "{\"username\":\"" + SHARED_CACHE_USER + "\"},"
                + "{\"username\":\"" + EXAMPLE_USERS[0] + "\"},"
                + "{\"username\":\"" + EXAMPLE_USERS[1] + "\"},"
                + "{\"username\":\"" + EXAMPLE_USERS[2] + "\"},"
                + "{\"username\":\"" + EXAMPLE_USERS[3] + "\"},"
                + "{\"username\":\"" + NESTED_USERS[0] + "\"},"
                + "{\"username\":\"" + NESTED_USERS[1] + "\"},"
                + "{\"username\":\"" + HTTP_CLIENT_USER + "\"},"
                + "{\"username\":\"" + LOGGING_USER + "\"},"
                + "{\"username\":\"" + MY_DOMAIN_USERS[0] + "\"},"
                + "{\"username\":\"" + MY_DOMAIN_USERS[1] + "\"},"
                + "{\"username\":\"" + MY_DOMAIN_USERS[2] + "\"},"
                + "{\"username\":\"" + UNAPPROVED_USER + "\",\"approved\":false}]}";
        Path configFile = dir.resolve("emulator.json");
        Files.write(configFile, config.getBytes(UTF_8));
        Path portFile = dir.resolve("port");
        Process process = new ProcessBuilder(cli.toString(), "emulator",
                "--config", configFile.toString(), "--port", "0",
                "--port-file", portFile.toString(),
                "--ca-out", dir.resolve("ca.pem").toString(),
                "--log", dir.resolve("log.jsonl").toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("emulator.out").toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(portFile)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the emulator exited with " + process.exitValue() + ": "
                        + new String(Files.readAllBytes(dir.resolve("emulator.out")), UTF_8));
            }
            if (System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException("the emulator did not start within 30 s");
            }
            Thread.sleep(20);
        }
        int port = Integer.parseInt(new String(Files.readAllBytes(portFile), UTF_8).trim());
        // Written before the port file.
        String adminSecret = new String(Files.readAllBytes(dir.resolve("port.admin")), UTF_8).trim();
        return new Emulator(dir, process, port, adminSecret);
    }

    private static String json(Path path) {
        return path.toString().replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /** The generic login host: the emulator's stand-in for login.salesforce.com. */
    String baseUrl() {
        return "https://127.0.0.1:" + port;
    }

    /** The org's My Domain: the emulator tells it from the generic host by its name. */
    String myDomainUrl() {
        return "https://localhost:" + port;
    }

    /**
     * A {@code .properties} file in {@code dir} for {@code subject} with the JKS fixture, as a job
     * keeps it: what the packaged jar and the examples read in their own JVMs.
     */
    Path properties(Path dir, String subject) throws IOException {
        Path file = dir.resolve("conn-" + subject.replace('@', '_') + ".properties");
        String text = "issuer=" + JKS_APP + "\n"
                + "subject=" + subject + "\n"
                + "audience=https\\://login.salesforce.com\n"
                + "keystore_path=" + fixture("jks-same.jks").toString().replace("\\", "\\\\") + "\n"
                + "keystore_password=changeit1\n"
                + "key_alias=talend_certificate\n"
                + "login_url=" + baseUrl() + "\n"
                + "ca_file=" + caFile.toString().replace("\\", "\\\\") + "\n"
                + "retries=0\n";
        Files.write(file, text.getBytes(UTF_8));
        return file;
    }

    /** Settings for the JKS fixture (the file Salesforce's "Export to Keystore" makes). */
    SalesforceJwtConfig.Builder jks() {
        return SalesforceJwtConfig.builder()
                .issuer(JKS_APP)
                .subject(USER)
                .audience("https://login.salesforce.com")
                .loginUrl(baseUrl())
                .caFile(caFile)
                .keystorePath(fixture("jks-same.jks"))
                .keystorePassword(STORE_PASSWORD)
                .keyAlias("talend_certificate")
                .retries(0);
    }

    /** Settings for the PKCS#12 fixture made by keytool. */
    SalesforceJwtConfig.Builder p12() {
        return SalesforceJwtConfig.builder()
                .issuer(P12_APP)
                .subject(USER)
                .loginUrl(baseUrl())
                .caFile(caFile)
                .keystorePath(fixture("p12-keytool.p12"))
                .keystoreType("pkcs12")
                .keystorePassword(STORE_PASSWORD)
                .keyAlias("sfdc")
                .retries(0);
    }

    /** How many token requests {@code username} made so far, answered or refused. */
    long tokenRequests(String username) throws IOException {
        if (!Files.exists(logFile)) {
            return 0;
        }
        return Files.readAllLines(logFile, UTF_8).stream()
                .filter(line -> line.contains("\"path\":\"/services/oauth2/token\""))
                .filter(line -> line.contains("\"username\":\"" + username + "\""))
                .count();
    }

    /** How many tokens the emulator issued so far, from its request log. */
    long logins() throws IOException {
        return logins("");
    }

    /** How many tokens the emulator issued to {@code username} so far ("" for everyone). */
    long logins(String username) throws IOException {
        if (!Files.exists(logFile)) {
            return 0;
        }
        List<String> lines = Files.readAllLines(logFile, UTF_8);
        return lines.stream()
                .filter(line -> line.contains("\"path\":\"/services/oauth2/token\""))
                .filter(line -> line.contains("\"outcome\":\"token_issued\""))
                .filter(line -> line.contains("\"username\":\"" + username))
                .count();
    }

    /**
     * Revokes every session issued so far ({@code POST /__emulator/revoke}): the next REST call
     * with one gets HTTP 401 {@code INVALID_SESSION_ID}.
     */
    void revoke() throws Exception {
        admin("revoke", "{}");
    }

    /**
     * Plans faults ({@code POST /__emulator/faults}), replacing those still pending: a JSON array
     * such as {@code [{"path_prefix":"/services/data","action":{"kind":"status","status":401}}]}.
     */
    void faults(String json) throws Exception {
        admin("faults", json);
    }

    /** A TLS context that trusts the emulator's CA only. */
    SSLContext tls() throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(caFile)) {
            trust.setCertificateEntry("emulator", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, trustManagers.getTrustManagers(), null);
        return tls;
    }

    private void admin(String endpoint, String json) throws Exception {
        HttpsURLConnection connection =
                (HttpsURLConnection) new URL(baseUrl() + "/__emulator/" + endpoint).openConnection();
        connection.setSSLSocketFactory(tls().getSocketFactory());
        connection.setRequestMethod("POST");
        connection.setDoOutput(true);
        connection.setRequestProperty("Content-Type", "application/json");
        connection.setRequestProperty(ADMIN_HEADER, adminSecret);
        try (OutputStream out = connection.getOutputStream()) {
            out.write(json.getBytes(UTF_8));
        }
        if (connection.getResponseCode() != 200) {
            throw new IllegalStateException(endpoint + ": HTTP " + connection.getResponseCode());
        }
        connection.disconnect();
    }

    /** A loopback port with nothing listening. */
    static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** SIGTERM, then SIGKILL if it has not stopped within 10 s. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
