//! Data groups (BIG-IP `class` objects): what the `class` commands read.
//!
//! The BIG-IP parser fills these from `ltm data-group internal|external` objects, v10
//! `class` blocks and external data-group files; the interpreter's `class`, `matchclass`
//! and `findclass` commands query them.

use addrspace::{Addr, AddrSet, Domain};

/// What a data group's keys are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DataGroupKind {
    /// Addresses and networks; `equals` is subnet containment.
    Ip,
    /// Strings.
    String,
    /// Integers.
    Integer,
}

/// One record's key, typed by the data group's kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordKey {
    /// An address block of one domain.
    Ip {
        /// The domain (family and route domain).
        domain: Domain,
        /// The first address number of the block.
        first: u128,
        /// The last address number of the block.
        last: u128,
    },
    /// A string key.
    Text(String),
    /// An integer key.
    Integer(i64),
}

impl RecordKey {
    /// The block as a set, for ip keys.
    pub fn addresses(&self) -> Option<AddrSet> {
        match self {
            RecordKey::Ip {
                domain,
                first,
                last,
            } => Some(AddrSet::range(*domain, *first, *last)),
            _ => None,
        }
    }

    /// Whether an ip key's block holds the address.
    pub fn holds(&self, addr: &Addr) -> bool {
        matches!(self, RecordKey::Ip { domain, first, last }
            if addr.domain() == *domain && (*first..=*last).contains(&addr.number()))
    }
}

impl serde::Serialize for RecordKey {
    /// Address blocks serialise as CIDR text: readable, and IPv6 numbers exceed JSON's.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            RecordKey::Ip { .. } => {
                let text = self.addresses().map(|a| a.to_string()).unwrap_or_default();
                s.serialize_newtype_variant("RecordKey", 0, "ip", &text)
            }
            RecordKey::Text(t) => s.serialize_newtype_variant("RecordKey", 1, "text", t),
            RecordKey::Integer(i) => s.serialize_newtype_variant("RecordKey", 2, "integer", i),
        }
    }
}

/// One record: its key as written, the typed key, and the optional data value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Record {
    /// The key as written in the configuration (`10.1.2.0/24`).
    pub name: String,
    /// The typed key.
    pub key: RecordKey,
    /// The `data` value, if any.
    pub data: Option<String>,
    /// The 1-based line of the record in its source, for explanations.
    pub line: usize,
}

/// A data group.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DataGroup {
    /// The full path name (`/Common/smtp_relay_allowed`).
    pub name: String,
    /// The key type.
    pub kind: DataGroupKind,
    /// The records, in configuration order.
    pub records: Vec<Record>,
}

impl DataGroup {
    /// Every address any ip record covers (empty for other kinds).
    pub fn addresses(&self) -> AddrSet {
        let blocks: Vec<AddrSet> = self
            .records
            .iter()
            .filter_map(|r| r.key.addresses())
            .collect();
        AddrSet::from_sets(&blocks)
    }
}

impl RecordKey {
    /// An ip key from any address form addrspace reads (`10.1.2.0/24`, `host 1.2.3.4`,
    /// `network 10.0.0.0 prefixlen 8`, `10.1.1.0%2/24`); the form must be one block.
    pub fn parse_ip(text: &str) -> Result<RecordKey, addrspace::AddrError> {
        let set = AddrSet::parse(text)?;
        let mut domains = set.domains();
        let (Some(domain), None) = (domains.next(), domains.next()) else {
            return Err(addrspace::AddrError::Unrecognised(text.to_string()));
        };
        match set.ranges(domain).as_slice() {
            [(first, last)] => Ok(RecordKey::Ip {
                domain,
                first: *first,
                last: *last,
            }),
            _ => Err(addrspace::AddrError::Unrecognised(text.to_string())),
        }
    }
}

