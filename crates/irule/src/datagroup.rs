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
