//! Every gallery scenario's outcome, with counterexample address sets checked against
//! hand-computed ones, and the check that a pitfall fails when an expected violation is
//! taken away.

#![allow(clippy::unwrap_used)] // a test that cannot read its own fixtures should stop loudly

use std::path::{Path, PathBuf};
use std::process::Command;

use addrspace::{Addr, AddrSet, Domain};
use relaylab::scenario;
use verify::{Proof, Property};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn prove(name: &str) -> Proof {
    let s = scenario::load(&root().join("scenarios").join(name).join("scenario.toml"))
        .unwrap_or_else(|e| {
            e.report();
            panic!("{name} does not load")
        });
    verify::prove(&s.model).unwrap()
}

fn set(entries: &[&str]) -> AddrSet {
    AddrSet::from_sets(
        &entries
            .iter()
            .map(|e| AddrSet::parse(e).unwrap())
            .collect::<Vec<_>>(),
    )
}

fn addr(a: &str) -> Addr {
    a.parse().unwrap()
}

/// The allowed clients of most scenarios and everything else of IPv4.
fn allowed() -> AddrSet {
    set(&["10.1.1.5", "10.1.2.0/24"])
}

fn others() -> AddrSet {
    AddrSet::full(Domain::V4).difference(&allowed())
}

/// The union of the violation's address sets for one property, and the members it names.
fn found(p: &Proof, prop: Property) -> (AddrSet, Vec<String>) {
    let vs: Vec<_> = p.violations().filter(|v| v.property == prop).collect();
    let addrs = AddrSet::from_sets(&vs.iter().map(|v| v.address_set()).collect::<Vec<_>>());
    let mut members: Vec<String> = vs
        .iter()
        .filter_map(|v| v.path.as_ref().map(|p| p.member.to_string()))
        .collect();
    members.sort();
    members.dedup();
    (addrs, members)
}

fn properties(p: &Proof) -> Vec<Property> {
    let mut v: Vec<Property> = p.violations().map(|v| v.property).collect();
    v.sort();
    v.dedup();
    v
}

#[test]
fn two_snat_workaround_holds_with_two_classes() {
    let p = prove("two-snat-workaround");
    assert!(properties(&p).is_empty());
    assert!(p.check.passes());
    let v = &p.virtuals[0];
    assert_eq!(v.sampled_regions, 0);
    let allowed_class = v.classes.iter().find(|c| c.allowed).unwrap();
    assert_eq!(allowed_class.addresses, ["10.1.1.5/32", "10.1.2.0/24"]);
    assert!(
        allowed_class
            .paths
            .iter()
            .all(|p| p.seen.to_string() == "10.0.0.20"
                && p.connector.name().is_some_and(|n| n.contains("Relay")))
    );
    let other = v.classes.iter().find(|c| !c.allowed).unwrap();
    assert!(other.paths.iter().all(|p| {
        p.seen.to_string() == "10.0.1.5"
            && p.connector
                .name()
                .is_some_and(|n| n.contains("Default Frontend"))
    }));
    assert_eq!(p.cases.iter().filter(|c| c.passed).count(), 3);
}

#[test]
fn automap_with_self_ip_on_relay_connector_is_an_open_relay_for_everyone_else() {
    let p = prove("automap-self-ip-on-relay-connector");
    assert_eq!(properties(&p), [Property::NoOpenRelay]);
    let (addrs, members) = found(&p, Property::NoOpenRelay);
    assert_eq!(addrs, others());
    assert_eq!(members, ["10.0.1.11:25", "10.0.1.12:25"]);
    assert!(p.check.passes());
}

#[test]
fn automap_with_app_ips_locks_the_apps_out() {
    let p = prove("automap-app-ips-on-relay-connector");
    assert_eq!(properties(&p), [Property::AllowedCanRelay]);
    assert_eq!(found(&p, Property::AllowedCanRelay).0, allowed());
}

#[test]
fn misspelt_data_group_sends_everyone_to_automap() {
    let p = prove("datagroup-misspelt");
    assert_eq!(properties(&p), [Property::AllowedCanRelay]);
    assert_eq!(found(&p, Property::AllowedCanRelay).0, allowed());
    assert!(p.violations().all(|v| v.branch.contains("snat automap")));
}

