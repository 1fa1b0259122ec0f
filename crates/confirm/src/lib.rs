//! The live run's pure half: which trials confirm a proof on the wire, what the model
//! predicts for each, and how what the wire showed is judged.
//!
//! `relaylab run` proves a scenario, then sends real sessions through the lab's SNAT
//! balancer to its mock mail servers. Everything it decides about those sessions lives
//! here, without sockets, clock or tokio, so it can be tested without a lab:
//!
//! - [`plan`] turns a [`verify::Proof`] into [`Trial`]s: which client (address and source
//!   port: a port-dependent class is probed from a port it holds), through which virtual,
//!   pinned to which path the decision allows, with which probe (a [`Script`] for the
//!   shared client [`relaypolicy::dialogue`]), and what the model predicts
//!   ([`Predicted`]). A trial the model cannot predict is still planned, as
//!   [`Predicted::Unplannable`], so it is counted.
//! - The harness runs each trial and records a [`Transcript`] (replies by stage, where
//!   the message landed, what IMAP showed), or says why it could not ([`NotRun`]).
//! - [`judge`] (or [`not_run`]) makes the [`Observation`]: the typed live result
//!   ([`Live`]), whether it agrees, and why not ([`Reason`]). Every trial gives exactly
//!   one observation; only a judged agreement counts as one.
//!
//! ```
//! use confirm::{Live, NotRun, Predicted, ProbeKind, Reason, Route, SourcePort, Trial, not_run};
//!
//! // A connect from 192.0.2.7 that the model says the balancer ends.
//! let t = Trial {
//!     id: 1,
//!     virtual_name: "/Common/vs".into(),
//!     client: verify::Client { addr: "192.0.2.7".parse().unwrap(), port: 49152 },
//!     source_port: SourcePort::Any,
//!     route: Route::Ended,
//!     probe: ProbeKind::Connect,
//!     predicted: Predicted::Ended,
//! };
//! // The lab had no carrier for the virtual: still an observation, and a disagreement.
//! let o = not_run(&t, NotRun::NoVipCarrier);
//! assert!(!o.agree && !o.observed());
//! assert_eq!(o.reason, Reason::NotRun { why: NotRun::NoVipCarrier });
//! assert_eq!(o.live, Live::NotRun);
//! ```

#![deny(missing_docs)]

use std::collections::BTreeSet;
use std::fmt;

use addrspace::{Addr, PortSet};
use bigip::Endpoint;
use relaypolicy::dialogue::{Ending, Script, Stage};
use relaypolicy::policy::{Probe, ProbeOutcome, Server, Verdict};
use relaypolicy::session::Endpoint as PolicyEndpoint;
use serde::Serialize;
use verify::prove::{PathVerdict, VerdictWord, server_view};
use verify::{Class, Client, Label, Model, Proof};

/// How much to plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Clients per class beyond the representative (the class's boundary clients).
    pub samples: usize,
    /// Plan nmap's relay pairs and the SMTP smuggling variants on every path.
    pub battery: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            samples: 2,
            battery: true,
        }
    }
}

