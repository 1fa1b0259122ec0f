//! The soundness oracle: "proved" must hold for every client of a class, not only for the
//! one it was computed from.
//!
//! Each case generates a whole configuration as a user would write it (a bigip.conf with
//! data groups, self IPs, a snatpool, a pool and iRules drawn from a grammar over every
//! modelled predicate and some unmodelled ones; a mail server behind each member: Exchange
//! connectors, Exchange 2003 relay lists or a Postfix `postconf -n`; an intent), proves it,
//! then decides clients one by one, with `bigip::decide` and each server's policy called
//! directly, and compares with the class the proof puts each client in. Clients are every
//! class's representative and edges, the edges of every address block the configuration
//! names (one address either side too), the ports either side of every port the rules
//! compare, and random ones: at least 50 per configuration.
//!
//! `ORACLE_CASES` (default 2,000) and `ORACLE_SEED` (default fixed) set the run; `make
//! soak` runs it long in release. On a mismatch the minimised configuration is written as
//! a scenario folder that `relaylab check` loads, and the test fails naming it.

#![allow(clippy::unwrap_used)] // a generator that cannot parse its own output should stop loudly

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::Arc;

use addrspace::{Addr, AddrSet, Domain, PortSet};
use bigip::decide::{DataGroupIndex, End, Plan};
use irule::Settings;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use relaypolicy::policy::Server;
use relaypolicy::session::Endpoint as PolicyEndpoint;
use verify::prove::{VerdictWord, branch_text, server_view};
use verify::{Client, Fault, Intent, Label, MemberServer, Model, Options, prove};

// ---- the generated configuration -------------------------------------------------------

/// Which address space the virtual serves: the whole proof runs in it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Space {
    V4,
    V4Rd1,
    V6,
}

impl Space {
    fn domain(self) -> Domain {
        match self {
            Space::V4 => Domain::V4,
            Space::V4Rd1 => Domain {
                route_domain: 1,
                ..Domain::V4
            },
            Space::V6 => Domain::V6,
        }
    }

    /// A host of the small neighbourhood every generated block lives in, as BIG-IP
    /// writes it (so blocks overlap, nest and touch often).
    fn host(self, h: u8) -> String {
        match self {
            Space::V4 => format!("10.0.0.{h}"),
            Space::V4Rd1 => format!("10.0.0.{h}%1"),
            Space::V6 => format!("2001:db8::{h:x}"),
        }
    }

    fn net(self, h: u8, len: u8) -> String {
        let len = match self {
            Space::V6 => 120 + len,
            _ => 24 + len,
        };
        format!("{}/{len}", self.host(h))
    }

    fn vip(self) -> String {
        match self {
            Space::V6 => "2001:db8::fa.25".into(),
            _ => format!("{}:25", self.host(250)),
        }
    }
}

/// A block of the neighbourhood: host and prefix length beyond /24 (or /120).
type Net = (u8, u8);

fn net() -> impl Strategy<Value = Net> {
    (any::<u8>(), 0u8..=8)
}

