// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Consumer;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** sfjwt's events in java.util.logging, logger {@code dev.sfjwt}, against the emulator. */
class LoggingTest extends EmulatorTestBase {
    /** Only a guard against a hang: a regression fails here instead of stopping the build. */
    private static final Duration HANG_GUARD = Duration.ofSeconds(60);

    private final List<LogRecord> records = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public synchronized void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final Logger logger = Logger.getLogger("dev.sfjwt");
    private Level previous;

    @BeforeEach
    void captureTheLog() {
        previous = logger.getLevel();
        logger.setLevel(Level.ALL);
        capture.setLevel(Level.ALL);
        logger.addHandler(capture);
    }

    @AfterEach
    void release() {
        logger.removeHandler(capture);
        logger.setLevel(previous);
    }

    /** A handler that runs {@code action} on the first record mentioning {@code user}, once. */
    private Handler onceFor(String user, Consumer<LogRecord> action) {
        AtomicBoolean done = new AtomicBoolean();
        return new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getMessage().contains(user) && done.compareAndSet(false, true)) {
                    action.accept(record);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
    }

    /** What the handler's own {@code token()} call ended with: a token or an exception. */
    private static void callToken(SalesforceJwtClient client, AtomicReference<Object> outcome) {
        try {
            outcome.set(client.token());
        } catch (SfJwtException | RuntimeException e) {
            outcome.set(e);
        }
    }

    /**
     * A StampedLock whose readers wait while a writer waits, as Java 8's and 11's do (the Javas
     * the jar is for). Java 12's rewrite lets {@code readLock()} barge past a waiting writer once,
     * so there the deadlock shows only under contention; this makes it certain. A waiting reader
     * gives up when interrupted (the hang guard's timeout), so a regression fails and stops.
     */
    private static final class WriterFirstLock extends StampedLock {
        private static final long serialVersionUID = 1L;
        private final AtomicInteger waitingWriters = new AtomicInteger();

        @Override
        public long writeLock() {
            waitingWriters.incrementAndGet();
            try {
                return super.writeLock();
            } finally {
                waitingWriters.decrementAndGet();
            }
        }

