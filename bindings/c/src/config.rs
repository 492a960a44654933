// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! `sfjwt_config`: the settings, set key by key or loaded from a `.properties`
//! file, with the key names of design.md.

use std::ffi::c_char;
use std::path::Path;

use sfjwt_core::ConfigBuilder;

use crate::error::sfjwt_error;
use crate::ffi::{arg_keystore_bytes, arg_mut, arg_str, free};
use crate::panic::guard;

/// Settings not yet validated: the keys of design.md (`issuer`, `subject`,
/// `keystore_path`, `keystore_password`, ...). Passwords held here are zeroized
/// when the object is freed.
#[allow(non_camel_case_types)]
pub struct sfjwt_config {
    pub(crate) builder: ConfigBuilder,
}

/// A new, empty configuration.
///
/// Ownership: the caller owns the result and frees it with `sfjwt_config_free`.
/// Thread-safety: a configuration may move between threads, but must not be
/// changed by one thread while another uses it.
///
/// Returns NULL only if the library hit a bug (a caught panic).
#[unsafe(no_mangle)]
pub extern "C" fn sfjwt_config_new() -> *mut sfjwt_config {
    guard(|| {
        Box::into_raw(Box::new(sfjwt_config {
            builder: ConfigBuilder::default(),
        }))
    })
}

/// Frees a configuration and sets `*cfg` to NULL; passwords it held are zeroized.
/// A NULL `cfg` or `*cfg` is a no-op. Clients and reports made from it are not
/// affected: they copied what they need.
///
/// Thread-safety: call it once, when no other thread uses the object any more.
///
/// # Safety
///
/// 1. `cfg` is NULL or points to a `sfjwt_config *` that is NULL or came from
///    `sfjwt_config_new` and was not freed since.
/// 2. No other thread uses the configuration during or after the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_config_free(cfg: *mut *mut sfjwt_config) {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { free(cfg) })
}

/// Sets one key from its text form, exactly as it would be written in a
/// `.properties` file: `sfjwt_config_set(cfg, "expiration_secs", "180")`. An empty
/// value clears the key (back to its default). Values are checked at once: an
/// unknown key or a bad value gives a CONFIG error that names the key and leaves
/// `cfg` unchanged.
///
/// Ownership: `key` and `value` are only read during the call; passwords are
/// copied into `cfg` and zeroized when `cfg` is freed (the caller's own buffer is
/// the caller's to wipe). Returns NULL on success, else an error the caller frees
/// with `sfjwt_error_free`.
///
/// Errors: CONFIG for a NULL argument, text that is not UTF-8, an unknown key or
/// an invalid value.
///
/// Thread-safety: no other thread may use `cfg` during the call.
///
/// # Safety
///
/// 1. `cfg` is NULL or a live configuration that no other thread uses during the
///    call.
/// 2. `key` and `value` are NULL or NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_config_set(
    cfg: *mut sfjwt_config,
    key: *const c_char,
    value: *const c_char,
) -> *mut sfjwt_error {
    guard(|| {
        // SAFETY: forwarded from this function's contract (1).
        let cfg = unsafe { arg_mut(cfg, "cfg") }?;
        // SAFETY: forwarded from this function's contract (2).
        let key = unsafe { arg_str(key, "key") }?;
        // SAFETY: forwarded from this function's contract (2); an error names the key.
        let value = unsafe { arg_str(value, key) }?;
        cfg.builder.set(key, value)?;
        Ok(())
    })
}

