//! What the C, JNI and Python bindings share, so that each writes it once: the token
//! copy of the warm path and the text of a caught panic. The core knows nothing of
//! bindings; each binding crate converts, calls the core once, and converts back
//! (libsignal's `rust/bridge/shared` is the model).

use std::any::Any;
use std::ops::Deref;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Weak};

use arc_swap::{ArcSwapOption, Guard};
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
    /// The warm-token step of every binding: the copy made for the token `client`
    /// hands out now, or, when there is none yet or that token is no longer current
    /// (expired, invalidated, replaced), the one `make` returns, kept for the calls
    /// that follow. `make` logs in (`client.token()`, in the binding's own way: Python
    /// releases the GIL) and converts the token it gets.
    pub fn current_or_make<E>(
        &self,
        client: &Client,
        make: impl FnOnce() -> Result<(Arc<AccessToken>, T), E>,
    ) -> Result<Kept<T>, E> {
        let loaded = self.made.load();
        if let Some(made) = &*loaded
            && client.is_current(&made.token)
        {
            return Ok(Kept(loaded));
        }
        drop(loaded);
        let (token, copy) = make()?;
        let made = Arc::new(Made {
            token: Arc::downgrade(&token),
            copy,
        });
        self.made.store(Some(Arc::clone(&made)));
        Ok(Kept(Guard::from_inner(Some(made))))
    }
}

/// A copy [`TokenCopy::current_or_make`] hands out, borrowed without a lock; read it
/// (`&*kept`) and let it go.
pub struct Kept<T>(Guard<Option<Arc<Made<T>>>>);

impl<T> Deref for Kept<T> {
    type Target = T;

    fn deref(&self) -> &T {
        match &*self.0 {
            Some(made) => &made.copy,
            None => unreachable!("a Kept is made from a stored copy only"),
        }
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
