// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The `sfjwt` command line.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
