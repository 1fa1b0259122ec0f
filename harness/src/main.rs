//! The `relaylab` binary: parse the command line, run it, map the outcome to an exit code
//! (0 holds, 1 violated, 2 bad input).

use std::process::ExitCode;

use clap::Parser;
use relaylab::Outcome;
use relaylab::cli::Cli;

fn main() -> ExitCode {
    match Cli::parse().run() {
        Ok(Outcome::Holds) => ExitCode::SUCCESS,
        Ok(Outcome::Violated) => ExitCode::from(1),
        Err(bad) => {
            bad.report();
            ExitCode::from(2)
        }
    }
}
