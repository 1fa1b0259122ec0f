//! `relaylab policy show`: every server's connectors (or relay lists) with the rights they
//! effectively grant, as text or as JSON.

use std::fmt::Write as _;

use addrspace::Addr;
use serde::Serialize;

use crate::exchange::{ExchangeServer, ExtendedRight, ReceiveConnector};
use crate::import::PolicySet;
use crate::policy::{Problem, Server};
use crate::postfix::{PostfixServer, RestrictionKind};
use crate::session::{Endpoint, Identity, SessionState};

/// The whole report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShowReport {
    /// One entry per server.
    pub servers: Vec<ShowServer>,
    /// Configuration errors and unprovable entries.
    pub problems: Vec<Problem>,
}

/// One server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShowServer {
    /// Its name.
    pub name: String,
    /// `exchange`, `exchange2003` or `postfix`.
    pub flavour: String,
    /// Version or notable server-wide settings.
    pub notes: Vec<String>,
    /// Connectors (Exchange), the virtual server (2003) or the smtpd instance (Postfix).
    pub connectors: Vec<ShowConnector>,
}

/// One connector with its effective rights.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShowConnector {
    /// Its name.
    pub name: String,
    /// Where it was configured (`file:line:column`).
    pub origin: Option<String>,
    /// Settings as `(name, value)` pairs, in display order.
    pub settings: Vec<(String, String)>,
    /// Effective rights per kind of client.
    pub rights: Vec<ShowRights>,
    /// Client addresses that may relay without authenticating, as CIDRs.
    pub anonymous_relay_from: Vec<String>,
}

/// What one kind of client gets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShowRights {
    /// The kind of client.
    pub client: String,
    /// The rights it holds.
    pub rights: Vec<String>,
    /// Whether it may relay.
    pub relay: bool,
}

fn probe_state(tls: bool, identity: Identity) -> SessionState {
    let local = Endpoint::new(
        Addr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)),
        25,
    );
    let mut s = SessionState::new(local, local.addr);
    s.tls = tls;
    s.identity = identity;
    s
}

fn exchange_connector(ex: &ExchangeServer, c: &ReceiveConnector) -> ShowConnector {
    let join = |v: Vec<String>| {
        if v.is_empty() {
            "None".to_string()
        } else {
            v.join(", ")
        }
    };
    let mut settings = vec![
        (
            "Bindings".to_string(),
            join(c.bindings.iter().map(|b| b.to_string()).collect()),
        ),
        (
            "RemoteIPRanges".to_string(),
            join(c.remote_ranges.iter().map(|r| r.text.clone()).collect()),
        ),
        (
            "PermissionGroups".to_string(),
            join(c.permission_groups.iter().map(|g| g.to_string()).collect()),
        ),
        (
            "AuthMechanism".to_string(),
            join(c.auth.iter().map(|a| a.to_string()).collect()),
        ),
        ("RequireTLS".to_string(), c.require_tls.to_string()),
    ];
    if let Some(r) = &c.transport_role {
        settings.push(("TransportRole".into(), r.clone()));
    }
    if let Some(f) = &c.fqdn {
        settings.push(("Fqdn".into(), f.clone()));
    }
    let from = ex.selected_from(c);
    settings.push((
        "selected for".into(),
        if from.is_empty() {
            "no client (more specific connectors take every address)".to_string()
        } else if from == c.remote_set() {
            "every address of its RemoteIPRanges".to_string()
        } else {
            from.cidrs().join(", ")
        },
    ));
    let clients = [
        ("anonymous", Identity::Anonymous),
        (
            "authenticated user",
            Identity::User {
                name: "user".into(),
                integrated: false,
            },
        ),
        (
            "authenticated user (integrated)",
            Identity::User {
                name: "user".into(),
                integrated: true,
            },
        ),
        (
            "Exchange server",
            Identity::ExchangeServer {
                name: "server".into(),
            },
        ),
        (
            "Exchange 2003 server",
            Identity::LegacyExchangeServer {
                name: "legacy".into(),
            },
        ),
        (
            "partner (mutual TLS)",
            Identity::Partner {
                domain: "partner".into(),
            },
        ),
    ];
    let all = [
        ExtendedRight::Submit,
        ExtendedRight::AcceptAnyRecipient,
        ExtendedRight::AcceptAnySender,
        ExtendedRight::AcceptAuthoritativeDomainSender,
        ExtendedRight::BypassMessageSizeLimit,
    ];
    let mut rights = Vec::new();
    for (label, id) in clients {
        let state = probe_state(true, id);
        let (principals, _) = c.principals(&state);
        let held: Vec<String> = all
            .iter()
            .filter(|r| ex.right(c, &principals, r).granted)
            .map(|r| r.name())
            .collect();
        let relay = ex
            .right(c, &principals, &ExtendedRight::AcceptAnyRecipient)
            .granted
            && ex.right(c, &principals, &ExtendedRight::Submit).granted;
        // Clients the connector cannot authenticate fall back to anonymous: not worth a row.
        if label != "anonymous" && principals.contains(&crate::exchange::Principal::Anonymous) {
            continue;
        }
        rights.push(ShowRights {
            client: label.to_string(),
            rights: held,
            relay,
        });
    }
    let anon = probe_state(false, Identity::Anonymous);
    let (p, _) = c.principals(&anon);
    let anon_relay = ex.right(c, &p, &ExtendedRight::AcceptAnyRecipient).granted
        && ex.right(c, &p, &ExtendedRight::Submit).granted;
    ShowConnector {
        name: c.name.clone(),
        origin: c.origin.as_ref().map(|o| o.to_string()),
        settings,
        rights,
        anonymous_relay_from: if anon_relay {
            ex.selected_from(c).cidrs()
        } else {
            Vec::new()
        },
    }
}

