//! Postfix: the relay-relevant part of `postconf -n` and what smtpd answers.

use std::net::IpAddr;

use addrspace::{Addr, AddrSet, Family};
use serde::Serialize;

use crate::recipient::{self, Destination, Flavour, LocalNames};
use crate::session::{Decision, Effect, Origin, Reply, SessionState, Step, Trace, TraceKind};

/// `mynetworks_style`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum NetworksStyle {
    /// Only the server's own addresses (the default since Postfix 3.0).
    Host,
    /// The subnets of the server's interfaces (the default before 3.0).
    Subnet,
    /// The class A/B/C networks of the server's IPv4 interfaces (IPv6: as subnet).
    Class,
}

/// One `mynetworks` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NetEntry {
    /// As written.
    pub text: String,
    /// `!`: a match excludes the client (first match wins).
    pub negated: bool,
    /// The addresses; `None` for a table lookup or file that relaylab does not read.
    #[serde(skip)]
    pub set: Option<AddrSet>,
    /// Where it was read.
    pub origin: Option<Origin>,
}

/// A restriction in `smtpd_relay_restrictions` or `smtpd_recipient_restrictions`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum RestrictionKind {
    /// `permit_mynetworks`.
    PermitMynetworks,
    /// `permit_sasl_authenticated`.
    PermitSaslAuthenticated,
    /// `permit_auth_destination`.
    PermitAuthDestination,
    /// `reject_unauth_destination`: `554 5.7.1 Relay access denied`.
    RejectUnauthDestination,
    /// `defer_unauth_destination`: `454 4.7.1 Relay access denied`.
    DeferUnauthDestination,
    /// `permit`.
    Permit,
    /// `reject`.
    Reject,
    /// `defer`.
    Defer,
    /// Anything else: smtpd answers `451 4.3.5 Server configuration error` when it reaches
    /// one it does not know; relaylab does the same for ones it does not model.
    Unknown(String),
}

/// A restriction with its origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Restriction {
    /// What it does.
    pub kind: RestrictionKind,
    /// As written.
    pub text: String,
    /// Where it was read.
    pub origin: Option<Origin>,
}

impl Restriction {
    /// Reads one restriction name.
    pub fn parse(text: &str) -> Restriction {
        let kind = match text.trim().to_ascii_lowercase().as_str() {
            "permit_mynetworks" => RestrictionKind::PermitMynetworks,
            "permit_sasl_authenticated" => RestrictionKind::PermitSaslAuthenticated,
            "permit_auth_destination" => RestrictionKind::PermitAuthDestination,
            "reject_unauth_destination" => RestrictionKind::RejectUnauthDestination,
            "defer_unauth_destination" => RestrictionKind::DeferUnauthDestination,
            "permit" => RestrictionKind::Permit,
            "reject" => RestrictionKind::Reject,
            "defer" => RestrictionKind::Defer,
            other => RestrictionKind::Unknown(other.to_string()),
        };
        Restriction {
            kind,
            text: text.trim().to_string(),
            origin: None,
        }
    }
}

/// A domain list entry (`mydestination`, `relay_domains`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DomainEntry {
    /// Lower-case; `.example.com` matches subdomains.
    pub domain: String,
    /// Where it was read.
    pub origin: Option<Origin>,
}

impl DomainEntry {
    fn matches(&self, domain: &str) -> bool {
        match self.domain.strip_prefix('.') {
            Some(parent) => domain.ends_with(&format!(".{parent}")),
            None => self.domain == domain,
        }
    }
}

/// A Postfix instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PostfixServer {
    /// A name for reports.
    pub name: String,
    /// `myhostname`.
    pub myhostname: String,
    /// The interface addresses with prefix lengths (for `mynetworks_style`).
    pub interfaces: Vec<(IpAddr, u8)>,
    /// Explicit `mynetworks`, first match wins; `None` when computed from the style.
    pub mynetworks: Option<Vec<NetEntry>>,
    /// `mynetworks_style`.
    pub mynetworks_style: NetworksStyle,
    /// `smtpd_relay_restrictions` (Postfix 2.10+ default: permit_mynetworks,
    /// permit_sasl_authenticated, defer_unauth_destination).
    pub relay_restrictions: Vec<Restriction>,
    /// `smtpd_recipient_restrictions`.
    pub recipient_restrictions: Vec<Restriction>,
    /// `mydestination`.
    pub mydestination: Vec<DomainEntry>,
    /// `relay_domains`.
    pub relay_domains: Vec<DomainEntry>,
    /// `smtpd_sasl_auth_enable`.
    pub sasl_enabled: bool,
    /// `smtpd_tls_auth_only`.
    pub tls_auth_only: bool,
    /// Whether STARTTLS is offered (`smtpd_tls_security_level` may/encrypt or
    /// `smtpd_use_tls`).
    pub tls: bool,
    /// `smtpd_tls_security_level = encrypt`.
    pub tls_required: bool,
    /// `message_size_limit`.
    pub message_size_limit: u64,
    /// `smtpd_recipient_limit`.
    pub recipient_limit: usize,
    /// `smtpd_upstream_proxy_protocol` (recorded for the live lab: the server then sees the
    /// client's real address).
    pub upstream_proxy_protocol: Option<String>,
    /// `smtpd_authorized_xclient_hosts`, recorded.
    pub xclient_hosts: Option<String>,
    /// Where the configuration was read.
    pub origin: Option<Origin>,
}

