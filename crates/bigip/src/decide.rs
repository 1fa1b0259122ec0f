//! What the BIG-IP does with one client connection to one virtual server: the iRules'
//! decisions, then every pool member and every SNAT address that may carry it.
//!
//! Nondeterminism is explicit: [`Plan::decide`] returns every possible path (each enabled
//! pool member, each SNAT candidate). The prover walks all of them; the balancer runtime
//! picks one with its own state (round-robin counter, persistence table, health).

use std::collections::HashMap;
use std::sync::Arc;

use addrspace::Addr;
use irule::{
    Connection, Decision, Evaluation, Host, IndexedDataGroup, Program, Settings, Snat, Statics,
    Translation,
};
use serde::Serialize;

use crate::model::{Config, Endpoint, SnatTarget, SourceTranslation, Virtual};
use crate::snat::{AutomapModel, AutomapTier, automap_candidates, origin_snat, snatpool_addresses};

/// Every data group of a configuration, indexed once and shared by every virtual.
#[derive(Debug, Default)]
pub struct DataGroupIndex {
    groups: HashMap<String, IndexedDataGroup>,
}

impl DataGroupIndex {
    /// Indexes the configuration's data groups.
    pub fn new(config: &Config) -> DataGroupIndex {
        let groups = config
            .data_groups
            .iter()
            .map(|(name, def)| (name.clone(), IndexedDataGroup::new(def.group.clone())))
            .collect();
        DataGroupIndex { groups }
    }
}

/// The iRule engine's view of the configuration, for one virtual server.
struct ConfigHost {
    config: Arc<Config>,
    index: Arc<DataGroupIndex>,
    virtual_name: String,
}

impl Host for ConfigHost {
    fn data_group(&self, path: &str) -> Option<&IndexedDataGroup> {
        self.index.groups.get(path)
    }
    fn pool_exists(&self, path: &str) -> bool {
        self.config.pools.contains_key(path)
    }
    fn snatpool_exists(&self, path: &str) -> bool {
        self.config.snatpools.contains_key(path)
    }
    fn virtual_name(&self) -> &str {
        &self.virtual_name
    }
}

/// Why a virtual server's iRules cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The virtual does not exist.
    #[error("no virtual server named {0}")]
    NoSuchVirtual(String),
    /// An iRule does not parse.
    #[error("iRule {rule} ({file} line {line}) does not parse")]
    Parse {
        /// The rule.
        rule: String,
        /// The configuration file holding the `ltm rule`.
        file: String,
        /// The `ltm rule` line in that file.
        line: usize,
        /// The parser's diagnostic (spans are within the rule text).
        #[source]
        error: Box<irule::ParseError>,
    },
    /// The rules cannot be attached to this virtual.
    #[error("the iRules of {virtual_name} cannot be loaded")]
    Load {
        /// The virtual.
        virtual_name: String,
        /// The engine's diagnostic.
        #[source]
        error: Box<irule::LoadError>,
    },
    /// RULE_INIT failed.
    #[error("RULE_INIT of the iRules of {virtual_name} fails")]
    Init {
        /// The virtual.
        virtual_name: String,
        /// The engine's diagnostic.
        #[source]
        error: Box<irule::RuntimeError>,
    },
}

impl PlanError {
    /// The engine's own diagnostic (with the rule's source), for rendering.
    pub fn engine_diagnostic(&self) -> Option<&(dyn miette::Diagnostic + Send + Sync + 'static)> {
        match self {
            PlanError::Parse { error, .. } => Some(error.as_ref()),
            PlanError::Load { error, .. } => Some(error.as_ref()),
            PlanError::Init { error, .. } => Some(error.as_ref()),
            PlanError::NoSuchVirtual(_) => None,
        }
    }
}

/// How the SNAT address of a path was chosen.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "how", rename_all = "kebab-case")]
pub enum SnatHow {
    /// No translation: the server sees the client.
    None,
    /// Automap picked a self IP.
    Automap {
        /// The self IP object.
        self_ip: Arc<str>,
        /// Its preference tier.
        tier: AutomapTier,
    },
    /// A SNAT pool address.
    Snatpool {
        /// The pool.
        pool: Arc<str>,
    },
    /// An iRule's `snat <addr>`.
    Address,
    /// An origin SNAT (`ltm snat`).
    OriginSnat {
        /// The SNAT object.
        snat: String,
    },
}

