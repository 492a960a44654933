// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keystores without files: bytes from a secret store, a stream, a class path resource (a keystore
 * packaged in a Talend job's jar) and base64 text, against the emulator.
 */
class KeystoreDataTest extends EmulatorTestBase {
    private static byte[] jksBytes() throws IOException {
        return Files.readAllBytes(Emulator.fixture("jks-same.jks"));
    }

    /** The emulator's JKS settings without the keystore file. */
    private static SalesforceJwtConfig.Builder withoutPath() {
        return emulator.jks().keystorePath((Path) null);
    }

    private static void logsIn(SalesforceJwtConfig config) throws SfJwtException {
        try (SalesforceJwtClient client = new SalesforceJwtClient(config)) {
            client.invalidate();
            assertTrue(client.token().getAccessToken().startsWith("00D"));
        }
    }

    @Test
    void logsInWithTheKeystoreAsBytesOrAStream() throws Exception {
        byte[] bytes = jksBytes();
        long before = emulator.logins();
        logsIn(withoutPath().keystoreData(bytes).build());
        logsIn(withoutPath().keystoreData(new ByteArrayInputStream(bytes)).build());
        assertEquals(before + 2, emulator.logins());
    }

    @Test
    void logsInWithAKeystorePackagedAsAClassPathResource(@TempDir Path dir) throws Exception {
        // A job jar's class loader, as Talend Studio and the Talend runtime set it.
        Path keys = Files.createDirectories(dir.resolve("keys"));
        Files.write(keys.resolve("salesforce.jks"), jksBytes());
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        try (URLClassLoader jobLoader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, previous)) {
            Thread.currentThread().setContextClassLoader(jobLoader);
            logsIn(withoutPath().keystoreResource("/keys/salesforce.jks").build());
            IOException missing = assertThrows(IOException.class,
                    () -> withoutPath().keystoreResource("keys/missing.jks"));
            assertTrue(missing.getMessage().contains("classpath:keys/missing.jks"), missing.getMessage());
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
    }

    @Test
    void logsInWithBase64TextAsASecretStoreGivesIt() throws Exception {
        // Line-wrapped, as `base64 keystore.jks` and MIME encoders write it.
        String text = new String(Base64.getMimeEncoder().encode(jksBytes()), US_ASCII);
        assertTrue(text.contains("\r\n"));
        SalesforceJwtConfig config = withoutPath().set("keystore_base64", text).build();
        assertFalse(config.toString().contains(text.substring(0, 40)), config.toString());
        logsIn(config);
    }

    @Test
    void errorsNameTheSourceAndNeverTheData() throws Exception {
        byte[] bytes = jksBytes();
        SalesforceJwtConfig wrongPassword = withoutPath().keystoreData(bytes)
                .keystorePassword("wrong-pass".toCharArray()).build();
        SfJwtException wrong = assertThrows(SfJwtException.class, () -> new SalesforceJwtClient(wrongPassword));
        assertEquals(ErrorCode.KEYSTORE_PASSWORD, wrong.getCode());
        assertTrue(wrong.getMessage().contains("keystore from keystoreData(byte[])"), wrong.getMessage());

        String shown = withoutPath().keystoreData(bytes).build().toString();
        assertTrue(shown.contains("keystore_base64=<redacted: " + bytes.length + " bytes from keystoreData(byte[])>"),
                shown);

        SfJwtException both = assertThrows(SfJwtException.class,
                () -> new SalesforceJwtClient(emulator.jks().keystoreData(bytes).build()));
        assertEquals(ErrorCode.CONFIG, both.getCode());
        assertTrue(both.getMessage().contains("keystore_path"), both.getMessage());

        SfJwtException notBase64 = assertThrows(SfJwtException.class,
                () -> new SalesforceJwtClient(withoutPath().set("keystore_base64", "s3cr3t!pa$$word").build()));
        assertEquals(ErrorCode.CONFIG, notBase64.getCode());
        assertTrue(notBase64.getMessage().contains("keystore_base64"), notBase64.getMessage());
        assertFalse(notBase64.getMessage().contains("s3cr3t"), notBase64.getMessage());
    }

    @Test
    void clearPasswordsWipesTheKeystoreBytesToo() throws Exception {
        SalesforceJwtConfig config = withoutPath().keystoreData(jksBytes()).clientCertData(jksBytes()).build();
        config.clearPasswords();
        assertFalse(config.toString().contains("keystore_base64"), config.toString());
        SfJwtException missing = assertThrows(SfJwtException.class, () -> new SalesforceJwtClient(config));
        assertEquals(ErrorCode.CONFIG, missing.getCode());
        assertTrue(missing.getMessage().contains("keystore_path"), missing.getMessage());
    }
}