/// Which source port the live client connects from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "ports", rename_all = "kebab-case")]
pub enum SourcePort {
    /// The class holds the address from every port: the one the system picks will do.
    Any,
    /// The class holds the address from these ports only.
    Within(#[serde(serialize_with = "display")] PortSet),
}

impl SourcePort {
    /// Up to `n` ports to try, in order: unprivileged ones first (they bind without
    /// privileges), starting at a place that moves with `seed`, so trials in a row from
    /// one class use different ports where the set has more than one and do not trip
    /// over the previous connection's TIME_WAIT. Empty for [`SourcePort::Any`].
    pub fn candidates(&self, seed: usize, n: usize) -> Vec<u16> {
        let SourcePort::Within(set) = self else {
            return Vec::new();
        };
        let high = set.intersection(&PortSet::range(1024, u16::MAX));
        let low = set.difference(&high);
        let mut out = Vec::new();
        for part in [high, low] {
            let count = part.count() as usize;
            if count == 0 {
                continue;
            }
            let start = seed.wrapping_mul(7919) % count;
            for i in 0..count.min(n.saturating_sub(out.len())) {
                if let Some(p) = nth_port(&part, (start + i) % count) {
                    out.push(p);
                }
            }
        }
        out
    }
}

fn nth_port(set: &PortSet, mut i: usize) -> Option<u16> {
    for &(lo, hi) in set.ranges() {
        let len = usize::from(hi - lo) + 1;
        if i < len {
            return u16::try_from(usize::from(lo) + i).ok();
        }
        i -= len;
    }
    None
}

/// Where the balancer sends the trial's connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "route", rename_all = "kebab-case")]
pub enum Route {
    /// The decision ends the connection at the balancer: nothing to pin.
    Ended,
    /// Pinned to one path the decision allows for this client.
    Pinned {
        /// The path and the prover's verdicts on it.
        path: Box<PathVerdict>,
    },
    /// Balanced as the balancer chooses, while a member is down.
    Balanced {
        /// The member that is down.
        #[serde(serialize_with = "display")]
        avoiding: Addr,
    },
}

impl Route {
    /// The pinned path, if any.
    pub fn path(&self) -> Option<&PathVerdict> {
        match self {
            Route::Pinned { path } => Some(path),
            _ => None,
        }
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Route::Ended => f.write_str("-"),
            Route::Pinned { path } => write!(f, "{} as {}", path.member, path.seen),
            Route::Balanced { avoiding } => write!(f, "any member but {avoiding}"),
        }
    }
}

/// The four questions the prover asks of every path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Question {
    /// Anonymous relay to the external domain.
    AnonymousRelay,
    /// Anonymous mail to the local recipient, read back over IMAP.
    Inbound,
    /// Authenticated relay after STARTTLS.
    AuthTls,
    /// Authenticated relay without TLS.
    AuthPlain,
}

impl Question {
    /// Every question, in the prover's order.
    pub const ALL: [Question; 4] = [
        Question::AnonymousRelay,
        Question::Inbound,
        Question::AuthTls,
        Question::AuthPlain,
    ];

    /// The prover's probe for the question (the prover's own list, so they cannot drift).
    pub fn probe(self, model: &Model) -> Probe {
        let [relay, inbound, auth_tls, auth_plain] = verify::prove::probes(model);
        match self {
            Question::AnonymousRelay => relay,
            Question::Inbound => inbound,
            Question::AuthTls => auth_tls,
            Question::AuthPlain => auth_plain,
        }
    }

    /// The prover's verdict on a path for this question.
    pub fn verdict(self, path: &PathVerdict) -> VerdictWord {
        match self {
            Question::AnonymousRelay => path.relay,
            Question::Inbound => path.local,
            Question::AuthTls => path.auth_tls,
            Question::AuthPlain => path.auth_plain,
        }
    }
}

impl fmt::Display for Question {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Question::AnonymousRelay => "anonymous relay",
            Question::Inbound => "inbound",
            Question::AuthTls => "auth relay with TLS",
            Question::AuthPlain => "auth relay without TLS",
        })
    }
}

/// What a trial does on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "probe", rename_all = "kebab-case")]
pub enum ProbeKind {
    /// Connect and read the banner, if any.
    Connect,
    /// One of the prover's questions, as a client dialogue.
    Session {
        /// The question.
        question: Question,
        /// The client's script.
        script: Script,
    },
    /// One of nmap's MAIL/RCPT pairs, judged on RCPT's code and on where DATA landed.
    Nmap {
        /// The client's script (anonymous, the pair's paths).
        script: Script,
    },
    /// One SMTP smuggling end-of-data variant.
    Smuggling {
        /// Its index in [`relaypolicy::probes::SMUGGLING_END_OF_DATA`].
        variant: usize,
    },
}

impl ProbeKind {
    /// The client script, for the probes the shared dialogue drives.
    pub fn script(&self) -> Option<&Script> {
        match self {
            ProbeKind::Session { script, .. } | ProbeKind::Nmap { script } => Some(script),
            ProbeKind::Connect | ProbeKind::Smuggling { .. } => None,
        }
    }
}

