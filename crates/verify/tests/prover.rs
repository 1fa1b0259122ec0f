//! The prover on small in-memory models: refinement at boundaries the first partition
//! lacked, sampled labels, purposeful rejects, SNAT pools, disabled members.

#![allow(clippy::unwrap_used)] // fixtures are literals here

mod common;

use addrspace::AddrSet;
use common::model;
use verify::{Label, Property, prove};

#[test]
fn refines_at_boundaries_only_the_evaluation_saw() {
    // 10.9.0.0/16 appears nowhere but in the rule: the first partition cannot know it.
    let m = model(
        "when CLIENT_ACCEPTED { if { [IP::addr [IP::client_addr] equals 10.9.0.0/16] } { snat 10.0.0.20 } else { snat automap } }",
        &["10.9.0.0/16"],
        "",
    );
    let p = prove(&m).unwrap();
    let v = &p.virtuals[0];
    assert!(
        p.violations().next().is_none(),
        "{:?}",
        p.violations().collect::<Vec<_>>()
    );
    let allowed = v.classes.iter().find(|c| c.allowed).unwrap();
    assert_eq!(allowed.addresses, ["10.9.0.0/16"]);
    assert_eq!(allowed.label, Label::Proved);
}

#[test]
fn wrong_intent_is_found_at_the_exact_boundary() {
    let m = model(
        "when CLIENT_ACCEPTED { if { [IP::addr [IP::client_addr] equals 10.9.0.0/16] } { snat 10.0.0.20 } else { snat automap } }",
        &["10.9.0.0/17"],
        "",
    );
    let p = prove(&m).unwrap();
    let open: Vec<_> = p
        .violations()
        .filter(|v| v.property == Property::NoOpenRelay)
        .collect();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].addresses, ["10.9.128.0/17"]);
    let v = &p.virtuals[0];
    // The rule's /16 cut the region outside the intent: the evaluation that saw the cut
    // decided the part answering as its representative did, and the rest was evaluated
    // on its own. Three regions (allowed, 10.9.128.0/17, everyone else), one evaluation
    // each.
    assert_eq!(v.regions, 3);
    assert_eq!(v.evaluations, v.regions);
}

#[test]
fn arithmetic_on_an_octet_is_sampled_not_proved() {
    let m = model(
        "when CLIENT_ACCEPTED { if { [lindex [split [IP::client_addr] .] 0] * 2 == 20 } { snat 10.0.0.20 } else { snat automap } }",
        &[],
        "",
    );
    let p = prove(&m).unwrap();
    let v = &p.virtuals[0];
    assert!(v.sampled_regions > 0);
    for c in &v.classes {
        assert!(
            matches!(&c.label, Label::Sampled { operation, at } if !operation.is_empty() && at.contains("line 2")),
            "{:?}",
            c.label
        );
    }
}

/// A window of the text from its start is a text test like any other: proved, with the
/// text-prefix hole of "10.1.2" as its own class.
#[test]
fn a_window_of_the_address_text_is_proved_with_its_exact_holes() {
    let m = model(
        "when CLIENT_ACCEPTED { if { [string range [IP::client_addr] 0 5] eq \"10.1.2\" } { snat 10.0.0.20 } else { snat automap } }",
        &["10.1.2.0/24"],
        "",
    );
    let p = prove(&m).unwrap();
    let v = &p.virtuals[0];
    assert_eq!(v.sampled_regions, 0);
    let open: Vec<_> = p
        .violations()
        .filter(|v| v.property == Property::NoOpenRelay)
        .collect();
    assert!(!open.is_empty());
    let hole = AddrSet::parse("10.1.20.0/22")
        .unwrap()
        .union(&AddrSet::parse("10.1.24.0/22").unwrap())
        .union(&AddrSet::parse("10.1.28.0/23").unwrap())
        .union(&AddrSet::parse("10.1.200.0/21").unwrap())
        .union(&AddrSet::parse("10.1.208.0/20").unwrap())
        .union(&AddrSet::parse("10.1.224.0/19").unwrap());
    for o in &open {
        assert_eq!(o.label, Label::Proved);
        assert_eq!(o.address_set(), hole);
    }
}

#[test]
fn purposeful_reject_is_not_an_inbound_failure_but_an_error_is() {
    let m = model(
        "when CLIENT_ACCEPTED { if { [IP::addr [IP::client_addr] equals 198.51.100.0/24] } { reject } }",
        &[],
        "",
    );
    let p = prove(&m).unwrap();
    assert!(
        p.violations().next().is_none(),
        "{:?}",
        p.violations().map(|v| &v.what).collect::<Vec<_>>()
    );
    let rejected = p.virtuals[0]
        .classes
        .iter()
        .find(|c| c.end.is_some())
        .unwrap();
    assert_eq!(rejected.addresses, ["198.51.100.0/24"]);

    let m = model(
        "when CLIENT_ACCEPTED { if { [IP::addr [IP::client_addr] equals 198.51.100.0/24] } { error boom } }",
        &[],
        "",
    );
    let p = prove(&m).unwrap();
    let v: Vec<_> = p.violations().collect();
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].property, Property::InboundDelivered);
    assert_eq!(v[0].addresses, ["198.51.100.0/24"]);
}

