//! The command line: every subcommand and flag, defined once with its help.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

use crate::serve_cmd::ServeLimits;
use crate::{BadInput, Outcome, check_cmd, config_cmd, demo, run_cmd, serve_cmd};

/// relaylab: will this load balancer and these mail servers relay mail for the wrong
/// clients, or refuse the right ones?
///
/// relaylab reads the BIG-IP configuration (bigip.conf with its iRules and data groups, the
/// files a device saves, or a UCS backup) and the mail servers' relay settings, and answers
/// for every source address.
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
        /// Clients decided in each sampled class besides its representative: its edges,
        /// addresses whose text extends an address literal of the rules, and random ones
        /// (seeded, so runs repeat). A counterexample among them is reported as "found by
        /// search". 0 turns the search off.
        #[arg(long, value_name = "N", default_value_t = verify::DEFAULT_SEARCH)]
        samples: usize,
    },
    /// What a change does before it is deployed: prove both sides and report, per
    /// virtual server, the clients whose outcome changes (relay gained or lost, delivery
    /// gained or lost, now reset or dropped, other members, another SNAT address, the
    /// label) and, per property, the clients that now violate it (regressions) or no
    /// longer do.
    ///
    /// `relaylab diff before/ after/` compares two scenarios; `relaylab diff scenario/
    /// --bigip new/bigip_base.conf new/bigip.conf` (or a UCS) the scenario with its
    /// BIG-IP configuration replaced, `--policy new/receive-connectors.json` with that
    /// policy file replaced. Exit 0 when nothing regresses (and, with
    /// --fail-on-change, nothing changes) beyond what --allow names; 1 otherwise; 2 on
    /// bad input.
    Diff {
        /// The scenario before the change (a scenario.toml or its folder).
        before: PathBuf,
        /// The scenario after the change.
        after: Option<PathBuf>,
        /// The BIG-IP configuration after the change, replacing the before scenario's
        /// (tmsh files read as one, or a UCS archive).
        #[arg(long, num_args = 1.., value_name = "FILE")]
        bigip: Vec<PathBuf>,
        /// A mail server's policy file after the change, replacing the before scenario's
        /// file of the same name (receive-connectors.json, main.cf, ...).
        #[arg(long, num_args = 1.., value_name = "FILE")]
        policy: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
        /// A change that is intended: a kind of change (relay-gained, relay-lost,
        /// delivery-gained, delivery-lost, now-ends, no-longer-ends, end-changed,
        /// members-changed, snat-changed, label-changed) or a property whose regression is
        /// expected (no-open-relay, ...). Repeatable.
        #[arg(long, value_name = "KIND")]
        allow: Vec<crate::diff_cmd::Allowed>,
        /// Exit 1 on any change --allow does not name, not only on regressions.
        #[arg(long)]
        fail_on_change: bool,
        /// Write the report into this folder (diff.txt, diff.json or junit.xml) instead of
        /// standard output.
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
        /// The client's source port (a rule may read it with `TCP::client_port`).
        #[arg(long, value_name = "PORT", default_value_t = 49152,
              value_parser = clap::value_parser!(u16).range(1..))]
        port: u16,
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
        /// Multiply monitor intervals and persistence timeouts (1.0 = as configured); a
        /// finite number above 0 and at most 1000.
        #[arg(long, default_value_t = 1.0, value_name = "FACTOR", value_parser = time_scale,
              allow_hyphen_values = true)]
        time_scale: f64,
        /// Sessions open at once per mock mail server; one more is told the server's "too
        /// many connections" reply (421) and closed.
        #[arg(long, value_name = "N", default_value_t = ServeLimits::default().server_connections,
              value_parser = connections)]
        server_connections: usize,
        /// Client connections open at once per virtual server; one more is reset.
        #[arg(long, value_name = "N", default_value_t = ServeLimits::default().listener_connections,
              value_parser = connections)]
        listener_connections: usize,
        /// Seconds without input before an SMTP session is told 421 and closed, and before an
        /// idle balancer connection is reset.
        #[arg(long, value_name = "SECONDS", default_value_t = ServeLimits::default().idle_timeout.as_secs_f64(),
              value_parser = seconds, allow_hyphen_values = true)]
        idle_timeout: f64,
        /// Seconds one connection's iRule decision may take (waiting for a rule thread
        /// included) before the client is reset.
        #[arg(long, value_name = "SECONDS", default_value_t = ServeLimits::default().rule_budget.as_secs_f64(),
              value_parser = seconds, allow_hyphen_values = true)]
        rule_budget: f64,
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
    /// A configuration saved in several files is given as all of them, read as one, as
    /// BIG-IP loads them: `relaylab config show bigip_base.conf bigip.conf
    /// partitions/DMZ/bigip.conf` (self IPs and VLANs live in bigip_base.conf).
    ///
    /// External data groups are read from `external-file-name`, relative to the first
    /// file's folder (or --datagroup-dir).
    Show {
        /// The tmsh saved configuration (bigip.conf, or any file of `ltm ...` objects);
        /// several files are one configuration.
        #[arg(required = true, num_args = 1..)]
        files: Vec<PathBuf>,
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
    /// SARIF 2.1.0, for code scanning (GitHub, GitLab): each violation located at the
    /// configuration lines that decide it.
    Sarif,
}

