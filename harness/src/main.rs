//! `relaylab`: proves and shows that no source address can relay mail through a BIG-IP and
//! the mail servers behind it, and that the clients that should relay still can.
//!
//! The binary is glue: each subcommand lives in its own module and returns an [`Outcome`]
//! or a [`BadInput`]; `main` maps them to the exit codes 0 (holds), 1 (violated) and
//! 2 (bad input).

mod check_cmd;
mod cli;
mod config_cmd;
mod demo;
mod input;
mod report;
mod scenario;

use std::process::ExitCode;

use clap::Parser;

pub use input::BadInput;

/// What a command found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything holds (or the command only reports).
    Holds,
    /// A property is violated.
    Violated,
}

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli.run() {
        Ok(Outcome::Holds) => ExitCode::SUCCESS,
        Ok(Outcome::Violated) => ExitCode::from(1),
        Err(bad) => {
            bad.report();
            ExitCode::from(2)
        }
    }
}
