//! Health monitors: BIG-IP's smtp and tcp monitors, time-scaled, from a self IP's carrier.

use std::net::{IpAddr, SocketAddr, SocketAddrV4};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bigip::snat::{AutomapModel, automap_candidates};
use bigip::{Config, Endpoint, Monitor};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpSocket;
use tokio::sync::watch;

use crate::select::Selector;

/// One member's monitoring: where to connect from and to, and how.
#[derive(Debug, Clone)]
pub(crate) struct Check {
    pub member: Endpoint,
    pub target: SocketAddrV4,
    pub source: Option<IpAddr>,
    pub monitors: Vec<Monitor>,
    /// `min N of`: how many monitors must pass (None: all).
    pub min: Option<u32>,
}

/// The checks for every member of every pool that has a monitor.
pub(crate) fn checks(config: &Config, plan: &wire::Plan) -> Vec<Check> {
    let mut out: Vec<Check> = Vec::new();
    for pool in config.pools.values() {
        for m in &pool.members {
            let names = if m.monitors.is_empty() {
                &pool.monitors
            } else {
                &m.monitors
            };
            let monitors: Vec<Monitor> = names.iter().filter_map(|n| monitor(config, n)).collect();
            if monitors.is_empty() || out.iter().any(|c| c.member == m.endpoint) {
                continue;
            }
            let Some(target) = plan.service_carrier(&m.endpoint.addr, m.endpoint.port) else {
                continue;
            };
            let source = automap_candidates(config, &m.endpoint.addr, AutomapModel::PreferredTier)
                .first()
                .and_then(|(s, _)| plan.carrier(&s.address))
                .map(IpAddr::V4);
            out.push(Check {
                member: m.endpoint,
                target,
                source,
                monitors,
                min: pool.monitor_min,
            });
        }
    }
    out
}

/// A configured monitor, or BIG-IP's built-in one of that name with its defaults.
fn monitor(config: &Config, name: &str) -> Option<Monitor> {
    config
        .monitors
        .get(name)
        .cloned()
        .or_else(|| Monitor::builtin(name))
}

/// One probe of one monitor.
async fn probe(m: &Monitor, target: SocketAddrV4, source: Option<IpAddr>, limit: Duration) -> bool {
    let attempt = async {
        let socket = TcpSocket::new_v4().ok()?;
        if let Some(src) = source {
            socket.bind(SocketAddr::new(src, 0)).ok()?;
        }
        let stream = socket.connect(SocketAddr::V4(target)).await.ok()?;
        if m.kind != "smtp" {
            return Some(());
        }
        let (r, mut w) = stream.into_split();
        let mut lines = BufReader::new(r).lines();
        let banner = read_reply(&mut lines).await?;
        if !banner.starts_with("220") {
            return None;
        }
        let domain = m.domain.as_deref().unwrap_or("relaylab.invalid");
        w.write_all(format!("HELO {domain}\r\n").as_bytes())
            .await
            .ok()?;
        let helo = read_reply(&mut lines).await?;
        let _ = w.write_all(b"QUIT\r\n").await;
        helo.starts_with("250").then_some(())
    };
    matches!(tokio::time::timeout(limit, attempt).await, Ok(Some(())))
}

/// The last line of a (possibly multi-line) SMTP reply.
async fn read_reply<R: tokio::io::AsyncBufRead + Unpin>(
    lines: &mut tokio::io::Lines<R>,
) -> Option<String> {
    loop {
        let line = lines.next_line().await.ok()??;
        if line.as_bytes().get(3) != Some(&b'-') {
            return Some(line);
        }
    }
}

fn scaled(secs: u32, scale: f64) -> Duration {
    Duration::from_secs_f64((f64::from(secs) * scale).max(0.005))
}

/// Runs every monitor of a member once; true when enough pass.
async fn check_once(c: &Check, scale: f64) -> bool {
    let mut passed = 0u32;
    for m in &c.monitors {
        let limit = scaled(m.interval.max(1), scale).min(scaled(m.timeout.max(1), scale));
        if probe(m, c.target, c.source, limit).await {
            passed += 1;
        }
    }
    match c.min {
        Some(min) => passed >= min,
        None => passed as usize == c.monitors.len(),
    }
}

/// Checks every member once, marking each up or down; run before accepting so the first
/// connection already sees the real state.
pub(crate) async fn first_round(checks: &[Check], selector: &Selector, scale: f64) {
    for c in checks {
        let up = check_once(c, scale).await;
        selector.set_health(c.member, up);
    }
}

/// Monitors one member until shutdown: a check every `interval`, down once `timeout`
/// passes without a success.
pub(crate) async fn run(
    c: Check,
    selector: Arc<Selector>,
    scale: f64,
    mut stop: watch::Receiver<bool>,
) {
    let interval = c
        .monitors
        .iter()
        .map(|m| scaled(m.interval.max(1), scale))
        .min()
        .unwrap_or(Duration::from_secs(5));
    let timeout = c
        .monitors
        .iter()
        .map(|m| scaled(m.timeout.max(1), scale))
        .max()
        .unwrap_or(Duration::from_secs(16));
    let mut last_ok = if selector.is_up(&c.member) {
        Some(Instant::now())
    } else {
        None
    };
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            _ = tokio::time::sleep(interval) => {}
        }
        let ok = check_once(&c, scale).await;
        let now = Instant::now();
        if ok {
            last_ok = Some(now);
        }
        let up = ok || last_ok.is_some_and(|t| now.duration_since(t) < timeout);
        if up != selector.is_up(&c.member) {
            tracing::info!(member = %c.member, up, "monitor changed member state");
        }
        selector.set_health(c.member, up);
    }
}
