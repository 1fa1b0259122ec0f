//! What a change does: two proofs of the same service (before and after a change to the
//! BIG-IP configuration or the mail servers) compared client by client, without
//! enumerating clients. For every virtual server (matched by name; one present on one
//! side only is reported as added or removed), the clients whose outcome changes, by what
//! changes (relay gained or lost, delivery gained or lost, the connection now ending or
//! no longer ending, the pool members, the SNAT address the servers see, the label); and
//! per property, the clients that now violate it (a regression) or no longer do.
//!
//! Classes of the two proofs are intersected pairwise: every client lies in exactly one
//! class on each side, so each non-empty intersection is a set of clients with one
//! outcome before and one after. `tests/diff.rs` checks every claim client by client.

use std::collections::{BTreeMap, BTreeSet};

use addrspace::Domain;
use bigip::decide::End;
use serde::Serialize;

use crate::clients::{Client, ClientSet};
use crate::intent::Property;
use crate::prove::{
    Class, ConfigLocation, Label, Proof, VerdictWord, VirtualProof, describe_clients,
};

/// What changes for a set of clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// Anonymous relay on some path, where there was none.
    RelayGained,
    /// No anonymous relay on any path, where there was.
    RelayLost,
    /// Mail to an accepted domain delivered on some path, where it was not.
    DeliveryGained,
    /// Mail to an accepted domain delivered on no path, where it was.
    DeliveryLost,
    /// The connection now goes nowhere (reset, dropped, not accepted, ...).
    NowEnds,
    /// The connection no longer goes nowhere.
    NoLongerEnds,
    /// It goes nowhere, for another reason.
    EndChanged,
    /// Other pool members serve it.
    MembersChanged,
    /// The servers see another source address (SNAT address or automap self IP).
    SnatChanged,
    /// Proved before and sampled or not decided after, or the other way.
    LabelChanged,
}

impl ChangeKind {
    /// Every kind, in report order.
    pub const ALL: [ChangeKind; 10] = [
        ChangeKind::RelayGained,
        ChangeKind::RelayLost,
        ChangeKind::DeliveryGained,
        ChangeKind::DeliveryLost,
        ChangeKind::NowEnds,
        ChangeKind::NoLongerEnds,
        ChangeKind::EndChanged,
        ChangeKind::MembersChanged,
        ChangeKind::SnatChanged,
        ChangeKind::LabelChanged,
    ];

    /// The kind's name as `--allow` takes it.
    pub fn name(self) -> &'static str {
        match self {
            ChangeKind::RelayGained => "relay-gained",
            ChangeKind::RelayLost => "relay-lost",
            ChangeKind::DeliveryGained => "delivery-gained",
            ChangeKind::DeliveryLost => "delivery-lost",
            ChangeKind::NowEnds => "now-ends",
            ChangeKind::NoLongerEnds => "no-longer-ends",
            ChangeKind::EndChanged => "end-changed",
            ChangeKind::MembersChanged => "members-changed",
            ChangeKind::SnatChanged => "snat-changed",
            ChangeKind::LabelChanged => "label-changed",
        }
    }
}

impl std::str::FromStr for ChangeKind {
    type Err = String;
    fn from_str(s: &str) -> Result<ChangeKind, String> {
        ChangeKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = ChangeKind::ALL.iter().map(|k| k.name()).collect();
                format!("`{s}` is no kind of change; one of {}", names.join(", "))
            })
    }
}

/// Clients whose outcome changes the same way.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// What changes.
    pub kind: ChangeKind,
    /// The clients.
    #[serde(skip)]
    pub clients: ClientSet,
    /// The addresses, as CIDRs (at most 16 shown per family).
    pub addresses: Vec<String>,
    /// How many CIDR blocks in all.
    pub address_blocks: usize,
    /// A client to try.
    pub example: Client,
    /// The outcome before, in words.
    pub before: String,
    /// The outcome after, in words.
    pub after: String,
    /// The labels before and after (`proved`, `sampled`, `not decided`).
    pub labels: (String, String),
}

/// Whether clients violate a property after and not before, or the other way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// Violated after, held before: a regression.
    Regression,
    /// Violated before, holds after: fixed.
    Fixed,
}

/// Clients for which a property's verdict changes.
#[derive(Debug, Clone, Serialize)]
pub struct PropertyChange {
    /// The property.
    pub property: Property,
    /// Regression or fixed.
    pub direction: Direction,
    /// The clients.
    #[serde(skip)]
    pub clients: ClientSet,
    /// The addresses, as CIDRs.
    pub addresses: Vec<String>,
    /// How many CIDR blocks in all.
    pub address_blocks: usize,
    /// A client to try.
    pub example: Client,
    /// What happens to it on the side that violates, in one sentence.
    pub what: String,
    /// Where that side's configuration decides it (see [`crate::prove::Violation::locations`]).
    pub locations: Vec<ConfigLocation>,
}

