//! Live sessions per second: 10,000 SMTP sessions (EHLO, MAIL, RCPT, DATA, QUIT) at
//! concurrency 100 through the SNAT balancer, next to the same sessions straight to the
//! mail server in the same run; prints the balancer's overhead (goal: at most 15%).

#![allow(clippy::unwrap_used)] // a bench that cannot start its lab should stop loudly

use std::net::{Ipv4Addr, SocketAddrV4};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use addrspace::Addr;
use relaylab::lab::{Lab, LabOptions};
use relaylab::probe::Session;

const SESSIONS: usize = 10_000;
const CONCURRENCY: usize = 100;

async fn one(source: Ipv4Addr, to: SocketAddrV4, rcpt: &str, n: usize) -> bool {
    let Some((mut s, _)) = Session::open(source, to).await else {
        return false;
    };
    let ok = s.cmd("EHLO bench.relaylab.invalid").await.ok()
        && s.cmd("MAIL FROM:<bench@relaylab.invalid>").await.ok()
        && s.cmd(&format!("RCPT TO:<{rcpt}>")).await.ok()
        && s.data(&format!("bench-{n}@relaylab.invalid")).await.code == 250;
    let _ = s.quit().await;
    ok
}

/// Runs `SESSIONS` sessions with `CONCURRENCY` in flight; returns (seconds, failures).
async fn batch(source: Ipv4Addr, to: SocketAddrV4, rcpt: Arc<str>, offset: usize) -> (f64, usize) {
    let next = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..CONCURRENCY {
        let (next, failed, rcpt) = (next.clone(), failed.clone(), rcpt.clone());
        workers.spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= SESSIONS {
                    break;
                }
                if !one(source, to, &rcpt, offset + n).await {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
    }
    // Bounded: the whole batch may take at most five minutes.
    let done = tokio::time::timeout(Duration::from_secs(300), async {
        while workers.join_next().await.is_some() {}
    })
    .await;
    if done.is_err() {
        workers.abort_all();
        eprintln!("batch did not finish in 300 s");
    }
    (
        started.elapsed().as_secs_f64(),
        failed.load(Ordering::Relaxed),
    )
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/two-snat-workaround/scenario.toml");
        let s = relaylab::scenario::load(&path).unwrap_or_else(|e| {
            e.report();
            panic!("scenario loads")
        });
        let opts = LabOptions { carrier_base: Some(Ipv4Addr::new(127, 113, 0, 1)), ..LabOptions::default() };
        let lab = Lab::start(&s.model, opts).await.unwrap();
        let client: Addr = "10.1.2.55".parse().unwrap();
        let snat: Addr = "10.0.0.20".parse().unwrap();
        let member: Addr = "10.0.1.11".parse().unwrap();
        let vip = lab.service(&"10.0.0.10".parse().unwrap(), 25).unwrap();
        let direct = lab.service(&member, 25).unwrap();
        let rcpt: Arc<str> = Arc::from(s.model.intent.local_recipient.as_str());
        // Direct first, as the servers see it through the balancer: from the relay SNAT
        // address to one member.
        let (t_direct, f_direct) = batch(lab.carrier(&snat).unwrap(), direct, rcpt.clone(), 0).await;
        let (t_lb, f_lb) = batch(lab.carrier(&client).unwrap(), vip, rcpt, SESSIONS).await;
        let (r_direct, r_lb) = (SESSIONS as f64 / t_direct, SESSIONS as f64 / t_lb);
        println!("live sessions: {SESSIONS} SMTP sessions (EHLO, MAIL, RCPT, DATA, QUIT) at concurrency {CONCURRENCY}");
        println!("  straight to the server   {r_direct:>8.0} sessions/s  ({t_direct:.2} s, {f_direct} failed)");
        println!("  through the balancer     {r_lb:>8.0} sessions/s  ({t_lb:.2} s, {f_lb} failed)");
        println!("  ratio balancer/direct: {:.2} (overhead {:.1}%; goal at most 15%)", r_lb / r_direct, 100.0 * (1.0 - r_lb / r_direct));
        let counters = lab.shutdown().await.unwrap();
        if let Some(c) = counters {
            println!("  balancer counters: {} connections, {} resets, {} SNAT port exhaustions", c.connections, c.resets, c.snat_exhausted);
        }
    });
}
