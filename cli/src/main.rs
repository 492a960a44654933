// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The `sfjwt` command line.

#[macro_use]
mod output;
mod cli;
mod demo;
mod logging;
mod setup;

fn main() -> std::process::ExitCode {
    cli::run()
}
