//! What the owner of the configuration means: who may relay, which domains are theirs,
//! which properties must hold, and the explicit examples they wrote down.

use std::fmt;
use std::str::FromStr;

use addrspace::{Addr, AddrSet};
use serde::Serialize;

/// The owner's intent.
#[derive(Debug, Clone, Serialize)]
pub struct Intent {
    /// Clients that must be able to relay anonymously (and no one else may).
    #[serde(serialize_with = "as_text")]
    pub relay_allowed: AddrSet,
    /// A domain none of the servers serves: the target of relay probes.
    pub external_domain: String,
    /// A recipient in an accepted domain: the target of inbound probes.
    pub local_recipient: String,
    /// Whether authenticated submission must require TLS (`auth-requires-tls`).
    pub auth_requires_tls: bool,
}

fn as_text<S: serde::Serializer>(v: &AddrSet, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// The properties relaylab proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Property {
    /// No address outside `relay_allowed` gets anonymous relay on any path.
    NoOpenRelay,
    /// Every address in `relay_allowed` gets anonymous relay on every path.
    AllowedCanRelay,
    /// Every address can deliver to an accepted domain on every path, unless an iRule
    /// rejects or drops it on purpose.
    InboundDelivered,
    /// The relay verdict does not depend on which pool member serves the session.
    ConsistentMembers,
    /// Authenticated relay without TLS is refused (checked when the intent asks for it).
    AuthRequiresTls,
}

impl Property {
    /// Every property, in report order.
    pub const ALL: [Property; 5] = [
        Property::NoOpenRelay,
        Property::AllowedCanRelay,
        Property::InboundDelivered,
        Property::ConsistentMembers,
        Property::AuthRequiresTls,
    ];

    /// The property's name as scenarios write it.
    pub fn name(self) -> &'static str {
        match self {
            Property::NoOpenRelay => "no-open-relay",
            Property::AllowedCanRelay => "allowed-can-relay",
            Property::InboundDelivered => "inbound-delivered",
            Property::ConsistentMembers => "consistent-members",
            Property::AuthRequiresTls => "auth-requires-tls",
        }
    }

    /// One line on what the property means.
    pub fn meaning(self) -> &'static str {
        match self {
            Property::NoOpenRelay => {
                "no address outside relay_allowed gets anonymous relay on any path"
            }
            Property::AllowedCanRelay => {
                "every address in relay_allowed gets anonymous relay on every path"
            }
            Property::InboundDelivered => {
                "every address can deliver to an accepted domain on every path"
            }
            Property::ConsistentMembers => {
                "the relay verdict does not depend on which pool member serves"
            }
            Property::AuthRequiresTls => "authenticated relay without TLS is refused",
        }
    }
}

impl fmt::Display for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Property {
    type Err = String;

    fn from_str(s: &str) -> Result<Property, String> {
        Property::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| {
                format!(
                    "unknown property `{s}`; expected one of {}",
                    Property::ALL.map(|p| p.name()).join(", ")
                )
            })
    }
}

/// What an explicit example expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Expected {
    /// Accepted for a domain the servers do not serve.
    Relayed,
    /// Accepted for a domain the servers serve.
    Delivered,
    /// Refused (at connect, RCPT or DATA), or reset by the balancer.
    Rejected,
}

impl FromStr for Expected {
    type Err = String;

    fn from_str(s: &str) -> Result<Expected, String> {
        match s {
            "relayed" => Ok(Expected::Relayed),
            "delivered" => Ok(Expected::Delivered),
            "rejected" => Ok(Expected::Rejected),
            _ => Err(format!(
                "unknown expectation `{s}`; expected relayed, delivered or rejected"
            )),
        }
    }
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Expected::Relayed => "relayed",
            Expected::Delivered => "delivered",
            Expected::Rejected => "rejected",
        })
    }
}

/// An explicit example: one anonymous session from `from` to `rcpt`.
#[derive(Debug, Clone, Serialize)]
pub struct Case {
    /// The client address.
    #[serde(serialize_with = "addr_text")]
    pub from: Addr,
    /// The envelope recipient, as the client writes it.
    pub rcpt: String,
    /// What must happen on every path.
    pub expect: Expected,
    /// Only this virtual server (default: every one checked).
    pub virtual_name: Option<String>,
    /// The client's source port (default 49152, the start of the ephemeral range).
    pub port: u16,
    /// 1-based line of the case in the scenario file.
    pub line: usize,
}

fn addr_text<S: serde::Serializer>(v: &Addr, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// A violation a pitfall scenario expects relaylab to find.
#[derive(Debug, Clone, Serialize)]
pub struct ExpectedViolation {
    /// The property.
    pub property: Property,
    /// An address that must be among the counterexamples, if given.
    #[serde(serialize_with = "addr_opt")]
    pub example: Option<Addr>,
    /// 1-based line in the scenario file.
    pub line: usize,
}

fn addr_opt<S: serde::Serializer>(v: &Option<Addr>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(a) => s.collect_str(a),
        None => s.serialize_none(),
    }
}