#[derive(Debug, Clone)]
enum Cond {
    DgMatch(usize),
    DgValue(usize, u8),
    IpAddr(Net),
    /// The client address with a mask appended, compared with a host.
    IpAddrMasked(Net),
    /// `class lookup`: which record's value.
    DgLookup(usize, u8),
    AddrEq(u8),
    Port(&'static str, u16),
    /// A string operator on an ip group's keys as text (`starts_with`).
    DgStartsWith(usize),
    /// A range of the address's text compared with a literal.
    TextRange(u8),
    /// `string match` of a glob built from a host's text on the address: exact where the
    /// set is not too ragged.
    Glob(u8, u8),
    /// `regexp` of a pattern built from a host's text on the address.
    Regex(u8, u8),
    /// An octet taken out (`split`/`lindex`, `getfield`, `scan`), compared as a number.
    Octet(u8, u8, u8),
    /// `string length` of the address compared with a number.
    Length(u8),
    /// `string first` of a host's text prefix in the address.
    First(u8),
    /// A glob on the address masked by `IP::addr ... mask`.
    MaskGlob(u8, u8),
    /// The address masked (`IP::addr ... mask`) then looked up in an ip group (`-value`
    /// for odd kinds) or compared with `IP::addr ... equals`.
    MaskedIp(u8, u8, Net),
    /// `class match` of the address against the string data group `txt`, by operator
    /// (and with `-index` for 4).
    TextKeys(u8),
    Proc(Net),
    /// Cross-connection state.
    Static,
    Not(Box<Cond>),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
}

#[derive(Debug, Clone)]
enum Stmt {
    If(Vec<(Cond, Vec<Stmt>)>, Vec<Stmt>),
    SwitchExact(Vec<(u8, Vec<Stmt>)>, Vec<Stmt>),
    SwitchGlob(u8, Vec<Stmt>, Vec<Stmt>),
    SnatAddr(u8),
    SnatAutomap,
    SnatNone,
    Snatpool,
    Node(usize),
    Reject,
    Drop,
    Log,
    BadCommand,
}

#[derive(Debug, Clone)]
struct RuleSpec {
    priority: Option<u16>,
    accepted: Vec<Stmt>,
    lb_selected: Vec<Stmt>,
}

#[derive(Debug, Clone)]
enum ServerSpec {
    Exchange {
        relay_ranges: Vec<RangeSpec>,
        partner: Option<Net>,
        default_anonymous: bool,
    },
    Exchange2003 {
        all_except: bool,
        list: Vec<RangeSpec>,
    },
    Postfix {
        mynetworks: Vec<RangeSpec>,
    },
}

/// An address a connector or relay list may name: a SNAT address, the self IP, the
/// members' subnet, or a block of the client neighbourhood.
#[derive(Debug, Clone)]
enum RangeSpec {
    SnatAddr(u8),
    SelfIp,
    MemberNet,
    Client(Net),
}

#[derive(Debug, Clone)]
struct Spec {
    space: Space,
    groups: Vec<Vec<(Net, Option<u8>)>>,
    source: Option<Net>,
    vs_snat: u8,
    floating_self: bool,
    members: usize,
    rules: Vec<RuleSpec>,
    servers: Vec<ServerSpec>,
    allowed: Vec<Net>,
    /// Keys of the string group `txt`: (host, kind of piece).
    text_keys: Vec<(u8, u8)>,
}

fn cond(depth: u32) -> BoxedStrategy<Cond> {
    let leaf = prop_oneof![
        3 => (0usize..2).prop_map(Cond::DgMatch),
        2 => (0usize..2, 0u8..3).prop_map(|(g, v)| Cond::DgValue(g, v)),
        3 => net().prop_map(Cond::IpAddr),
        1 => net().prop_map(Cond::IpAddrMasked),
        1 => (0usize..2, 0u8..3).prop_map(|(g, v)| Cond::DgLookup(g, v)),
        1 => any::<u8>().prop_map(Cond::AddrEq),
        2 => (
            prop_oneof![Just("=="), Just("!="), Just("<"), Just(">="), Just("eq")],
            prop_oneof![Just(25u16), Just(1024), Just(1025), Just(49152), 1u16..=65535]
        )
            .prop_map(|(op, p)| Cond::Port(op, p)),
        1 => (0usize..2).prop_map(Cond::DgStartsWith),
        1 => any::<u8>().prop_map(Cond::TextRange),
        2 => (any::<u8>(), 0u8..9).prop_map(|(h, k)| Cond::Glob(h, k)),
        1 => (any::<u8>(), 0u8..4).prop_map(|(h, k)| Cond::Regex(h, k)),
        1 => (0u8..9, 0u8..4, 0u8..5).prop_map(|(k, op, v)| Cond::Octet(k, op, v)),
        1 => (0u8..8).prop_map(Cond::Length),
        1 => any::<u8>().prop_map(Cond::First),
        1 => (any::<u8>(), 0u8..3).prop_map(|(h, k)| Cond::MaskGlob(h, k)),
        1 => (0u8..5).prop_map(Cond::TextKeys),
        2 => (0u8..6, 0u8..9, net()).prop_map(|(k, m, n)| Cond::MaskedIp(k, m, n)),
        1 => net().prop_map(Cond::Proc),
        1 => Just(Cond::Static),
    ];
    if depth == 0 {
        return leaf.boxed();
    }
    prop_oneof![
        6 => leaf,
        1 => cond(depth - 1).prop_map(|c| Cond::Not(Box::new(c))),
        1 => (cond(depth - 1), cond(depth - 1)).prop_map(|(a, b)| Cond::And(Box::new(a), Box::new(b))),
        1 => (cond(depth - 1), cond(depth - 1)).prop_map(|(a, b)| Cond::Or(Box::new(a), Box::new(b))),
    ]
    .boxed()
}

fn action() -> BoxedStrategy<Stmt> {
    prop_oneof![
        4 => (1u8..=2).prop_map(Stmt::SnatAddr),
        3 => Just(Stmt::SnatAutomap),
        1 => Just(Stmt::SnatNone),
        2 => Just(Stmt::Snatpool),
        1 => (0usize..3).prop_map(Stmt::Node),
        1 => Just(Stmt::Reject),
        1 => Just(Stmt::Drop),
        1 => Just(Stmt::Log),
        1 => Just(Stmt::BadCommand),
    ]
    .boxed()
}

fn stmts(depth: u32) -> BoxedStrategy<Vec<Stmt>> {
    let one = if depth == 0 {
        action()
    } else {
        prop_oneof![
            3 => action(),
            4 => (
                prop::collection::vec((cond(1), stmts(depth - 1)), 1..3),
                stmts(depth - 1)
            )
                .prop_map(|(arms, other)| Stmt::If(arms, other)),
            1 => (
                prop::collection::vec((any::<u8>(), stmts(depth - 1)), 1..3),
                stmts(depth - 1)
            )
                .prop_map(|(arms, other)| Stmt::SwitchExact(arms, other)),
            1 => (any::<u8>(), stmts(depth - 1), stmts(depth - 1))
                .prop_map(|(p, a, b)| Stmt::SwitchGlob(p, a, b)),
        ]
        .boxed()
    };
    prop::collection::vec(one, 0..3).boxed()
}

fn range_spec() -> impl Strategy<Value = RangeSpec> {
    prop_oneof![
        3 => (1u8..=2).prop_map(RangeSpec::SnatAddr),
        2 => Just(RangeSpec::SelfIp),
        1 => Just(RangeSpec::MemberNet),
        3 => net().prop_map(RangeSpec::Client),
    ]
}

fn server_spec() -> impl Strategy<Value = ServerSpec> {
    prop_oneof![
        4 => (
            prop::collection::vec(range_spec(), 0..3),
            prop::option::weighted(0.3, net()),
            prop::bool::weighted(0.8)
        )
            .prop_map(|(relay_ranges, partner, default_anonymous)| ServerSpec::Exchange {
                relay_ranges,
                partner,
                default_anonymous
            }),
        1 => (any::<bool>(), prop::collection::vec(range_spec(), 0..3))
            .prop_map(|(all_except, list)| ServerSpec::Exchange2003 { all_except, list }),
        2 => prop::collection::vec(range_spec(), 0..3)
            .prop_map(|mynetworks| ServerSpec::Postfix { mynetworks }),
    ]
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        prop_oneof![6 => Just(Space::V4), 2 => Just(Space::V4Rd1), 2 => Just(Space::V6)],
        prop::collection::vec(
            prop::collection::vec((net(), prop::option::of(0u8..3)), 0..5),
            2,
        ),
        prop::option::weighted(0.3, net()),
        0u8..3,
        any::<bool>(),
        1usize..=3,
        prop::collection::vec(
            (
                prop::option::weighted(0.3, 0u16..1000),
                stmts(2),
                prop::collection::vec(action(), 0..2),
            )
                .prop_map(|(priority, accepted, lb_selected)| RuleSpec {
                    priority,
                    accepted,
                    lb_selected,
                }),
            0..3,
        ),
        prop::collection::vec(server_spec(), 3),
        prop::collection::vec(net(), 0..3),
        prop::collection::vec((any::<u8>(), 0u8..4), 0..4),
    )
        .prop_map(
            |(
                space,
                groups,
                source,
                vs_snat,
                floating_self,
                members,
                rules,
                servers,
                allowed,
                text_keys,
            )| {
                Spec {
                    text_keys,
                    space,
                    groups,
                    source,
                    vs_snat,
                    floating_self,
                    members,
                    rules,
                    servers,
                    allowed,
                }
            },
        )
}

