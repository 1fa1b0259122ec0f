//! The client space the prover partitions: source addresses times source ports.

use addrspace::{Addr, AddrSet, PortSet};
use serde::Serialize;

/// A piece of the client space: every address of `addrs` connecting from every port of
/// `ports`. The prover decides one representative per region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// The source addresses.
    pub addrs: AddrSet,
    /// The source ports.
    pub ports: PortSet,
}

impl Region {
    /// Every port of the addresses.
    pub fn any_port(addrs: AddrSet) -> Region {
        Region {
            addrs,
            ports: PortSet::all(),
        }
    }

    /// The client the region is decided with.
    pub fn representative(&self) -> Option<Client> {
        Some(Client {
            addr: self.addrs.representative()?,
            port: self.ports.representative()?,
        })
    }
}

/// One client: a source address and port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Client {
    /// The source address.
    #[serde(serialize_with = "crate::prove::display")]
    pub addr: Addr,
    /// The source port.
    pub port: u16,
}

/// A set of clients: a union of regions, kept as one address set per port set. Almost
/// every configuration ignores the port, and then there is one part, for every port.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientSet {
    parts: Vec<(PortSet, AddrSet)>,
}

impl ClientSet {
    /// The union of regions.
    pub fn from_regions<'r>(regions: impl IntoIterator<Item = &'r Region>) -> ClientSet {
        let mut by_ports: std::collections::BTreeMap<PortSet, Vec<&AddrSet>> =
            std::collections::BTreeMap::new();
        for r in regions {
            by_ports.entry(r.ports.clone()).or_default().push(&r.addrs);
        }
        ClientSet {
            parts: by_ports
                .into_iter()
                .map(|(p, sets)| (p, AddrSet::from_sets(sets)))
                .filter(|(p, a)| !p.is_empty() && !a.is_empty())
                .collect(),
        }
    }

    /// Every port of the addresses.
    pub fn any_port(addrs: AddrSet) -> ClientSet {
        ClientSet::from_regions([&Region::any_port(addrs)])
    }

    /// The parts: a port set and the addresses that are in the set from those ports.
    pub fn parts(&self) -> &[(PortSet, AddrSet)] {
        &self.parts
    }

    /// Whether the client is in the set.
    pub fn contains(&self, client: Client) -> bool {
        self.parts
            .iter()
            .any(|(p, a)| p.contains(client.port) && a.contains(&client.addr))
    }

    /// Whether the address is in the set from some port.
    pub fn holds_address(&self, addr: &Addr) -> bool {
        self.parts.iter().any(|(_, a)| a.contains(addr))
    }

    /// Every address that is in the set from some port.
    pub fn addresses(&self) -> AddrSet {
        AddrSet::from_sets(self.parts.iter().map(|(_, a)| a))
    }

    /// Whether some address is in the set from some ports only.
    pub fn depends_on_port(&self) -> bool {
        self.parts.iter().any(|(p, _)| !p.is_all())
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// Clients in either set.
    pub fn union(&self, other: &ClientSet) -> ClientSet {
        let regions: Vec<Region> = self
            .parts
            .iter()
            .chain(other.parts.iter())
            .map(|(p, a)| Region {
                addrs: a.clone(),
                ports: p.clone(),
            })
            .collect();
        ClientSet::from_regions(&regions)
    }

    /// Clients in both sets.
    pub fn intersection(&self, other: &ClientSet) -> ClientSet {
        let mut regions = Vec::new();
        for (p, a) in &self.parts {
            for (q, b) in &other.parts {
                let ports = p.intersection(q);
                if ports.is_empty() {
                    continue;
                }
                let addrs = a.intersection(b);
                if !addrs.is_empty() {
                    regions.push(Region { addrs, ports });
                }
            }
        }
        ClientSet::from_regions(&regions)
    }

    /// Clients in this set and not in `other`.
    pub fn difference(&self, other: &ClientSet) -> ClientSet {
        let mut left: Vec<Region> = self
            .parts
            .iter()
            .map(|(p, a)| Region {
                addrs: a.clone(),
                ports: p.clone(),
            })
            .collect();
        for (q, b) in &other.parts {
            let mut next = Vec::new();
            for r in left {
                // The ports `q` shares lose `b`'s addresses; the others keep all of theirs.
                let shared = r.ports.intersection(q);
                if shared.is_empty() {
                    next.push(r);
                    continue;
                }
                let addrs = r.addrs.difference(b);
                if !addrs.is_empty() {
                    next.push(Region {
                        addrs,
                        ports: shared,
                    });
                }
                let rest = r.ports.difference(q);
                if !rest.is_empty() {
                    next.push(Region {
                        addrs: r.addrs,
                        ports: rest,
                    });
                }
            }
            left = next;
        }
        ClientSet::from_regions(&left)
    }

    /// A client of the set: the first part's representative.
    pub fn representative(&self) -> Option<Client> {
        self.parts.iter().find_map(|(p, a)| {
            Region {
                addrs: a.clone(),
                ports: p.clone(),
            }
            .representative()
        })
    }

    /// Clients worth trying live: the first and last address of each address range,
    /// from the part's representative port, and the first and last port of each port
    /// range, from the part's representative address; at most `n`, in order.
    pub fn edges(&self, n: usize) -> Vec<Client> {
        let mut out = Vec::new();
        for (ports, addrs) in &self.parts {
            let (Some(port), Some(rep)) = (ports.representative(), addrs.representative()) else {
                continue;
            };
            for d in addrs.domains() {
                for (lo, hi) in addrs.ranges(d) {
                    out.push(Client {
                        addr: d.addr(lo),
                        port,
                    });
                    out.push(Client {
                        addr: d.addr(hi),
                        port,
                    });
                }
            }
            if !ports.is_all() {
                out.extend(ports.edges().map(|port| Client { addr: rep, port }));
            }
        }
        let mut seen = std::collections::HashSet::new();
        out.retain(|c| seen.insert(*c));
        out.truncate(n);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Regions over 10.0.0.0/28 and ports 1-16: small enough to try every client.
    fn regions() -> impl Strategy<Value = Vec<Region>> {
        prop::collection::vec((0u32..16, 0u32..16, 1u16..=16, 1u16..=16), 0..5).prop_map(|v| {
            v.into_iter()
                .map(|(a, b, p, q)| {
                    let (lo, hi) = (a.min(b), a.max(b));
                    let base = 10u128 << 24;
                    Region {
                        addrs: AddrSet::range(
                            addrspace::Domain::V4,
                            base + u128::from(lo),
                            base + u128::from(hi),
                        ),
                        ports: PortSet::range(p.min(q), p.max(q)),
                    }
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn intersection_and_difference_hold_client_by_client(a in regions(), b in regions()) {
            let (x, y) = (ClientSet::from_regions(&a), ClientSet::from_regions(&b));
            let (both, only) = (x.intersection(&y), x.difference(&y));
            for host in 0u32..17 {
                for port in 0u16..18 {
                    let c = Client {
                        addr: addrspace::Domain::V4.addr((10u128 << 24) + u128::from(host)),
                        port,
                    };
                    prop_assert_eq!(both.contains(c), x.contains(c) && y.contains(c));
                    prop_assert_eq!(only.contains(c), x.contains(c) && !y.contains(c));
                }
            }
        }
    }
}
