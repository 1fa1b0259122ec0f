//! Import and connector selection with 10,000 user entries each (goal: each under 1 s in
//! a release build on 2 cores): an Exchange receive connector with 10,000 RemoteIPRanges,
//! `postconf -n` with 10,000 mynetworks entries, and an Exchange 2003 relay list of
//! 10,000 entries. Each is measured against a baseline from the same run: serde_json (or
//! a line split) reading the same text, the least any importer must do.

#![allow(clippy::unwrap_used)] // a bench that cannot read what it generated should stop loudly

use std::fmt::Write;
use std::time::Instant;

use relaypolicy::import;
use relaypolicy::{Endpoint, Probe, Server};

const ENTRIES: usize = 10_000;

fn addr_of(i: usize) -> std::net::Ipv4Addr {
    std::net::Ipv4Addr::from(0x0a00_0000u32 + (i as u32) * 4)
}

fn exchange_json(n: usize) -> String {
    let mut ranges = String::new();
    for i in 0..n {
        let sep = if i == 0 { "" } else { ",\n" };
        let _ = write!(ranges, "{sep}      \"{}/30\"", addr_of(i));
    }
    format!(
        r#"[
  {{
    "Identity": "EX1\\Relay",
    "Name": "Relay",
    "Server": "EX1",
    "Bindings": ["0.0.0.0:25"],
    "RemoteIPRanges": [
{ranges}
    ],
    "PermissionGroups": "AnonymousUsers",
    "AuthMechanism": "Tls"
  }},
  {{
    "Identity": "EX1\\Default EX1",
    "Name": "Default EX1",
    "Server": "EX1",
    "Bindings": ["0.0.0.0:25"],
    "RemoteIPRanges": ["0.0.0.0-255.255.255.255"],
    "PermissionGroups": "AnonymousUsers, ExchangeUsers",
    "AuthMechanism": "Tls, Integrated, BasicAuth"
  }}
]
"#
    )
}

fn postconf(n: usize) -> String {
    let mut s =
        String::from("myhostname = mx.contoso.com\nmydestination = contoso.com\nmynetworks =");
    for i in 0..n {
        let _ = write!(s, " {}/30", addr_of(i));
    }
    s.push_str("\nsmtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination\n");
    s
}

fn exchange2003(n: usize) -> String {
    let mut s = String::from(
        "[[server]]\nname = \"EXCH03\"\nflavour = \"exchange2003\"\nfqdn = \"exch03.contoso.com\"\nlocal_domains = [\"contoso.com\"]\nrelay_mode = \"only_list\"\nrelay_list = [\n",
    );
    for i in 0..n {
        let _ = writeln!(s, "  \"{} 255.255.255.252\",", addr_of(i));
    }
    s.push_str("]\n");
    s
}

/// Import, every check the prover runs on a server, and connector selection for a
/// thousand clients spread over the entries.
fn import_and_select(text: &str, file: &str) -> usize {
    let set = import::load_str(text, file).unwrap();
    let servers = set.resolved();
    let mut n = 0;
    for s in &servers {
        n += s.problems().len();
        n += s.decision_sets().len();
        let local = Endpoint::new("10.0.1.11".parse().unwrap(), 25);
        for i in (0..ENTRIES).step_by(ENTRIES / 1000) {
            let remote = addr_of(i).to_string().parse().unwrap();
            let out = s.probe(
                local,
                remote,
                &Probe::AnonymousRelay {
                    external_domain: "example.net".into(),
                },
            );
            n += out.steps.len();
        }
    }
    assert!(matches!(
        servers.first(),
        Some(Server::Exchange(_) | Server::Exchange2003(_) | Server::Postfix(_))
    ));
    n
}

fn best_of_three(f: impl Fn() -> usize) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        std::hint::black_box(f());
        best = best.min(t.elapsed().as_secs_f64());
    }
    best
}

fn main() {
    println!("relaypolicy: import + selection with {ENTRIES} entries each (goal < 1000 ms)");
    for (what, file, text) in [
        ("Exchange RemoteIPRanges", "rc.json", exchange_json(ENTRIES)),
        ("Postfix mynetworks", "postconf-n.txt", postconf(ENTRIES)),
        (
            "Exchange 2003 relay list",
            "ex2003.toml",
            exchange2003(ENTRIES),
        ),
    ] {
        let t = best_of_three(|| import_and_select(&text, file));
        // The baseline: reading the same text into a generic tree (or its lines).
        let base = best_of_three(|| {
            if file.ends_with(".json") {
                let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                usize::from(v.is_array())
            } else if file.ends_with(".toml") {
                let v: toml::Table = toml::from_str(&text).unwrap();
                v.len()
            } else {
                text.split_whitespace().count()
            }
        });
        println!(
            "  {what:<26} {:>8.1} ms   baseline read {:>7.1} ms   ratio {:.1}x",
            t * 1e3,
            base * 1e3,
            t / base
        );
    }
}
