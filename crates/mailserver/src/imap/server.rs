//! The tokio shell for IMAP: port 143 (STARTTLS) and 993 (implicit TLS) on carriers.

use std::net::{SocketAddr, SocketAddrV4};
use std::sync::Arc;
use std::time::{Duration, Instant};

use addrspace::Addr;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use wire::Plan;

use super::session::{ImapConfig, ImapEvent, ImapSession};
use crate::server::{Bound, Counters, HANDSHAKE_TIMEOUT, Limits, ServerError, Stats, accept_loop};
use crate::store::Store;
use crate::users::Users;

/// The scenario port for IMAP with STARTTLS.
pub const IMAP_PORT: u16 = 143;
/// The scenario port for IMAP over implicit TLS.
pub const IMAPS_PORT: u16 = 993;

/// What an IMAP server needs.
#[derive(Debug, Clone)]
pub struct ImapServerConfig {
    /// A name for logs.
    pub name: String,
    /// The scenario address it serves on (a pool member, or a VIP's member).
    pub addr: Addr,
    /// The address plan (ports 143 and, with TLS, 993 of `addr` must be on it).
    pub plan: Arc<Plan>,
    /// The store it reads.
    pub store: Store,
    /// Accounts.
    pub users: Arc<Users>,
    /// The TLS configuration: STARTTLS on 143 and a listener on 993 only with it.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// LOGINDISABLED until TLS.
    pub login_requires_tls: bool,
    /// Connection limit ([`Limits::max_connections`]; IMAP keeps its own RFC 3501 idle
    /// timer of 30 minutes, [`super::session::IMAP_IDLE_TIMEOUT`]).
    pub limits: Limits,
}

/// The greeting for a connection beyond the limit (RFC 5530's UNAVAILABLE, as Dovecot's
/// process limit answers).
const TOO_MANY: &[u8] = b"* BYE [UNAVAILABLE] Too many connections, try again later\r\n";

/// Puts the IMAP services of `addr` on the plan (143, and 993 when `tls`).
pub fn add_imap_to_plan(plan: &mut Plan, addr: Addr, tls: bool) -> Result<(), wire::PlanError> {
    plan.add_service(addr, IMAP_PORT, "imap")?;
    if tls {
        plan.add_service(addr, IMAPS_PORT, "imaps")?;
    }
    Ok(())
}

/// A running IMAP server.
#[derive(Debug)]
pub struct ImapServer {
    name: String,
    bound: Vec<Bound>,
    shutdown: watch::Sender<bool>,
    accept_loops: Vec<JoinHandle<()>>,
    counters: Arc<Counters>,
}

impl ImapServer {
    /// Binds 143 (and 993 with TLS) on the carrier of `addr` and starts accepting.
    pub async fn start(cfg: ImapServerConfig) -> Result<ImapServer, ServerError> {
        let mut ports = vec![(IMAP_PORT, false)];
        if cfg.tls.is_some() {
            ports.push((IMAPS_PORT, true));
        }
        let mut listeners = Vec::new();
        for (port, implicit) in ports {
            let carrier: SocketAddrV4 =
                cfg.plan
                    .service_carrier(&cfg.addr, port)
                    .ok_or(ServerError::NotOnPlan {
                        server: cfg.name.clone(),
                        scenario: cfg.addr,
                        port,
                    })?;
            let l = TcpListener::bind(carrier)
                .await
                .map_err(|source| ServerError::Bind {
                    server: cfg.name.clone(),
                    carrier,
                    scenario: cfg.addr,
                    port,
                    source,
                })?;
            listeners.push((l, port, carrier, implicit));
        }
        let (tx, _) = watch::channel(false);
        let counters = Arc::new(Counters::default());
        let cfg = Arc::new(cfg);
        let mut bound = Vec::new();
        let mut accept_loops = Vec::new();
        let slots = Arc::new(tokio::sync::Semaphore::new(cfg.limits.max_connections));
        for (l, port, carrier, implicit) in listeners {
            bound.push(Bound {
                scenario: relaypolicy::Endpoint::new(cfg.addr, port),
                carrier: SocketAddr::V4(carrier),
            });
            let cfg = Arc::clone(&cfg);
            let serve = move |sock, _peer, rx| serve_imap(sock, Arc::clone(&cfg), implicit, rx);
            // On 993 the refusal would have to be inside TLS: those are just closed.
            let refusal = move |_| {
                if implicit {
                    Vec::new()
                } else {
                    TOO_MANY.to_vec()
                }
            };
            accept_loops.push(tokio::spawn(accept_loop(
                l,
                Arc::clone(&counters),
                Arc::clone(&slots),
                tx.subscribe(),
                refusal,
                serve,
            )));
        }
        tracing::info!(server = %cfg.name, "imap server started");
        Ok(ImapServer {
            name: cfg.name.clone(),
            bound,
            shutdown: tx,
            accept_loops,
            counters,
        })
    }

