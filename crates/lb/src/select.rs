//! The runtime's choice among the paths the decision code allows: health, persistence,
//! load-balancing mode, and which SNAT address of a member's candidates.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use addrspace::Addr;
use bigip::decide::{Path, SnatHow};
use bigip::{Config, Endpoint, Virtual};
use irule::{Decision, Evaluation, Persist};

use crate::counters::Counters;

/// Source-address persistence in force for one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Persistence {
    /// Prefix length applied to the client address (32/128 for `mask none`).
    pub prefix: u8,
    /// How long an idle record lives.
    pub timeout: Duration,
}

/// The persistence a connection gets: an iRule `persist` decision, else the virtual's
/// default profile when it is source-address persistence.
pub(crate) fn persistence(
    config: &Config,
    v: &Virtual,
    ev: Option<&Evaluation>,
    scale: f64,
) -> Option<Persistence> {
    let from_rule = ev.and_then(|e| {
        e.decisions.iter().rev().find_map(|r| match &r.decision {
            Decision::Persist(p) => Some(p.clone()),
            _ => None,
        })
    });
    let (mask, timeout) = match from_rule {
        Some(Persist::None) => return None,
        Some(Persist::SourceAddr { mask, timeout }) => (mask, timeout.unwrap_or(180)),
        Some(Persist::DestAddr { .. } | Persist::Other { .. }) => return None,
        None => {
            let name = v.persist.first()?;
            match config.persistence.get(name) {
                Some(p) if p.kind == "source-addr" => (p.mask.clone(), p.timeout),
                Some(_) => return None,
                None if name == "/Common/source_addr" => (None, 180),
                None => return None,
            }
        }
    };
    let prefix = match mask.as_deref() {
        None | Some("none") => 128,
        Some(m) => mask_prefix(m).unwrap_or(128),
    };
    let secs = if timeout == u32::MAX {
        86_400.0 * 365.0
    } else {
        f64::from(timeout)
    };
    Some(Persistence {
        prefix,
        timeout: Duration::from_secs_f64((secs * scale).max(0.001)),
    })
}

fn mask_prefix(m: &str) -> Option<u8> {
    let ip: std::net::IpAddr = m.parse().ok()?;
    Some(match ip {
        std::net::IpAddr::V4(v4) => u32::from(v4).count_ones() as u8,
        std::net::IpAddr::V6(v6) => u128::from(v6).count_ones() as u8,
    })
}

/// A client's persistence record key: its domain and masked address number.
type PersistKey = (addrspace::Domain, u128);

/// The persistence key: the client's domain and address masked to the profile's prefix.
/// Runs for every connection, so plain numbers rather than a set.
fn persist_key(client: &Addr, prefix: u8) -> PersistKey {
    let width: u32 = if client.ip.is_ipv4() { 32 } else { 128 };
    let host_bits = width - u32::from(prefix).min(width);
    let mask = if host_bits >= 128 {
        0
    } else {
        u128::MAX << host_bits
    };
    (client.domain(), client.number() & mask)
}

#[derive(Debug, Default)]
pub(crate) struct Selector {
    /// Live-run hook: client -> (member, SNAT address) it must take.
    pins: Mutex<HashMap<Addr, (Endpoint, Addr)>>,
    health: Mutex<HashMap<Endpoint, bool>>,
    rr: Mutex<HashMap<String, usize>>,
    snat_rr: Mutex<HashMap<Endpoint, usize>>,
    persist: Mutex<HashMap<(String, PersistKey), (Endpoint, Instant)>>,
}

impl Selector {
    pub(crate) fn pin(&self, client: Addr, member: Endpoint, seen: Addr) {
        if let Ok(mut p) = self.pins.lock() {
            p.insert(client, (member, seen));
        }
    }

    pub(crate) fn unpin(&self, client: &Addr) {
        if let Ok(mut p) = self.pins.lock() {
            p.remove(client);
        }
    }

    pub(crate) fn set_health(&self, member: Endpoint, up: bool) {
        if let Ok(mut h) = self.health.lock() {
            h.insert(member, up);
        }
    }

    /// Whether a member is up (members without a monitor are always up).
    pub(crate) fn is_up(&self, member: &Endpoint) -> bool {
        self.health
            .lock()
            .map(|h| h.get(member).copied().unwrap_or(true))
            .unwrap_or(true)
    }