/// Whether a virtual is on both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Presence {
    /// On both sides.
    Both,
    /// Only after.
    Added,
    /// Only before.
    Removed,
}

/// One virtual server's changes.
#[derive(Debug, Clone, Serialize)]
pub struct VirtualDiff {
    /// The virtual's name.
    pub name: String,
    /// On both sides, or added, or removed.
    pub presence: Presence,
    /// Clients whose outcome changes, grouped by what changes.
    pub changes: Vec<Change>,
    /// Clients for which a property's verdict changes.
    pub properties: Vec<PropertyChange>,
}

/// Everything that changes between two proofs.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    /// The scenario before.
    pub before: String,
    /// The scenario after.
    pub after: String,
    /// Per virtual server, those with a change only.
    pub virtuals: Vec<VirtualDiff>,
}

impl Diff {
    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.virtuals.is_empty()
    }

    /// Clients that violate a property after and did not before.
    pub fn regressions(&self) -> impl Iterator<Item = &PropertyChange> {
        self.virtuals
            .iter()
            .flat_map(|v| v.properties.iter())
            .filter(|p| p.direction == Direction::Regression)
    }
}

/// What a class's clients get, in the terms a change is reported in.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Facets {
    relay: Option<String>,
    delivery: Option<String>,
    /// Why the connection goes nowhere: its kind, compared, and its words, shown.
    end: Option<(std::mem::Discriminant<End>, String)>,
    members: BTreeSet<String>,
    seen: BTreeSet<String>,
    label: &'static str,
}

fn label_name(l: &Label) -> &'static str {
    match l {
        Label::Proved => "proved",
        Label::Sampled { .. } => "sampled",
        Label::NotDecided { .. } => "not decided",
    }
}

fn facets(c: &Class) -> Facets {
    let via = |relay: bool| {
        let on: Vec<String> = c
            .paths
            .iter()
            .filter(|p| {
                if relay {
                    p.relay == VerdictWord::Relayed
                } else {
                    p.local == VerdictWord::Delivered
                }
            })
            .map(|p| format!("{} as {} on {}", p.member, p.seen, p.server))
            .collect();
        (!on.is_empty()).then(|| on.join(", "))
    };
    // An end is compared by its kind, not by its words, which name where the rule says
    // it: a rule edited above the line moves every line number.
    let end = c
        .end
        .as_ref()
        .map(|e| (std::mem::discriminant(e), e.to_string()));
    Facets {
        relay: via(true),
        delivery: via(false),
        end,
        members: c.paths.iter().map(|p| p.member.to_string()).collect(),
        seen: c
            .paths
            .iter()
            .map(|p| format!("{} as {}", p.member, p.seen))
            .collect(),
        label: label_name(&c.label),
    }
}

/// The changes between one class's facets and another's, as (kind, before, after).
fn compare(b: &Facets, a: &Facets) -> Vec<(ChangeKind, String, String)> {
    let mut out = Vec::new();
    let words = |s: &Option<String>, yes: &str, no: &str| match s {
        Some(v) => format!("{yes} via {v}"),
        None => no.to_string(),
    };
    if b.relay.is_some() != a.relay.is_some() {
        let kind = if a.relay.is_some() {
            ChangeKind::RelayGained
        } else {
            ChangeKind::RelayLost
        };
        out.push((
            kind,
            words(&b.relay, "relays", "no relay"),
            words(&a.relay, "relays", "no relay"),
        ));
    }
    if b.delivery.is_some() != a.delivery.is_some() {
        let kind = if a.delivery.is_some() {
            ChangeKind::DeliveryGained
        } else {
            ChangeKind::DeliveryLost
        };
        out.push((
            kind,
            words(&b.delivery, "delivered", "not delivered"),
            words(&a.delivery, "delivered", "not delivered"),
        ));
    }
    let end_words = |e: &Option<(std::mem::Discriminant<End>, String)>| {
        e.as_ref()
            .map_or_else(|| "connects".to_string(), |(_, t)| t.clone())
    };
    match (&b.end, &a.end) {
        (None, Some(_)) => out.push((ChangeKind::NowEnds, end_words(&b.end), end_words(&a.end))),
        (Some(_), None) => out.push((
            ChangeKind::NoLongerEnds,
            end_words(&b.end),
            end_words(&a.end),
        )),
        (Some(x), Some(y)) if x.0 != y.0 => {
            out.push((ChangeKind::EndChanged, end_words(&b.end), end_words(&a.end)))
        }
        _ => {}
    }
    let list = |s: &BTreeSet<String>| {
        if s.is_empty() {
            "none".to_string()
        } else {
            s.iter().cloned().collect::<Vec<_>>().join(", ")
        }
    };
    if b.members != a.members && !b.members.is_empty() && !a.members.is_empty() {
        out.push((
            ChangeKind::MembersChanged,
            list(&b.members),
            list(&a.members),
        ));
    } else if b.seen != a.seen && !b.seen.is_empty() && !a.seen.is_empty() {
        out.push((ChangeKind::SnatChanged, list(&b.seen), list(&a.seen)));
    }
    if b.label != a.label {
        out.push((
            ChangeKind::LabelChanged,
            b.label.to_string(),
            a.label.to_string(),
        ));
    }
    out
}

