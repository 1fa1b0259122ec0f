//! The most specific of many address ranges holding an address, in O(log n): connectors
//! with thousands of RemoteIPRanges are asked once per client class, so a scan of every
//! range per question made a proof quadratic in the ranges.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use addrspace::{Addr, Domain};

/// A stretch of addresses: where it starts, and the entry answering for it.
type Stretch = (u128, Option<usize>);

/// A range's rank: smaller first, then earlier.
type Rank = (u128, usize);

/// For each domain, the start of every stretch of addresses with the same answer, and
/// that answer: the index of the smallest range holding the stretch (the first of equal
/// sizes), if any.
#[derive(Debug, Default)]
pub(crate) struct RangeIndex {
    per_domain: Vec<(Domain, Vec<Stretch>)>,
}

impl RangeIndex {
    /// Indexes blocks `(domain, first, last)` of entries ranked by `(size, entry)`.
    pub(crate) fn new(blocks: impl IntoIterator<Item = (Domain, u128, u128, u128, usize)>) -> Self {
        // Per domain: where a range opens (true) or closes (false), with its rank.
        let mut by_domain: std::collections::BTreeMap<Domain, Vec<(u128, bool, Rank)>> =
            Default::default();
        for (domain, first, last, size, entry) in blocks {
            let events = by_domain.entry(domain).or_default();
            events.push((first, true, (size, entry)));
            if let Some(after) = last.checked_add(1) {
                events.push((after, false, (size, entry)));
            }
        }
        let mut per_domain = Vec::new();
        for (domain, mut events) in by_domain {
            events.sort_unstable_by_key(|e| e.0);
            let mut active: BTreeSet<Rank> = BTreeSet::new();
            let mut stretches: Vec<Stretch> = Vec::new();
            let mut i = 0;
            while i < events.len() {
                let at = events[i].0;
                while i < events.len() && events[i].0 == at {
                    let (_, open, key) = events[i];
                    if open {
                        active.insert(key);
                    } else {
                        active.remove(&key);
                    }
                    i += 1;
                }
                stretches.push((at, active.first().map(|k| k.1)));
            }
            per_domain.push((domain, stretches));
        }
        RangeIndex { per_domain }
    }

    /// The entry answering for `addr`.
    pub(crate) fn best(&self, addr: &Addr) -> Option<usize> {
        let (_, stretches) = self.per_domain.iter().find(|(d, _)| *d == addr.domain())?;
        let n = addr.number();
        let k = stretches.partition_point(|s| s.0 <= n);
        stretches.get(k.checked_sub(1)?)?.1
    }
}

/// A lazily built index kept beside the data it indexes. It compares equal to any other
/// and clones empty: it is a cache, not part of the value. It remembers which vector it
/// was built from (address and length), so a connector whose ranges were replaced or
/// extended afterwards is answered by a scan rather than by a stale index.
#[derive(Default)]
pub(crate) struct IndexCell {
    built: OnceLock<((usize, usize), RangeIndex)>,
}

impl IndexCell {
    pub(crate) fn get<T>(
        &self,
        of: &[T],
        build: impl FnOnce() -> RangeIndex,
    ) -> Option<&RangeIndex> {
        let key = (of.as_ptr() as usize, of.len());
        let (built_for, index) = self.built.get_or_init(|| (key, build()));
        (*built_for == key).then_some(index)
    }
}

impl Clone for IndexCell {
    fn clone(&self) -> Self {
        IndexCell::default()
    }
}

impl PartialEq for IndexCell {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for IndexCell {}

impl std::fmt::Debug for IndexCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IndexCell")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smallest_holding_range_wins_and_ties_go_to_the_first() {
        let d = Domain::V4;
        let ix = RangeIndex::new([
            (d, 0, 99, 100, 0),
            (d, 10, 19, 10, 1),
            (d, 15, 15, 1, 2),
            (d, 10, 19, 10, 3),
            (d, 200, u128::from(u32::MAX), 1 << 32, 4),
        ]);
        let at = |n: u32| ix.best(&Addr::new(std::net::Ipv4Addr::from(n).into()));
        assert_eq!(at(5), Some(0));
        assert_eq!(at(10), Some(1));
        assert_eq!(at(15), Some(2));
        assert_eq!(at(16), Some(1));
        assert_eq!(at(20), Some(0));
        assert_eq!(at(150), None);
        assert_eq!(at(u32::MAX), Some(4));
    }
}
