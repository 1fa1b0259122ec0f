//! The one place that talks to relaypolicy, so changes to its API stay here.
//!
//! relaypolicy answers every step a real server answers with policy (banner, EHLO,
//! STARTTLS, AUTH, MAIL, RCPT, end of DATA). Two things are adapted here rather than there:
//! the EHLO extension list is cut to what this mock really implements (it has no BDAT, DSN
//! or NTLM, and offers STARTTLS only with a certificate), and HELO is answered with the
//! first line of the EHLO reply because relaypolicy has no HELO step.

use std::net::{IpAddr, Ipv4Addr};

use addrspace::Addr;
use relaypolicy::{Decision, Endpoint, Reply, Server, SessionState, Step};

/// Extensions the session machine implements, as EHLO keywords.
const SUPPORTED: &[&str] = &[
    "SIZE",
    "PIPELINING",
    "8BITMIME",
    "ENHANCEDSTATUSCODES",
    "STARTTLS",
    "AUTH",
];
/// Extensions always offered, whatever the model lists, because the machine implements them.
const ALWAYS: &[&str] = &["PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"];
/// SASL mechanisms the session machine can check against its user table.
const MECHANISMS: &[&str] = &["PLAIN", "LOGIN"];

/// A listening binding of the modelled server: an IP (unspecified: every address) and port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Listen {
    /// The scenario IP, or the unspecified address for "every local address".
    pub ip: IpAddr,
    /// The scenario port.
    pub port: u16,
}

/// A modelled mail server as the mock sees it.
#[derive(Debug, Clone)]
pub struct Policy {
    server: Server,
}

impl Policy {
    /// Wraps a relaypolicy server.
    pub fn new(server: Server) -> Policy {
        Policy { server }
    }

    /// The wrapped server.
    pub fn server(&self) -> &Server {
        &self.server
    }

    /// The server's name.
    pub fn name(&self) -> &str {
        self.server.name()
    }

    /// Where the server listens: Exchange's connector bindings (deduplicated, in order);
    /// port 25 on every address for the other flavours.
    pub fn listens(&self) -> Vec<Listen> {
        let mut out: Vec<Listen> = Vec::new();
        match &self.server {
            Server::Exchange(s) => {
                for c in &s.connectors {
                    for b in &c.bindings {
                        let l = Listen {
                            ip: b.ip,
                            port: b.port,
                        };
                        if !out.contains(&l) {
                            out.push(l);
                        }
                    }
                }
            }
            Server::Exchange2003(_) | Server::Postfix(_) => out.push(Listen {
                ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                port: 25,
            }),
        }
        out
    }

    /// The protocol log's connector id for a session (`EX1\Relay`), like Exchange writes it.
    pub fn connector_id(&self, local: &Endpoint, remote: &Addr) -> String {
        match &self.server {
            Server::Exchange(s) => match s.select(local, remote).connector {
                Some(c) => format!("{}\\{}", s.name, c.name),
                None => format!("{}\\(no connector)", s.name),
            },
            other => other.name().to_string(),
        }
    }

    /// What the server says to a connection it has no room for, before it closes it:
    /// Exchange's MaxInboundConnection reply, Postfix's anvil reply (the mock applies it to
    /// the server's total, where Postfix counts per client). Exchange 2003 answers as
    /// Exchange (UNCONFIRMED).
    pub fn too_many_connections(&self, remote: &Addr) -> Reply {
        match &self.server {
            Server::Postfix(_) => Reply::new(
                421,
                Some("4.7.0"),
                format!("Error: too many connections from {remote}"),
            ),
            Server::Exchange(_) | Server::Exchange2003(_) => Reply::new(
                421,
                Some("4.3.2"),
                "The maximum number of concurrent connections has exceeded a limit, closing transmission channel",
            ),
        }
    }

    /// The largest message worth keeping in memory for this session; bodies beyond it are
    /// read to their end and refused by the policy's size check.
    pub fn max_message_size(&self, local: &Endpoint, remote: &Addr) -> Option<u64> {
        match &self.server {
            Server::Exchange(s) => s
                .select(local, remote)
                .connector
                .and_then(|c| c.max_message_size),
            Server::Postfix(p) => Some(p.message_size_limit).filter(|n| *n > 0),
            Server::Exchange2003(_) => None,
        }
    }

    /// The policy's reply to a step, unchanged.
    pub fn decide(&self, state: &SessionState, step: &Step<'_>) -> Decision {
        self.server.decide(state, step)
    }

    /// The EHLO (or HELO) reply, cut to what the mock implements.
    pub fn ehlo(
        &self,
        state: &SessionState,
        name: &str,
        tls_available: bool,
        helo: bool,
    ) -> Decision {
        let mut d = self.server.decide(state, &Step::Ehlo(name));
        if !d.reply.is_positive() {
            return d;
        }
        let mut lines = d.reply.lines.into_iter();
        let greeting = lines.next().unwrap_or_default();
        if helo {
            d.reply = Reply::multi(d.reply.code, vec![greeting]);
            return d;
        }
        let mut out = vec![greeting];
        for line in lines {
            let keyword = line
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_uppercase();
            if !SUPPORTED.contains(&keyword.as_str()) {
                continue;
            }
            if keyword == "STARTTLS" && !tls_available {
                continue;
            }
            if keyword == "AUTH" {
                let mechs: Vec<&str> = line
                    .split_whitespace()
                    .skip(1)
                    .filter(|m| MECHANISMS.contains(&m.to_ascii_uppercase().as_str()))
                    .collect();
                if !mechs.is_empty() {
                    out.push(format!("AUTH {}", mechs.join(" ")));
                }
                continue;
            }
            out.push(line);
        }
        for ext in ALWAYS {
            if !out
                .iter()
                .skip(1)
                // Exchange 2003 writes `8bitmime` in lower case: the same extension.
                .any(|l| {
                    l.split_whitespace()
                        .next()
                        .is_some_and(|k| k.eq_ignore_ascii_case(ext))
                })
            {
                out.push((*ext).to_string());
            }
        }
        d.reply = Reply::multi(d.reply.code, out);
        d
    }

    /// Whether the machine can run `mechanism` at all (it checks PLAIN and LOGIN only).
    pub fn implements_mechanism(mechanism: &str) -> bool {
        MECHANISMS.contains(&mechanism)
    }
}