#[test]
fn one_wider_member_is_an_open_relay_through_that_member_only() {
    let p = prove("one-member-wider-connector");
    assert_eq!(
        properties(&p),
        [Property::NoOpenRelay, Property::ConsistentMembers]
    );
    let (addrs, members) = found(&p, Property::NoOpenRelay);
    assert_eq!(addrs, others());
    assert_eq!(members, ["10.0.1.12:25"], "only EX2 relays");
    assert_eq!(found(&p, Property::ConsistentMembers).0, others());
}

#[test]
fn v10_global_reference_resets_every_connection() {
    let p = prove("v10-global-reference");
    assert_eq!(
        properties(&p),
        [Property::AllowedCanRelay, Property::InboundDelivered]
    );
    assert_eq!(found(&p, Property::AllowedCanRelay).0, allowed());
    assert_eq!(
        found(&p, Property::InboundDelivered).0,
        AddrSet::full(Domain::V4)
    );
    assert!(
        p.violations()
            .all(|v| v.branch.contains("::smtp_relay_allowed"))
    );
}

#[test]
fn cidr_records_match_by_containment() {
    let p = prove("cidr-records");
    assert!(properties(&p).is_empty());
    let v = &p.virtuals[0];
    let allowed_class = v.classes.iter().find(|c| c.allowed).unwrap();
    assert_eq!(allowed_class.addresses, ["10.1.0.0/16"]);
    assert!(
        allowed_class
            .paths
            .iter()
            .all(|p| p.seen.to_string() == "10.0.0.20")
    );
    assert!(p.cases.iter().all(|c| c.passed));
}

#[test]
fn route_domain_records_without_suffix_match_nobody() {
    let p = prove("route-domain-clients");
    assert_eq!(properties(&p), [Property::AllowedCanRelay]);
    assert_eq!(
        found(&p, Property::AllowedCanRelay).0,
        set(&["10.1.1.5%10", "10.1.2.0%10/24"])
    );
    assert!(
        found(&p, Property::AllowedCanRelay)
            .0
            .contains(&addr("10.1.2.55%10"))
    );
}

#[test]
fn ipv6_clients_hold_on_both_virtuals() {
    let p = prove("ipv6-clients");
    assert!(properties(&p).is_empty());
    assert_eq!(p.virtuals.len(), 2);
    let v6 = p
        .virtuals
        .iter()
        .find(|v| v.name.ends_with("SMTP_VS6"))
        .unwrap();
    let allowed_class = v6.classes.iter().find(|c| c.allowed).unwrap();
    assert_eq!(allowed_class.addresses, ["2001:db8:1::/64"]);
    let other = v6.classes.iter().find(|c| !c.allowed).unwrap();
    assert!(
        other.paths.iter().all(|p| p.seen.to_string() == "10.0.1.5"),
        "automap picks the IPv4 self IP toward IPv4 members"
    );
    assert!(p.cases.iter().all(|c| c.passed));
}

#[test]
fn exchange2003_all_except_empty_relays_for_everyone() {
    let p = prove("exchange2003-all-except-empty");
    assert_eq!(properties(&p), [Property::NoOpenRelay]);
    assert_eq!(found(&p, Property::NoOpenRelay).0, others());
}

#[test]
fn postfix_subnet_trusts_the_self_ip_and_not_the_relay_address() {
    let p = prove("postfix-subnet-covers-snat");
    assert_eq!(
        properties(&p),
        [Property::NoOpenRelay, Property::AllowedCanRelay]
    );
    assert_eq!(found(&p, Property::NoOpenRelay).0, others());
    assert_eq!(found(&p, Property::AllowedCanRelay).0, allowed());
}

#[test]
fn external_authoritative_on_the_automap_connector_is_an_open_relay() {
    let p = prove("external-authoritative-on-snat-connector");
    assert_eq!(properties(&p), [Property::NoOpenRelay]);
    assert_eq!(found(&p, Property::NoOpenRelay).0, others());
    assert!(p.violations().all(|v| {
        v.path.as_ref().is_some_and(|p| {
            p.connector
                .name()
                .is_some_and(|n| n.contains("Internal apps"))
        })
    }));
}

