//! Standard output and error for the commands: a reader that goes away (`relaylab demo |
//! head -1`) ends the process quietly instead of panicking, as `print!` would.
//!
//! Rust ignores SIGPIPE, so a write to a closed pipe fails with `BrokenPipe`. Nobody is
//! left to read anything else, so the process ends at once and says nothing, with 141
//! (128 + SIGPIPE), what a shell reports for any filter the signal ended. Not 0: a report
//! cut short has not said that everything holds, and `set -o pipefail` must not read it
//! so. Other write errors (a full disk behind a redirect) end it with exit 2.

use std::io::Write;

/// The exit code when the reader went away: 128 + SIGPIPE, as shells report it.
pub const BROKEN_PIPE: i32 = 141;

/// Writes to standard output; `BrokenPipe` exits 141 quietly.
pub fn stdout(args: std::fmt::Arguments<'_>) {
    let mut o = std::io::stdout().lock();
    let r = o.write_fmt(args).and_then(|()| o.flush());
    if let Err(e) = r {
        gone(&e, "standard output");
    }
}

/// Writes to standard error; a closed standard error is ignored (there is nowhere left to
/// say anything, and the exit code still tells).
pub fn stderr(args: std::fmt::Arguments<'_>) {
    let _ = std::io::stderr().lock().write_fmt(args);
}

fn gone(e: &std::io::Error, what: &str) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(BROKEN_PIPE);
    }
    stderr(format_args!("relaylab: cannot write to {what}: {e}\n"));
    std::process::exit(2);
}

/// `print!` that ends quietly on a closed pipe.
#[macro_export]
macro_rules! out {
    ($($t:tt)*) => { $crate::out::stdout(format_args!($($t)*)) };
}

/// `println!` that ends quietly on a closed pipe.
#[macro_export]
macro_rules! outln {
    () => { $crate::out::stdout(format_args!("\n")) };
    ($($t:tt)*) => { $crate::out::stdout(format_args!("{}\n", format_args!($($t)*))) };
}

/// `eprint!` that never panics.
#[macro_export]
macro_rules! errout {
    ($($t:tt)*) => { $crate::out::stderr(format_args!($($t)*)) };
}

/// `eprintln!` that never panics.
#[macro_export]
macro_rules! errln {
    () => { $crate::out::stderr(format_args!("\n")) };
    ($($t:tt)*) => { $crate::out::stderr(format_args!("{}\n", format_args!($($t)*))) };
}
