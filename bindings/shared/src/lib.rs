//! What the C, JNI and Python bindings share, so that each writes it once: the token
//! copy of the warm path and the text of a caught panic. The core knows nothing of
//! bindings; each binding crate converts, calls the core once, and converts back
//! (libsignal's `rust/bridge/shared` is the model).

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Weak};

use arc_swap::ArcSwapOption;
use sfjwt::{AccessToken, Client};

#[cfg(feature = "testing")]
pub mod testing;

/// The current token in another form: the C strings, Java object or Python object a
/// binding hands out, made once per token and handed out again while that token is
/// current ([`Client::is_current`]). Reading it takes no lock and writes nothing that
/// other threads read, so that a warm call costs the same from any number of threads.
pub struct TokenCopy<T> {
    made: ArcSwapOption<Made<T>>,
}

struct Made<T> {
    /// Weak, for the token's identity only: the core's copy of the token is still
    /// wiped when the cache lets go of it.
    token: Weak<AccessToken>,
    copy: T,
}

impl<T> Default for TokenCopy<T> {
    fn default() -> Self {
        TokenCopy {
            made: ArcSwapOption::empty(),
        }
    }
}

impl<T> TokenCopy<T> {
    /// `read` of the copy made for the token `client.token()` hands out now, or `None`
    /// when there is none yet or that token is no longer current (expired, invalidated,
    /// replaced): then make a new copy from `client.token()` and [`TokenCopy::store`] it.
    pub fn with_current<R>(&self, client: &Client, read: impl FnOnce(&T) -> R) -> Option<R> {
        match &*self.made.load() {
            Some(made) if client.is_current(&made.token) => Some(read(&made.copy)),
            _ => None,
        }
    }

    /// Keeps `copy`, made from `token`, for the calls that follow.
    pub fn store(&self, token: &Arc<AccessToken>, copy: T) {
        self.made.store(Some(Arc::new(Made {
            token: Arc::downgrade(token),
            copy,
        })));
    }
}

/// The text of a caught panic's payload (`panic!("...")` gives `&str` or `String`), for
/// the error each binding reports instead of unwinding into its caller.
pub fn panic_text(payload: Box<dyn Any + Send + 'static>) -> String {
    match payload.downcast::<String>() {
        Ok(text) => *text,
        Err(payload) => match payload.downcast::<&'static str>() {
            Ok(text) => (*text).to_owned(),
            Err(payload) => {
                // Dropping an exotic payload may itself panic; never let that escape.
                if let Err(again) = catch_unwind(AssertUnwindSafe(|| drop(payload))) {
                    std::mem::forget(again);
                }
                "(no message)".to_owned()
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::panic_text;
    use std::panic::catch_unwind;

    #[test]
    fn the_text_of_str_string_and_other_payloads() {
        let payload = catch_unwind(|| panic!("a str")).unwrap_err();
        assert_eq!(panic_text(payload), "a str");
        let payload = catch_unwind(|| panic!("a {}", "String")).unwrap_err();
        assert_eq!(panic_text(payload), "a String");
        let payload = catch_unwind(|| std::panic::panic_any(42_u8)).unwrap_err();
        assert_eq!(panic_text(payload), "(no message)");
    }
}