    /// The listening sockets.
    pub fn bound(&self) -> &[Bound] {
        &self.bound
    }

    /// The carrier of the listener for a scenario port (143 or 993).
    pub fn carrier_for_port(&self, port: u16) -> Option<SocketAddr> {
        self.bound
            .iter()
            .find(|b| b.scenario.port == port)
            .map(|b| b.carrier)
    }

    /// Stops accepting, says BYE to open sessions, waits, aborts the rest.
    pub async fn shutdown(self) -> Result<Stats, ServerError> {
        let _ = self.shutdown.send(true);
        for h in self.accept_loops {
            let _ = h.await;
        }
        tracing::info!(server = %self.name, "imap server stopped");
        Ok(self.counters.snapshot())
    }
}

async fn serve_imap(
    sock: TcpStream,
    cfg: Arc<ImapServerConfig>,
    implicit: bool,
    mut rx: watch::Receiver<bool>,
) {
    let scfg = ImapConfig {
        store: cfg.store.clone(),
        users: Arc::clone(&cfg.users),
        tls_available: cfg.tls.is_some() && !implicit,
        implicit_tls: implicit,
        login_requires_tls: cfg.login_requires_tls,
    };
    let acceptor = cfg.tls.clone().map(TlsAcceptor::from);
    if implicit {
        let Some(acceptor) = acceptor else {
            return;
        };
        if let Ok(Ok(mut tls)) =
            tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(sock)).await
        {
            let mut session = ImapSession::new(scfg, Instant::now());
            drive(&mut tls, &mut session, &mut rx).await;
            let _ = tls.shutdown().await;
        }
        return;
    }
    let mut sock = sock;
    let mut session = ImapSession::new(scfg, Instant::now());
    if !drive(&mut sock, &mut session, &mut rx).await {
        let _ = sock.shutdown().await;
        return;
    }
    let Some(acceptor) = acceptor else {
        return;
    };
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(sock)).await {
        Ok(Ok(mut tls)) => {
            session.tls_established(Instant::now());
            drive(&mut tls, &mut session, &mut rx).await;
            let _ = tls.shutdown().await;
        }
        _ => session.connection_lost(),
    }
}

/// Runs the session until it closes (false) or asks for STARTTLS (true).
async fn drive<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    session: &mut ImapSession,
    rx: &mut watch::Receiver<bool>,
) -> bool {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let mut out = Vec::new();
        while let Some(b) = session.poll_output() {
            out.extend_from_slice(&b);
        }
        let (mut start_tls, mut closed) = (false, false);
        while let Some(ev) = session.poll_event() {
            match ev {
                ImapEvent::StartTls => start_tls = true,
                ImapEvent::Closed => closed = true,
            }
        }
        if !out.is_empty() {
            let written = async {
                stream.write_all(&out).await?;
                stream.flush().await
            }
            .await;
            if written.is_err() {
                session.connection_lost();
                return false;
            }
        }
        if closed {
            return false;
        }
        if start_tls {
            return true;
        }
        if *rx.borrow() {
            session.shutdown();
            continue;
        }
        let deadline = session
            .poll_timeout()
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(1));
        tokio::select! {
            r = stream.read(&mut buf) => match r {
                Ok(0) | Err(_) => session.connection_lost(),
                Ok(n) => session.handle_input(&buf[..n], Instant::now()),
            },
            _ = tokio::time::sleep_until(deadline.into()) => session.handle_timeout(Instant::now()),
            r = rx.changed() => if r.is_err() || *rx.borrow() { session.shutdown() },
        }
    }
}