    /// Picks one path: a persisted member if it is still a candidate and up, else the
    /// pool's load-balancing mode over the members that are up; then a SNAT address of
    /// that member. None when no candidate member is up.
    pub(crate) fn choose<'p>(
        &self,
        config: &Config,
        virtual_name: &str,
        client: &Addr,
        paths: &'p [Path],
        persistence: Option<&Persistence>,
        counters: &Counters,
    ) -> Option<&'p Path> {
        let now = Instant::now();
        let mut members: Vec<&Path> = Vec::new();
        for p in paths {
            if !members.iter().any(|m| m.member == p.member) && self.is_up(&p.member) {
                members.push(p);
            }
        }
        let first = *members.first()?;
        let pinned = self.pins.lock().ok().and_then(|p| p.get(client).copied());
        if let Some((member, seen)) = pinned {
            // Balancing elsewhere would let a live observation pass for a path it never took.
            let p = paths
                .iter()
                .find(|p| p.member == member && p.seen == seen && self.is_up(&p.member));
            if p.is_none() {
                tracing::warn!(%client, %member, %seen, "pinned path not available: reset");
            }
            return p;
        }
        let key = persistence.map(|p| (virtual_name.to_string(), persist_key(client, p.prefix)));
        let persisted = key.as_ref().and_then(|k| {
            let table = self.persist.lock().ok()?;
            let (ep, at) = table.get(k)?;
            let timeout = persistence.map_or(Duration::ZERO, |p| p.timeout);
            (now.duration_since(*at) <= timeout).then_some(*ep)
        });
        let chosen = match persisted.and_then(|ep| members.iter().find(|m| m.member == ep)) {
            Some(m) => *m,
            None => self.balance(config, first.pool.as_deref(), &members, counters),
        };
        if let (Some(k), Ok(mut table)) = (key, self.persist.lock()) {
            table.insert(k, (chosen.member, now));
        }
        Some(self.snat_of(chosen.member, paths))
    }

    fn balance<'p>(
        &self,
        config: &Config,
        pool: Option<&str>,
        members: &[&'p Path],
        counters: &Counters,
    ) -> &'p Path {
        let pool_cfg = pool.and_then(|p| config.pools.get(p));
        let mode = pool_cfg.map_or("round-robin", |p| p.load_balancing_mode.as_str());
        if mode.starts_with("least-connections") {
            let mut best = members[0];
            for m in members {
                if counters.active(&m.member.to_string())
                    < counters.active(&best.member.to_string())
                {
                    best = m;
                }
            }
            return best;
        }
        // Round-robin, weighted by member ratio in the ratio modes.
        let weight = |p: &Path| -> usize {
            if !mode.starts_with("ratio") {
                return 1;
            }
            pool_cfg
                .and_then(|c| c.members.iter().find(|m| m.endpoint.addr == p.member.addr))
                .map_or(1, |m| m.ratio.max(1) as usize)
        };
        let total: usize = members.iter().map(|m| weight(m)).sum();
        let key = pool.unwrap_or("(node)").to_string();
        let n = match self.rr.lock() {
            Ok(mut rr) => {
                let c = rr.entry(key).or_default();
                let n = *c;
                *c = c.wrapping_add(1);
                n
            }
            Err(_) => 0,
        };
        let mut slot = n % total.max(1);
        for m in members {
            let w = weight(m);
            if slot < w {
                return m;
            }
            slot -= w;
        }
        members[0]
    }

    /// A SNAT address for the member: automap's most preferred self IP, or the next
    /// snatpool address round-robin.
    fn snat_of<'p>(&self, member: Endpoint, paths: &'p [Path]) -> &'p Path {
        let mine: Vec<&Path> = paths.iter().filter(|p| p.member == member).collect();
        if mine.len() > 1
            && mine
                .iter()
                .all(|p| matches!(p.snat, SnatHow::Snatpool { .. }))
        {
            let n = match self.snat_rr.lock() {
                Ok(mut rr) => {
                    let c = rr.entry(member).or_default();
                    let n = *c;
                    *c = c.wrapping_add(1);
                    n
                }
                Err(_) => 0,
            };
            return mine[n % mine.len()];
        }
        mine[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bigip::decide::SnatSource;

    fn path(member: &str, seen: &str) -> Path {
        Path {
            pool: Some("/Common/p".into()),
            member_name: member.into(),
            member: Endpoint {
                addr: member.parse().expect("address"),
                port: 25,
            },
            seen: seen.parse().expect("address"),
            snat: SnatHow::Address,
            snat_source: SnatSource::Virtual,
        }
    }

    #[test]
    fn a_pinned_client_takes_its_path_or_none_never_another() {
        let config = Config::default();
        let counters = Counters::default();
        let paths = [
            path("10.0.1.11", "10.0.0.20"),
            path("10.0.1.12", "10.0.0.20"),
        ];
        let client: Addr = "192.0.2.7".parse().expect("address");
        let s = Selector::default();
        s.pin(client, paths[1].member, paths[1].seen);
        for _ in 0..3 {
            let got = s.choose(&config, "/Common/vs", &client, &paths, None, &counters);
            assert_eq!(got.map(|p| p.member), Some(paths[1].member));
        }
        // Its member down: reset, rather than balanced to the member that is up.
        s.set_health(paths[1].member, false);
        assert!(
            s.choose(&config, "/Common/vs", &client, &paths, None, &counters)
                .is_none()
        );
        // A SNAT address the paths do not have: likewise.
        s.set_health(paths[1].member, true);
        s.pin(
            client,
            paths[0].member,
            "10.0.1.5".parse().expect("address"),
        );
        assert!(
            s.choose(&config, "/Common/vs", &client, &paths, None, &counters)
                .is_none()
        );
        s.unpin(&client);
        assert!(
            s.choose(&config, "/Common/vs", &client, &paths, None, &counters)
                .is_some()
        );
    }
}
