// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Fuzz target: the PKCS#12 reader (p12-keystore behind sfjwt's error mapping).
//! The invariants checked are in `sfjwt::fuzzing` (src/fuzzing.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = sfjwt::fuzzing::pkcs12(data);
});
