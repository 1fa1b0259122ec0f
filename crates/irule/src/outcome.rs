//! What an evaluation returns: decisions as data, log lines, taint escapes and the
//! address sets the client address was compared against.

use std::sync::Arc;

use addrspace::{Addr, AddrSet, PortSet};

use crate::error::RuntimeError;
use crate::span::{Location, Span};

/// Where in which rule something happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The rule's name (the event is the [`Evaluation`]'s).
    pub rule: Arc<str>,
    /// The command's span in the rule text.
    pub span: Span,
    /// Its line and column.
    pub at: Location,
}

/// The SNAT a rule chose with `snat` or `snatpool`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Snat {
    /// `snat automap`: one of the BIG-IP's self IPs.
    Automap,
    /// `snat none`: the client address is kept.
    None,
    /// `snat <addr> [<port>]`.
    Addr {
        /// The translation address.
        addr: Addr,
        /// The source port, if given.
        port: Option<u16>,
    },
    /// `snatpool <name> [member <addr>]`.
    Pool {
        /// The snatpool's full path.
        name: String,
        /// The member, if one was named.
        member: Option<Addr>,
    },
}

/// `persist` choices.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Persist {
    /// `persist none`.
    None,
    /// `persist source_addr [<mask>] [<timeout>]`.
    SourceAddr {
        /// The mask as written.
        mask: Option<String>,
        /// The timeout in seconds.
        timeout: Option<u32>,
    },
    /// `persist dest_addr [<mask>] [<timeout>]`.
    DestAddr {
        /// The mask as written.
        mask: Option<String>,
        /// The timeout in seconds.
        timeout: Option<u32>,
    },
    /// Another mode (`uie`, `hash`, `carp`, `universal`, ...): it picks among the members
    /// a path already lists, so the paths stay the same.
    Other {
        /// The mode as written.
        mode: String,
    },
}

/// One decision a rule made. Nothing is performed: the caller applies them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Decision {
    /// `snat ...` or `snatpool ...`.
    Snat(Snat),
    /// `pool <name> [member <addr> [<port>]]`.
    Pool {
        /// The pool's full path.
        name: String,
        /// The member, if one was named.
        member: Option<(Addr, Option<u16>)>,
    },
    /// `node <addr> [<port>]`.
    Node {
        /// The address.
        addr: Addr,
        /// The port, if given.
        port: Option<u16>,
    },
    /// `persist ...`.
    Persist(Persist),
    /// `LB::select`: load balancing happens now rather than after the event.
    LbSelect,
    /// `reject`: the connection is reset.
    Reject,
    /// `drop` or `discard`: the connection is silently dropped.
    Drop,
    /// `event disable` and friends, as written.
    Event(String),
    /// `forward`: the connection goes to its destination address, with no load balancing.
    Forward,
    /// `LB::reselect`: pick another member (after `LB_FAILED`).
    LbReselect,
    /// `TCP::respond <data>`: data sent to the client from the BIG-IP itself.
    Respond(String),
    /// `TCP::close`: the BIG-IP closes the connection.
    Close,
    /// `TCP::collect`: hold the connection until the client sends data (CLIENT_DATA).
    Collect,
    /// `translate address|port|service enable|disable`.
    Translate {
        /// `address`, `port` or `service`.
        what: Translation,
        /// Whether translation is on.
        enable: bool,
    },
}

/// What `translate` switches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Translation {
    /// The destination address (to the pool member's).
    Address,
    /// The destination port.
    Port,
    /// Both.
    Service,
}

impl Translation {
    /// The keyword as an iRule writes it.
    pub fn keyword(self) -> &'static str {
        match self {
            Translation::Address => "address",
            Translation::Port => "port",
            Translation::Service => "service",
        }
    }
}

/// A value the BIG-IP decides when the connection runs (the clock, `rand()`, the
/// session table, member health, the payload, ...), read by a rule. Reading one is
/// exact; a decision that depends on it is labelled sampled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreeInput {
    /// The command as written (`active_members`, `table lookup`, `rand()`).
    pub command: Arc<str>,
    /// Where.
    pub origin: Origin,
}

/// A decision with where it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The decision.
    pub decision: Decision,
    /// Where.
    pub origin: Origin,
}

/// A `log` line (recorded, never printed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// The facility, if given (`local0.`).
    pub facility: Option<String>,
    /// The message.
    pub message: String,
    /// Where.
    pub origin: Origin,
}

