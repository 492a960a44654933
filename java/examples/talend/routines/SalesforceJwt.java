// Copyright sfjwt contributors. Licensed under Apache-2.0.
package routines;

import dev.sfjwt.AccessToken;
import dev.sfjwt.SalesforceJwtClient;
import dev.sfjwt.SalesforceJwtConfig;
import dev.sfjwt.SfJwtException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;

/**
 * A Talend routine: Salesforce JWT Bearer login with sfjwt, configured by the job's context
 * variables. Every context variable named {@code <prefix><sfjwt key>} (with the prefix
 * {@code sfjwt_}: {@code sfjwt_issuer}, {@code sfjwt_subject}, {@code sfjwt_keystore_path},
 * {@code sfjwt_keystore_password}, {@code sfjwt_key_alias}, ...) becomes that sfjwt setting;
 * {@code sfjwt_keystore_resource} names a keystore packaged in the job's jar instead of a file.
 *
 * <p>One client per identity (consumer key, user, login URL) is kept for the whole JVM, so that
 * every subjob and every job of a JobServer reuses one token until it expires: Salesforce allows
 * 3,600 logins per user per hour. When the other settings of an identity change (a new keystore
 * or password), its client is replaced and the old one closed. The routine keeps no password:
 * it tells settings apart by a salted SHA-256 digest of them.
 */
public class SalesforceJwt {
    /** The settings that make an identity: its client is kept under their values. */
    private static final String[] IDENTITY = {"issuer", "subject", "audience", "login_url", "my_domain"};
    /** Per JVM, so that a digest of a guessable password cannot be looked up in a table. */
    private static final byte[] SALT = salt();
    /** Guarded by itself. */
    private static final Map<List<String>, Kept> CLIENTS = new HashMap<List<String>, Kept>();

    /**
     * login: a Salesforce session for the job, from its context variables.
     *
     * {talendTypes} Object
     *
     * {Category} SalesforceJwt
     *
     * {param} Object(context) context: the job's context ({@code context} in a tJava)
     *
     * {param} string("sfjwt_") prefix: the prefix of the context variables to read
     *
     * {example} login(context, "sfjwt_") # the token: getAccessToken(), getInstanceUrl()
     */
    public static AccessToken login(Properties context, String prefix) throws SfJwtException, IOException {
        return withClient(context, prefix, SalesforceJwtClient::token);
    }

    /**
     * forget: forgets a token Salesforce answered HTTP 401 INVALID_SESSION_ID to, so that the next
     * login() logs in again.
     *
     * {talendTypes} Object
     *
     * {Category} SalesforceJwt
     */
    public static void forget(Properties context, String prefix, AccessToken token)
            throws SfJwtException, IOException {
        withClient(context, prefix, client -> {
            client.invalidate(token);
            return null;
        });
    }

    /** What to do with a client. */
    private interface Use<T> {
        T apply(SalesforceJwtClient client) throws SfJwtException;
    }

    /**
     * Runs {@code use} with the context's client; again with the new one if another job's newer
     * settings replaced (and closed) it meanwhile.
     */
    private static <T> T withClient(Properties context, String prefix, Use<T> use)
            throws SfJwtException, IOException {
        while (true) {
            SalesforceJwtClient client = client(context, prefix);
            try {
                return use.apply(client);
            } catch (IllegalStateException e) {
                if (!client.isClosed()) {
                    throw e;
                }
            }
        }
    }

    private static SalesforceJwtClient client(Properties context, String prefix)
            throws SfJwtException, IOException {
        Properties settings = new Properties();
        for (String name : context.stringPropertyNames()) {
            if (name.startsWith(prefix)) {
                settings.setProperty(name.substring(prefix.length()), context.getProperty(name));
            }
        }
        List<String> identity = new ArrayList<String>();
        for (String key : IDENTITY) {
            identity.add(settings.getProperty(key));
        }
        byte[] digest = digest(settings);
        Kept replaced;
        SalesforceJwtClient created;
        synchronized (CLIENTS) {
            replaced = CLIENTS.get(identity);
            if (replaced != null && MessageDigest.isEqual(replaced.digest, digest)) {
                return replaced.client;
            }
            created = create(settings);
            CLIENTS.put(identity, new Kept(digest, created));
        }
        if (replaced != null) {
            // Outside the lock: close() waits for calls other jobs still make with it.
            replaced.client.close();
        }
        return created;
    }

    private static SalesforceJwtClient create(Properties settings) throws SfJwtException, IOException {
        String resource = (String) settings.remove("keystore_resource");
        SalesforceJwtConfig.Builder builder = SalesforceJwtConfig.builder().properties(settings);
        if (resource != null && !resource.isEmpty()) {
            builder.keystoreResource(resource);
        }
        SalesforceJwtConfig config = builder.build();
        try {
            return new SalesforceJwtClient(config);
        } finally {
            config.clearPasswords();
        }
    }

    private static byte[] salt() {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        return salt;
    }

    /** A salted SHA-256 of every setting, in key order, each key and value length-prefixed. */
    private static byte[] digest(Properties settings) {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
        sha256.update(SALT);
        for (String key : new TreeSet<String>(settings.stringPropertyNames())) {
            for (String text : new String[] {key, settings.getProperty(key)}) {
                byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
                sha256.update((bytes.length + ":").getBytes(StandardCharsets.UTF_8));
                sha256.update(bytes);
                Arrays.fill(bytes, (byte) 0);
            }
        }
        return sha256.digest();
    }

    /** A client and the digest of the settings it was made with. */
    private static final class Kept {
        final byte[] digest;
        final SalesforceJwtClient client;

        Kept(byte[] digest, SalesforceJwtClient client) {
            this.digest = digest;
            this.client = client;
        }
    }
}
