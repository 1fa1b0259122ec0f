//! The tokio shell around the sans-IO sessions: listeners on carriers, one task per
//! connection, STARTTLS and implicit TLS, graceful shutdown.
//!
//! Shutdown is one watch channel. Accept loops stop at once; open sessions are told (SMTP
//! says 421, IMAP says BYE), get [`SHUTDOWN_GRACE`] to finish writing, and are aborted after
//! that, so no task outlives [`SmtpServer::shutdown`]. The protocol log is flushed last.

use std::net::{IpAddr, SocketAddr, SocketAddrV4};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use addrspace::Addr;
use relaypolicy::Endpoint;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;
use wire::Plan;

use crate::policy::Policy;
use crate::protolog::{LogError, ProtocolLog, SessionLogger};
use crate::smtp::{Event, SessionConfig, SmtpSession};
use crate::store::Store;
use crate::users::Users;

/// How long open sessions get to finish after shutdown before they are aborted.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);
/// How long a TLS handshake may take.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long accepting pauses after an accept error (EMFILE, ENFILE, ENOBUFS): long enough
/// not to spin, short enough that the listener is back as soon as descriptors free up.
pub const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Resource limits of one mock server (see docs/lab-limits.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Sessions open at once over all of the server's listeners; one more is told the
    /// modelled server's "too many connections" reply and closed (Exchange
    /// MaxInboundConnection, default 5000; Postfix default_process_limit, 100).
    pub max_connections: usize,
    /// How long an SMTP session may sit without input before the server says 421 and
    /// closes (Exchange ConnectionInactivityTimeout and Postfix smtpd_timeout: 5 minutes).
    pub idle_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 1000,
            idle_timeout: crate::smtp::session::IDLE_TIMEOUT,
        }
    }
}

/// Why a server could not start or stop cleanly.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// A binding's scenario address and port have no carrier on the plan.
    #[error(
        "{server}: binding {scenario}:{port} is not on the address plan (call add_to_plan first)"
    )]
    NotOnPlan {
        /// The server.
        server: String,
        /// The scenario address.
        scenario: Addr,
        /// The scenario port.
        port: u16,
    },
    /// A carrier could not be bound.
    #[error("{server}: binding {carrier} (for {scenario}:{port}): {source}")]
    Bind {
        /// The server.
        server: String,
        /// The carrier socket address.
        carrier: SocketAddrV4,
        /// The scenario address.
        scenario: Addr,
        /// The scenario port.
        port: u16,
        /// The OS error.
        source: std::io::Error,
    },
    /// The protocol log could not be flushed.
    #[error(transparent)]
    Log(#[from] LogError),
    /// The plan refused a service.
    #[error(transparent)]
    Plan(#[from] wire::PlanError),
}

/// One listening socket: the scenario endpoint it stands for and its carrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound {
    /// The scenario endpoint (`10.0.1.11:25`).
    pub scenario: Endpoint,
    /// Where it listens on loopback.
    pub carrier: SocketAddr,
}

/// Counters a server keeps.
#[derive(Debug, Default)]
pub struct Counters {
    /// Connections accepted.
    pub connections: AtomicU64,
    /// Messages stored.
    pub messages: AtomicU64,
    /// Sessions aborted at shutdown after the grace period.
    pub aborted: AtomicU64,
    /// Connections refused because [`Limits::max_connections`] were open.
    pub refused: AtomicU64,
    /// The most client input one session held in memory at once.
    pub peak_buffered: AtomicU64,
    /// Accepts that failed (out of file descriptors, mostly) and were retried.
    pub accept_errors: AtomicU64,
}

/// A snapshot of [`Counters`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Connections accepted.
    pub connections: u64,
    /// Messages stored.
    pub messages: u64,
    /// Sessions aborted at shutdown.
    pub aborted: u64,
    /// Connections refused at the connection limit.
    pub refused: u64,
    /// The most client input one session held in memory at once, in octets.
    pub peak_buffered: u64,
    /// Accepts that failed and were retried after [`ACCEPT_BACKOFF`].
    pub accept_errors: u64,
}

impl Counters {
    pub(crate) fn snapshot(&self) -> Stats {
        Stats {
            connections: self.connections.load(Ordering::Relaxed),
            messages: self.messages.load(Ordering::Relaxed),
            aborted: self.aborted.load(Ordering::Relaxed),
            refused: self.refused.load(Ordering::Relaxed),
            peak_buffered: self.peak_buffered.load(Ordering::Relaxed),
            accept_errors: self.accept_errors.load(Ordering::Relaxed),
        }
    }
}

