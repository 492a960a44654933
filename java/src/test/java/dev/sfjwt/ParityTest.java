// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The parity test: every key of the core ({@code sfjwt::config::KEYS}) is a builder method and
 * every field of its token ({@code sfjwt::AccessToken::FIELDS}) a getter, so that the Java API
 * cannot fall behind the core unnoticed.
 */
class ParityTest extends EmulatorTestBase {

    /** Keys whose builder method has another name than the key's camelCase, with the reason. */
    private static final Map<String, String> RENAMED = new HashMap<String, String>();

    static {
        // Java hands over a keystore's bytes (byte[], InputStream, a resource); its base64
        // text comes from .properties files and set(key, value) only.
        RENAMED.put("keystore_base64", "keystoreData");
        RENAMED.put("client_cert_base64", "clientCertData");
    }

    @Test
    void everyConfigKeyIsABuilderMethod() {
        Set<String> methods = publicMethods(SalesforceJwtConfig.Builder.class);
        List<String> missing = new ArrayList<String>();
        for (String key : Native.testingConfigKeys()) {
            String name = RENAMED.containsKey(key) ? RENAMED.get(key) : camelCase(key);
            if (!methods.contains(name)) {
                missing.add(name + " (key " + key + ")");
            }
        }
        assertTrue(missing.isEmpty(), "Java SalesforceJwtConfig.Builder has no method " + missing
                + ": add it, or list it in ParityTest.RENAMED with the reason");
    }

    /** Java keeps these keys as {@code char[]} before any native call: the core's list, exactly. */
    @Test
    void theSecretKeysAreTheCoresList() {
        Set<String> core = new java.util.TreeSet<String>(java.util.Arrays.asList(Native.testingSecretKeys()));
        assertEquals(core, new java.util.TreeSet<String>(SalesforceJwtConfig.PASSWORD_KEYS),
                "SalesforceJwtConfig.PASSWORD_KEYS must be sfjwt::config::SECRET_KEYS");
    }

    @Test
    void everyTokenFieldIsAGetter() throws Exception {
        Set<String> methods = publicMethods(AccessToken.class);
        List<String> missing = new ArrayList<String>();
        for (String field : Native.testingTokenFields()) {
            String camel = camelCase(field);
            String getter = "get" + Character.toUpperCase(camel.charAt(0)) + camel.substring(1);
            if (!methods.contains(getter)) {
                missing.add(getter + " (field " + field + ")");
            }
        }
        assertTrue(missing.isEmpty(), "Java AccessToken has no getter " + missing
                + ": pass the field from bindings/jni/src/lib.rs new_access_token");

        try (SalesforceJwtClient client = new SalesforceJwtClient(emulator.jks().build())) {
            AccessToken token = client.token();
            assertTrue(token.getIssuedAt().matches("[0-9]+"), token.getIssuedAt());
            assertEquals(token.getId(), token.getId().replaceAll("/[^/]+/[^/]+$", "")
                    + "/" + token.getOrgId() + "/" + token.getUserId());
        }
    }

    private static Set<String> publicMethods(Class<?> type) {
        Set<String> names = new HashSet<String>();
        for (Method method : type.getDeclaredMethods()) {
            if (Modifier.isPublic(method.getModifiers())) {
                names.add(method.getName());
            }
        }
        return names;
    }

    private static String camelCase(String key) {
        StringBuilder name = new StringBuilder();
        boolean upper = false;
        for (char c : key.toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                name.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return name.toString();
    }
}
