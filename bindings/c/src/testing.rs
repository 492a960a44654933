// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Test-only entry points (cargo feature `testing`), never in release artifacts.

use sfjwt_bridge::testing::{code_of_value, sample_error};
use sfjwt_core::Error;

use crate::error::sfjwt_error;
use crate::panic::guard;

/// Panics inside the panic guard, to prove that no panic crosses the C boundary.
/// Always returns an INTERNAL error whose message carries the panic's text; the
/// caller frees it with `sfjwt_error_free`. The library stays usable afterwards.
///
/// Only in libraries built with the cargo feature `testing`; declared by the header
/// when `SFJWT_TESTING` is defined.
///
/// Thread-safety: callable from any thread.
#[unsafe(no_mangle)]
pub extern "C" fn sfjwt_testing_panic() -> *mut sfjwt_error {
    guard(|| -> Result<(), Error> { panic!("sfjwt_testing_panic was called") })
}

/// A sample core error with the code whose value is `value` (`SFJWT_CODE_CONFIG`, ...),
/// to prove that every code reaches C with its value, its name and its fields. The
/// caller frees it with `sfjwt_error_free`. NULL when no error code has that value
/// (`SFJWT_CODE_OK` among them).
///
/// Only in libraries built with the cargo feature `testing`; declared by the header
/// when `SFJWT_TESTING` is defined.
///
/// Thread-safety: callable from any thread.
#[unsafe(no_mangle)]
pub extern "C" fn sfjwt_testing_error(value: u32) -> *mut sfjwt_error {
    guard(|| match code_of_value(i64::from(value)) {
        Some(code) => Err(sample_error(code)),
        None => Ok(()),
    })
}
