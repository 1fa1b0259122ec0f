//! Address sets across families and route domains.

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::addr::{Addr, AddrError, Domain, Family, MAPPED_FIRST, MAPPED_LAST, split_route_domain};
use crate::ranges::Ranges;

/// How every address of every family and route domain renders.
const EVERY_ADDRESS: &str = "every address";

/// A set of addresses (see the crate docs for route domains and IPv4-mapped addresses).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct AddrSet {
    /// Ranges of the domains this set was told about; never equal to what `rest` implies.
    parts: BTreeMap<Domain, Ranges>,
    /// Membership of every address in a domain absent from `parts`.
    rest: bool,
}

impl AddrSet {
    /// The empty set.
    pub fn empty() -> AddrSet {
        AddrSet::default()
    }

    /// Every address of every family and route domain.
    pub fn everything() -> AddrSet {
        AddrSet {
            parts: BTreeMap::new(),
            rest: true,
        }
    }

    /// Every address of one domain (`0.0.0.0/0` of route domain 0 is `full(Domain::V4)`).
    pub fn full(domain: Domain) -> AddrSet {
        AddrSet::from_ranges(domain, Ranges::full(domain.family))
    }

    /// One address.
    pub fn single(addr: Addr) -> AddrSet {
        let n = addr.number();
        AddrSet::from_ranges(
            addr.domain(),
            Ranges::from_unsorted(addr.domain().family, vec![(n, n)]),
        )
    }

    /// The inclusive range `first..=last` of numbers in `domain`, with any IPv4-mapped part
    /// of an IPv6 range folded into IPv4.
    pub fn range(domain: Domain, first: u128, last: u128) -> AddrSet {
        let (first, last) = (first.min(last), first.max(last));
        let mut set = AddrSet::from_ranges(
            domain,
            Ranges::from_unsorted(domain.family, vec![(first, last)]),
        );
        if domain.family == Family::V6 && first <= MAPPED_LAST && last >= MAPPED_FIRST {
            let v4 = Domain {
                family: Family::V4,
                route_domain: domain.route_domain,
            };
            let lo = first.max(MAPPED_FIRST) - MAPPED_FIRST;
            let hi = last.min(MAPPED_LAST) - MAPPED_FIRST;
            set = set.union(&AddrSet::from_ranges(
                v4,
                Ranges::from_unsorted(Family::V4, vec![(lo, hi)]),
            ));
        }
        set
    }

