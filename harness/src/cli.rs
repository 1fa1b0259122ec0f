//! The command line: every subcommand and flag, defined once with its help.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::{BadInput, Outcome, check_cmd, config_cmd, demo, run_cmd, serve_cmd};

/// relaylab: will this load balancer and these mail servers relay mail for the wrong
/// clients, or refuse the right ones?
///
/// relaylab reads the BIG-IP configuration (bigip.conf with its iRules and data groups)
/// and the mail servers' relay settings, and answers for every source address.
///
/// Exit codes: 0 holds, 1 violated, 2 bad input, 3 the environment (a carrier address or
/// port in use, a runtime that cannot start), with a hint.
#[derive(Debug, Parser)]
#[command(
    name = "relaylab",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Tell the story of every pitfall in the embedded scenario gallery (no files needed):
    /// what the admin meant, what relaylab found, the counterexample, the fix.
    Demo {
        /// Also list every address class of every scenario.
        #[arg(long)]
        verbose: bool,
    },
    /// Prove a scenario (or every scenario in a folder) for every source address.
    ///
    /// Exit 0 when every scenario passes: it holds, or (for a pitfall scenario) relaylab
    /// finds exactly the violations it expects. Exit 1 otherwise, 2 on bad input.
    Check {
        /// A scenario.toml, a folder holding one, or a folder of scenario folders.
        path: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
        /// List every address class, however many.
        #[arg(long)]
        verbose: bool,
        /// Write the report into this folder (report.txt, report.json or junit.xml)
        /// instead of standard output.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Prove, then confirm the proof on the wire: every address class (its representative
    /// and boundary addresses) sends real SMTP sessions through the SNAT balancer on every
    /// path the prover found (anonymous relay through DATA, inbound delivery read back over
    /// IMAP, authenticated relay with and without TLS), plus nmap's relay pairs and the
    /// SMTP smuggling variants on every path, and two faults (a member down, a member
    /// killed mid-run). Any live verdict that differs from the prover's fails the run and
    /// prints both.
    ///
    /// Every planned trial counts: one the model cannot predict, or the lab cannot run,
    /// is a disagreement with its reason. The report shows trials planned and observed.
    ///
    /// Exit 0 when every scenario's proof passes and everything agrees; 1 otherwise; 2 on
    /// bad input; 3 when the machine is in the way (a carrier in use).
    Run {
        /// A scenario.toml, a folder holding one, or a folder of scenario folders.
        path: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
        /// Boundary addresses per class, besides its representative.
        #[arg(long, default_value_t = 2)]
        samples: usize,
        /// Skip the relay-trick battery.
        #[arg(long)]
        no_battery: bool,
        /// Skip the fault phase.
        #[arg(long)]
        no_faults: bool,
        /// First loopback carrier of the lab (`127.N.0.1`); by default a free block is
        /// picked, so labs can run side by side.
        #[arg(long, value_name = "ADDR")]
        carrier_base: Option<std::net::Ipv4Addr>,
    },
    /// Follow one source address through every hop: the virtual, the iRule lines, the
    /// SNAT, each pool member, the connector and each SMTP reply, with the configuration
    /// lines that decided them.
    Explain {
        /// A scenario.toml or its folder.
        scenario: PathBuf,
        /// The client address (`192.0.2.7`, `2001:db8::5`, `10.1.1.5%10`).
        address: String,
        /// Only this virtual server.
        #[arg(long = "virtual", value_name = "NAME")]
        virtual_name: Option<String>,
    },
    /// Run the live lab of one scenario for manual sessions: the SNAT balancer, a mock
    /// mail server (SMTP, and IMAP where a pool serves 143/993) per pool member, on
    /// loopback carriers. Prints the address plan and commands to paste; Ctrl-C stops it
    /// cleanly (sessions closed, logs flushed).
    Serve {
        /// A scenario.toml or its folder.
        scenario: PathBuf,
        /// Write the protocol logs and the lab CA here.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Multiply monitor intervals and persistence timeouts (1.0 = as configured).
        #[arg(long, default_value_t = 1.0, value_name = "FACTOR")]
        time_scale: f64,
        /// First loopback carrier of the lab (`127.N.0.1`); by default a free block is
        /// picked and printed with the plan.
        #[arg(long, value_name = "ADDR")]
        carrier_base: Option<std::net::Ipv4Addr>,
    },
    /// Read BIG-IP configuration files.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Read mail server relay settings.
    #[command(subcommand)]
    Policy(PolicyCommand),
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

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Show each server's connectors (or Exchange 2003 virtual server, or Postfix smtpd)
    /// with their effective rights per kind of client, the addresses that may relay
    /// anonymously, configuration errors and entries relaylab cannot prove.
    ///
    /// Reads Get-ReceiveConnector, Get-ADPermission and Get-AcceptedDomain exports
    /// (ConvertTo-Json), `postconf -n` output and relaylab's native TOML; give the files of
    /// one organisation together so rights and domains attach to their servers.
    Show {
        /// The policy files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
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

/// Output formats of `check` (and `run`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// For people.
    Text,
    /// For programs.
    Json,
    /// JUnit XML, for CI systems.
    Junit,
}

impl Cli {
    /// Runs the chosen subcommand.
    pub fn run(self) -> Result<Outcome, BadInput> {
        match self.command {
            Command::Demo { verbose } => demo::run(verbose),
            Command::Run {
                path,
                format,
                samples,
                no_battery,
                no_faults,
                carrier_base,
            } => run_cmd::run(
                &path,
                format,
                run_cmd::RunOptions {
                    samples,
                    battery: !no_battery,
                    faults: !no_faults,
                    progress: true,
                    carrier_base,
                    ..run_cmd::RunOptions::default()
                },
            ),
            Command::Serve {
                scenario,
                out,
                time_scale,
                carrier_base,
            } => serve_cmd::serve(&scenario, out, time_scale, carrier_base),
            Command::Check {
                path,
                format,
                verbose,
                out,
            } => check_cmd::check(&path, format, verbose, out.as_deref()),
            Command::Explain {
                scenario,
                address,
                virtual_name,
            } => check_cmd::explain(&scenario, &address, virtual_name.as_deref()),
            Command::Policy(PolicyCommand::Show { files, format }) => {
                config_cmd::policy_show(&files, format)
            }
            Command::Config(ConfigCommand::Show {
                file,
                format,
                datagroup_dir,
            }) => config_cmd::show(&file, format, datagroup_dir.as_deref()),
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
        let cli = Cli::try_parse_from(["relaylab", "config", "show", "x.conf", "--format", "json"])
            .unwrap();
        assert!(matches!(
            cli.command,
            Command::Config(ConfigCommand::Show {
                format: Format::Json,
                ..
            })
        ));
        assert!(
            Cli::try_parse_from(["relaylab", "config", "show", "x.conf", "--format", "yaml"])
                .is_err()
        );
        assert!(Cli::try_parse_from(["relaylab", "config", "show"]).is_err());
    }

    #[test]
    fn check_and_explain_flags() {
        let cli = Cli::try_parse_from([
            "relaylab",
            "check",
            "scenarios/",
            "--format",
            "junit",
            "--out",
            "o",
        ])
        .unwrap();
        assert!(matches!(
            cli.command,
            Command::Check {
                format: ReportFormat::Junit,
                out: Some(_),
                ..
            }
        ));
        let cli = Cli::try_parse_from([
            "relaylab",
            "explain",
            "s",
            "192.0.2.7",
            "--virtual",
            "SMTP_VS",
        ])
        .unwrap();
        assert!(matches!(
            cli.command,
            Command::Explain {
                virtual_name: Some(_),
                ..
            }
        ));
        assert!(Cli::try_parse_from(["relaylab", "explain", "s"]).is_err());
    }

    #[test]
    fn carrier_base_flags() {
        let cli =
            Cli::try_parse_from(["relaylab", "run", "s", "--carrier-base", "127.42.0.1"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Run {
                carrier_base: Some(b),
                ..
            } if b == std::net::Ipv4Addr::new(127, 42, 0, 1)
        ));
        let cli = Cli::try_parse_from(["relaylab", "serve", "s"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Serve {
                carrier_base: None,
                ..
            }
        ));
        assert!(
            Cli::try_parse_from(["relaylab", "serve", "s", "--carrier-base", "localhost"]).is_err()
        );
    }
}