impl fmt::Display for ProbeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProbeKind::Connect => f.write_str("connect"),
            ProbeKind::Session { question, .. } => write!(f, "{question}"),
            ProbeKind::Nmap { script } => {
                write!(f, "nmap MAIL FROM:{} RCPT TO:{}", script.from, script.rcpt)
            }
            ProbeKind::Smuggling { variant } => {
                let eod = relaypolicy::probes::SMUGGLING_END_OF_DATA
                    .get(*variant)
                    .copied()
                    .unwrap_or_default();
                write!(
                    f,
                    "smuggling variant {} ({:?})",
                    variant + 1,
                    String::from_utf8_lossy(eod)
                )
            }
        }
    }
}

/// Why the model cannot say what a trial should see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "why", rename_all = "kebab-case")]
pub enum Unplannable {
    /// The class neither ends at the balancer nor has a path.
    NoPath,
    /// The path's member has no server in the scenario.
    NoServer {
        /// The member.
        #[serde(serialize_with = "display")]
        member: Endpoint,
    },
    /// The class holds the client from no source port (an empty part of the class).
    NoSourcePort,
}

impl fmt::Display for Unplannable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unplannable::NoPath => {
                f.write_str("the class neither ends at the balancer nor has a path")
            }
            Unplannable::NoServer { member } => write!(f, "no server stands behind {member}"),
            Unplannable::NoSourcePort => f.write_str("the class holds the client from no port"),
        }
    }
}

/// What the model predicts a trial sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Predicted {
    /// The balancer ends the connection: no banner.
    Ended,
    /// The probe's message ends so.
    Verdict {
        /// The verdict.
        verdict: VerdictWord,
    },
    /// nmap pair: the code of RCPT (or of the step that refused before it), and whether
    /// the message is relayed.
    Pair {
        /// The code.
        code: u16,
        /// Whether it is relayed.
        relays: bool,
    },
    /// At most one copy of the outer message, none of the smuggled one.
    NothingSmuggled,
    /// The model cannot say: the trial counts as a disagreement.
    Unplannable {
        /// Why.
        why: Unplannable,
    },
}

impl fmt::Display for Predicted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Predicted::Ended => f.write_str("ended at the balancer"),
            Predicted::Verdict { verdict } => write!(f, "{verdict}"),
            Predicted::Pair { code, relays } => {
                write!(f, "RCPT {code}{}", if *relays { ", relayed" } else { "" })
            }
            Predicted::NothingSmuggled => f.write_str("at most one message, nothing smuggled"),
            Predicted::Unplannable { why } => write!(f, "unplannable: {why}"),
        }
    }
}

/// One planned trial.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trial {
    /// Unique within a plan; message ids are made from it.
    pub id: usize,
    /// The virtual server.
    pub virtual_name: String,
    /// The client: its address, and the source port the class was decided with.
    pub client: Client,
    /// Which source port the live client may use.
    pub source_port: SourcePort,
    /// Where the balancer must send it.
    pub route: Route,
    /// What is tried.
    pub probe: ProbeKind,
    /// What the model predicts.
    pub predicted: Predicted,
}

impl Trial {
    /// The Message-ID (without brackets) of the message this trial sends, if it sends one.
    pub fn message_id(&self) -> Option<String> {
        match &self.probe {
            ProbeKind::Connect => None,
            ProbeKind::Session { .. } | ProbeKind::Nmap { .. } => {
                Some(format!("trial-{}@relaylab.invalid", self.id))
            }
            ProbeKind::Smuggling { .. } => {
                Some(format!("smuggle-outer-{}@relaylab.invalid", self.id))
            }
        }
    }

    /// The Message-ID of the message a smuggling trial hides inside the outer one.
    pub fn smuggled_id(&self) -> Option<String> {
        matches!(self.probe, ProbeKind::Smuggling { .. })
            .then(|| format!("smuggle-inner-{}@relaylab.invalid", self.id))
    }

    /// Whether a delivery counts only once the mailbox shows it over IMAP.
    pub fn reads_back(&self) -> bool {
        matches!(
            self.probe,
            ProbeKind::Session {
                question: Question::Inbound,
                ..
            }
        )
    }
}