/// What an SMTP server (one pool member) needs.
#[derive(Debug, Clone)]
pub struct SmtpServerConfig {
    /// The modelled server (all of its connectors).
    pub policy: Arc<Policy>,
    /// The pool member's scenario address (wildcard bindings listen on its carrier).
    pub member: Addr,
    /// The address plan.
    pub plan: Arc<Plan>,
    /// Where accepted mail goes.
    pub store: Store,
    /// The protocol log.
    pub log: ProtocolLog,
    /// Accounts for AUTH.
    pub users: Arc<Users>,
    /// The TLS configuration; without it STARTTLS is not offered.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Connection and idle limits.
    pub limits: Limits,
}

/// Puts every binding of `policy` on `plan` for the member at `member` (wildcards on the
/// member's own address); run before [`SmtpServer::start`].
pub fn add_to_plan(plan: &mut Plan, member: Addr, policy: &Policy) -> Result<(), wire::PlanError> {
    plan.add_addr(member, "member")?;
    for l in policy.listens() {
        let addr = if l.ip.is_unspecified() {
            member
        } else {
            Addr::new(l.ip)
        };
        plan.add_service(addr, l.port, &format!("smtp {}", policy.name()))?;
    }
    Ok(())
}

/// A running mock SMTP server.
#[derive(Debug)]
pub struct SmtpServer {
    name: String,
    bound: Vec<Bound>,
    shutdown: watch::Sender<bool>,
    accept_loops: Vec<JoinHandle<()>>,
    log: ProtocolLog,
    counters: Arc<Counters>,
}

struct Ctx {
    cfg: SmtpServerConfig,
    counters: Arc<Counters>,
}

impl SmtpServer {
    /// Binds every connector binding on its carrier and starts accepting.
    pub async fn start(cfg: SmtpServerConfig) -> Result<SmtpServer, ServerError> {
        let name = cfg.policy.name().to_string();
        let mut listeners = Vec::new();
        let mut seen: Vec<SocketAddrV4> = Vec::new();
        for l in cfg.policy.listens() {
            let scenario = if l.ip.is_unspecified() {
                cfg.member
            } else {
                Addr::new(l.ip)
            };
            let carrier =
                cfg.plan
                    .service_carrier(&scenario, l.port)
                    .ok_or(ServerError::NotOnPlan {
                        server: name.clone(),
                        scenario,
                        port: l.port,
                    })?;
            if seen.contains(&carrier) {
                continue;
            }
            seen.push(carrier);
            let listener =
                TcpListener::bind(carrier)
                    .await
                    .map_err(|source| ServerError::Bind {
                        server: name.clone(),
                        carrier,
                        scenario,
                        port: l.port,
                        source,
                    })?;
            listeners.push((listener, Endpoint::new(scenario, l.port), carrier));
        }
        let (tx, _) = watch::channel(false);
        let counters = Arc::new(Counters::default());
        let ctx = Arc::new(Ctx {
            cfg: cfg.clone(),
            counters: Arc::clone(&counters),
        });
        let mut bound = Vec::new();
        let mut accept_loops = Vec::new();
        let slots = Arc::new(Semaphore::new(cfg.limits.max_connections));
        for (listener, scenario, carrier) in listeners {
            bound.push(Bound {
                scenario,
                carrier: SocketAddr::V4(carrier),
            });
            let rx = tx.subscribe();
            let ctx = Arc::clone(&ctx);
            let counters = Arc::clone(&counters);
            let plan = Arc::clone(&cfg.plan);
            let policy = Arc::clone(&cfg.policy);
            let refusal = move |peer| {
                let (remote, _) = peer_scenario(&plan, peer);
                policy.too_many_connections(&remote).to_wire().into_bytes()
            };
            let serve =
                move |sock, peer, rx| serve_smtp(sock, peer, scenario, Arc::clone(&ctx), rx);
            accept_loops.push(tokio::spawn(accept_loop(
                listener,
                counters,
                Arc::clone(&slots),
                rx,
                refusal,
                serve,
            )));
        }
        tracing::info!(server = %name, bindings = bound.len(), "smtp server started");
        Ok(SmtpServer {
            name,
            bound,
            shutdown: tx,
            accept_loops,
            log: cfg.log,
            counters,
        })
    }

    /// The listening sockets.
    pub fn bound(&self) -> &[Bound] {
        &self.bound
    }

    /// The carrier of the listener for a scenario port (the first one bound on it).
    pub fn carrier_for_port(&self, port: u16) -> Option<SocketAddr> {
        self.bound
            .iter()
            .find(|b| b.scenario.port == port)
            .map(|b| b.carrier)
    }

