// Copyright sfjwt contributors. Licensed under Apache-2.0.
// The Java side of `make bench` (bench/run.py): a long-lived JVM that answers one
// measurement per stdin line with one JSON line, so that it stays warm (JIT-compiled)
// while the orchestrator interleaves it with sfjwt round by round.
//
//   sign SECS                          Signature("SHA256withRSA") RS256 assertions per second
//   load FORMAT SECS                   KeyStore.load + getKey (PEM: KeyFactory + CertificateFactory)
//   token THREADS SECS                 dev.sfjwt SalesforceJwtClient.token() on a warm cache
//   reftoken THREADS SECS              a hand-rolled volatile token holder with an expiry check
//   client LOGIN_URL CA_FILE KEYSTORE  creates the sfjwt client (and logs in once)
//   quit
//
// Bench --first-token LOGIN_URL CA_FILE KEYSTORE instead runs once in a fresh JVM and exits:
// two clients with tokenCache(false), created one after the other, and the time of each one's
// first token() (the JVM's first random numbers, TLS handshake and signature through sfjwt,
// then the same in a warm JVM), printed as {"first_ms": x, "reference_ms": y}. Creating a
// client (and loading the JNI library) is not timed.
//
// Compiled by bench/run.py with javac against the bench-built jar; run with it on the class path.

import dev.sfjwt.AccessToken;
import dev.sfjwt.SalesforceJwtClient;
import dev.sfjwt.SalesforceJwtConfig;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;

public final class Bench {
    private static final String APP = "3MVG9bench";
    private static final String USER = "etl@example.com";
    private static final String AUDIENCE = "https://login.salesforce.com";
    private static final String HEADER = "eyJhbGciOiJSUzI1NiJ9";
    private static final int BATCH = 256;

    private final Path fixtures;
    private final PrivateKey signingKey;
    private SalesforceJwtClient client;
    private volatile boolean stop;
    /** The hand-rolled reference cache. */
    private volatile Cached cached;
    /** Keeps results alive so that the JIT cannot drop the work. */
    private volatile Object sink;

    private static final class Cached {
        final AccessToken token;
        final long freshUntilNanos;

        Cached(AccessToken token, long freshUntilNanos) {
            this.token = token;
            this.freshUntilNanos = freshUntilNanos;
        }
    }

    private interface Call {
        void run() throws Exception;
    }

    private Bench(Path fixtures) throws Exception {
        this.fixtures = fixtures;
        KeyStore store = KeyStore.getInstance("JKS");
        try (InputStream in = Files.newInputStream(fixtures.resolve("jks-same.jks"))) {
            store.load(in, "changeit1".toCharArray());
        }
        signingKey = (PrivateKey) store.getKey("talend_certificate", "changeit1".toCharArray());
    }

    private String sign() throws Exception {
        long exp = System.currentTimeMillis() / 1000 + 180;
        String claims = "{\"iss\":\"" + APP + "\",\"sub\":\"" + USER + "\",\"aud\":\"" + AUDIENCE
                + "\",\"exp\":" + exp + "}";
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String input = HEADER + "." + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        Signature signature = Signature.getInstance("SHA256withRSA");
        signature.initSign(signingKey);
        signature.update(input.getBytes(StandardCharsets.US_ASCII));
        return input + "." + b64.encodeToString(signature.sign());
    }

    private String signRate(double seconds) throws Exception {
        long start = System.nanoTime();
        long deadline = start + (long) (seconds * 1e9);
        long count = 0;
        while (System.nanoTime() < deadline) {
            sink = sign();
            count++;
        }
        double secs = (System.nanoTime() - start) / 1e9;
        return "{\"ops_per_s\": " + (count / secs) + ", \"count\": " + count + "}";
    }

    private Key load(String format) throws Exception {
        switch (format) {
            case "jks":
                return keystoreKey("JKS", "jks-diffkey.jks", "sfdc", "keypass2");
            case "jceks":
                return keystoreKey("JCEKS", "jceks.jceks", "sfdc", "keypass2");
            case "pkcs12_keytool":
                return keystoreKey("PKCS12", "p12-keytool.p12", "sfdc", "changeit1");
            case "pkcs12_openssl":
                return keystoreKey("PKCS12", "p12-openssl.p12", "sfdc", "changeit1");
            case "pem":
                return pemKey("pem-pkcs8.pem");
            default:
                throw new IllegalArgumentException("unknown format " + format);
        }
    }

    private Key keystoreKey(String type, String file, String alias, String keyPassword)
            throws Exception {
        KeyStore store = KeyStore.getInstance(type);
        try (InputStream in = Files.newInputStream(fixtures.resolve(file))) {
            store.load(in, "changeit1".toCharArray());
        }
        Key key = store.getKey(alias, keyPassword.toCharArray());
        if (key == null) {
            throw new IllegalStateException("no key " + alias + " in " + file);
        }
        return key;
    }