// ---- rendering it as files -------------------------------------------------------------

const MEMBERS: [&str; 3] = ["10.0.1.11", "10.0.1.12", "10.0.1.13"];

impl Spec {
    fn cond(&self, c: &Cond, out: &mut String) {
        let s = self.space;
        match c {
            Cond::DgMatch(g) => write!(out, "[class match [IP::client_addr] equals dg{g}]"),
            Cond::DgValue(g, v) => {
                write!(
                    out,
                    "[class match -value [IP::client_addr] equals dg{g}] eq \"v{v}\""
                )
            }
            Cond::IpAddr((h, l)) => {
                write!(out, "[IP::addr [IP::client_addr] equals {}]", s.net(*h, *l))
            }
            Cond::IpAddrMasked((h, l)) => {
                let len = s.net(0, *l);
                let len = len.rsplit('/').next().unwrap_or("32");
                write!(
                    out,
                    "[IP::addr \"[IP::client_addr]/{len}\" equals {}]",
                    s.host(*h)
                )
            }
            Cond::DgLookup(g, v) => {
                write!(out, "[class lookup [IP::client_addr] dg{g}] eq \"v{v}\"")
            }
            Cond::AddrEq(h) => write!(out, "[IP::client_addr] eq \"{}\"", s.host(*h)),
            Cond::Port(op, p) => write!(out, "[TCP::client_port] {op} {p}"),
            Cond::DgStartsWith(g) => {
                write!(out, "[class match [IP::client_addr] starts_with dg{g}]")
            }
            Cond::TextRange(h) => write!(
                out,
                "[string range [IP::client_addr] 0 7] eq \"{}\"",
                &format!("{:<8}", s.host(*h))[..8].trim_end()
            ),
            Cond::Glob(h, k) => {
                // Globs on the host's text: a prefix, a prefix of a prefix (`10.0.0.1*`
                // also holds 10.0.0.100-199), a `?`, a class, the last octet.
                let host = s.host(*h);
                let plain = host.split('%').next().unwrap_or(&host).to_string();
                let cut = plain.len().saturating_sub(1).max(1);
                // The text operators of expr are globs too.
                let op = match k {
                    5 => Some(("starts_with", plain[..cut].to_string())),
                    6 => Some(("ends_with", format!(".{h}"))),
                    7 => Some(("contains", format!(".0.{}", h % 10))),
                    _ => None,
                };
                if let Some((op, lit)) = op {
                    return out.push_str(&format!("[IP::client_addr] {op} \"{lit}\""));
                }
                let pattern = match k {
                    0 => format!("{}*", &plain[..cut]),
                    1 => format!("{plain}*"),
                    2 => format!("{}?", &plain[..cut]),
                    3 => format!("*.{h}"),
                    4 => format!("{}[0-4]*", &plain[..cut]),
                    _ => "10.0.*".to_string(),
                };
                write!(out, "[string match {{{pattern}}} [IP::client_addr]]")
            }
            Cond::Regex(h, k) => {
                let host = s.host(*h);
                let plain = host.split('%').next().unwrap_or(&host).to_string();
                let esc = |t: &str| t.replace('.', "\\.");
                let cut = plain.len().saturating_sub(1).max(1);
                let pattern = match k {
                    0 => format!("^{}", esc(&plain[..cut])),
                    1 => format!("{}$", esc(&format!("{h:x}"))),
                    2 => format!("^{}[0-9a-f]?$", esc(&plain[..cut])),
                    _ => format!("^{}(1|2)", esc(&plain[..cut])),
                };
                write!(out, "[regexp {{{pattern}}} [IP::client_addr]]")
            }
            Cond::Octet(k, op, v) => {
                let op = ["==", "<", ">=", "!="][usize::from(*op)];
                let v = [0u8, 9, 10, 11, 255][usize::from(*v)];
                match k {
                    0..=2 => write!(out, "[lindex [split [IP::client_addr] .] {k}] {op} {v}"),
                    3..=5 => write!(out, "[getfield [IP::client_addr] . {}] {op} {v}", k - 2),
                    _ => write!(
                        out,
                        "[scan [IP::client_addr] %d.%d.%d.%d o0 o1 o2 o3] == 4 && $o{} {op} {v}",
                        k - 6
                    ),
                }
            }
            Cond::Length(n) => write!(out, "[string length [IP::client_addr]] == {}", 7 + n),
            Cond::First(h) => {
                let host = s.host(*h);
                let cut = host.len().saturating_sub(2).max(1);
                write!(
                    out,
                    "[string first \"{}\" [IP::client_addr]] == 0",
                    &host[..cut]
                )
            }
            Cond::MaskGlob(h, k) => {
                let (mask, pattern) = match (s, k) {
                    (Space::V6, 0) => ("ffff:ffff::".to_string(), "2001:db8::*".to_string()),
                    (Space::V6, _) => ("112".to_string(), format!("*:{:x}00*", h % 16)),
                    (_, 0) => ("255.255.0.0".to_string(), "10.0.*".to_string()),
                    (_, 1) => ("28".to_string(), format!("*.{}*", h & 0xf0)),
                    _ => ("255.255.255.0".to_string(), "10.0.0.0*".to_string()),
                };
                write!(
                    out,
                    "[string match {{{pattern}}} [IP::addr [IP::client_addr] mask {mask}]]"
                )
            }
            Cond::MaskedIp(k, m, (h, l)) => {
                let len = match s {
                    Space::V6 => 120 + m,
                    _ => 24 + m,
                };
                let masked = format!("[IP::addr [IP::client_addr] mask {len}]");
                let g = k % 2;
                match k {
                    0 | 1 => write!(out, "[class match {masked} equals dg{g}]"),
                    2 | 3 => write!(out, "[class match -value {masked} equals dg{g}] eq \"v1\""),
                    _ => write!(out, "[IP::addr {masked} equals {}]", s.net(*h, *l)),
                }
            }
            Cond::TextKeys(k) => match k {
                0 => write!(out, "[class match [IP::client_addr] starts_with txt]"),
                1 => write!(out, "[class match [IP::client_addr] ends_with txt]"),
                2 => write!(out, "[class match [IP::client_addr] contains txt]"),
                3 => write!(out, "[class match [IP::client_addr] equals txt]"),
                _ => write!(
                    out,
                    "[class match -index [IP::client_addr] contains txt] == 0"
                ),
            },
            Cond::Proc((h, l)) => {
                let _ = (h, l);
                write!(out, "[call in_net [IP::client_addr]]")
            }
            Cond::Static => write!(out, "[incr static::hits] > 3"),
            Cond::Not(a) => {
                out.push_str("!(");
                self.cond(a, out);
                return out.push(')');
            }
            Cond::And(a, b) | Cond::Or(a, b) => {
                out.push('(');
                self.cond(a, out);
                out.push_str(if matches!(c, Cond::And(..)) {
                    ") && ("
                } else {
                    ") || ("
                });
                self.cond(b, out);
                return out.push(')');
            }
        }
        .unwrap();
    }

