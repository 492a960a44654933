// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Fuzz target: the emulator's SOQL parser and query engine, as `query?q=` runs them.
//! The invariants checked are in `sfjwt_emulator::fuzzing` (emulator/src/fuzzing.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = sfjwt_emulator::fuzzing::soql(data);
});
