//! What the balancer counts: connections, bytes, resets, per member and per SNAT address.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// Live counters, shared by every connection task.
#[derive(Debug, Default)]
pub struct Counters {
    connections: AtomicU64,
    resets: AtomicU64,
    dropped: AtomicU64,
    closed_by_rule: AtomicU64,
    snat_exhausted: AtomicU64,
    connect_failures: AtomicU64,
    refused: AtomicU64,
    idle_timeouts: AtomicU64,
    rule_timeouts: AtomicU64,
    bytes_from_clients: AtomicU64,
    bytes_from_servers: AtomicU64,
    members: Mutex<BTreeMap<String, MemberStats>>,
    snat: Mutex<BTreeMap<String, u64>>,
}

/// Per pool member.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MemberStats {
    /// Connections sent to it.
    pub connections: u64,
    /// Connections open now.
    pub active: u64,
    /// Bytes client -> server.
    pub bytes_in: u64,
    /// Bytes server -> client.
    pub bytes_out: u64,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    /// Client connections accepted.
    pub connections: u64,
    /// Clients reset (reject, iRule error, no member, no SNAT port, connect failure).
    pub resets: u64,
    /// Clients held silently (`drop`/`discard`).
    pub dropped: u64,
    /// Clients the iRule answered itself and closed (`TCP::respond` + `TCP::close`).
    pub closed_by_rule: u64,
    /// Connections refused because the SNAT address had no free port.
    pub snat_exhausted: u64,
    /// Server-side connects that failed.
    pub connect_failures: u64,
    /// Clients reset because their listener had its connection limit open.
    pub refused: u64,
    /// Connections reset after the idle timeout.
    pub idle_timeouts: u64,
    /// Clients reset because their iRule decision ran over the wall-clock budget.
    pub rule_timeouts: u64,
    /// Bytes client -> server, all connections.
    pub bytes_from_clients: u64,
    /// Bytes server -> client.
    pub bytes_from_servers: u64,
    /// Per pool member (`10.0.1.11:25`).
    pub members: BTreeMap<String, MemberStats>,
    /// Connections per SNAT (source) address as the server sees it.
    pub snat: BTreeMap<String, u64>,
}

impl Counters {
    pub(crate) fn accepted(&self) {
        self.connections.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn reset(&self) {
        self.resets.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn dropped(&self) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn closed_by_rule(&self) {
        self.closed_by_rule.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn exhausted(&self) {
        self.snat_exhausted.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn connect_failed(&self) {
        self.connect_failures.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn refused(&self) {
        self.refused.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn idle_timeout(&self) {
        self.idle_timeouts.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn rule_timeout(&self) {
        self.rule_timeouts.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn opened(&self, member: &str, snat: &str) {
        if let Ok(mut m) = self.members.lock() {
            let e = m.entry(member.to_string()).or_default();
            e.connections += 1;
            e.active += 1;
        }
        if let Ok(mut s) = self.snat.lock() {
            *s.entry(snat.to_string()).or_default() += 1;
        }
    }

    pub(crate) fn closed(&self, member: &str, bytes_in: u64, bytes_out: u64) {
        self.bytes_from_clients
            .fetch_add(bytes_in, Ordering::Relaxed);
        self.bytes_from_servers
            .fetch_add(bytes_out, Ordering::Relaxed);
        if let Ok(mut m) = self.members.lock() {
            let e = m.entry(member.to_string()).or_default();
            e.active = e.active.saturating_sub(1);
            e.bytes_in += bytes_in;
            e.bytes_out += bytes_out;
        }
    }

    /// Connections open now to a member.
    pub(crate) fn active(&self, member: &str) -> u64 {
        self.members
            .lock()
            .map(|m| m.get(member).map_or(0, |e| e.active))
            .unwrap_or(0)
    }

    /// A copy of every counter.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            connections: self.connections.load(Ordering::Relaxed),
            resets: self.resets.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            closed_by_rule: self.closed_by_rule.load(Ordering::Relaxed),
            snat_exhausted: self.snat_exhausted.load(Ordering::Relaxed),
            connect_failures: self.connect_failures.load(Ordering::Relaxed),
            refused: self.refused.load(Ordering::Relaxed),
            idle_timeouts: self.idle_timeouts.load(Ordering::Relaxed),
            rule_timeouts: self.rule_timeouts.load(Ordering::Relaxed),
            bytes_from_clients: self.bytes_from_clients.load(Ordering::Relaxed),
            bytes_from_servers: self.bytes_from_servers.load(Ordering::Relaxed),
            members: self.members.lock().map(|m| m.clone()).unwrap_or_default(),
            snat: self.snat.lock().map(|s| s.clone()).unwrap_or_default(),
        }
    }
}
