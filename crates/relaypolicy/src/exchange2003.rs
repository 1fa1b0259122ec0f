//! Exchange 2000/2003: the IIS SMTP virtual server's relay restrictions and connection
//! control.

use std::net::IpAddr;

use addrspace::{Addr, AddrSet};
use serde::Serialize;

use crate::recipient::{self, Destination, Flavour, LocalNames};
use crate::session::{Decision, Effect, Origin, Reply, SessionState, Step, Trace, TraceKind};

/// How a list grants: "Only the list below" or "All except the list below".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ListMode {
    /// Only the listed computers are granted.
    OnlyList,
    /// Every computer except the listed ones is granted (an empty list grants everyone).
    AllExceptList,
}

/// What a list entry names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum EntryTarget {
    /// A single address or an address with a mask.
    Addresses(#[serde(skip)] AddrSet),
    /// A domain, matched by reverse DNS of the client: relaylab cannot prove anything about
    /// it and treats it as matching no address (reported as not provable).
    Domain(String),
}

/// One list entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListEntry {
    /// As written (`10.1.1.5`, `10.1.2.0 255.255.255.0`, `printers.contoso.com`).
    pub text: String,
    /// What it names.
    pub target: EntryTarget,
    /// Where it was read.
    pub origin: Option<Origin>,
}

impl ListEntry {
    /// Reads `a.b.c.d`, `a.b.c.d m.m.m.m` (the dialog's IP + subnet mask), `a.b.c.d/len`,
    /// or a domain name.
    pub fn parse(text: &str) -> Result<ListEntry, addrspace::AddrError> {
        let t = text.trim();
        let words: Vec<&str> = t.split_whitespace().collect();
        let target = match words.as_slice() {
            [a, m] => EntryTarget::Addresses(AddrSet::parse(&format!("{a} mask {m}"))?),
            [one] if one.parse::<Addr>().is_ok() || one.contains('/') => {
                EntryTarget::Addresses(AddrSet::parse(one)?)
            }
            [one]
                if one.chars().any(|c| c.is_ascii_alphabetic())
                    && one
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-') =>
            {
                EntryTarget::Domain(one.to_ascii_lowercase())
            }
            _ => EntryTarget::Addresses(AddrSet::parse(t)?),
        };
        Ok(ListEntry {
            text: t.to_string(),
            target,
            origin: None,
        })
    }
}

/// A relay or connection list with its mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessList {
    /// The mode.
    pub mode: ListMode,
    /// The entries.
    pub entries: Vec<ListEntry>,
    /// Where the mode was read.
    pub origin: Option<Origin>,
}

impl AccessList {
    /// "All except the list below" with an empty list: everyone.
    pub fn everyone() -> AccessList {
        AccessList {
            mode: ListMode::AllExceptList,
            entries: Vec::new(),
            origin: None,
        }
    }

    /// "Only the list below" with an empty list: no one (Exchange 2003's relay default).
    pub fn no_one() -> AccessList {
        AccessList {
            mode: ListMode::OnlyList,
            entries: Vec::new(),
            origin: None,
        }
    }

    /// The addresses the entries name (domain entries name none that can be proved).
    pub fn listed(&self) -> AddrSet {
        AddrSet::from_sets(self.entries.iter().filter_map(|e| match &e.target {
            EntryTarget::Addresses(s) => Some(s),
            EntryTarget::Domain(_) => None,
        }))
    }

    /// The addresses the list grants.
    pub fn granted(&self) -> AddrSet {
        match self.mode {
            ListMode::OnlyList => self.listed(),
            ListMode::AllExceptList => self.listed().complement(),
        }
    }

    /// The entry holding `addr`, if any.
    pub fn entry_for(&self, addr: &Addr) -> Option<&ListEntry> {
        self.entries.iter().find(|e| match &e.target {
            EntryTarget::Addresses(s) => s.contains(addr),
            EntryTarget::Domain(_) => false,
        })
    }

    /// Whether `addr` is granted, and the entry or mode that says so.
    pub fn check(&self, addr: &Addr) -> (bool, String, Option<&Origin>) {
        let hit = self.entry_for(addr);
        match (self.mode, hit) {
            (ListMode::OnlyList, Some(e)) => (
                true,
                format!("listed by entry {}", e.text),
                e.origin.as_ref(),
            ),
            (ListMode::OnlyList, None) => (
                false,
                "not in the \"Only the list below\" list".into(),
                self.origin.as_ref(),
            ),
            (ListMode::AllExceptList, Some(e)) => (
                false,
                format!("excluded by entry {}", e.text),
                e.origin.as_ref(),
            ),
            (ListMode::AllExceptList, None) => (
                true,
                "not excluded by the \"All except the list below\" list".into(),
                self.origin.as_ref(),
            ),
        }
    }

