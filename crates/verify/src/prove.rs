//! The proof: cut each virtual's client space (addresses times source ports) into regions,
//! decide one representative per region, cut again wherever its evaluation's comparisons
//! are not constant on the region, then check every property on every path.

use std::collections::HashMap;
use std::sync::Arc;

use addrspace::{Addr, AddrSet, Domain, Partition, PortSet};
use bigip::Endpoint;
use bigip::decide::{DataGroupIndex, End, Outcome, Path, Plan, PlanError, SnatHow};
use irule::{Answer, Decision, Evaluation, Settings};
use relaypolicy::policy::{ConnectorId, Probe, ProbeOutcome, Server, Verdict};
use relaypolicy::session::Endpoint as PolicyEndpoint;
use serde::Serialize;

use crate::clients::{Client, ClientSet, Region};
use crate::intent::{Expected, Property};
use crate::model::{Fault, IruleMode, Model};

/// Why a model cannot be proved at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProveError {
    /// A virtual's iRules do not load.
    #[error("{0}")]
    Plan(#[from] PlanError),
    /// A pool member has no server behind it in the scenario.
    #[error("pool member {member} of {virtual_name} has no [[server]] in the scenario")]
    NoServer {
        /// The virtual.
        virtual_name: String,
        /// The member address.
        member: String,
    },
}

/// Whether a class's verdict is proved for every address in it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "label", rename_all = "kebab-case")]
pub enum Label {
    /// One evaluation stands for every address of the class.
    Proved,
    /// A value derived from the client address reached an operation the model cannot
    /// reason about: the verdict holds for the representative only.
    Sampled {
        /// The operation.
        operation: String,
        /// Rule and line.
        at: String,
    },
    /// relaylab could not decide these connections (a command or decision it does not
    /// model, its step budget): no verdict, no violation, shown so the user knows.
    NotDecided {
        /// What relaylab cannot follow.
        reason: String,
        /// Rule and line.
        at: String,
    },
}

impl Label {
    /// Whether the class has no verdict at all.
    pub fn is_not_decided(&self) -> bool {
        matches!(self, Label::NotDecided { .. })
    }
}

/// A place in a configuration file that decides a verdict.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ConfigLocation {
    /// The file as given (a UCS member is `ARCHIVE:MEMBER`).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What stands there (`virtual /Common/SMTP_VS`, `snat 10.0.0.20`, a connector).
    pub what: String,
}

/// Where the virtual `v` is defined, as a location.
fn virtual_location(config: &bigip::Config, v: &bigip::Virtual) -> ConfigLocation {
    let (file, line) = config.place(v.line);
    ConfigLocation {
        file: file.to_string(),
        line,
        column: 1,
        what: format!("virtual {}", v.name),
    }
}

/// Where a place in an iRule's text stands in its configuration file.
fn rule_location(
    config: &bigip::Config,
    rule: &str,
    at: irule::span::Location,
    what: String,
) -> Option<ConfigLocation> {
    let r = config.rules.get(rule)?;
    let placed = config.rule_placed(r);
    let line = placed.line + at.line.saturating_sub(1);
    let column = if at.line <= 1 {
        placed.col + at.col.saturating_sub(1)
    } else {
        at.col
    };
    Some(ConfigLocation {
        file: placed.file.to_string(),
        line,
        column,
        what,
    })
}

/// What one server answers on one path, for every probe.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct PathVerdict {
    /// The pool member (`10.0.1.11:25`).
    #[serde(serialize_with = "display")]
    pub member: Endpoint,
    /// The server behind it.
    pub server: String,
    /// How the source address was translated, in words (`automap 10.0.1.5 (/Common/self)`).
    pub snat: String,
    /// How the source address was translated.
    #[serde(skip)]
    pub snat_how: SnatHow,
    /// The source address the server sees (the BIG-IP's route domain left out).
    #[serde(serialize_with = "display")]
    pub seen: Addr,
    /// The source address the BIG-IP connects from, with its route domain.
    #[serde(skip)]
    pub translated: Addr,
    /// The connector (or equivalent) that answered.
    #[serde(serialize_with = "display")]
    pub connector: ConnectorId,
    /// Anonymous relay to the external domain.
    pub relay: VerdictWord,
    /// Anonymous mail to the local recipient.
    pub local: VerdictWord,
    /// Authenticated relay after STARTTLS.
    pub auth_tls: VerdictWord,
    /// Authenticated relay without TLS.
    pub auth_plain: VerdictWord,
    /// The server's last reply to the relay probe.
    pub relay_reply: String,
}

/// A probe verdict, as a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VerdictWord {
    /// Accepted for a domain the server does not serve.
    Relayed,
    /// Accepted for a served domain.
    Delivered,
    /// Accepted, then bounced (never relayed).
    Bounced,
    /// Refused.
    Rejected,
    /// Refused for now.
    Deferred,
}

impl From<&Verdict> for VerdictWord {
    fn from(v: &Verdict) -> VerdictWord {
        match v {
            Verdict::Relayed => VerdictWord::Relayed,
            Verdict::Delivered => VerdictWord::Delivered,
            Verdict::AcceptedThenBounced => VerdictWord::Bounced,
            Verdict::Rejected => VerdictWord::Rejected,
            Verdict::Deferred => VerdictWord::Deferred,
        }
    }
}

impl std::fmt::Display for VerdictWord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            VerdictWord::Relayed => "relayed",
            VerdictWord::Delivered => "delivered",
            VerdictWord::Bounced => "bounced",
            VerdictWord::Rejected => "rejected",
            VerdictWord::Deferred => "deferred",
        })
    }
}

/// Addresses that behave alike: same branch, same paths, same verdicts.
#[derive(Debug, Clone, Serialize)]
pub struct Class {
    /// The clients of the class (address and source port).
    #[serde(skip)]
    pub clients: ClientSet,
    /// The addresses, as a minimal CIDR list (at most 16 shown; see `address_blocks`),
    /// each followed by its source ports where the class holds it from some ports only.
    pub addresses: Vec<String>,
    /// How many CIDR blocks the class has in all.
    pub address_blocks: usize,
    /// The client the verdicts were computed for.
    #[serde(serialize_with = "display")]
    pub representative: Addr,
    /// Its source port.
    pub representative_port: u16,
    /// Whether the class holds some address from some source ports only.
    pub depends_on_port: bool,
    /// Whether the intent lets these addresses relay.
    pub allowed: bool,
    /// Proved, sampled or not decided.
    pub label: Label,
    /// What the iRules decided (`snat 10.0.0.20 (/Common/smtp_irule line 6)`).
    pub branch: String,
    /// Why the connection goes nowhere, if it does.
    pub end: Option<End>,
    /// Every path and its verdicts.
    pub paths: Vec<PathVerdict>,
    /// Regions (sets of addresses decided by one evaluation) in the class.
    pub regions: usize,
    /// Boundary clients worth trying live: the first and last address of each range of
    /// the class's addresses, and the first and last port of each port range (at most 16).
    pub samples: Vec<Client>,
}