/// The trials that confirm a proof: for every class, its representative and up to
/// `samples` boundary clients, each on every path with the four questions (or a connect
/// where the balancer ends the connection); then, with `battery`, nmap's pairs and the
/// smuggling variants on every distinct path of a proved class. Ids count from `first_id`.
pub fn plan(proof: &Proof, model: &Model, opts: &Options, first_id: usize) -> Vec<Trial> {
    let mut p = Planner {
        model,
        trials: Vec::new(),
        next: first_id,
    };
    for v in &proof.virtuals {
        for class in &v.classes {
            for client in sample_clients(class, opts.samples) {
                p.class_trials(&v.name, class, client);
            }
        }
    }
    if opts.battery {
        let mut done: BTreeSet<(Endpoint, Addr)> = BTreeSet::new();
        for v in &proof.virtuals {
            for class in v
                .classes
                .iter()
                .filter(|c| c.end.is_none() && c.label == Label::Proved)
            {
                for path in &class.paths {
                    if done.insert((path.member, path.translated)) {
                        p.battery(&v.name, class, path);
                    }
                }
            }
        }
    }
    p.trials
}

/// The trials of the member-down fault: with `victim` stopped and marked down, every
/// class whose remaining paths all give one relay verdict is asked for anonymous relay
/// once, balanced as the balancer likes. Classes that keep several verdicts are not
/// planned: which one the balancer shows is its choice, not the model's.
pub fn plan_member_down(proof: &Proof, model: &Model, victim: Addr, first_id: usize) -> Vec<Trial> {
    let mut p = Planner {
        model,
        trials: Vec::new(),
        next: first_id,
    };
    for v in &proof.virtuals {
        for class in v.classes.iter().filter(|c| c.end.is_none()) {
            let mut remaining = class.paths.iter().filter(|p| p.member.addr != victim);
            let Some(first) = remaining.next() else {
                continue;
            };
            if remaining.any(|p| p.relay != first.relay) {
                continue;
            }
            let client = class.representative_client();
            let question = Question::AnonymousRelay;
            p.push(
                &v.name,
                class,
                client,
                Route::Balanced { avoiding: victim },
                ProbeKind::Session {
                    question,
                    script: question.probe(model).script(),
                },
                Predicted::Verdict {
                    verdict: first.relay,
                },
            );
        }
    }
    p.trials
}

/// Whether a BIG-IP would notice `member` going down: some pool holding it has a monitor.
/// Without one, the member-down fault has nothing to confirm.
pub fn member_down_noticed(model: &Model, member: &Addr) -> bool {
    model
        .config
        .pools
        .values()
        .any(|p| !p.monitors.is_empty() && p.members.iter().any(|m| m.endpoint.addr == *member))
}

/// The kill-mid-run fault's plan: a client whose every path delivers inbound mail, on the
/// first virtual, sending to the local recipient through the shared dialogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KillPlan {
    /// The virtual.
    pub virtual_name: String,
    /// The client.
    pub client: Client,
    /// What each of its sessions does.
    pub script: Script,
    /// How many messages are sent while the member is killed.
    pub messages: usize,
}

/// Plans the kill-mid-run fault, when some class delivers inbound mail on every path.
pub fn plan_kill(proof: &Proof, model: &Model) -> Option<KillPlan> {
    let v = proof.virtuals.first()?;
    let class = v
        .classes
        .iter()
        .find(|c| c.end.is_none() && c.paths.iter().all(|p| p.local == VerdictWord::Delivered))?;
    Some(KillPlan {
        virtual_name: v.name.clone(),
        client: class.representative_client(),
        script: Script::anonymous(format!("<{}>", model.intent.local_recipient)),
        messages: 40,
    })
}

/// What the kill-mid-run fault found: every message acknowledged with 250 must be stored
/// exactly once; the others must have seen an error (they are not judged further).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KillFinding {
    /// Messages sent.
    pub sent: usize,
    /// Messages acknowledged with 250.
    pub acknowledged: usize,
    /// Acknowledged messages not stored exactly once (their Message-IDs).
    pub wrong: Vec<String>,
}

