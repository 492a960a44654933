// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** A test class that shares one emulator among its tests, started before them and stopped after. */
abstract class EmulatorTestBase {
    /** The emulator of the running test class. */
    static Emulator emulator;

    @BeforeAll
    static void startEmulator() throws Exception {
        emulator = Emulator.start();
    }

    @AfterAll
    static void stopEmulator() {
        emulator.close();
    }
}