/// The longest duration a flag takes: a day.
const MAX_SECONDS: f64 = 86_400.0;
/// The most connections a limit flag takes: each costs a file descriptor or three.
const MAX_CONNECTIONS: usize = 100_000;

/// A duration flag in seconds: finite, at least a millisecond, at most a day (the same
/// reasons as [`time_scale`]).
fn seconds(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if !v.is_finite() {
        return Err(format!("`{s}` is not a finite number"));
    }
    if !(0.001..=MAX_SECONDS).contains(&v) {
        return Err(format!(
            "`{s}` is out of range: from 0.001 to {MAX_SECONDS} seconds"
        ));
    }
    Ok(v)
}

/// A connection limit: at least 1 (0 would refuse everyone).
fn connections(s: &str) -> Result<usize, String> {
    let v: usize = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a whole number"))?;
    if !(1..=MAX_CONNECTIONS).contains(&v) {
        return Err(format!(
            "`{s}` is out of range: from 1 to {MAX_CONNECTIONS}"
        ));
    }
    Ok(v)
}

/// The most a time scale may stretch configured times: BIG-IP's longest monitor timeout
/// (a day) times this still fits a `Duration` and a `tokio` timer with room to spare.
const MAX_TIME_SCALE: f64 = 1000.0;

/// `--time-scale`: every float flag is checked where it is parsed, so NaN, infinity, zero
/// and negatives never reach `Duration::from_secs_f64` (which panics on them) or a timer
/// that never fires.
fn time_scale(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number"))?;
    if !v.is_finite() {
        return Err(format!("`{s}` is not a finite number"));
    }
    if v <= 0.0 || v > MAX_TIME_SCALE {
        return Err(format!(
            "`{s}` is out of range: the factor must be above 0 and at most {MAX_TIME_SCALE}"
        ));
    }
    Ok(v)
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
                server_connections,
                listener_connections,
                idle_timeout,
                rule_budget,
                carrier_base,
            } => serve_cmd::serve(
                &scenario,
                out,
                time_scale,
                ServeLimits {
                    server_connections,
                    listener_connections,
                    idle_timeout: Duration::from_secs_f64(idle_timeout),
                    rule_budget: Duration::from_secs_f64(rule_budget),
                },
                carrier_base,
            ),
            Command::Check {
                path,
                format,
                verbose,
                out,
                samples,
            } => check_cmd::check(&path, format, verbose, out.as_deref(), samples),
            Command::Diff {
                before,
                after,
                bigip,
                policy,
                format,
                allow,
                fail_on_change,
                out,
            } => crate::diff_cmd::diff(
                crate::diff_cmd::Sides {
                    before: &before,
                    after: after.as_deref(),
                    bigip: &bigip,
                    policy: &policy,
                },
                format,
                &allow,
                fail_on_change,
                out.as_deref(),
            ),
            Command::Explain {
                scenario,
                address,
                virtual_name,
                port,
            } => check_cmd::explain(&scenario, &address, port, virtual_name.as_deref()),
            Command::Policy(PolicyCommand::Show { files, format }) => {
                config_cmd::policy_show(&files, format)
            }
            Command::Config(ConfigCommand::Show {
                files,
                format,
                datagroup_dir,
            }) => config_cmd::show(&files, format, datagroup_dir.as_deref()),
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
    fn time_scale_flag() {
        let serve = |v: &str| Cli::try_parse_from(["relaylab", "serve", "s", "--time-scale", v]);
        for good in ["1", "0.01", "1000", " 2.5"] {
            assert!(serve(good).is_ok(), "{good}");
        }
        for bad in [
            "inf", "-inf", "NaN", "nan", "0", "-0", "-1", "1e400", "1000.5", "", "x",
        ] {
            let e = serve(bad).unwrap_err();
            assert_eq!(e.kind(), clap::error::ErrorKind::ValueValidation, "{bad}");
        }
    }

    #[test]
    fn serve_limit_flags() {
        let serve = |flag: &str, v: &str| Cli::try_parse_from(["relaylab", "serve", "s", flag, v]);
        for flag in ["--idle-timeout", "--rule-budget"] {
            for good in ["0.5", "300", "86400"] {
                assert!(serve(flag, good).is_ok(), "{flag} {good}");
            }
            for bad in ["inf", "NaN", "0", "-1", "0.0001", "86401", "x"] {
                let e = serve(flag, bad).unwrap_err();
                assert_eq!(
                    e.kind(),
                    clap::error::ErrorKind::ValueValidation,
                    "{flag} {bad}"
                );
            }
        }
        for flag in ["--server-connections", "--listener-connections"] {
            assert!(serve(flag, "50").is_ok());
            for bad in ["0", "-1", "1.5", "100001"] {
                assert!(serve(flag, bad).is_err(), "{flag} {bad}");
            }
        }
        let Command::Serve { idle_timeout, .. } = Cli::try_parse_from(["relaylab", "serve", "s"])
            .unwrap()
            .command
        else {
            panic!("serve parses");
        };
        assert_eq!(idle_timeout, 300.0);
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
