// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Fuzz target: `/services/oauth2/userinfo`, as the connection test's identity step reads it.
//! The invariants checked are in `sfjwt::fuzzing` (src/fuzzing.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = sfjwt::fuzzing::userinfo(data);
});
