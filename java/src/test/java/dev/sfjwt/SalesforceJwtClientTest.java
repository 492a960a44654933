// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against the emulator: logins with each keystore kind, and each error group. */
class SalesforceJwtClientTest extends EmulatorTestBase {

    @Test
    void logsInWithJksKeystore() throws Exception {
        try (SalesforceJwtClient client = new SalesforceJwtClient(emulator.jks().build())) {
            client.invalidate();
            AccessToken token = client.token();
            assertTrue(token.getAccessToken().startsWith("00D"), "org id prefix");
            assertEquals(emulator.baseUrl(), token.getInstanceUrl());
            assertEquals("Bearer", token.getTokenType());
            assertTrue(token.getId().contains("/id/00D"), token.getId());
            assertFalse(token.toString().contains(token.getAccessToken()), "toString redacts the token");
            assertTrue(token.toString().contains("<redacted>"));
        }
    }

    @Test
    void logsInWithPkcs12Keystore() throws Exception {
        try (SalesforceJwtClient client = new SalesforceJwtClient(emulator.p12().build())) {
            client.invalidate();
            AccessToken token = client.token();
            assertTrue(token.getAccessToken().startsWith("00D"));
            assertNotNull(token.getScope());
        }
    }

    @Test
    void tokenCacheDirOutlivesTheClientAndRefusesADirectoryOthersCanChange(@TempDir Path dir) throws Exception {
        Path tokens = dir.resolve("tokens");
        // A user of its own: no other open client shares the in-process cache.
        SalesforceJwtConfig config = emulator.jks().subject(Emulator.SHARED_CACHE_USER).tokenCacheDir(tokens).build();
        long before = emulator.logins();
        String written;
        try (SalesforceJwtClient client = new SalesforceJwtClient(config)) {
            written = client.token().getAccessToken();
        }
        // The last client took the in-process token with it; the directory still has it, as a
        // client in another JVM would find it.
        try (SalesforceJwtClient later = new SalesforceJwtClient(config)) {
            assertEquals(written, later.token().getAccessToken());
        }
        assertEquals(before + 1, emulator.logins());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tokens)));

        Files.setPosixFilePermissions(tokens, PosixFilePermissions.fromString("rwxrwxrwx"));
        SfJwtException e = assertThrows(SfJwtException.class, () -> new SalesforceJwtClient(config));
        assertEquals(ErrorCode.CONFIG, e.getCode());
        assertTrue(e.getMessage().contains("token_cache_dir") && e.getMessage().contains("chmod 700"), e.getMessage());
    }

    @Test
    void cachesTheTokenUntilInvalidated() throws Exception {
        try (SalesforceJwtClient client = new SalesforceJwtClient(emulator.jks().build())) {
            client.invalidate();
            long before = emulator.logins();
            String first = client.token().getAccessToken();
            assertEquals(first, client.token().getAccessToken(), "cached");
            assertEquals(before + 1, emulator.logins());
            client.invalidate();
            assertFalse(first.equals(client.token().getAccessToken()), "a new login after invalidate()");
            assertEquals(before + 2, emulator.logins());
        }
    }

    /**
     * What a thread that got HTTP 401 with a token calls: a token that is no longer the cached
     * one changes nothing, so the fresh token another thread got stays.
     */
    @Test
    void invalidateWithATokenForgetsItOnlyWhileItIsCurrent() throws Exception {
        try (SalesforceJwtClient client = new SalesforceJwtClient(emulator.jks().build())) {
            client.invalidate();
            long before = emulator.logins();
            AccessToken stale = client.token();
            client.invalidate();
            AccessToken fresh = client.token();
            assertNotEquals(stale.getAccessToken(), fresh.getAccessToken());
            assertEquals(before + 2, emulator.logins());

            client.invalidate(stale);
            assertSame(fresh, client.token(), "a stale token's invalidation changes nothing");
            assertEquals(before + 2, emulator.logins());

            client.invalidate(fresh);
            assertNotEquals(fresh.getAccessToken(), client.token().getAccessToken());
            assertEquals(before + 3, emulator.logins());
            assertThrows(NullPointerException.class, () -> client.invalidate(null));
        }
    }

    /** The process-wide cache keeps a token while a client of that identity is open. */
    @Test
    void theLastClientToCloseTakesTheTokenWithIt() throws Exception {
        SalesforceJwtConfig config = emulator.jks().subject(Emulator.LAST_CLIENT_USER).build();
        String token;
        long before;
        try (SalesforceJwtClient keeper = new SalesforceJwtClient(config)) {
            before = emulator.logins();
            token = keeper.token().getAccessToken();
            try (SalesforceJwtClient second = new SalesforceJwtClient(config)) {
                assertEquals(token, second.token().getAccessToken(), "shared while the first is open");
            }
            assertEquals(before + 1, emulator.logins());
        }
        try (SalesforceJwtClient after = new SalesforceJwtClient(config)) {
            assertNotEquals(token, after.token().getAccessToken(), "gone with the last client");
            assertEquals(before + 2, emulator.logins());
        }
    }

    /**
     * A warm {@code token()} returns the same object while the core holds the same token, and a
     * new one as soon as the core's token changes: after {@code invalidate()} by another client of
     * the same identity, and after the token's time to live.
     */
    @Test
    void theSameTokenObjectUntilTheCoreTokenChanges() throws Exception {
        try (SalesforceJwtClient client = new SalesforceJwtClient(emulator.jks().tokenTtlSecs(1).build());
                SalesforceJwtClient other = new SalesforceJwtClient(emulator.jks().tokenTtlSecs(1).build())) {
            client.invalidate();
            AccessToken first = client.token();
            assertSame(first, client.token(), "a warm token() makes no new object");
            assertEquals(first.getAccessToken(), other.token().getAccessToken(),
                    "clients of one identity share the core's token");

            other.invalidate();
            AccessToken second = client.token();
            assertNotSame(first, second);
            assertNotEquals(first.getAccessToken(), second.getAccessToken(), "seen at once after invalidate()");
            assertSame(second, client.token());

            Thread.sleep(1100);
            AccessToken third = client.token();
            assertNotEquals(second.getAccessToken(), third.getAccessToken(), "seen at once after the TTL");
            assertSame(third, client.token());
        }
    }

    @Test
    void connectionTestPasses() throws Exception {
        try (SalesforceJwtClient client = new SalesforceJwtClient(emulator.jks().build())) {
            ConnectionReport report = client.testConnection();
            assertTrue(report.isOk(), report.toString());
            List<String> names = report.getSteps().stream().map(ConnectionReport.Step::getName)
                    .collect(Collectors.toList());
            assertEquals(Arrays.asList("load key", "sign assertion", "token request", "identity", "API versions"),
                    names);
            assertTrue(report.getSteps().stream().allMatch(ConnectionReport.Step::isOk));
            assertTrue(report.getSteps().stream().allMatch(s -> s.getDurationMillis() >= 0));
            assertNull(report.getError());
            assertNull(report.getFailedStep());
            assertEquals("62.0", report.getApiVersion());
            assertEquals(emulator.baseUrl(), report.getInstanceUrl());
            assertTrue(report.toString().contains("PASSED"), report.toString());
            assertFalse(report.toString().contains("changeit1"));
        }
    }

    @Test
    void wrongStorePasswordIsKeystorePassword() {
        SalesforceJwtConfig config = emulator.jks().keystorePassword("wrong-pass".toCharArray()).build();
        SfJwtException e = assertThrows(SfJwtException.class, () -> new SalesforceJwtClient(config));
        assertEquals(ErrorCode.KEYSTORE_PASSWORD, e.getCode());
        assertTrue(e.getMessage().contains("jks-same.jks"), e.getMessage());
        assertFalse(e.getMessage().contains("wrong-pass"), "no password in messages");
        assertNull(e.getSalesforceError());
        assertEquals(0, e.getHttpStatus());
    }

    @Test
    void missingAliasIsAliasNotFound() {
        SalesforceJwtConfig config = emulator.jks().keyAlias("no_such_alias").build();
        SfJwtException e = assertThrows(SfJwtException.class, () -> new SalesforceJwtClient(config));
        assertEquals(ErrorCode.ALIAS_NOT_FOUND, e.getCode());
        assertTrue(e.getMessage().contains("talend_certificate"), "lists the aliases present: " + e.getMessage());
    }

    @Test
    void unapprovedUserIsAuthRejectedWithSalesforcesErrorAndHint() throws Exception {
        SalesforceJwtConfig config = emulator.jks().subject(Emulator.UNAPPROVED_USER).build();
        try (SalesforceJwtClient client = new SalesforceJwtClient(config)) {
            SfJwtException e = assertThrows(SfJwtException.class, client::token);
            assertEquals(ErrorCode.AUTH_REJECTED, e.getCode());
            assertEquals("invalid_grant", e.getSalesforceError());
            assertEquals("user hasn't approved this consumer", e.getSalesforceErrorDescription());
            assertEquals(400, e.getHttpStatus());
            assertNotNull(e.getHint());
            assertFalse(e.getHint().isEmpty());
            assertTrue(e.getMessage().startsWith("AUTH_REJECTED: "), e.getMessage());

            ConnectionReport report = client.testConnection();
            assertFalse(report.isOk());
            assertEquals("token request", report.getFailedStep().getName());
            assertEquals(ErrorCode.AUTH_REJECTED, report.getError().getCode());
            assertEquals("invalid_grant", report.getError().getSalesforceError());
            assertTrue(report.toString().contains("FAILED"), report.toString());
        }
    }

    @Test
    void closedPortIsNetwork() throws Exception {
        SalesforceJwtConfig config = emulator.jks()
                .loginUrl("https://127.0.0.1:" + Emulator.closedPort())
                .build();
        try (SalesforceJwtClient client = new SalesforceJwtClient(config)) {
            SfJwtException e = assertThrows(SfJwtException.class, client::token);
            assertEquals(ErrorCode.NETWORK, e.getCode(), e.getMessage());
            assertEquals(0, e.getHttpStatus());
        }
    }

    @Test
    void invalidSettingIsConfigNamingTheKey() {
        SalesforceJwtConfig config = emulator.jks().expirationSecs(0).build();
        SfJwtException e = assertThrows(SfJwtException.class, () -> new SalesforceJwtClient(config));
        assertEquals(ErrorCode.CONFIG, e.getCode());
        assertTrue(e.getMessage().contains("expiration_secs"), e.getMessage());

        SalesforceJwtConfig missing = SalesforceJwtConfig.builder().subject("u@example.com").build();
        e = assertThrows(SfJwtException.class, () -> new SalesforceJwtClient(missing));
        assertEquals(ErrorCode.CONFIG, e.getCode());
        assertTrue(e.getMessage().contains("issuer"), e.getMessage());
    }

    @Test
    void unknownPropertyIsConfig() {
        Properties properties = new Properties();
        properties.setProperty("isuer", "typo");
        SalesforceJwtConfig config = SalesforceJwtConfig.fromProperties(properties);
        SfJwtException e = assertThrows(SfJwtException.class, () -> new SalesforceJwtClient(config));
        assertEquals(ErrorCode.CONFIG, e.getCode());
        assertTrue(e.getMessage().contains("isuer"), e.getMessage());
    }

    @Test
    void staticConnectionTestReportsKeystoreProblemsAsAFailedStep() throws Exception {
        SalesforceJwtConfig config = emulator.jks().keystorePassword("wrong".toCharArray()).build();
        ConnectionReport report = SalesforceJwtClient.testConnection(config);
        assertFalse(report.isOk());
        assertEquals(1, report.getSteps().size());
        assertEquals("load key", report.getFailedStep().getName());
        assertEquals(ErrorCode.KEYSTORE_PASSWORD, report.getError().getCode());
    }

    @Test
    void propertiesFileInTalendStyleLogsIn(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("conn.properties");
        String text = "# Talend: OAuth / Json Web Token Flow\n"
                + "issuer=" + Emulator.JKS_APP + "\n"
                + "subject=" + Emulator.USER + "\n"
                + "audience=https\\://login.salesforce.com\n"
                + "expiration_secs=180\n"
                + "keystore_path=" + Emulator.fixture("jks-same.jks").toString().replace("\\", "\\\\") + "\n"
                + "keystore_password=changeit1\n"
                + "key_alias=talend_certificate\n"
                + "login_url=" + emulator.baseUrl() + "\n"
                + "ca_file=" + emulator.caFile.toString().replace("\\", "\\\\") + "\n";
        Files.write(file, text.getBytes(UTF_8));
        SalesforceJwtConfig config = SalesforceJwtConfig.fromProperties(file);
        assertFalse(config.toString().contains("changeit1"), config.toString());
        assertTrue(config.toString().contains("keystore_password=<redacted>"), config.toString());
        try (SalesforceJwtClient client = new SalesforceJwtClient(config)) {
            assertTrue(client.testConnection().isOk());
        }

        // A file holding a password that every user can read is reported, as is a keystore.
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
            ConnectionReport report = SalesforceJwtClient.testConnection(SalesforceJwtConfig.fromProperties(file));
            assertTrue(report.isOk(), report.toString());
            String warnings = String.join("\n", report.getWarnings());
            assertTrue(warnings.contains(file.toAbsolutePath() + " can be read by every user (mode 644)"), warnings);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            report = SalesforceJwtClient.testConnection(SalesforceJwtConfig.fromProperties(file));
            assertFalse(String.join("\n", report.getWarnings()).contains(file.toAbsolutePath().toString()),
                    report.getWarnings().toString());
        }
    }

    /** UTF-8, else ISO-8859-1 (a failed UTF-8 attempt is wiped, not reused). */
    @Test
    void aPropertiesFileIsReadAsUtf8ElseAsLatin1(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("conn.properties");
        for (java.nio.charset.Charset charset : new java.nio.charset.Charset[] {UTF_8,
                java.nio.charset.StandardCharsets.ISO_8859_1}) {
            Files.write(file, "issuer=x\nsubject=jos\u00e9@example.com\n".getBytes(charset));
            String text = SalesforceJwtConfig.fromProperties(file).toString();
            assertTrue(text.contains("subject=jos\u00e9@example.com"), charset + ": " + text);
        }
    }

    @Test
    void anOversizedPropertiesFileIsRefused(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("huge.properties");
        Files.write(file, new byte[16 * 1024 * 1024 + 1]);
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> SalesforceJwtConfig.fromProperties(file));
        assertTrue(e.getMessage().contains("larger than 16 MiB"), e.getMessage());
    }

    @Test
    void toStringRedactsPasswordsAndProxyCredentials() {
        String text = emulator.jks().proxyUrl("http://proxyuser:proxy-secret@proxy.example:3128").build().toString();
        assertFalse(text.contains("changeit1"), text);
        assertFalse(text.contains("proxy-secret"), text);
        assertTrue(text.contains("proxy_url=http://<redacted>@proxy.example:3128"), text);
        assertTrue(text.contains("key_alias=talend_certificate"), text);
    }

    @Test
    void passwordsAreCopiedAndCanBeCleared() throws Exception {
        char[] mine = "changeit1".toCharArray();
        SalesforceJwtConfig.Builder builder = emulator.jks().keystorePassword(mine);
        Arrays.fill(mine, 'x');
        SalesforceJwtConfig config = builder.build();
        new SalesforceJwtClient(config).close();
        new SalesforceJwtClient(config).close();

        config.clearPasswords();
        SfJwtException e = assertThrows(SfJwtException.class, () -> new SalesforceJwtClient(config));
        assertTrue(e.getCode() == ErrorCode.KEYSTORE_PASSWORD || e.getCode() == ErrorCode.KEY_PASSWORD,
                e.getMessage());
    }
}
