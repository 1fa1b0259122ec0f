//! Listeners, per-connection decisions, SNAT binding and the splice.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};
use std::ops::RangeInclusive;
use std::sync::Arc;
use std::time::Duration;

use addrspace::Addr;
use bigip::Config;
use bigip::decide::{DataGroupIndex, End, Path, Plan, PlanError};
use bigip::snat::AutomapModel;
use irule::Decision;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::counters::{Counters, Snapshot};
use crate::health;
use crate::idle::{Activity, Tracked};
use crate::ports::PortAllocator;
use crate::select::{Selector, persistence};

/// How the balancer runs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Multiplies every configured time (monitor interval and timeout, persistence
    /// timeout): 1.0 is real time, 0.01 makes a 120 s monitor interval 1.2 s.
    pub time_scale: f64,
    /// Source ports each SNAT address may use toward the servers.
    pub snat_ports: RangeInclusive<u16>,
    /// How long a server-side connect may take before the client is reset.
    pub connect_timeout: Duration,
    /// How long a `drop`ped client is held before the socket is closed.
    pub drop_hold: Duration,
    /// Only these virtual servers (default: every enabled one with a destination).
    pub virtuals: Option<Vec<String>>,
    /// iRule dialect: v10 `$::datagroup` references.
    pub v10_globals: bool,
    /// How automap picks among self IPs.
    pub automap: AutomapModel,
    /// Client connections open at once per listener (virtual server); one more is reset,
    /// like a virtual's `connection-limit` (which BIG-IP leaves unlimited by default; the
    /// lab is bounded by its file descriptors instead).
    pub max_connections: usize,
    /// A connection with no byte in either direction for this long is reset on both sides
    /// (BIG-IP's tcp profile `idle-timeout`, 300 s, with reset-on-timeout).
    pub idle_timeout: Duration,
    /// The longest one connection's iRule decision may take, waiting for a rule thread
    /// included; beyond it the client is reset as on an iRule error.
    pub rule_budget: Duration,
    /// iRule decisions running at once per virtual server, on blocking threads off the
    /// async workers, so a slow rule delays only the connections of its own virtual.
    pub rule_threads: usize,
    /// Evaluation steps one event may take (the iRule engine's budget; see its Limits).
    pub step_budget: u64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            time_scale: 1.0,
            snat_ports: 40000..=59999,
            connect_timeout: Duration::from_secs(5),
            drop_hold: Duration::from_secs(30),
            virtuals: None,
            v10_globals: false,
            automap: AutomapModel::PreferredTier,
            max_connections: 2000,
            idle_timeout: Duration::from_secs(300),
            rule_budget: Duration::from_secs(2),
            rule_threads: 2,
            step_budget: irule::Settings::default().step_budget,
        }
    }
}

/// Why the balancer refuses a pin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PinError {
    /// The balancer does not run this virtual.
    #[error("the balancer runs no virtual server {0}")]
    UnknownVirtual(String),
    /// The decision for this client never takes the path: pinning it would have the
    /// balancer do what BIG-IP cannot.
    #[error("{virtual_name} never sends {client}:{port} to {member} as {translated}")]
    NotAllowed {
        /// The virtual.
        virtual_name: String,
        /// The client address.
        client: Addr,
        /// Its source port.
        port: u16,
        /// The member asked for.
        member: bigip::Endpoint,
        /// The SNAT address asked for (with route domain).
        translated: Addr,
    },
}

