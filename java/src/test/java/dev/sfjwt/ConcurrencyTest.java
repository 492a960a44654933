// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Many Java threads, one native client, one login. */
class ConcurrencyTest {
    private static final int THREADS = 32;

    @Test
    void thirtyTwoThreadsOnAColdClientShareOneLogin() throws Exception {
        // A fresh emulator: its URL is part of the token cache's key, so the cache is cold.
        try (Emulator emulator = Emulator.start();
                SalesforceJwtClient client = new SalesforceJwtClient(emulator.jks().build())) {
            assertEquals(0, emulator.logins());
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                CountDownLatch ready = new CountDownLatch(THREADS);
                CountDownLatch go = new CountDownLatch(1);
                List<Future<String>> tokens = new ArrayList<>();
                for (int i = 0; i < THREADS; i++) {
                    tokens.add(pool.submit(() -> {
                        ready.countDown();
                        go.await();
                        return client.token().getAccessToken();
                    }));
                }
                ready.await(30, TimeUnit.SECONDS);
                go.countDown();
                Set<String> distinct = new HashSet<>();
                for (Future<String> token : tokens) {
                    distinct.add(token.get(60, TimeUnit.SECONDS));
                }
                assertEquals(1, distinct.size(), "every thread got the same token");
            } finally {
                pool.shutdownNow();
            }
            assertEquals(1, emulator.logins(), "exactly one login in the emulator's log");
        }
    }
}