    /// Builds one set from many entries at once in O(n log n); used for data groups and
    /// connector range lists with many thousands of entries.
    pub fn from_sets<'a>(sets: impl IntoIterator<Item = &'a AddrSet>) -> AddrSet {
        let mut raw: BTreeMap<Domain, Vec<(u128, u128)>> = BTreeMap::new();
        let mut rest = false;
        let mut complex = Vec::new();
        for set in sets {
            if set.rest {
                rest = true;
                complex.push(set);
                continue;
            }
            for (d, r) in &set.parts {
                raw.entry(*d).or_default().extend_from_slice(r.as_slice());
            }
        }
        let parts = raw
            .into_iter()
            .map(|(d, r)| (d, Ranges::from_unsorted(d.family, r)))
            .collect();
        let mut out = AddrSet { parts, rest: false }.normalised();
        if rest {
            for set in complex {
                out = out.union(set);
            }
        }
        out
    }

    fn from_ranges(domain: Domain, ranges: Ranges) -> AddrSet {
        let mut parts = BTreeMap::new();
        parts.insert(domain, ranges);
        AddrSet { parts, rest: false }.normalised()
    }

    /// Drops domain entries that say no more than `rest`.
    fn normalised(mut self) -> AddrSet {
        let rest = self.rest;
        self.parts.retain(|d, r| {
            if rest {
                *r != Ranges::full(d.family)
            } else {
                !r.is_empty()
            }
        });
        self
    }

    fn ranges_of(&self, domain: Domain) -> Ranges {
        match self.parts.get(&domain) {
            Some(r) => r.clone(),
            None if self.rest => Ranges::full(domain.family),
            None => Ranges::empty(),
        }
    }

    /// The inclusive number ranges this set holds in `domain`.
    pub fn ranges(&self, domain: Domain) -> Vec<(u128, u128)> {
        self.ranges_of(domain).as_slice().to_vec()
    }

    /// The domains this set holds explicit ranges for (other domains are all in, or all
    /// out, as [`AddrSet::holds_other_domains`] says).
    pub fn domains(&self) -> impl Iterator<Item = Domain> + '_ {
        self.parts.keys().copied()
    }

    /// Whether domains not listed by [`AddrSet::domains`] are wholly in the set.
    pub fn holds_other_domains(&self) -> bool {
        self.rest
    }

    fn combine(
        &self,
        other: &AddrSet,
        rest: bool,
        op: impl Fn(&Ranges, &Ranges, Family) -> Ranges,
    ) -> AddrSet {
        let mut parts = BTreeMap::new();
        for d in self.parts.keys().chain(other.parts.keys()) {
            if !parts.contains_key(d) {
                parts.insert(*d, op(&self.ranges_of(*d), &other.ranges_of(*d), d.family));
            }
        }
        AddrSet { parts, rest }.normalised()
    }

    /// Addresses in either set.
    pub fn union(&self, other: &AddrSet) -> AddrSet {
        self.combine(other, self.rest || other.rest, |a, b, _| a.union(b))
    }

    /// Addresses in both sets.
    pub fn intersection(&self, other: &AddrSet) -> AddrSet {
        self.combine(other, self.rest && other.rest, |a, b, _| a.intersect(b))
    }

    /// Addresses in this set and not in `other`.
    pub fn difference(&self, other: &AddrSet) -> AddrSet {
        self.combine(other, self.rest && !other.rest, |a, b, f| {
            a.difference(b, f)
        })
    }

    /// Every address (of every family and route domain) not in this set.
    pub fn complement(&self) -> AddrSet {
        let parts = self
            .parts
            .iter()
            .map(|(d, r)| (*d, r.complement(d.family)))
            .collect();
        AddrSet {
            parts,
            rest: !self.rest,
        }
        .normalised()
    }

    /// Whether the address is in the set.
    pub fn contains(&self, addr: &Addr) -> bool {
        match self.parts.get(&addr.domain()) {
            Some(r) => r.contains(addr.number()),
            None => self.rest,
        }
    }

    /// Whether the set holds no address.
    pub fn is_empty(&self) -> bool {
        !self.rest && self.parts.is_empty()
    }

    /// Whether every address of `other` is in this set.
    pub fn is_superset(&self, other: &AddrSet) -> bool {
        other.is_subset(self)
    }

    /// Whether every address of this set is in `other`. Without the `rest` flag (every
    /// set built from text) it costs a lookup per range of this set and stops at the
    /// first miss.
    pub fn is_subset(&self, other: &AddrSet) -> bool {
        if self.rest || other.rest {
            return self.difference(other).is_empty();
        }
        self.parts.iter().all(|(d, r)| match other.parts.get(d) {
            Some(o) => r.is_subset(o),
            None => r.is_empty(),
        })
    }

    /// Whether the two sets share an address; cheap when either is small.
    pub fn intersects(&self, other: &AddrSet) -> bool {
        if self.rest || other.rest {
            return !self.intersection(other).is_empty();
        }
        self.parts
            .iter()
            .any(|(d, r)| other.parts.get(d).is_some_and(|o| r.intersects(o)))
    }

    /// The number of addresses in `domain` (saturating at u128::MAX).
    pub fn count_in(&self, domain: Domain) -> u128 {
        self.ranges_of(domain).count()
    }

    /// The set as a minimal list of CIDR blocks, in BIG-IP notation (`10.0.0.0%2/8`).
    /// When the set holds every other route domain too, the list ends with
    /// `(and every address of any other route domain)`; the set of every address is
    /// `every address`.
    pub fn cidrs(&self) -> Vec<String> {
        if self.rest && self.parts.is_empty() {
            return vec![EVERY_ADDRESS.to_string()];
        }
        let mut out = Vec::new();
        for (d, r) in &self.parts {
            for &(lo, hi) in r.as_slice() {
                out.extend(cidrs_of_range(*d, lo, hi));
            }
        }
        if self.rest {
            out.push("(and every address of any other route domain)".to_string());
        }
        out
    }

    /// The address that stands for the set: from its largest range, the second address
    /// when the range holds more than two (real clients do not use a block's network
    /// address), else the first. None for an empty set, or one that holds only whole
    /// route domains it has no explicit ranges for.
    pub fn representative(&self) -> Option<Addr> {
        let (d, lo, hi) = self
            .parts
            .iter()
            .flat_map(|(d, r)| r.as_slice().iter().map(move |&(lo, hi)| (*d, lo, hi)))
            .max_by(|a, b| (a.2 - a.1).cmp(&(b.2 - b.1)).then(b.1.cmp(&a.1)))?;
        Some(if hi - lo >= 2 {
            d.addr(lo + 1)
        } else {
            d.addr(lo)
        })
    }

    /// The first `n` CIDR blocks of [`AddrSet::cidrs`] and how many there are in all,
    /// without rendering the rest (a set of 100,000 blocks is counted, not printed).
    pub fn cidrs_limited(&self, n: usize) -> (Vec<String>, usize) {
        if self.rest && self.parts.is_empty() {
            return (
                vec![EVERY_ADDRESS.to_string()]
                    .into_iter()
                    .take(n)
                    .collect(),
                1,
            );
        }
        let mut shown = Vec::new();
        let mut total = 0;
        for (d, r) in &self.parts {
            for &(lo, hi) in r.as_slice() {
                let count = cidr_count(*d, lo, hi);
                if shown.len() < n {
                    shown.extend(cidrs_of_range(*d, lo, hi).into_iter().take(n - shown.len()));
                }
                total += count;
            }
        }
        if self.rest {
            if shown.len() < n {
                shown.push("(and every address of any other route domain)".to_string());
            }
            total += 1;
        }
        (shown, total)
    }

    /// Parses one entry in any of the forms bigip.conf, iRules, Exchange and Postfix use:
    /// `a`, `a/len`, `a/m.m.m.m`, `a mask m`, `a-b`, `host a`, `network a prefixlen n`,
    /// `network a mask m`, `network a/len`, each address optionally with `%N`, IPv6
    /// optionally in brackets. Host bits below a prefix are cleared, as BIG-IP and
    /// Exchange do when they store such an entry.
    pub fn parse(text: &str) -> Result<AddrSet, AddrError> {
        let t = text.trim();
        let words: Vec<&str> = t.split_whitespace().collect();
        match words.as_slice() {
            [one] => parse_compact(one, text),
            ["host", a] => parse_compact(a, text),
            ["network", a] => parse_compact(a, text),
            [a, "mask", m] | ["network", a, "mask", m] => with_mask(a, m, text),
            ["network", a, "prefixlen", n] | [a, "prefixlen", n] => with_prefix(a, n, text),
            [a, "-", b] => parse_range(a, b, text),
            _ => Err(AddrError::Unrecognised(text.to_string())),
        }
    }
}

