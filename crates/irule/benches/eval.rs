//! Evaluations per second of the reference rule's CLIENT_ACCEPTED for random client
//! addresses against a 10,000-record ip data group, next to `tclsh` evaluating the same
//! rule body (compiled as a proc) with mock procs for `class`, `IP::client_addr` and
//! `snat`, on the same addresses in the same run. The mock `class match` is an honest
//! longest-prefix lookup (one dict probe per prefix length in use), not a linear scan.

use std::io::Write;
use std::net::Ipv4Addr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use irule::{Connection, DataGroup, Program, Settings, Snat, StaticHost};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const RULE: &str = r#"when CLIENT_ACCEPTED {
  set accepted_snat "10.0.0.20"
  if { [class exists smtp_relay_allowed] } {
    if { [class match [IP::client_addr] equals smtp_relay_allowed] } {
      snat $accepted_snat
    } else {
      snat automap
    }
  } else {
    snat automap
  }
}"#;

const RECORDS: usize = 10_000;
// `cargo test --all-targets` runs this unoptimised as a smoke test: keep that short.
const CLIENTS: usize = if cfg!(debug_assertions) {
    2_000
} else {
    50_000
};
const LENS: [u32; 5] = [16, 20, 24, 28, 32];
const TCLSH_LIMIT: Duration = Duration::from_secs(120);

