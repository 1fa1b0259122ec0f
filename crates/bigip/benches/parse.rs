//! Parse throughput of a generated bigip.conf with 100,000 data-group records and 1,000
//! virtual servers (goal: under 1 s in a release build on 2 cores), against a baseline
//! measured in the same run: one pass that only counts braces and lines, the least any
//! reader of the file must do.

#![allow(clippy::unwrap_used)] // a test that cannot read its own fixtures should stop loudly

use std::fmt::Write;
use std::time::Instant;

fn generate(records: usize, virtuals: usize) -> String {
    let mut s = String::from("#TMSH-VERSION: 15.1.8\n");
    s.push_str("ltm data-group internal /Common/big_dg {\n    records {\n");
    for i in 0..records {
        let n = 0x0a00_0000u32 + (i as u32) * 4;
        let a = std::net::Ipv4Addr::from(n);
        if i % 3 == 0 {
            let _ = writeln!(
                s,
                "        {a}/30 {{\n            data \"record {i}\"\n        }}"
            );
        } else {
            let _ = writeln!(s, "        {a}/32 {{ }}");
        }
    }
    s.push_str("    }\n    type ip\n}\n");
    s.push_str("ltm monitor smtp /Common/smtp_monitor { defaults-from /Common/smtp domain example.com interval 120 timeout 361 }\n");
    s.push_str("ltm snatpool /Common/relay_snat { members { /Common/10.0.0.20 } }\n");
    s.push_str("ltm rule /Common/smtp_irule {\nwhen CLIENT_ACCEPTED {\n  if { [class match [IP::client_addr] equals big_dg] } { snat 10.0.0.20 } else { snat automap }\n}\n}\n");
    for v in 0..virtuals {
        let (hi, lo) = (v / 250, v % 250);
        let _ = write!(
            s,
            "ltm pool /Common/pool_{v} {{\n    load-balancing-mode round-robin\n    members {{\n        /Common/10.9.{hi}.{lo}:25 {{\n            address 10.9.{hi}.{lo}\n        }}\n        /Common/10.8.{hi}.{lo}:25 {{\n            address 10.8.{hi}.{lo}\n        }}\n    }}\n    monitor /Common/smtp_monitor\n}}\n"
        );
        let _ = write!(
            s,
            "ltm virtual /Common/vs_{v} {{\n    destination /Common/192.0.{hi}.{lo}:25\n    ip-protocol tcp\n    mask 255.255.255.255\n    persist {{\n        /Common/source_addr {{\n            default yes\n        }}\n    }}\n    pool /Common/pool_{v}\n    profiles {{\n        /Common/tcp {{ }}\n    }}\n    rules {{\n        /Common/smtp_irule\n    }}\n    source 0.0.0.0/0\n    source-address-translation {{\n        type automap\n    }}\n    translate-address enabled\n    translate-port enabled\n}}\n"
        );
    }
    s
}

fn main() {
    let text = generate(100_000, 1_000);
    let mb = text.len() as f64 / 1e6;

    let t = Instant::now();
    let (mut braces, mut lines) = (0usize, 0usize);
    for b in text.bytes() {
        braces += usize::from(b == b'{' || b == b'}');
        lines += usize::from(b == b'\n');
    }
    let base = t.elapsed();
    std::hint::black_box((braces, lines));

    // Best of three, so one scheduling hiccup on a shared 2-core machine does not decide.
    let mut best = f64::MAX;
    let mut records = 0;
    for _ in 0..3 {
        let t = Instant::now();
        let loaded = bigip::parse("generated.conf", &text).expect("generated config parses");
        best = best.min(t.elapsed().as_secs_f64());
        records = loaded.config.data_groups["/Common/big_dg"]
            .group
            .records
            .len();
        assert_eq!(loaded.config.virtuals.len(), 1_000);
    }
    println!(
        "bigip: generated bigip.conf, {mb:.1} MB, {records} data-group records, 1,000 virtuals"
    );
    println!(
        "  parse            {:>8.1} ms  {:>7.1} MB/s   (goal < 1000 ms)",
        best * 1e3,
        mb / best
    );
    println!(
        "  baseline scan    {:>8.1} ms  (count braces and lines only)",
        base.as_secs_f64() * 1e3
    );
    println!("  ratio parse/scan: {:.1}x", best / base.as_secs_f64());
}