impl fmt::Display for AddrSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.cidrs();
        if c.is_empty() {
            f.write_str("(no address)")
        } else {
            f.write_str(&c.join(", "))
        }
    }
}

fn parse_compact(word: &str, whole: &str) -> Result<AddrSet, AddrError> {
    if let Some((a, b)) = split_dash_range(word) {
        return parse_range(a, b, whole);
    }
    match word.split_once('/') {
        None => Ok(AddrSet::single(word.parse()?)),
        Some((a, m)) if m.contains('.') || m.contains(':') => with_mask(a, m, whole),
        Some((a, n)) => with_prefix(a, n, whole),
    }
}

/// `a-b`, but not the `-` inside nothing else: IPv6 and IPv4 text never holds a dash.
fn split_dash_range(word: &str) -> Option<(&str, &str)> {
    word.split_once('-')
}

fn parse_range(a: &str, b: &str, whole: &str) -> Result<AddrSet, AddrError> {
    let a: Addr = a.parse()?;
    let b: Addr = b.parse()?;
    if a.domain() != b.domain() || a.number() > b.number() {
        return Err(AddrError::BadRange(whole.to_string()));
    }
    Ok(AddrSet::range(a.domain(), a.number(), b.number()))
}

/// BIG-IP writes `10.1.1.0%2/24`; people also write `10.1.1.0/24%2`. Both mean the same.
fn addr_and_len<'a>(a: &'a str, len: &'a str) -> Result<(Addr, &'a str), AddrError> {
    match split_route_domain(len)? {
        (len, 0) => Ok((a.parse()?, len)),
        (len, rd) => {
            let addr: Addr = a.parse()?;
            Ok((
                Addr {
                    route_domain: rd,
                    ..addr
                },
                len,
            ))
        }
    }
}

