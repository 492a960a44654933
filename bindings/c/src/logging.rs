// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! `sfjwt_set_log_callback`: sfjwt's events (logins with their duration, cache hits
//! and misses, retries, clock-offset and certificate-expiry warnings) handed to the
//! program's own logging. No event ever carries a password, key, assertion or token.

use std::cell::Cell;
use std::ffi::{CString, c_char, c_void};
use std::sync::{Once, RwLock};

use sfjwt_core::Error;

use crate::error::sfjwt_error;
use crate::panic::guard;

/// The severity of a log event, most severe first. A callback set with a minimum level
/// gets the events of that level and the more severe ones.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum sfjwt_log_level {
    /// No events (as a minimum level).
    Off = 0,
    /// A failure sfjwt could not handle.
    Error = 1,
    /// Something the user should fix: a failed login, a retry, this machine's clock
    /// far from Salesforce's, a certificate that expires within 30 days.
    Warn = 2,
    /// A login, with its login URL, user and duration.
    Info = 3,
    /// The start of a login.
    Debug = 4,
    /// Token cache hits and misses.
    Trace = 5,
}

/// Each minimum level and what the `log` facade then lets through.
const FILTERS: [(sfjwt_log_level, log::LevelFilter); 6] = [
    (sfjwt_log_level::Off, log::LevelFilter::Off),
    (sfjwt_log_level::Error, log::LevelFilter::Error),
    (sfjwt_log_level::Warn, log::LevelFilter::Warn),
    (sfjwt_log_level::Info, log::LevelFilter::Info),
    (sfjwt_log_level::Debug, log::LevelFilter::Debug),
    (sfjwt_log_level::Trace, log::LevelFilter::Trace),
];

/// Receives one event: its level, its message (NUL-terminated UTF-8, borrowed for
/// the call only) and the `userdata` given to `sfjwt_set_log_callback`. It may be
/// called from any thread that uses sfjwt, several at once, so it must be
/// thread-safe. It may call sfjwt (`sfjwt_client_token` for the same client
/// included: events of a login reach it once the login has ended), but not
/// `sfjwt_set_log_callback` (CONFIG), and it must not wait for another thread that
/// uses sfjwt. It must return normally: no `longjmp` out of it, no C++ exception
/// through it.
#[allow(non_camel_case_types)]
pub type sfjwt_log_callback = Option<
    unsafe extern "C" fn(level: sfjwt_log_level, message: *const c_char, userdata: *mut c_void),
>;

/// The callback and its user data; the pointer is the caller's, passed back as is.
#[derive(Clone, Copy)]
struct Sink {
    callback: unsafe extern "C" fn(sfjwt_log_level, *const c_char, *mut c_void),
    userdata: usize,
}

/// Read-locked while a callback runs, so that replacing it waits for the calls
/// under way: after `sfjwt_set_log_callback` returns, the old callback and its
/// `userdata` are never used again.
static SINK: RwLock<Option<Sink>> = RwLock::new(None);

thread_local! {
    /// The sink whose callback this thread is running: an event the callback itself
    /// causes (it called sfjwt) goes to it without locking again, which could wait
    /// behind a replacement that waits for this very call.
    static RUNNING: Cell<Option<Sink>> = const { Cell::new(None) };
}

/// The `log` facade's logger for this library: forwards to the C callback.
struct CallbackLogger;

impl log::Log for CallbackLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::max_level() && sfjwt_core::is_own_log_record(metadata)
    }

    fn log(&self, record: &log::Record<'_>) {
        if !log::Log::enabled(self, record.metadata()) {
            return;
        }
        let level = match record.level() {
            log::Level::Error => sfjwt_log_level::Error,
            log::Level::Warn => sfjwt_log_level::Warn,
            log::Level::Info => sfjwt_log_level::Info,
            log::Level::Debug => sfjwt_log_level::Debug,
            log::Level::Trace => sfjwt_log_level::Trace,
        };
        let text = record.args().to_string().replace('\0', " ");
        let message = CString::new(text).unwrap_or_default();
        let deliver = |sink: Sink| {
            let outer = RUNNING.replace(Some(sink));
            // SAFETY: `sfjwt_set_log_callback`'s caller promised a callback that may be
            // called from any thread with a message borrowed for the call and its
            // userdata, until it is replaced, which waits for this call (SINK's lock).
            unsafe { (sink.callback)(level, message.as_ptr(), sink.userdata as *mut c_void) };
            RUNNING.set(outer);
        };
        if let Some(sink) = RUNNING.get() {
            // The outer call on this thread holds the read lock.
            deliver(sink);
            return;
        }
        let sink = SINK.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(sink) = *sink {
            deliver(sink);
        }
    }

    fn flush(&self) {}
}

/// Sends sfjwt's log events of `min_level` and more severe to `callback`, with
/// `userdata` passed back on each call; a NULL `callback` or `SFJWT_LOG_LEVEL_OFF`
/// stops them. One callback for the whole process; a new call replaces the previous
/// one, once the calls of the previous one under way on other threads have returned:
/// after this returns, the previous callback and its `userdata` are never used again,
/// and `userdata` may be freed. Events come from the thread that causes them (the one
/// calling `sfjwt_client_token`, say), while the call runs.
///
/// Ownership: `userdata` stays the caller's; sfjwt only passes it back. Messages are
/// borrowed for the duration of one callback call. Returns NULL on success, else an
/// error the caller frees with `sfjwt_error_free`.
///
/// Errors: CONFIG naming `min_level` when it is not a `sfjwt_log_level`; CONFIG when
/// called from a log callback (it would wait for itself).
///
/// Thread-safety: callable from any thread except from within a log callback.
///
/// # Safety
///
/// 1. `callback` is NULL or a function that is safe to call from any thread, at any
///    time until it is replaced, with the arguments described at
///    `sfjwt_log_callback`.
/// 2. `userdata` is what `callback` expects.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_set_log_callback(
    min_level: u32,
    callback: sfjwt_log_callback,
    userdata: *mut c_void,
) -> *mut sfjwt_error {
    guard(|| {
        let Some(&(_, filter)) = FILTERS.iter().find(|(level, _)| *level as u32 == min_level)
        else {
            return Err(Error::config(
                "min_level",
                format!("{min_level} is not a sfjwt_log_level (0 = off .. 5 = trace)"),
            ));
        };
        if RUNNING.get().is_some() {
            return Err(Error::config(
                "callback",
                "sfjwt_set_log_callback cannot be called from a log callback",
            ));
        }
        static INSTALL: Once = Once::new();
        INSTALL.call_once(|| {
            // Fails only if this library already has a logger, which only this does.
            let _ = log::set_logger(&CallbackLogger);
        });
        let sink = callback.map(|callback| Sink {
            callback,
            userdata: userdata as usize,
        });
        *SINK
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = sink;
        log::set_max_level(if sink.is_some() {
            filter
        } else {
            log::LevelFilter::Off
        });
        Ok(())
    })
}