impl Class {
    /// The client the verdicts were computed for.
    pub fn representative_client(&self) -> Client {
        Client {
            addr: self.representative,
            port: self.representative_port,
        }
    }

    /// The representative as a person reads it: the address, and the port when the
    /// class depends on it.
    pub fn who(&self) -> String {
        who(self.representative_client(), self.depends_on_port)
    }
}

/// A client as a person reads it: the address, and the source port when it matters.
pub fn who(client: Client, port_matters: bool) -> String {
    if port_matters {
        format!("{} from source port {}", client.addr, client.port)
    } else {
        client.addr.to_string()
    }
}

/// A property that does not hold, with where and how.
#[derive(Debug, Clone, Serialize)]
pub struct Violation {
    /// The property.
    pub property: Property,
    /// The virtual server.
    pub virtual_name: String,
    /// Every address for which it fails on this path, as CIDRs (at most 16 shown).
    pub addresses: Vec<String>,
    /// How many CIDR blocks in all.
    pub address_blocks: usize,
    /// The counterexample to try.
    #[serde(serialize_with = "display")]
    pub representative: Addr,
    /// Its source port (any port shows it unless `depends_on_port`).
    pub representative_port: u16,
    /// Whether the violation holds for some addresses from some source ports only.
    pub depends_on_port: bool,
    /// What happens, in one sentence.
    pub what: String,
    /// The iRule branch.
    pub branch: String,
    /// The path that fails (none when the connection goes nowhere).
    pub path: Option<PathVerdict>,
    /// Why the connection goes nowhere, if it does.
    pub end: Option<End>,
    /// The configuration lines involved.
    pub config_lines: Vec<String>,
    /// The same places, typed: the virtual's definition first, then each iRule decision
    /// and each mail-server entry that decided it, for reports that point into files
    /// (SARIF).
    pub locations: Vec<ConfigLocation>,
    /// Proved or sampled.
    pub label: Label,
    /// Found by deciding more clients of a sampled class than its representative: the
    /// addresses are that one client's.
    pub found_by_search: bool,
    #[serde(skip)]
    set: ClientSet,
}

impl Violation {
    /// Whether the violation covers an address, from some source port.
    pub fn covers(&self, addr: &Addr) -> bool {
        self.set.holds_address(addr)
    }

    /// Whether the violation covers a client.
    pub fn covers_client(&self, client: Client) -> bool {
        self.set.contains(client)
    }

    /// Every address the violation covers, from some source port.
    pub fn address_set(&self) -> AddrSet {
        self.set.addresses()
    }

    /// Every client the violation covers.
    pub fn clients(&self) -> &ClientSet {
        &self.set
    }
}

/// The proof for one virtual server.
#[derive(Debug, Clone, Serialize)]
pub struct VirtualProof {
    /// The virtual's name.
    pub name: String,
    /// Its destination.
    pub destination: String,
    /// Regions the client space was cut into: sets of addresses that got the same answer
    /// to every comparison, each decided by one evaluation.
    pub regions: usize,
    /// Evaluations made (including those whose region was then split).
    pub evaluations: usize,
    /// Regions whose verdicts are sampled, not proved.
    pub sampled_regions: usize,
    /// Regions relaylab could not decide at all.
    pub not_decided_regions: usize,
    /// The classes.
    pub classes: Vec<Class>,
    /// The violations.
    pub violations: Vec<Violation>,
}

/// The result of one explicit case on every path.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    /// The client.
    pub from: String,
    /// The recipient.
    pub rcpt: String,
    /// What was expected.
    pub expect: Expected,
    /// The scenario line.
    pub line: usize,
    /// Whether every path met the expectation.
    pub passed: bool,
    /// Some virtual's answer for this client is not decided (a gap in relaylab): the
    /// case is not shown to hold, and says so rather than claiming the opposite.
    pub not_decided: bool,
    /// What each path did (`virtual -> member via snat: verdict`).
    pub observed: Vec<String>,
}

/// Whether the scenario's expectations were met.
#[derive(Debug, Clone, Serialize)]
pub struct ExpectationCheck {
    /// Expected and found.
    pub found: Vec<Property>,
    /// Expected but not found.
    pub missing: Vec<Property>,
    /// Found but not expected.
    pub unexpected: Vec<Property>,
    /// Expected example addresses that no violation of their property covers.
    pub examples_not_covered: Vec<String>,
    /// Cases that failed (their lines).
    pub failed_cases: Vec<usize>,
}

impl ExpectationCheck {
    /// Whether the scenario passes: exactly the expected violations, examples covered,
    /// every case as written.
    pub fn passes(&self) -> bool {
        self.missing.is_empty()
            && self.unexpected.is_empty()
            && self.examples_not_covered.is_empty()
            && self.failed_cases.is_empty()
    }
}

/// The proof of a whole scenario.
#[derive(Debug, Clone, Serialize)]
pub struct Proof {
    /// The scenario's name.
    pub scenario: String,
    /// Per virtual server.
    pub virtuals: Vec<VirtualProof>,
    /// The explicit cases.
    pub cases: Vec<CaseResult>,
    /// Configuration errors and unprovable entries reported by the servers' models.
    pub notes: Vec<String>,
    /// The scenario's expectations against what was found.
    pub check: ExpectationCheck,
}

impl Proof {
    /// Every violation of every virtual.
    pub fn violations(&self) -> impl Iterator<Item = &Violation> {
        self.virtuals.iter().flat_map(|v| v.violations.iter())
    }
}

/// Proves a model: every virtual, every property, every case.
pub fn prove(model: &Model) -> Result<Proof, ProveError> {
    let index = Arc::new(DataGroupIndex::new(&model.config));
    let mut virtuals = Vec::new();
    let mut accepted = Vec::new();
    for name in virtual_names(model) {
        let plan = plan(model, &index, &name)?;
        virtuals.push(prove_virtual(model, &plan)?);
        accepted.push((plan.virtual_server.clone(), universe(model, &plan)));
    }
    shut_out(model, &accepted, &mut virtuals);
    let mut cases = Vec::new();
    for case in &model.cases {
        cases.push(run_case(model, &index, case)?);
    }
    let notes = model
        .servers
        .iter()
        .flat_map(|s| s.server.problems())
        .map(|p| {
            format!(
                "{}: {}{}",
                p.server,
                p.message,
                p.origin.map(|o| format!(" ({o})")).unwrap_or_default()
            )
        })
        .collect();
    let check = check_expectations(model, &virtuals, &cases);
    Ok(Proof {
        scenario: model.name.clone(),
        virtuals,
        cases,
        notes,
        check,
    })
}

