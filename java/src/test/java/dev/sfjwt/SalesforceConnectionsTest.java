// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link SalesforceConnections#request}: only Salesforce's own dead-session answer is answered
 * with a new login. The emulator's faults give the 401 bodies; its log counts the logins.
 */
class SalesforceConnectionsTest extends EmulatorTestBase {
    static final String LIMITS = "/services/data/v62.0/limits";
    /** Salesforce's answer for an expired or revoked session. */
    static final String INVALID_SESSION =
            "[{\"message\":\"Session expired or invalid\",\"errorCode\":\"INVALID_SESSION_ID\"}]";
    /**
     * Another error whose text, and a value nested in it, name INVALID_SESSION_ID: a substring
     * match takes it for a dead session, and a new login would not cure it.
     */
    static final String ANOTHER_ERROR = "[{\"message\":\"INVALID_SESSION_ID is not the reason\","
            + "\"errorCode\":\"INSUFFICIENT_ACCESS\",\"cause\":{\"errorCode\":\"INVALID_SESSION_ID\"}}]";

    private static SSLSocketFactory defaultTls;

    /** HttpURLConnection uses the JVM's default TLS: it trusts the emulator's CA while this class runs. */
    @BeforeAll
    static void trustTheEmulator() throws Exception {
        defaultTls = HttpsURLConnection.getDefaultSSLSocketFactory();
        HttpsURLConnection.setDefaultSSLSocketFactory(emulator.tls().getSocketFactory());
    }

    @AfterAll
    static void restoreTheDefaultTls() {
        HttpsURLConnection.setDefaultSSLSocketFactory(defaultTls);
    }

    /** A fault that answers the next request of {@code path} with HTTP 401 and {@code body}. */
    static String unauthorized(String path, String body) {
        String quoted = body.replace("\\", "\\\\").replace("\"", "\\\"");
        return "[{\"path_prefix\":\"" + path + "\",\"times\":1,"
                + "\"action\":{\"kind\":\"status\",\"status\":401,\"body\":\"" + quoted + "\"}}]";
    }

    @Test
    void onlySalesforcesSessionErrorIsAnsweredWithALogin() throws Exception {
        try (SalesforceJwtClient client = new SalesforceJwtClient(emulator.jks().build())) {
            client.token();
            long logins = emulator.logins(Emulator.USER);

            emulator.faults(unauthorized(LIMITS, ANOTHER_ERROR));
            SalesforceConnections.Response other = SalesforceConnections.request(client, "GET", LIMITS, null, null);
            assertEquals(401, other.getStatus());
            assertEquals(ANOTHER_ERROR, other.getBodyText());
            assertEquals(logins, emulator.logins(Emulator.USER), "no new login");

            emulator.faults(unauthorized(LIMITS, INVALID_SESSION));
            SalesforceConnections.Response retried =
                    SalesforceConnections.request(client, "GET", LIMITS, null, null);
            assertEquals(200, retried.getStatus());
            assertEquals(logins + 1, emulator.logins(Emulator.USER), "one new login");
        }
    }
}