impl DataGroup {
    /// A `type ip` data group from `(key, data)` pairs; for tests, examples and tools.
    pub fn ip(
        name: &str,
        records: &[(&str, Option<&str>)],
    ) -> Result<DataGroup, addrspace::AddrError> {
        let records = records
            .iter()
            .enumerate()
            .map(|(i, (k, d))| {
                Ok(Record {
                    name: k.to_string(),
                    key: RecordKey::parse_ip(k)?,
                    data: d.map(str::to_string),
                    line: i + 1,
                })
            })
            .collect::<Result<Vec<_>, addrspace::AddrError>>()?;
        Ok(DataGroup {
            name: name.to_string(),
            kind: DataGroupKind::Ip,
            records,
        })
    }

    /// A `type string` data group from `(key, data)` pairs.
    pub fn string(name: &str, records: &[(&str, Option<&str>)]) -> DataGroup {
        DataGroup {
            name: name.to_string(),
            kind: DataGroupKind::String,
            records: records
                .iter()
                .enumerate()
                .map(|(i, (k, d))| Record {
                    name: k.to_string(),
                    key: RecordKey::Text(k.to_string()),
                    data: d.map(str::to_string),
                    line: i + 1,
                })
                .collect(),
        }
    }
}

/// How `class match`/`class search` compare an item with record keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum MatchOp {
    /// `equals`: for ip data groups, subnet containment.
    Equals,
    /// `starts_with`: the item starts with the key.
    StartsWith,
    /// `ends_with`: the item ends with the key.
    EndsWith,
    /// `contains`: the item contains the key.
    Contains,
}

impl MatchOp {
    /// The operator as a rule writes it.
    pub fn word(self) -> &'static str {
        match self {
            MatchOp::Equals => "equals",
            MatchOp::StartsWith => "starts_with",
            MatchOp::EndsWith => "ends_with",
            MatchOp::Contains => "contains",
        }
    }

    /// Reads an operator word.
    pub fn parse(word: &str) -> Option<MatchOp> {
        Some(match word {
            "equals" => MatchOp::Equals,
            "starts_with" => MatchOp::StartsWith,
            "ends_with" => MatchOp::EndsWith,
            "contains" => MatchOp::Contains,
            _ => return None,
        })
    }
}

/// Interval starts of one domain.
#[derive(Debug, Clone)]
enum Starts {
    /// IPv4 starts, each with its record (one cache line holds both), and for large
    /// groups the index of the first start in each bucket of the top `bits` bits.
    Narrow {
        starts: Vec<(u32, u32)>,
        bits: u32,
        buckets: Vec<u32>,
    },
    Wide(Vec<u128>, Vec<u32>),
}

/// Sentinel for "no record covers this interval".
const NONE: u32 = u32::MAX;

/// A [`DataGroup`] with the indexes `class` lookups need: for ip data groups, the
/// elementary intervals of all record blocks, each with its longest-prefix record (so a
/// lookup is one binary search); for the others, a map from key to first record.
#[derive(Debug, Clone)]
pub struct IndexedDataGroup {
    group: DataGroup,
    name: std::sync::Arc<str>,
    ip: Vec<(Domain, Starts)>,
    by_name: std::collections::HashMap<String, usize>,
    blocks: std::sync::Arc<[AddrSet]>,
}