    fn stmts(&self, body: &[Stmt], indent: usize, out: &mut String) {
        let pad = " ".repeat(indent);
        for st in body {
            match st {
                Stmt::If(arms, other) => {
                    for (i, (c, b)) in arms.iter().enumerate() {
                        out.push_str(if i == 0 { &pad } else { " elseif " });
                        if i == 0 {
                            out.push_str("if ");
                        }
                        out.push_str("{ ");
                        self.cond(c, out);
                        out.push_str(" } {\n");
                        self.stmts(b, indent + 2, out);
                        write!(out, "{pad}}}").unwrap();
                    }
                    out.push_str(" else {\n");
                    self.stmts(other, indent + 2, out);
                    writeln!(out, "{pad}}}").unwrap();
                }
                Stmt::SwitchExact(arms, other) => {
                    writeln!(out, "{pad}switch -exact [IP::client_addr] {{").unwrap();
                    for (h, b) in arms {
                        writeln!(out, "{pad}  \"{}\" {{", self.space.host(*h)).unwrap();
                        self.stmts(b, indent + 4, out);
                        writeln!(out, "{pad}  }}").unwrap();
                    }
                    writeln!(out, "{pad}  default {{").unwrap();
                    self.stmts(other, indent + 4, out);
                    writeln!(out, "{pad}  }}\n{pad}}}").unwrap();
                }
                Stmt::SwitchGlob(h, a, b) => {
                    let text = self.space.host(*h);
                    let prefix = &text[..text.len().min(7)];
                    writeln!(
                        out,
                        "{pad}switch -glob [IP::client_addr] {{\n{pad}  \"{prefix}*\" {{"
                    )
                    .unwrap();
                    self.stmts(a, indent + 4, out);
                    writeln!(out, "{pad}  }}\n{pad}  default {{").unwrap();
                    self.stmts(b, indent + 4, out);
                    writeln!(out, "{pad}  }}\n{pad}}}").unwrap();
                }
                Stmt::SnatAddr(i) => writeln!(out, "{pad}snat 10.0.2.{i}").unwrap(),
                Stmt::SnatAutomap => writeln!(out, "{pad}snat automap").unwrap(),
                Stmt::SnatNone => writeln!(out, "{pad}snat none").unwrap(),
                Stmt::Snatpool => writeln!(out, "{pad}snatpool snat_a").unwrap(),
                Stmt::Node(i) => {
                    writeln!(out, "{pad}node {} 25", MEMBERS[i % self.members]).unwrap()
                }
                Stmt::Reject => writeln!(out, "{pad}reject").unwrap(),
                Stmt::Drop => writeln!(out, "{pad}drop").unwrap(),
                Stmt::Log => {
                    writeln!(out, "{pad}log local0. \"client [IP::client_addr]\"").unwrap()
                }
                Stmt::BadCommand => writeln!(out, "{pad}set x [expr {{1 / 0}}]").unwrap(),
            }
        }
    }

    fn proc_net(&self) -> Net {
        fn find(c: &Cond) -> Option<Net> {
            match c {
                Cond::Proc(n) => Some(*n),
                Cond::Not(a) => find(a),
                Cond::And(a, b) | Cond::Or(a, b) => find(a).or_else(|| find(b)),
                _ => None,
            }
        }
        fn walk(b: &[Stmt]) -> Option<Net> {
            b.iter().find_map(|s| match s {
                Stmt::If(arms, other) => arms
                    .iter()
                    .find_map(|(c, b)| find(c).or_else(|| walk(b)))
                    .or_else(|| walk(other)),
                Stmt::SwitchExact(arms, other) => arms
                    .iter()
                    .find_map(|(_, b)| walk(b))
                    .or_else(|| walk(other)),
                Stmt::SwitchGlob(_, a, b) => walk(a).or_else(|| walk(b)),
                _ => None,
            })
        }
        self.rules
            .iter()
            .find_map(|r| walk(&r.accepted))
            .unwrap_or((0, 1))
    }