        @Override
        public long readLock() {
            while (waitingWriters.get() > 0) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new IllegalStateException("a reader queued behind a waiting writer");
                }
                Thread.yield();
            }
            return super.readLock();
        }
    }

    /** Gives {@code client}'s handle a {@link WriterFirstLock}. */
    private static void writerFirst(SalesforceJwtClient client) throws ReflectiveOperationException {
        Field handleField = SalesforceJwtClient.class.getDeclaredField("handle");
        handleField.setAccessible(true);
        Field lockField = NativeHandle.class.getDeclaredField("lock");
        lockField.setAccessible(true);
        lockField.set(handleField.get(client), new WriterFirstLock());
    }

    /**
     * A handler that calls {@code token()} on the client whose call logs, while another thread's
     * {@code close()} of that client waits for the call: the handler's call must not queue behind
     * the close (which waits for the outer call: a deadlock), and gets the token.
     */
    @Test
    void aHandlerCallingTokenWhileAnotherThreadClosesTheClientDoesNotDeadlock() throws Exception {
        String user = Emulator.NESTED_USERS[0];
        SalesforceJwtConfig config = emulator.jks().subject(user).build();
        try (SalesforceJwtClient warm = new SalesforceJwtClient(config)) {
            AccessToken cached = warm.token();
            // Another client of the identity: its first token() is a cache hit in the core,
            // logged outside any login, on the calling thread, inside the client's read lock.
            SalesforceJwtClient client = new SalesforceJwtClient(config);
            writerFirst(client);
            CountDownLatch inHandler = new CountDownLatch(1);
            Thread closer = new Thread(() -> {
                try {
                    inHandler.await();
                } catch (InterruptedException e) {
                    return;
                }
                client.close();
            }, "closer");
            closer.setDaemon(true);
            AtomicReference<Object> nested = new AtomicReference<>();
            Handler handler = onceFor("token cache hit for " + user, record -> {
                inHandler.countDown();
                // Until close() waits for the lock (not for the latch any more).
                while (!(LockSupport.getBlocker(closer) instanceof StampedLock)) {
                    Thread.yield();
                }
                callToken(client, nested);
            });
            logger.addHandler(handler);
            try {
                closer.start();
                // Not closed on failure: a deadlocked client's close() would hang the test.
                AccessToken outer = assertTimeoutPreemptively(HANG_GUARD, client::token);
                assertEquals(cached.getAccessToken(), outer.getAccessToken());
            } finally {
                logger.removeHandler(handler);
            }
            assertInstanceOf(AccessToken.class, nested.get(), String.valueOf(nested.get()));
            assertEquals(cached.getAccessToken(), ((AccessToken) nested.get()).getAccessToken());
            closer.join(TimeUnit.SECONDS.toMillis(HANG_GUARD.getSeconds()));
            assertFalse(closer.isAlive(), "close() returned after the call");
            assertTrue(client.isClosed());
            assertEquals(1, emulator.logins(user));
        }
    }

    /**
     * A handler that calls {@code token()} for the same identity during the first login (cold
     * cache): the core emits the login's records after its single flight lands, so the nested
     * call finds the fresh token instead of waiting for the flight its own thread runs.
     */
    @Test
    void aHandlerCallingTokenDuringTheFirstLoginGetsTheFreshToken() throws Exception {
        String user = Emulator.NESTED_USERS[1];
        // Not closed on failure: a client stuck in its login would hang close().
        SalesforceJwtClient client = new SalesforceJwtClient(emulator.jks().subject(user).build());
        AtomicReference<Object> nested = new AtomicReference<>();
        Handler handler = onceFor(user, record -> callToken(client, nested));
        logger.addHandler(handler);
        try {
            AccessToken outer = assertTimeoutPreemptively(HANG_GUARD, client::token);
            assertInstanceOf(AccessToken.class, nested.get(), String.valueOf(nested.get()));
            assertEquals(outer.getAccessToken(), ((AccessToken) nested.get()).getAccessToken());
        } finally {
            logger.removeHandler(handler);
        }
        assertEquals(1, emulator.logins(user), "one login for both calls");
        client.close();
    }

    @Test
    void aHandlerThatThrowsDoesNotFailTheCallThatLogged() throws Exception {
        Handler throwing = onceFor("", record -> {
            throw new IllegalStateException("the handler's own bug");
        });
        logger.addHandler(throwing);
        try (SalesforceJwtClient client = new SalesforceJwtClient(emulator.jks().build())) {
            assertInstanceOf(AccessToken.class, client.token());
        } finally {
            logger.removeHandler(throwing);
        }
    }

    private synchronized List<LogRecord> recordsWith(String needle) {
        return records.stream().filter(r -> r.getMessage().contains(needle)).collect(Collectors.toList());
    }

    @Test
    void aLoginIsLoggedWithItsUrlUserAndDurationAndNoSecret() throws Exception {
        String user = Emulator.LOGGING_USER;
        AccessToken token;
        try (SalesforceJwtClient client = new SalesforceJwtClient(emulator.jks().subject(user).build());
                SalesforceJwtClient second = new SalesforceJwtClient(emulator.jks().subject(user).build())) {
            client.invalidate();
            token = client.token();
            second.token(); // another client of the same identity: a cache hit
        }
        List<LogRecord> mine = recordsWith(user);
        assertTrue(mine.stream().anyMatch(r -> r.getLevel() == Level.FINE
                && r.getMessage().equals("logging in to " + emulator.baseUrl() + " as " + user)), mine::toString);
        List<LogRecord> logins = mine.stream()
                .filter(r -> r.getLevel() == Level.INFO && r.getMessage().startsWith("logged in to "))
                .collect(Collectors.toList());
        assertEquals(1, logins.size(), mine::toString);
        assertTrue(logins.get(0).getMessage().contains(" ms (instance " + emulator.baseUrl()), logins.get(0).getMessage());
        assertEquals("dev.sfjwt", logins.get(0).getLoggerName());
        assertTrue(mine.stream().anyMatch(r -> r.getLevel() == Level.FINER
                && r.getMessage().startsWith("token cache hit for " + user)), mine::toString);
        for (LogRecord record : records) {
            assertFalse(record.getMessage().contains(token.getAccessToken()), "a token in the log");
            assertFalse(record.getMessage().contains("changeit1"), "a password in the log");
        }
    }

    @Test
    void aFailedLoginIsAWarningWithItsCode() {
        SalesforceJwtConfig config = emulator.jks().subject(Emulator.UNAPPROVED_USER).build();
        try (SalesforceJwtClient client = new SalesforceJwtClient(config)) {
            client.token();
        } catch (SfJwtException expected) {
            assertEquals(ErrorCode.AUTH_REJECTED, expected.getCode());
        }
        List<LogRecord> failed = recordsWith("as " + Emulator.UNAPPROVED_USER + " failed after");
        assertFalse(failed.isEmpty(), records::toString);
        assertEquals(Level.WARNING, failed.get(0).getLevel());
        assertTrue(failed.get(0).getMessage().contains("[AUTH_REJECTED]"), failed.get(0).getMessage());
    }
}
