//! Properties the prover relies on.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

mod common;
use std::path::{Path, PathBuf};

use addrspace::{Addr, Domain, Partition};
use common::*;
use proptest::prelude::*;
use relaypolicy::recipient::{Flavour, LocalNames, classify, parse_path};
use relaypolicy::{Probe, Server, Verdict, import};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn servers() -> Vec<Server> {
    let files = [
        "receive-connectors-strings.json",
        "receive-connectors-objects.json",
        "adpermission.json",
        "accepted-domains.json",
        "exchange2003.toml",
        "postconf-n.txt",
        "native.toml",
    ]
    .map(data);
    import::load_files(files.iter().map(PathBuf::as_path))
        .unwrap()
        .resolved()
}

fn probes() -> Vec<Probe> {
    vec![
        Probe::AnonymousRelay {
            external_domain: "example.net".into(),
        },
        Probe::AnonymousLocal {
            recipient: "postmaster@contoso.com".into(),
        },
        Probe::AuthenticatedRelay {
            external_domain: "example.net".into(),
            tls: true,
        },
        Probe::AuthenticatedRelay {
            external_domain: "example.net".into(),
            tls: false,
        },
    ]
}

fn verdicts(s: &Server, remote: Addr) -> Vec<Verdict> {
    probes()
        .iter()
        .map(|p| s.probe(local(), remote, p).verdict)
        .collect()
}

/// The decision sets are complete: two addresses that no set tells apart get the same
/// verdicts, so one evaluation per partition interval is a proof for the interval.
#[test]
fn decision_sets_cover_every_decision() {
    for s in servers() {
        let sets: Vec<_> = s.decision_sets().into_iter().map(|d| d.set).collect();
        let part = Partition::new(sets.iter(), &Domain::both(0));
        assert!(part.len() >= 3, "{}", s.name());
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(64));
        for iv in part.intervals() {
            let want = verdicts(&s, iv.representative());
            assert_eq!(
                verdicts(&s, iv.first_addr()),
                want,
                "{} at {}",
                s.name(),
                iv.first_addr()
            );
            assert_eq!(
                verdicts(&s, iv.last_addr()),
                want,
                "{} at {}",
                s.name(),
                iv.last_addr()
            );
            if iv.size() > 2 {
                let (lo, hi) = (iv.first, iv.last);
                runner
                    .run(&(lo..=hi), |n| {
                        prop_assert_eq!(verdicts(&s, iv.domain.addr(n)), want.clone());
                        Ok(())
                    })
                    .unwrap();
            }
        }
    }
}

proptest! {
    #[test]
    fn path_reader_never_panics(text in "\\PC{0,300}") {
        let _ = parse_path(&text);
    }

    #[test]
    fn tricky_paths_never_panic_and_local_domains_are_never_remote(
        local in "[a-z%!@\".]{1,20}",
        domain in prop_oneof![Just("contoso.com".to_string()), Just("[10.0.1.11]".to_string()), Just("ex1.contoso.com".to_string()), Just("example.net".to_string()), Just("".to_string())],
        route in prop_oneof![Just(String::new()), Just("@ex1.contoso.com:".to_string()), Just("@[10.0.1.11],@a.b:".to_string())],
    ) {
        let text = if domain.is_empty() { format!("<{route}{local}>") } else { format!("<{route}{local}@{domain}>") };
        let is_local = |d: &str| d == "contoso.com";
        let names = LocalNames { is_local_domain: &is_local, own_names: &["ex1.contoso.com".to_string()], own_addresses: &["10.0.1.11".parse().unwrap()], default_domain: Some("contoso.com") };
        if let Ok(p) = parse_path(&text) {
            for f in [Flavour::Exchange, Flavour::Exchange2003, Flavour::Postfix] {
                let d = classify(&p, f, &names);
                // Postfix marks a routed address that ends up local as remote-routed, so that
                // reject_unauth_destination refuses it as smtpd does: allowed here.
                if let relaypolicy::recipient::Destination::Remote { domain, routed: false } = &d {
                    prop_assert_ne!(domain.as_str(), "contoso.com", "{:?} {:?}", f, text);
                    if f != Flavour::Postfix {
                        // Only Postfix rewrites routing operators into a new destination.
                        prop_assert!(!p.local_part.contains(['%', '!']) || p.domain.is_some(), "{:?} {:?}", f, text);
                    }
                }
            }
        }
    }
}
