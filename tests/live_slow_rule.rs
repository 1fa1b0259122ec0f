//! An iRule that spends its whole step budget, hammered by clients reconnecting in a loop,
//! must delay only its own virtual server: another virtual's clients and the mock servers
//! still greet promptly, and the monitors keep running.
//!
//! The lab runs on its own runtime and each client on its own thread, and every wait is a
//! bounded channel receive: if the rule did block the lab's async workers (as it once
//! did), the test fails in bounded time instead of hanging with them.

#![allow(clippy::unwrap_used)] // a test that cannot set up its lab should stop loudly

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use relaylab::lab::{Lab, LabOptions};
use relaylab::scenario;
use tokio::io::AsyncReadExt;
use tokio::net::TcpSocket;

/// Hostile clients, each reconnecting to the slow virtual in a loop.
const HOSTILE: usize = 8;
/// How long they keep at it.
const HOSTILE_FOR: Duration = Duration::from_secs(8);
/// A generous bound for a banner on a virtual without the slow rule; the point is
/// "not held up by the other virtual's rule" (which took 10 s and more), not speed.
const PROMPT: Duration = Duration::from_secs(3);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn runtime(workers: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap()
}

/// Connects from `from` to `to` and reads the first bytes (a banner, or nothing on reset).
async fn first_bytes(from: Ipv4Addr, to: SocketAddrV4, wait: Duration) -> Option<String> {
    let sock = TcpSocket::new_v4().ok()?;
    sock.bind(SocketAddr::new(from.into(), 0)).ok()?;
    let mut s = tokio::time::timeout(wait, sock.connect(SocketAddr::V4(to)))
        .await
        .ok()?
        .ok()?;
    let mut buf = [0u8; 512];
    let n = tokio::time::timeout(wait, s.read(&mut buf))
        .await
        .ok()?
        .ok()?;
    Some(String::from_utf8_lossy(&buf[..n]).into_owned())
}

/// Runs `first_bytes` on a thread of its own and waits at most `wait` for it.
fn banner_within(from: Ipv4Addr, to: SocketAddrV4, wait: Duration) -> Option<(String, Duration)> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let start = Instant::now();
        let got = rt.block_on(first_bytes(from, to, wait));
        let _ = tx.send(got.map(|b| (b, start.elapsed())));
    });
    rx.recv_timeout(wait).ok().flatten()
}

#[test]
fn a_rule_that_spends_its_budget_delays_only_its_own_virtual() {
    let lab_rt = runtime(2);
    let s =
        scenario::load(&root().join("tests/fixtures/hostile/scenario.toml")).unwrap_or_else(|e| {
            e.report();
            panic!("scenario loads")
        });
    let client = "192.0.2.7".parse().unwrap();
    // The engine charges work by size, so within the default budget no rule is slow;
    // a budget this large lets the loop run for seconds, past the 2 s decision budget.
    let opts = LabOptions {
        carrier_base: Some(Ipv4Addr::new(127, 111, 0, 1)),
        clients: vec![client],
        lb: lb::Settings {
            step_budget: 60_000_000,
            ..LabOptions::default().lb
        },
        ..LabOptions::default()
    };
    let lab: Lab = lab_rt.block_on(Lab::start(&s.model, opts)).unwrap();
    let from = lab.carrier(&client).unwrap();
    let slow = lab.service(&"10.0.0.11".parse().unwrap(), 25).unwrap();
    let normal = lab.service(&"10.0.0.10".parse().unwrap(), 25).unwrap();
    let member = lab.service(&"10.0.1.11".parse().unwrap(), 25).unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let attempts = Arc::new(AtomicU64::new(0));
    let hostile = {
        let (stop, attempts) = (stop.clone(), attempts.clone());
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let deadline = tokio::time::Instant::now() + HOSTILE_FOR;
                let mut clients = tokio::task::JoinSet::new();
                for _ in 0..HOSTILE {
                    let (stop, attempts) = (stop.clone(), attempts.clone());
                    clients.spawn(async move {
                        while tokio::time::Instant::now() < deadline
                            && !stop.load(Ordering::Relaxed)
                        {
                            attempts.fetch_add(1, Ordering::Relaxed);
                            let _ = first_bytes(from, slow, Duration::from_secs(5)).await;
                        }
                    });
                }
                while clients.join_next().await.is_some() {}
            });
        })
    };
    // Let the hostile clients fill the slow virtual's rule threads first.
    std::thread::sleep(Duration::from_secs(1));

    let mut seen = Vec::new();
    for round in 0..3 {
        for (what, to) in [("the normal virtual", normal), ("a mock server", member)] {
            let got = banner_within(from, to, PROMPT);
            let Some((banner, took)) = got else {
                stop.store(true, Ordering::Relaxed);
                panic!(
                    "round {round}: no banner from {what} within {PROMPT:?} while a slow rule runs elsewhere"
                );
            };
            assert!(banner.starts_with("220"), "{what}: {banner}");
            seen.push(took);
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    stop.store(true, Ordering::Relaxed);
    hostile.join().unwrap();
    let counters = lab_rt
        .block_on(async { tokio::time::timeout(Duration::from_secs(30), lab.shutdown()).await })
        .unwrap()
        .unwrap()
        .unwrap();
    lab_rt.shutdown_timeout(Duration::from_secs(10));
    eprintln!(
        "{} hostile connections; banners elsewhere took at most {:?}; {} decisions over budget",
        attempts.load(Ordering::Relaxed),
        seen.iter().max().unwrap(),
        counters.rule_timeouts
    );
    assert!(attempts.load(Ordering::Relaxed) >= HOSTILE as u64);
    // Every hostile connection ended at the balancer: its rule never decides anything.
    assert!(counters.resets >= HOSTILE as u64, "{counters:?}");
    // The rule was slow for real: decisions ran out of wall-clock time, not of steps.
    assert!(counters.rule_timeouts >= HOSTILE as u64, "{counters:?}");
}
