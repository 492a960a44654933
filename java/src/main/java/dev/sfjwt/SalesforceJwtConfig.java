// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * The settings of a Salesforce JWT Bearer login, with the keys every sfjwt surface uses: the
 * builder's methods are the keys in camelCase, a {@code .properties} file uses them as written
 * ({@code keystore_path}, {@code key_alias}, ...).
 *
 * <pre>{@code
 * SalesforceJwtConfig config = SalesforceJwtConfig.builder()
 *         .issuer("3MVG9...")                       // Talend: Issuer (the consumer key)
 *         .subject("etl.user@acme.com")             // Talend: Subject
 *         .myDomain("acme.my.salesforce.com")      // Talend: Audience / endpoint
 *         .keystorePath("/secure/00D28000001O6WS.jks")
 *         .keystorePassword(password)               // char[]: wipe yours afterwards
 *         .keyAlias("talend_certificate")
 *         .build();
 * }</pre>
 *
 * <p>Values are checked by sfjwt's core when a {@link SalesforceJwtClient} is created from the
 * configuration; a bad value, or an unknown key, is then an {@link SfJwtException} with code
 * {@link ErrorCode#CONFIG} that names the key. Passwords are held as {@code char[]} copies:
 * every hand-over to native code uses a temporary copy that is wiped right after, and
 * {@link #clearPasswords()} wipes the configuration's own. Instances are immutable apart from
 * that and safe to share between threads.
 */
public final class SalesforceJwtConfig {
    /**
     * The keys whose values are secrets, kept as {@code char[]}: the passwords, the proxy URL,
     * which may carry a proxy password, and keystores as base64 text: the core's
     * {@code sfjwt::config::SECRET_KEYS}, which {@code ParityTest} holds it to.
     */
    static final Set<String> PASSWORD_KEYS = Collections.unmodifiableSet(new TreeSet<String>(
            Arrays.asList("keystore_password", "key_password", "client_cert_password", "proxy_url",
                    "keystore_base64", "client_cert_base64")));
    /** The largest {@code .properties} file or keystore stream read, as for keystores in the core. */
    private static final long MAX_SECRET_BYTES = 16L * 1024 * 1024;

    private final Map<String, String> settings;
    private final Map<String, char[]> passwords;
    /** Keystores given as bytes, by the key whose decoded form they are; guarded by passwords. */
    private final Map<String, KeystoreBytes> keystores;
    /** Files a password came from, whose permissions the connection test checks. */
    private final String[] secretFiles;

    private SalesforceJwtConfig(Builder builder) {
        this.settings = Collections.unmodifiableMap(new LinkedHashMap<String, String>(builder.settings));
        Map<String, char[]> copies = new LinkedHashMap<String, char[]>();
        for (Map.Entry<String, char[]> entry : builder.passwords.entrySet()) {
            copies.put(entry.getKey(), entry.getValue().clone());
        }
        this.passwords = copies;
        Map<String, KeystoreBytes> keystoreCopies = new LinkedHashMap<String, KeystoreBytes>();
        for (Map.Entry<String, KeystoreBytes> entry : builder.keystores.entrySet()) {
            keystoreCopies.put(entry.getKey(), entry.getValue().copy());
        }
        this.keystores = keystoreCopies;
        this.secretFiles = builder.secretFiles.toArray(new String[0]);
    }

    /**
     * A builder with nothing set.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A configuration from {@code key=value} pairs, such as a Talend job's context or a
     * {@code .properties} file already loaded.
     *
     * @param properties the pairs; every key must be one of sfjwt's keys
     * @return the configuration
     */
    public static SalesforceJwtConfig fromProperties(Properties properties) {
        return builder().properties(properties).build();
    }

    /**
     * Reads a {@code .properties} file (Java's syntax) as sfjwt's core reads it for every
     * surface (the CLI, C, Python): as UTF-8, or as ISO-8859-1 (what
     * {@code Properties.store} writes) when it is not valid UTF-8. A file that holds a
     * password is checked by the connection test, which warns when other users can read it.
     *
     * @param path the file
     * @return the configuration
     * @throws IOException when the file cannot be read, or is larger than 16 MiB
     * @throws UnsupportedPlatformException when the jar carries no native library for this
     *         platform (the file is read by the native library)
     */
    public static SalesforceJwtConfig fromProperties(Path path) throws IOException {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(path)) {
            bytes = readCapped(in, path + " is larger than 16 MiB: not a settings file");
        }
        try {
            String[] pairs = Native.parseProperties(bytes);
            Builder builder = builder();
            boolean holdsSecret = false;
            for (int i = 0; i + 1 < pairs.length; i += 2) {
                builder.set(pairs[i], pairs[i + 1]);
                holdsSecret |= PASSWORD_KEYS.contains(pairs[i]);
            }
            if (holdsSecret) {
                builder.secretFiles.add(path.toAbsolutePath().toString());
            }
            return builder.build();
        } finally {
            // The file may hold passwords: wipe the copy this method made.
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /** {@link #readCapped(InputStream, long, String)} at {@link #MAX_SECRET_BYTES}. */
    private static byte[] readCapped(InputStream in, String tooLarge) throws IOException {
        return readCapped(in, MAX_SECRET_BYTES, tooLarge);
    }

    /**
     * The stream's bytes, refusing more than {@code max} (a wrong path or resource, a runaway
     * response) with {@code tooLarge} as the message. Every intermediate copy is wiped, since the
     * bytes may be secret.
     */
    static byte[] readCapped(InputStream in, long max, String tooLarge) throws IOException {
        byte[] chunk = new byte[8192];
        WipedBuffer out = new WipedBuffer();
        try {
            int read;
            while ((read = in.read(chunk)) != -1) {
                if (out.size() + read > max) {
                    throw new IOException(tooLarge);
                }
                out.write(chunk, 0, read);
            }
            return out.toByteArray();
        } finally {
            Arrays.fill(chunk, (byte) 0);
            out.wipe();
        }
    }

    /**
     * Wipes the passwords and the keystore bytes this configuration holds. Clients already
     * created keep working; clients created afterwards get no password and no keystore data.
     */
    public void clearPasswords() {
        synchronized (passwords) {
            for (char[] password : passwords.values()) {
                Arrays.fill(password, '\0');
            }
            passwords.clear();
            for (KeystoreBytes keystore : keystores.values()) {
                keystore.wipe();
            }
            keystores.clear();
        }
    }

    /**
     * The settings for native code. The caller must {@link NativeSettings#wipe() wipe} them.
     */
    NativeSettings toNative() {
        String[] keys = settings.keySet().toArray(new String[0]);
        String[] values = settings.values().toArray(new String[0]);
        synchronized (passwords) {
            String[] secretKeys = passwords.keySet().toArray(new String[0]);
            char[][] secrets = new char[secretKeys.length][];
            for (int i = 0; i < secretKeys.length; i++) {
                secrets[i] = passwords.get(secretKeys[i]).clone();
            }
            String[] dataKeys = keystores.keySet().toArray(new String[0]);
            byte[][] data = new byte[dataKeys.length][];
            String[] dataOrigins = new String[dataKeys.length];
            for (int i = 0; i < dataKeys.length; i++) {
                KeystoreBytes keystore = keystores.get(dataKeys[i]);
                data[i] = keystore.bytes.clone();
                dataOrigins[i] = keystore.origin;
            }
            return new NativeSettings(keys, values, secretKeys, secrets, secretFiles.clone(), dataKeys, data,
                    dataOrigins);
        }
    }

    /** The keys set, with passwords and proxy credentials shown as {@code <redacted>}. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder("SalesforceJwtConfig{");
        String separator = "";
        for (Map.Entry<String, String> entry : settings.entrySet()) {
            out.append(separator).append(entry.getKey()).append('=').append(entry.getValue());
            separator = ", ";
        }
        synchronized (passwords) {
            for (Map.Entry<String, char[]> entry : passwords.entrySet()) {
                out.append(separator).append(entry.getKey()).append('=');
                if (entry.getKey().equals("proxy_url")) {
                    appendRedactedProxyUrl(out, entry.getValue());
                } else {
                    out.append("<redacted>");
                }
                separator = ", ";
            }
            for (Map.Entry<String, KeystoreBytes> entry : keystores.entrySet()) {
                KeystoreBytes keystore = entry.getValue();
                out.append(separator).append(entry.getKey()).append("=<redacted: ")
                        .append(keystore.bytes.length).append(" bytes from ").append(keystore.origin).append('>');
                separator = ", ";
            }
        }
        return out.append('}').toString();
    }

    /**
     * A proxy URL with its credentials, if any, shown as {@code <redacted>}: everything up to the
     * last '@' before the path (a password may contain '@' itself). Only the parts around the
     * credentials become text.
     */
    private static void appendRedactedProxyUrl(StringBuilder out, char[] url) {
        int scheme = indexOf(url, "://", 0);
        int authority = scheme < 0 ? 0 : scheme + 3;
        int path = indexOf(url, "/", authority);
        int end = path < 0 ? url.length : path;
        int at = -1;
        for (int i = authority; i < end; i++) {
            if (url[i] == '@') {
                at = i;
            }
        }
        if (at < 0) {
            out.append(url);
        } else {
            out.append(url, 0, authority).append("<redacted>").append(url, at, url.length - at);
        }
    }

    private static int indexOf(char[] text, String what, int from) {
        outer:
        for (int i = from; i + what.length() <= text.length; i++) {
            for (int j = 0; j < what.length(); j++) {
                if (text[i + j] != what.charAt(j)) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /**
     * Settings as arrays, which the native code reads field by field (keep the names and types
     * in step with {@code bindings/jni/src/lib.rs}); {@link #wipe()} clears the secrets.
     */
    static final class NativeSettings {
        final String[] keys;
        final String[] values;
        final String[] secretKeys;
        final char[][] secrets;
        final String[] secretFiles;
        final String[] dataKeys;
        final byte[][] data;
        final String[] dataOrigins;

        NativeSettings(String[] keys, String[] values, String[] secretKeys, char[][] secrets,
                String[] secretFiles, String[] dataKeys, byte[][] data, String[] dataOrigins) {
            this.keys = keys;
            this.values = values;
            this.secretKeys = secretKeys;
            this.secrets = secrets;
            this.secretFiles = secretFiles;
            this.dataKeys = dataKeys;
            this.data = data;
            this.dataOrigins = dataOrigins;
        }

        void wipe() {
            for (char[] secret : secrets) {
                Arrays.fill(secret, '\0');
            }
            for (byte[] bytes : data) {
                Arrays.fill(bytes, (byte) 0);
            }
        }
    }

    /** A keystore's bytes and where they came from ({@code keystoreData(byte[])}, a resource). */
    private static final class KeystoreBytes {
        final String origin;
        final byte[] bytes;

        KeystoreBytes(String origin, byte[] bytes) {
            this.origin = origin;
            this.bytes = bytes;
        }

        KeystoreBytes copy() {
            return new KeystoreBytes(origin, bytes.clone());
        }

        void wipe() {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /**
     * Collects settings; {@link #build()} makes the configuration. A null or empty value
     * removes the key (the default then applies). Not thread-safe.
     */
    public static final class Builder {
        private final Map<String, String> settings = new LinkedHashMap<String, String>();
        private final Map<String, char[]> passwords = new LinkedHashMap<String, char[]>();
        private final Map<String, KeystoreBytes> keystores = new LinkedHashMap<String, KeystoreBytes>();
        private final List<String> secretFiles = new ArrayList<String>();

        private Builder() {
        }

        /**
         * Sets any key by its design name ({@code keystore_path}, {@code key_alias}, ...), as in a
         * {@code .properties} file. Unknown keys are reported when a client is created.
         *
         * @param key the key
         * @param value its text, or null to remove it
         * @return this builder
         */
        public Builder set(String key, String value) {
            if (key == null) {
                throw new NullPointerException("key");
            }
            if (PASSWORD_KEYS.contains(key)) {
                char[] chars = value == null ? null : value.toCharArray();
                try {
                    return password(key, chars);
                } finally {
                    if (chars != null) {
                        Arrays.fill(chars, '\0');
                    }
                }
            }
            if (value == null || value.isEmpty()) {
                settings.remove(key);
            } else {
                settings.put(key, value);
            }
            return this;
        }

        /**
         * Sets every pair of {@code properties} with {@link #set(String, String)}.
         *
         * @param properties the pairs
         * @return this builder
         */
        public Builder properties(Properties properties) {
            for (String key : new TreeSet<String>(properties.stringPropertyNames())) {
                set(key, properties.getProperty(key));
            }
            return this;
        }

        private Builder password(String key, char[] password) {
            char[] old = password == null || password.length == 0
                    ? passwords.remove(key)
                    : passwords.put(key, password.clone());
            if (old != null) {
                Arrays.fill(old, '\0');
            }
            // A keystore as base64 text replaces the same keystore given as bytes.
            removeKeystoreBytes(key);
            return this;
        }

        /**
         * Sets the keystore of {@code key} ({@code keystore_base64} or {@code client_cert_base64},
         * whose decoded form the bytes are) to a copy of {@code bytes}; null or empty removes it.
         */
        private Builder keystoreBytes(String key, String origin, byte[] bytes) {
            char[] text = passwords.remove(key);
            if (text != null) {
                Arrays.fill(text, '\0');
            }
            removeKeystoreBytes(key);
            if (bytes != null && bytes.length > 0) {
                keystores.put(key, new KeystoreBytes(origin, bytes.clone()));
            }
            return this;
        }

        private void removeKeystoreBytes(String key) {
            KeystoreBytes old = keystores.remove(key);
            if (old != null) {
                old.wipe();
            }
        }

        /** {@link #keystoreBytes} from a stream, read to its end (not closed), at most 16 MiB. */
        private Builder keystoreStream(String key, String origin, InputStream in) throws IOException {
            if (in == null) {
                throw new NullPointerException("in");
            }
            byte[] bytes = readCapped(in, origin + " is larger than 16 MiB: not a keystore");
            try {
                return keystoreBytes(key, origin, bytes);
            } finally {
                Arrays.fill(bytes, (byte) 0);
            }
        }

        /**
         * {@link #keystoreBytes} from a class path resource, looked up by the thread's context
         * class loader (a Talend job's or an application server's), then by sfjwt's own.
         */
        private Builder keystoreResource(String key, String name) throws IOException {
            if (name == null) {
                throw new NullPointerException("name");
            }
            String resource = name.startsWith("/") ? name.substring(1) : name;
            String origin = "classpath:" + resource;
            InputStream in = null;
            ClassLoader context = Thread.currentThread().getContextClassLoader();
            if (context != null) {
                in = context.getResourceAsStream(resource);
            }
            if (in == null) {
                in = SalesforceJwtConfig.class.getClassLoader().getResourceAsStream(resource);
            }
            if (in == null) {
                throw new IOException("keystore " + origin + " not found on the class path");
            }
            try {
                return keystoreStream(key, origin, in);
            } finally {
                in.close();
            }
        }

        private Builder path(String key, Path path) {
            return set(key, path == null ? null : path.toString());
        }

        /**
         * The connected app's consumer key, the JWT {@code iss} (Talend: Issuer). Required.
         *
         * @param issuer the consumer key
         * @return this builder
         */
        public Builder issuer(String issuer) {
            return set("issuer", issuer);
        }

        /**
         * The Salesforce username, the JWT {@code sub} (Talend: Subject). Required.
         *
         * @param subject the username
         * @return this builder
         */
        public Builder subject(String subject) {
            return set("subject", subject);
        }

        /**
         * The JWT {@code aud} (Talend: Audience): {@code https://login.salesforce.com},
         * {@code https://test.salesforce.com} for a sandbox, or an Experience Cloud site URL.
         * Leave it unset with {@link #myDomain(String)}: sfjwt then sends the My Domain (what
         * External Client Apps need) and, once, login or test if Salesforce refuses that
         * audience (what connected apps need). Default: {@code https://login.salesforce.com}.
         *
         * @param audience the audience URL
         * @return this builder
         */
        public Builder audience(String audience) {
            return set("audience", audience);
        }

        /**
         * The org's My Domain, as Setup &gt; My Domain shows it ({@code acme.my.salesforce.com},
         * {@code acme--uat.sandbox.my.salesforce.com}) or as an https URL. External Client Apps,
         * the only new apps since Spring '26, are found only there. It becomes the default
         * {@link #loginUrl(String)} (port 8443 with mutual TLS) and, without
         * {@link #audience(String)}, the first audience, with login or test (test for a sandbox)
         * tried once if Salesforce refuses it; the client remembers which one worked.
         *
         * @param myDomain the My Domain host or URL
         * @return this builder
         */
        public Builder myDomain(String myDomain) {
            return set("my_domain", myDomain);
        }

        /**
         * Where the token request is POSTed: GovCloud, a host of your own. Defaults to the
         * My Domain, else the audience.
         *
         * @param loginUrl the base URL
         * @return this builder
         */
        public Builder loginUrl(String loginUrl) {
            return set("login_url", loginUrl);
        }

        /**
         * The assertion lifetime (Talend: Expiration time), 1 to 3600 seconds; default 180.
         *
         * @param seconds the lifetime
         * @return this builder
         */
        public Builder expirationSecs(int seconds) {
            return set("expiration_secs", Integer.toString(seconds));
        }

        /**
         * The keystore file (Talend: Key store): the JKS of Salesforce's "Export to Keystore",
         * a JCEKS, PKCS#12 or PEM file. Required.
         *
         * @param path the file
         * @return this builder
         */
        public Builder keystorePath(String path) {
            return set("keystore_path", path);
        }

        /**
         * The keystore file; see {@link #keystorePath(String)}.
         *
         * @param path the file
         * @return this builder
         */
        public Builder keystorePath(Path path) {
            return path("keystore_path", path);
        }

        /**
         * The keystore as bytes instead of a file: the contents of the JKS (JCEKS, PKCS#12, PEM)
         * file, as a secret store hands them out. The array is copied; wipe yours. Messages name
         * it "keystore from keystoreData(byte[])". Setting both this and a keystore path is a
         * {@link ErrorCode#CONFIG} error when the client is created.
         *
         * @param keystore the keystore's bytes, or null to remove them
         * @return this builder
         */
        public Builder keystoreData(byte[] keystore) {
            return keystoreBytes("keystore_base64", "keystoreData(byte[])", keystore);
        }

        /**
         * The keystore as bytes read from a stream, to its end; the stream is not closed. See
         * {@link #keystoreData(byte[])}.
         *
         * @param in the keystore's bytes
         * @return this builder
         * @throws IOException when the stream fails or holds more than 16 MiB
         */
        public Builder keystoreData(InputStream in) throws IOException {
            return keystoreStream("keystore_base64", "keystoreData(InputStream)", in);
        }

        /**
         * The keystore from a class path resource, such as a keystore packaged inside a Talend
         * job's jar ({@code "keys/sf.jks"}); looked up by the thread's context class loader, then
         * by sfjwt's own. Messages name it "keystore from classpath:keys/sf.jks".
         *
         * @param name the resource name; a leading {@code /} is ignored
         * @return this builder
         * @throws IOException when the resource is missing, cannot be read or holds more than 16 MiB
         */
        public Builder keystoreResource(String name) throws IOException {
            return keystoreResource("keystore_base64", name);
        }

        /**
         * The keystore format: {@code auto} (the default, by the file's first bytes),
         * {@code jks}, {@code jceks}, {@code pkcs12} or {@code pem}.
         *
         * @param type the format
         * @return this builder
         */
        public Builder keystoreType(String type) {
            return set("keystore_type", type);
        }

        /**
         * The store password (Talend: Key store password). The array is copied; wipe yours.
         *
         * @param password the password, or null for none
         * @return this builder
         */
        public Builder keystorePassword(char[] password) {
            return password("keystore_password", password);
        }

        /**
         * The entry to sign with (Talend: Certificate alias); optional when the keystore holds
         * one private key.
         *
         * @param alias the alias
         * @return this builder
         */
        public Builder keyAlias(String alias) {
            return set("key_alias", alias);
        }

        /**
         * The key entry's own password; defaults to the store password. The array is copied.
         *
         * @param password the password, or null for the default
         * @return this builder
         */
        public Builder keyPassword(char[] password) {
            return password("key_password", password);
        }

        /**
         * Presents a client certificate in TLS (Talend: Mutual Authentication; port 8443 of
         * your My Domain).
         *
         * @param mutualTls true to enable
         * @return this builder
         */
        public Builder mutualTls(boolean mutualTls) {
            return set("mutual_tls", Boolean.toString(mutualTls));
        }

        /**
         * The keystore holding the mutual-TLS identity, when it is not the signing key's entry.
         *
         * @param path the file
         * @return this builder
         */
        public Builder clientCertPath(String path) {
            return set("client_cert_path", path);
        }

        /**
         * The mutual-TLS keystore; see {@link #clientCertPath(String)}.
         *
         * @param path the file
         * @return this builder
         */
        public Builder clientCertPath(Path path) {
            return path("client_cert_path", path);
        }

        /**
         * The mutual-TLS keystore as bytes instead of a file; see {@link #keystoreData(byte[])}.
         *
         * @param keystore the keystore's bytes, or null to remove them
         * @return this builder
         */
        public Builder clientCertData(byte[] keystore) {
            return keystoreBytes("client_cert_base64", "clientCertData(byte[])", keystore);
        }

        /**
         * The mutual-TLS keystore read from a stream; see {@link #keystoreData(InputStream)}.
         *
         * @param in the keystore's bytes
         * @return this builder
         * @throws IOException when the stream fails or holds more than 16 MiB
         */
        public Builder clientCertData(InputStream in) throws IOException {
            return keystoreStream("client_cert_base64", "clientCertData(InputStream)", in);
        }

        /**
         * The mutual-TLS keystore from a class path resource; see {@link #keystoreResource(String)}.
         *
         * @param name the resource name
         * @return this builder
         * @throws IOException when the resource is missing or cannot be read
         */
        public Builder clientCertResource(String name) throws IOException {
            return keystoreResource("client_cert_base64", name);
        }

        /**
         * The mutual-TLS keystore's password. The array is copied.
         *
         * @param password the password, or null for none
         * @return this builder
         */
        public Builder clientCertPassword(char[] password) {
            return password("client_cert_password", password);
        }

        /**
         * The mutual-TLS entry's alias.
         *
         * @param alias the alias
         * @return this builder
         */
        public Builder clientCertAlias(String alias) {
            return set("client_cert_alias", alias);
        }

        /**
         * Extra trusted root certificates (PEM), such as a corporate proxy's CA.
         *
         * @param path the PEM file
         * @return this builder
         */
        public Builder caFile(String path) {
            return set("ca_file", path);
        }

        /**
         * Extra trusted root certificates; see {@link #caFile(String)}.
         *
         * @param path the PEM file
         * @return this builder
         */
        public Builder caFile(Path path) {
            return path("ca_file", path);
        }

        /**
         * An HTTP(S) proxy, {@code http://[user:password@]host:port}; without it
         * {@code HTTPS_PROXY} and {@code NO_PROXY} apply. Loopback targets are never proxied. Kept
         * as a {@code char[]}, like the passwords, since it may carry the proxy's password.
         *
         * @param proxyUrl the proxy URL
         * @return this builder
         */
        public Builder proxyUrl(String proxyUrl) {
            return set("proxy_url", proxyUrl);
        }

        /**
         * The connect timeout, 1 to 600 seconds; default 10.
         *
         * @param seconds the timeout
         * @return this builder
         */
        public Builder connectTimeoutSecs(int seconds) {
            return set("connect_timeout_secs", Integer.toString(seconds));
        }

        /**
         * The whole-request timeout, 1 to 3600 seconds; default 30.
         *
         * @param seconds the timeout
         * @return this builder
         */
        public Builder timeoutSecs(int seconds) {
            return set("timeout_secs", Integer.toString(seconds));
        }

        /**
         * Retries on network errors, HTTP 5xx and 429, with backoff, 0 to 10; default 2. A
         * refused login (HTTP 400) is never retried.
         *
         * @param retries the number of retries
         * @return this builder
         */
        public Builder retries(int retries) {
            return set("retries", Integer.toString(retries));
        }

        /**
         * The REST API version the connection test uses ({@code 62.0}); default the newest the
         * org lists.
         *
         * @param apiVersion the version
         * @return this builder
         */
        public Builder apiVersion(String apiVersion) {
            return set("api_version", apiVersion);
        }

        /**
         * Whether tokens are reused inside the process; default true. Salesforce allows 3,600
         * logins per user per hour.
         *
         * @param tokenCache false to log in on every {@link SalesforceJwtClient#token()}
         * @return this builder
         */
        public Builder tokenCache(boolean tokenCache) {
            return set("token_cache", Boolean.toString(tokenCache));
        }

        /**
         * How long a cached token is trusted before a new login, 1 to 86400 seconds; default
         * 900.
         *
         * @param seconds the time to live
         * @return this builder
         */
        public Builder tokenTtlSecs(long seconds) {
            return set("token_ttl_secs", Long.toString(seconds));
        }

        /**
         * Shares tokens with every process of this user on the machine (JobServer job JVMs,
         * Spark executors, Python workers) through this directory: one login per identity and
         * time to live instead of one per process. The directory is created with mode 700;
         * tokens are encrypted with a key derived from the signing key. Default: none (tokens
         * are kept in this JVM only).
         *
         * @param directory the shared token cache directory
         * @return this builder
         */
        public Builder tokenCacheDir(Path directory) {
            return set("token_cache_dir", directory.toString());
        }

        /**
         * The configuration; the builder may be reused.
         *
         * @return a new configuration
         */
        public SalesforceJwtConfig build() {
            return new SalesforceJwtConfig(this);
        }
    }
}
