//! Source ports per SNAT address: a BIG-IP translates each connection to (SNAT address,
//! port), and a small range runs out; when it does the client is reset and it is counted.

use std::collections::{HashMap, HashSet};
use std::net::Ipv4Addr;
use std::ops::RangeInclusive;
use std::sync::{Arc, Mutex};

/// Hands out source ports per SNAT carrier address, round-robin through the range so a
/// port just released (possibly in TIME_WAIT) is the last to be reused.
#[derive(Debug)]
pub(crate) struct PortAllocator {
    range: RangeInclusive<u16>,
    state: Mutex<HashMap<Ipv4Addr, AddrPorts>>,
}

#[derive(Debug, Default)]
struct AddrPorts {
    in_use: HashSet<u16>,
    cursor: u32,
}

/// A port held for one server-side connection; released on drop.
#[derive(Debug)]
pub(crate) struct Lease {
    pool: Arc<PortAllocator>,
    addr: Ipv4Addr,
    /// The port.
    pub port: u16,
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Ok(mut s) = self.pool.state.lock()
            && let Some(p) = s.get_mut(&self.addr)
        {
            p.in_use.remove(&self.port);
        }
    }
}

impl PortAllocator {
    pub(crate) fn new(range: RangeInclusive<u16>) -> Arc<PortAllocator> {
        Arc::new(PortAllocator {
            range,
            state: Mutex::new(HashMap::new()),
        })
    }

    /// The next free port for `addr`, skipping `tried` (ports the OS refused just now).
    pub(crate) fn lease(self: &Arc<Self>, addr: Ipv4Addr, tried: &[u16]) -> Option<Lease> {
        let (lo, hi) = (u32::from(*self.range.start()), u32::from(*self.range.end()));
        if hi < lo {
            return None;
        }
        let size = hi - lo + 1;
        let mut state = self.state.lock().ok()?;
        let p = state.entry(addr).or_default();
        for i in 0..size {
            let port = (lo + (p.cursor + i) % size) as u16;
            if !p.in_use.contains(&port) && !tried.contains(&port) {
                p.in_use.insert(port);
                p.cursor = (p.cursor + i + 1) % size;
                return Some(Lease {
                    pool: self.clone(),
                    addr,
                    port,
                });
            }
        }
        None
    }

    /// Ports in use for an address.
    #[cfg(test)]
    pub(crate) fn in_use(&self, addr: Ipv4Addr) -> usize {
        self.state
            .lock()
            .map(|s| s.get(&addr).map_or(0, |p| p.in_use.len()))
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exhausts_and_recovers() {
        let a = PortAllocator::new(40000..=40001);
        let ip = Ipv4Addr::new(127, 10, 0, 9);
        let l1 = a.lease(ip, &[]).unwrap();
        let l2 = a.lease(ip, &[]).unwrap();
        assert_ne!(l1.port, l2.port);
        assert!(a.lease(ip, &[]).is_none());
        // Another address has its own ports.
        assert!(a.lease(Ipv4Addr::new(127, 10, 0, 10), &[]).is_some());
        drop(l1);
        assert_eq!(a.in_use(ip), 1);
        let l3 = a.lease(ip, &[]).unwrap();
        assert_eq!(l3.port, 40000);
        assert!(a.lease(ip, &[40000]).is_none());
    }
}
