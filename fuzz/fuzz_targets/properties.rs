// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Fuzz target: `parse_properties` and `ConfigBuilder::apply_properties`.
//! The invariants checked are in `sfjwt::fuzzing` (src/fuzzing.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = sfjwt::fuzzing::properties(data);
});