/// The virtual servers the model checks: those named in the options, else every enabled
/// virtual listening on port 25 (or on any port: a wildcard SMTP listener). Submission,
/// IMAP and other virtuals are for the live lab; name them to have them checked.
pub fn virtual_names(model: &Model) -> Vec<String> {
    match &model.options.virtuals {
        Some(v) => v.clone(),
        None => model
            .config
            .virtuals
            .values()
            .filter(|v| !v.disabled && v.destination.is_some_and(|d| d.port == 25 || d.port == 0))
            .map(|v| v.name.clone())
            .collect(),
    }
}

pub(crate) fn plan(
    model: &Model,
    index: &Arc<DataGroupIndex>,
    name: &str,
) -> Result<Plan, ProveError> {
    let settings = Settings {
        v10_globals: model.options.irule_mode == IruleMode::V10,
        ..Settings::default()
    };
    Ok(Plan::new(
        &model.config,
        index,
        name,
        settings,
        model.options.automap,
    )?)
}

/// A path's verdicts with the probe dialogues behind them, shared between regions.
type Probed = Arc<(PathVerdict, Vec<ProbeOutcome>)>;

/// What makes two regions one class: allowed, label, where the iRule decided (and
/// failed), how the connection ended, and the identities of the shared path verdicts.
type ClassKey = (
    bool,
    Label,
    Vec<(Arc<str>, usize, Option<Decision>)>,
    Option<std::mem::Discriminant<End>>,
    Vec<usize>,
);

/// Probe results per (server, member endpoint, seen address), computed once.
#[derive(Default)]
struct VerdictCache {
    by_key: HashMap<(usize, bigip::Endpoint, Addr, SnatHow), Probed>,
}

impl VerdictCache {
    fn get(&mut self, model: &Model, path: &Path) -> Result<Probed, ProveError> {
        let seen = server_view(&path.seen);
        let Some(server_ix) = model
            .servers
            .iter()
            .position(|s| s.member == path.member.addr)
        else {
            return Err(ProveError::NoServer {
                virtual_name: String::new(),
                member: path.member.to_string(),
            });
        };
        // How the address was chosen is part of what the path says: a client that is
        // the self IP without SNAT is not automap, though the server sees the same.
        let key = (server_ix, path.member, seen, path.snat.clone());
        if let Some(v) = self.by_key.get(&key) {
            return Ok(v.clone());
        }
        let server = &model.servers[server_ix].server;
        let v = Arc::new(path_verdict(model, server, path, seen));
        self.by_key.insert(key, v.clone());
        Ok(v)
    }
}

/// The server behind a path's member, or the error that the scenario lacks it.
pub(crate) fn server_of<'m>(
    model: &'m Model,
    virtual_name: &str,
    path: &Path,
) -> Result<&'m Server, ProveError> {
    model
        .server_for(&path.member.addr)
        .ok_or_else(|| ProveError::NoServer {
            virtual_name: virtual_name.to_string(),
            member: path.member.to_string(),
        })
}

/// Route domains are the BIG-IP's own: a server sees the plain address.
pub fn server_view(addr: &Addr) -> Addr {
    Addr {
        route_domain: 0,
        ..*addr
    }
}

/// The four probes every path is asked, in the order of [`PathVerdict`]'s verdicts:
/// anonymous relay, anonymous inbound, authenticated relay after STARTTLS, without it.
pub fn probes(model: &Model) -> [Probe; 4] {
    let ext = model.intent.external_domain.clone();
    [
        Probe::AnonymousRelay {
            external_domain: ext.clone(),
        },
        Probe::AnonymousLocal {
            recipient: model.intent.local_recipient.clone(),
        },
        Probe::AuthenticatedRelay {
            external_domain: ext.clone(),
            tls: true,
        },
        Probe::AuthenticatedRelay {
            external_domain: ext,
            tls: false,
        },
    ]
}

fn path_verdict(
    model: &Model,
    server: &Server,
    path: &Path,
    seen: Addr,
) -> (PathVerdict, Vec<ProbeOutcome>) {
    let local = PolicyEndpoint::new(server_view(&path.member.addr), path.member.port);
    let outcomes: Vec<ProbeOutcome> = probes(model)
        .iter()
        .map(|p| server.probe(local, seen, p))
        .collect();
    let connector = outcomes[0].connector.clone();
    let relay_reply = outcomes[0]
        .last()
        .map(|d| d.reply.to_string())
        .unwrap_or_default();
    let v = PathVerdict {
        member: path.member,
        server: server.name().to_string(),
        snat: snat_text(path),
        snat_how: path.snat.clone(),
        seen,
        translated: path.seen,
        connector,
        relay: (&outcomes[0].verdict).into(),
        local: (&outcomes[1].verdict).into(),
        auth_tls: (&outcomes[2].verdict).into(),
        auth_plain: (&outcomes[3].verdict).into(),
        relay_reply,
    };
    (v, outcomes)
}

