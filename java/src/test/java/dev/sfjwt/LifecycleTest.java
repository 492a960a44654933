// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.ref.WeakReference;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/** Handles, panics and the error mapping: nothing may crash the JVM. */
class LifecycleTest extends EmulatorTestBase {

    @Test
    void closeTwiceThenUseThrowsIllegalState() throws Exception {
        SalesforceJwtClient client = new SalesforceJwtClient(emulator.jks().build());
        assertNotNull(client.token());
        assertFalse(client.isClosed());
        client.close();
        client.close();
        assertTrue(client.isClosed());
        IllegalStateException e = assertThrows(IllegalStateException.class, client::token);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, client::invalidate);
        assertThrows(IllegalStateException.class, client::testConnection);
    }

    @Test
    void nativePanicBecomesAnExceptionAndTheJvmGoesOn() throws Exception {
        IllegalStateException e = assertThrows(IllegalStateException.class, Native::testingPanic);
        assertTrue(e.getMessage().contains("deliberate panic from Native.testingPanic()"), e.getMessage());
        // Twice, and the library still works afterwards.
        assertThrows(IllegalStateException.class, Native::testingPanic);
        try (SalesforceJwtClient client = new SalesforceJwtClient(emulator.jks().build())) {
            assertNotNull(client.token());
        }
    }

    @Test
    void everyCoreCodeMapsToTheJavaConstantOfTheSameValue() {
        // Every number the core might use: a core code missing from the Java enum would
        // arrive as "could not build SfJwtException", not as "no error code".
        EnumSet<ErrorCode> seen = EnumSet.noneOf(ErrorCode.class);
        for (int value = 0; value <= 100; value++) {
            try {
                Native.testingError(value);
                fail("testingError(" + value + ") returned");
            } catch (SfJwtException e) {
                assertEquals(value, e.getCode().value(), e.getMessage());
                assertTrue(e.getMessage().startsWith(e.getCode().name() + ": "), e.getMessage());
                seen.add(e.getCode());
            } catch (IllegalStateException e) {
                assertTrue(e.getMessage().contains("no error code has the value " + value), e.getMessage());
            }
        }
        assertEquals(EnumSet.allOf(ErrorCode.class), seen, "the core and Java have the same codes");

        SfJwtException rejected = assertThrows(SfJwtException.class,
                () -> Native.testingError(ErrorCode.AUTH_REJECTED.value()));
        assertEquals("invalid_grant", rejected.getSalesforceError());
        assertEquals("user hasn't approved this consumer", rejected.getSalesforceErrorDescription());
        assertEquals(400, rejected.getHttpStatus());
        assertEquals("approve the consumer once", rejected.getHint());
        SfJwtException api = assertThrows(SfJwtException.class, () -> Native.testingError(ErrorCode.API.value()));
        assertEquals("INVALID_SESSION_ID", api.getApiErrorCode());
        assertEquals(401, api.getHttpStatus());
        assertEquals(null, api.getSalesforceError());
    }

    @Test
    void bridgeMisuseThrowsInsteadOfCrashing() {
        assertThrows(RuntimeException.class, () -> Native.clientNew(null));
        assertThrows(RuntimeException.class, () -> Native.clientNew(new SalesforceJwtConfig.NativeSettings(null,
                new String[0], new String[0], new char[0][], new String[0], new String[0], new byte[0][],
                new String[0])));
        assertThrows(IllegalStateException.class, () -> Native.clientNew(new SalesforceJwtConfig.NativeSettings(
                new String[] {"issuer"}, new String[0], new String[0], new char[0][], new String[0], new String[0],
                new byte[0][], new String[0])));
        assertThrows(IllegalStateException.class, () -> Native.clientNew(new SalesforceJwtConfig.NativeSettings(
                new String[0], new String[0], new String[0], new char[0][], new String[0],
                new String[] {"keystore_base64"}, new byte[0][], new String[0])));
        assertThrows(IllegalStateException.class, () -> Native.clientToken(0));
        assertThrows(IllegalStateException.class, () -> Native.clientInvalidate(0));
        Native.clientFree(0);
    }

    /**
     * Handles reach native code only from this package: the native methods and the handle owner
     * are package-private, so code outside sfjwt cannot free a handle twice or pass a forged one
     * (and the jar seals the package, see PackagedJarIT).
     */
    @Test
    void noCodeOutsideThePackageCanReachAHandle() throws Exception {
        for (Class<?> internal : new Class<?>[] {Native.class, NativeHandle.class}) {
            assertFalse(Modifier.isPublic(internal.getModifiers()), internal + " is public");
        }
        for (Method method : Native.class.getDeclaredMethods()) {
            assertFalse(Modifier.isPublic(method.getModifiers()), method + " is public");
        }
        for (Class<?> api : new Class<?>[] {SalesforceJwtClient.class, AccessToken.class, SalesforceJwtConfig.class,
                ConnectionReport.class, dev.sfjwt.internal.NativeLibrary.class}) {
            for (Method method : api.getDeclaredMethods()) {
                boolean takesAHandle = Arrays.asList(method.getParameterTypes()).contains(long.class);
                assertFalse(Modifier.isPublic(method.getModifiers()) && Modifier.isNative(method.getModifiers()),
                        method + " is a public native method");
                assertFalse(Modifier.isPublic(method.getModifiers()) && takesAHandle
                        && method.getName().startsWith("client"), method + " takes a handle");
            }
        }
    }

    @Test
    void anUnclosedClientIsFreedByTheBackstop() throws Exception {
        int before = NativeHandle.registered();
        WeakReference<SalesforceJwtClient> weak = new WeakReference<>(new SalesforceJwtClient(emulator.jks().build()));
        assertEquals(before + 1, NativeHandle.registered());
        for (int i = 0; i < 250 && (weak.get() != null || NativeHandle.registered() != before); i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(null, weak.get(), "collected");
        assertEquals(before, NativeHandle.registered(), "the backstop freed the unclosed client");
        // The next client drains the backstop queue; it must work normally.
        try (SalesforceJwtClient client = new SalesforceJwtClient(emulator.jks().build())) {
            assertNotNull(client.token());
        }
    }
}