impl IndexedDataGroup {
    /// Indexes a data group in O(n log n).
    pub fn new(group: DataGroup) -> IndexedDataGroup {
        let mut by_name = std::collections::HashMap::new();
        for (i, r) in group.records.iter().enumerate() {
            by_name.entry(r.name.clone()).or_insert(i);
        }
        let mut per_domain: std::collections::BTreeMap<Domain, Vec<(u128, u128, u32)>> =
            std::collections::BTreeMap::new();
        for (i, r) in group.records.iter().enumerate() {
            if let RecordKey::Ip {
                domain,
                first,
                last,
            } = r.key
            {
                per_domain
                    .entry(domain)
                    .or_default()
                    .push((first, last, i as u32));
            }
        }
        let ip = per_domain
            .into_iter()
            .map(|(d, recs)| {
                let (starts, best) = elementary(&recs);
                if d.family != addrspace::Family::V4 {
                    return (d, Starts::Wide(starts, best));
                }
                // IPv4 boundaries fit in 32 bits, next to their record: a quarter of the
                // memory, and one cache line per probe instead of two.
                let narrow: Vec<(u32, u32)> = starts
                    .iter()
                    .zip(&best)
                    .map(|(&s, &b)| (s as u32, b))
                    .collect();
                // For large groups, a table over the top bits narrows the search to a
                // few starts. About four starts a bucket keeps the table a fraction of
                // the starts' size, so it stays in cache, where a table of every /16
                // (256 KiB) made each lookup a miss.
                let (bits, buckets) = if narrow.len() > 64 {
                    let bits = (usize::BITS - (narrow.len() / 4).leading_zeros()).clamp(4, 16);
                    let table = (0..=(1u64 << bits))
                        .map(|h| {
                            let at = h << (32 - bits);
                            narrow.partition_point(|&(s, _)| u64::from(s) < at) as u32
                        })
                        .collect();
                    (bits, table)
                } else {
                    (0, Vec::new())
                };
                (
                    d,
                    Starts::Narrow {
                        starts: narrow,
                        bits,
                        buckets,
                    },
                )
            })
            .collect();
        let blocks: Vec<AddrSet> = group
            .records
            .iter()
            .filter_map(|r| r.key.addresses())
            .collect();
        IndexedDataGroup {
            name: std::sync::Arc::from(group.name.as_str()),
            group,
            ip,
            by_name,
            blocks: blocks.into(),
        }
    }

    /// The data group.
    pub fn group(&self) -> &DataGroup {
        &self.group
    }

    /// The data group's full path, shared.
    pub fn name(&self) -> &std::sync::Arc<str> {
        &self.name
    }

    /// Every ip record's block, in record order (what the prover cuts on).
    pub fn blocks(&self) -> &std::sync::Arc<[AddrSet]> {
        &self.blocks
    }

    /// The index of the most specific ip record holding `addr` (the longest prefix;
    /// between equal blocks, the first), in O(log n).
    pub fn longest_match(&self, addr: &Addr) -> Option<usize> {
        let (_, starts) = self.ip.iter().find(|(d, _)| *d == addr.domain())?;
        let n = addr.number();
        let b = match starts {
            Starts::Narrow {
                starts,
                bits,
                buckets,
            } => {
                let n = n as u32;
                let (lo, hi) = if buckets.is_empty() {
                    (0, starts.len())
                } else {
                    let h = (n >> (32 - bits)) as usize;
                    (buckets[h] as usize, buckets[h + 1] as usize)
                };
                let i = (lo + starts[lo..hi].partition_point(|&(s, _)| s <= n)).checked_sub(1)?;
                starts[i].1
            }
            Starts::Wide(starts, best) => {
                let i = starts.partition_point(|&s| s <= n).checked_sub(1)?;
                best[i]
            }
        };
        (b != NONE).then_some(b as usize)
    }

    /// The record that `item <op> key` selects (for ip data groups with `equals`, the
    /// longest prefix holding the address; otherwise the first in record order).
    pub fn find(&self, item: &str, op: MatchOp) -> Option<usize> {
        if self.group.kind == DataGroupKind::Ip && op == MatchOp::Equals {
            return item
                .parse::<Addr>()
                .ok()
                .and_then(|a| self.longest_match(&a));
        }
        if op == MatchOp::Equals && self.group.kind == DataGroupKind::String {
            return self.by_name.get(item).copied();
        }
        self.group
            .records
            .iter()
            .position(|r| record_matches(&r.key, &r.name, item, op))
    }

    /// Every record that `item <op> key` selects, in record order.
    pub fn find_all(&self, item: &str, op: MatchOp) -> Vec<usize> {
        if self.group.kind == DataGroupKind::Ip && op == MatchOp::Equals {
            let Ok(a) = item.parse::<Addr>() else {
                return Vec::new();
            };
            return (0..self.group.records.len())
                .filter(|&i| self.group.records[i].key.holds(&a))
                .collect();
        }
        (0..self.group.records.len())
            .filter(|&i| {
                let r = &self.group.records[i];
                record_matches(&r.key, &r.name, item, op)
            })
            .collect()
    }
}