    /** What sfjwt does with a PEM file: the PKCS#8 key and the certificate beside it. */
    private Key pemKey(String file) throws Exception {
        String text = new String(Files.readAllBytes(fixtures.resolve(file)), StandardCharsets.US_ASCII);
        byte[] der = Base64.getMimeDecoder().decode(block(text, "PRIVATE KEY"));
        PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
        byte[] cert = Base64.getMimeDecoder().decode(block(text, "CERTIFICATE"));
        sink = CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(cert));
        return key;
    }

    private static String block(String text, String label) {
        String begin = "-----BEGIN " + label + "-----";
        int start = text.indexOf(begin) + begin.length();
        return text.substring(start, text.indexOf("-----END " + label + "-----", start));
    }

    private String loadTime(String format, double seconds) throws Exception {
        long start = System.nanoTime();
        long deadline = start + (long) (seconds * 1e9);
        long count = 0;
        while (count < 3 || System.nanoTime() < deadline) {
            sink = load(format);
            count++;
        }
        double ns = (double) (System.nanoTime() - start) / count;
        return "{\"ns\": " + ns + ", \"count\": " + count + "}";
    }

    /** Core-nanoseconds per call: wall time x the cores the threads could use / calls. */
    private String perCall(int threads, double seconds, Call call) throws Exception {
        AtomicLong total = new AtomicLong();
        CyclicBarrier barrier = new CyclicBarrier(threads + 1);
        Thread[] workers = new Thread[threads];
        Throwable[] failure = new Throwable[1];
        stop = false;
        for (int i = 0; i < threads; i++) {
            workers[i] = new Thread(() -> {
                try {
                    barrier.await();
                    long calls = 0;
                    while (!stop) {
                        for (int j = 0; j < BATCH; j++) {
                            call.run();
                        }
                        calls += BATCH;
                    }
                    total.addAndGet(calls);
                } catch (Throwable e) {
                    failure[0] = e;
                    stop = true;
                }
            });
            workers[i].start();
        }
        barrier.await();
        long start = System.nanoTime();
        Thread.sleep((long) (seconds * 1000));
        stop = true;
        for (Thread worker : workers) {
            worker.join();
        }
        double wall = System.nanoTime() - start;
        if (failure[0] != null) {
            throw new IllegalStateException(failure[0]);
        }
        int cores = Runtime.getRuntime().availableProcessors();
        double calls = total.get();
        return "{\"ns_per_call\": " + (wall * Math.min(threads, cores) / calls) + ", \"calls\": "
                + calls + ", \"threads\": " + threads + ", \"calls_per_s\": " + (calls / wall * 1e9)
                + "}";
    }

    private AccessToken referenceToken() {
        Cached c = cached;
        if (c != null && System.nanoTime() - c.freshUntilNanos < 0) {
            return c.token;
        }
        throw new IllegalStateException("reference token expired");
    }

    private static SalesforceJwtConfig config(String loginUrl, String caFile, String keystore,
            boolean tokenCache) {
        return SalesforceJwtConfig.builder()
                .issuer(APP)
                .subject(USER)
                .audience(AUDIENCE)
                .loginUrl(loginUrl)
                .caFile(caFile)
                .keystorePath(keystore)
                .keystorePassword("changeit1".toCharArray())
                .tokenCache(tokenCache)
                .build();
    }

    /** Milliseconds of one uncached token() on a new client. */
    private static double timedFirstToken(String[] args) throws Exception {
        SalesforceJwtConfig config = config(args[1], args[2], args[3], false);
        try (SalesforceJwtClient fresh = new SalesforceJwtClient(config)) {
            long start = System.nanoTime();
            fresh.token();
            return (System.nanoTime() - start) / 1e6;
        }
    }

    /** --first-token: what a fresh JVM pays once, against a second client in the same JVM. */
    private static void firstToken(String[] args) throws Exception {
        double first = timedFirstToken(args);
        double reference = timedFirstToken(args);
        System.out.println("{\"first_ms\": " + first + ", \"reference_ms\": " + reference + "}");
        System.out.flush();
    }

    private String run(String[] words) throws Exception {
        switch (words[0]) {
            case "sign":
                return signRate(Double.parseDouble(words[1]));
            case "load":
                return loadTime(words[1], Double.parseDouble(words[2]));
            case "client": {
                client = new SalesforceJwtClient(config(words[1], words[2], words[3], true));
                AccessToken token = client.token();
                cached = new Cached(token, System.nanoTime() + 900_000_000_000L);
                return "{\"ok\": true}";
            }
            case "token":
                return perCall(Integer.parseInt(words[1]), Double.parseDouble(words[2]),
                        () -> sink = client.token());
            case "reftoken":
                return perCall(Integer.parseInt(words[1]), Double.parseDouble(words[2]),
                        () -> sink = referenceToken());
            default:
                throw new IllegalArgumentException("unknown command " + words[0]);
        }
    }

    public static void main(String[] args) throws Exception {
        // Before the worker's fixtures are loaded: this mode measures a fresh JVM.
        if (args.length == 4 && args[0].equals("--first-token")) {
            firstToken(args);
            return;
        }
        Bench bench = new Bench(Paths.get(args[0]));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        System.out.println("{\"ready\": true}");
        System.out.flush();
        String line;
        while ((line = in.readLine()) != null) {
            String[] words = line.trim().split("\\s+");
            if (words[0].equals("quit")) {
                break;
            }
            String answer;
            try {
                answer = bench.run(words);
            } catch (Exception e) {
                answer = "{\"error\": \"" + e.toString().replace("\\", "\\\\").replace("\"", "'") + "\"}";
            }
            System.out.println(answer);
            System.out.flush();
        }
        if (bench.client != null) {
            bench.client.close();
        }
    }
}
