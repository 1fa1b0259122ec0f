//! `relaylab diff` at scale: two generated configurations with 100,000 data-group records
//! and 20 virtual servers each (the after side drops 100 records and turns one
//! virtual's automap off). Prints the two checks, the comparison alone, the whole diff
//! and its ratio to the two checks, measured in the same run, with the cost per virtual.
//! The goal (1,000 virtuals under 2 s) is not met: each virtual is proved on its own, at
//! about 60 ms and 30 MB with 100,000 records, so 1,000 would take a minute per side and
//! more memory than the machine has (`DIFF_BENCH_VIRTUALS=1000` shows it).

#![allow(clippy::unwrap_used)] // generated inputs; a failure should stop the bench loudly

use std::fmt::Write;
use std::time::Instant;

use rand::{Rng, SeedableRng, rngs::StdRng};
use verify::{Intent, MemberServer, Model, Options};

const MEMBERS: usize = 2;

fn bigip_conf(records: &[String], virtuals: usize, no_automap: Option<usize>) -> String {
    let mut s =
        String::from("ltm data-group internal /Common/smtp_relay_allowed {\n    records {\n");
    for r in records {
        let _ = writeln!(s, "        {r} {{ }}");
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
    for v in 0..virtuals {
        let snat = if no_automap == Some(v) {
            "none"
        } else {
            "automap"
        };
        let _ = writeln!(
            s,
            "ltm virtual /Common/vs{v} {{ destination /Common/10.201.{}.{}:25 pool /Common/p rules {{ /Common/smtp_irule }} source-address-translation {{ type {snat} }} }}",
            v / 250,
            v % 250 + 1
        );
    }
    s.push_str("net self /Common/float { address 10.200.1.5/24 vlan /Common/internal traffic-group /Common/traffic-group-1 }\n");
    s
}

fn exchange(name: &str) -> String {
    format!(
        "[[server]]\nname = \"{name}\"\nflavour = \"exchange\"\nversion = \"2016\"\n\
         \n[[server.connector]]\nname = \"Default\"\nbindings = [\"0.0.0.0:25\"]\nremote_ip_ranges = [\"0.0.0.0-255.255.255.255\"]\npermission_groups = [\"AnonymousUsers\", \"ExchangeServers\"]\nauth_mechanism = [\"Tls\", \"ExchangeServer\"]\n\
         \n[[server.connector]]\nname = \"Relay\"\nbindings = [\"0.0.0.0:25\"]\nremote_ip_ranges = [\"10.200.0.20\"]\npermission_groups = [\"AnonymousUsers\"]\nauth_mechanism = [\"Tls\"]\n\
         \n[[server.permission]]\nconnector = \"Relay\"\nuser = \"NT AUTHORITY\\\\ANONYMOUS LOGON\"\nextended_rights = [\"ms-Exch-SMTP-Accept-Any-Recipient\"]\n\
         \n[[accepted_domain]]\ndomain = \"contoso.com\"\ntype = \"Authoritative\"\n"
    )
}

fn model(name: &str, conf: &str) -> Model {
    let config = bigip::parse("generated.conf", conf).unwrap().config;
    let allowed = config.data_groups["/Common/smtp_relay_allowed"]
        .group
        .addresses();
    let servers = (0..MEMBERS)
        .map(|m| MemberServer {
            member: format!("10.200.1.{}", 11 + m).parse().unwrap(),
            server: relaypolicy::import::parse_native(&exchange(&format!("EX{m}")), "g.toml")
                .unwrap()
                .resolved()
                .remove(0),
        })
        .collect();
    Model {
        name: name.into(),
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

fn main() {
    // `cargo test --all-targets` runs this unoptimised as a smoke test: keep that short.
    let (records, virtuals) = if cfg!(debug_assertions) {
        (1_000, 10)
    } else {
        (100_000, 20)
    };
    let env = |k: &str, d: usize| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let (records, virtuals) = (
        env("DIFF_BENCH_RECORDS", records),
        env("DIFF_BENCH_VIRTUALS", virtuals),
    );
    let mut rng = StdRng::seed_from_u64(17);
    let recs: Vec<String> = (0..records)
        .map(|_| {
            let n: u32 = 0x0a00_0000 | (rng.random::<u32>() & 0x00ff_ffff);
            if rng.random_bool(0.2) {
                format!("{}/24", std::net::Ipv4Addr::from(n & 0xffff_ff00))
            } else {
                format!("{}/32", std::net::Ipv4Addr::from(n))
            }
        })
        .collect();
    let before = model("before", &bigip_conf(&recs, virtuals, None));
    let after = model(
        "after",
        &bigip_conf(&recs[100.min(records)..], virtuals, Some(virtuals / 2)),
    );

    let t = Instant::now();
    let pb = verify::prove(&before).unwrap();
    let pa = verify::prove(&after).unwrap();
    let checks = t.elapsed();
    let t = Instant::now();
    let d = verify::diff::diff(&pb, &pa);
    let compare = t.elapsed();
    let changes: usize = d.virtuals.iter().map(|v| v.changes.len()).sum();
    println!(
        "verify: diff of two configurations, {records} data-group records and {virtuals} virtuals each"
    );
    if cfg!(debug_assertions) {
        println!(
            "  (unoptimised smoke run: the figures mean nothing; use `cargo bench -p verify`)"
        );
    }
    println!(
        "  two checks        {:>9.1} ms   ({} classes before, {} after)",
        checks.as_secs_f64() * 1e3,
        pb.virtuals.iter().map(|v| v.classes.len()).sum::<usize>(),
        pa.virtuals.iter().map(|v| v.classes.len()).sum::<usize>()
    );
    println!(
        "  the comparison    {:>9.1} ms   ({} virtuals changed, {changes} changes, {} regressions)",
        compare.as_secs_f64() * 1e3,
        d.virtuals.len(),
        d.regressions().count()
    );
    let total = checks + compare;
    println!(
        "  diff in all       {:>9.1} ms   {:.2}x two checks",
        total.as_secs_f64() * 1e3,
        total.as_secs_f64() / checks.as_secs_f64()
    );
    let per = |d: std::time::Duration| d.as_secs_f64() * 1e3 / virtuals.max(1) as f64;
    println!(
        "  per virtual: check {:.1} ms a side, comparison {:.2} ms; at 1,000 virtuals about {:.0} s (goal < 2 s, not met)",
        per(checks) / 2.0,
        per(compare),
        (per(checks) + per(compare)) * 1_000.0 / 1e3
    );
}
