//! The coarsest partition of the address space that no given set can tell apart inside.

use crate::addr::{Addr, Domain};
use crate::set::AddrSet;

/// One interval of a [`Partition`]: consecutive addresses of one domain that every set of
/// the partition either holds all of or none of.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Interval {
    /// The domain (family and route domain).
    pub domain: Domain,
    /// The first address number.
    pub first: u128,
    /// The last address number (inclusive).
    pub last: u128,
}

impl Interval {
    /// The first address.
    pub fn first_addr(&self) -> Addr {
        self.domain.addr(self.first)
    }

    /// The last address.
    pub fn last_addr(&self) -> Addr {
        self.domain.addr(self.last)
    }

    /// The address that stands for the whole interval: the second address when the
    /// interval holds more than two (so a CIDR block is not represented by its network
    /// address, which real clients never use), else the first.
    pub fn representative(&self) -> Addr {
        if self.last - self.first >= 2 {
            self.domain.addr(self.first + 1)
        } else {
            self.first_addr()
        }
    }

    /// Whether the address lies in the interval.
    pub fn contains(&self, addr: &Addr) -> bool {
        addr.domain() == self.domain && (self.first..=self.last).contains(&addr.number())
    }

    /// The number of addresses (saturating at u128::MAX).
    pub fn size(&self) -> u128 {
        (self.last - self.first).saturating_add(1)
    }

    /// The interval as a set.
    pub fn to_set(&self) -> AddrSet {
        AddrSet::range(self.domain, self.first, self.last)
    }

    /// The interval as a minimal list of CIDR blocks.
    pub fn cidrs(&self) -> Vec<String> {
        self.to_set().cidrs()
    }
}

/// The coarsest cut of some domains' address space into [`Interval`]s on which membership
/// in every given set is constant.
///
/// Sets are normalised (ranges neither overlap nor touch), so every range start and every
/// range end + 1 is a real change of membership for some set: cutting at exactly those
/// boundaries gives intervals that are constant inside and differ from each neighbour,
/// which is the coarsest such cut. Building it sorts the boundaries: O(n log n).
#[derive(Debug, Clone, Default)]
pub struct Partition {
    intervals: Vec<Interval>,
}

impl Partition {
    /// Cuts the spaces of `universe` (for example `Domain::both(0)`) at every boundary of
    /// every set.
    pub fn new<'a>(sets: impl IntoIterator<Item = &'a AddrSet>, universe: &[Domain]) -> Partition {
        let mut universe = universe.to_vec();
        universe.sort_unstable();
        universe.dedup();
        let sets: Vec<&AddrSet> = sets.into_iter().collect();
        let mut intervals = Vec::new();
        for domain in universe {
            let mut cuts: Vec<u128> = Vec::new();
            for set in &sets {
                for (lo, hi) in set.ranges(domain) {
                    cuts.push(lo);
                    if let Some(next) = hi.checked_add(1) {
                        cuts.push(next);
                    }
                }
            }
            for &(seg_lo, seg_hi) in domain.family.universe() {
                cuts.push(seg_lo);
                if let Some(next) = seg_hi.checked_add(1) {
                    cuts.push(next);
                }
            }
            cuts.sort_unstable();
            cuts.dedup();
            for &(seg_lo, seg_hi) in domain.family.universe() {
                let start = cuts.partition_point(|&c| c < seg_lo);
                let mut lo = seg_lo;
                for &c in &cuts[start + 1..] {
                    if c > seg_hi {
                        break;
                    }
                    intervals.push(Interval {
                        domain,
                        first: lo,
                        last: c - 1,
                    });
                    lo = c;
                }
                intervals.push(Interval {
                    domain,
                    first: lo,
                    last: seg_hi,
                });
            }
        }
        Partition { intervals }
    }

    /// The intervals, sorted by domain and address.
    pub fn intervals(&self) -> &[Interval] {
        &self.intervals
    }

    /// The number of intervals.
    pub fn len(&self) -> usize {
        self.intervals.len()
    }

    /// Whether the partition covers nothing (no domain was asked for).
    pub fn is_empty(&self) -> bool {
        self.intervals.is_empty()
    }

    /// The index of the interval holding `addr`, if its domain was covered.
    pub fn locate(&self, addr: &Addr) -> Option<usize> {
        let key = (addr.domain(), addr.number());
        let i = self
            .intervals
            .partition_point(|iv| (iv.domain, iv.first) <= key);
        (i > 0 && self.intervals[i - 1].contains(addr)).then(|| i - 1)
    }

    /// Groups interval indices by their membership signature in `sets`: intervals in one
    /// group are indistinguishable by every set, so they form one equivalence class.
    pub fn classes(&self, sets: &[&AddrSet]) -> Vec<(Vec<bool>, Vec<usize>)> {
        let mut groups: std::collections::BTreeMap<Vec<bool>, Vec<usize>> = Default::default();
        for (i, iv) in self.intervals.iter().enumerate() {
            let rep = iv.first_addr();
            let sig = sets.iter().map(|s| s.contains(&rep)).collect();
            groups.entry(sig).or_default().push(i);
        }
        groups.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_sets_give_whole_spaces() {
        let p = Partition::new([], &Domain::both(0));
        // IPv4 whole, IPv6 in two pieces around the mapped hole.
        assert_eq!(p.len(), 3);
    }

    #[test]
    fn locate_and_classes() {
        let a = AddrSet::parse("10.1.2.0/24").unwrap();
        let b = AddrSet::parse("10.1.1.5").unwrap();
        let p = Partition::new([&a, &b], &[Domain::V4]);
        assert_eq!(p.len(), 5);
        let i = p.locate(&"10.1.1.5".parse().unwrap()).unwrap();
        assert_eq!(p.intervals()[i].cidrs(), vec!["10.1.1.5/32"]);
        assert_eq!(p.locate(&"2001:db8::1".parse().unwrap()), None);
        let classes = p.classes(&[&a, &b]);
        assert_eq!(classes.len(), 3);
    }

    #[test]
    fn edges_of_the_space() {
        let a = AddrSet::parse("0.0.0.0/32").unwrap();
        let b = AddrSet::parse("255.255.255.255").unwrap();
        let c = AddrSet::parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").unwrap();
        let p = Partition::new([&a, &b, &c], &Domain::both(0));
        assert_eq!(p.len(), 3 + 3);
    }
}