    fn bigip_conf(&self) -> String {
        let s = self.space;
        let mut out = String::from("#TMSH-VERSION: 15.1.0\n");
        for (i, g) in self.groups.iter().enumerate() {
            writeln!(
                out,
                "ltm data-group internal /Common/dg{i} {{\n    records {{"
            )
            .unwrap();
            let mut seen = BTreeSet::new();
            for ((h, l), v) in g {
                let key = s.net(*h, *l);
                let canonical = AddrSet::parse(&key).unwrap().cidrs()[0].clone();
                if !seen.insert(canonical.clone()) {
                    continue;
                }
                match v {
                    Some(v) => writeln!(out, "        {canonical} {{ data \"v{v}\" }}").unwrap(),
                    None => writeln!(out, "        {canonical} {{ }}").unwrap(),
                }
            }
            writeln!(out, "    }}\n    type ip\n}}").unwrap();
        }
        // A string group whose keys are pieces of the neighbourhood's text.
        out.push_str("ltm data-group internal /Common/txt {\n    records {\n");
        let mut seen = BTreeSet::new();
        for &(h, k) in &self.text_keys {
            let host = s.host(h);
            let plain = host.split('%').next().unwrap_or(&host).to_string();
            let key = match k {
                0 => plain[..plain.len().saturating_sub(1).max(1)].to_string(),
                1 => format!(".{h}"),
                2 => host.clone(),
                _ => format!("{:x}", h % 16),
            };
            if seen.insert(key.clone()) {
                writeln!(out, "        \"{key}\" {{ }}").unwrap();
            }
        }
        out.push_str("    }\n    type string\n}\n");
        let members: String = MEMBERS[..self.members]
            .iter()
            .map(|m| format!("/Common/{m}:25 {{ address {m} }} "))
            .collect();
        writeln!(out, "ltm pool /Common/p {{ members {{ {members}}} }}").unwrap();
        writeln!(
            out,
            "ltm snatpool /Common/snat_a {{ members {{ /Common/10.0.2.1 /Common/10.0.2.2 }} }}"
        )
        .unwrap();
        let group = if self.floating_self {
            "traffic-group-1"
        } else {
            "traffic-group-local-only"
        };
        writeln!(
            out,
            "net self /Common/self_int {{ address 10.0.1.5/24 vlan /Common/internal traffic-group /Common/{group} }}"
        )
        .unwrap();
        let (ph, pl) = self.proc_net();
        for (i, r) in self.rules.iter().enumerate() {
            writeln!(out, "ltm rule /Common/r{i} {{").unwrap();
            writeln!(
                out,
                "proc in_net {{a}} {{\n  if {{ [IP::addr $a equals {}] }} {{ return 1 }}\n  return 0\n}}",
                s.net(ph, pl)
            )
            .unwrap();
            match r.priority {
                Some(p) => writeln!(out, "when CLIENT_ACCEPTED priority {p} {{").unwrap(),
                None => out.push_str("when CLIENT_ACCEPTED {\n"),
            }
            self.stmts(&r.accepted, 2, &mut out);
            out.push_str("}\n");
            if !r.lb_selected.is_empty() {
                out.push_str("when LB_SELECTED {\n");
                self.stmts(&r.lb_selected, 2, &mut out);
                out.push_str("}\n");
            }
            out.push_str("}\n");
        }
        let rules: String = (0..self.rules.len())
            .map(|i| format!("/Common/r{i} "))
            .collect();
        let rules = if rules.is_empty() {
            String::new()
        } else {
            format!("rules {{ {rules}}}")
        };
        let snat = match self.vs_snat {
            0 => "source-address-translation { type automap }",
            1 => "source-address-translation { pool /Common/snat_a type snat }",
            _ => "source-address-translation { type none }",
        };
        let source = self
            .source
            .map(|(h, l)| format!("source {}", s.net(h, l)))
            .unwrap_or_default();
        writeln!(
            out,
            "ltm virtual /Common/vs {{ destination /Common/{} ip-protocol tcp pool /Common/p {rules} {source} {snat} }}",
            s.vip()
        )
        .unwrap();
        out
    }

    fn range(&self, r: &RangeSpec) -> String {
        match r {
            RangeSpec::SnatAddr(i) => format!("10.0.2.{i}"),
            RangeSpec::SelfIp => "10.0.1.5".into(),
            RangeSpec::MemberNet => "10.0.1.0/24".into(),
            // Servers see the plain address: the route domain is the BIG-IP's own.
            RangeSpec::Client((h, l)) => AddrSet::parse(&self.space.net(*h, *l).replace("%1", ""))
                .unwrap()
                .cidrs()[0]
                .clone(),
        }
    }

