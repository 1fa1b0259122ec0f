//! Sets of TCP/UDP source ports: the second dimension of the client space.
//!
//! A rule that reads `TCP::client_port` can tell two connections from one address apart,
//! so a proof over addresses alone would be a proof of nothing for such a rule. The prover
//! cuts the port range the way it cuts the address space, and a region is an address set
//! times a port set.

use std::fmt;

/// The lowest port a client connects from (port 0 is not a source port on the wire).
pub const FIRST_PORT: u16 = 1;
/// The highest.
pub const LAST_PORT: u16 = u16::MAX;

/// A set of ports in `1..=65535`, as sorted, disjoint, non-adjacent inclusive ranges.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct PortSet(Vec<(u16, u16)>);

impl PortSet {
    /// No port.
    pub fn empty() -> PortSet {
        PortSet(Vec::new())
    }

    /// Every port a client can connect from.
    pub fn all() -> PortSet {
        PortSet(vec![(FIRST_PORT, LAST_PORT)])
    }

    /// One port (port 0 gives the empty set).
    pub fn single(port: u16) -> PortSet {
        PortSet::range(port, port)
    }

    /// `first..=last`, clipped to the port space.
    pub fn range(first: u16, last: u16) -> PortSet {
        let first = first.max(FIRST_PORT);
        if first > last {
            return PortSet::empty();
        }
        PortSet(vec![(first, last)])
    }

    /// The ports for which `holds` is true, found by asking it of every port: exact for
    /// any predicate, and cheap enough (65,535 calls) to do once per distinct predicate.
    pub fn from_predicate(mut holds: impl FnMut(u16) -> bool) -> PortSet {
        let mut out: Vec<(u16, u16)> = Vec::new();
        for p in FIRST_PORT..=LAST_PORT {
            if holds(p) {
                match out.last_mut() {
                    Some(last) if last.1 + 1 == p => last.1 = p,
                    _ => out.push((p, p)),
                }
            }
        }
        PortSet(out)
    }

    /// Builds from ranges in any order, overlapping or not.
    pub fn from_ranges(ranges: impl IntoIterator<Item = (u16, u16)>) -> PortSet {
        let mut raw: Vec<(u16, u16)> = ranges
            .into_iter()
            .map(|(a, b)| (a.max(FIRST_PORT), b))
            .filter(|(a, b)| a <= b)
            .collect();
        raw.sort_unstable();
        let mut out: Vec<(u16, u16)> = Vec::with_capacity(raw.len());
        for (lo, hi) in raw {
            match out.last_mut() {
                Some(last) if u32::from(lo) <= u32::from(last.1) + 1 => last.1 = last.1.max(hi),
                _ => out.push((lo, hi)),
            }
        }
        PortSet(out)
    }

    /// The ranges, sorted.
    pub fn ranges(&self) -> &[(u16, u16)] {
        &self.0
    }

    /// Whether no port is in the set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether every port is.
    pub fn is_all(&self) -> bool {
        self.0 == [(FIRST_PORT, LAST_PORT)]
    }

    /// Whether `port` is in the set.
    pub fn contains(&self, port: u16) -> bool {
        let i = self.0.partition_point(|&(lo, _)| lo <= port);
        i > 0 && self.0[i - 1].1 >= port
    }

    /// How many ports.
    pub fn count(&self) -> u32 {
        self.0
            .iter()
            .map(|&(lo, hi)| u32::from(hi) - u32::from(lo) + 1)
            .sum()
    }

    /// The set's representative: the port the prover decides the region with. The
    /// ephemeral range's start (49152) when the set holds it, so the common case reads
    /// like a real client; else the set's first port.
    pub fn representative(&self) -> Option<u16> {
        const EPHEMERAL: u16 = 49152;
        if self.contains(EPHEMERAL) {
            Some(EPHEMERAL)
        } else {
            self.0.first().map(|r| r.0)
        }
    }

