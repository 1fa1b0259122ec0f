//! One entry point over every flavour: the server, its reply to each step, the probes the
//! prover asks about, and the address sets its decisions depend on.

use addrspace::{Addr, AddrSet};
use serde::Serialize;

use crate::dialogue::{Command, Dialogue, EHLO_NAME, Ending, Next, Script, Stage};
use crate::exchange::ExchangeServer;
use crate::exchange2003::SmtpVirtualServer;
use crate::postfix::PostfixServer;
use crate::session::{
    Decision, Effect, Endpoint, Identity, Origin, Reply, SessionState, Step, Trace,
};

/// A mail server of any modelled flavour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Server {
    /// Exchange 2007 and later.
    Exchange(ExchangeServer),
    /// Exchange 2000/2003.
    Exchange2003(SmtpVirtualServer),
    /// Postfix.
    Postfix(PostfixServer),
}

/// How bad a [`Problem`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Severity {
    /// Something relaylab cannot prove (a domain entry, a table lookup); answers for it are
    /// labelled.
    NotProvable,
    /// A configuration the real server refuses, or that makes its answer ambiguous.
    ConfigError,
}

/// A finding about a configuration that is not an import error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// How bad.
    pub severity: Severity,
    /// The server it concerns.
    pub server: String,
    /// What is wrong.
    pub message: String,
    /// Where.
    pub origin: Option<Origin>,
}

/// A set of addresses a server's decisions depend on, for the prover to cut its partition at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionSet {
    /// What it is (`connector Relay RemoteIPRanges`, `mynetworks entry 10.0.0.0/8`).
    pub label: String,
    /// The addresses.
    pub set: AddrSet,
    /// Where it was configured.
    pub origin: Option<Origin>,
}

/// What the prover asks about one client address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Probe {
    /// An anonymous client sends to `user@<domain>` outside the server's domains.
    AnonymousRelay {
        /// The external domain.
        external_domain: String,
    },
    /// An anonymous client sends to a recipient in an accepted domain.
    AnonymousLocal {
        /// The recipient address.
        recipient: String,
    },
    /// An authenticated user sends outside the server's domains.
    AuthenticatedRelay {
        /// The external domain.
        external_domain: String,
        /// Whether the client does STARTTLS first.
        tls: bool,
    },
}

impl Probe {
    /// The client's script for this probe.
    pub fn script(&self) -> Script {
        match self {
            Probe::AnonymousRelay { external_domain } => {
                Script::anonymous(format!("<relaytest@{external_domain}>"))
            }
            Probe::AnonymousLocal { recipient } => Script::anonymous(format!("<{recipient}>")),
            Probe::AuthenticatedRelay {
                external_domain,
                tls,
            } => Script::authenticated(format!("<relaytest@{external_domain}>"), *tls),
        }
    }
}

/// The verdict of a probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Verdict {
    /// The message was queued for a domain the server does not serve.
    Relayed,
    /// The message was queued for a domain the server serves.
    Delivered,
    /// Taken at RCPT and DATA but never delivered anywhere (NDR later).
    AcceptedThenBounced,
    /// Refused at some step (5xx, or no listener).
    Rejected,
    /// Refused for now (4xx).
    Deferred,
}

/// A probe's verdict with the step-by-step replies that led to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProbeOutcome {
    /// The verdict.
    pub verdict: Verdict,
    /// How the client's dialogue ended.
    pub ending: Ending,
    /// The connector (or equivalent) that took the connection.
    pub connector: ConnectorId,
    /// Each step the client took, with the server's decision.
    pub steps: Vec<(Sent, Decision)>,
}

impl ProbeOutcome {
    /// The server's decision on the first step of this kind, if the dialogue got there.
    pub fn decision_at(&self, stage: Stage) -> Option<&Decision> {
        self.steps
            .iter()
            .find(|(s, _)| s.stage() == Some(stage))
            .map(|(_, d)| d)
    }
}

/// A step of a probe dialogue, as the client took it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Sent {
    /// The TCP connection (the banner answers it).
    Connect,
    /// A command.
    Command(Command),
    /// Nothing was sent: AUTH was wanted and no mechanism the client speaks was offered.
    NoMechanism,
}

impl Sent {
    /// The stage whose reply answers this step.
    pub fn stage(&self) -> Option<Stage> {
        Some(match self {
            Sent::Connect => Stage::Banner,
            Sent::Command(Command::Ehlo) => Stage::Ehlo,
            Sent::Command(Command::StartTls) => Stage::StartTls,
            Sent::Command(Command::Auth(_)) => Stage::Auth,
            Sent::Command(Command::Mail(_)) => Stage::Mail,
            Sent::Command(Command::Rcpt(_)) => Stage::Rcpt,
            Sent::Command(Command::Data) => Stage::Data,
            Sent::NoMechanism => return None,
        })
    }
}

impl std::fmt::Display for Sent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Sent::Connect => f.write_str("(connect)"),
            Sent::Command(c) => write!(f, "{c}"),
            Sent::NoMechanism => f.write_str("(no AUTH mechanism the client speaks)"),
        }
    }
}

