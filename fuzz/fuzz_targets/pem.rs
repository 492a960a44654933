// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Fuzz target: the PEM reader: PKCS#8, PKCS#1, encrypted PKCS#8, certificates.
//! The invariants checked are in `sfjwt::fuzzing` (src/fuzzing.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = sfjwt::fuzzing::pem(data);
});
