//! The `relaylab` binary: parse the command line, run it, map the outcome to an exit code
//! (0 holds, 1 violated, 2 bad input, 3 the environment: a carrier in use, a runtime that
//! cannot start).

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
            ExitCode::from(bad.exit_code())
        }
    }
}
