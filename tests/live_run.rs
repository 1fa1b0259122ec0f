//! `relaylab run`: the gallery agrees with its proof on the wire, two runs at once; a
//! prover that lies is caught; a trial that cannot be planned or pinned counts as a
//! disagreement; a port-dependent class is probed from its own port; the relay-trick
//! battery runs on relaying and non-relaying paths; a member killed mid-run loses no
//! acknowledged message.

#![allow(clippy::unwrap_used)] // a run that cannot start should stop the test loudly

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use confirm::{Live, NotRun, Predicted, ProbeKind, Question, Reason, SourcePort, Unplannable};
use relaylab::run_cmd::{RunOptions, run_all};
use relaylab::scenario;
use verify::prove::VerdictWord;

mod common;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The figures of the binary's last line: scenarios passing and in all, planned,
/// observed, agreed.
fn figures(last: &str) -> [usize; 5] {
    // "13 of 13 scenarios pass; planned P, observed O, agreement A/P (100.0%)"
    let nums: Vec<usize> = last
        .split(|c: char| !c.is_ascii_digit())
        .filter(|w| !w.is_empty())
        .filter_map(|w| w.parse().ok())
        .collect();
    [nums[0], nums[1], nums[2], nums[3], nums[4]]
}

#[test]
fn two_gallery_runs_at_once_both_agree_with_their_proof() {
    // Each picks its own carrier block: neither is told one.
    let start = || {
        Command::new(env!("CARGO_BIN_EXE_relaylab"))
            .arg("run")
            .arg(root().join("scenarios"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let runs = [start(), start()];
    for run in runs {
        let out = run.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let last = text.lines().last().unwrap_or_default();
        let [passing, scenarios, planned, observed, agreed] = figures(last);
        assert_eq!(passing, scenarios, "{last}");
        assert!(scenarios >= 13, "{last}");
        assert_eq!(planned, observed, "{last}");
        assert_eq!(agreed, planned, "{last}");
        assert!(planned > 1000, "{last}");
    }
}

#[test]
fn a_prover_that_flips_one_right_is_caught() {
    let dir = root().join("scenarios/two-snat-workaround");
    let quick = RunOptions {
        battery: false,
        faults: false,
        ..RunOptions::default()
    };
    let honest = run_all(&dir, &quick, false).unwrap();
    assert!(honest[0].passes());
    let lying = RunOptions {
        flip_prover_connector: Some("Relay EX1".into()),
        ..quick
    };
    let r = run_all(&dir, &lying, false).unwrap();
    assert!(!r[0].passes());
    let bad: Vec<_> = r[0].observations.iter().filter(|o| !o.agree).collect();
    assert!(!bad.is_empty());
    // Exactly the relay probes through EX1's relay connector disagree, with both sides.
    for o in &bad {
        let path = o.trial.route.path().unwrap();
        assert!(
            matches!(
                o.trial.probe,
                ProbeKind::Session {
                    question: Question::AnonymousRelay,
                    ..
                }
            ) && path.member.to_string() == "10.0.1.11:25"
                && path.seen.to_string() == "10.0.0.20",
            "{o:#?}"
        );
        assert_eq!(
            o.trial.predicted,
            Predicted::Verdict {
                verdict: VerdictWord::Rejected
            }
        );
        assert_eq!(
            o.live,
            Live::Verdict {
                verdict: VerdictWord::Relayed
            }
        );
        assert_eq!(o.reason, Reason::Differs);
        assert!(!o.transcript.is_empty());
    }
    assert!(r[0].tally.agreed < r[0].tally.planned);
    assert_eq!(r[0].tally.observed, r[0].tally.planned);

    // As SARIF: valid, and each disagreement an error under live-agreement.
    let sarif = relaylab::sarif::run(&r);
    let file = std::env::temp_dir().join(format!("relaylab-run-{}.sarif", std::process::id()));
    std::fs::write(&file, &sarif).unwrap();
    common::validate(&file, &common::schema());
    std::fs::remove_file(&file).ok();
    let doc: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let live: Vec<&serde_json::Value> = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["ruleId"] == "live-agreement")
        .collect();
    assert_eq!(live.len(), bad.len());
    assert!(live.iter().all(|x| x["level"] == "error"));
}

#[test]
fn an_unplannable_trial_and_a_refused_pin_count_as_disagreements() {
    let dir = root().join("scenarios/two-snat-workaround");
    let s = scenario::load(&dir.join("scenario.toml")).unwrap();
    let proof = verify::prove(&s.model).unwrap();
    let plan = confirm::plan(
        &proof,
        &s.model,
        &confirm::Options {
            samples: 0,
            battery: false,
        },
        1,
    );
    let relays_as = |seen: &str| {
        plan.iter()
            .find(|t| t.route.path().is_some_and(|p| p.seen.to_string() == seen))
            .unwrap()
            .clone()
    };
    // A trial the model could not predict, on an otherwise fine path.
    let mut unplannable = relays_as("10.0.0.20");
    unplannable.id = 10_001;
    unplannable.predicted = Predicted::Unplannable {
        why: Unplannable::NoPath,
    };
    // An outsider pinned to the relay SNAT address: the decision never takes that path.
    let mut wrong_pin = relays_as("10.0.0.20");
    wrong_pin.id = 10_002;
    let outsider = plan
        .iter()
        .find(|t| {
            t.route
                .path()
                .is_some_and(|p| p.seen.to_string() == "10.0.1.5")
        })
        .unwrap();
    wrong_pin.client = outsider.client;
    let r = run_all(
        &dir,
        &RunOptions {
            battery: false,
            faults: false,
            extra_trials: vec![unplannable, wrong_pin],
            ..RunOptions::default()
        },
        false,
    )
    .unwrap();
    let t = r[0].tally;
    assert!(!r[0].passes());
    assert_eq!(t.planned, t.observed + 2, "{t:?}");
    assert_eq!(t.agreed, t.observed, "everything else agrees: {t:?}");
    let find = |id| r[0].observations.iter().find(|o| o.trial.id == id).unwrap();
    assert_eq!(
        find(10_001).reason,
        Reason::Unplannable {
            why: Unplannable::NoPath
        }
    );
    assert!(!find(10_001).agree);
    assert_eq!(
        find(10_002).reason,
        Reason::NotRun {
            why: NotRun::PinRefused
        }
    );
    assert!(!find(10_002).agree);
}

/// The workaround with a back door: any client connecting from source port 1025 gets
/// the relay SNAT address.
fn port_backdoor_scenario() -> tempdir::Dir {
    let src = root().join("scenarios/two-snat-workaround");
    let dir = tempdir::Dir::new("port-backdoor");
    for f in std::fs::read_dir(&src).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, dir.path().join(f.file_name().unwrap())).unwrap();
    }
    let conf = std::fs::read_to_string(src.join("bigip.conf")).unwrap().replace(
        "if { [class match [IP::client_addr] equals smtp_relay_allowed] } {",
        "if { [class match [IP::client_addr] equals smtp_relay_allowed] or [TCP::client_port] == 1025 } {",
    );
    std::fs::write(dir.path().join("bigip.conf"), conf).unwrap();
    let toml = std::fs::read_to_string(src.join("scenario.toml")).unwrap()
        + "\n[expect]\nviolations = [{ property = \"no-open-relay\", example = \"192.0.2.7\" }]\n";
    std::fs::write(dir.path().join("scenario.toml"), toml).unwrap();
    dir
}

