//! `relaylab diff`: every claim checked client by client. Each gallery scenario is
//! changed by general edits (an iRule's `snat automap` becomes `snat none`, a data-group
//! record goes, a literal prefix widens, a virtual's automap goes), both directions are
//! diffed, and for every class edge and representative on either side and random
//! clients, the client is in a change's set exactly when the classes holding it before
//! and after differ that way, and in a regression exactly when an after-violation holds
//! it and no before-violation does. Then the command line: exit codes, --allow,
//! --fail-on-change, --bigip, JSON and JUnit.

#![allow(clippy::unwrap_used)] // a test that cannot read its own fixtures should stop loudly

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use addrspace::Addr;
use rand::{Rng, SeedableRng};
use relaylab::scenario;

mod common;
use common::{copy, gallery, glob_pair, root};
use verify::diff::{ChangeKind, Diff, Direction};
use verify::prove::VerdictWord;
use verify::{Class, Client, Proof, Property};

/// General edits of a bigip.conf, each by name; None when it does not apply.
type Edit = fn(&str) -> Option<String>;

fn edits() -> Vec<(&'static str, Edit)> {
    vec![
        ("irule snat automap -> none", |t| {
            t.contains("snat automap")
                .then(|| t.replace("snat automap", "snat none"))
        }),
        ("drop a data-group record", |t| {
            let lines: Vec<&str> = t.lines().collect();
            let i = lines.iter().position(|l| {
                let l = l.trim();
                l.ends_with("{ }")
                    && l.split_whitespace()
                        .next()
                        .is_some_and(|a| addrspace::AddrSet::parse(a).is_ok())
            })?;
            let mut out: Vec<&str> = lines.clone();
            out.remove(i);
            Some(out.join("\n") + "\n")
        }),
        ("widen a /24 to a /23", |t| {
            t.contains("/24").then(|| t.replacen("/24", "/23", 1))
        }),
        ("virtual automap -> none", |t| {
            t.contains("type automap")
                .then(|| t.replace("type automap", "type none"))
        }),
    ]
}

fn load_prove(path: &Path) -> Option<Proof> {
    let s = scenario::load(path).ok()?;
    verify::prove(&s.model).ok()
}

/// The class holding `c`, if the virtual has one for its family.
fn class_of<'p>(p: &'p Proof, v: &str, c: Client) -> Option<&'p Class> {
    let vp = p.virtuals.iter().find(|x| x.name == v)?;
    let mut holding = vp.classes.iter().filter(|k| k.clients.contains(c));
    let first = holding.next();
    assert!(holding.next().is_none(), "{c:?} lies in two classes of {v}");
    first
}

/// The kinds of change between two classes, decided here on their own terms.
fn kinds(b: &Class, a: &Class) -> BTreeSet<ChangeKind> {
    let relays = |c: &Class| c.paths.iter().any(|p| p.relay == VerdictWord::Relayed);
    let delivers = |c: &Class| c.paths.iter().any(|p| p.local == VerdictWord::Delivered);
    let members = |c: &Class| c.paths.iter().map(|p| p.member).collect::<BTreeSet<_>>();
    let seen = |c: &Class| {
        c.paths
            .iter()
            .map(|p| (p.member, p.seen))
            .collect::<BTreeSet<_>>()
    };
    let label = |c: &Class| match c.label {
        verify::Label::Proved => 0,
        verify::Label::Sampled { .. } => 1,
        verify::Label::NotDecided { .. } => 2,
    };
    let mut out = BTreeSet::new();
    match (relays(b), relays(a)) {
        (false, true) => out.insert(ChangeKind::RelayGained),
        (true, false) => out.insert(ChangeKind::RelayLost),
        _ => false,
    };
    match (delivers(b), delivers(a)) {
        (false, true) => out.insert(ChangeKind::DeliveryGained),
        (true, false) => out.insert(ChangeKind::DeliveryLost),
        _ => false,
    };
    match (&b.end, &a.end) {
        (None, Some(_)) => {
            out.insert(ChangeKind::NowEnds);
        }
        (Some(_), None) => {
            out.insert(ChangeKind::NoLongerEnds);
        }
        (Some(x), Some(y)) if std::mem::discriminant(x) != std::mem::discriminant(y) => {
            out.insert(ChangeKind::EndChanged);
        }
        _ => {}
    }
    let (mb, ma) = (members(b), members(a));
    if !mb.is_empty() && !ma.is_empty() {
        if mb != ma {
            out.insert(ChangeKind::MembersChanged);
        } else if seen(b) != seen(a) {
            out.insert(ChangeKind::SnatChanged);
        }
    }
    if label(b) != label(a) {
        out.insert(ChangeKind::LabelChanged);
    }
    out
}