impl KillFinding {
    /// Judges the fault from each message's id, whether it was acknowledged, and how many
    /// copies the store holds.
    pub fn judge(sent: &[(String, bool, usize)]) -> KillFinding {
        KillFinding {
            sent: sent.len(),
            acknowledged: sent.iter().filter(|(_, acked, _)| *acked).count(),
            wrong: sent
                .iter()
                .filter(|(_, acked, copies)| *acked && *copies != 1)
                .map(|(id, _, _)| id.clone())
                .collect(),
        }
    }

    /// Whether no acknowledged message was lost or duplicated.
    pub fn held(&self) -> bool {
        self.wrong.is_empty()
    }
}

/// The clients a class is probed from: its representative, then boundary clients of a
/// proved class, up to `extra` more.
fn sample_clients(class: &Class, extra: usize) -> Vec<Client> {
    let mut out = vec![class.representative_client()];
    if class.label == Label::Proved {
        for c in &class.samples {
            if out.len() > extra {
                break;
            }
            if !out.iter().any(|o| o.addr == c.addr && o.port == c.port) {
                out.push(*c);
            }
        }
    }
    out
}

/// The source ports the class holds `addr` from: every port, or a set.
fn source_port(class: &Class, addr: &Addr) -> SourcePort {
    if !class.depends_on_port {
        return SourcePort::Any;
    }
    let ports = class
        .clients
        .parts()
        .iter()
        .filter(|(_, a)| a.contains(addr))
        .fold(PortSet::empty(), |acc, (p, _)| acc.union(p));
    if ports.is_all() {
        SourcePort::Any
    } else {
        SourcePort::Within(ports)
    }
}

struct Planner<'m> {
    model: &'m Model,
    trials: Vec<Trial>,
    next: usize,
}

impl Planner<'_> {
    fn push(
        &mut self,
        virtual_name: &str,
        class: &Class,
        client: Client,
        route: Route,
        probe: ProbeKind,
        predicted: Predicted,
    ) {
        let source_port = source_port(class, &client.addr);
        let predicted = match &source_port {
            SourcePort::Within(p) if p.is_empty() => Predicted::Unplannable {
                why: Unplannable::NoSourcePort,
            },
            _ => predicted,
        };
        self.trials.push(Trial {
            id: self.next,
            virtual_name: virtual_name.to_string(),
            client,
            source_port,
            route,
            probe,
            predicted,
        });
        self.next += 1;
    }

    fn class_trials(&mut self, virtual_name: &str, class: &Class, client: Client) {
        if class.end.is_some() {
            self.push(
                virtual_name,
                class,
                client,
                Route::Ended,
                ProbeKind::Connect,
                Predicted::Ended,
            );
            return;
        }
        if class.paths.is_empty() {
            self.push(
                virtual_name,
                class,
                client,
                Route::Ended,
                ProbeKind::Connect,
                Predicted::Unplannable {
                    why: Unplannable::NoPath,
                },
            );
            return;
        }
        for path in &class.paths {
            for question in Question::ALL {
                self.push(
                    virtual_name,
                    class,
                    client,
                    Route::Pinned {
                        path: Box::new(path.clone()),
                    },
                    ProbeKind::Session {
                        question,
                        script: question.probe(self.model).script(),
                    },
                    Predicted::Verdict {
                        verdict: question.verdict(path),
                    },
                );
            }
        }
    }

    fn battery(&mut self, virtual_name: &str, class: &Class, path: &PathVerdict) {
        let client = class.representative_client();
        let route = || Route::Pinned {
            path: Box::new(path.clone()),
        };
        let Some(server) = self.model.server_for(&path.member.addr) else {
            self.push(
                virtual_name,
                class,
                client,
                route(),
                ProbeKind::Connect,
                Predicted::Unplannable {
                    why: Unplannable::NoServer {
                        member: path.member,
                    },
                },
            );
            return;
        };
        let model = self.model;
        let srv = format!("{}.lab.invalid", server.name().to_ascii_lowercase());
        let dom = model
            .intent
            .local_recipient
            .rsplit('@')
            .next()
            .unwrap_or("lab.invalid");
        let pairs = relaypolicy::probes::nmap_pairs(
            &srv,
            &server_view(&path.member.addr).to_string(),
            &model.intent.external_domain,
            dom,
        );
        for (from, rcpt) in pairs {
            let script = Script::pair(from, rcpt);
            let predicted = predict_pair(server, path, &script);
            self.push(
                virtual_name,
                class,
                client,
                route(),
                ProbeKind::Nmap { script },
                predicted,
            );
        }
        // Smuggling needs DATA: only where the model says inbound mail gets that far.
        if path.local == VerdictWord::Delivered {
            for variant in 0..relaypolicy::probes::SMUGGLING_END_OF_DATA.len() {
                self.push(
                    virtual_name,
                    class,
                    client,
                    route(),
                    ProbeKind::Smuggling { variant },
                    Predicted::NothingSmuggled,
                );
            }
        }
    }
}