/// Who set the SNAT in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SnatSource {
    /// An iRule command (with its rule and line).
    Irule {
        /// The rule.
        rule: Arc<str>,
        /// The 1-based line within the rule.
        line: usize,
    },
    /// The virtual's `source-address-translation`.
    Virtual,
    /// An `ltm snat` matching the client.
    Origin,
    /// Nothing: no translation.
    Nothing,
}

/// One way a connection may reach a server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Path {
    /// The pool the member belongs to (None for an iRule `node`).
    pub pool: Option<Arc<str>>,
    /// The member's name.
    pub member_name: Arc<str>,
    /// The member's address and port.
    pub member: Endpoint,
    /// The source address the server sees (with the BIG-IP route domain).
    #[serde(serialize_with = "display")]
    pub seen: Addr,
    /// How that address was chosen.
    pub snat: SnatHow,
    /// Who decided the SNAT.
    pub snat_source: SnatSource,
}

/// Why a connection goes nowhere.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "end", rename_all = "kebab-case")]
pub enum End {
    /// The virtual's `source` does not hold the client: another virtual, or none, gets it.
    NotAccepted,
    /// An iRule `reject` (on purpose).
    Reject {
        /// Rule and line.
        at: String,
    },
    /// An iRule `drop`/`discard` (on purpose).
    Drop {
        /// Rule and line.
        at: String,
    },
    /// An iRule run-time error: BIG-IP resets the connection.
    Error {
        /// The engine's message.
        message: String,
        /// Rule and line.
        at: String,
    },
    /// An iRule `TCP::close` (on purpose): the BIG-IP closes the connection, after any
    /// `TCP::respond` data.
    Close {
        /// Rule and line.
        at: String,
    },
    /// relaylab cannot decide this connection: the rule ran into a gap in relaylab's
    /// model (a command it does not model, its step budget) or made a decision whose
    /// path relaylab does not follow (`forward`, `translate address disable`). It is
    /// neither blamed on the BIG-IP nor counted as a path.
    NotDecided {
        /// What relaylab cannot follow.
        reason: String,
        /// Rule and line.
        at: String,
    },
    /// No pool and no node: nothing to connect to.
    NoPool,
    /// Every member is disabled.
    NoMember,
    /// Automap has no self IP in the member's route domain.
    NoSnatAddress,
}

impl std::fmt::Display for End {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            End::NotAccepted => write!(f, "the virtual does not accept the client"),
            End::Error { message, at } => write!(
                f,
                "the iRule fails ({message}, {at}) and the BIG-IP resets the connection"
            ),
            End::Reject { at } => write!(f, "the iRule rejects the connection ({at})"),
            End::Drop { at } => write!(f, "the iRule drops the connection ({at})"),
            End::Close { at } => write!(f, "the iRule closes the connection ({at})"),
            End::NotDecided { reason, at } => {
                write!(f, "relaylab cannot decide the connection: {reason} ({at})")
            }
            End::NoPool => write!(
                f,
                "no pool is selected, so the BIG-IP resets the connection"
            ),
            End::NoMember => write!(f, "every pool member is disabled"),
            End::NoSnatAddress => write!(f, "automap has no self IP to use"),
        }
    }
}

impl End {
    /// Whether an iRule ended the connection on purpose (`reject`, `drop`).
    pub fn on_purpose(&self) -> bool {
        matches!(
            self,
            End::Reject { .. } | End::Drop { .. } | End::Close { .. }
        )
    }

    /// Whether relaylab could not decide the connection (see [`End::NotDecided`]).
    pub fn not_decided(&self) -> bool {
        matches!(self, End::NotDecided { .. })
    }
}

/// What the BIG-IP may do with one connection.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The iRule events, merged in firing order (None without rules).
    pub evaluation: Option<Evaluation>,
    /// Why it goes nowhere, if it does.
    pub end: Option<End>,
    /// Every possible path otherwise.
    pub paths: Vec<Path>,
}

