// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
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
