//! Partition time for 100,000 random CIDRs, against sorting the same boundaries as a
//! baseline measured in the same run.

#![allow(clippy::unwrap_used)] // a test that cannot read its own fixtures should stop loudly

use std::time::Instant;

use addrspace::{AddrSet, Domain, Partition};
use rand::{Rng, SeedableRng, rngs::StdRng};

fn main() {
    let mut rng = StdRng::seed_from_u64(7);
    let texts: Vec<String> = (0..100_000)
        .map(|_| {
            let len = rng.random_range(8..=32u32);
            let a: u32 = rng.random::<u32>() & (u32::MAX << (32 - len));
            format!("{}/{len}", std::net::Ipv4Addr::from(a))
        })
        .collect();
    let t0 = Instant::now();
    let sets: Vec<AddrSet> = texts
        .iter()
        .map(|t| AddrSet::parse(t).expect("generated CIDRs parse"))
        .collect();
    let parse = t0.elapsed();

    let t1 = Instant::now();
    let p = Partition::new(&sets, &Domain::both(0));
    let part = t1.elapsed();

    // Baseline: the least any partition must do, collect and sort the raw boundaries.
    let t2 = Instant::now();
    let mut cuts: Vec<u128> = sets
        .iter()
        .flat_map(|s| s.ranges(Domain::V4))
        .flat_map(|(a, b)| [a, b + 1])
        .collect();
    cuts.sort_unstable();
    cuts.dedup();
    let base = t2.elapsed();

    println!("addrspace: 100,000 random IPv4 CIDRs");
    println!("  parse            {:>9.1} ms", parse.as_secs_f64() * 1e3);
    println!(
        "  partition        {:>9.1} ms  -> {} intervals   (goal < 200 ms)",
        part.as_secs_f64() * 1e3,
        p.len()
    );
    println!(
        "  baseline sort    {:>9.1} ms  (collect + sort + dedup of the same boundaries)",
        base.as_secs_f64() * 1e3
    );
    println!(
        "  ratio partition/baseline-sort: {:.2}x",
        part.as_secs_f64() / base.as_secs_f64()
    );
}
