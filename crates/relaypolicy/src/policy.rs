//! One entry point over every flavour: the server, its reply to each step, the probes the
//! prover asks about, and the address sets its decisions depend on.

use addrspace::{Addr, AddrSet};
use serde::Serialize;

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
    /// Each step as the client would write it, with the server's decision.
    pub steps: Vec<(String, Decision)>,
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

    /// Runs a probe: the whole dialogue a client would have (banner, EHLO, STARTTLS and
    /// AUTH where the probe asks for them, MAIL, RCPT, DATA), stopping at the first refusal.
    pub fn probe(&self, local: Endpoint, remote: Addr, probe: &Probe) -> ProbeOutcome {
        let mut state = SessionState::new(local, remote);
        let mut steps: Vec<(String, Decision)> = Vec::new();
        let (rcpt, want_tls, auth) = match probe {
            Probe::AnonymousRelay { external_domain } => {
                (format!("<relaytest@{external_domain}>"), false, false)
            }
            Probe::AnonymousLocal { recipient } => (format!("<{recipient}>"), false, false),
            Probe::AuthenticatedRelay {
                external_domain,
                tls,
            } => (format!("<relaytest@{external_domain}>"), *tls, true),
        };
        let finish = |steps: Vec<(String, Decision)>, verdict| ProbeOutcome { verdict, steps };
        let refused = |d: &Decision| {
            if d.reply.is_transient() {
                Verdict::Deferred
            } else {
                Verdict::Rejected
            }
        };
        macro_rules! step {
            ($label:expr, $step:expr) => {{
                let d = self.decide(&state, &$step);
                let ok = d.reply.is_positive();
                steps.push(($label.to_string(), d));
                if !ok {
                    let v = refused(&steps[steps.len() - 1].1);
                    return finish(steps, v);
                }
            }};
        }
        step!("(connect)", Step::Connect);
        step!("EHLO relaylab.invalid", Step::Ehlo("relaylab.invalid"));
        let ehlo_lines = steps
            .last()
            .map(|s| s.1.reply.lines.clone())
            .unwrap_or_default();
        let offers = |word: &str| {
            ehlo_lines
                .iter()
                .any(|l| l.split_whitespace().next() == Some(word))
        };
        if want_tls && offers("STARTTLS") {
            step!("STARTTLS", Step::StartTls);
            state.tls = true;
            step!("EHLO relaylab.invalid", Step::Ehlo("relaylab.invalid"));
        }
        if auth {
            let ehlo_now = steps
                .iter()
                .rev()
                .find(|s| s.0.starts_with("EHLO"))
                .map(|s| s.1.reply.lines.clone())
                .unwrap_or_default();
            let mech = ehlo_now
                .iter()
                .find_map(|l| l.strip_prefix("AUTH "))
                .and_then(|m| {
                    m.split_whitespace()
                        .find(|m| ["LOGIN", "PLAIN", "NTLM", "GSSAPI"].contains(m))
                })
                .map(str::to_string);
            let Some(mech) = mech else {
                steps.push((
                    "AUTH".into(),
                    Decision {
                        reply: Reply::new(
                            504,
                            Some("5.7.4"),
                            "No authentication mechanism offered",
                        ),
                        effect: Effect::None,
                        trace: Trace::default(),
                    },
                ));
                return finish(steps, Verdict::Rejected);
            };
            step!(format!("AUTH {mech}"), Step::Auth(&mech));
            state.identity = Identity::User {
                name: "relaylab-probe".into(),
                integrated: mech == "NTLM" || mech == "GSSAPI",
            };
        }
        step!(
            "MAIL FROM:<probe@relaylab.invalid>",
            Step::Mail {
                path: "<probe@relaylab.invalid>",
                size: None
            }
        );
        step!(format!("RCPT TO:{rcpt}"), Step::Rcpt(&rcpt));
        let rcpt_effect = steps
            .last()
            .map(|s| s.1.effect.clone())
            .unwrap_or(Effect::None);
        state.recipients += 1;
        step!(
            "DATA ... .",
            Step::EndOfData {
                size: 1000,
                bare_linefeeds: false
            }
        );
        let verdict = match rcpt_effect {
            Effect::Recipient { relay: true, .. } => Verdict::Relayed,
            Effect::Recipient {
                destination:
                    crate::recipient::Destination::LocalThenNdr { .. }
                    | crate::recipient::Destination::SelfAddressed { .. },
                ..
            } => Verdict::AcceptedThenBounced,
            _ => Verdict::Delivered,
        };
        finish(steps, verdict)
    }
}