impl PostfixServer {
    /// A server with Postfix 3.x defaults.
    pub fn new(name: &str, myhostname: &str) -> PostfixServer {
        let host = myhostname.to_ascii_lowercase();
        let mydomain = host
            .split_once('.')
            .map_or("localdomain", |(_, d)| d)
            .to_string();
        let dest = |d: String| DomainEntry {
            domain: d,
            origin: None,
        };
        PostfixServer {
            name: name.to_string(),
            myhostname: host.clone(),
            interfaces: Vec::new(),
            mynetworks: None,
            mynetworks_style: NetworksStyle::Host,
            relay_restrictions: [
                "permit_mynetworks",
                "permit_sasl_authenticated",
                "defer_unauth_destination",
            ]
            .map(Restriction::parse)
            .to_vec(),
            recipient_restrictions: Vec::new(),
            mydestination: vec![
                dest(host),
                dest(format!("localhost.{mydomain}")),
                dest("localhost".into()),
            ],
            relay_domains: Vec::new(),
            sasl_enabled: false,
            tls_auth_only: false,
            tls: false,
            tls_required: false,
            message_size_limit: 10_240_000,
            recipient_limit: 1000,
            upstream_proxy_protocol: None,
            xclient_hosts: None,
            origin: None,
        }
    }

    /// The addresses `mynetworks` holds, with exclusions applied in first-match order.
    pub fn mynetworks_set(&self) -> AddrSet {
        match &self.mynetworks {
            Some(entries) => {
                let mut taken = AddrSet::empty();
                let mut decided = AddrSet::empty();
                for e in entries {
                    let Some(s) = &e.set else { continue };
                    let fresh = s.difference(&decided);
                    if !e.negated {
                        taken = taken.union(&fresh);
                    }
                    decided = decided.union(s);
                }
                taken
            }
            None => self.style_set(),
        }
    }