/// Which connector (or equivalent) of a server answers a connection.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "kebab-case")]
pub enum ConnectorId {
    /// An Exchange 2007+ receive connector, by name.
    Receive(String),
    /// No Exchange receive connector takes the connection.
    NoConnector,
    /// The Exchange 2000/2003 SMTP virtual server, by name.
    VirtualServer(String),
    /// A Postfix smtpd, by the server's name.
    Smtpd(String),
}

impl ConnectorId {
    /// The connector's name, if it has one.
    pub fn name(&self) -> Option<&str> {
        match self {
            ConnectorId::Receive(n) | ConnectorId::VirtualServer(n) | ConnectorId::Smtpd(n) => {
                Some(n)
            }
            ConnectorId::NoConnector => None,
        }
    }
}

impl std::fmt::Display for ConnectorId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnectorId::Receive(n) => write!(f, "connector `{n}`"),
            ConnectorId::NoConnector => f.write_str("no connector"),
            ConnectorId::VirtualServer(n) => write!(f, "SMTP virtual server {n}"),
            ConnectorId::Smtpd(n) => write!(f, "Postfix {n}"),
        }
    }
}

impl ProbeOutcome {
    /// The decision that ended the probe (the last one).
    pub fn last(&self) -> Option<&Decision> {
        self.steps.last().map(|s| &s.1)
    }
}

impl Server {
    /// The server's name.
    pub fn name(&self) -> &str {
        match self {
            Server::Exchange(s) => &s.name,
            Server::Exchange2003(s) => &s.name,
            Server::Postfix(s) => &s.name,
        }
    }

