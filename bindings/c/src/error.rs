// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! `sfjwt_error` and `sfjwt_code`: the error object every fallible function
//! returns, and the stable codes of design.md.

use std::ffi::{CString, c_char};
use std::ptr;

use sfjwt_core::{Error, ErrorCode};

use crate::ffi::{c_string, free, opt_ptr};
use crate::panic::{CReturn, guard};

/// The stable error codes, shared by every language; the numbers never change and
/// are never reused. They are also the exit codes of the `sfjwt` command.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum sfjwt_code {
    /// Success: what `sfjwt_error_code(NULL)` returns.
    Ok = 0,
    /// A missing or invalid setting, a NULL argument or a string that is not
    /// UTF-8; the message names the key or argument.
    Config = 1,
    /// The keystore file is missing or unreadable; the message names the path.
    KeystoreIo = 10,
    /// Not a recognised keystore, or corrupt or truncated.
    KeystoreFormat = 11,
    /// Wrong store password: the integrity check failed.
    KeystorePassword = 12,
    /// The alias is absent; the message lists the aliases present.
    AliasNotFound = 13,
    /// The alias names a trusted-certificate entry, not a private key.
    NotAPrivateKey = 14,
    /// Wrong key password.
    KeyPassword = 15,
    /// Not an RSA key of at least 2048 bits (RS256 only).
    UnsupportedKey = 16,
    /// DNS failure, connection refused or reset.
    Network = 20,
    /// Connect or response timeout.
    Timeout = 21,
    /// TLS handshake or certificate verification failure.
    Tls = 22,
    /// The token endpoint refused the assertion: see
    /// `sfjwt_error_salesforce_error`, `_salesforce_error_description`,
    /// `_http_status` and `_hint`.
    AuthRejected = 30,
    /// An unexpected HTTP status or a body that is not JSON.
    Http = 31,
    /// Malformed or incomplete JSON from Salesforce.
    Protocol = 32,
    /// A REST call failed after login; see `sfjwt_error_api_error_code`.
    Api = 33,
    /// A bug in sfjwt, including a panic caught at the C boundary.
    Internal = 99,
}

impl From<ErrorCode> for sfjwt_code {
    /// The one mapping of the core's codes: a new core code breaks this build.
    fn from(code: ErrorCode) -> sfjwt_code {
        match code {
            ErrorCode::Config => sfjwt_code::Config,
            ErrorCode::KeystoreIo => sfjwt_code::KeystoreIo,
            ErrorCode::KeystoreFormat => sfjwt_code::KeystoreFormat,
            ErrorCode::KeystorePassword => sfjwt_code::KeystorePassword,
            ErrorCode::AliasNotFound => sfjwt_code::AliasNotFound,
            ErrorCode::NotAPrivateKey => sfjwt_code::NotAPrivateKey,
            ErrorCode::KeyPassword => sfjwt_code::KeyPassword,
            ErrorCode::UnsupportedKey => sfjwt_code::UnsupportedKey,
            ErrorCode::Network => sfjwt_code::Network,
            ErrorCode::Timeout => sfjwt_code::Timeout,
            ErrorCode::Tls => sfjwt_code::Tls,
            ErrorCode::AuthRejected => sfjwt_code::AuthRejected,
            ErrorCode::Http => sfjwt_code::Http,
            ErrorCode::Protocol => sfjwt_code::Protocol,
            ErrorCode::Api => sfjwt_code::Api,
            ErrorCode::Internal => sfjwt_code::Internal,
        }
    }
}

/// An error: its code, message and, for refusals and HTTP failures, what
/// Salesforce said. Immutable once made.
#[allow(non_camel_case_types)]
pub struct sfjwt_error {
    code: sfjwt_code,
    code_name: CString,
    message: CString,
    salesforce_error: Option<CString>,
    salesforce_error_description: Option<CString>,
    hint: Option<CString>,
    http_status: u16,
    api_error_code: Option<CString>,
}

impl From<&Error> for sfjwt_error {
    fn from(error: &Error) -> sfjwt_error {
        let rejection = error.rejection();
        sfjwt_error {
            code: error.code().into(),
            code_name: c_string(error.code().name()),
            message: c_string(error.to_string()),
            salesforce_error: rejection.map(|r| c_string(r.error.as_str())),
            salesforce_error_description: rejection.map(|r| c_string(r.error_description.as_str())),
            hint: rejection.map(|r| c_string(r.hint.as_str())),
            http_status: error.http_status().unwrap_or(0),
            api_error_code: error.api_error_code().map(c_string),
        }
    }
}

/// Reads a field of an error that may be NULL.
///
/// # Safety
///
/// `error` is NULL or points to a live `sfjwt_error`.
unsafe fn field<T>(
    error: *const sfjwt_error,
    read: impl FnOnce(&sfjwt_error) -> T,
    absent: T,
) -> T {
    // SAFETY: the caller promises NULL or a live error; errors are never mutated.
    match unsafe { error.as_ref() } {
        Some(error) => read(error),
        None => absent,
    }
}

/// The code of `error`; `SFJWT_CODE_OK` when `error` is NULL, so the result of any
/// fallible call can be passed in as it is.
///
/// Thread-safety: errors are immutable; any thread may read one.
///
/// # Safety
///
/// 1. `error` is NULL or an error from this library that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_error_code(error: *const sfjwt_error) -> sfjwt_code {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { field(error, |e| e.code, sfjwt_code::Ok) })
}