/// A member a connection may go to: (pool, member name, endpoint).
type Target = (Option<Arc<str>>, Arc<str>, Endpoint);

/// One virtual server ready to decide connections: its rules parsed, loaded and
/// initialised once. It owns what it reads (shared), so a long-running balancer can keep
/// one per listener.
pub struct Plan {
    /// The configuration.
    pub config: Arc<Config>,
    /// The virtual server.
    pub virtual_server: Virtual,
    host: ConfigHost,
    program: Option<(Program, Statics)>,
    /// RULE_INIT ran into a gap in relaylab's model: no connection can be decided.
    init_gap: Option<End>,
    /// The events this virtual's rules handle, as a merged evaluation names them.
    events_fired: String,
    automap: AutomapModel,
    tables: Tables,
}

/// What every connection looks up, prepared once: enabled members per pool, and automap's
/// candidates per member address (filled as members are met, since an iRule `node` can
/// name any address).
#[derive(Default)]
struct Tables {
    pools: HashMap<String, PoolMembers>,
    automap: std::sync::Mutex<HashMap<Addr, AutomapChoices>>,
}

/// A pool's name and its enabled members (name, endpoint).
type PoolMembers = (Arc<str>, Vec<(Arc<str>, Endpoint)>);

/// Automap's candidates toward one member: (self IP address, its name, its tier).
type AutomapChoices = Arc<[(Addr, Arc<str>, AutomapTier)]>;

impl Tables {
    fn new(config: &Config) -> Tables {
        let pools = config
            .pools
            .values()
            .map(|p| {
                let enabled = p
                    .members
                    .iter()
                    .filter(|m| !m.disabled)
                    .map(|m| (Arc::from(m.name.as_str()), m.endpoint))
                    .collect();
                (p.name.clone(), (Arc::from(p.name.as_str()), enabled))
            })
            .collect();
        Tables {
            pools,
            automap: std::sync::Mutex::new(HashMap::new()),
        }
    }
}

/// Events fired for a TCP virtual whose decisions shape the server-side connection, in
/// the order BIG-IP fires them. CLIENT_DATA fires only after a `TCP::collect`, with the
/// payload a free input.
const EVENTS: [&str; 7] = [
    "FLOW_INIT",
    "CLIENT_ACCEPTED",
    "CLIENT_DATA",
    "LB_SELECTED",
    "SERVER_INIT",
    "SERVER_CONNECTED",
    "SERVER_DATA",
];

/// Decides many connections of one virtual with one reused iRule session (see
/// [`Plan::decider`]).
pub struct Decider<'p> {
    plan: &'p Plan,
    session: Option<irule::Session<'p>>,
}

impl Decider<'_> {
    /// As [`Plan::decide`].
    pub fn decide(&mut self, client: Addr, client_port: u16) -> Outcome {
        self.plan
            .decide_with(client, client_port, self.session.as_mut())
    }
}

