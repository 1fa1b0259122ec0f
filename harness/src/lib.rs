//! `relaylab`: proves and shows that no source address can relay mail through a BIG-IP and
//! the mail servers behind it, and that the clients that should relay still can.
//!
//! The library holds the command-line glue so that end-to-end tests can load scenarios
//! the way the binary does: each subcommand lives in its own module and returns an
//! [`Outcome`] or a [`BadInput`]; the binary maps them to the exit codes 0 (holds),
//! 1 (violated), 2 (bad input) and 3 (the environment: a carrier in use, say).

// First, so that every module below can use its macros.
#[macro_use]
pub mod out;
pub mod check_cmd;
pub mod cli;
pub mod config_cmd;
pub mod demo;
pub mod diff_cmd;
pub mod input;
pub mod lab;
pub mod probe;
pub mod report;
pub mod run_cmd;
pub mod sarif;
pub mod scenario;
pub mod serve_cmd;

pub use input::BadInput;

/// What a command found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything holds (or the command only reports).
    Holds,
    /// A property is violated.
    Violated,
}