/// What the policy predicts for a MAIL/RCPT pair on a path, through the same client
/// dialogue the live session follows.
fn predict_pair(server: &Server, path: &PathVerdict, script: &Script) -> Predicted {
    let local = PolicyEndpoint::new(server_view(&path.member.addr), path.member.port);
    let o: ProbeOutcome = server.converse(local, path.seen, script);
    let rcpt = o.decision_at(Stage::Rcpt).map(|d| d.reply.code);
    Predicted::Pair {
        code: pair_code(rcpt, o.ending),
        relays: o.verdict == Verdict::Relayed,
    }
}

/// An nmap pair's code: RCPT's, or that of the step that refused before RCPT.
fn pair_code(rcpt: Option<u16>, ending: Ending) -> u16 {
    match (rcpt, ending) {
        (Some(c), _) => c,
        (None, Ending::Refused { code, .. }) => code,
        (None, Ending::NoMechanism | Ending::Sent) => 0,
    }
}

/// Where a trial's message was found in the lab's store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Landing {
    /// Copies relayed (queued for a domain the server does not serve).
    pub relayed: usize,
    /// Copies in a local mailbox.
    pub mailbox: usize,
    /// Copies bounced.
    pub bounced: usize,
}

/// What IMAP showed of an inbound trial's message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(tag = "readback", content = "error", rename_all = "kebab-case")]
pub enum Readback {
    /// Not asked (yet).
    #[default]
    NotAsked,
    /// The mailbox holds it.
    Found,
    /// The mailbox does not hold it.
    Missing,
    /// IMAP failed (the error, as the client library put it).
    Failed(String),
}

/// What the wire showed for one trial.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Transcript {
    /// The banner's code, if one came.
    pub banner: Option<u16>,
    /// How the client dialogue ended (for the probes it drives).
    pub ending: Option<Ending>,
    /// Each reply the dialogue read, by the stage it answered.
    pub replies: Vec<(Stage, u16)>,
    /// Where the trial's message landed.
    pub landed: Landing,
    /// Copies kept of a smuggling trial's outer and inner message.
    pub smuggled: Option<(usize, usize)>,
    /// What IMAP showed, for trials that read back.
    pub readback: Readback,
    /// The session as people read it (`C: ...`, `S: ...`).
    pub lines: Vec<String>,
}

/// Why a trial could not be run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "why", rename_all = "kebab-case")]
pub enum NotRun {
    /// The virtual has no carrier in the lab.
    NoVipCarrier,
    /// The client address has no carrier in the lab.
    NoClientCarrier,
    /// The balancer refused to pin the path for this client.
    PinRefused,
    /// No source port of the class could be bound (those tried).
    NoSourcePort {
        /// The ports tried.
        tried: Vec<u16>,
    },
    /// The lab has no balancer.
    NoBalancer,
}

impl fmt::Display for NotRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotRun::NoVipCarrier => f.write_str("the virtual has no carrier in the lab"),
            NotRun::NoClientCarrier => f.write_str("the client has no carrier in the lab"),
            NotRun::PinRefused => {
                f.write_str("the balancer refused the pin: the decision does not allow the path")
            }
            NotRun::NoSourcePort { tried } => {
                write!(
                    f,
                    "no source port of the class could be bound (tried {tried:?})"
                )
            }
            NotRun::NoBalancer => f.write_str("the lab has no balancer"),
        }
    }
}

