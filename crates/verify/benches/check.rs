//! `check` on a generated scenario: 100,000 data-group records, 6 pool members, each with
//! 5 receive connectors of 500 ranges. Prints wall time (goal < 1 s), peak RSS (goal
//! < 256 MB), growth over 1,000 / 10,000 / 100,000 records (goal near-linear), and the
//! ratio against deciding addresses one by one with the same engine (goal >= 1,000x),
//! measured in the same run.

#![allow(clippy::unwrap_used)] // generated inputs; a failure should stop the bench loudly

use std::collections::HashMap;
use std::fmt::Write;
use std::time::{Duration, Instant};

use addrspace::{Addr, AddrSet};
use bigip::decide::{DataGroupIndex, Plan};
use rand::{Rng, SeedableRng, rngs::StdRng};
use relaypolicy::policy::Probe;
use relaypolicy::session::Endpoint;
use verify::{Intent, MemberServer, Model, Options};

const MEMBERS: usize = 6;

fn bigip_conf(records: usize, rng: &mut StdRng) -> String {
    let mut s =
        String::from("ltm data-group internal /Common/smtp_relay_allowed {\n    records {\n");
    for _ in 0..records {
        // Random /32s and /24s across 10.0.0.0/8: overlaps nest, as in real lists.
        let n: u32 = 0x0a00_0000 | (rng.random::<u32>() & 0x00ff_ffff);
        if rng.random_bool(0.2) {
            let _ = writeln!(
                s,
                "        {}/24 {{ }}",
                std::net::Ipv4Addr::from(n & 0xffff_ff00)
            );
        } else {
            let _ = writeln!(s, "        {}/32 {{ }}", std::net::Ipv4Addr::from(n));
        }
    }
    s.push_str("    }\n    type ip\n}\nltm pool /Common/p {\n    members {\n");
    for m in 0..MEMBERS {
        let _ = writeln!(
            s,
            "        /Common/10.200.1.{}:25 {{ address 10.200.1.{} }}",
            11 + m,
            11 + m
        );
    }
    s.push_str(
        "    }\n}\nltm rule /Common/smtp_irule {\nwhen CLIENT_ACCEPTED {\n  if { [class match [IP::client_addr] equals smtp_relay_allowed] } {\n    snat 10.200.0.20\n  } else {\n    snat automap\n  }\n}\n}\n",
    );
    s.push_str("ltm virtual /Common/vs { destination /Common/10.200.0.10:25 pool /Common/p rules { /Common/smtp_irule } source-address-translation { type automap } }\n");
    s.push_str("net self /Common/float { address 10.200.1.5/24 vlan /Common/internal traffic-group /Common/traffic-group-1 }\n");
    s
}

fn exchange(name: &str, server_ix: usize) -> String {
    let mut s =
        format!("[[server]]\nname = \"{name}\"\nflavour = \"exchange\"\nversion = \"2016\"\n");
    s.push_str("\n[[server.connector]]\nname = \"Default\"\nbindings = [\"0.0.0.0:25\"]\nremote_ip_ranges = [\"0.0.0.0-255.255.255.255\"]\npermission_groups = [\"AnonymousUsers\", \"ExchangeServers\"]\nauth_mechanism = [\"Tls\", \"ExchangeServer\"]\n");
    for c in 0..4 {
        let _ = write!(
            s,
            "\n[[server.connector]]\nname = \"App{c}\"\nbindings = [\"0.0.0.0:25\"]\nremote_ip_ranges = ["
        );
        for r in 0..500u32 {
            // Disjoint /28 blocks in 172.16.0.0/12, distinct per server and connector.
            let block = 0xac10_0000u32 + (((server_ix as u32 * 4 + c) * 500 + r) << 4);
            let _ = write!(s, "\"{}/28\", ", std::net::Ipv4Addr::from(block));
        }
        s.push_str("]\npermission_groups = [\"AnonymousUsers\"]\nauth_mechanism = [\"Tls\"]\n");
    }
    s.push_str("\n[[server.connector]]\nname = \"Relay\"\nbindings = [\"0.0.0.0:25\"]\nremote_ip_ranges = [\"10.200.0.20\"]\npermission_groups = [\"AnonymousUsers\"]\nauth_mechanism = [\"Tls\"]\n");
    s.push_str("\n[[server.permission]]\nconnector = \"Relay\"\nuser = \"NT AUTHORITY\\\\ANONYMOUS LOGON\"\nextended_rights = [\"ms-Exch-SMTP-Accept-Any-Recipient\"]\n");
    s.push_str("\n[[accepted_domain]]\ndomain = \"contoso.com\"\ntype = \"Authoritative\"\n");
    s
}