fn violated(p: &Proof, v: &str, prop: Property, c: Client) -> bool {
    p.virtuals
        .iter()
        .filter(|x| x.name == v)
        .flat_map(|x| x.violations.iter())
        .any(|x| x.property == prop && x.covers_client(c))
}

/// Checks every claim of `d` for the clients worth trying; returns how many were tried.
fn check_claims(before: &Proof, after: &Proof, d: &Diff, rng: &mut rand::rngs::StdRng) -> usize {
    let mut tried = 0;
    for vp in &after.virtuals {
        let v = vp.name.as_str();
        let mut clients: Vec<Client> = Vec::new();
        for p in [before, after] {
            for c in p
                .virtuals
                .iter()
                .filter(|x| x.name == v)
                .flat_map(|x| &x.classes)
            {
                clients.push(c.representative_client());
                clients.extend(c.clients.edges(16));
            }
        }
        for _ in 0..64 {
            clients.push(Client {
                addr: Addr::from(std::net::IpAddr::V4(rng.random::<u32>().into())),
                port: rng.random_range(1024..=65535),
            });
        }
        let vd = d.virtuals.iter().find(|x| x.name == v);
        for c in clients {
            let (Some(cb), Some(ca)) = (class_of(before, v, c), class_of(after, v, c)) else {
                continue;
            };
            tried += 1;
            let want = kinds(cb, ca);
            for k in ChangeKind::ALL {
                let claimed = vd.is_some_and(|x| {
                    x.changes
                        .iter()
                        .any(|ch| ch.kind == k && ch.clients.contains(c))
                });
                assert_eq!(
                    claimed,
                    want.contains(&k),
                    "{v}: {c:?} {} claimed {claimed}; classes before {:?} after {:?}",
                    k.name(),
                    cb.addresses,
                    ca.addresses
                );
            }
            for prop in Property::ALL {
                let (vb, va) = (violated(before, v, prop, c), violated(after, v, prop, c));
                for (dir, want) in [
                    (Direction::Regression, va && !vb),
                    (Direction::Fixed, vb && !va),
                ] {
                    let claimed = vd.is_some_and(|x| {
                        x.properties.iter().any(|p| {
                            p.property == prop && p.direction == dir && p.clients.contains(c)
                        })
                    });
                    assert_eq!(claimed, want, "{v}: {c:?} {prop} {dir:?}");
                }
            }
        }
    }
    tried
}

#[test]
fn every_claim_holds_client_by_client() {
    let tmp = tempfile::tempdir().unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(13);
    let (mut pairs, mut tried, mut changed) = (0, 0, 0);
    for dir in gallery() {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let Some(before) = load_prove(&dir.join("scenario.toml")) else {
            panic!("{name} does not prove");
        };
        let text = std::fs::read_to_string(dir.join("bigip.conf")).unwrap();
        for (i, (_what, edit)) in edits().into_iter().enumerate() {
            let Some(edited) = edit(&text) else {
                continue;
            };
            let to = tmp.path().join(format!("{name}-{i}"));
            copy(&dir, &to);
            std::fs::write(to.join("bigip.conf"), edited).unwrap();
            let Some(after) = load_prove(&to.join("scenario.toml")) else {
                continue; // the edit made the configuration unusable: nothing to diff
            };
            pairs += 1;
            for (b, a) in [(&before, &after), (&after, &before)] {
                let d = verify::diff::diff(b, a);
                changed += usize::from(!d.is_empty());
                tried += check_claims(b, a, &d, &mut rng);
            }
        }
        // A proof compared with itself changes nothing.
        assert!(verify::diff::diff(&before, &before).is_empty(), "{name}");
    }
    assert!(pairs >= 20, "only {pairs} edited pairs");
    assert!(changed >= 20, "only {changed} diffs found a change");
    assert!(tried >= 2_000, "only {tried} clients tried");
}