/// Why the balancer cannot start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LbError {
    /// A virtual's iRules cannot be used.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// A virtual or member address has no carrier in the wire plan.
    #[error("{what} {addr} is not in the address plan")]
    NotPlanned {
        /// What it is.
        what: &'static str,
        /// The scenario address.
        addr: String,
    },
    /// A listener could not be bound.
    #[error("cannot listen on {carrier} for {virtual_name}: {source}")]
    Bind {
        /// The virtual.
        virtual_name: String,
        /// The carrier.
        carrier: SocketAddrV4,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

struct Shared {
    config: Arc<Config>,
    wire: Arc<wire::Plan>,
    selector: Arc<Selector>,
    ports: Arc<PortAllocator>,
    counters: Arc<Counters>,
    settings: Settings,
}

/// A running balancer.
pub struct Balancer {
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
    listening: Vec<(String, SocketAddrV4)>,
    plans: Vec<Arc<Plan>>,
}

impl Balancer {
    /// Binds every virtual on its VIP carrier, checks every monitored member once, and
    /// starts accepting. Every VIP, member and SNAT address must be in `wire`.
    pub async fn start(
        config: Arc<Config>,
        wire: Arc<wire::Plan>,
        settings: Settings,
    ) -> Result<Balancer, LbError> {
        let index = Arc::new(DataGroupIndex::new(&config));
        let irule_settings = irule::Settings {
            v10_globals: settings.v10_globals,
            step_budget: settings.step_budget,
            ..irule::Settings::default()
        };
        let names: Vec<String> = match &settings.virtuals {
            Some(v) => v.clone(),
            None => config
                .virtuals
                .values()
                .filter(|v| !v.disabled && v.destination.is_some())
                .map(|v| v.name.clone())
                .collect(),
        };
        let selector = Arc::new(Selector::default());
        let checks = health::checks(&config, &wire);
        health::first_round(&checks, &selector, settings.time_scale).await;
        let shared = Arc::new(Shared {
            config: config.clone(),
            wire,
            selector,
            ports: PortAllocator::new(settings.snat_ports.clone()),
            counters: Arc::new(Counters::default()),
            settings,
        });
        let (stop, _) = watch::channel(false);
        let mut tasks = JoinSet::new();
        let mut listening = Vec::new();
        let mut plans = Vec::new();
        for name in names {
            let plan = Plan::new(
                &config,
                &index,
                &name,
                irule_settings.clone(),
                shared.settings.automap,
            )?;
            let Some(dest) = plan.virtual_server.destination else {
                continue;
            };
            let carrier = shared
                .wire
                .service_carrier(&dest.addr, dest.port)
                .ok_or_else(|| LbError::NotPlanned {
                    what: "virtual server",
                    addr: dest.to_string(),
                })?;
            let listener_socket =
                TcpListener::bind(carrier)
                    .await
                    .map_err(|source| LbError::Bind {
                        virtual_name: name.clone(),
                        carrier,
                        source,
                    })?;
            listening.push((name.clone(), carrier));
            let plan = Arc::new(plan);
            plans.push(plan.clone());
            let listener = Listener {
                plan,
                slots: Arc::new(Semaphore::new(shared.settings.max_connections)),
                rule_threads: Arc::new(Semaphore::new(shared.settings.rule_threads.max(1))),
            };
            tasks.spawn(accept_loop(
                listener,
                listener_socket,
                shared.clone(),
                stop.subscribe(),
            ));
        }
        for c in checks {
            tasks.spawn(health::run(
                c,
                shared.selector.clone(),
                shared.settings.time_scale,
                stop.subscribe(),
            ));
        }
        Ok(Balancer {
            shared,
            stop,
            tasks,
            listening,
            plans,
        })
    }

    /// Every virtual and the carrier it listens on.
    pub fn listening(&self) -> &[(String, SocketAddrV4)] {
        &self.listening
    }

    /// The counters now.
    pub fn counters(&self) -> Snapshot {
        self.shared.counters.snapshot()
    }

    /// Makes every new connection from `client` take this member and SNAT address: how a
    /// live run exercises every path of an address, as rotating the persistence key would
    /// on a real BIG-IP. Refused unless the virtual's decision for this client (address
    /// and source port) allows the path; while pinned, a connection that cannot take the
    /// path (its member is down) is reset rather than sent elsewhere.
    pub fn pin(
        &self,
        virtual_name: &str,
        client: Addr,
        port: u16,
        member: bigip::Endpoint,
        translated: Addr,
    ) -> Result<(), PinError> {
        let plan = self
            .plans
            .iter()
            .find(|p| p.virtual_server.name == virtual_name)
            .ok_or_else(|| PinError::UnknownVirtual(virtual_name.to_string()))?;
        let allowed = plan
            .decide(client, port)
            .paths
            .iter()
            .any(|p| p.member == member && p.seen == translated);
        if !allowed {
            return Err(PinError::NotAllowed {
                virtual_name: virtual_name.to_string(),
                client,
                port,
                member,
                translated,
            });
        }
        self.shared.selector.pin(client, member, translated);
        Ok(())
    }

    /// Lets `client` be balanced normally again.
    pub fn unpin(&self, client: &Addr) {
        self.shared.selector.unpin(client);
    }

    /// Whether the monitors consider a member up now.
    pub fn member_up(&self, member: bigip::Endpoint) -> bool {
        self.shared.selector.is_up(&member)
    }

    /// Stops accepting, ends every connection task and monitor, and waits for them.
    pub async fn shutdown(mut self) -> Snapshot {
        let _ = self.stop.send(true);
        // Connection tasks watch the same signal; give them a moment, then abort the rest.
        let deadline = tokio::time::sleep(Duration::from_secs(2));
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                next = self.tasks.join_next() => if next.is_none() { break },
                _ = &mut deadline => { self.tasks.abort_all(); while self.tasks.join_next().await.is_some() {} break }
            }
        }
        self.shared.counters.snapshot()
    }
}