    /// The policy file of member `i`, and its name.
    fn policy(&self, i: usize) -> (String, String) {
        let name = format!("S{}", i + 1);
        match &self.servers[i] {
            ServerSpec::Exchange {
                relay_ranges,
                partner,
                default_anonymous,
            } => {
                let anon = if *default_anonymous {
                    "\"AnonymousUsers\", "
                } else {
                    ""
                };
                let mut t = format!(
                    "[[server]]\nname = \"{name}\"\nflavour = \"exchange\"\nversion = \"2016\"\n\n\
                     [[server.connector]]\nname = \"Default\"\nbindings = [\"0.0.0.0:25\"]\n\
                     remote_ip_ranges = [\"0.0.0.0-255.255.255.255\", \"::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff\"]\n\
                     permission_groups = [{anon}\"ExchangeServers\"]\nauth_mechanism = [\"Tls\", \"BasicAuth\", \"ExchangeServer\"]\n"
                );
                let relay: BTreeSet<String> = relay_ranges.iter().map(|r| self.range(r)).collect();
                if !relay.is_empty() {
                    let list: Vec<String> = relay.iter().map(|r| format!("\"{r}\"")).collect();
                    write!(
                        t,
                        "\n[[server.connector]]\nname = \"Relay\"\nbindings = [\"0.0.0.0:25\"]\n\
                         remote_ip_ranges = [{}]\npermission_groups = [\"AnonymousUsers\"]\nauth_mechanism = [\"Tls\"]\n\n\
                         [[server.permission]]\nconnector = \"Relay\"\nuser = \"NT AUTHORITY\\\\ANONYMOUS LOGON\"\n\
                         extended_rights = [\"ms-Exch-SMTP-Accept-Any-Recipient\"]\n",
                        list.join(", ")
                    )
                    .unwrap();
                }
                if let Some(p) = partner {
                    let r = self.range(&RangeSpec::Client(*p));
                    if !relay.contains(&r) {
                        write!(
                            t,
                            "\n[[server.connector]]\nname = \"Partner\"\nbindings = [\"0.0.0.0:25\"]\n\
                             remote_ip_ranges = [\"{r}\"]\npermission_groups = [\"ExchangeServers\"]\n\
                             auth_mechanism = [\"ExternalAuthoritative\"]\n"
                        )
                        .unwrap();
                    }
                }
                t.push_str(
                    "\n[[accepted_domain]]\ndomain = \"contoso.com\"\ntype = \"Authoritative\"\n",
                );
                (format!("{name}.toml"), t)
            }
            ServerSpec::Exchange2003 { all_except, list } => {
                let mode = if *all_except {
                    "all_except_list"
                } else {
                    "only_list"
                };
                let list: Vec<String> = list
                    .iter()
                    .map(|r| format!("\"{}\"", self.range(r)))
                    .collect();
                (
                    format!("{name}.toml"),
                    format!(
                        "[[server]]\nname = \"{name}\"\nflavour = \"exchange2003\"\nfqdn = \"{name}.contoso.com\"\n\
                         local_domains = [\"contoso.com\"]\nrelay_mode = \"{mode}\"\nrelay_list = [{}]\nrelay_for_auth = true\n",
                        list.join(", ")
                    ),
                )
            }
            ServerSpec::Postfix { mynetworks } => {
                let nets: BTreeSet<String> = mynetworks.iter().map(|r| self.range(r)).collect();
                let nets: Vec<String> = std::iter::once("127.0.0.0/8".to_string())
                    .chain(nets)
                    .collect();
                (
                    format!("{name}-postconf-n.txt"),
                    format!(
                        "# relaylab-interfaces: {}/24\ncompatibility_level = 2\nmydestination = contoso.com, localhost\n\
                         myhostname = {name}.contoso.com\nmynetworks = {}\n\
                         smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination\n",
                        MEMBERS[i],
                        nets.join(" ")
                    ),
                )
            }
        }
    }

    fn allowed(&self) -> AddrSet {
        AddrSet::from_sets(
            &self
                .allowed
                .iter()
                .map(|(h, l)| AddrSet::parse(&self.space.net(*h, *l)).unwrap())
                .collect::<Vec<_>>(),
        )
    }

    fn model(&self, fault: Option<Fault>) -> Model {
        let config = bigip::parse("bigip.conf", &self.bigip_conf())
            .unwrap_or_else(|e| panic!("{e:?}\n{}", self.bigip_conf()))
            .config;
        let servers = (0..self.members)
            .map(|i| {
                let (file, text) = self.policy(i);
                let set = relaypolicy::import::load_str(&text, &file)
                    .unwrap_or_else(|e| panic!("{e}\n{text}"));
                MemberServer {
                    member: MEMBERS[i].parse().unwrap(),
                    server: set.resolved().remove(0),
                }
            })
            .collect();
        Model {
            name: "oracle".into(),
            config: Arc::new(config),
            servers,
            intent: Intent {
                relay_allowed: self.allowed(),
                external_domain: "example.net".into(),
                local_recipient: "postmaster@contoso.com".into(),
                auth_requires_tls: false,
            },
            cases: Vec::new(),
            expected: Vec::new(),
            options: Options {
                fault,
                ..Options::default()
            },
        }
    }

    /// Writes the configuration as a scenario folder `relaylab check` loads.
    fn write_scenario(&self, dir: &std::path::Path) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("bigip.conf"), self.bigip_conf()).unwrap();
        let mut toml = String::from(
            "name = \"Oracle counterexample\"\nsummary = \"The prover disagreed with deciding clients one by one.\"\nbigip = \"bigip.conf\"\n",
        );
        for (i, member) in MEMBERS.iter().enumerate().take(self.members) {
            let (file, text) = self.policy(i);
            std::fs::write(dir.join(&file), text).unwrap();
            write!(
                toml,
                "\n[[server]]\nmember = \"{member}\"\npolicy = [\"{file}\"]\n"
            )
            .unwrap();
        }
        let allowed: Vec<String> = self
            .allowed()
            .cidrs()
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect();
        write!(
            toml,
            "\n[intent]\nrelay_allowed = [{}]\nexternal_domain = \"example.net\"\nlocal_recipient = \"postmaster@contoso.com\"\n",
            allowed.join(", ")
        )
        .unwrap();
        std::fs::write(dir.join("scenario.toml"), toml).unwrap();
    }

    /// Every block the configuration names, in the virtual's space: where verdicts may
    /// change.
    fn blocks(&self) -> Vec<AddrSet> {
        let s = self.space;
        let mut nets: Vec<Net> = self.groups.iter().flatten().map(|(n, _)| *n).collect();
        nets.extend(self.source);
        nets.extend(&self.allowed);
        nets.push(self.proc_net());
        for sv in &self.servers {
            let ranges = match sv {
                ServerSpec::Exchange { relay_ranges, .. } => relay_ranges,
                ServerSpec::Exchange2003 { list, .. } => list,
                ServerSpec::Postfix { mynetworks } => mynetworks,
            };
            nets.extend(ranges.iter().filter_map(|r| match r {
                RangeSpec::Client(n) => Some(*n),
                _ => None,
            }));
        }
        let mut out: Vec<AddrSet> = nets
            .iter()
            .map(|(h, l)| AddrSet::parse(&s.net(*h, *l)).unwrap())
            .collect();
        out.extend(
            (0..=255u8)
                .step_by(37)
                .map(|h| AddrSet::parse(&s.host(h)).unwrap()),
        );
        out
    }
}

