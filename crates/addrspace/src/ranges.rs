//! Sorted, disjoint, non-adjacent inclusive ranges of address numbers within one family.

use crate::addr::Family;

/// A normalised list of inclusive ranges: sorted, disjoint, and no two adjacent, so that
/// every range start and every `end + 1` is a real change of membership.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub(crate) struct Ranges(Vec<(u128, u128)>);

impl Ranges {
    pub(crate) fn empty() -> Ranges {
        Ranges(Vec::new())
    }

    pub(crate) fn full(family: Family) -> Ranges {
        Ranges(family.universe().to_vec())
    }

    pub(crate) fn as_slice(&self) -> &[(u128, u128)] {
        &self.0
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Builds from arbitrary ranges (any order, overlapping), clipped to the family's
    /// universe. O(n log n).
    pub(crate) fn from_unsorted(family: Family, mut raw: Vec<(u128, u128)>) -> Ranges {
        raw.sort_unstable();
        let mut merged: Vec<(u128, u128)> = Vec::with_capacity(raw.len());
        for (lo, hi) in raw {
            match merged.last_mut() {
                Some(last) if last.1 == u128::MAX || lo <= last.1 + 1 => {
                    last.1 = last.1.max(hi);
                }
                _ => merged.push((lo, hi)),
            }
        }
        Ranges(merged).intersect(&Ranges::full(family))
    }

    pub(crate) fn contains(&self, n: u128) -> bool {
        let i = self.0.partition_point(|&(lo, _)| lo <= n);
        i > 0 && self.0[i - 1].1 >= n
    }

    /// The number of addresses, saturating at u128::MAX.
    pub(crate) fn count(&self) -> u128 {
        self.0.iter().fold(0u128, |acc, &(lo, hi)| {
            acc.saturating_add((hi - lo).saturating_add(1))
        })
    }

    pub(crate) fn union(&self, other: &Ranges) -> Ranges {
        let mut all = Vec::with_capacity(self.0.len() + other.0.len());
        all.extend_from_slice(&self.0);
        all.extend_from_slice(&other.0);
        // Both inputs are already clipped; V6 is the widest universe, so clipping is a no-op.
        Ranges::from_unsorted(Family::V6, all)
    }

    pub(crate) fn intersect(&self, other: &Ranges) -> Ranges {
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
        Ranges(out)
    }

    /// The family's universe less these ranges.
    pub(crate) fn complement(&self, family: Family) -> Ranges {
        let mut out = Vec::new();
        let mut next: Option<u128> = Some(0);
        for &(lo, hi) in &self.0 {
            if let Some(start) = next
                && lo > start
            {
                out.push((start, lo - 1));
            }
            next = hi.checked_add(1);
        }
        if let Some(start) = next
            && start <= family.max()
        {
            out.push((start, family.max()));
        }
        Ranges(out).intersect(&Ranges::full(family))
    }

    /// Whether every range lies inside `other`; stops at the first that does not, so
    /// asking it of a large set against a small one is cheap.
    pub(crate) fn is_subset(&self, other: &Ranges) -> bool {
        self.0.iter().all(|&(lo, hi)| {
            let i = other.0.partition_point(|&(l, _)| l <= lo);
            i > 0 && other.0[i - 1].1 >= hi
        })
    }

    /// Whether the two share a number: walks the smaller list and looks each range up in
    /// the larger, stopping at the first overlap.
    pub(crate) fn intersects(&self, other: &Ranges) -> bool {
        let (small, large) = if self.0.len() <= other.0.len() {
            (&self.0, &other.0)
        } else {
            (&other.0, &self.0)
        };
        small.iter().any(|&(lo, hi)| {
            let i = large.partition_point(|&(_, h)| h < lo);
            i < large.len() && large[i].0 <= hi
        })
    }

    pub(crate) fn difference(&self, other: &Ranges, family: Family) -> Ranges {
        self.intersect(&other.complement(family))
    }
}