    /// Domain entries, which cannot be proved.
    pub fn domain_entries(&self) -> impl Iterator<Item = &ListEntry> {
        self.entries
            .iter()
            .filter(|e| matches!(e.target, EntryTarget::Domain(_)))
    }
}

/// An Exchange 2003 SMTP virtual server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SmtpVirtualServer {
    /// The server name.
    pub name: String,
    /// The FQDN it announces.
    pub fqdn: String,
    /// Domains of its recipient policies (lower-case); the first is the default.
    pub local_domains: Vec<String>,
    /// Relay restrictions (`RelayIpList`).
    pub relay: AccessList,
    /// "Allow all computers which successfully authenticate to relay" (`RelayForAuth`).
    pub relay_for_auth: bool,
    /// Connection control: who may connect at all; it never grants relay.
    pub connection: AccessList,
    /// Whether anonymous access is enabled (Authentication dialog).
    pub anonymous: bool,
    /// Whether basic authentication is offered.
    pub basic_auth: bool,
    /// Whether integrated Windows authentication is offered.
    pub integrated_auth: bool,
    /// Where the server was read.
    pub origin: Option<Origin>,
}

impl SmtpVirtualServer {
    /// A server with Exchange 2003's defaults: relay only for the (empty) list, relay for
    /// authenticated computers, everyone may connect, anonymous, basic and integrated on.
    pub fn new(name: &str, fqdn: &str) -> SmtpVirtualServer {
        SmtpVirtualServer {
            name: name.to_string(),
            fqdn: fqdn.to_ascii_lowercase(),
            local_domains: Vec::new(),
            relay: AccessList::no_one(),
            relay_for_auth: true,
            connection: AccessList::everyone(),
            anonymous: true,
            basic_auth: true,
            integrated_auth: true,
            origin: None,
        }
    }