// ---- the oracle ------------------------------------------------------------------------

/// What one client gets, decided directly: how the connection ends, the iRule's
/// decisions, and each path's verdicts.
#[derive(Debug, PartialEq, Eq)]
struct Direct {
    allowed: bool,
    end: Option<String>,
    branch: String,
    paths: BTreeSet<(String, String, [VerdictWord; 4])>,
}

fn end_key(end: &Option<End>) -> Option<String> {
    end.as_ref().map(|e| match e {
        End::Error { at, .. } => format!("error at {at}"),
        End::Reject { at } => format!("reject at {at}"),
        End::Drop { at } => format!("drop at {at}"),
        other => format!("{other:?}"),
    })
}

/// The address a server sees, except that without SNAT it is the client's own, which
/// differs inside a class by design (the verdicts must not).
fn seen_key(snat: &bigip::decide::SnatHow, seen: Addr) -> String {
    match snat {
        bigip::decide::SnatHow::None => "the client".into(),
        _ => seen.to_string(),
    }
}

fn server<'m>(model: &'m Model, member: &Addr) -> &'m Server {
    model.server_for(member).unwrap()
}

/// Checks one configuration; returns how many clients were compared.
fn check(spec: &Spec, fault: Option<Fault>) -> Result<usize, String> {
    let model = spec.model(fault);
    let proof = prove(&model).map_err(|e| format!("prove failed: {e}"))?;
    let vp = &proof.virtuals[0];
    let index = Arc::new(DataGroupIndex::new(&model.config));
    let plan = Plan::new(
        &model.config,
        &index,
        "/Common/vs",
        Settings::default(),
        model.options.automap,
    )
    .map_err(|e| format!("plan: {e}"))?;
    let mut decider = plan.decider();
    let domain = spec.space.domain();

    // The clients to compare.
    let mut ports: BTreeSet<u16> = [1, 1024, 49152, 65535].into();
    fn port_literals(c: &Cond, out: &mut BTreeSet<u16>) {
        match c {
            Cond::Port(_, p) => out.extend([p.saturating_sub(1).max(1), *p, p.saturating_add(1)]),
            Cond::Not(a) => port_literals(a, out),
            Cond::And(a, b) | Cond::Or(a, b) => {
                port_literals(a, out);
                port_literals(b, out);
            }
            _ => {}
        }
    }
    fn walk(b: &[Stmt], out: &mut BTreeSet<u16>) {
        for s in b {
            match s {
                Stmt::If(arms, other) => {
                    for (c, b) in arms {
                        port_literals(c, out);
                        walk(b, out);
                    }
                    walk(other, out);
                }
                Stmt::SwitchExact(arms, other) => {
                    arms.iter().for_each(|(_, b)| walk(b, out));
                    walk(other, out);
                }
                Stmt::SwitchGlob(_, a, b) => {
                    walk(a, out);
                    walk(b, out);
                }
                _ => {}
            }
        }
    }
    for r in &spec.rules {
        walk(&r.accepted, &mut ports);
    }
    let ports: Vec<u16> = ports.into_iter().collect();
    let mut clients: BTreeSet<Client> = BTreeSet::new();
    for c in &vp.classes {
        clients.insert(c.representative_client());
        clients.extend(c.samples.iter().copied());
        // Where a class ends, its neighbour begins: a wrong cut shows there first.
        for (lo, hi) in c.clients.addresses().ranges(domain).into_iter().take(8) {
            for n in [lo.checked_sub(1), Some(lo), Some(hi), hi.checked_add(1)]
                .into_iter()
                .flatten()
            {
                let addr = domain.addr(n);
                // IPv4-mapped numbers are IPv4's, not this domain's.
                if n <= domain.family.max()
                    && Addr::in_domain(addr.ip, addr.route_domain).domain() == domain
                {
                    clients.insert(Client {
                        addr,
                        port: c.representative_port,
                    });
                }
            }
        }
    }
    for (i, b) in spec.blocks().iter().enumerate() {
        for (lo, hi) in b.ranges(domain) {
            for n in [lo.checked_sub(1), Some(lo), Some(hi), hi.checked_add(1)]
                .into_iter()
                .flatten()
            {
                if n <= domain.family.max() {
                    clients.insert(Client {
                        addr: domain.addr(n),
                        port: ports[(i + (n % ports.len() as u128) as usize) % ports.len()],
                    });
                }
            }
        }
    }
    let mut rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
    let base = AddrSet::parse(&spec.space.net(0, 0))
        .unwrap()
        .ranges(domain)[0]
        .0;
    while clients.len() < 50 + ports.len() * 4 {
        let n = if rng.random_bool(0.8) {
            base + u128::from(rng.random::<u8>())
        } else {
            rng.random::<u128>() & domain.family.max()
        };
        let port = if rng.random_bool(0.5) {
            ports[rng.random_range(0..ports.len())]
        } else {
            rng.random_range(1..=u16::MAX)
        };
        clients.insert(Client {
            addr: domain.addr(n),
            port,
        });
    }
    // Additionally every comparison port for every class's representative address.
    for c in &vp.classes {
        for &p in &ports {
            clients.insert(Client {
                addr: c.representative,
                port: p,
            });
        }
    }

    for &client in &clients {
        let holders: Vec<&verify::Class> = vp
            .classes
            .iter()
            .filter(|c| c.clients.contains(client))
            .collect();
        let out = decider.decide(client.addr, client.port);
        if matches!(out.end, Some(End::NotAccepted)) {
            if !holders.is_empty() {
                return Err(format!(
                    "{client:?}: not accepted by the virtual, yet in a class"
                ));
            }
            continue;
        }
        let [class] = holders[..] else {
            return Err(format!(
                "{client:?} is in {} classes, not one",
                holders.len()
            ));
        };
        if class.label != Label::Proved {
            continue;
        }
        let direct = Direct {
            allowed: model.intent.relay_allowed.contains(&client.addr),
            end: end_key(&out.end),
            branch: branch_text(out.evaluation.as_ref()),
            paths: out
                .paths
                .iter()
                .map(|p| {
                    let srv = server(&model, &p.member.addr);
                    let local = PolicyEndpoint::new(server_view(&p.member.addr), p.member.port);
                    let seen = server_view(&p.seen);
                    let v = verify::prove::probes(&model)
                        .map(|pr| VerdictWord::from(&srv.probe(local, seen, &pr).verdict));
                    (p.member.to_string(), seen_key(&p.snat, seen), v)
                })
                .collect(),
        };
        let sampled = out.evaluation.as_ref().is_some_and(|e| e.is_sampled());
        let claimed = Direct {
            allowed: class.allowed,
            end: end_key(&class.end),
            branch: class.branch.clone(),
            paths: if class.end.is_some() {
                BTreeSet::new()
            } else {
                class
                    .paths
                    .iter()
                    .map(|p| {
                        (
                            p.member.to_string(),
                            seen_key(&p.snat_how, p.seen),
                            [p.relay, p.local, p.auth_tls, p.auth_plain],
                        )
                    })
                    .collect()
            },
        };
        if direct != claimed || sampled {
            return Err(format!(
                "client {} port {} is in a class labelled proved (representative {} port {}) but deciding it directly differs{}:\n  proof:  {claimed:?}\n  direct: {direct:?}",
                client.addr,
                client.port,
                class.representative,
                class.representative_port,
                if sampled {
                    " (its own evaluation is a sample)"
                } else {
                    ""
                }
            ));
        }
    }
    Ok(clients.len())
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn runner(cases: u32) -> TestRunner {
    let seed = env_num("ORACLE_SEED", 20261204);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    TestRunner::new_with_rng(
        Config {
            cases,
            failure_persistence: None,
            max_shrink_iters: 2000,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    )
}

/// Runs the oracle over generated configurations; on a failure writes the minimised
/// scenario and returns the message.
fn run_oracle(cases: u32, fault: Option<Fault>) -> Result<(usize, usize), String> {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("oracle-counterexample");
    let configs = std::cell::Cell::new(0);
    let compared = std::cell::Cell::new(0);
    let result = runner(cases).run(&spec(), |s| {
        match check(&s, fault) {
            Ok(n) => {
                configs.set(configs.get() + 1);
                compared.set(compared.get() + n);
                Ok(())
            }
            Err(msg) => {
                // The last failing case written is the minimised one.
                let _ = std::fs::remove_dir_all(&dir);
                s.write_scenario(&dir);
                Err(TestCaseError::fail(msg))
            }
        }
    });
    match result {
        Ok(()) => Ok((configs.get(), compared.get())),
        Err(e) => Err(format!(
            "{e}\nthe minimised scenario is in {} (relaylab check {} shows the proof)",
            dir.display(),
            dir.display()
        )),
    }
}

#[test]
fn proved_classes_hold_for_every_client_checked() {
    let cases = env_num("ORACLE_CASES", 2000) as u32;
    let (configs, clients) = run_oracle(cases, None).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("oracle: {configs} configurations, {clients} clients compared");
    assert!(configs >= cases as usize && clients >= configs * 50);
}

#[test]
fn the_oracle_catches_a_prover_that_ignores_port_comparisons() {
    let err = run_oracle(300, Some(Fault::IgnorePortComparisons)).unwrap_err();
    assert!(err.contains("port"), "{err}");
}

#[test]
fn the_oracle_catches_a_prover_that_ignores_record_boundaries() {
    let err = run_oracle(1000, Some(Fault::IgnoreRecordBoundaries)).unwrap_err();
    assert!(err.contains("labelled proved"), "{err}");
}

/// The example, by hand: one word added to the workaround's rule.
#[test]
fn a_source_port_backdoor_is_a_counterexample_naming_the_port() {
    let spec = Spec {
        space: Space::V4,
        groups: vec![vec![((5, 8), None)], vec![]],
        source: None,
        vs_snat: 0,
        floating_self: true,
        members: 1,
        rules: vec![RuleSpec {
            priority: None,
            accepted: vec![Stmt::If(
                vec![(
                    Cond::Or(Box::new(Cond::DgMatch(0)), Box::new(Cond::Port("==", 1025))),
                    vec![Stmt::SnatAddr(1)],
                )],
                vec![Stmt::SnatAutomap],
            )],
            lb_selected: vec![],
        }],
        servers: vec![
            ServerSpec::Exchange {
                relay_ranges: vec![RangeSpec::SnatAddr(1)],
                partner: None,
                default_anonymous: true,
            };
            3
        ],
        allowed: vec![(5, 8)],
        text_keys: vec![],
    };
    let model = spec.model(None);
    let proof = prove(&model).unwrap();
    let open: Vec<_> = proof
        .violations()
        .filter(|v| v.property == verify::Property::NoOpenRelay)
        .collect();
    assert_eq!(open.len(), 1, "{:#?}", proof.virtuals[0].classes);
    let v = open[0];
    assert!(v.depends_on_port && v.representative_port == 1025, "{v:?}");
    assert!(v.label == Label::Proved);
    assert!(v.covers_client(Client {
        addr: "192.0.2.7".parse().unwrap(),
        port: 1025
    }));
    assert!(!v.covers_client(Client {
        addr: "192.0.2.7".parse().unwrap(),
        port: 1026
    }));
    assert!(v.what.contains("from source port 1025"), "{}", v.what);
    assert!(
        v.addresses.iter().all(|a| a.ends_with("from port 1025")),
        "{:?}",
        v.addresses
    );
    check(&spec, None).unwrap();
    let _ = PortSet::all();
}
