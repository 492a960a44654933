// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Fuzz target: `/services/data/`, as the connection test's API versions step reads it.
//! The invariants checked are in `sfjwt::fuzzing` (src/fuzzing.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = sfjwt::fuzzing::api_versions(data);
});
