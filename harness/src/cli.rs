//! The command line: every subcommand and flag, defined once with its help.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::{BadInput, Outcome, config_cmd, demo};

/// relaylab: will this load balancer and these mail servers relay mail for the wrong
/// clients, or refuse the right ones?
///
/// relaylab reads the BIG-IP configuration (bigip.conf with its iRules and data groups)
/// and the mail servers' relay settings, and answers for every source address.
///
/// Exit codes: 0 holds, 1 violated, 2 bad input.
#[derive(Debug, Parser)]
#[command(name = "relaylab", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Tell the SNAT pitfall story on the embedded reference configuration (no files needed).
    Demo,
    /// Read BIG-IP configuration files.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Show what relaylab understood of a bigip.conf: virtual servers -> pools -> members,
    /// SNAT settings, iRules, data-group sizes, self IPs, and every warning with its line.
    ///
    /// External data groups are read from `external-file-name`, relative to the
    /// configuration's folder (or --datagroup-dir).
    Show {
        /// The tmsh saved configuration (bigip.conf, or any file of `ltm ...` objects).
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Where external data-group files are (default: the configuration's folder).
        #[arg(long, value_name = "DIR")]
        datagroup_dir: Option<PathBuf>,
    },
}

/// Output formats of the reporting commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// For programs (stable field names).
    Json,
}

impl Cli {
    /// Runs the chosen subcommand.
    pub fn run(self) -> Result<Outcome, BadInput> {
        match self.command {
            Command::Demo => demo::run(),
            Command::Config(ConfigCommand::Show { file, format, datagroup_dir }) => {
                config_cmd::show(&file, format, datagroup_dir.as_deref())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn config_show_flags() {
        let cli = Cli::try_parse_from(["relaylab", "config", "show", "x.conf", "--format", "json"]).unwrap();
        assert!(matches!(cli.command, Command::Config(ConfigCommand::Show { format: Format::Json, .. })));
        assert!(Cli::try_parse_from(["relaylab", "config", "show", "x.conf", "--format", "yaml"]).is_err());
        assert!(Cli::try_parse_from(["relaylab", "config", "show"]).is_err());
    }
}
