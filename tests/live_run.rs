//! `relaylab run`: the gallery agrees with its proof on the wire; a prover that lies is
//! caught; the relay-trick battery runs on relaying and non-relaying paths; a member killed
//! mid-run loses no acknowledged message.

#![allow(clippy::unwrap_used)] // a run that cannot start should stop the test loudly

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Command;

use relaylab::run_cmd::{RunOptions, run_all};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn opts(base: u8) -> RunOptions {
    RunOptions {
        carrier_base: Some(Ipv4Addr::new(127, base, 0, 1)),
        ..RunOptions::default()
    }
}

#[test]
fn the_whole_gallery_agrees_with_its_proof() {
    let out = Command::new(env!("CARGO_BIN_EXE_relaylab"))
        .arg("run")
        .arg(root().join("scenarios"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let last = text.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("12 of 12 scenarios pass; agreement "),
        "{last}"
    );
    let (agreed, total) = last
        .split("agreement ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .split_once('/')
        .unwrap();
    assert_eq!(agreed, total);
    assert!(total.parse::<usize>().unwrap() > 1000, "{last}");
}

#[test]
fn a_prover_that_flips_one_right_is_caught() {
    let dir = root().join("scenarios/two-snat-workaround");
    let honest = run_all(
        &dir,
        &RunOptions {
            battery: false,
            faults: false,
            ..opts(111)
        },
        false,
    )
    .unwrap();
    assert!(honest[0].passes());
    let lying = RunOptions {
        battery: false,
        faults: false,
        flip_prover_connector: Some("Relay EX1".into()),
        ..opts(112)
    };
    let r = run_all(&dir, &lying, false).unwrap();
    assert!(!r[0].passes());
    let bad: Vec<_> = r[0].observations.iter().filter(|o| !o.agree).collect();
    assert!(!bad.is_empty());
    // Exactly the relay probes through EX1's relay connector disagree, with both traces.
    assert!(
        bad.iter().all(
            |o| o.probe == "anonymous relay" && o.path.starts_with("10.0.1.11:25 as 10.0.0.20")
        ),
        "{bad:#?}"
    );
    assert!(bad.iter().all(|o| o.expected == "rejected"
        && o.live == "relayed"
        && !o.transcript.is_empty()
        && o.prover_path.is_some()));
    // The binary says so too: exit 1 and a DISAGREEMENT line are what users see; here the
    // library's report is the same data.
    assert!(r[0].agreed < r[0].observations.len());
}

#[test]
fn battery_runs_on_relaying_and_refusing_paths_and_agrees() {
    let dir = root().join("scenarios/one-member-wider-connector");
    let r = run_all(
        &dir,
        &RunOptions {
            faults: false,
            ..opts(113)
        },
        false,
    )
    .unwrap();
    let nmap: Vec<_> = r[0]
        .observations
        .iter()
        .filter(|o| o.probe.starts_with("nmap"))
        .collect();
    let smuggle: Vec<_> = r[0]
        .observations
        .iter()
        .filter(|o| o.probe.starts_with("smuggling"))
        .collect();
    // Three distinct paths (EX1 and EX2 as the self IP, and the relay address): 16 pairs
    // and 9 variants each.
    assert_eq!(nmap.len() % 16, 0);
    assert!(nmap.len() >= 48, "{}", nmap.len());
    assert_eq!(smuggle.len(), nmap.len() / 16 * 9);
    assert!(
        nmap.iter().chain(&smuggle).all(|o| o.agree),
        "{:#?}",
        nmap.iter().filter(|o| !o.agree).collect::<Vec<_>>()
    );
    // EX2's widened connector relays the plain pair for outsiders; EX1 refuses it.
    assert!(
        nmap.iter()
            .any(|o| o.path.starts_with("10.0.1.12:25 as 10.0.1.5")
                && o.expected.contains("relayed"))
    );
    assert!(
        nmap.iter()
            .any(|o| o.path.starts_with("10.0.1.11:25 as 10.0.1.5")
                && o.expected.starts_with("RCPT 550"))
    );
    assert!(smuggle.iter().all(|o| o.live.ends_with("smuggled kept 0x")));
}

#[test]
fn a_member_killed_mid_run_loses_no_acknowledged_message() {
    let dir = root().join("scenarios/two-snat-workaround");
    let r = run_all(
        &dir,
        &RunOptions {
            battery: false,
            ..opts(114)
        },
        false,
    )
    .unwrap();
    let kill = r[0]
        .faults
        .iter()
        .find(|f| f.what.contains("killed mid-run"))
        .unwrap();
    assert!(kill.held, "{}", kill.detail);
    let acked: usize = kill
        .detail
        .split(", ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(acked > 0, "{}", kill.detail);
    let down = r[0]
        .faults
        .iter()
        .find(|f| f.what.contains("down before probing"))
        .unwrap();
    assert!(down.held, "{}", down.detail);
}