mod tempdir {
    /// A folder removed when dropped.
    pub struct Dir(std::path::PathBuf);

    impl Dir {
        pub fn new(name: &str) -> Dir {
            let p = std::env::temp_dir().join(format!("relaylab-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&p);
            std::fs::create_dir_all(&p).unwrap();
            Dir(p)
        }

        pub fn path(&self) -> &std::path::Path {
            &self.0
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

#[test]
fn a_port_dependent_class_is_probed_from_its_own_port() {
    let dir = port_backdoor_scenario();
    let r = run_all(
        dir.path(),
        &RunOptions {
            battery: false,
            faults: false,
            ..RunOptions::default()
        },
        false,
    )
    .unwrap();
    assert!(
        r[0].passes(),
        "{:#?}",
        r[0].observations
            .iter()
            .filter(|o| !o.agree)
            .collect::<Vec<_>>()
    );
    assert_eq!(r[0].tally.planned, r[0].tally.observed);
    // Outsiders from port 1025 relay, from the port itself, and more than once in a row
    // (the same four-tuple again, past TIME_WAIT).
    let backdoor: Vec<_> = r[0]
        .observations
        .iter()
        .filter(|o| o.trial.source_port == SourcePort::Within(addrspace::PortSet::single(1025)))
        .collect();
    assert!(backdoor.len() >= 8, "{}", backdoor.len());
    assert!(backdoor.iter().all(|o| o.source_port == Some(1025)));
    assert!(backdoor.iter().any(|o| {
        !o.trial.client.addr.to_string().starts_with("10.1.")
            && o.live
                == Live::Verdict {
                    verdict: VerdictWord::Relayed,
                }
    }));
    // Everyone else connects from a port of their own class, never 1025.
    let others: Vec<_> = r[0]
        .observations
        .iter()
        .filter_map(|o| match &o.trial.source_port {
            SourcePort::Within(p) if !p.contains(1025) => Some((p, o.source_port)),
            _ => None,
        })
        .collect();
    assert!(!others.is_empty());
    assert!(
        others
            .iter()
            .all(|(p, used)| used.is_some_and(|u| p.contains(u)))
    );
}

#[test]
fn battery_runs_on_relaying_and_refusing_paths_and_agrees() {
    let dir = root().join("scenarios/one-member-wider-connector");
    let r = run_all(
        &dir,
        &RunOptions {
            faults: false,
            ..RunOptions::default()
        },
        false,
    )
    .unwrap();
    let nmap: Vec<_> = r[0]
        .observations
        .iter()
        .filter(|o| matches!(o.trial.probe, ProbeKind::Nmap { .. }))
        .collect();
    let smuggle: Vec<_> = r[0]
        .observations
        .iter()
        .filter(|o| matches!(o.trial.probe, ProbeKind::Smuggling { .. }))
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
    let via = |o: &confirm::Observation| o.trial.route.to_string();
    // EX2's widened connector relays the plain pair for outsiders; EX1 refuses it.
    assert!(
        nmap.iter()
            .any(|o| via(o).starts_with("10.0.1.12:25 as 10.0.1.5")
                && matches!(o.trial.predicted, Predicted::Pair { relays: true, .. }))
    );
    assert!(
        nmap.iter()
            .any(|o| via(o).starts_with("10.0.1.11:25 as 10.0.1.5")
                && matches!(o.trial.predicted, Predicted::Pair { code: 550, .. }))
    );
    assert!(
        smuggle
            .iter()
            .all(|o| matches!(o.live, Live::Smuggling { inner: 0, .. }))
    );
}

#[test]
fn a_member_killed_mid_run_loses_no_acknowledged_message() {
    let dir = root().join("scenarios/two-snat-workaround");
    let r = run_all(
        &dir,
        &RunOptions {
            battery: false,
            ..RunOptions::default()
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

#[test]
fn a_carrier_in_use_exits_3_with_a_hint() {
    // Hold the SMTP carrier ports of a block's first addresses, then ask for that block.
    // Another lab of this test run may hold a block already: take the first one free.
    let hold = |n: u8| -> Option<Vec<std::net::TcpListener>> {
        (1..=6)
            .map(|i| {
                std::net::TcpListener::bind((std::net::Ipv4Addr::new(127, n, 0, i), 20025)).ok()
            })
            .collect()
    };
    let (n, _held) = (100..120)
        .find_map(|n| hold(n).map(|h| (n, h)))
        .expect("a free carrier block to hold");
    let out = Command::new(env!("CARGO_BIN_EXE_relaylab"))
        .args(["run", "--no-battery", "--no-faults", "--carrier-base"])
        .arg(format!("127.{n}.0.1"))
        .arg(root().join("scenarios/two-snat-workaround"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("Address already in use"), "{err}");
    assert!(
        err.contains("--carrier-base"),
        "the hint says what to do: {err}"
    );
}