#[test]
fn integrated_auth_with_basic_only_inside_tls_holds_for_the_basic_client() {
    let p = prove("integrated-auth-basic-requires-tls");
    assert!(properties(&p).is_empty(), "{:?}", properties(&p));
    assert!(p.check.passes());
    let v = &p.virtuals[0];
    let outsiders = v.classes.iter().find(|c| !c.allowed).unwrap();
    assert!(!outsiders.paths.is_empty());
    for path in &outsiders.paths {
        assert!(
            path.connector
                .name()
                .is_some_and(|n| n.starts_with("Default Frontend")),
            "{}",
            path.connector
        );
        // PLAIN after STARTTLS relays; in the clear only NTLM and GSSAPI are offered, which
        // the client does not speak (the prover used to pick NTLM, first in EHLO order).
        assert_eq!(path.auth_tls, verify::prove::VerdictWord::Relayed);
        assert_eq!(path.auth_plain, verify::prove::VerdictWord::Rejected);
        assert_eq!(path.relay, verify::prove::VerdictWord::Rejected);
    }
    let s = scenario::load(
        &root()
            .join("scenarios/integrated-auth-basic-requires-tls")
            .join("scenario.toml"),
    )
    .unwrap();
    let server = s.model.server_for(&addr("10.0.1.11")).unwrap();
    let local = relaypolicy::Endpoint::new(addr("10.0.1.11"), 25);
    let ehlo = server.decide(
        &relaypolicy::SessionState::new(local, addr("10.0.1.5")),
        &relaypolicy::Step::Ehlo("x"),
    );
    assert!(
        ehlo.reply.lines.iter().any(|l| l == "AUTH NTLM GSSAPI"),
        "{:?}",
        ehlo.reply.lines
    );
    let plain = server.probe(
        local,
        addr("10.0.1.5"),
        &relaypolicy::Probe::AuthenticatedRelay {
            external_domain: "example.net".into(),
            tls: false,
        },
    );
    assert_eq!(plain.ending, relaypolicy::dialogue::Ending::NoMechanism);
    // The proof says what it did not probe.
    assert!(
        p.notes
            .iter()
            .any(|n| n.contains("Integrated") && n.contains("not probed")),
        "{:?}",
        p.notes
    );
}

#[test]
fn check_of_the_gallery_exits_0_and_fails_without_an_expected_violation() {
    let bin = env!("CARGO_BIN_EXE_relaylab");
    let out = Command::new(bin)
        .args(["check", "--format", "json"])
        .arg(root().join("scenarios"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc.as_array().unwrap().len(), 15);

    // Remove one expected violation from a copy of a pitfall: the run must fail.
    let tmp = std::env::temp_dir().join(format!("relaylab-gallery-{}", std::process::id()));
    let src = root().join("scenarios/one-member-wider-connector");
    std::fs::create_dir_all(&tmp).unwrap();
    for f in std::fs::read_dir(&src).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, tmp.join(f.file_name().unwrap())).unwrap();
    }
    let toml = std::fs::read_to_string(tmp.join("scenario.toml")).unwrap();
    let cut = toml.replace(
        "    { property = \"consistent-members\", example = \"192.0.2.7\" },\n",
        "",
    );
    assert_ne!(cut, toml);
    std::fs::write(tmp.join("scenario.toml"), cut).unwrap();
    let out = Command::new(bin).arg("check").arg(&tmp).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("FAIL (violated: consistent-members)"),
        "{text}"
    );

    // JUnit output names the failing property.
    let out = Command::new(bin)
        .args(["check", "--format", "junit"])
        .arg(&tmp)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let xml = String::from_utf8_lossy(&out.stdout);
    assert!(
        xml.contains("<failure") && xml.contains("consistent-members"),
        "{xml}"
    );
    std::fs::remove_dir_all(&tmp).ok();
}