impl Plan {
    /// Prepares a virtual: parses its iRules and runs RULE_INIT.
    pub fn new(
        config: &Arc<Config>,
        index: &Arc<DataGroupIndex>,
        virtual_name: &str,
        settings: Settings,
        automap: AutomapModel,
    ) -> Result<Plan, PlanError> {
        let v = config
            .virtuals
            .get(virtual_name)
            .ok_or_else(|| PlanError::NoSuchVirtual(virtual_name.to_string()))?
            .clone();
        let host = ConfigHost {
            config: config.clone(),
            index: index.clone(),
            virtual_name: v.name.clone(),
        };
        // What BIG-IP accepts in a rule depends on the virtual's profiles and the
        // system's modules: the configuration says which.
        let mut settings = settings;
        settings
            .profiles
            .extend(v.profiles.iter().filter_map(|p| config.profile_kind(p)));
        settings.modules.extend(config.provisioned.iter().cloned());
        let mut init_gap = None;
        let program = if v.rules.is_empty() {
            None
        } else {
            let mut rules = Vec::new();
            for name in &v.rules {
                // References were checked at load: a missing rule cannot reach here.
                let Some(r) = config.rules.get(name) else {
                    continue;
                };
                let placed = config.rule_placed(r);
                let parsed = irule::parse_placed(&r.name, &r.text, placed).map_err(|e| {
                    let (file, line) = config.place(r.line);
                    PlanError::Parse {
                        rule: r.name.clone(),
                        file: file.to_string(),
                        line,
                        error: Box::new(e),
                    }
                })?;
                rules.push(parsed);
            }
            let program = Program::new(rules, settings).map_err(|e| PlanError::Load {
                virtual_name: v.name.clone(),
                error: Box::new(e),
            })?;
            let statics = match program.init(&host) {
                Ok(statics) => statics,
                Err(e) if e.kind.is_model_gap() => {
                    init_gap = Some(End::NotDecided {
                        reason: e.kind.to_string(),
                        at: error_at(&e),
                    });
                    Statics::default()
                }
                Err(e) => {
                    return Err(PlanError::Init {
                        virtual_name: v.name.clone(),
                        error: Box::new(e),
                    });
                }
            };
            Some((program, statics))
        };
        let events_fired = program.as_ref().map_or_else(String::new, |(p, _)| {
            EVENTS
                .iter()
                .filter(|e| p.handles(e))
                .copied()
                .collect::<Vec<_>>()
                .join(" + ")
        });
        Ok(Plan {
            tables: Tables::new(config),
            config: config.clone(),
            virtual_server: v,
            host,
            program,
            init_gap,
            events_fired,
            automap,
        })
    }

    /// Automap's candidates toward a member, computed once per member address.
    fn automap_of(&self, member: &Addr) -> AutomapChoices {
        if let Ok(cache) = self.tables.automap.lock()
            && let Some(c) = cache.get(member)
        {
            return c.clone();
        }
        let c: AutomapChoices = automap_candidates(&self.config, member, self.automap)
            .into_iter()
            .map(|(s, tier)| (s.address, Arc::from(s.name.as_str()), tier))
            .collect();
        if let Ok(mut cache) = self.tables.automap.lock() {
            cache.insert(*member, c.clone());
        }
        c
    }

    /// Runs the iRules for a client and lists every path the connection may take.
    pub fn decide(&self, client: Addr, client_port: u16) -> Outcome {
        self.decide_with(client, client_port, None)
    }