    /// Ports in both.
    pub fn intersection(&self, other: &PortSet) -> PortSet {
        let (a, b) = (&self.0, &other.0);
        let (mut i, mut j) = (0, 0);
        let mut out = Vec::new();
        while i < a.len() && j < b.len() {
            let lo = a[i].0.max(b[j].0);
            let hi = a[i].1.min(b[j].1);
            if lo <= hi {
                out.push((lo, hi));
            }
            if a[i].1 < b[j].1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        PortSet(out)
    }

    /// Ports in either.
    pub fn union(&self, other: &PortSet) -> PortSet {
        PortSet::from_ranges(self.0.iter().chain(other.0.iter()).copied())
    }

    /// Every port not in the set.
    pub fn complement(&self) -> PortSet {
        let mut out = Vec::new();
        let mut next = u32::from(FIRST_PORT);
        for &(lo, hi) in &self.0 {
            if u32::from(lo) > next {
                out.push((next as u16, lo - 1));
            }
            next = u32::from(hi) + 1;
        }
        if next <= u32::from(LAST_PORT) {
            out.push((next as u16, LAST_PORT));
        }
        PortSet(out)
    }

    /// Ports in `self` but not in `other`.
    pub fn difference(&self, other: &PortSet) -> PortSet {
        self.intersection(&other.complement())
    }

    /// The first and last port of every range: the edges worth trying live.
    pub fn edges(&self) -> impl Iterator<Item = u16> + '_ {
        self.0
            .iter()
            .flat_map(|&(lo, hi)| if lo == hi { vec![lo] } else { vec![lo, hi] })
    }
}

impl fmt::Display for PortSet {
    /// `any port`, `port 1025`, `ports 1-1023, 1025`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_all() {
            return f.write_str("any port");
        }
        if self.is_empty() {
            return f.write_str("no port");
        }
        f.write_str(if self.count() == 1 { "port " } else { "ports " })?;
        for (i, &(lo, hi)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            if lo == hi {
                write!(f, "{lo}")?;
            } else {
                write!(f, "{lo}-{hi}")?;
            }
        }
        Ok(())
    }
}

impl serde::Serialize for PortSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|&(lo, hi)| [lo, hi]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn naive(s: &PortSet) -> Vec<bool> {
        (0..=u16::MAX).map(|p| p != 0 && s.contains(p)).collect()
    }

    fn arb() -> impl Strategy<Value = PortSet> {
        prop::collection::vec((0u16..=u16::MAX, 0u16..2000), 0..6).prop_map(|v| {
            PortSet::from_ranges(v.into_iter().map(|(a, w)| (a, a.saturating_add(w))))
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn set_laws_match_a_per_port_model(a in arb(), b in arb()) {
            let (na, nb) = (naive(&a), naive(&b));
            let pairs = |s: &PortSet| naive(s);
            let i = pairs(&a.intersection(&b));
            let u = pairs(&a.union(&b));
            let d = pairs(&a.difference(&b));
            let c = pairs(&a.complement());
            for p in 1..=u16::MAX as usize {
                prop_assert_eq!(i[p], na[p] && nb[p]);
                prop_assert_eq!(u[p], na[p] || nb[p]);
                prop_assert_eq!(d[p], na[p] && !nb[p]);
                prop_assert_eq!(c[p], !na[p]);
            }
            prop_assert_eq!(PortSet::from_predicate(|p| a.contains(p)), a.clone());
            prop_assert_eq!(a.count() as usize, na.iter().filter(|x| **x).count());
            if let Some(r) = a.representative() { prop_assert!(a.contains(r)); }
        }
    }

    #[test]
    fn renders_as_people_read_ports() {
        assert_eq!(PortSet::all().to_string(), "any port");
        assert_eq!(PortSet::single(1025).to_string(), "port 1025");
        let s = PortSet::from_ranges([(1, 1023), (1025, 1025)]);
        assert_eq!(s.to_string(), "ports 1-1023, 1025");
        assert_eq!(
            PortSet::single(1025).complement().to_string(),
            "ports 1-1024, 1026-65535"
        );
        assert!(PortSet::single(0).is_empty());
    }
}