#[test]
fn bad_scenarios_exit_2_with_a_location() {
    let bin = env!("CARGO_BIN_EXE_relaylab");
    let tmp = std::env::temp_dir().join(format!("relaylab-bad-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::copy(
        root().join("scenarios/two-snat-workaround/bigip.conf"),
        tmp.join("bigip.conf"),
    )
    .unwrap();
    let cases = [
        (
            "name = \"x\"\nbigip = \"bigip.conf\"\nbogus = 1\n[intent]\n",
            "unknown field `bogus`",
            3,
        ),
        (
            "name = \"x\"\nbigip = \"bigip.conf\"\n[intent]\nrelay_allowed = [\"10.1.2.0/33\"]\n",
            "prefix length 33",
            4,
        ),
        (
            "name = \"x\"\nbigip = \"missing.conf\"\n[intent]\n",
            "cannot read",
            2,
        ),
        (
            "name = \"x\"\nbigip = \"bigip.conf\"\n[intent]\nlocal_recipient = \"a@b.c\"\n[expect]\nviolations = [\"no-open-relays\"]\n",
            "unknown property",
            6,
        ),
    ];
    for (text, want, line) in cases {
        std::fs::write(tmp.join("scenario.toml"), text).unwrap();
        let out = Command::new(bin)
            .arg("check")
            .arg(&tmp)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{text}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{want}: {err}");
        assert!(
            err.contains(&format!("scenario.toml:{line}:")),
            "line {line}: {err}"
        );
    }
    std::fs::remove_dir_all(&tmp).ok();
}

/// A copy of a gallery scenario with one edit to its bigip.conf.
fn edited_copy(name: &str, from: &str, to: &str, tag: &str) -> PathBuf {
    let tmp = std::env::temp_dir().join(format!("relaylab-{tag}-{}", std::process::id()));
    let src = root().join("scenarios").join(name);
    std::fs::create_dir_all(&tmp).unwrap();
    for f in std::fs::read_dir(&src).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, tmp.join(f.file_name().unwrap())).unwrap();
    }
    let conf = std::fs::read_to_string(tmp.join("bigip.conf")).unwrap();
    let edited = conf.replace(from, to);
    assert_ne!(edited, conf, "{from} is not in {name}'s bigip.conf");
    std::fs::write(tmp.join("bigip.conf"), edited).unwrap();
    tmp
}

/// Issue: a virtual whose `source` shuts out clients the intent lets relay reported that
/// every property holds. They cannot relay through any virtual: that is a violation.
#[test]
fn allowed_clients_that_no_virtual_accepts_cannot_relay() {
    let bin = env!("CARGO_BIN_EXE_relaylab");
    for (to, shut) in [
        ("source 10.1.2.0/25", set(&["10.1.1.5", "10.1.2.128/25"])),
        ("source 0.0.0.0%7/0", allowed()),
    ] {
        let dir = edited_copy("two-snat-workaround", "source 0.0.0.0/0", to, "shut-out");
        let s = scenario::load(&dir.join("scenario.toml")).unwrap();
        let p = verify::prove(&s.model).unwrap();
        let (found_set, _) = found(&p, Property::AllowedCanRelay);
        assert_eq!(found_set, shut, "{to}");
        let v = p
            .violations()
            .find(|v| v.property == Property::AllowedCanRelay)
            .unwrap();
        assert!(
            v.config_lines.iter().any(|l| l.contains(to)),
            "{to}: the virtual's source is the reason: {:?}",
            v.config_lines
        );
        let out = Command::new(bin).arg("check").arg(&dir).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{to}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("allowed-can-relay"), "{text}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// One word added to the workaround: the client picks its source port, so every address
/// relays from port 1025, and from no other port.
#[test]
fn source_port_backdoor_is_an_open_relay_from_port_1025_only() {
    let p = prove("source-port-backdoor");
    assert!(p.check.passes(), "{:?}", p.check);
    let open: Vec<_> = p
        .violations()
        .filter(|v| v.property == Property::NoOpenRelay)
        .collect();
    assert_eq!(open.len(), 2, "one per member");
    for v in &open {
        assert!(v.depends_on_port && v.representative_port == 1025);
        assert_eq!(v.label, verify::Label::Proved);
        assert_eq!(v.address_set(), others());
        for port in [1, 1024, 1026, 49152, 65535] {
            let c = verify::Client {
                addr: addr("192.0.2.7"),
                port,
            };
            assert!(!v.covers_client(c), "port {port}");
        }
        assert!(v.covers_client(verify::Client {
            addr: addr("192.0.2.7"),
            port: 1025
        }));
    }
}

/// `string match "10.1.2*"` meant 10.1.2.0/24: the glob holds every address whose text
/// begins like it, and exactly those extra blocks relay, proved.
#[test]
fn a_prefix_glob_relays_for_the_neighbours_whose_text_begins_alike() {
    let p = prove("glob-prefix-matches-neighbours");
    assert!(p.check.passes(), "{:?}", p.check);
    let extra = set(&["10.1.20.0-10.1.29.255", "10.1.200.0-10.1.255.255"]);
    let open: Vec<_> = p
        .violations()
        .filter(|v| v.property == Property::NoOpenRelay)
        .collect();
    assert_eq!(open.len(), 2, "one per member");
    for v in &open {
        assert_eq!(v.label, verify::Label::Proved);
        assert_eq!(v.address_set(), extra);
    }
    assert!(
        p.virtuals
            .iter()
            .flat_map(|vp| &vp.classes)
            .all(|c| c.label == verify::Label::Proved)
    );
}