    /// A decider that keeps one iRule session and resets it per connection: the prover's
    /// way to decide hundreds of thousands of intervals without setting a session up for
    /// each.
    pub fn decider(&self) -> Decider<'_> {
        let session = self.program.as_ref().map(|(program, statics)| {
            let conn = Connection::new(
                Addr::new(std::net::Ipv4Addr::UNSPECIFIED.into()),
                self.vip().0,
                self.vip().1,
            );
            program.connect(&self.host, statics, conn)
        });
        Decider {
            plan: self,
            session,
        }
    }

    fn vip(&self) -> (Addr, u16) {
        self.virtual_server.destination.map_or(
            (Addr::new(std::net::Ipv4Addr::UNSPECIFIED.into()), 0),
            |d| (d.addr, d.port),
        )
    }

    fn decide_with<'s>(
        &'s self,
        client: Addr,
        client_port: u16,
        reuse: Option<&mut irule::Session<'s>>,
    ) -> Outcome {
        let v = &self.virtual_server;
        if !v.source.contains(&client) {
            return Outcome {
                evaluation: None,
                end: Some(End::NotAccepted),
                paths: Vec::new(),
            };
        }
        if let Some(gap) = &self.init_gap {
            return Outcome {
                evaluation: None,
                end: Some(gap.clone()),
                paths: Vec::new(),
            };
        }
        let (vip, vport) = self.vip();
        let evaluation = self.program.as_ref().map(|(program, statics)| {
            let mut conn = Connection::new(client, vip, vport);
            conn.client_port = client_port;
            let mut fresh;
            let session = match reuse {
                Some(s) => {
                    s.reset(conn);
                    s
                }
                None => {
                    fresh = program.connect(&self.host, statics, conn);
                    &mut fresh
                }
            };
            let mut merged = Evaluation {
                event: self.events_fired.clone(),
                ..Evaluation::default()
            };
            // CLIENT_DATA and SERVER_DATA fire only after a `TCP::collect` on their side.
            let mut server_side_from = None;
            for event in EVENTS {
                if !program.handles(event) {
                    continue;
                }
                if event.starts_with("SERVER_") && server_side_from.is_none() {
                    server_side_from = Some(merged.decisions.len());
                }
                let collected = |from: usize| {
                    merged.decisions[from..]
                        .iter()
                        .any(|r| r.decision == Decision::Collect)
                };
                if event == "CLIENT_DATA" && !collected(0) {
                    continue;
                }
                if event == "SERVER_DATA" && !server_side_from.is_some_and(collected) {
                    continue;
                }
                let ev = session.fire(event);
                let stop = ev.resets();
                merge(&mut merged, ev);
                if stop {
                    break;
                }
            }
            merged
        });
        if let Some(end) = evaluation.as_ref().and_then(ending) {
            return Outcome {
                evaluation,
                end: Some(end),
                paths: Vec::new(),
            };
        }
        let (targets, end) = self.targets(evaluation.as_ref());
        if let Some(end) = end {
            // Where selection fails BIG-IP runs LB_FAILED, which may pick another pool
            // or answer the client: relaylab does not follow it.
            let end = match &self.program {
                Some((p, _)) if p.handles("LB_FAILED") => End::NotDecided {
                    reason: format!("the LB_FAILED handler after \"{end}\""),
                    at: "event LB_FAILED".into(),
                },
                _ => end,
            };
            return Outcome {
                evaluation,
                end: Some(end),
                paths: Vec::new(),
            };
        }
        let mut paths = Vec::new();
        for (pool, name, member) in targets {
            paths.extend(self.snat_paths(evaluation.as_ref(), client, pool, name, member));
        }
        let end = paths.is_empty().then_some(End::NoSnatAddress);
        Outcome {
            evaluation,
            end,
            paths,
        }
    }

    /// Members the connection may go to: an iRule's `pool`/`node`, else the default pool.
    fn targets(&self, ev: Option<&Evaluation>) -> (Vec<Target>, Option<End>) {
        let v = &self.virtual_server;
        let vport = v.destination.map_or(0, |d| d.port);
        let chosen = ev.and_then(|e| e.target());
        let (pool_name, member_filter) = match chosen {
            Some(Decision::Node { addr, port }) => {
                let ep = Endpoint {
                    addr: *addr,
                    port: port.unwrap_or(vport),
                };
                return (vec![(None, format!("node {ep}").into(), ep)], None);
            }
            Some(Decision::Pool { name, member }) => (Some(name.clone()), *member),
            _ => (v.pool.clone(), None),
        };
        let Some((pool, enabled)) = pool_name.as_ref().and_then(|p| self.tables.pools.get(p))
        else {
            return (Vec::new(), Some(End::NoPool));
        };
        let members: Vec<Target> = enabled
            .iter()
            .filter(|(_, ep)| {
                member_filter.is_none_or(|(a, p)| ep.addr == a && p.is_none_or(|p| p == ep.port))
            })
            .map(|(name, ep)| {
                let port = if ep.port == 0 { vport } else { ep.port };
                (
                    Some(pool.clone()),
                    name.clone(),
                    Endpoint {
                        addr: ep.addr,
                        port,
                    },
                )
            })
            .collect();
        if members.is_empty() {
            return (members, Some(End::NoMember));
        }
        (members, None)
    }

    fn snat_paths(
        &self,
        ev: Option<&Evaluation>,
        client: Addr,
        pool: Option<Arc<str>>,
        name: Arc<str>,
        member: Endpoint,
    ) -> Vec<Path> {
        let v = &self.virtual_server;
        let path = |seen: Addr, snat: SnatHow, src: SnatSource| Path {
            pool: pool.clone(),
            member_name: name.clone(),
            member,
            seen,
            snat,
            snat_source: src,
        };
        let from_rule = ev.and_then(|e| {
            e.decisions.iter().rev().find_map(|r| match &r.decision {
                Decision::Snat(s) => Some((
                    s,
                    SnatSource::Irule {
                        rule: r.origin.rule.clone(),
                        line: r.origin.at.line,
                    },
                )),
                _ => None,
            })
        });
        let automap = |src: SnatSource| -> Vec<Path> {
            self.automap_of(&member.addr)
                .iter()
                .map(|(addr, name, tier)| {
                    path(
                        *addr,
                        SnatHow::Automap {
                            self_ip: name.clone(),
                            tier: *tier,
                        },
                        src.clone(),
                    )
                })
                .collect()
        };
        let pool_paths = |pool_name: &str, only: Option<Addr>, src: SnatSource| -> Vec<Path> {
            snatpool_addresses(&self.config, pool_name)
                .into_iter()
                .filter(|a| only.is_none_or(|o| o == *a))
                .map(|a| {
                    path(
                        a,
                        SnatHow::Snatpool {
                            pool: pool_name.into(),
                        },
                        src.clone(),
                    )
                })
                .collect()
        };
        match from_rule {
            Some((Snat::Automap, src)) => automap(src),
            Some((Snat::None, src)) => vec![path(client, SnatHow::None, src)],
            Some((Snat::Addr { addr, .. }, src)) => vec![path(*addr, SnatHow::Address, src)],
            Some((Snat::Pool { name, member }, src)) => pool_paths(name, *member, src),
            None => match &v.source_translation {
                SourceTranslation::Automap => automap(SnatSource::Virtual),
                SourceTranslation::Snat { pool } => pool_paths(pool, None, SnatSource::Virtual),
                SourceTranslation::None => match origin_snat(&self.config, &client) {
                    Some((snat, SnatTarget::Automap)) => {
                        let mut p = automap(SnatSource::Origin);
                        p.iter_mut().for_each(|p| {
                            p.snat = SnatHow::OriginSnat {
                                snat: snat.to_string(),
                            }
                        });
                        p
                    }
                    Some((snat, SnatTarget::Translation { address })) => {
                        match address.parse::<Addr>() {
                            Ok(a) => vec![path(
                                a,
                                SnatHow::OriginSnat {
                                    snat: snat.to_string(),
                                },
                                SnatSource::Origin,
                            )],
                            Err(_) => Vec::new(),
                        }
                    }
                    Some((_, SnatTarget::Snatpool { pool })) => {
                        pool_paths(pool, None, SnatSource::Origin)
                    }
                    None => vec![path(client, SnatHow::None, SnatSource::Nothing)],
                },
            },
        }
    }
}