/// What happened on the wire, typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Live {
    /// No banner: the connection ended at the balancer.
    Ended,
    /// A banner came back.
    Banner,
    /// The message ended so.
    Verdict {
        /// The verdict.
        verdict: VerdictWord,
    },
    /// Accepted with 250 and found nowhere: the loss the store must never allow.
    Lost,
    /// Delivered, but the mailbox does not show it over IMAP.
    NotInMailbox,
    /// Delivered, and IMAP failed.
    ReadbackFailed {
        /// The client library's error.
        error: String,
    },
    /// nmap pair: RCPT's (or the refusing step's) code, and whether it was relayed.
    Pair {
        /// The code.
        code: u16,
        /// Whether a copy was relayed.
        relayed: bool,
    },
    /// Copies kept of the outer and of the smuggled message.
    Smuggling {
        /// Outer copies.
        outer: usize,
        /// Smuggled copies.
        inner: usize,
    },
    /// The trial was not run.
    NotRun,
}

impl fmt::Display for Live {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Live::Ended => f.write_str("ended (no banner)"),
            Live::Banner => f.write_str("banner"),
            Live::Verdict { verdict } => write!(f, "{verdict}"),
            Live::Lost => f.write_str("lost (250, then found nowhere)"),
            Live::NotInMailbox => f.write_str("delivered, but not in the mailbox over IMAP"),
            Live::ReadbackFailed { error } => write!(f, "delivered, but IMAP failed: {error}"),
            Live::Pair { code, relayed } => {
                write!(f, "RCPT {code}{}", if *relayed { ", relayed" } else { "" })
            }
            Live::Smuggling { outer, inner } => {
                write!(f, "outer kept {outer}x, smuggled kept {inner}x")
            }
            Live::NotRun => f.write_str("not run"),
        }
    }
}

/// Why an observation agrees or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum Reason {
    /// The wire showed what the model predicts.
    Agrees,
    /// The wire showed something else.
    Differs,
    /// The model could not predict the trial.
    Unplannable {
        /// Why.
        why: Unplannable,
    },
    /// The trial could not be run.
    NotRun {
        /// Why.
        why: NotRun,
    },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Agrees => f.write_str("agrees"),
            Reason::Differs => f.write_str("the live result differs from the model's"),
            Reason::Unplannable { why } => write!(f, "not plannable: {why}"),
            Reason::NotRun { why } => write!(f, "not run: {why}"),
        }
    }
}

/// One trial's result next to the prediction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Observation {
    /// The trial.
    pub trial: Trial,
    /// The source port the live client used, when it chose one.
    pub source_port: Option<u16>,
    /// What the wire showed.
    pub live: Live,
    /// Whether it is what the model predicts.
    pub agree: bool,
    /// Why (not).
    pub reason: Reason,
    /// The session, kept for disagreements.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub transcript: Vec<String>,
}

impl Observation {
    /// Whether the trial ran on the wire and was judged (agreeing or not).
    pub fn observed(&self) -> bool {
        matches!(self.reason, Reason::Agrees | Reason::Differs)
    }
}

/// An observation for a trial that could not be run: a disagreement with its reason.
pub fn not_run(trial: &Trial, why: NotRun) -> Observation {
    Observation {
        trial: trial.clone(),
        source_port: None,
        live: Live::NotRun,
        agree: false,
        reason: Reason::NotRun { why },
        transcript: Vec::new(),
    }
}

