// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Where sfjwt's native code logs: the {@code java.util.logging} logger {@code dev.sfjwt}, so that
 * the JUL bridges of SLF4J and Log4j (and Talend's logging) pick the events up. Logins (INFO, with
 * the login URL, the user and the duration), their start (FINE), token cache hits and misses
 * (FINER), retries, failed logins, a clock far from Salesforce's and a certificate about to expire
 * (WARNING). No event carries a password, key, assertion or token.
 */
final class NativeLog {
    static final Logger LOGGER = Logger.getLogger("dev.sfjwt");

    private NativeLog() {
    }

    /**
     * Logs one event; native code calls it on the thread of the call that caused it.
     *
     * @param level 1 error, 2 warning, 3 info, 4 debug, 5 trace (the Rust {@code log} levels)
     * @param message the event
     */
    static void log(int level, String message) {
        Level julLevel = level <= 1 ? Level.SEVERE
                : level == 2 ? Level.WARNING
                : level == 3 ? Level.INFO
                : level == 4 ? Level.FINE
                : Level.FINER;
        try {
            LOGGER.log(julLevel, message);
        } catch (RuntimeException e) {
            // A handler's failure is the handler's: left pending, it would replace the result
            // of the call that logged (a token, say) with the handler's exception.
        }
    }
}
