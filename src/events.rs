// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! sfjwt's own log records, and why some of them wait.
//!
//! A record emitted while a login's single flight runs is held back and emitted once
//! the flight has landed, on the same thread, before the call that logged in returns.
//! A log handler may itself call `token()` for the same identity (one that ships
//! warnings with the job's own client, say): called during the flight, it would wait
//! for the flight its own thread runs, for good. Called after, it finds the token (or
//! the failure) that flight landed.

use std::cell::RefCell;
use std::fmt;

use log::{Level, Metadata, Record};

/// Emits a record of sfjwt's at `$level` (a [`log::Level`] variant), or holds it back
/// while the calling thread runs a login's flight ([`HeldRecords`]).
macro_rules! event {
    ($level:ident, $($arg:tt)+) => {
        $crate::events::emit(log::Level::$level, module_path!(), format_args!($($arg)+))
    };
}
pub(crate) use event;

struct Held {
    level: Level,
    target: &'static str,
    message: String,
}

thread_local! {
    /// The records held back on this thread, while it runs a flight.
    static HELD: RefCell<Option<Vec<Held>>> = const { RefCell::new(None) };
}

pub(crate) fn emit(level: Level, target: &'static str, args: fmt::Arguments<'_>) {
    let metadata = Metadata::builder().level(level).target(target).build();
    if level > log::max_level() || !log::logger().enabled(&metadata) {
        return;
    }
    let held = HELD.with(|held| match held.borrow_mut().as_mut() {
        Some(records) => {
            records.push(Held {
                level,
                target,
                message: args.to_string(),
            });
            true
        }
        None => false,
    });
    if !held {
        log(level, target, args);
    }
}

fn log(level: Level, target: &'static str, args: fmt::Arguments<'_>) {
    log::logger().log(
        &Record::builder()
            .level(level)
            .target(target)
            .module_path_static(Some(target))
            .args(args)
            .build(),
    );
}

/// Holds this thread's records back from its creation until it is dropped, then
/// emits them in order. Nested, only the outermost one emits. Dropped by a panic, it
/// emits nothing: a handler must not run while the flight unwinds.
pub(crate) struct HeldRecords {
    outermost: bool,
}

impl HeldRecords {
    pub fn start() -> HeldRecords {
        HELD.with(|held| {
            let mut held = held.borrow_mut();
            let outermost = held.is_none();
            if outermost {
                *held = Some(Vec::new());
            }
            HeldRecords { outermost }
        })
    }
}

impl Drop for HeldRecords {
    fn drop(&mut self) {
        if !self.outermost {
            return;
        }
        // Taken before any handler runs, so that a handler's own calls log normally.
        let records = HELD.with(|held| held.borrow_mut().take());
        if std::thread::panicking() {
            return;
        }
        for record in records.into_iter().flatten() {
            log(
                record.level,
                record.target,
                format_args!("{}", record.message),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_held_back_are_emitted_when_the_outermost_hold_ends() {
        let outer = HeldRecords::start();
        let inner = HeldRecords::start();
        assert!(inner.outermost ^ outer.outermost);
        drop(inner);
        assert!(
            HELD.with(|held| held.borrow().is_some()),
            "still held after the inner hold ends"
        );
        drop(outer);
        assert!(HELD.with(|held| held.borrow().is_none()));
    }
}