    fn mechanisms(&self) -> Vec<&'static str> {
        let mut m = Vec::new();
        if self.integrated_auth {
            m.extend(["GSSAPI", "NTLM"]);
        }
        if self.basic_auth {
            m.push("LOGIN");
        }
        m
    }

    /// Whether the session may relay, and why.
    pub fn may_relay(&self, state: &SessionState) -> (bool, String, Option<&Origin>) {
        let (listed, why, origin) = self.relay.check(&state.remote);
        if listed {
            return (true, format!("relay restrictions: {why}"), origin);
        }
        if self.relay_for_auth && state.identity.is_authenticated() {
            return (
                true,
                "\"Allow all computers which successfully authenticate to relay\" is ticked".into(),
                self.origin.as_ref(),
            );
        }
        (false, format!("relay restrictions: {why}"), origin)
    }

    /// The reply to one step.
    pub fn decide(&self, state: &SessionState, step: &Step<'_>) -> Decision {
        let mut trace = Trace::default();
        let done = |reply: Reply, effect: Effect, trace: Trace| Decision {
            reply,
            effect,
            trace,
        };
        let r = |code, esc: &str, text: String| Reply::new(code, Some(esc), text);
        let (may_connect, why, origin) = self.connection.check(&state.remote);
        trace.push(
            TraceKind::Connector,
            format!(
                "SMTP virtual server {}; connection control: {why}",
                self.name
            ),
            origin,
        );
        if !may_connect {
            return done(
                Reply::new(
                    421,
                    Some("4.3.2"),
                    "Service not available, closing transmission channel",
                ),
                Effect::Close,
                trace,
            );
        }
        match step {
            Step::Connect => done(
                Reply::new(
                    220,
                    None,
                    format!(
                        "{} Microsoft ESMTP MAIL Service, Version: 6.0.3790.3959 ready",
                        self.fqdn
                    ),
                ),
                Effect::None,
                trace,
            ),
            Step::Ehlo(_) => {
                let mut lines = vec![format!("{} Hello [{}]", self.fqdn, state.remote)];
                lines.extend(
                    [
                        "TURN",
                        "SIZE",
                        "ETRN",
                        "PIPELINING",
                        "DSN",
                        "ENHANCEDSTATUSCODES",
                        "8bitmime",
                        "BINARYMIME",
                        "CHUNKING",
                        "VRFY",
                        "X-EXPS GSSAPI NTLM LOGIN",
                        "X-EXPS=LOGIN",
                    ]
                    .map(String::from),
                );
                let m = self.mechanisms();
                if !m.is_empty() {
                    lines.push(format!("AUTH {}", m.join(" ")));
                    lines.push(format!("AUTH={}", m.join(" ")));
                }
                lines.extend(["X-LINK2STATE", "XEXCH50", "OK"].map(String::from));
                done(Reply::multi(250, lines), Effect::None, trace)
            }
            Step::StartTls => done(
                r(
                    454,
                    "5.7.3",
                    "TLS not available due to temporary reason".into(),
                ),
                Effect::None,
                trace,
            ),
            Step::Auth(mech) => {
                if !self
                    .mechanisms()
                    .iter()
                    .any(|m| m.eq_ignore_ascii_case(mech))
                {
                    return done(
                        r(504, "5.7.4", "Unrecognized authentication type.".into()),
                        Effect::None,
                        trace,
                    );
                }
                done(
                    r(235, "2.7.0", "Authentication successful.".into()),
                    Effect::Authenticate,
                    trace,
                )
            }
            Step::Mail { path, .. } => {
                if !self.anonymous && !state.identity.is_authenticated() {
                    trace.push(
                        TraceKind::Setting,
                        "anonymous access is off",
                        self.origin.as_ref(),
                    );
                    return done(
                        r(530, "5.7.3", "Client was not authenticated".into()),
                        Effect::None,
                        trace,
                    );
                }
                let p = path.trim().trim_start_matches('<').trim_end_matches('>');
                done(
                    r(250, "2.1.0", format!("{p}....Sender OK")),
                    Effect::Transaction,
                    trace,
                )
            }
            Step::Rcpt(path) => self.decide_rcpt(state, path, trace),
            Step::EndOfData { .. } => done(
                r(250, "2.6.0", "Queued mail for delivery".into()),
                Effect::Queued,
                trace,
            ),
        }
    }

    fn decide_rcpt(&self, state: &SessionState, path: &str, mut trace: Trace) -> Decision {
        let bare = path
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .to_string();
        let parsed = match recipient::parse_path(path) {
            Ok(p) => p,
            Err(e) => {
                trace.push(TraceKind::Recipient, format!("{path}: {e}"), None);
                return Decision {
                    reply: Reply::new(501, Some("5.5.4"), "Invalid Address"),
                    effect: Effect::Recipient {
                        destination: Destination::Invalid {
                            reason: e.to_string(),
                        },
                        relay: false,
                    },
                    trace,
                };
            }
        };
        let is_local = |d: &str| self.local_domains.iter().any(|l| l == d);
        let own_names = vec![self.fqdn.clone()];
        let own: Vec<IpAddr> = vec![state.local.addr.ip];
        let names = LocalNames {
            is_local_domain: &is_local,
            own_names: &own_names,
            own_addresses: &own,
            default_domain: self.local_domains.first().map(String::as_str),
        };
        let dest = recipient::classify(&parsed, Flavour::Exchange2003, &names);
        trace.push(
            TraceKind::Recipient,
            format!("{} reads as {dest:?}", parsed.mailbox()),
            None,
        );
        let ok = |dest: Destination, relay: bool, trace: Trace| Decision {
            reply: Reply::new(250, Some("2.1.5"), bare.clone()),
            effect: Effect::Recipient {
                destination: dest,
                relay,
            },
            trace,
        };
        match dest {
            Destination::Invalid { .. } => Decision {
                reply: Reply::new(501, Some("5.5.4"), "Invalid Address"),
                effect: Effect::Recipient {
                    destination: dest,
                    relay: false,
                },
                trace,
            },
            Destination::Local { .. }
            | Destination::LocalThenNdr { .. }
            | Destination::SelfAddressed { .. } => ok(dest, false, trace),
            Destination::Remote { .. } => {
                let (may, why, origin) = self.may_relay(state);
                trace.push(TraceKind::Right, why, origin);
                if may {
                    ok(dest, true, trace)
                } else {
                    Decision {
                        reply: Reply::new(
                            550,
                            Some("5.7.1"),
                            format!("Unable to relay for {bare}"),
                        ),
                        effect: Effect::Recipient {
                            destination: dest,
                            relay: false,
                        },
                        trace,
                    }
                }
            }
        }
    }
}
