// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Fuzz target: the JCEKS reader, integrity digest recomputed so mutations reach the entries.
//! The invariants checked are in `sfjwt::fuzzing` (src/fuzzing.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = sfjwt::fuzzing::jceks(data);
});
