// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The checks that turn C pointers into Rust references, out-parameters, `_free`, and
//! the strings handed to C (rustls-ffi's `ffi.rs` is the model).

use std::ffi::{CStr, CString, c_char};
use std::ptr;

use sfjwt_core::Error;

/// The CONFIG error for a NULL argument.
pub(crate) fn null_argument(name: &str) -> Error {
    Error::Config {
        key: name.to_owned(),
        reason: "the argument is NULL".to_owned(),
    }
}

/// A required object argument.
///
/// # Safety
///
/// `ptr` is NULL or points to a live `T` that nothing mutates during `'a`.
pub(crate) unsafe fn arg<'a, T>(ptr: *const T, name: &str) -> Result<&'a T, Error> {
    // SAFETY: the caller promises NULL or a live, unaliased-for-writes `T`.
    unsafe { ptr.as_ref() }.ok_or_else(|| null_argument(name))
}

/// A required object argument the function changes.
///
/// # Safety
///
/// `ptr` is NULL or points to a live `T` that nothing else reads or writes during `'a`.
pub(crate) unsafe fn arg_mut<'a, T>(ptr: *mut T, name: &str) -> Result<&'a mut T, Error> {
    // SAFETY: the caller promises NULL or a live `T` used by nobody else meanwhile.
    unsafe { ptr.as_mut() }.ok_or_else(|| null_argument(name))
}

/// A keystore's bytes as an argument: `len` bytes at `ptr`; NULL is allowed with a
/// length of 0 only, and gives an empty slice. A length over
/// [`sfjwt_core::config::MAX_KEYSTORE_BYTES`] (a `(size_t)-1` from a failed `ftell`,
/// say) is CONFIG before anything is read.
///
/// # Safety
///
/// `ptr` is NULL or points to `len` bytes that stay readable and unchanged during `'a`.
pub(crate) unsafe fn arg_keystore_bytes<'a>(
    ptr: *const u8,
    len: usize,
    name: &str,
) -> Result<&'a [u8], Error> {
    match (ptr.is_null(), len) {
        (_, 0) => Ok(&[]),
        (true, _) => Err(null_argument(name)),
        (_, len) if len > sfjwt_core::config::MAX_KEYSTORE_BYTES => Err(Error::config(
            name,
            format!(
                "a length of {len} bytes is more than a keystore can be (at most {} MiB)",
                sfjwt_core::config::MAX_KEYSTORE_BYTES / (1024 * 1024)
            ),
        )),
        // SAFETY: not NULL, and the caller promises `len` readable bytes for 'a.
        (false, _) => Ok(unsafe { std::slice::from_raw_parts(ptr, len) }),
    }
}

/// A required UTF-8 string argument; `name` is what a CONFIG error names (the
/// argument, or the configuration key a value is for). The text is never echoed:
/// it may be a password.
///
/// # Safety
///
/// `ptr` is NULL or points to a NUL-terminated string that stays alive and
/// unchanged during `'a`.
pub(crate) unsafe fn arg_str<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, Error> {
    if ptr.is_null() {
        return Err(null_argument(name));
    }
    // SAFETY: not NULL, and the caller promises a NUL-terminated string alive for 'a.
    let text = unsafe { CStr::from_ptr(ptr) };
    text.to_str().map_err(|e| Error::Config {
        key: name.to_owned(),
        reason: format!(
            "the value is not valid UTF-8 (invalid byte at offset {})",
            e.valid_up_to()
        ),
    })
}

/// An output argument (`T **x_out`), checked before any work is done and written
/// only on success.
pub(crate) struct Out<T>(*mut *mut T);

impl<T> Out<T> {
    /// Checks `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` is NULL or valid for writing one `T *` until [`Out::write`].
    pub(crate) unsafe fn new(ptr: *mut *mut T, name: &str) -> Result<Out<T>, Error> {
        if ptr.is_null() {
            Err(null_argument(name))
        } else {
            Ok(Out(ptr))
        }
    }

    /// Hands `value` to the caller, who frees it with the type's `_free`.
    pub(crate) fn write(self, value: T) {
        let object = Box::into_raw(Box::new(value));
        // SAFETY: `new` checked that the pointer is not NULL and its caller promised
        // it valid for writing a `T *`.
        unsafe { self.0.write(object) };
    }
}

/// Frees an object handed out by this library and writes NULL back.
///
/// # Safety
///
/// `handle` is NULL, or valid for reading and writing a `T *` that is NULL or was
/// handed out by this library as a `T` and not freed since.
pub(crate) unsafe fn free<T>(handle: *mut *mut T) {
    // SAFETY: the caller promises NULL or a valid `T **`.
    let Some(slot) = (unsafe { handle.as_mut() }) else {
        return;
    };
    let object = std::mem::replace(slot, ptr::null_mut());
    if !object.is_null() {
        // SAFETY: the caller promises it came from `Box::into_raw` here and was not
        // freed; writing NULL back keeps this handle from freeing it twice.
        drop(unsafe { Box::from_raw(object) });
    }
}

/// A C string of Rust text; a NUL byte inside (never expected) is dropped.
pub(crate) fn c_string(text: impl Into<String>) -> CString {
    CString::new(text.into()).unwrap_or_else(|e| {
        let mut bytes = e.into_vec();
        bytes.retain(|&b| b != 0);
        CString::new(bytes).unwrap_or_default()
    })
}

/// The pointer C gets for an optional string: NULL when absent.
pub(crate) fn opt_ptr(text: &Option<CString>) -> *const c_char {
    text.as_ref().map_or(ptr::null(), |text| text.as_ptr())
}
