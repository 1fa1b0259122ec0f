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