    /// The flavour as a word.
    pub fn flavour(&self) -> &'static str {
        match self {
            Server::Exchange(_) => "exchange",
            Server::Exchange2003(_) => "exchange2003",
            Server::Postfix(_) => "postfix",
        }
    }

    /// The reply to one step of a session in `state`.
    pub fn decide(&self, state: &SessionState, step: &Step<'_>) -> Decision {
        match self {
            Server::Exchange(s) => s.decide(state, step),
            Server::Exchange2003(s) => s.decide(state, step),
            Server::Postfix(s) => s.decide(state, step),
        }
    }

    /// Configuration errors and unprovable entries.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let mut add = |severity, message: String, origin: Option<Origin>| {
            out.push(Problem {
                severity,
                server: self.name().to_string(),
                message,
                origin,
            })
        };
        match self {
            Server::Exchange(s) => {
                for e in s.config_errors() {
                    let origin = s
                        .connectors
                        .iter()
                        .find(|c| c.name == e.connector())
                        .and_then(|c| c.origin.clone());
                    add(Severity::ConfigError, e.to_string(), origin);
                }
                use crate::exchange::AuthMechanism as M;
                for c in &s.connectors {
                    // The dialogue's client speaks basic mechanisms only: where integrated
                    // ones are offered in the clear and basic ones are not, its verdict
                    // says nothing about NTLM or Kerberos clients.
                    if c.has_auth(M::Integrated) && !c.has_auth(M::BasicAuth) {
                        add(
                            Severity::NotProvable,
                            format!(
                                "connector `{}` offers Integrated (NTLM, Kerberos) without BasicAuth: relaylab's client authenticates with PLAIN or LOGIN only, so authenticated relay by an integrated client, with or without TLS, is not probed",
                                c.name
                            ),
                            c.origin.clone(),
                        );
                    }
                }
            }
            Server::Exchange2003(s) => {
                for (what, list) in [
                    ("relay restriction", &s.relay),
                    ("connection control", &s.connection),
                ] {
                    for e in list.domain_entries() {
                        add(
                            Severity::NotProvable,
                            format!(
                                "{what} entry `{}` names a domain (matched by reverse DNS): not provable, treated as matching no address",
                                e.text
                            ),
                            e.origin.clone(),
                        );
                    }
                }
            }
            Server::Postfix(s) => {
                for r in s.relay_restrictions.iter().chain(&s.recipient_restrictions) {
                    if let crate::postfix::RestrictionKind::Unknown(name) = &r.kind {
                        add(
                            Severity::NotProvable,
                            format!(
                                "restriction `{name}` is not modelled; relaylab answers 451 4.3.5 where smtpd reaches it"
                            ),
                            r.origin.clone(),
                        );
                    }
                }
                for e in s.mynetworks.iter().flatten() {
                    if e.set.is_none() {
                        add(
                            Severity::NotProvable,
                            format!(
                                "mynetworks entry `{}` is a table or file relaylab does not read: treated as matching no address",
                                e.text
                            ),
                            e.origin.clone(),
                        );
                    }
                }
            }
        }
        out
    }

    /// Every address set the server's decisions depend on. Membership in each is constant
    /// on every interval of a partition cut at all of them, so one evaluation per interval
    /// covers the interval.
    pub fn decision_sets(&self) -> Vec<DecisionSet> {
        let mut out = Vec::new();
        match self {
            Server::Exchange(s) => {
                for c in &s.connectors {
                    for r in &c.remote_ranges {
                        out.push(DecisionSet {
                            label: format!("connector `{}` RemoteIPRange {}", c.name, r.text),
                            set: r.set.clone(),
                            origin: r.origin.clone(),
                        });
                    }
                }
            }
            Server::Exchange2003(s) => {
                for (what, list) in [("relay", &s.relay), ("connection", &s.connection)] {
                    out.push(DecisionSet {
                        label: format!("{what} list (granted)"),
                        set: list.granted(),
                        origin: list.origin.clone(),
                    });
                    for e in &list.entries {
                        if let crate::exchange2003::EntryTarget::Addresses(set) = &e.target {
                            out.push(DecisionSet {
                                label: format!("{what} list entry {}", e.text),
                                set: set.clone(),
                                origin: e.origin.clone(),
                            });
                        }
                    }
                }
            }
            Server::Postfix(s) => {
                for (label, set, origin) in s.address_sets() {
                    out.push(DecisionSet { label, set, origin });
                }
            }
        }
        out
    }

    /// The connector (or equivalent) that takes a connection to `local` from `remote`.
    pub fn connector(&self, local: &Endpoint, remote: &Addr) -> ConnectorId {
        match self {
            Server::Exchange(s) => match s.select(local, remote).connector {
                Some(c) => ConnectorId::Receive(c.name.clone()),
                None => ConnectorId::NoConnector,
            },
            Server::Exchange2003(s) => ConnectorId::VirtualServer(s.name.clone()),
            Server::Postfix(s) => ConnectorId::Smtpd(s.name.clone()),
        }
    }

    /// Runs a probe: the whole dialogue a client would have (banner, EHLO, STARTTLS and
    /// AUTH where the probe asks for them, MAIL, RCPT, DATA), stopping at the first refusal.
    pub fn probe(&self, local: Endpoint, remote: Addr, probe: &Probe) -> ProbeOutcome {
        self.converse(local, remote, &probe.script())
    }

    /// Runs a client's script through [`Server::decide`], step by step as
    /// [`Dialogue`] chooses them (the live client follows the same machine).
    pub fn converse(&self, local: Endpoint, remote: Addr, script: &Script) -> ProbeOutcome {
        let mut state = SessionState::new(local, remote);
        let mut steps: Vec<(Sent, Decision)> = Vec::new();
        let mut dialogue = Dialogue::new(script.clone());
        let mut d = self.decide(&state, &Step::Connect);
        let mut sent = Sent::Connect;
        let mut rcpt_effect = Effect::None;
        // The dialogue ends after at most eight replies; the bound only guards the loop.
        let ending = loop {
            if steps.len() > 16 {
                break Ending::Refused {
                    at: dialogue.waiting_for(),
                    code: 0,
                };
            }
            let (code, lines) = (d.reply.code, d.reply.lines.clone());
            if matches!(sent, Sent::Command(Command::Rcpt(_))) {
                rcpt_effect = d.effect.clone();
                if d.reply.is_positive() {
                    state.recipients += 1;
                }
            }
            steps.push((sent, d));
            let command = match dialogue.next(code, &lines) {
                Next::Send(c) => c,
                Next::Done(e) => break e,
            };
            if dialogue.tls() {
                state.tls = true;
            }
            d = match &command {
                Command::Ehlo => self.decide(&state, &Step::Ehlo(EHLO_NAME)),
                Command::StartTls => self.decide(&state, &Step::StartTls),
                Command::Auth(m) => {
                    let d = self.decide(&state, &Step::Auth(m.name()));
                    if d.reply.is_positive() {
                        // The lab's account; basic mechanisms only, by the dialogue's choice.
                        state.identity = Identity::User {
                            name: "relaylab-probe".into(),
                            integrated: false,
                        };
                    }
                    d
                }
                Command::Mail(path) => self.decide(&state, &Step::Mail { path, size: None }),
                Command::Rcpt(path) => self.decide(&state, &Step::Rcpt(path)),
                Command::Data => self.decide(
                    &state,
                    &Step::EndOfData {
                        size: 1000,
                        bare_linefeeds: false,
                    },
                ),
            };
            sent = Sent::Command(command);
        };
        if ending == Ending::NoMechanism {
            // The server's own words would be silence: say why the dialogue stopped.
            steps.push((
                Sent::NoMechanism,
                Decision {
                    reply: Reply::new(
                        504,
                        Some("5.7.4"),
                        "No authentication mechanism the client speaks is offered",
                    ),
                    effect: Effect::None,
                    trace: Trace::default(),
                },
            ));
        }
        let verdict = match ending {
            Ending::Refused { .. } if ending.is_transient() => Verdict::Deferred,
            Ending::Refused { .. } | Ending::NoMechanism => Verdict::Rejected,
            Ending::Sent => match rcpt_effect {
                Effect::Recipient { relay: true, .. } => Verdict::Relayed,
                Effect::Recipient {
                    destination:
                        crate::recipient::Destination::LocalThenNdr { .. }
                        | crate::recipient::Destination::SelfAddressed { .. },
                    ..
                } => Verdict::AcceptedThenBounced,
                _ => Verdict::Delivered,
            },
        };
        ProbeOutcome {
            verdict,
            ending,
            connector: self.connector(&local, &remote),
            steps,
        }
    }
}