fn model(records: usize) -> Model {
    let mut rng = StdRng::seed_from_u64(records as u64);
    let config = bigip::parse("generated.conf", &bigip_conf(records, &mut rng))
        .unwrap()
        .config;
    let allowed = config.data_groups["/Common/smtp_relay_allowed"]
        .group
        .addresses();
    let servers = (0..MEMBERS)
        .map(|m| {
            let text = exchange(&format!("EX{m}"), m);
            let server = relaypolicy::import::parse_native(&text, "generated.toml")
                .unwrap()
                .resolved()
                .remove(0);
            MemberServer {
                member: format!("10.200.1.{}", 11 + m).parse().unwrap(),
                server,
            }
        })
        .collect();
    Model {
        name: format!("generated, {records} records"),
        config: std::sync::Arc::new(config),
        servers,
        intent: Intent {
            relay_allowed: allowed,
            external_domain: "example.net".into(),
            local_recipient: "postmaster@contoso.com".into(),
            auth_requires_tls: false,
        },
        cases: Vec::new(),
        expected: Vec::new(),
        options: Options::default(),
    }
}

fn timed_check(m: &Model) -> (Duration, usize, usize) {
    let t = Instant::now();
    let p = verify::prove(m).unwrap();
    let wall = t.elapsed();
    assert!(
        p.violations().next().is_none(),
        "the generated scenario holds"
    );
    (wall, p.virtuals[0].regions, p.virtuals[0].classes.len())
}

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// Decides addresses one by one with the same engine: the iRule for each address, then
/// the servers' verdicts per (member, address seen), cached as the prover caches them.
fn one_by_one(m: &Model, addrs: impl Iterator<Item = Addr>) -> (Duration, usize) {
    let index = std::sync::Arc::new(DataGroupIndex::new(&m.config));
    let plan = Plan::new(
        &m.config,
        &index,
        "/Common/vs",
        irule::Settings::default(),
        m.options.automap,
    )
    .unwrap();
    let probe = Probe::AnonymousRelay {
        external_domain: "example.net".into(),
    };
    let mut cache: HashMap<(Addr, Addr), bool> = HashMap::new();
    let t = Instant::now();
    let mut n = 0;
    for a in addrs {
        let out = plan.decide(a, 49152);
        for p in &out.paths {
            let server = m.server_for(&p.member.addr).unwrap();
            let relayed = *cache.entry((p.member.addr, p.seen)).or_insert_with(|| {
                matches!(
                    server
                        .probe(Endpoint::new(p.member.addr, 25), p.seen, &probe)
                        .verdict,
                    relaypolicy::policy::Verdict::Relayed
                )
            });
            std::hint::black_box(relayed);
        }
        n += 1;
    }
    (t.elapsed(), n)
}