/// Judges what the wire showed against the trial's prediction. `source_port` is the port
/// the live client bound, if it chose one.
pub fn judge(trial: &Trial, t: &Transcript, source_port: Option<u16>) -> Observation {
    let live = live_result(trial, t);
    let (agree, reason) = match &trial.predicted {
        Predicted::Unplannable { why } => (false, Reason::Unplannable { why: why.clone() }),
        predicted => {
            let agree = match (predicted, &live) {
                (Predicted::Ended, Live::Ended) => true,
                (Predicted::Verdict { verdict }, Live::Verdict { verdict: got }) => verdict == got,
                (Predicted::Pair { code, relays }, Live::Pair { code: c, relayed }) => {
                    code == c && relays == relayed
                }
                (Predicted::NothingSmuggled, Live::Smuggling { outer, inner }) => {
                    *inner == 0 && *outer <= 1
                }
                _ => false,
            };
            (
                agree,
                if agree {
                    Reason::Agrees
                } else {
                    Reason::Differs
                },
            )
        }
    };
    Observation {
        trial: trial.clone(),
        source_port,
        live,
        agree,
        reason,
        transcript: if agree { Vec::new() } else { t.lines.clone() },
    }
}

fn live_result(trial: &Trial, t: &Transcript) -> Live {
    let no_banner = t.banner.is_none_or(|c| c == 0);
    match &trial.probe {
        ProbeKind::Connect => {
            if no_banner {
                Live::Ended
            } else {
                Live::Banner
            }
        }
        ProbeKind::Smuggling { .. } => match t.smuggled {
            Some((outer, inner)) => Live::Smuggling { outer, inner },
            None if no_banner => Live::Ended,
            // The dialogue never reached DATA: say how it ended.
            None => session_result(trial, t),
        },
        ProbeKind::Nmap { .. } => {
            if no_banner {
                return Live::Ended;
            }
            let rcpt = t
                .replies
                .iter()
                .find(|(s, _)| *s == Stage::Rcpt)
                .map(|(_, c)| *c);
            let code = match t.ending {
                Some(e) => pair_code(rcpt, e),
                None => rcpt.unwrap_or(0),
            };
            Live::Pair {
                code,
                relayed: t.landed.relayed > 0,
            }
        }
        ProbeKind::Session { .. } => {
            if no_banner {
                Live::Ended
            } else {
                session_result(trial, t)
            }
        }
    }
}

fn session_result(trial: &Trial, t: &Transcript) -> Live {
    let verdict = |verdict| Live::Verdict { verdict };
    match t.ending {
        None => verdict(VerdictWord::Rejected),
        Some(e @ Ending::Refused { .. }) if e.is_transient() => verdict(VerdictWord::Deferred),
        Some(Ending::Refused { .. } | Ending::NoMechanism) => verdict(VerdictWord::Rejected),
        Some(Ending::Sent) => {
            let l = t.landed;
            if l.relayed > 0 {
                verdict(VerdictWord::Relayed)
            } else if l.mailbox > 0 {
                if !trial.reads_back() {
                    return verdict(VerdictWord::Delivered);
                }
                match &t.readback {
                    Readback::Found => verdict(VerdictWord::Delivered),
                    Readback::NotAsked | Readback::Missing => Live::NotInMailbox,
                    Readback::Failed(error) => Live::ReadbackFailed {
                        error: error.clone(),
                    },
                }
            } else if l.bounced > 0 {
                verdict(VerdictWord::Bounced)
            } else {
                Live::Lost
            }
        }
    }
}

/// Planned, observed and agreeing counts of a list of observations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Trials planned (each gives one observation).
    pub planned: usize,
    /// Trials run on the wire and judged.
    pub observed: usize,
    /// Observations that agree.
    pub agreed: usize,
}

impl Tally {
    /// The counts of `obs`.
    pub fn of(obs: &[Observation]) -> Tally {
        Tally {
            planned: obs.len(),
            observed: obs.iter().filter(|o| o.observed()).count(),
            agreed: obs.iter().filter(|o| o.agree).count(),
        }
    }

    /// Agreement in percent (100 when nothing was planned).
    pub fn percent(&self) -> f64 {
        if self.planned == 0 {
            100.0
        } else {
            100.0 * self.agreed as f64 / self.planned as f64
        }
    }
}

impl std::ops::Add for Tally {
    type Output = Tally;

    fn add(self, other: Tally) -> Tally {
        Tally {
            planned: self.planned + other.planned,
            observed: self.observed + other.observed,
            agreed: self.agreed + other.agreed,
        }
    }
}

fn display<T: fmt::Display, S: serde::Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}