fn record_matches(key: &RecordKey, name: &str, item: &str, op: MatchOp) -> bool {
    match (key, op) {
        (RecordKey::Integer(k), MatchOp::Equals) => {
            crate::value::parse_int(item).is_some_and(|i| i == *k)
        }
        (RecordKey::Ip { .. }, MatchOp::Equals) => {
            item.parse::<Addr>().is_ok_and(|a| key.holds(&a))
        }
        (_, MatchOp::Equals) => item == name,
        (_, MatchOp::StartsWith) => item.starts_with(name),
        (_, MatchOp::EndsWith) => item.ends_with(name),
        (_, MatchOp::Contains) => item.contains(name),
    }
}

/// Cuts one domain's number line at every record boundary and gives each piece its most
/// specific covering record: a sweep over sorted boundaries with the active records
/// ordered by (block size, record index).
fn elementary(recs: &[(u128, u128, u32)]) -> (Vec<u128>, Vec<u32>) {
    use std::collections::BTreeSet;
    let mut events: Vec<(u128, bool, u128, u32)> = Vec::with_capacity(recs.len() * 2);
    for &(first, last, i) in recs {
        let size = last - first;
        events.push((first, true, size, i));
        if let Some(after) = last.checked_add(1) {
            events.push((after, false, size, i));
        }
    }
    events.sort_unstable_by_key(|e| e.0);
    let mut starts = Vec::new();
    let mut best = Vec::new();
    let mut active: BTreeSet<(u128, u32)> = BTreeSet::new();
    let mut k = 0;
    if events.first().is_none_or(|e| e.0 != 0) {
        starts.push(0);
        best.push(NONE);
    }
    while k < events.len() {
        let at = events[k].0;
        while k < events.len() && events[k].0 == at {
            let (_, open, size, i) = events[k];
            if open {
                active.insert((size, i));
            } else {
                active.remove(&(size, i));
            }
            k += 1;
        }
        let b = active.first().map(|&(_, i)| i).unwrap_or(NONE);
        if best.last() == Some(&b) {
            continue;
        }
        starts.push(at);
        best.push(b);
    }
    (starts, best)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn brute(dg: &DataGroup, a: &Addr) -> Option<usize> {
        dg.records
            .iter()
            .enumerate()
            .filter(|(_, r)| r.key.holds(a))
            .min_by_key(|(i, r)| match r.key {
                RecordKey::Ip { first, last, .. } => (last - first, *i),
                _ => (u128::MAX, *i),
            })
            .map(|(i, _)| i)
    }

    proptest! {
        // Enough records to use the /16 bucket table, in a narrow space so they nest.
        #[test]
        fn longest_match_is_the_smallest_holding_block(
            nets in prop::collection::vec((0u32..4096, 8u32..=32), 300..400),
            probes in prop::collection::vec(0u32..4096, 50),
        ) {
            let texts: Vec<String> = nets
                .iter()
                .map(|(n, len)| {
                    let a = (10u32 << 24) | (n << 12);
                    let a = a & (u32::MAX << (32 - len));
                    format!("{}/{len}", std::net::Ipv4Addr::from(a))
                })
                .collect();
            let pairs: Vec<(&str, Option<&str>)> = texts.iter().map(|t| (t.as_str(), None)).collect();
            let dg = DataGroup::ip("g", &pairs).unwrap();
            let ix = IndexedDataGroup::new(dg.clone());
            for p in probes {
                let a: Addr = std::net::IpAddr::V4(std::net::Ipv4Addr::from((10u32 << 24) | (p << 12) | (p & 0xfff))).into();
                prop_assert_eq!(ix.longest_match(&a), brute(&dg, &a));
            }
            let outside: Addr = "192.0.2.1".parse().unwrap();
            prop_assert_eq!(ix.longest_match(&outside), brute(&dg, &outside));
        }
    }
}
