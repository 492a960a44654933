// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Standard output for a command in a shell pipeline: `println!` panics when the
//! reader has gone (`sfjwt keystore inspect ... | head -1`); these macros end the
//! process quietly instead, with success, as ripgrep and other tools do.

use std::fmt;
use std::io::{self, Write};

/// `print!` to stdout; a closed pipe ends the process quietly.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::write_stdout(format_args!($($arg)*), false)
    };
}

/// `println!` to stdout; a closed pipe ends the process quietly.
macro_rules! outln {
    () => {
        $crate::output::write_stdout(format_args!(""), true)
    };
    ($($arg:tt)*) => {
        $crate::output::write_stdout(format_args!($($arg)*), true)
    };
}

pub(crate) fn write_stdout(args: fmt::Arguments<'_>, newline: bool) {
    let mut stdout = io::stdout().lock();
    let written = stdout.write_fmt(args).and_then(|()| {
        if newline {
            stdout.write_all(b"\n")
        } else {
            Ok(())
        }
    });
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => {
            eprintln!("sfjwt: cannot write to standard output: {e}");
            std::process::exit(sfjwt::ErrorCode::Internal.value() as i32);
        }
    }
}