    /// The counters so far.
    pub fn stats(&self) -> Stats {
        self.counters.snapshot()
    }

    /// Stops accepting, tells open sessions (421), waits up to [`SHUTDOWN_GRACE`], aborts
    /// what is left, and flushes the protocol log.
    pub async fn shutdown(self) -> Result<Stats, ServerError> {
        let _ = self.shutdown.send(true);
        for h in self.accept_loops {
            // An accept loop that panicked has nothing left to wait for.
            let _ = h.await;
        }
        self.log.flush()?;
        tracing::info!(server = %self.name, "smtp server stopped");
        Ok(self.counters.snapshot())
    }
}

/// Accepts until shutdown. `slots` (shared by a server's listeners) caps the sessions open
/// at once; a connection beyond it gets `refusal(peer)` and is closed at once, so a flood
/// of idle connections costs one descriptor per slot, not one per attacker.
pub(crate) async fn accept_loop<F, Fut, R>(
    listener: TcpListener,
    counters: Arc<Counters>,
    slots: Arc<Semaphore>,
    mut rx: watch::Receiver<bool>,
    refusal: R,
    serve: F,
) where
    F: Fn(TcpStream, SocketAddr, watch::Receiver<bool>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
    R: Fn(SocketAddr) -> Vec<u8>,
{
    let mut conns = JoinSet::new();
    loop {
        if *rx.borrow() {
            break;
        }
        tokio::select! {
            r = rx.changed() => if r.is_err() || *rx.borrow() { break },
            r = listener.accept() => match r {
                Ok((sock, peer)) => {
                    counters.connections.fetch_add(1, Ordering::Relaxed);
                    match Arc::clone(&slots).try_acquire_owned() {
                        Ok(slot) => {
                            let session = serve(sock, peer, rx.clone());
                            conns.spawn(async move {
                                session.await;
                                drop(slot);
                            });
                        }
                        Err(_) => {
                            counters.refused.fetch_add(1, Ordering::Relaxed);
                            // A fresh socket's send buffer is empty: the short reply fits
                            // without waiting, so a flood never stalls this loop.
                            let _ = sock.try_write(&refusal(peer));
                            drop(sock);
                        }
                    }
                }
                Err(e) => {
                    // EMFILE and friends: the loop must outlive them. Back off instead of
                    // spinning; descriptors come back as sessions end.
                    counters.accept_errors.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    drop(listener);
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while conns.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        counters
            .aborted
            .fetch_add(conns.len() as u64, Ordering::Relaxed);
        conns.abort_all();
        while conns.join_next().await.is_some() {}
    }
}

/// The scenario address of a peer as a mail server sees it: its carrier mapped back, or the
/// carrier itself when a person connects from an address that is not on the plan
/// (127.0.0.1 by hand). Route domains are BIG-IP's own; a mail server sees the bare IP, so
/// `10.1.1.5%2` arrives as `10.1.1.5`.
pub fn peer_scenario(plan: &Plan, peer: SocketAddr) -> (Addr, bool) {
    match plan.scenario_of_ip(peer.ip()) {
        Some(a) => (Addr::new(a.ip), true),
        None => (Addr::new(peer.ip()), false),
    }
}

/// `addr:port` with brackets for IPv6, as the protocol log shows endpoints.
pub fn endpoint_text(addr: &Addr, port: u16) -> String {
    match addr.ip {
        IpAddr::V6(_) => format!("[{addr}]:{port}"),
        IpAddr::V4(_) => format!("{addr}:{port}"),
    }
}

async fn serve_smtp(
    mut sock: TcpStream,
    peer: SocketAddr,
    local: Endpoint,
    ctx: Arc<Ctx>,
    mut rx: watch::Receiver<bool>,
) {
    let (remote, on_plan) = peer_scenario(&ctx.cfg.plan, peer);
    let policy = &ctx.cfg.policy;
    let mut logger = SessionLogger::new(
        ctx.cfg.log.clone(),
        policy.connector_id(&local, &remote),
        endpoint_text(&local.addr, local.port),
        endpoint_text(&remote, peer.port()),
    );
    let scfg = SessionConfig {
        policy: Arc::clone(policy),
        users: Arc::clone(&ctx.cfg.users),
        local,
        remote,
        tls_available: ctx.cfg.tls.is_some(),
        implicit_tls: false,
    };
    let mut session = SmtpSession::new(scfg, Instant::now());
    session.set_idle_timeout(ctx.cfg.limits.idle_timeout);
    if !on_plan {
        let _ = logger.write(
            crate::smtp::LogLine {
                event: crate::smtp::LogEvent::Info,
                data: String::new(),
                context: format!(
                    "peer {peer} is not on the address plan; the policy sees it as is"
                ),
            },
            SystemTime::now(),
        );
    }
    let outcome = drive_smtp(&mut sock, &mut session, &ctx, &mut logger, &mut rx).await;
    if outcome != Outcome::StartTls {
        let _ = sock.shutdown().await;
        return;
    }
    let Some(tls) = ctx.cfg.tls.clone() else {
        return;
    };
    let acceptor = TlsAcceptor::from(tls);
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(sock)).await {
        Ok(Ok(mut stream)) => {
            let detail = {
                let (_, conn) = stream.get_ref();
                format!(
                    "{:?} {:?}",
                    conn.protocol_version(),
                    conn.negotiated_cipher_suite().map(|c| c.suite())
                )
            };
            session.tls_established(Instant::now(), &detail);
            let _ = drive_smtp(&mut stream, &mut session, &ctx, &mut logger, &mut rx).await;
            let _ = stream.shutdown().await;
        }
        Ok(Err(e)) => {
            session.connection_lost(&format!("TLS handshake failed: {e}"));
            pump(&mut session, &ctx, &mut logger);
        }
        Err(_) => {
            session.connection_lost("TLS handshake timed out");
            pump(&mut session, &ctx, &mut logger);
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Closed,
    StartTls,
}

struct Pumped {
    bytes: Vec<u8>,
    start_tls: bool,
    closed: bool,
}

/// Drains the session's outputs: stores deliveries (before their 250 is released), writes
/// log lines, collects reply bytes.
fn pump(session: &mut SmtpSession, ctx: &Ctx, logger: &mut SessionLogger) -> Pumped {
    let mut p = Pumped {
        bytes: Vec::new(),
        start_tls: false,
        closed: false,
    };
    loop {
        if let Some(ev) = session.poll_event() {
            match ev {
                Event::Deliver(d) => {
                    let res = ctx.cfg.store.deliver(d).map_err(|e| e.to_string());
                    if res.is_ok() {
                        ctx.counters.messages.fetch_add(1, Ordering::Relaxed);
                    }
                    session.message_stored(res);
                }
                Event::Queued { id, relayed, local } => {
                    tracing::debug!(id, relayed, local, "message queued")
                }
                Event::StartTls => p.start_tls = true,
                Event::Closed => p.closed = true,
            }
            continue;
        }
        if let Some(r) = session.poll_reply() {
            p.bytes.extend_from_slice(r.to_wire().as_bytes());
            continue;
        }
        if let Some(line) = session.poll_log() {
            if let Err(e) = logger.write(line, SystemTime::now()) {
                tracing::warn!(error = %e, "protocol log write failed");
            }
            continue;
        }
        return p;
    }
}

async fn drive_smtp<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    session: &mut SmtpSession,
    ctx: &Ctx,
    logger: &mut SessionLogger,
    rx: &mut watch::Receiver<bool>,
) -> Outcome {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let p = pump(session, ctx, logger);
        if !p.bytes.is_empty() {
            let written = async {
                stream.write_all(&p.bytes).await?;
                stream.flush().await
            }
            .await;
            if let Err(e) = written {
                session.connection_lost(&format!("write failed: {e}"));
                pump(session, ctx, logger);
                return Outcome::Closed;
            }
        }
        if p.closed {
            return Outcome::Closed;
        }
        if p.start_tls {
            return Outcome::StartTls;
        }
        let deadline = session
            .poll_timeout()
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(1));
        let stopping = *rx.borrow();
        if stopping {
            session.shutdown();
            continue;
        }
        tokio::select! {
            r = stream.read(&mut buf) => match r {
                Ok(0) => session.connection_lost("remote closed the connection"),
                Ok(n) => {
                    session.handle_input(&buf[..n], Instant::now());
                    let held = u64::try_from(session.buffered()).unwrap_or(u64::MAX);
                    ctx.counters.peak_buffered.fetch_max(held, Ordering::Relaxed);
                }
                Err(e) => session.connection_lost(&format!("read failed: {e}")),
            },
            _ = tokio::time::sleep_until(deadline.into()) => session.handle_timeout(Instant::now()),
            r = rx.changed() => {
                // A dropped sender means the server is gone: stop too.
                if r.is_err() || *rx.borrow() {
                    session.shutdown();
                }
            }
        }
    }
}