/// One virtual server's listener state.
struct Listener {
    plan: Arc<Plan>,
    /// Client connections open now (see [`Settings::max_connections`]).
    slots: Arc<Semaphore>,
    /// Decisions running now (see [`Settings::rule_threads`]).
    rule_threads: Arc<Semaphore>,
}

async fn accept_loop(
    listener: Listener,
    socket: TcpListener,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = socket.accept() => match accepted {
                Ok((stream, peer)) => {
                    let Ok(slot) = Arc::clone(&listener.slots).try_acquire_owned() else {
                        shared.counters.accepted();
                        shared.counters.refused();
                        reset(stream);
                        continue;
                    };
                    let conn = handle(
                        stream,
                        peer,
                        listener.plan.clone(),
                        listener.rule_threads.clone(),
                        shared.clone(),
                        stop.clone(),
                    );
                    conns.spawn(async move {
                        conn.await;
                        drop(slot);
                    });
                }
                // Out of file descriptors or a transient accept error: keep serving.
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    conns.abort_all();
    while conns.join_next().await.is_some() {}
}

/// Resets a client: RST, not FIN, as BIG-IP does.
fn reset(stream: TcpStream) {
    let _ = socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO));
    drop(stream);
}

/// Runs the virtual's iRules for one connection on a blocking thread: a rule that burns
/// its whole step budget must not hold an async worker (every banner, monitor and splice
/// of the lab waits on those). The decision is pure and cannot be interrupted, so a
/// timed-out one runs on to its step budget holding its rule thread; the per-virtual
/// [`Settings::rule_threads`] bound how many can do that at once.
async fn decide_off_workers(
    plan: Arc<Plan>,
    rule_threads: Arc<Semaphore>,
    client: Addr,
    port: u16,
    budget: Duration,
) -> Option<bigip::decide::Outcome> {
    let run = async move {
        let thread = rule_threads.acquire_owned().await.ok()?;
        tokio::task::spawn_blocking(move || {
            let outcome = plan.decide(client, port);
            drop(thread);
            outcome
        })
        .await
        .ok()
    };
    tokio::time::timeout(budget, run).await.ok().flatten()
}