/// Serialises a value by its `Display` form: JSON shows what the text report shows.
pub(crate) fn display<T: std::fmt::Display, S: serde::Serializer>(
    v: &T,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

pub(crate) fn snat_text(path: &Path) -> String {
    match &path.snat {
        SnatHow::None => "no SNAT".into(),
        SnatHow::Automap { self_ip, .. } => format!("automap {} ({self_ip})", path.seen),
        SnatHow::Snatpool { pool } => format!("snatpool {pool} {}", path.seen),
        SnatHow::Address => format!("snat {}", path.seen),
        SnatHow::OriginSnat { snat } => format!("ltm snat {snat} {}", path.seen),
    }
}

/// The iRule decisions as one line.
pub fn branch_text(ev: Option<&Evaluation>) -> String {
    let Some(ev) = ev else {
        return "no iRule".into();
    };
    let mut parts: Vec<String> = ev
        .decisions
        .iter()
        .map(|r| {
            let what = match &r.decision {
                Decision::Snat(irule::Snat::Automap) => "snat automap".to_string(),
                Decision::Snat(irule::Snat::None) => "snat none".to_string(),
                Decision::Snat(irule::Snat::Addr { addr, .. }) => format!("snat {addr}"),
                Decision::Snat(irule::Snat::Pool { name, .. }) => format!("snatpool {name}"),
                Decision::Pool { name, .. } => format!("pool {name}"),
                Decision::Node { addr, .. } => format!("node {addr}"),
                Decision::Persist(_) => "persist".to_string(),
                Decision::LbSelect => "LB::select".to_string(),
                Decision::Reject => "reject".to_string(),
                Decision::Drop => "drop".to_string(),
                Decision::Event(e) => format!("event {e}"),
                Decision::Forward => "forward".to_string(),
                Decision::LbReselect => "LB::reselect".to_string(),
                Decision::Respond(_) => "TCP::respond".to_string(),
                Decision::Close => "TCP::close".to_string(),
                Decision::Collect => "TCP::collect".to_string(),
                Decision::Translate { what, enable } => format!(
                    "translate {} {}",
                    what.keyword(),
                    if *enable { "enable" } else { "disable" }
                ),
            };
            format!(
                "{what} ({} line {})",
                short(&r.origin.rule),
                r.origin.at.line
            )
        })
        .collect();
    if let Some(e) = &ev.error {
        parts.push(format!(
            "error: {} ({} line {})",
            e.kind,
            short(&e.rule),
            e.at.line
        ));
    }
    if parts.is_empty() {
        "iRule made no decision".into()
    } else {
        parts.join("; ")
    }
}

fn short(name: &str) -> &str {
    name.strip_prefix("/Common/").unwrap_or(name)
}

fn label_of(outcome: &Outcome) -> Label {
    if let Some(End::NotDecided { reason, at }) = &outcome.end {
        return Label::NotDecided {
            reason: reason.clone(),
            at: at.clone(),
        };
    }
    match outcome.evaluation.as_ref().and_then(|e| e.escapes.first()) {
        None => Label::Proved,
        Some(esc) => Label::Sampled {
            operation: esc.operation.clone(),
            at: format!("{} line {}", esc.origin.rule, esc.origin.at.line),
        },
    }
}

/// Clients the intent lets relay that no checked SMTP virtual accepts (its `source`, or
/// its address family and route domain, shuts them out) cannot relay through any of them:
/// an `allowed-can-relay` violation, filed under the virtual whose space holds them (or
/// the first one), with every virtual's `source` as the reason.
fn shut_out(
    model: &Model,
    accepted: &[(bigip::Virtual, Vec<Domain>)],
    virtuals: &mut [VirtualProof],
) {
    let reach = AddrSet::from_sets(
        &accepted
            .iter()
            .map(|(v, space)| {
                let space = AddrSet::from_sets(
                    &space.iter().map(|d| AddrSet::full(*d)).collect::<Vec<_>>(),
                );
                space.intersection(&v.source)
            })
            .collect::<Vec<_>>(),
    );
    let mut left = model.intent.relay_allowed.difference(&reach);
    if left.is_empty() || virtuals.is_empty() {
        return;
    }
    let reasons: Vec<String> = accepted
        .iter()
        .map(|(v, space)| {
            let listens = space
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            let (file, line) = model.config.place(v.line);
            format!(
                "{} ({file} line {line}): source {}, listening on {}",
                v.name,
                v.source.cidrs().join(" "),
                listens
            )
        })
        .collect();
    for (i, (v, space)) in accepted.iter().enumerate() {
        let full = AddrSet::from_sets(&space.iter().map(|d| AddrSet::full(*d)).collect::<Vec<_>>());
        // What no virtual's space holds at all goes to the first virtual.
        let mine = if i == 0 {
            let others = AddrSet::from_sets(
                &accepted[1..]
                    .iter()
                    .flat_map(|(_, s)| s.iter().map(|d| AddrSet::full(*d)))
                    .collect::<Vec<_>>(),
            );
            left.difference(&others)
        } else {
            left.intersection(&full)
        };
        left = left.difference(&mine);
        let Some(rep) = mine.representative() else {
            continue;
        };
        let all: Vec<Domain> = mine.domains().collect();
        let (cidrs, blocks) = describe(&mine, &all);
        let clients = ClientSet::any_port(mine);
        virtuals[i].violations.push(Violation {
            property: Property::AllowedCanRelay,
            virtual_name: v.name.clone(),
            addresses: cidrs.into_iter().take(16).collect(),
            address_blocks: blocks,
            representative: rep,
            representative_port: PortSet::all().representative().unwrap_or(49152),
            depends_on_port: false,
            what: format!(
                "{rep} may relay by the intent, but no SMTP virtual server accepts it: \
                 the virtuals' source and listening address leave it out"
            ),
            branch: "not accepted by any virtual server".into(),
            path: None,
            end: Some(End::NotAccepted),
            config_lines: reasons.clone(),
            locations: accepted
                .iter()
                .map(|(v, _)| virtual_location(&model.config, v))
                .collect(),
            label: Label::Proved,
            found_by_search: false,
            set: clients,
        });
        virtuals[i].violations.sort_by_key(|v| v.property);
    }
}

/// The client space of a virtual: its destination's family in its route domain. A
/// virtual listening on IPv6 sees only IPv6 clients (IPv4-mapped clients are IPv4 ones,
/// which reach IPv4 listeners), and route domains are separate networks.
fn universe(_model: &Model, plan: &Plan) -> Vec<Domain> {
    match plan.virtual_server.destination {
        Some(d) => vec![d.addr.domain()],
        None => Domain::both(0).to_vec(),
    }
}

/// Splits a virtual's client space (addresses times source ports) into regions of
/// clients that get the same answer to every comparison the rules make, deciding one
/// representative per region; hands each final region and its outcome to `done`. Returns
/// the number of times the rules ran.
///
/// A region's addresses are a set, not an interval: for `class match ... equals` the
/// rules only learn whether some record holds the client, so every address of the data
/// group is one region whatever the number of records. A comparison whose result names
/// the record ([`Answer::WhichHold`]) cuts at the records' boundaries instead. A
/// comparison of the source port cuts the region's ports where it changes. Where a path
/// carries the client's own address (no SNAT), the region is also cut at the servers'
/// decision sets, since the server then tells those addresses apart.
fn evaluate_all(
    model: &Model,
    plan: &Plan,
    done: &mut dyn FnMut(Region, Outcome) -> Result<(), ProveError>,
) -> Result<usize, ProveError> {
    let space = AddrSet::from_sets(
        &universe(model, plan)
            .iter()
            .map(|d| AddrSet::full(*d))
            .collect::<Vec<_>>(),
    );
    let source = &plan.virtual_server.source;
    let mut decider = plan.decider();
    let mut evaluations = 0;
    let outside = Region::any_port(space.difference(source));
    if let Some(rep) = outside.representative() {
        evaluations += 1;
        let outcome = decider.decide(rep.addr, rep.port);
        done(outside, outcome)?;
    }
    // What must be constant on a region before the rules are even asked: the intent's
    // verdict on it, and which origin SNAT (if any) holds it.
    let mut work = vec![space.intersection(source)];
    let seeds = std::iter::once(&model.intent.relay_allowed)
        .chain(model.config.snats.values().map(|s| &s.origins));
    for seed in seeds {
        work = work
            .into_iter()
            .flat_map(|r| [r.intersection(seed), r.difference(seed)])
            .filter(|r| !r.is_empty())
            .collect();
    }
    let mut work: Vec<Region> = work.into_iter().map(Region::any_port).collect();
    let mut memo = SetMemo::default();
    let mut server_sets: HashMap<Domain, Vec<AddrSet>> = HashMap::new();
    // Each split leaves two non-empty, strictly smaller regions, so the loop ends.
    while let Some(region) = work.pop() {
        let Some(rep) = region.representative() else {
            continue;
        };
        evaluations += 1;
        let outcome = decider.decide(rep.addr, rep.port);
        // The part of the region that answers every comparison as the representative did
        // follows the representative's path: this evaluation decides it, and only the
        // rest is evaluated again. (Cutting at one comparison at a time evaluated a chain
        // of n branches about 2n times over.)
        let mut same = Region {
            addrs: region.addrs.clone(),
            ports: region.ports.clone(),
        };
        if let Some(ev) = &outcome.evaluation {
            let fault = model.options.fault;
            for obs in ev.observed.iter().filter(|obs| {
                !(fault == Some(Fault::IgnoreRecordBoundaries) && obs.answer == Answer::WhichHold)
            }) {
                if let Some(part) = memo.address_cut(obs, &same.addrs, &rep.addr) {
                    same.addrs = part;
                }
            }
            if fault != Some(Fault::IgnorePortComparisons) {
                for obs in &ev.observed_ports {
                    same.ports = if obs.ports.contains(rep.port) {
                        same.ports.intersection(&obs.ports)
                    } else {
                        same.ports.difference(&obs.ports)
                    };
                }
            }
        }
        if same != region {
            // Region minus (same.addrs x same.ports), as two disjoint products.
            let other_addrs = region.addrs.difference(&same.addrs);
            if !other_addrs.is_empty() {
                work.push(Region {
                    addrs: other_addrs,
                    ports: region.ports.clone(),
                });
            }
            let other_ports = region.ports.difference(&same.ports);
            if !other_ports.is_empty() {
                work.push(Region {
                    addrs: same.addrs.clone(),
                    ports: other_ports,
                });
            }
        }
        if outcome.paths.iter().any(|p| p.snat == SnatHow::None) {
            // A server sees the plain address (route domains are the BIG-IP's own), so a
            // region in route domain N is cut where the servers' sets cut domain 0.
            let domains: Vec<Domain> = same.addrs.domains().collect();
            let mut sets = Vec::new();
            for d in &domains {
                let homed = server_sets.entry(*d).or_insert_with(|| {
                    let plain = Domain {
                        route_domain: 0,
                        ..*d
                    };
                    model
                        .servers
                        .iter()
                        .flat_map(|s| s.server.decision_sets())
                        .map(|ds| {
                            AddrSet::from_sets(
                                &ds.set
                                    .ranges(plain)
                                    .into_iter()
                                    .map(|(lo, hi)| AddrSet::range(*d, lo, hi))
                                    .collect::<Vec<_>>(),
                            )
                        })
                        .collect()
                });
                sets.extend(homed.iter().cloned());
            }
            let pieces = Partition::new(sets.iter(), &domains);
            let inside: Vec<AddrSet> = pieces
                .intervals()
                .iter()
                .map(|iv| iv.to_set().intersection(&same.addrs))
                .filter(|p| !p.is_empty())
                .collect();
            if inside.len() > 1 {
                // Each piece meets a different server decision: evaluate each on its own.
                work.extend(inside.into_iter().map(|addrs| Region {
                    addrs,
                    ports: same.ports.clone(),
                }));
                continue;
            }
        }
        done(same, outcome)?;
    }
    Ok(evaluations)
}

/// Unions and boundaries of observed set groups, computed once per group. A group is
/// known by its allocation, and the memo keeps that allocation alive: a group freed while
/// its address is still a key could be followed by another group at the same address,
/// which would then be handed the first group's sets.
#[derive(Default)]
struct SetMemo {
    unions: HashMap<*const AddrSet, Kept<AddrSet>>,
    blocks: HashMap<(*const AddrSet, Domain), Kept<Vec<u128>>>,
}

/// A value computed from an observed set group, with the group itself kept alive.
type Kept<T> = (Arc<[AddrSet]>, T);

impl SetMemo {
    /// Groups this small are cheaper to combine than to look up, and are mostly the
    /// literals of one evaluation, which would only fill the memo.
    const SMALL: usize = 4;

    /// The part of `region` that answers `obs` as `rep` does, if that is not all of it.
    fn address_cut(
        &mut self,
        obs: &irule::Observed,
        region: &AddrSet,
        rep: &Addr,
    ) -> Option<AddrSet> {
        match obs.answer {
            Answer::AnyHolds => {
                let owned;
                let u = if let [one] = &obs.sets[..] {
                    one
                } else if obs.sets.len() <= Self::SMALL {
                    owned = AddrSet::from_sets(obs.sets.iter());
                    &owned
                } else {
                    &self
                        .unions
                        .entry(obs.sets.as_ptr())
                        .or_insert_with(|| (obs.sets.clone(), AddrSet::from_sets(obs.sets.iter())))
                        .1
                };
                if u.contains(rep) {
                    (!region.is_subset(u)).then(|| region.intersection(u))
                } else {
                    region.intersects(u).then(|| region.difference(u))
                }
            }
            Answer::WhichHold => {
                let d = rep.domain();
                let owned;
                let cuts = if obs.sets.len() <= Self::SMALL {
                    owned = cuts_of(&obs.sets, d);
                    &owned
                } else {
                    &self
                        .blocks
                        .entry((obs.sets.as_ptr(), d))
                        .or_insert_with(|| (obs.sets.clone(), cuts_of(&obs.sets, d)))
                        .1
                };
                let at = cuts.partition_point(|&c| c <= rep.number());
                let lo = if at == 0 { 0 } else { cuts[at - 1] };
                let hi = cuts.get(at).map_or(d.family.max(), |c| c - 1);
                let block = AddrSet::range(d, lo, hi);
                (!region.is_subset(&block)).then(|| region.intersection(&block))
            }
        }
    }
}

/// Sorted boundaries of a group of sets in one domain: a number `b` in the list means
/// membership may change between `b - 1` and `b`.
fn cuts_of(sets: &[AddrSet], domain: Domain) -> Vec<u128> {
    let mut cuts: Vec<u128> = sets
        .iter()
        .flat_map(|s| s.ranges(domain))
        .flat_map(|(lo, hi)| [Some(lo), hi.checked_add(1)])
        .flatten()
        .collect();
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

/// One class while the regions are sorted into classes.
struct Group {
    allowed: bool,
    label: Label,
    paths: Vec<Probed>,
    outcome: Outcome,
    regions: Vec<Region>,
}

fn prove_virtual(model: &Model, plan: &Plan) -> Result<VirtualProof, ProveError> {
    let v = &plan.virtual_server;
    let space = universe(model, plan);
    let mut cache = VerdictCache::default();
    // Intervals fall into classes by everything that decides their verdicts: whether the
    // intent allows them, the label, the iRule's decisions (by where they were made) and
    // how the connection ended, and the path verdicts (shared, so compared by identity).
    let mut groups: Vec<Group> = Vec::new();
    let mut index: HashMap<ClassKey, usize> = HashMap::new();
    let mut sampled = 0;
    let mut not_decided = 0;
    let mut regions = 0;
    let mut on_done = |region: Region, outcome: Outcome| -> Result<(), ProveError> {
        regions += 1;
        if matches!(outcome.end, Some(End::NotAccepted)) {
            return Ok(());
        }
        let allowed = region
            .addrs
            .representative()
            .is_some_and(|r| model.intent.relay_allowed.contains(&r));
        let label = label_of(&outcome);
        match label {
            Label::Proved => {}
            Label::Sampled { .. } => sampled += 1,
            Label::NotDecided { .. } => not_decided += 1,
        }
        let mut paths = Vec::with_capacity(outcome.paths.len());
        for p in &outcome.paths {
            paths.push(cache.get(model, p).map_err(|err| match err {
                ProveError::NoServer { member, .. } => ProveError::NoServer {
                    virtual_name: v.name.clone(),
                    member,
                },
                other => other,
            })?);
        }
        paths.sort_by_key(|p| Arc::as_ptr(p) as usize);
        paths.dedup_by(|a, b| Arc::ptr_eq(a, b));
        // Back in an order of their own: the order of the addresses they were allocated
        // at changes with the input's layout (one file or several), and the order of
        // violations and paths in the report must not.
        paths.sort_by(|a, b| {
            let (x, y) = (&a.0, &b.0);
            (x.member, x.seen, x.translated, x.snat.as_str()).cmp(&(
                y.member,
                y.seen,
                y.translated,
                y.snat.as_str(),
            ))
        });
        // The decisions themselves, with where they were made: code compiled at run time
        // (a switch written as separate words) gives every body the command's place.
        let decisions: Vec<(Arc<str>, usize, Option<Decision>)> = outcome
            .evaluation
            .as_ref()
            .map(|e| {
                e.decisions
                    .iter()
                    .map(|r| {
                        (
                            r.origin.rule.clone(),
                            r.origin.span.start,
                            Some(r.decision.clone()),
                        )
                    })
                    .chain(
                        e.error
                            .as_ref()
                            .map(|x| (x.rule.clone(), x.span.start, None)),
                    )
                    .collect()
            })
            .unwrap_or_default();
        let end = outcome.end.as_ref().map(std::mem::discriminant);
        let key: ClassKey = (
            allowed,
            label.clone(),
            decisions,
            end,
            paths.iter().map(|p| Arc::as_ptr(p) as usize).collect(),
        );
        let g = match index.get(&key) {
            Some(g) => *g,
            None => {
                index.insert(key, groups.len());
                // A class keeps its outcome for the decisions and the ending; the
                // comparisons only mattered for cutting, and a chain of a thousand
                // branches would otherwise be kept once per class.
                let mut outcome = outcome;
                if let Some(ev) = outcome.evaluation.as_mut() {
                    ev.observed = Vec::new();
                    ev.observed_ports = Vec::new();
                    ev.logs = Vec::new();
                }
                groups.push(Group {
                    allowed,
                    label,
                    paths,
                    outcome,
                    regions: Vec::new(),
                });
                groups.len() - 1
            }
        };
        groups[g].regions.push(region);
        Ok(())
    };
    let evaluations = evaluate_all(model, plan, &mut on_done)?;

    let mut classes = Vec::new();
    let mut violations = Vec::new();
    // The search shares a budget per virtual, so thousands of sampled classes cost at
    // most SEARCH_BUDGET more evaluations; each class still gets a few.
    let sampled_classes = groups
        .iter()
        .filter(|g| matches!(g.label, Label::Sampled { .. }))
        .count();
    let mut search = (sampled_classes > 0 && model.options.search > 0).then(|| {
        let texts: Vec<&str> = v
            .rules
            .iter()
            .filter_map(|r| model.config.rules.get(r))
            .map(|r| r.text.as_str())
            .collect();
        Search {
            literals: crate::search::literals(&texts),
            per_class: model
                .options
                .search
                .min((SEARCH_BUDGET / sampled_classes).max(4)),
            space: &space,
            decider: plan.decider(),
        }
    });
    for g in groups {
        let set = ClientSet::from_regions(&g.regions);
        let (cidrs, blocks) = describe_clients(&set, &space);
        let rep = set.representative().unwrap_or(Client {
            addr: Domain::V4.addr(0),
            port: 0,
        });
        let mut paths: Vec<PathVerdict> = g.paths.iter().map(|p| p.0.clone()).collect();
        paths.sort_by(|a, b| (&a.member, &a.seen).cmp(&(&b.member, &b.seen)));
        let class = Class {
            addresses: cidrs.iter().take(16).cloned().collect(),
            address_blocks: blocks,
            representative: rep.addr,
            representative_port: rep.port,
            depends_on_port: set.depends_on_port(),
            allowed: g.allowed,
            label: g.label.clone(),
            branch: branch_text(g.outcome.evaluation.as_ref()),
            end: g.outcome.end.clone(),
            paths,
            regions: g.regions.len(),
            samples: set.edges(16),
            clients: set.clone(),
        };
        let found = class_violations(model, plan, &class, &g.paths, &g.outcome, &set, &cidrs);
        if let Some(search) = search.as_mut()
            && matches!(class.label, Label::Sampled { .. })
        {
            let known: Vec<Property> = found.iter().map(|v| v.property).collect();
            violations.extend(search_class(
                model, plan, &class, &known, search, &mut cache,
            )?);
        }
        violations.extend(found);
        classes.push(class);
    }
    classes.sort_by_key(|c| (!c.allowed, c.representative, c.representative_port));
    let violations = merge_violations(violations, &space);
    Ok(VirtualProof {
        name: v.name.clone(),
        destination: v.destination.map(|d| d.to_string()).unwrap_or_default(),
        regions,
        evaluations,
        sampled_regions: sampled,
        not_decided_regions: not_decided,
        classes,
        violations,
    })
}

/// More evaluations the search may spend on one virtual, all sampled classes together.
const SEARCH_BUDGET: usize = 16_384;

/// What searching one virtual's sampled classes needs, made once per virtual.
struct Search<'p> {
    /// Address-like literals of the virtual's rules.
    literals: Vec<String>,
    /// Clients per sampled class.
    per_class: usize,
    /// The virtual's client space, for describing a found client.
    space: &'p [Domain],
    decider: bigip::decide::Decider<'p>,
}

/// Decides more clients of a sampled class (see [`crate::search`]) and returns the
/// violations they show that the class's representative did not, one per property.
fn search_class(
    model: &Model,
    plan: &Plan,
    class: &Class,
    known: &[Property],
    search: &mut Search<'_>,
    cache: &mut VerdictCache,
) -> Result<Vec<Violation>, ProveError> {
    let mut out: Vec<Violation> = Vec::new();
    let seed = u64::from(class.representative_port)
        ^ (class.representative.number() as u64).rotate_left(17);
    let clients =
        crate::search::search_clients(&class.clients, &search.literals, search.per_class, seed);
    for client in clients {
        let outcome = search.decider.decide(client.addr, client.port);
        if matches!(outcome.end, Some(End::NotAccepted | End::NotDecided { .. })) {
            continue;
        }
        let mut paths = Vec::with_capacity(outcome.paths.len());
        for p in &outcome.paths {
            paths.push(cache.get(model, p)?);
        }
        let one = ClientSet::from_regions(&[Region {
            addrs: AddrSet::range(
                client.addr.domain(),
                client.addr.number(),
                client.addr.number(),
            ),
            // The client's port only where the class's answer depends on the port.
            ports: if class.depends_on_port {
                addrspace::PortSet::range(client.port, client.port)
            } else {
                addrspace::PortSet::all()
            },
        }]);
        let (cidrs, blocks) = describe_clients(&one, search.space);
        let mut single = class.clone();
        single.addresses = cidrs.clone();
        single.address_blocks = blocks;
        single.representative = client.addr;
        single.representative_port = client.port;
        single.branch = branch_text(outcome.evaluation.as_ref());
        single.end = outcome.end.clone();
        for mut v in class_violations(model, plan, &single, &paths, &outcome, &one, &cidrs) {
            if known.contains(&v.property) || out.iter().any(|o| o.property == v.property) {
                continue;
            }
            v.found_by_search = true;
            out.push(v);
        }
    }
    Ok(out)
}

/// A set as people read it, per domain: its CIDR blocks, `all of IPv6`, or
/// `all of IPv4 except ...` when the complement is the shorter list.
pub fn describe(set: &AddrSet, universe: &[Domain]) -> (Vec<String>, usize) {
    const SHOWN: usize = 16;
    let mut out = Vec::new();
    let mut total = 0;
    for d in universe {
        let full = AddrSet::full(*d);
        let part = set.intersection(&full);
        if part.is_empty() {
            continue;
        }
        if part == full {
            out.push(format!("all of {d}"));
            total += 1;
            continue;
        }
        let (direct, direct_n) = part.cidrs_limited(SHOWN);
        let (rest, rest_n) = full.difference(&part).cidrs_limited(SHOWN);
        if rest_n < direct_n && rest_n <= SHOWN {
            out.push(format!("all of {d} except {}", rest.join(" ")));
            total += 1;
        } else {
            out.extend(direct);
            total += direct_n;
        }
    }
    (out, total)
}

/// A client set as people read it: [`describe`] for each part, each block followed by
/// its source ports where the set holds it from some ports only.
pub fn describe_clients(set: &ClientSet, universe: &[Domain]) -> (Vec<String>, usize) {
    let mut out = Vec::new();
    let mut total = 0;
    for (ports, addrs) in set.parts() {
        let (cidrs, n) = describe(addrs, universe);
        total += n;
        if ports.is_all() {
            out.extend(cidrs);
        } else {
            out.extend(cidrs.into_iter().map(|c| format!("{c} from {ports}")));
        }
    }
    (out, total)
}

fn class_violations(
    model: &Model,
    plan: &Plan,
    class: &Class,
    paths: &[Probed],
    outcome: &Outcome,
    set: &ClientSet,
    cidrs: &[String],
) -> Vec<Violation> {
    let v = &plan.virtual_server;
    let mut out = Vec::new();
    let (file, line) = plan.config.place(v.line);
    let mut lines = vec![format!("{} ({file} line {line})", v.name)];
    let mut places = vec![virtual_location(&plan.config, v)];
    if let Some(ev) = &outcome.evaluation {
        for r in &ev.decisions {
            lines.push(format!("{} line {}", r.origin.rule, r.origin.at.line));
            let what = format!("iRule {} line {}", r.origin.rule, r.origin.at.line);
            places.extend(rule_location(
                &plan.config,
                &r.origin.rule,
                r.origin.at,
                what,
            ));
        }
        if let Some(e) = &ev.error {
            lines.push(format!("{} line {}: {}", e.rule, e.at.line, e.kind));
            let what = format!("iRule {} fails: {}", e.rule, e.kind);
            places.extend(rule_location(&plan.config, &e.rule, e.at, what));
        }
    }
    let make = |property: Property, what: String, path: Option<&Probed>| {
        let mut config_lines = lines.clone();
        let mut locations = places.clone();
        if let Some(p) = path {
            for (_, d) in &p.1[0].steps {
                for e in &d.trace.entries {
                    if let Some(o) = &e.origin {
                        let l = format!("{o}: {}", e.detail);
                        if !config_lines.contains(&l) {
                            config_lines.push(l);
                            locations.push(ConfigLocation {
                                file: o.file.clone(),
                                line: o.line,
                                column: o.column,
                                what: e.detail.clone(),
                            });
                        }
                    }
                }
            }
        }
        Violation {
            property,
            virtual_name: v.name.clone(),
            addresses: cidrs.iter().take(16).cloned().collect(),
            address_blocks: class.address_blocks,
            representative: class.representative,
            representative_port: class.representative_port,
            depends_on_port: class.depends_on_port,
            what,
            branch: class.branch.clone(),
            path: path.map(|p| p.0.clone()),
            end: outcome.end.clone(),
            config_lines,
            locations,
            label: class.label.clone(),
            found_by_search: false,
            set: set.clone(),
        }
    };
    if let Some(end) = &outcome.end {
        if matches!(end, End::NotAccepted | End::NotDecided { .. }) {
            return out;
        }
        let why = end.to_string();
        if class.allowed {
            out.push(make(
                Property::AllowedCanRelay,
                format!("{} cannot relay: {why}", class.who()),
                None,
            ));
        }
        if !end.on_purpose() {
            out.push(make(
                Property::InboundDelivered,
                format!(
                    "{} cannot deliver to {}: {why}",
                    class.who(),
                    model.intent.local_recipient
                ),
                None,
            ));
        }
        return out;
    }
    for p in paths {
        let pv = &p.0;
        let via = format!(
            "via {} as {} on {} ({})",
            pv.member, pv.seen, pv.server, pv.connector
        );
        if !class.allowed && pv.relay == VerdictWord::Relayed {
            out.push(make(
                Property::NoOpenRelay,
                format!(
                    "{} relays to {} {via}",
                    class.who(),
                    model.intent.external_domain
                ),
                Some(p),
            ));
        }
        if class.allowed && pv.relay != VerdictWord::Relayed {
            out.push(make(
                Property::AllowedCanRelay,
                format!(
                    "{} cannot relay ({}: {}) {via}",
                    class.who(),
                    pv.relay,
                    pv.relay_reply
                ),
                Some(p),
            ));
        }
        if pv.local != VerdictWord::Delivered {
            out.push(make(
                Property::InboundDelivered,
                format!(
                    "{} cannot deliver to {} ({}) {via}",
                    class.who(),
                    model.intent.local_recipient,
                    pv.local
                ),
                Some(p),
            ));
        }
        if model.intent.auth_requires_tls && pv.auth_plain == VerdictWord::Relayed {
            out.push(make(
                Property::AuthRequiresTls,
                format!("authenticated relay without TLS succeeds {via}"),
                Some(p),
            ));
        }
    }
    let relays: Vec<&Probed> = paths
        .iter()
        .filter(|p| p.0.relay == VerdictWord::Relayed)
        .collect();
    if !relays.is_empty() && relays.len() != paths.len() {
        let relaying = &relays[0].0;
        // Prefer a refusing path through the same member: then the difference is the
        // SNAT address (automap or snatpool picking one of several), which is the thing
        // to say; else name the member that refuses.
        let refusing = paths
            .iter()
            .map(|p| &p.0)
            .filter(|p| p.relay != VerdictWord::Relayed)
            .min_by_key(|p| p.member != relaying.member);
        if let Some(refusing) = refusing {
            let what = if refusing.member == relaying.member {
                format!(
                    "{} relays through {} when the SNAT address is {} ({}) but not when it is {} ({})",
                    class.who(),
                    relaying.member,
                    relaying.seen,
                    relaying.snat,
                    refusing.seen,
                    refusing.snat
                )
            } else {
                format!(
                    "{} relays through {} (as {}) but not through {} (as {})",
                    class.who(),
                    relaying.member,
                    relaying.seen,
                    refusing.member,
                    refusing.seen
                )
            };
            out.push(make(Property::ConsistentMembers, what, Some(relays[0])));
        }
    }
    out
}

/// One violation per (property, virtual, what happens on the path), with every class's
/// addresses that share it.
fn merge_violations(vs: Vec<Violation>, space: &[Domain]) -> Vec<Violation> {
    let mut out: Vec<Violation> = Vec::new();
    for v in vs {
        let same = out.iter_mut().find(|o| {
            o.property == v.property
                && o.found_by_search == v.found_by_search
                && o.branch == v.branch
                && o.path.as_ref().map(|p| (&p.member, &p.seen, &p.connector))
                    == v.path.as_ref().map(|p| (&p.member, &p.seen, &p.connector))
        });
        match same {
            Some(o) => {
                o.set = o.set.union(&v.set);
                o.depends_on_port = o.set.depends_on_port();
                let (cidrs, blocks) = describe_clients(&o.set, space);
                o.addresses = cidrs.iter().take(16).cloned().collect();
                o.address_blocks = blocks;
            }
            None => out.push(v),
        }
    }
    out.sort_by_key(|v| v.property);
    out
}

fn run_case(
    model: &Model,
    index: &Arc<DataGroupIndex>,
    case: &crate::intent::Case,
) -> Result<CaseResult, ProveError> {
    let names = match &case.virtual_name {
        Some(v) => vec![v.clone()],
        None => virtual_names(model),
    };
    let mut observed = Vec::new();
    let mut passed = true;
    let mut not_decided = false;
    for name in names {
        let plan = plan(model, index, &name)?;
        let out = plan.decide(case.from, case.port);
        if matches!(out.end, Some(End::NotAccepted)) {
            continue;
        }
        if let Some(end) = &out.end {
            observed.push(format!("{name}: {end}"));
            // A case relaylab cannot decide cannot be shown to hold either.
            passed &= case.expect == Expected::Rejected && !end.not_decided();
            not_decided |= end.not_decided();
            continue;
        }
        for p in &out.paths {
            let server = server_of(model, &name, p)?;
            let local = PolicyEndpoint::new(server_view(&p.member.addr), p.member.port);
            let o = server.probe(
                local,
                server_view(&p.seen),
                &Probe::AnonymousLocal {
                    recipient: case.rcpt.clone(),
                },
            );
            let got = match o.verdict {
                Verdict::Relayed => Expected::Relayed,
                Verdict::Delivered => Expected::Delivered,
                Verdict::AcceptedThenBounced | Verdict::Rejected | Verdict::Deferred => {
                    Expected::Rejected
                }
            };
            passed &= got == case.expect;
            let reply = o.last().map(|d| d.reply.to_string()).unwrap_or_default();
            observed.push(format!(
                "{name} -> {} ({}) as {}: {got} [{reply}]",
                p.member,
                server.name(),
                server_view(&p.seen)
            ));
        }
    }
    if observed.is_empty() {
        observed.push("no virtual server accepts this client".into());
        passed = false;
    }
    Ok(CaseResult {
        from: case.from.to_string(),
        rcpt: case.rcpt.clone(),
        expect: case.expect,
        line: case.line,
        passed,
        not_decided,
        observed,
    })
}

fn check_expectations(
    model: &Model,
    virtuals: &[VirtualProof],
    cases: &[CaseResult],
) -> ExpectationCheck {
    let mut found_props: Vec<Property> = virtuals
        .iter()
        .flat_map(|v| v.violations.iter().map(|x| x.property))
        .collect();
    found_props.sort();
    found_props.dedup();
    let mut expected: Vec<Property> = model.expected.iter().map(|e| e.property).collect();
    expected.sort();
    expected.dedup();
    let found = expected
        .iter()
        .copied()
        .filter(|p| found_props.contains(p))
        .collect();
    let missing = expected
        .iter()
        .copied()
        .filter(|p| !found_props.contains(p))
        .collect();
    let unexpected = found_props
        .iter()
        .copied()
        .filter(|p| !expected.contains(p))
        .collect();
    let examples_not_covered = model
        .expected
        .iter()
        .filter_map(|e| e.example.map(|a| (e.property, a)))
        .filter(|(p, a)| {
            !virtuals
                .iter()
                .flat_map(|v| &v.violations)
                .any(|v| v.property == *p && v.covers(a))
        })
        .map(|(p, a)| format!("{p}: {a}"))
        .collect();
    let failed_cases = cases.iter().filter(|c| !c.passed).map(|c| c.line).collect();
    ExpectationCheck {
        found,
        missing,
        unexpected,
        examples_not_covered,
        failed_cases,
    }
}