fn merge(into: &mut Evaluation, ev: Evaluation) {
    into.decisions.extend(ev.decisions);
    into.logs.extend(ev.logs);
    into.escapes.extend(ev.escapes);
    into.observed.extend(ev.observed);
    into.observed_ports.extend(ev.observed_ports);
    into.free_inputs.extend(ev.free_inputs);
    into.steps += ev.steps;
    if into.error.is_none() {
        into.error = ev.error;
    }
}

/// Where a run-time error happened, as an ending names it.
fn error_at(e: &irule::RuntimeError) -> String {
    format!("{} line {} (event {})", e.rule, e.at.line, e.event)
}

fn ending(ev: &Evaluation) -> Option<End> {
    if let Some(e) = &ev.error {
        let at = error_at(e);
        if e.kind.is_model_gap() {
            return Some(End::NotDecided {
                reason: e.kind.to_string(),
                at,
            });
        }
        return Some(End::Error {
            message: e.kind.to_string(),
            at,
        });
    }
    ev.decisions.iter().find_map(|r| {
        let at = format!("{} line {}", r.origin.rule, r.origin.at.line);
        let not_decided = |reason: &str| {
            Some(End::NotDecided {
                reason: reason.to_string(),
                at: at.clone(),
            })
        };
        match &r.decision {
            Decision::Reject => Some(End::Reject { at }),
            Decision::Drop => Some(End::Drop { at }),
            Decision::Close => Some(End::Close { at }),
            Decision::Forward => not_decided(
                "`forward` routes the connection to its destination address, which relaylab does not follow",
            ),
            Decision::Translate {
                what: Translation::Address | Translation::Service,
                enable: false,
            } => not_decided(
                "`translate address disable` sends the connection to the virtual's own address, which relaylab does not follow",
            ),
            _ => None,
        }
    })
}

fn display<T: std::fmt::Display, S: serde::Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}
