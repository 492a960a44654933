// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Fuzz target: the token endpoint's answer, as `oauth::request_token` interprets it.
//! The invariants checked are in `sfjwt::fuzzing` (src/fuzzing.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = sfjwt::fuzzing::token_response(data);
});