fn main() {
    println!(
        "verify: check on a generated scenario ({MEMBERS} members x 5 connectors, 4 of them with 500 ranges)"
    );
    let mut walls = Vec::new();
    for records in [1_000, 10_000, 100_000] {
        let m = model(records);
        let (wall, intervals, classes) = timed_check(&m);
        walls.push((records, wall));
        println!(
            "  {records:>7} records: {:>8.1} ms  {intervals:>7} regions  {classes} classes",
            wall.as_secs_f64() * 1e3
        );
    }
    let per = |(r, w): (usize, Duration)| w.as_secs_f64() / r as f64;
    println!(
        "  growth: 10k/1k {:.1}x time for 10x records, 100k/10k {:.1}x (linear is 10x)",
        walls[1].1.as_secs_f64() / walls[0].1.as_secs_f64(),
        walls[2].1.as_secs_f64() / walls[1].1.as_secs_f64()
    );
    println!("  per record at 100k: {:.2} us", per(walls[2]) * 1e6);
    match peak_rss_mb() {
        Some(mb) => println!("  peak RSS {mb:.0} MB   (goal < 256 MB)"),
        None => println!("  peak RSS: unavailable (no /proc/self/status)"),
    }
    let wall_100k = walls[2].1;
    println!(
        "  check at 100k: {:.0} ms   (goal < 1000 ms)",
        wall_100k.as_secs_f64() * 1e3
    );

    // Baseline: every address of 10.0.0.0/8 one by one. The full /8 is 16.8 million
    // decisions; a 1,048,576-address slice is timed and scaled by 16, and said so.
    let m = model(100_000);
    let slice = 1u32 << 20;
    let (t, n) = one_by_one(
        &m,
        (0..slice).map(|i| Addr::new(std::net::Ipv4Addr::from(0x0a00_0000 + i).into())),
    );
    let per_addr = t.as_secs_f64() / n as f64;
    let full = per_addr * f64::from(1u32 << 24);
    println!(
        "  one by one: {n} addresses of 10.0.0.0/8 in {:.0} ms ({:.2} us each); the whole /8 would take {:.1} s",
        t.as_secs_f64() * 1e3,
        per_addr * 1e6,
        full
    );
    println!(
        "  ratio: whole-space proof is {:.0}x faster than the /8 one by one (goal >= 1000x)",
        full / wall_100k.as_secs_f64()
    );

    // An iRule that lists clients in a chain of `if`/`elseif IP::addr` branches instead of
    // a data group: each region walks the chain to its branch, so n branches cost n^2/2
    // comparisons. Baseline in the same run: the same entries as a data group.
    println!("  chains of IP::addr branches (goal: 10,000 under 1 s):");
    for n in [1_000usize, 3_000, 10_000] {
        let chain = chain_model(n, false);
        let group = chain_model(n, true);
        let (wall, regions, _) = timed_check(&chain);
        let (base, _, _) = timed_check(&group);
        println!(
            "  {n:>7} branches: {:>8.1} ms  {regions:>6} regions; as a data group {:>6.1} ms ({:.0}x)",
            wall.as_secs_f64() * 1e3,
            base.as_secs_f64() * 1e3,
            wall.as_secs_f64() / base.as_secs_f64().max(1e-9)
        );
    }
    let _ = AddrSet::empty();
}

/// The generated scenario's rule with `n` /24 blocks of clients written as a chain of
/// `IP::addr` branches, or (`as_group`) as a data group of the same blocks.
fn chain_model(n: usize, as_group: bool) -> Model {
    let blocks: Vec<String> = (0..n)
        .map(|i| format!("10.{}.{}.0/24", 100 + i / 256, i % 256))
        .collect();
    let mut m = model(1_000);
    let mut conf = String::new();
    let rule = if as_group {
        conf.push_str("ltm data-group internal /Common/chain {\n    records {\n");
        for b in &blocks {
            let _ = writeln!(conf, "        {b} {{ }}");
        }
        conf.push_str("    }\n    type ip\n}\n");
        "when CLIENT_ACCEPTED {\n  if { [class match [IP::client_addr] equals chain] } {\n    snat 10.200.0.20\n  } else {\n    snat automap\n  }\n}\n".to_string()
    } else {
        let mut r = String::from("when CLIENT_ACCEPTED {\n");
        for (i, b) in blocks.iter().enumerate() {
            let kw = if i == 0 { "  if" } else { "  } elseif" };
            let _ = writeln!(
                r,
                "{kw} {{ [IP::addr [IP::client_addr] equals {b}] }} {{\n    snat 10.200.0.20"
            );
        }
        r.push_str("  } else {\n    snat automap\n  }\n}\n");
        r
    };
    let text = bigip_conf(0, &mut StdRng::seed_from_u64(0)).replace(
        "when CLIENT_ACCEPTED {\n  if { [class match [IP::client_addr] equals smtp_relay_allowed] } {\n    snat 10.200.0.20\n  } else {\n    snat automap\n  }\n}\n",
        &rule,
    );
    conf.push_str(&text);
    let config = bigip::parse("chain.conf", &conf).unwrap().config;
    // The allowed clients are the chain's blocks, so the scenario holds.
    let allowed = AddrSet::from_sets(
        &blocks
            .iter()
            .map(|b| AddrSet::parse(b).unwrap())
            .collect::<Vec<_>>(),
    );
    m.config = std::sync::Arc::new(config);
    m.intent.relay_allowed = allowed;
    m
}