fn postfix_connector(p: &PostfixServer) -> ShowConnector {
    let list = |v: &[crate::postfix::Restriction]| {
        v.iter()
            .map(|r| r.text.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut settings = vec![("myhostname".to_string(), p.myhostname.clone())];
    match &p.mynetworks {
        Some(e) => settings.push((
            "mynetworks".into(),
            e.iter()
                .map(|e| e.text.clone())
                .collect::<Vec<_>>()
                .join(" "),
        )),
        None => settings.push((
            "mynetworks_style".into(),
            format!("{:?}", p.mynetworks_style).to_ascii_lowercase(),
        )),
    }
    settings.push((
        "smtpd_relay_restrictions".into(),
        list(&p.relay_restrictions),
    ));
    settings.push((
        "smtpd_recipient_restrictions".into(),
        list(&p.recipient_restrictions),
    ));
    settings.push((
        "mydestination".into(),
        p.mydestination
            .iter()
            .map(|d| d.domain.clone())
            .collect::<Vec<_>>()
            .join(", "),
    ));
    settings.push((
        "relay_domains".into(),
        p.relay_domains
            .iter()
            .map(|d| d.domain.clone())
            .collect::<Vec<_>>()
            .join(", "),
    ));
    if let Some(pp) = &p.upstream_proxy_protocol {
        settings.push(("smtpd_upstream_proxy_protocol".into(), pp.clone()));
    }
    // The first restriction list that reaches a permit decides; mimic it per client kind.
    let decides = |mynet: bool, sasl: bool| -> bool {
        for list in [&p.relay_restrictions, &p.recipient_restrictions] {
            for r in list {
                match r.kind {
                    RestrictionKind::PermitMynetworks if mynet => break,
                    RestrictionKind::PermitSaslAuthenticated if sasl => break,
                    RestrictionKind::Permit => break,
                    RestrictionKind::RejectUnauthDestination
                    | RestrictionKind::DeferUnauthDestination
                    | RestrictionKind::Reject
                    | RestrictionKind::Defer
                    | RestrictionKind::Unknown(_) => return false,
                    _ => {}
                }
            }
        }
        true
    };
    let rights = vec![
        ShowRights {
            client: "mynetworks client".into(),
            rights: vec![],
            relay: decides(true, false),
        },
        ShowRights {
            client: "SASL-authenticated client".into(),
            rights: vec![],
            relay: p.sasl_enabled && decides(false, true),
        },
        ShowRights {
            client: "other client".into(),
            rights: vec![],
            relay: decides(false, false),
        },
    ];
    let from = if decides(false, false) {
        vec!["(every address)".to_string()]
    } else if decides(true, false) {
        p.mynetworks_set().cidrs()
    } else {
        Vec::new()
    };
    ShowConnector {
        name: "smtpd".into(),
        origin: p.origin.as_ref().map(|o| o.to_string()),
        settings,
        rights,
        anonymous_relay_from: from,
    }
}

/// Builds the report for a set of servers.
pub fn report(set: &PolicySet) -> ShowReport {
    let mut servers = Vec::new();
    for s in set.resolved() {
        let (notes, connectors) = match &s {
            Server::Exchange(ex) => (
                vec![
                    format!(
                        "reply texts: {}",
                        match ex.version {
                            crate::exchange::ExchangeVersion::Ex2010 => "2007/2010",
                            crate::exchange::ExchangeVersion::Ex2013 => "2013 and later",
                        }
                    ),
                    format!(
                        "accepted domains: {}",
                        if ex.accepted_domains.is_empty() {
                            "(none given)".to_string()
                        } else {
                            ex.accepted_domains
                                .iter()
                                .map(|d| format!("{} ({:?})", d.domain, d.kind))
                                .collect::<Vec<_>>()
                                .join(", ")
                        }
                    ),
                ],
                ex.connectors
                    .iter()
                    .map(|c| exchange_connector(ex, c))
                    .collect(),
            ),
            Server::Exchange2003(v) => {
                let settings = vec![
                    ("relay restriction".to_string(), access_list_text(&v.relay)),
                    (
                        "relay for authenticated".to_string(),
                        v.relay_for_auth.to_string(),
                    ),
                    (
                        "connection control".to_string(),
                        access_list_text(&v.connection),
                    ),
                    ("local domains".to_string(), v.local_domains.join(", ")),
                ];
                let anon = v.relay.granted().intersection(&v.connection.granted());
                (
                    vec![format!("FQDN {}", v.fqdn)],
                    vec![ShowConnector {
                        name: "SMTP virtual server".into(),
                        origin: v.origin.as_ref().map(|o| o.to_string()),
                        settings,
                        rights: vec![
                            ShowRights {
                                client: "listed client".into(),
                                rights: vec![],
                                relay: true,
                            },
                            ShowRights {
                                client: "authenticated client".into(),
                                rights: vec![],
                                relay: v.relay_for_auth,
                            },
                        ],
                        anonymous_relay_from: anon.cidrs(),
                    }],
                )
            }
            Server::Postfix(p) => (Vec::new(), vec![postfix_connector(p)]),
        };
        servers.push(ShowServer {
            name: s.name().to_string(),
            flavour: s.flavour().to_string(),
            notes,
            connectors,
        });
    }
    ShowReport {
        servers,
        problems: set.problems(),
    }
}

/// The report as text for a terminal.
pub fn render_text(set: &PolicySet) -> String {
    let r = report(set);
    let mut out = String::new();
    for s in &r.servers {
        let _ = writeln!(out, "server {} ({})", s.name, s.flavour);
        for n in &s.notes {
            let _ = writeln!(out, "  {n}");
        }
        for c in &s.connectors {
            let _ = write!(out, "  connector \"{}\"", c.name);
            if let Some(o) = &c.origin {
                let _ = write!(out, "  ({o})");
            }
            out.push('\n');
            let width = c.settings.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
            for (k, v) in &c.settings {
                let _ = writeln!(out, "    {k:<width$}  {v}");
            }
            for right in &c.rights {
                let rights = if right.rights.is_empty() {
                    String::new()
                } else {
                    format!("  [{}]", right.rights.join(", "))
                };
                let _ = writeln!(
                    out,
                    "    {:<32} relay: {}{rights}",
                    right.client,
                    if right.relay { "YES" } else { "no" }
                );
            }
            if c.anonymous_relay_from.is_empty() {
                let _ = writeln!(out, "    anonymous relay from: nobody");
            } else {
                let _ = writeln!(
                    out,
                    "    anonymous relay from: {}",
                    c.anonymous_relay_from.join(", ")
                );
            }
        }
        out.push('\n');
    }
    if !r.problems.is_empty() {
        let _ = writeln!(out, "problems:");
        for p in &r.problems {
            let at = p
                .origin
                .as_ref()
                .map(|o| format!(" ({o})"))
                .unwrap_or_default();
            let _ = writeln!(out, "  {:?} on {}: {}{at}", p.severity, p.server, p.message);
        }
    }
    out
}

/// The report as pretty JSON.
pub fn render_json(set: &PolicySet) -> String {
    serde_json::to_string_pretty(&report(set)).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// An Exchange 2003 list as the dialog shows it, and what it grants when that is not
/// plain from the entries (an empty "all except" list grants every address).
fn access_list_text(list: &crate::exchange2003::AccessList) -> String {
    let entries: Vec<&str> = list.entries.iter().map(|e| e.text.as_str()).collect();
    let entries = if entries.is_empty() {
        "(empty list)".to_string()
    } else {
        entries.join(", ")
    };
    let granted = list.granted().cidrs();
    format!(
        "{:?}: {entries} -> grants {}",
        list.mode,
        if granted.is_empty() {
            "no address".to_string()
        } else {
            granted.join(" ")
        }
    )
}