fn with_prefix(a: &str, len: &str, whole: &str) -> Result<AddrSet, AddrError> {
    let raw_v6_text = a.trim_start_matches('[').trim_end_matches(']');
    let (addr, len_text) = addr_and_len(a, len)?;
    // A mapped v6 address written with a v6 prefix length: fold the prefix too.
    let written_v6 = split_route_domain(raw_v6_text)?.0.contains(':');
    let max: u8 = if written_v6 { 128 } else { 32 };
    let n: u8 =
        len_text
            .parse()
            .ok()
            .filter(|n| *n <= max)
            .ok_or_else(|| AddrError::BadPrefix {
                text: whole.to_string(),
                len: len_text.to_string(),
                max,
            })?;
    if written_v6 {
        let raw: Ipv6Addr = split_route_domain(raw_v6_text)?
            .0
            .parse()
            .map_err(|_| AddrError::BadAddress(whole.to_string()))?;
        let (lo, hi) = block(u128::from(raw), n, 128);
        let d = Domain {
            family: Family::V6,
            route_domain: addr.route_domain,
        };
        return Ok(AddrSet::range(d, lo, hi));
    }
    let (lo, hi) = block(addr.number(), n, 32);
    Ok(AddrSet::range(addr.domain(), lo, hi))
}

fn with_mask(a: &str, mask: &str, whole: &str) -> Result<AddrSet, AddrError> {
    let (addr, mask_text) = addr_and_len(a, mask)?;
    let m: IpAddr = mask_text
        .parse()
        .map_err(|_| AddrError::BadMask(whole.to_string()))?;
    let (bits, width) = match m {
        IpAddr::V4(v4) => (u32::from(v4) as u128, 32u32),
        IpAddr::V6(v6) => (u128::from(v6), 128u32),
    };
    let ones = bits.count_ones();
    let shifted = if width == 128 {
        bits
    } else {
        bits << (128 - width)
    };
    if shifted.leading_ones() != ones {
        return Err(AddrError::BadMask(whole.to_string()));
    }
    let fam_width = match addr.domain().family {
        Family::V4 => 32,
        Family::V6 => 128,
    };
    if fam_width != width {
        return Err(AddrError::BadMask(whole.to_string()));
    }
    let (lo, hi) = block(addr.number(), ones as u8, width);
    Ok(AddrSet::range(addr.domain(), lo, hi))
}

/// The first and last number of the `/len` block holding `n` in a `width`-bit space.
fn block(n: u128, len: u8, width: u32) -> (u128, u128) {
    let host_bits = width - len as u32;
    if host_bits == 0 {
        return (n, n);
    }
    let host_mask = if host_bits >= 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    (n & !host_mask, n | host_mask)
}

/// How many CIDR blocks the range `lo..=hi` splits into (the greedy largest-aligned cut).
fn cidr_count(d: Domain, lo: u128, hi: u128) -> usize {
    let width: u32 = match d.family {
        Family::V4 => 32,
        Family::V6 => 128,
    };
    let mut count = 0;
    let mut at = lo;
    loop {
        // The largest block starting at `at` that stays within `hi`.
        let mut size_log = if at == 0 {
            width
        } else {
            at.trailing_zeros().min(width)
        };
        while size_log > 0
            && (size_log >= 128
                || at
                    .checked_add((1u128 << size_log) - 1)
                    .is_none_or(|end| end > hi))
        {
            if size_log >= 128 && at == 0 && hi == u128::MAX {
                break;
            }
            size_log -= 1;
        }
        count += 1;
        let end = if size_log >= 128 {
            u128::MAX
        } else {
            at + ((1u128 << size_log) - 1)
        };
        if end >= hi {
            return count;
        }
        at = end + 1;
    }
}

