//! Set laws against a naive model on a small universe, and partition invariants.

#![allow(clippy::unwrap_used)] // a test that cannot read its own fixtures should stop loudly

use addrspace::{Addr, AddrSet, Domain, Partition};
use proptest::prelude::*;

/// A small universe: 10.0.0.0/27 of route domains 0 and 1, and 2001:db8::/123.
fn universe() -> Vec<Addr> {
    let mut out = Vec::new();
    for rd in [0u16, 1] {
        for i in 0..32u32 {
            out.push(Addr::in_domain(
                std::net::Ipv4Addr::from(0x0a00_0000 + i).into(),
                rd,
            ));
        }
    }
    for i in 0..32u128 {
        let base: u128 = "2001:db8::".parse::<std::net::Ipv6Addr>().unwrap().into();
        out.push(Addr::new(std::net::Ipv6Addr::from(base + i).into()));
    }
    out
}

fn entry() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..32, 0u8..=1).prop_map(|(i, rd)| format!("10.0.0.{i}%{rd}")),
        (0u32..32, 27u8..=32).prop_map(|(i, l)| format!("10.0.0.{i}/{l}")),
        (0u32..32, 0u32..32).prop_map(|(a, b)| format!("10.0.0.{}-10.0.0.{}", a.min(b), a.max(b))),
        (0u32..32, 123u8..=128).prop_map(|(i, l)| format!("2001:db8::{i:x}/{l}")),
        (0u32..32).prop_map(|i| format!("network 10.0.0.{i} prefixlen 30")),
    ]
}

fn set() -> impl Strategy<Value = AddrSet> {
    prop::collection::vec(entry(), 0..5).prop_map(|es| {
        let sets: Vec<AddrSet> = es.iter().map(|e| AddrSet::parse(e).unwrap()).collect();
        AddrSet::from_sets(&sets)
    })
}

fn model(s: &AddrSet) -> Vec<bool> {
    universe().iter().map(|a| s.contains(a)).collect()
}

proptest! {
    #[test]
    fn set_laws(a in set(), b in set(), c in set()) {
        let (ma, mb) = (model(&a), model(&b));
        let zip = |m: &AddrSet, f: &dyn Fn(bool, bool) -> bool| {
            prop_assert_eq!(model(m), ma.iter().zip(&mb).map(|(x, y)| f(*x, *y)).collect::<Vec<_>>());
            Ok(())
        };
        zip(&a.union(&b), &|x, y| x || y)?;
        zip(&a.intersection(&b), &|x, y| x && y)?;
        zip(&a.difference(&b), &|x, y| x && !y)?;
        prop_assert_eq!(model(&a.complement()), ma.iter().map(|x| !x).collect::<Vec<_>>());
        prop_assert_eq!(a.complement().complement(), a.clone());
        prop_assert_eq!(a.union(&b), b.union(&a));
        prop_assert_eq!(a.union(&b).union(&c), a.union(&b.union(&c)));
        prop_assert_eq!(a.intersection(&b.union(&c)), a.intersection(&b).union(&a.intersection(&c)));
        // De Morgan, exact across route domains thanks to the `rest` flag.
        prop_assert_eq!(a.union(&b).complement(), a.complement().intersection(&b.complement()));
        prop_assert_eq!(a.difference(&b), a.intersection(&b.complement()));
        prop_assert!(a.union(&b).is_superset(&a));
        // The early-exit tests agree with the model, with and without `rest`.
        for (x, y) in [(&a, &b), (&a.complement(), &b), (&a, &b.complement())] {
            let (mx, my) = (model(x), model(y));
            let subset = mx.iter().zip(&my).all(|(p, q)| !p || *q);
            let meets = mx.iter().zip(&my).any(|(p, q)| *p && *q);
            if !x.holds_other_domains() && !y.holds_other_domains() {
                prop_assert_eq!(x.is_subset(y), subset);
                prop_assert_eq!(x.intersects(y), meets);
            }
            prop_assert_eq!(x.is_subset(y), x.difference(y).is_empty());
            prop_assert_eq!(x.intersects(y), !x.intersection(y).is_empty());
        }
        // Counting blocks agrees with rendering them.
        let all = a.cidrs();
        let (first, total) = a.cidrs_limited(3);
        prop_assert_eq!(total, all.len());
        prop_assert_eq!(&first[..], &all[..all.len().min(3)]);
        // Rendering round-trips.
        if !a.holds_other_domains() {
            let back: Vec<AddrSet> = a.cidrs().iter().map(|c| AddrSet::parse(c).unwrap()).collect();
            prop_assert_eq!(AddrSet::from_sets(&back), a.clone());
        }
    }

    #[test]
    fn partition_invariants(sets in prop::collection::vec(set(), 0..6), probe in any::<u32>()) {
        let domains = [Domain::V4, Domain { route_domain: 1, ..Domain::V4 }, Domain::V6];
        let p = Partition::new(&sets, &domains);
        let ivs = p.intervals();
        // Covers each domain exactly: intervals are sorted, touch, and span the universe.
        for w in ivs.windows(2) {
            if w[0].domain == w[1].domain && w[1].first != w[0].last + 1 {
                // The only allowed gap is the IPv4-mapped hole in IPv6.
                prop_assert_eq!(w[0].last + 1, 0xffff_u128 << 32);
                prop_assert_eq!(w[1].first, (0xffff_u128 << 32) + (1 << 32));
            }
            prop_assert!((w[0].domain, w[0].last) < (w[1].domain, w[1].first));
        }
        for d in domains {
            let mine: Vec<_> = ivs.iter().filter(|i| i.domain == d).collect();
            prop_assert_eq!(mine[0].first, 0);
            prop_assert_eq!(mine[mine.len() - 1].last, d.family.max());
        }
        // Membership is constant inside each interval: both ends and an inner point.
        for iv in ivs {
            let inner = iv.first + (probe as u128 % iv.size().max(1));
            for s in &sets {
                let at = |n| s.contains(&iv.domain.addr(n));
                prop_assert_eq!(at(iv.first), at(iv.last));
                prop_assert_eq!(at(iv.first), at(inner));
            }
            prop_assert_eq!(p.locate(&iv.representative()), p.locate(&iv.first_addr()));
        }
        // Coarsest: neighbours differ in some set.
        for w in ivs.windows(2) {
            if w[0].domain == w[1].domain && w[1].first == w[0].last + 1 {
                let differs = sets.iter().any(|s| s.contains(&w[0].last_addr()) != s.contains(&w[1].first_addr()));
                prop_assert!(differs, "{:?} and {:?} could merge", w[0], w[1]);
            }
        }
    }
}
