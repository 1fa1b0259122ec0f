//! Everything the prover reads: the BIG-IP configuration, the mail server behind each
//! pool member, the owner's intent, and the options of the model.

use std::sync::Arc;

use addrspace::Addr;
use bigip::Config;
use bigip::snat::AutomapModel;
use relaypolicy::policy::Server;
use serde::Serialize;

use crate::intent::{Case, ExpectedViolation, Intent};

/// The mail server that stands behind one pool member address.
#[derive(Debug, Clone)]
pub struct MemberServer {
    /// The pool member's address (any port of it).
    pub member: Addr,
    /// The server's relay policy.
    pub server: Server,
}

/// How iRules treat v10-style `$::datagroup` references.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IruleMode {
    /// v11 and later: a `$::name` data-group reference is a run-time error that resets
    /// the connection.
    #[default]
    V11,
    /// v9/v10: `$::name` reads the class.
    V10,
}

/// Settings of the model.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Options {
    /// Only these virtual servers (default: every enabled one).
    pub virtuals: Option<Vec<String>>,
    /// How automap's choice of self IP is modelled.
    pub automap: AutomapModel,
    /// iRule dialect.
    pub irule_mode: IruleMode,
    /// How many more clients of each sampled class to decide besides its representative
    /// (its edges, addresses whose text extends a literal of the rules, random ones), so
    /// that a counterexample a sample would miss is found. 0: none.
    pub search: usize,
    /// A deliberate defect, for the tests that show the soundness oracle catches a prover
    /// that lies. Never set outside tests.
    #[doc(hidden)]
    #[serde(skip)]
    pub fault: Option<Fault>,
}

/// A deliberate prover defect (see [`Options::fault`]).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Do not cut regions at source-port comparisons.
    IgnorePortComparisons,
    /// Do not cut regions at the boundaries of the record a lookup returned.
    IgnoreRecordBoundaries,
}

/// A whole scenario as the prover sees it.
#[derive(Debug, Clone)]
pub struct Model {
    /// The scenario's name.
    pub name: String,
    /// The BIG-IP configuration (shared with the plans and the live balancer).
    pub config: Arc<Config>,
    /// What stands behind each pool member.
    pub servers: Vec<MemberServer>,
    /// The owner's intent.
    pub intent: Intent,
    /// Explicit examples.
    pub cases: Vec<Case>,
    /// Violations a pitfall scenario expects (empty: everything must hold).
    pub expected: Vec<ExpectedViolation>,
    /// Model settings.
    pub options: Options,
}

impl Model {
    /// The server behind a pool member address.
    pub fn server_for(&self, member: &Addr) -> Option<&Server> {
        self.servers
            .iter()
            .find(|s| s.member == *member)
            .map(|s| &s.server)
    }
}