fn main() {
    // Not a timing: the share of F5's command reference relaylab handles, printed with
    // the benchmarks so the figure travels with them.
    println!(
        "irule reference coverage: {}",
        irule::catalog::support_figures()
    );
    let mut rng = StdRng::seed_from_u64(11);
    let mut records: Vec<(u32, u32)> = Vec::with_capacity(RECORDS);
    let mut seen = std::collections::HashSet::new();
    while records.len() < RECORDS {
        let len = LENS[rng.random_range(0..LENS.len())];
        let net = rng.random::<u32>() & (u32::MAX << (32 - len));
        if seen.insert((net, len)) {
            records.push((net, len));
        }
    }
    let texts: Vec<String> = records
        .iter()
        .map(|(n, l)| format!("{}/{l}", Ipv4Addr::from(*n)))
        .collect();
    let pairs: Vec<(&str, Option<&str>)> = texts.iter().map(|t| (t.as_str(), None)).collect();
    let dg = DataGroup::ip("smtp_relay_allowed", &pairs).expect("records parse");
    // Half the clients inside some record, half anywhere.
    let clients: Vec<Ipv4Addr> = (0..CLIENTS)
        .map(|i| {
            if i % 2 == 0 {
                let (net, len) = records[rng.random_range(0..records.len())];
                let host = if len == 32 {
                    0
                } else {
                    rng.random::<u32>() >> len
                };
                Ipv4Addr::from(net | host)
            } else {
                Ipv4Addr::from(rng.random::<u32>())
            }
        })
        .collect();

    let t_index = Instant::now();
    let host = StaticHost::new().with_data_group(dg);
    let index_time = t_index.elapsed();
    let rule = irule::parse("/Common/smtp_irule", RULE).expect("reference rule parses");
    let program = Program::new(vec![rule], Settings::default()).expect("loads");
    let statics = program.init(&host).expect("RULE_INIT");
    let vip = "10.0.0.10".parse().expect("vip");

    let conns: Vec<Connection> = clients
        .iter()
        .map(|a| Connection::new(std::net::IpAddr::V4(*a).into(), vip, 25))
        .collect();
    let rounds: usize = std::env::var("IRULE_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(if cfg!(debug_assertions) { 1 } else { 5 });
    let mut relayed = 0usize;
    let t0 = Instant::now();
    // One session reset per connection and one result buffer: what a prover or load
    // generator does.
    let mut session = program.connect(&host, &statics, conns[0]);
    let mut ev = irule::Evaluation::default();
    for _ in 0..rounds {
        relayed = 0;
        for c in &conns {
            session.reset(*c);
            session.fire_into("CLIENT_ACCEPTED", &mut ev);
            if matches!(ev.snat(), Some(Snat::Addr { .. })) {
                relayed += 1;
            }
        }
    }
    let ours = t0.elapsed();
    let ours_rate = (rounds * CLIENTS) as f64 / ours.as_secs_f64();
    // A fresh session per connection, as the live balancer starts one: nothing carries
    // over from the connection before (variables, caches, argument buffers), only the
    // caller's result buffer is reused, as `fire_into` lets any caller do.
    let mut fresh_relayed = 0usize;
    let t1 = Instant::now();
    for _ in 0..rounds {
        fresh_relayed = 0;
        for c in &conns {
            let mut fresh = program.connect(&host, &statics, *c);
            fresh.fire_into("CLIENT_ACCEPTED", &mut ev);
            if matches!(ev.snat(), Some(Snat::Addr { .. })) {
                fresh_relayed += 1;
            }
        }
    }
    let fresh_rate = (rounds * CLIENTS) as f64 / t1.elapsed().as_secs_f64();
    // The same with a new result per connection (`Program::evaluate`), for reference.
    let t2 = Instant::now();
    for c in &conns {
        let ev = program.evaluate(&host, &statics, *c, "CLIENT_ACCEPTED");
        std::hint::black_box(&ev);
    }
    let evaluate_rate = CLIENTS as f64 / t2.elapsed().as_secs_f64();

    println!(
        "irule: reference rule CLIENT_ACCEPTED, {RECORDS}-record ip data group, {CLIENTS} random clients"
    );
    if cfg!(debug_assertions) {
        println!("  (unoptimised smoke run: the figures mean nothing; use `cargo bench -p irule`)");
    }
    println!(
        "  data-group index build {:>8.1} ms",
        index_time.as_secs_f64() * 1e3
    );
    println!(
        "  relaylab   {:>12.0} evaluations/s  ({:.2} us each; {relayed} relayed, {} automap)",
        ours_rate,
        1e6 / ours_rate,
        CLIENTS - relayed
    );
    println!(
        "  relaylab   {:>12.0} evaluations/s  ({:.2} us each) with a fresh session per connection",
        fresh_rate,
        1e6 / fresh_rate
    );
    println!(
        "  (relaylab  {:>12.0} evaluations/s with a fresh session and a new result per connection)",
        evaluate_rate
    );
    if fresh_relayed != relayed {
        println!("  WARNING: fresh sessions and the reused session disagree");
    }
    match run_tclsh(&records, &clients) {
        Ok((tcl_relayed, micros)) => {
            let tcl_rate = CLIENTS as f64 / (micros as f64 / 1e6);
            println!(
                "  tclsh      {:>12.0} evaluations/s  ({:.2} us each; {tcl_relayed} relayed, {} automap)",
                tcl_rate,
                1e6 / tcl_rate,
                CLIENTS - tcl_relayed
            );
            println!(
                "  ratio relaylab/tclsh: {:.1}x with a fresh session per connection (goal >= 20x), {:.1}x with one session reused",
                fresh_rate / tcl_rate,
                ours_rate / tcl_rate
            );
            if tcl_relayed != relayed {
                println!("  WARNING: tclsh and relaylab disagree on the number of relayed clients");
            }
        }
        Err(why) => println!("  tclsh: skipped ({why})"),
    }
}

/// Runs the same rule body in one tclsh process over the same clients; returns the
/// number relayed and the loop's time in microseconds as measured inside Tcl.
fn run_tclsh(records: &[(u32, u32)], clients: &[Ipv4Addr]) -> Result<(usize, u64), String> {
    let body = RULE
        .trim_start_matches("when CLIENT_ACCEPTED {")
        .trim_end()
        .trim_end_matches('}');
    let mut script = String::from(
        r#"namespace eval IP {}
proc IP::client_addr {} { return $::cur }
proc snat {a} { set ::out $a }
set ::lens {16 20 24 28 32}
foreach len $::lens { set ::dg($len) [dict create] }
proc ip2int {a} {
  scan $a %d.%d.%d.%d w x y z
  return [expr {($w << 24) | ($x << 16) | ($y << 8) | $z}]
}
proc class {cmd args} {
  switch -- $cmd {
    exists { return 1 }
    match {
      set n [ip2int [lindex $args 0]]
      foreach len $::lens {
        set m [expr {$n & ((0xffffffff << (32 - $len)) & 0xffffffff)}]
        if {[dict exists $::dg($len) $m]} { return 1 }
      }
      return 0
    }
  }
  error "unexpected class $cmd"
}
"#,
    );
    script.push_str("foreach {net len} {");
    for (n, l) in records {
        script.push_str(&format!("{n} {l} "));
    }
    script.push_str("} { dict set ::dg($len) $net 1 }\n");
    script.push_str(&format!("proc client_accepted {{}} {{{body}}}\n"));
    script.push_str("set addrs {");
    for a in clients {
        script.push_str(&format!("{a} "));
    }
    script.push_str(
        r#"}
set relayed 0
set t0 [clock microseconds]
foreach a $addrs {
  set ::cur $a
  client_accepted
  if {$::out ne "automap"} { incr relayed }
}
set t1 [clock microseconds]
puts "$relayed [expr {$t1 - $t0}]"
"#,
    );
    let mut child = Command::new("tclsh")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|_| "tclsh not found".to_string())?;
    child
        .stdin
        .take()
        .ok_or("no stdin")?
        .write_all(script.as_bytes())
        .map_err(|e| e.to_string())?;
    let start = Instant::now();
    loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(_) => break,
            None if start.elapsed() > TCLSH_LIMIT => {
                let _ = child.kill();
                return Err(format!("took longer than {TCLSH_LIMIT:?}"));
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut it = text.split_whitespace();
    let relayed = it.next().and_then(|s| s.parse().ok());
    let micros = it.next().and_then(|s| s.parse().ok());
    match (relayed, micros) {
        (Some(r), Some(m)) => Ok((r, m)),
        _ => Err(format!(
            "unexpected tclsh output: {text} {}",
            String::from_utf8_lossy(&out.stderr)
        )),
    }
}