async fn handle(
    client: TcpStream,
    peer: SocketAddr,
    plan: Arc<Plan>,
    rule_threads: Arc<Semaphore>,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let counters = &shared.counters;
    counters.accepted();
    let Some(client_addr) = shared.wire.scenario_of_ip(peer.ip()) else {
        tracing::warn!(%peer, "connection from an address outside the plan: reset");
        counters.reset();
        return reset(client);
    };
    let decided = decide_off_workers(
        plan.clone(),
        rule_threads,
        client_addr,
        peer.port(),
        shared.settings.rule_budget,
    )
    .await;
    let Some(outcome) = decided else {
        tracing::warn!(client = %client_addr, budget = ?shared.settings.rule_budget,
            "iRule decision over its wall-clock budget: reset");
        counters.rule_timeout();
        counters.reset();
        return reset(client);
    };
    match &outcome.end {
        Some(End::Drop { .. }) => {
            counters.dropped();
            tokio::select! {
                _ = tokio::time::sleep(shared.settings.drop_hold) => {}
                _ = stop.changed() => {}
            }
            return drop(client);
        }
        Some(End::Close { .. }) => {
            // The rule answers the client itself (an SMTP 554 banner, say) and closes.
            let said: String = outcome
                .evaluation
                .iter()
                .flat_map(|e| &e.decisions)
                .filter_map(|r| match &r.decision {
                    Decision::Respond(data) => Some(data.as_str()),
                    _ => None,
                })
                .collect();
            counters.closed_by_rule();
            let mut client = client;
            let _ = tokio::time::timeout(
                shared.settings.drop_hold,
                tokio::io::AsyncWriteExt::write_all(&mut client, said.as_bytes()),
            )
            .await;
            let _ = tokio::io::AsyncWriteExt::shutdown(&mut client).await;
            return;
        }
        Some(end) => {
            tracing::info!(client = %client_addr, ?end, "connection ends at the balancer: reset");
            counters.reset();
            return reset(client);
        }
        None => {}
    }
    let v = &plan.virtual_server;
    let persist = persistence(
        &shared.config,
        v,
        outcome.evaluation.as_ref(),
        shared.settings.time_scale,
    );
    let chosen = shared.selector.choose(
        &shared.config,
        &v.name,
        &client_addr,
        &outcome.paths,
        persist.as_ref(),
        counters,
    );
    let Some(path) = chosen else {
        tracing::info!(client = %client_addr, "no pool member is up: reset");
        counters.reset();
        return reset(client);
    };
    let server = match connect(path, &client_addr, &shared).await {
        Ok(s) => s,
        Err(why) => {
            tracing::info!(client = %client_addr, member = %path.member, why, "server side failed: reset");
            counters.reset();
            return reset(client);
        }
    };
    let (server, _lease) = server;
    // SMTP is a dialogue of small writes: Nagle would hold each reply for the peer's ACK.
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let member = path.member.to_string();
    counters.opened(&member, &path.seen.to_string());
    let activity = Activity::new();
    let mut c = Tracked::new(client, activity.clone());
    let mut s = Tracked::new(server, activity.clone());
    let idle = shared.settings.idle_timeout;
    let spliced = tokio::select! {
        r = tokio::io::copy_bidirectional(&mut c, &mut s) => r.ok(),
        () = activity.idle_for(idle) => {
            tracing::info!(client = %client_addr, ?idle, "idle timeout: reset");
            counters.idle_timeout();
            let _ = socket2::SockRef::from(&s.inner).set_linger(Some(Duration::ZERO));
            let _ = socket2::SockRef::from(&c.inner).set_linger(Some(Duration::ZERO));
            None
        }
        _ = stop.changed() => None,
    };
    let (bytes_in, bytes_out) = spliced.unwrap_or((0, 0));
    counters.closed(&member, bytes_in, bytes_out);
}

/// Binds the SNAT address's carrier with a leased port and connects to the member.
async fn connect(
    path: &Path,
    client: &Addr,
    shared: &Shared,
) -> Result<(TcpStream, Option<crate::ports::Lease>), &'static str> {
    let target = shared
        .wire
        .service_carrier(&path.member.addr, path.member.port)
        .ok_or("member not in the plan")?;
    let translated = path.seen != *client;
    let source: Ipv4Addr = shared
        .wire
        .carrier(&path.seen)
        .ok_or("SNAT address not in the plan")?;
    let mut tried = Vec::new();
    loop {
        // Without translation the server sees the client's own carrier; any port will do.
        let lease = if translated {
            match shared.ports.lease(source, &tried) {
                Some(l) => Some(l),
                None => {
                    shared.counters.exhausted();
                    tracing::warn!(snat = %path.seen, "SNAT port range exhausted");
                    return Err("SNAT port range exhausted");
                }
            }
        } else {
            None
        };
        let port = lease.as_ref().map_or(0, |l| l.port);
        let socket = TcpSocket::new_v4().map_err(|_| "cannot create a socket")?;
        let _ = socket.set_reuseaddr(true);
        if socket
            .bind(SocketAddr::new(IpAddr::V4(source), port))
            .is_err()
        {
            // Taken by someone else (or in TIME_WAIT toward this member): next port.
            tried.push(port);
            if lease.is_none() {
                return Err("cannot bind the client's carrier");
            }
            continue;
        }
        match tokio::time::timeout(
            shared.settings.connect_timeout,
            socket.connect(SocketAddr::V4(target)),
        )
        .await
        {
            Ok(Ok(stream)) => return Ok((stream, lease)),
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::AddrNotAvailable && lease.is_some() => {
                tried.push(port);
                continue;
            }
            Ok(Err(_)) => {
                shared.counters.connect_failed();
                return Err("connect refused");
            }
            Err(_) => {
                shared.counters.connect_failed();
                return Err("connect timed out");
            }
        }
    }
}