/// The address families the proofs speak of, for describing sets.
fn universe(proofs: &[&VirtualProof]) -> Vec<Domain> {
    let mut ds: BTreeSet<Domain> = BTreeSet::new();
    for v in proofs {
        for c in &v.classes {
            for (_, a) in c.clients.parts() {
                ds.extend(a.domains());
            }
        }
    }
    ds.into_iter().collect()
}

/// Every change between `before` and `after`.
pub fn diff(before: &Proof, after: &Proof) -> Diff {
    let names: BTreeSet<&str> = before
        .virtuals
        .iter()
        .chain(&after.virtuals)
        .map(|v| v.name.as_str())
        .collect();
    let mut virtuals = Vec::new();
    for name in names {
        let b = before.virtuals.iter().find(|v| v.name == name);
        let a = after.virtuals.iter().find(|v| v.name == name);
        let d = match (b, a) {
            (Some(b), Some(a)) => virtual_diff(name, Presence::Both, b, a),
            (None, Some(a)) => virtual_diff(name, Presence::Added, &empty(name), a),
            (Some(b), None) => virtual_diff(name, Presence::Removed, b, &empty(name)),
            (None, None) => continue,
        };
        if d.presence != Presence::Both || !d.changes.is_empty() || !d.properties.is_empty() {
            virtuals.push(d);
        }
    }
    Diff {
        before: before.scenario.clone(),
        after: after.scenario.clone(),
        virtuals,
    }
}

fn empty(name: &str) -> VirtualProof {
    VirtualProof {
        name: name.to_string(),
        destination: String::new(),
        regions: 0,
        evaluations: 0,
        sampled_regions: 0,
        not_decided_regions: 0,
        classes: Vec::new(),
        violations: Vec::new(),
    }
}

fn virtual_diff(name: &str, presence: Presence, b: &VirtualProof, a: &VirtualProof) -> VirtualDiff {
    let universe = universe(&[b, a]);
    // Only on both sides do outcomes change; an added or removed virtual's clients are
    // told by its properties.
    let mut grouped: BTreeMap<(ChangeKind, String, String, String, String), ClientSet> =
        BTreeMap::new();
    if presence == Presence::Both {
        let after: Vec<(&Class, Facets)> = a.classes.iter().map(|c| (c, facets(c))).collect();
        for cb in &b.classes {
            let fb = facets(cb);
            for (ca, fa) in &after {
                let changes = compare(&fb, fa);
                if changes.is_empty() {
                    continue;
                }
                let both = cb.clients.intersection(&ca.clients);
                if both.is_empty() {
                    continue;
                }
                for (kind, before, after) in changes {
                    let key = (kind, before, after, fb.label.into(), fa.label.into());
                    let set = grouped.entry(key).or_default();
                    *set = set.union(&both);
                }
            }
        }
    }
    let changes = grouped
        .into_iter()
        .filter_map(|((kind, before, after, lb, la), clients)| {
            let example = clients.representative()?;
            let (addresses, address_blocks) = describe_clients(&clients, &universe);
            Some(Change {
                kind,
                clients,
                addresses,
                address_blocks,
                example,
                before,
                after,
                labels: (lb, la),
            })
        })
        .collect();
    let mut properties = Vec::new();
    for p in Property::ALL {
        let of = |v: &VirtualProof| {
            v.violations
                .iter()
                .filter(|x| x.property == p)
                .fold(ClientSet::default(), |s, x| s.union(x.clients()))
        };
        let (vb, va) = (of(b), of(a));
        for (direction, clients, side) in [
            (Direction::Regression, va.difference(&vb), a),
            (Direction::Fixed, vb.difference(&va), b),
        ] {
            let Some(example) = clients.representative() else {
                continue;
            };
            let shown = side
                .violations
                .iter()
                .find(|x| x.property == p && x.covers_client(example));
            let what = shown.map(|x| x.what.clone()).unwrap_or_default();
            let locations = shown.map(|x| x.locations.clone()).unwrap_or_default();
            let (addresses, address_blocks) = describe_clients(&clients, &universe);
            properties.push(PropertyChange {
                property: p,
                direction,
                clients,
                addresses,
                address_blocks,
                example,
                what,
                locations,
            });
        }
    }
    VirtualDiff {
        name: name.to_string(),
        presence,
        changes,
        properties,
    }
}