fn relaylab(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_relaylab"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

#[test]
fn fixing_the_glob_pitfall_shows_exactly_the_addresses_that_lose_relay() {
    let tmp = tempfile::tempdir().unwrap();
    let (before, after) = glob_pair(tmp.path());
    let out = relaylab(&[
        "diff",
        before.to_str().unwrap(),
        after.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let v = &doc["diff"]["virtuals"][0];
    let lost = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "relay-lost")
        .unwrap();
    let hole = [
        "10.1.20.0/22",
        "10.1.24.0/22",
        "10.1.28.0/23",
        "10.1.200.0/21",
        "10.1.208.0/20",
        "10.1.224.0/19",
    ];
    assert_eq!(lost["addresses"], serde_json::json!(hole));
    let fixed = v["properties"].as_array().unwrap();
    assert!(
        fixed
            .iter()
            .any(|p| p["property"] == "no-open-relay" && p["direction"] == "fixed")
    );
    assert_eq!(doc["regressions"], 0);

    // The other way is the regression: exit 1, named in the text.
    let out = relaylab(&["diff", after.to_str().unwrap(), before.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let t = text(&out.stdout);
    assert!(t.contains("REGRESSION no-open-relay: 10.1.20.0/22"), "{t}");
    // Allowed, it passes; with --fail-on-change the other changes still fail it.
    let out = relaylab(&[
        "diff",
        after.to_str().unwrap(),
        before.to_str().unwrap(),
        "--allow",
        "no-open-relay",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let out = relaylab(&[
        "diff",
        after.to_str().unwrap(),
        before.to_str().unwrap(),
        "--allow",
        "no-open-relay",
        "--fail-on-change",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let out = relaylab(&[
        "diff",
        after.to_str().unwrap(),
        before.to_str().unwrap(),
        "--allow",
        "no-open-relay",
        "--allow",
        "relay-gained",
        "--allow",
        "snat-changed",
        "--fail-on-change",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[test]
fn the_after_side_as_bigip_files_and_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let (before, after) = glob_pair(tmp.path());
    let out = relaylab(&[
        "diff",
        after.to_str().unwrap(),
        "--bigip",
        before.join("bigip.conf").to_str().unwrap(),
        "--format",
        "junit",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let xml = text(&out.stdout);
    assert!(
        xml.contains("/Common/SMTP_VS no-open-relay does not regress"),
        "{xml}"
    );
    assert!(xml.contains("<failure"), "{xml}");

    // Nothing changed: exit 0 and says so.
    let out = relaylab(&["diff", before.to_str().unwrap(), before.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("No client's outcome changes."));

    // Bad input: exit 2.
    for args in [
        vec!["diff", before.to_str().unwrap()],
        vec![
            "diff",
            before.to_str().unwrap(),
            "--allow",
            "everything",
            after.to_str().unwrap(),
        ],
        vec![
            "diff",
            before.to_str().unwrap(),
            after.to_str().unwrap(),
            "--bigip",
            "x.conf",
        ],
        vec!["diff", "no-such-dir", after.to_str().unwrap()],
    ] {
        let out = relaylab(&args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn a_virtual_added_and_one_removed_are_named_with_their_violations() {
    let tmp = tempfile::tempdir().unwrap();
    let (before, after) = glob_pair(tmp.path());
    // The pitfall's virtual under another name: the old one is removed, the new one
    // added, and its open relay is a regression.
    std::fs::copy(before.join("bigip.conf"), after.join("bigip.conf")).unwrap();
    let conf = std::fs::read_to_string(after.join("bigip.conf")).unwrap();
    std::fs::write(
        after.join("bigip.conf"),
        conf.replace("/Common/SMTP_VS", "/Common/SMTP_VS2"),
    )
    .unwrap();
    let toml = std::fs::read_to_string(after.join("scenario.toml")).unwrap();
    std::fs::write(
        after.join("scenario.toml"),
        toml.replace("/Common/SMTP_VS", "/Common/SMTP_VS2"),
    )
    .unwrap();
    let out = relaylab(&["diff", before.to_str().unwrap(), after.to_str().unwrap()]);
    let t = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{t}{}", text(&out.stderr));
    assert!(t.contains("virtual /Common/SMTP_VS (removed)"), "{t}");
    assert!(t.contains("virtual /Common/SMTP_VS2 (added)"), "{t}");
    assert!(t.contains("REGRESSION no-open-relay"), "{t}");
}

#[test]
fn a_policy_file_replaced_by_name_shows_the_open_relay_it_adds() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = root().join("scenarios/two-snat-workaround");
    let new = tmp.path().join("receive-connectors.json");
    let own = std::fs::read_to_string(dir.join("receive-connectors.json")).unwrap();
    // The classic mistake: the automap self IP added to one relay connector.
    let widened = own.replacen(r#"["10.0.0.20"]"#, r#"["10.0.0.20", "10.0.1.5"]"#, 1);
    assert_ne!(own, widened);
    std::fs::write(&new, widened).unwrap();
    let out = relaylab(&[
        "diff",
        dir.to_str().unwrap(),
        "--policy",
        new.to_str().unwrap(),
    ]);
    let t = text_of(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("REGRESSION no-open-relay: all of IPv4 except 10.1.1.5/32 10.1.2.0/24"),
        "{t}"
    );
    assert!(t.contains("relay-gained"), "{t}");

    // A replacement that names no file of the scenario is refused.
    let stray = tmp.path().join("main.cf");
    std::fs::write(&stray, "mynetworks = 10.0.0.0/8\n").unwrap();
    let out = relaylab(&[
        "diff",
        dir.to_str().unwrap(),
        "--policy",
        stray.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text_of(&out));
    assert!(text(&out.stderr).contains("names no policy file of that name"));
}

fn text_of(out: &std::process::Output) -> String {
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}