/// Applies the `key=value` pairs of a `.properties` file (Java's syntax: `#`
/// comments, `key=value` / `key: value`, `\` continuations and escapes) on top of
/// what `cfg` holds: keys in the file win, others stay. All or nothing: on an
/// error `cfg` is unchanged.
///
/// Ownership: `path` is only read during the call. Returns NULL on success, else
/// an error the caller frees with `sfjwt_error_free`.
///
/// Errors: CONFIG for a NULL argument, a path that is not UTF-8, a file that
/// cannot be read, an unknown key or an invalid value (the message names them).
///
/// Thread-safety: no other thread may use `cfg` during the call.
///
/// # Safety
///
/// 1. `cfg` is NULL or a live configuration that no other thread uses during the
///    call.
/// 2. `path` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_config_load_properties(
    cfg: *mut sfjwt_config,
    path: *const c_char,
) -> *mut sfjwt_error {
    guard(|| {
        // SAFETY: forwarded from this function's contract (1).
        let cfg = unsafe { arg_mut(cfg, "cfg") }?;
        // SAFETY: forwarded from this function's contract (2).
        let path = unsafe { arg_str(path, "path") }?;
        cfg.builder.apply_properties_file(Path::new(path))?;
        Ok(())
    })
}

/// Sets the keystore from its bytes instead of a file (`keystore_path`): the
/// contents of a JKS, JCEKS, PKCS#12 or PEM file, as a secret store hands them out.
/// The same as setting `keystore_base64` to their base64 text. A length of 0 clears
/// it (`data` may then be NULL). Errors name the keystore "keystore from
/// sfjwt_config_set_keystore_data"; setting both this and `keystore_path` is a CONFIG
/// error when the client is made.
///
/// Ownership: the bytes are copied into `cfg` and zeroized when `cfg` is freed; the
/// caller's buffer stays the caller's, to wipe. Returns NULL on success, else an error
/// the caller frees with `sfjwt_error_free`.
///
/// Errors: CONFIG for a NULL `cfg`, a NULL `data` with a length, or a length over
/// 16 MiB (no keystore is that large; nothing is read).
///
/// Thread-safety: no other thread may use `cfg` during the call.
///
/// # Safety
///
/// 1. `cfg` is NULL or a live configuration that no other thread uses during the
///    call.
/// 2. `data` is NULL or points to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_config_set_keystore_data(
    cfg: *mut sfjwt_config,
    data: *const u8,
    len: usize,
) -> *mut sfjwt_error {
    guard(|| {
        // SAFETY: forwarded from this function's contract (1).
        let cfg = unsafe { arg_mut(cfg, "cfg") }?;
        // SAFETY: forwarded from this function's contract (2).
        let bytes = unsafe { arg_keystore_bytes(data, len, "data") }?;
        cfg.builder
            .set_data("keystore_base64", bytes, "sfjwt_config_set_keystore_data")?;
        Ok(())
    })
}

/// Sets the mutual-TLS client keystore from its bytes instead of a file
/// (`client_cert_path`); otherwise as `sfjwt_config_set_keystore_data`, with the key
/// `client_cert_base64`.
///
/// Ownership: the bytes are copied into `cfg` and zeroized when `cfg` is freed.
/// Returns NULL on success, else an error the caller frees with `sfjwt_error_free`.
///
/// Errors: CONFIG for a NULL `cfg`, a NULL `data` with a length, or a length over
/// 16 MiB (no keystore is that large; nothing is read).
///
/// Thread-safety: no other thread may use `cfg` during the call.
///
/// # Safety
///
/// 1. `cfg` is NULL or a live configuration that no other thread uses during the
///    call.
/// 2. `data` is NULL or points to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_config_set_client_cert_data(
    cfg: *mut sfjwt_config,
    data: *const u8,
    len: usize,
) -> *mut sfjwt_error {
    guard(|| {
        // SAFETY: forwarded from this function's contract (1).
        let cfg = unsafe { arg_mut(cfg, "cfg") }?;
        // SAFETY: forwarded from this function's contract (2).
        let bytes = unsafe { arg_keystore_bytes(data, len, "data") }?;
        cfg.builder.set_data(
            "client_cert_base64",
            bytes,
            "sfjwt_config_set_client_cert_data",
        )?;
        Ok(())
    })
}