/// A value derived from the client (address or port), or state earlier connections may have
/// left, reached an operation the model cannot reason about: results for the client's
/// region are a sample, not a proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escape {
    /// The operation (`string range`, `expr +`, `if condition`, `snat address`).
    pub operation: String,
    /// Where.
    pub origin: Origin,
}

/// What the client address was compared against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObservedBy {
    /// A data group's records (`class match`, `matchclass`, `findclass`...), by full
    /// path.
    DataGroup(Arc<str>),
    /// `IP::addr` with a literal address or network.
    IpAddr(Arc<str>),
    /// String equality with a literal address (`eq`, `==`, `equals`, `string equal`,
    /// `switch`).
    Equality(String),
    /// A text operation on the address's text with a literal (`string match 10.1.2*`):
    /// the set is every address whose text gives the answer `true`.
    Text(String),
}

/// What a comparison's result depends on: this is what lets the prover treat every
/// address that gets the same answer as one, however many records a data group has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Answer {
    /// Only whether any of the sets holds the address (`class match` without `-value`,
    /// `-name`, `-index`, `-element` or `-all`; `IP::addr`; equality with a literal).
    AnyHolds,
    /// Which of the sets hold it (`-value`, `-name`, `-index`, `-element`, `-all`,
    /// `class lookup`, `matchclass`'s index).
    WhichHold,
}

/// One comparison of the client address: every set in `sets` is a boundary the prover's
/// partition has to respect (for a data group, one set per record, so longest-prefix
/// lookups are exact too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    /// What was compared.
    pub by: ObservedBy,
    /// The sets.
    pub sets: Arc<[AddrSet]>,
    /// What of the comparison the result used.
    pub answer: Answer,
    /// Where.
    pub origin: Origin,
}

/// One comparison of the client's source port with a value that does not depend on the
/// client: `ports` is every port for which it is true, computed with the engine's own
/// comparison, so the prover can cut the port range exactly there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortObserved {
    /// The comparison as written around the port (`== 1025`).
    pub test: String,
    /// The ports for which the comparison is true.
    pub ports: Arc<PortSet>,
    /// Where.
    pub origin: Origin,
}

/// The result of running one event on one connection, across every rule of the program.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    /// The event.
    pub event: String,
    /// Decisions, in the order they were made.
    pub decisions: Vec<Recorded>,
    /// `log` lines.
    pub logs: Vec<LogLine>,
    /// Taint escapes.
    pub escapes: Vec<Escape>,
    /// Comparisons of the client address.
    pub observed: Vec<Observed>,
    /// Comparisons of the client's source port.
    pub observed_ports: Vec<PortObserved>,
    /// Run-time inputs the rules read.
    pub free_inputs: Vec<FreeInput>,
    /// The error that aborted the rules, if any (the connection is then reset).
    pub error: Option<RuntimeError>,
    /// Evaluation steps used.
    pub steps: u64,
}

impl Evaluation {
    /// The SNAT in force after the event: the last `snat`/`snatpool` decision, if any.
    pub fn snat(&self) -> Option<&Snat> {
        self.decisions.iter().rev().find_map(|r| match &r.decision {
            Decision::Snat(s) => Some(s),
            _ => None,
        })
    }

    /// The last `pool` or `node` decision, if any.
    pub fn target(&self) -> Option<&Decision> {
        self.decisions
            .iter()
            .rev()
            .map(|r| &r.decision)
            .find(|d| matches!(d, Decision::Pool { .. } | Decision::Node { .. }))
    }

    /// Whether the connection ends here: a run-time error, `reject`, `drop` or `discard`.
    pub fn resets(&self) -> bool {
        self.error.is_some()
            || self.decisions.iter().any(|r| {
                matches!(
                    r.decision,
                    Decision::Reject | Decision::Drop | Decision::Close
                )
            })
    }

    /// Whether the result only holds for this address: some value derived from the
    /// client address escaped the modelled predicates.
    pub fn is_sampled(&self) -> bool {
        !self.escapes.is_empty()
    }

    /// Every address set the client address was compared against: cut the address space
    /// at their boundaries (and the ports at [`Evaluation::observed_ports`]) and this
    /// evaluation stands for its whole region (unless [`Evaluation::is_sampled`]).
    pub fn observed_sets(&self) -> impl Iterator<Item = &AddrSet> {
        self.observed.iter().flat_map(|o| o.sets.iter())
    }
}