#[test]
fn every_snatpool_address_is_a_path_and_disabled_members_are_not() {
    let m = model(
        "when CLIENT_ACCEPTED { snatpool relay_pool }",
        &["0.0.0.0/0"],
        "",
    );
    let p = prove(&m).unwrap();
    let class = &p.virtuals[0].classes[0];
    let seen: Vec<(String, String)> = class
        .paths
        .iter()
        .map(|p| (p.member.to_string(), p.seen.to_string()))
        .collect();
    assert_eq!(
        seen,
        [
            ("10.0.1.11:25".to_string(), "10.0.0.20".to_string()),
            ("10.0.1.11:25".to_string(), "10.0.0.21".to_string())
        ]
    );
    assert!(p.violations().next().is_none());
}

#[test]
fn irule_pool_and_node_choices_are_followed() {
    let m = model(
        "when CLIENT_ACCEPTED { if { [IP::addr [IP::client_addr] equals 10.8.0.0/16] } { node 10.0.1.12 25 } ; snat 10.0.0.20 }",
        &["0.0.0.0/0"],
        "",
    );
    let p = prove(&m).unwrap();
    let to_node = p.virtuals[0]
        .classes
        .iter()
        .find(|c| c.addresses == ["10.8.0.0/16"])
        .unwrap();
    assert_eq!(to_node.paths.len(), 1);
    assert_eq!(
        to_node.paths[0].member.to_string(),
        "10.0.1.12:25",
        "a node decision reaches even a disabled pool member's address"
    );
}

/// Issue row: an iRule with 1,000 `IP::addr` branches took 6-15 s and 760 MB. Each region
/// is now evaluated once (the part answering every comparison as the representative did
/// is decided by its evaluation), so the chain is walked once per branch, not twice.
#[test]
fn a_thousand_ip_addr_branches_take_one_evaluation_per_region() {
    let mut rule = String::from("when CLIENT_ACCEPTED {\n");
    for i in 0..1000 {
        let kw = if i == 0 { "  if" } else { "  } elseif" };
        rule.push_str(&format!(
            "{kw} {{ [IP::addr [IP::client_addr] equals 10.{}.{}.0/24] }} {{\n    snat 10.0.0.20\n",
            100 + i / 256,
            i % 256
        ));
    }
    rule.push_str("  } else {\n    snat automap\n  }\n}");
    let m = model(&rule, &[], "");
    let p = prove(&m).unwrap();
    let v = &p.virtuals[0];
    assert_eq!(v.regions, 1001, "each branch and the rest");
    assert!(v.evaluations <= v.regions, "{} evaluations", v.evaluations);
    assert_eq!(v.classes.len(), 1001);
}

/// A sampled class is searched: the representative of "everyone else" does not start with
/// `10.1.2`, but 10.1.20.x does, and gets the relay SNAT. Search finds that client and
/// reports it as found by search; with search off the report has nothing to say.
#[test]
fn searching_a_sampled_class_finds_the_text_prefix_hole() {
    // A window counted from the end is outside the model: sampled.
    let rule = "when CLIENT_ACCEPTED { if { [string range [IP::client_addr] 0 end] starts_with \"10.1.2\" } { snatpool relay_pool } else { snat automap } }";
    let mut m = model(rule, &["10.1.2.0/24"], "");
    m.options.search = 0;
    let quiet = prove(&m).unwrap();
    assert!(
        quiet
            .violations()
            .all(|v| v.property != Property::NoOpenRelay),
        "the representative alone shows no open relay"
    );
    m.options.search = verify::DEFAULT_SEARCH;
    let p = prove(&m).unwrap();
    let found: Vec<_> = p
        .violations()
        .filter(|v| v.property == Property::NoOpenRelay)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{:?}",
        found.iter().map(|v| &v.what).collect::<Vec<_>>()
    );
    let v = found[0];
    assert!(v.found_by_search);
    assert!(matches!(v.label, Label::Sampled { .. }));
    // The client is a real one: outside the allowed /24, its text begins with 10.1.2.
    let text = v.representative.to_string();
    assert!(
        text.starts_with("10.1.2") && !text.starts_with("10.1.2."),
        "{text}"
    );
    assert!(!m.intent.relay_allowed.contains(&v.representative));
}

/// `string match` of a glob on the address text is exact: the text-prefix hole of
/// `10.1.2*` (10.1.20-29.x, 10.1.200-255.x) is one proved class, found without search.
#[test]
fn a_glob_on_the_address_text_is_proved_with_its_exact_holes() {
    let rule = "when CLIENT_ACCEPTED { if { [string match {10.1.2*} [IP::client_addr]] } { snatpool relay_pool } else { snat automap } }";
    let mut m = model(rule, &["10.1.2.0/24"], "");
    m.options.search = 0;
    let p = prove(&m).unwrap();
    let v = &p.virtuals[0];
    assert!(
        v.classes.iter().all(|c| matches!(c.label, Label::Proved)),
        "{:?}",
        v.classes.iter().map(|c| &c.label).collect::<Vec<_>>()
    );
    let relay: Vec<_> = p
        .violations()
        .filter(|x| x.property == Property::NoOpenRelay)
        .collect();
    // One violation per relay SNAT address, each the exact text-prefix hole.
    assert!(!relay.is_empty());
    for r in &relay {
        assert!(matches!(r.label, Label::Proved));
        assert!(!r.found_by_search);
        assert_eq!(
            r.addresses,
            [
                "10.1.20.0/22",
                "10.1.24.0/22",
                "10.1.28.0/23",
                "10.1.200.0/21",
                "10.1.208.0/20",
                "10.1.224.0/19"
            ]
        );
    }
}
