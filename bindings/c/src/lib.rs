// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The C ABI of sfjwt: `libsfjwt.so` / `libsfjwt.a` and `include/sfjwt.h`.
//!
//! Every function here converts its arguments, calls one function of the core crate
//! and converts the result back; the logic lives in the core. The conventions, also
//! written in `bindings/c/README.md` and at the top of the header:
//!
//! - Names are `sfjwt_<type>_<verb>`; every object is opaque and comes with a
//!   `_free(T **)` that accepts NULL (or a pointer to NULL) and writes NULL back.
//! - A fallible function returns `sfjwt_error *`: NULL on success, else an error the
//!   caller frees with `sfjwt_error_free`. Its outputs come last, end in `_out`, and
//!   are written only on success.
//! - Every pointer argument is checked: NULL where an object is required, or a
//!   string that is not UTF-8, gives a CONFIG error (or NULL / 0 / false from an
//!   accessor, as each function documents).
//! - Strings handed out are borrowed from their object and stay valid until that
//!   object is freed.
//! - No panic crosses the boundary: every exported function runs under
//!   [`panic::guard`] (`build.rs` refuses to build one that does not), and a caught
//!   panic becomes an INTERNAL error.

#![deny(clippy::undocumented_unsafe_blocks)]
#![deny(unsafe_op_in_unsafe_fn)]

// cbindgen writes the header in the order of these modules, kept apart so that
// rustfmt does not sort them: errors, settings, clients and tokens, the
// connection test.
mod error;

mod config;

mod client;

mod report;

mod logging;

#[cfg(feature = "testing")]
mod testing;

mod ffi;
mod panic;

use std::ffi::c_char;

use panic::guard;

/// The version of the library, e.g. `"0.1.0"`.
///
/// Ownership: the string is static; never free it. Thread-safety: callable from
/// any thread at any time.
#[unsafe(no_mangle)]
pub extern "C" fn sfjwt_version() -> *const c_char {
    guard(|| VERSION.as_ptr())
}

const VERSION: &std::ffi::CStr = match std::ffi::CStr::from_bytes_with_nul(
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes(),
) {
    Ok(version) => version,
    Err(_) => panic!("the package version contains a NUL byte"),
};