    /// The networks `mynetworks_style` gives, from the interfaces and loopback.
    pub fn style_set(&self) -> AddrSet {
        let loopback = [
            (IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 1)), 8u8),
            (IpAddr::V6(std::net::Ipv6Addr::LOCALHOST), 128u8),
        ];
        let mut sets = Vec::new();
        for (ip, len) in self.interfaces.iter().chain(loopback.iter()) {
            let addr = Addr::new(*ip);
            let len = match (self.mynetworks_style, addr.domain().family) {
                (NetworksStyle::Host, Family::V4) => 32,
                (NetworksStyle::Host, Family::V6) => 128,
                (NetworksStyle::Subnet, _) | (NetworksStyle::Class, Family::V6) => *len,
                (NetworksStyle::Class, Family::V4) => {
                    let first = (addr.number() >> 24) as u8;
                    match first {
                        0..=127 => 8,
                        128..=191 => 16,
                        _ => 24,
                    }
                }
            };
            if let Ok(s) = AddrSet::parse(&format!("{}/{len}", addr)) {
                sets.push(s);
            }
        }
        AddrSet::from_sets(sets.iter())
    }

    /// Whether `addr` is in mynetworks, and the entry (or style) that decided it.
    pub fn in_mynetworks(&self, addr: &Addr) -> (bool, String, Option<&Origin>) {
        match &self.mynetworks {
            Some(entries) => {
                for e in entries {
                    if e.set.as_ref().is_some_and(|s| s.contains(addr)) {
                        let what = if e.negated { "excluded" } else { "matched" };
                        return (
                            !e.negated,
                            format!("mynetworks entry {} {what} {addr}", e.text),
                            e.origin.as_ref(),
                        );
                    }
                }
                (
                    false,
                    format!("no mynetworks entry matches {addr}"),
                    self.origin.as_ref(),
                )
            }
            None => {
                let hit = self.style_set().contains(addr);
                (
                    hit,
                    format!(
                        "mynetworks_style {:?} {} {addr}",
                        self.mynetworks_style,
                        if hit { "holds" } else { "does not hold" }
                    ),
                    self.origin.as_ref(),
                )
            }
        }
    }

    fn domain_in(list: &[DomainEntry], d: &str) -> Option<usize> {
        list.iter().position(|e| e.matches(d))
    }

    fn reject_code(&self, kind: &RestrictionKind, rcpt: &str) -> Reply {
        match kind {
            RestrictionKind::RejectUnauthDestination => {
                Reply::new(554, Some("5.7.1"), format!("<{rcpt}>: Relay access denied"))
            }
            RestrictionKind::DeferUnauthDestination => {
                Reply::new(454, Some("4.7.1"), format!("<{rcpt}>: Relay access denied"))
            }
            RestrictionKind::Reject => Reply::new(
                554,
                Some("5.7.1"),
                format!("<{rcpt}>: Recipient address rejected: Access denied"),
            ),
            RestrictionKind::Defer => Reply::new(
                450,
                Some("4.7.1"),
                format!("<{rcpt}>: Recipient address rejected: Access denied"),
            ),
            _ => Reply::new(451, Some("4.3.5"), "Server configuration error"),
        }
    }

    /// The reply to one step.
    pub fn decide(&self, state: &SessionState, step: &Step<'_>) -> Decision {
        let mut trace = Trace::default();
        trace.push(
            TraceKind::Connector,
            format!("Postfix {} ({})", self.name, self.myhostname),
            self.origin.as_ref(),
        );
        let done = |reply: Reply, effect: Effect, trace: Trace| Decision {
            reply,
            effect,
            trace,
        };
        let r = |code, esc: &str, text: &str| Reply::new(code, Some(esc), text);
        match step {
            Step::Connect => done(
                Reply::new(220, None, format!("{} ESMTP Postfix", self.myhostname)),
                Effect::None,
                trace,
            ),
            Step::Ehlo(_) => {
                let mut lines = vec![self.myhostname.clone()];
                lines.extend([
                    "PIPELINING".to_string(),
                    format!("SIZE {}", self.message_size_limit),
                    "VRFY".into(),
                    "ETRN".into(),
                ]);
                if self.tls && !state.tls {
                    lines.push("STARTTLS".into());
                }
                if self.sasl_enabled && (state.tls || !self.tls_auth_only) {
                    lines.push("AUTH PLAIN LOGIN".into());
                }
                lines.extend(
                    [
                        "ENHANCEDSTATUSCODES",
                        "8BITMIME",
                        "DSN",
                        "SMTPUTF8",
                        "CHUNKING",
                    ]
                    .map(String::from),
                );
                done(Reply::multi(250, lines), Effect::None, trace)
            }
            Step::StartTls => {
                if !self.tls || state.tls {
                    return done(
                        r(502, "5.5.1", "Error: command not implemented"),
                        Effect::None,
                        trace,
                    );
                }
                done(
                    r(220, "2.0.0", "Ready to start TLS"),
                    Effect::StartTls,
                    trace,
                )
            }
            Step::Auth(mech) => {
                if !self.sasl_enabled {
                    return done(
                        r(503, "5.5.1", "Error: authentication not enabled"),
                        Effect::None,
                        trace,
                    );
                }
                if self.tls_auth_only && !state.tls {
                    return done(
                        r(
                            538,
                            "5.7.11",
                            "Encryption required for requested authentication mechanism",
                        ),
                        Effect::None,
                        trace,
                    );
                }
                if !["PLAIN", "LOGIN"]
                    .iter()
                    .any(|m| m.eq_ignore_ascii_case(mech))
                {
                    return done(
                        r(
                            535,
                            "5.7.8",
                            "Error: authentication failed: Invalid authentication mechanism",
                        ),
                        Effect::None,
                        trace,
                    );
                }
                done(
                    r(235, "2.7.0", "Authentication successful"),
                    Effect::Authenticate,
                    trace,
                )
            }
            Step::Mail { size, .. } => {
                if self.tls_required && !state.tls {
                    return done(
                        r(530, "5.7.0", "Must issue a STARTTLS command first"),
                        Effect::None,
                        trace,
                    );
                }
                if size.is_some_and(|s| s > self.message_size_limit) {
                    return done(
                        r(552, "5.3.4", "Message size exceeds fixed limit"),
                        Effect::None,
                        trace,
                    );
                }
                done(r(250, "2.1.0", "Ok"), Effect::Transaction, trace)
            }
            Step::Rcpt(path) => self.decide_rcpt(state, path, trace),
            Step::EndOfData { size, .. } => {
                if *size > self.message_size_limit {
                    return done(
                        r(552, "5.3.4", "Message size exceeds fixed limit"),
                        Effect::None,
                        trace,
                    );
                }
                done(r(250, "2.0.0", "Ok: queued"), Effect::Queued, trace)
            }
        }
    }

    fn decide_rcpt(&self, state: &SessionState, path: &str, mut trace: Trace) -> Decision {
        let bare = path
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .to_string();
        if self.tls_required && !state.tls {
            return Decision {
                reply: Reply::new(530, Some("5.7.0"), "Must issue a STARTTLS command first"),
                effect: Effect::None,
                trace,
            };
        }
        if state.recipients >= self.recipient_limit {
            return Decision {
                reply: Reply::new(452, Some("4.5.3"), "Error: too many recipients"),
                effect: Effect::None,
                trace,
            };
        }
        let parsed = match recipient::parse_path(path) {
            Ok(p) => p,
            Err(e) => {
                trace.push(TraceKind::Recipient, format!("{path}: {e}"), None);
                return Decision {
                    reply: Reply::new(501, Some("5.1.3"), "Bad recipient address syntax"),
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
        let is_local = |d: &str| Self::domain_in(&self.mydestination, d).is_some();
        let own_names = vec![self.myhostname.clone()];
        let own: Vec<IpAddr> = std::iter::once(state.local.addr.ip)
            .chain(self.interfaces.iter().map(|i| i.0))
            .collect();
        let names = LocalNames {
            is_local_domain: &is_local,
            own_names: &own_names,
            own_addresses: &own,
            default_domain: Some(&self.myhostname),
        };
        let dest = recipient::classify(&parsed, Flavour::Postfix, &names);
        trace.push(
            TraceKind::Recipient,
            format!("{} reads as {dest:?}", parsed.mailbox()),
            None,
        );
        if let Destination::Invalid { .. } = dest {
            return Decision {
                reply: Reply::new(501, Some("5.1.3"), "Bad recipient address syntax"),
                effect: Effect::Recipient {
                    destination: dest,
                    relay: false,
                },
                trace,
            };
        }
        // permit_auth_destination's test: local or relay_domains, and not routed.
        let (auth_dest, relay) = match &dest {
            Destination::Remote { domain, routed } => {
                let listed = Self::domain_in(&self.relay_domains, domain);
                if let Some(i) = listed {
                    trace.push(
                        TraceKind::Domain,
                        format!("relay_domains entry {}", self.relay_domains[i].domain),
                        self.relay_domains[i].origin.as_ref(),
                    );
                }
                (
                    listed.is_some() && !routed,
                    listed.is_none() && !is_local(domain),
                )
            }
            _ => (true, false),
        };
        for list in [&self.relay_restrictions, &self.recipient_restrictions] {
            for rest in list {
                let verdict = match &rest.kind {
                    RestrictionKind::PermitMynetworks => {
                        let (hit, why, origin) = self.in_mynetworks(&state.remote);
                        trace.push(TraceKind::Address, why, origin);
                        hit.then_some(true)
                    }
                    RestrictionKind::PermitSaslAuthenticated => {
                        state.identity.is_authenticated().then_some(true)
                    }
                    RestrictionKind::PermitAuthDestination => auth_dest.then_some(true),
                    RestrictionKind::RejectUnauthDestination
                    | RestrictionKind::DeferUnauthDestination => (!auth_dest).then_some(false),
                    RestrictionKind::Permit => Some(true),
                    RestrictionKind::Reject
                    | RestrictionKind::Defer
                    | RestrictionKind::Unknown(_) => Some(false),
                };
                match verdict {
                    Some(true) => {
                        trace.push(
                            TraceKind::Restriction,
                            format!("{} permits", rest.text),
                            rest.origin.as_ref(),
                        );
                        break;
                    }
                    Some(false) => {
                        trace.push(
                            TraceKind::Restriction,
                            format!("{} refuses", rest.text),
                            rest.origin.as_ref(),
                        );
                        return Decision {
                            reply: self.reject_code(&rest.kind, &bare),
                            effect: Effect::Recipient {
                                destination: dest,
                                relay: false,
                            },
                            trace,
                        };
                    }
                    None => {}
                }
            }
        }
        Decision {
            reply: Reply::new(250, Some("2.1.5"), "Ok"),
            effect: Effect::Recipient {
                destination: dest,
                relay,
            },
            trace,
        }
    }

    /// The address sets the decisions depend on.
    pub fn address_sets(&self) -> Vec<(String, AddrSet, Option<Origin>)> {
        let mut out = vec![(
            "mynetworks".to_string(),
            self.mynetworks_set(),
            self.origin.clone(),
        )];
        if let Some(entries) = &self.mynetworks {
            for e in entries {
                if let Some(s) = &e.set {
                    out.push((
                        format!("mynetworks entry {}", e.text),
                        s.clone(),
                        e.origin.clone(),
                    ));
                }
            }
        }
        out
    }
}