fn cidrs_of_range(d: Domain, lo: u128, hi: u128) -> Vec<String> {
    let rd = if d.route_domain == 0 {
        String::new()
    } else {
        format!("%{}", d.route_domain)
    };
    match d.family {
        Family::V4 => {
            ipnet::Ipv4Subnets::new(Ipv4Addr::from(lo as u32), Ipv4Addr::from(hi as u32), 0)
                .map(|n| format!("{}{rd}/{}", n.network(), n.prefix_len()))
                .collect()
        }
        Family::V6 => ipnet::Ipv6Subnets::new(Ipv6Addr::from(lo), Ipv6Addr::from(hi), 0)
            .map(|n| format!("{}{rd}/{}", n.network(), n.prefix_len()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: &str) -> AddrSet {
        AddrSet::parse(t).unwrap()
    }

    #[test]
    fn forms() {
        assert_eq!(s("10.1.2.0/24"), s("10.1.2.0 mask 255.255.255.0"));
        assert_eq!(s("10.1.2.0/24"), s("10.1.2.0/255.255.255.0"));
        assert_eq!(s("10.1.2.0/24"), s("network 10.1.2.0 prefixlen 24"));
        assert_eq!(s("10.1.2.0/24"), s("10.1.2.0-10.1.2.255"));
        assert_eq!(s("10.1.2.0/24"), s("10.1.2.0 - 10.1.2.255"));
        assert_eq!(s("10.1.2.0/24"), s("10.1.2.77/24"));
        assert_eq!(s("host 1.2.3.4"), s("1.2.3.4/32"));
        assert_eq!(s("192.168.150.0%10/24"), s("192.168.150.0/24%10"));
        assert_eq!(
            s("192.168.150.11%10/24").cidrs(),
            vec!["192.168.150.0%10/24"]
        );
        assert_eq!(s("[2001:db8::]/32").cidrs(), vec!["2001:db8::/32"]);
        assert_eq!(
            s("10.1.2.0-10.1.3.4").cidrs(),
            vec!["10.1.2.0/24", "10.1.3.0/30", "10.1.3.4/32"]
        );
    }

    #[test]
    fn bad_forms() {
        for bad in [
            "10.1.2.0/33",
            "10.1.2.0/x",
            "10.1.2.0 mask 255.0.255.0",
            "10.1.2.9-10.1.2.1",
            "10.1.2.0-2001:db8::1",
            "nonsense",
            "a b c d e",
            "2001:db8::/129",
            "10.0.0.0 mask ffff::",
        ] {
            assert!(AddrSet::parse(bad).is_err(), "{bad} should not parse");
        }
    }

    #[test]
    fn mapped_blocks_fold_into_v4() {
        assert_eq!(s("::ffff:10.1.2.0/120"), s("10.1.2.0/24"));
        let everything_v6 = s("::/0");
        assert!(everything_v6.contains(&"10.9.9.9".parse().unwrap()));
        assert!(
            !everything_v6
                .ranges(Domain::V6)
                .iter()
                .any(|&(lo, hi)| lo <= MAPPED_FIRST && hi >= MAPPED_FIRST)
        );
        assert_eq!(
            AddrSet::full(Domain::V6).complement().count_in(Domain::V6),
            0
        );
    }

    #[test]
    fn complement_spans_other_route_domains() {
        let c = s("10.0.0.0/8").complement();
        assert!(c.contains(&"10.0.0.1%3".parse().unwrap()));
        assert!(!c.contains(&"10.0.0.1".parse().unwrap()));
        assert_eq!(c.complement(), s("10.0.0.0/8"));
        assert_eq!(AddrSet::everything().complement(), AddrSet::empty());
    }
}

#[cfg(test)]
mod count_tests {
    use super::*;

    #[test]
    fn counts_match_rendering_at_the_edges_of_the_spaces() {
        for set in [
            AddrSet::full(Domain::V6),
            AddrSet::full(Domain::V4),
            AddrSet::parse("::/0").unwrap(),
            AddrSet::parse(
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            )
            .unwrap(),
            AddrSet::parse("0.0.0.1-255.255.255.254").unwrap(),
            AddrSet::parse("::-::ffff").unwrap(),
        ] {
            assert_eq!(set.cidrs_limited(0).1, set.cidrs().len(), "{set}");
        }
    }
}

#[cfg(test)]
mod representative_tests {
    use super::*;

    #[test]
    fn from_the_largest_range() {
        let s = AddrSet::from_sets(&[
            AddrSet::parse("10.1.1.5").unwrap(),
            AddrSet::parse("10.1.2.0/24").unwrap(),
        ]);
        assert_eq!(s.representative(), "10.1.2.1".parse().ok());
        assert_eq!(
            AddrSet::parse("10.0.0.7").unwrap().representative(),
            "10.0.0.7".parse().ok()
        );
        assert_eq!(AddrSet::empty().representative(), None);
        let rest = AddrSet::full(Domain::V4).difference(&s);
        assert_eq!(rest.representative(), "10.1.3.1".parse().ok());
    }
}