/// The name of the code of `error` (`"AUTH_REJECTED"`, ...), as the Java and
/// Python bindings spell it; `"OK"` when `error` is NULL.
///
/// Ownership: borrowed from `error` (static for NULL); valid until `error` is
/// freed. Never NULL.
///
/// Thread-safety: errors are immutable; any thread may read one.
///
/// # Safety
///
/// 1. `error` is NULL or an error from this library that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_error_code_name(error: *const sfjwt_error) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { field(error, |e| e.code_name.as_ptr(), c"OK".as_ptr()) })
}

/// The message of `error`: what failed, naming the key, file, alias or URL
/// concerned, and what to do. It never contains a password, key or token.
///
/// Ownership: borrowed from `error`; valid until `error` is freed. NULL when
/// `error` is NULL.
///
/// Thread-safety: errors are immutable; any thread may read one.
///
/// # Safety
///
/// 1. `error` is NULL or an error from this library that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_error_message(error: *const sfjwt_error) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { field(error, |e| e.message.as_ptr(), ptr::null()) })
}

/// Salesforce's OAuth `error` (`"invalid_grant"`, ...) for an AUTH_REJECTED error.
///
/// Ownership: borrowed from `error`; valid until `error` is freed. NULL when
/// `error` is NULL or is not a refusal from Salesforce.
///
/// Thread-safety: errors are immutable; any thread may read one.
///
/// # Safety
///
/// 1. `error` is NULL or an error from this library that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_error_salesforce_error(error: *const sfjwt_error) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { field(error, |e| opt_ptr(&e.salesforce_error), ptr::null()) })
}

/// Salesforce's `error_description` (`"user hasn't approved this consumer"`, ...)
/// for an AUTH_REJECTED error.
///
/// Ownership: borrowed from `error`; valid until `error` is freed. NULL when
/// `error` is NULL or is not a refusal from Salesforce.
///
/// Thread-safety: errors are immutable; any thread may read one.
///
/// # Safety
///
/// 1. `error` is NULL or an error from this library that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_error_salesforce_error_description(
    error: *const sfjwt_error,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe {
        field(
            error,
            |e| opt_ptr(&e.salesforce_error_description),
            ptr::null(),
        )
    })
}

/// How to fix an AUTH_REJECTED error (approve the consumer, check the
/// certificate's fingerprint, fix the audience, ...).
///
/// Ownership: borrowed from `error`; valid until `error` is freed. NULL when
/// `error` is NULL or is not a refusal from Salesforce.
///
/// Thread-safety: errors are immutable; any thread may read one.
///
/// # Safety
///
/// 1. `error` is NULL or an error from this library that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_error_hint(error: *const sfjwt_error) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { field(error, |e| opt_ptr(&e.hint), ptr::null()) })
}

/// The HTTP status of an AUTH_REJECTED, HTTP or API error (400, 503, 401, ...);
/// 0 when there is none or `error` is NULL.
///
/// Thread-safety: errors are immutable; any thread may read one.
///
/// # Safety
///
/// 1. `error` is NULL or an error from this library that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_error_http_status(error: *const sfjwt_error) -> u16 {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { field(error, |e| e.http_status, 0) })
}

/// Salesforce's REST `errorCode` (`"INVALID_SESSION_ID"`, ...) for an API error.
///
/// Ownership: borrowed from `error`; valid until `error` is freed. NULL when
/// `error` is NULL or is not an API error.
///
/// Thread-safety: errors are immutable; any thread may read one.
///
/// # Safety
///
/// 1. `error` is NULL or an error from this library that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_error_api_error_code(error: *const sfjwt_error) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { field(error, |e| opt_ptr(&e.api_error_code), ptr::null()) })
}

/// Frees an error returned by a fallible function and sets `*error` to NULL.
/// A NULL `error` or `*error` is a no-op. Never pass the error borrowed from a
/// report (`sfjwt_report_error`): the report owns it.
///
/// Thread-safety: call it once, when no other thread uses the object any more.
///
/// # Safety
///
/// 1. `error` is NULL or points to a `sfjwt_error *` that is NULL or was returned
///    by this library and not freed since.
/// 2. No other thread uses the error during or after the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_error_free(error: *mut *mut sfjwt_error) {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { free(error) })
}

/// A fallible function's result for C: NULL on success, else an error the caller
/// frees; after a panic, an INTERNAL error carrying the panic's text.
impl CReturn for Result<(), Error> {
    type C = *mut sfjwt_error;

    fn into_c(self) -> *mut sfjwt_error {
        match self {
            Ok(()) => ptr::null_mut(),
            Err(error) => Box::into_raw(Box::new(sfjwt_error::from(&error))),
        }
    }

    fn panicked(message: String) -> *mut sfjwt_error {
        Err(Error::Internal(message)).into_c()
    }
}

impl CReturn for sfjwt_code {
    type C = sfjwt_code;

    fn into_c(self) -> sfjwt_code {
        self
    }

    fn panicked(_message: String) -> sfjwt_code {
        sfjwt_code::Internal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_values_are_the_core_values() {
        for code in ErrorCode::ALL {
            assert_eq!(sfjwt_code::from(code) as u32, code.value(), "{code}");
        }
        assert_eq!(sfjwt_code::Ok as u32, 0);
    }
}
