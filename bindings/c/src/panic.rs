// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The panic guard every exported function runs under, and what each return type
//! becomes after a caught panic (rustls-ffi's `panic.rs` is the model: the room names
//! no type of this crate; fallible functions' `Result` is given its meaning in
//! error.rs).

use std::panic::{self, AssertUnwindSafe};
use std::ptr;

use sfjwt_bridge::panic_text;

/// What an exported function returns to C, and what it returns instead when the
/// Rust code under it panicked.
pub(crate) trait CReturn {
    /// The C type.
    type C;
    /// The value for C.
    fn into_c(self) -> Self::C;
    /// The value after a caught panic whose payload reads `message`.
    fn panicked(message: String) -> Self::C;
}

/// Runs the body of an exported function. A panic inside it is caught and turned
/// into [`CReturn::panicked`]: an INTERNAL error for fallible functions, NULL,
/// zero or false for accessors, nothing for `_free`.
pub(crate) fn guard<R: CReturn>(body: impl FnOnce() -> R) -> R::C {
    // AssertUnwindSafe: after a panic the body's state is dropped, not used again;
    // objects the caller passed in may be left half-updated, which is why the error
    // says INTERNAL (a bug) rather than pretending nothing happened.
    match panic::catch_unwind(AssertUnwindSafe(|| body().into_c())) {
        Ok(value) => value,
        Err(payload) => R::panicked(format!(
            "a panic was caught at the C boundary: {}",
            panic_text(payload)
        )),
    }
}

/// Values that C receives as they are; the second item is the value after a panic.
macro_rules! c_values {
    ($($ty:ty => $on_panic:expr),* $(,)?) => {$(
        impl CReturn for $ty {
            type C = $ty;

            fn into_c(self) -> $ty {
                self
            }

            fn panicked(_message: String) -> $ty {
                $on_panic
            }
        }
    )*};
}

c_values! {
    () => (),
    bool => false,
    u16 => 0,
    u64 => 0,
    usize => 0,
}

/// Objects and strings: NULL after a panic.
impl<T> CReturn for *mut T {
    type C = *mut T;

    fn into_c(self) -> *mut T {
        self
    }

    fn panicked(_message: String) -> *mut T {
        ptr::null_mut()
    }
}

impl<T> CReturn for *const T {
    type C = *const T;

    fn into_c(self) -> *const T {
        self
    }

    fn panicked(_message: String) -> *const T {
        ptr::null()
    }
}
