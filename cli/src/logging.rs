// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! sfjwt's events on stderr: warnings by default (a retry, a failed login, a clock far
//! from Salesforce's, a certificate about to expire), more with `-v` (logins), `-vv`
//! (their start) and `-vvv` (cache hits and misses), or `--log-level`. Never a secret.

use std::io::Write;

use clap::ValueEnum;

/// `--log-level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogLevel {
    Off,
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

/// The level of `--log-level`, else warn raised by one step per `-v`.
pub fn install(level: Option<LogLevel>, verbose: u8) {
    let filter = match level {
        Some(LogLevel::Off) => log::LevelFilter::Off,
        Some(LogLevel::Error) => log::LevelFilter::Error,
        Some(LogLevel::Warn) => log::LevelFilter::Warn,
        Some(LogLevel::Info) => log::LevelFilter::Info,
        Some(LogLevel::Debug) => log::LevelFilter::Debug,
        Some(LogLevel::Trace) => log::LevelFilter::Trace,
        None => match verbose {
            0 => log::LevelFilter::Warn,
            1 => log::LevelFilter::Info,
            2 => log::LevelFilter::Debug,
            _ => log::LevelFilter::Trace,
        },
    };
    // Fails only if a logger is set already, which nothing else here does.
    let _ = log::set_logger(&StderrLogger);
    log::set_max_level(filter);
}

struct StderrLogger;

impl log::Log for StderrLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::max_level() && sfjwt::is_own_log_record(metadata)
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let level = record.level().as_str().to_ascii_lowercase();
            // stdout carries the command's output (a token, JSON): the log stays apart.
            let _ = writeln!(std::io::stderr().lock(), "sfjwt {level}: {}", record.args());
        }
    }

    fn flush(&self) {}
}
