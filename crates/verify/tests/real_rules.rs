//! The commands real iRules use on a TCP virtual, each in a rule whose decision depends on
//! it, through the whole prover: every one loads, and every class comes out proved,
//! sampled (naming the command) or not decided (naming what relaylab cannot follow);
//! never a proved verdict that rests on a value relaylab made up, and never a violation
//! blamed on the BIG-IP for a gap in relaylab's model.

#![allow(clippy::unwrap_used)] // fixtures are literals here

mod common;

use common::model;
use verify::{Label, Property, prove};

/// What a construct's classes may be labelled.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// Every class proved: the construct is modelled exactly.
    Proved,
    /// Some class sampled, naming the run-time input or operation; none proved wrongly.
    Sampled,
    /// Some class not decided: a gap in relaylab, no violation from it.
    NotDecided,
}

/// One rule per construct the issue lists, each deciding on the construct's result.
const CONSTRUCTS: &[(&str, &str, Expect)] = &[
    (
        "TCP::collect / CLIENT_DATA / TCP::payload / TCP::release",
        "when CLIENT_ACCEPTED { TCP::collect }\nwhen CLIENT_DATA { if { [TCP::payload] starts_with \"EHLO\" } { snat automap }; TCP::release }",
        Expect::Sampled,
    ),
    (
        "LB::server",
        "when LB_SELECTED { if { [LB::server addr] eq \"10.0.1.11\" } { snat automap } }",
        Expect::Sampled,
    ),
    (
        "clock",
        "when CLIENT_ACCEPTED { if { [clock seconds] > 0 } { snat automap } }",
        Expect::Sampled,
    ),
    (
        "clock format",
        "when CLIENT_ACCEPTED { if { [clock format [clock seconds] -format %H] < 12 } { snat automap } }",
        Expect::Sampled,
    ),
    (
        "HSL::open / HSL::send",
        "when CLIENT_ACCEPTED { set h [HSL::open -proto UDP -pool p]; HSL::send $h \"x\"; snat automap }",
        Expect::Proved,
    ),
    (
        "table",
        "when CLIENT_ACCEPTED { if { [table incr -subtable rate [IP::client_addr]] > 10 } { reject } }",
        Expect::Sampled,
    ),
    (
        "clientside",
        "when CLIENT_ACCEPTED { if { [clientside {IP::remote_addr}] eq \"10.9.9.9\" } { reject } }",
        Expect::Proved,
    ),
    (
        "serverside",
        "when CLIENT_ACCEPTED { set s [serverside {IP::remote_addr}] }",
        Expect::NotDecided,
    ),
    (
        "format",
        "when CLIENT_ACCEPTED { if { [format %05d 42] eq \"00042\" } { snat automap } }",
        Expect::Proved,
    ),
    (
        "TCP::respond / TCP::close",
        "when CLIENT_ACCEPTED { if { [IP::addr [IP::client_addr] equals 198.51.100.0/24] } { TCP::respond \"554 no\\r\\n\"; TCP::close } }",
        Expect::Proved,
    ),
    (
        "regsub",
        "when CLIENT_ACCEPTED { regsub -all {\\.} [IP::local_addr] {-} x; if { $x eq \"10-0-0-10\" } { snat automap } }",
        Expect::Proved,
    ),
    (
        "getfield",
        "when CLIENT_ACCEPTED { if { [getfield [IP::client_addr] \".\" 1] eq \"10\" } { snat 10.0.0.20 } }",
        Expect::Proved,
    ),
    (
        "active_members",
        "when CLIENT_ACCEPTED { if { [active_members p] < 1 } { reject } }",
        Expect::Sampled,
    ),
    (
        "info hostname",
        "when CLIENT_ACCEPTED { if { [info hostname] eq \"bigip-a\" } { snat automap } }",
        Expect::Sampled,
    ),
    (
        "findstr",
        "when CLIENT_ACCEPTED { if { [findstr \"a=1;b=2\" \"b=\" 2 \";\"] eq \"2\" } { snat automap } }",
        Expect::Proved,
    ),
    (
        "IP::protocol",
        "when CLIENT_ACCEPTED { if { [IP::protocol] == 6 } { snat automap } }",
        Expect::Proved,
    ),
    (
        "sharedvar",
        "when CLIENT_ACCEPTED { sharedvar seen; set seen 1; snat automap }",
        Expect::Proved,
    ),
    (
        "array",
        "when CLIENT_ACCEPTED { array set m {a 1 b 2}; if { [array size m] == 2 } { snat automap } }",
        Expect::Proved,
    ),
    (
        "scan",
        "when CLIENT_ACCEPTED { scan [IP::client_addr] %d.%d.%d.%d a b c d; if { $a == 10 } { snat 10.0.0.20 } }",
        Expect::Proved,
    ),
    (
        "arithmetic on an octet",
        "when CLIENT_ACCEPTED { scan [IP::client_addr] %d.%d.%d.%d a b c d; if { $a * 256 + $b == 2561 } { snat 10.0.0.20 } }",
        Expect::Sampled,
    ),
    (
        "after",
        "when CLIENT_ACCEPTED { after 10; snat automap }",
        Expect::Proved,
    ),
    (
        "FLOW_INIT",
        "when FLOW_INIT { if { [IP::addr [IP::client_addr] equals 203.0.113.0/24] } { drop } }",
        Expect::Proved,
    ),
    (
        "LB::reselect",
        "when LB_SELECTED { if { [LB::server addr] eq \"10.0.1.12\" } { LB::reselect pool p } }",
        Expect::Sampled,
    ),
    (
        "members",
        "when CLIENT_ACCEPTED { if { [members p] < 1 } { reject } }",
        Expect::Sampled,
    ),
    (
        "IP::server_addr",
        "when LB_SELECTED { if { [IP::server_addr] eq \"10.0.1.11\" } { snat automap } }",
        Expect::Sampled,
    ),
    (
        "crc32 / md5 / b64encode",
        "when CLIENT_ACCEPTED { if { [crc32 abc] > 0 && [b64encode [md5 abc]] ne \"\" } { snat automap } }",
        Expect::Proved,
    ),
    (
        "connect / send / recv / close",
        "when CLIENT_ACCEPTED { set c [connect -protocol TCP 127.0.0.1:53]; send $c x; set r [recv 10 $c]; close $c; if { $r eq \"ok\" } { reject } }",
        Expect::Sampled,
    ),
    (
        "LINK::vlan_id",
        "when CLIENT_ACCEPTED { if { [LINK::vlan_id] == 100 } { reject } }",
        Expect::Sampled,
    ),
    (
        "TMM::cmp_unit",
        "when CLIENT_ACCEPTED { if { [TMM::cmp_unit] == 0 } { snat automap } }",
        Expect::Sampled,
    ),
    (
        "forward",
        "when CLIENT_ACCEPTED { if { [IP::addr [IP::client_addr] equals 192.0.2.0/24] } { forward } }",
        Expect::NotDecided,
    ),
    (
        "persist lookup",
        "when CLIENT_ACCEPTED { if { [persist lookup source_addr [IP::client_addr]] ne \"\" } { reject } }",
        Expect::Sampled,
    ),
    (
        "log -noname",
        "when CLIENT_ACCEPTED { log -noname local0. \"hello\"; snat automap }",
        Expect::Proved,
    ),
    (
        "expr rand()",
        "when CLIENT_ACCEPTED { if { [expr {rand()}] > 2 } { reject }; snat automap }",
        Expect::Sampled,
    ),
    (
        "upvar",
        "proc bump { name } { upvar $name v; incr v }\nwhen CLIENT_ACCEPTED { set n 1; call bump n; snat automap }",
        Expect::Proved,
    ),
    (
        "lreplace / lsort",
        "when CLIENT_ACCEPTED { if { [lsort [lreplace {c b a} 0 0 z]] eq \"a b z\" } { snat automap } }",
        Expect::Proved,
    ),
    (
        "substr / domain",
        "when CLIENT_ACCEPTED { if { [substr [domain mail.example.com 2] 0 \".\"] eq \"example\" } { snat automap } }",
        Expect::Proved,
    ),
    (
        "string is",
        "when CLIENT_ACCEPTED { if { [string is integer 42] } { snat automap } }",
        Expect::Proved,
    ),
    (
        "URI::encode",
        "when CLIENT_ACCEPTED { if { [URI::encode \"a b\"] eq \"a%20b\" } { snat automap } }",
        Expect::Proved,
    ),
    (
        "IP::version",
        "when CLIENT_ACCEPTED { if { [IP::version] == 4 } { snat automap } else { reject } }",
        Expect::Proved,
    ),
    (
        "translate",
        "when CLIENT_ACCEPTED { translate address enable; snat automap }",
        Expect::Proved,
    ),
    (
        "LB::status",
        "when CLIENT_ACCEPTED { if { [LB::status pool p member 10.0.1.11 25] ne \"up\" } { reject } }",
        Expect::Sampled,
    ),
    (
        "timing on at top level",
        "timing on\nwhen CLIENT_ACCEPTED { snat automap }",
        Expect::Proved,
    ),
    (
        "step budget",
        "when CLIENT_ACCEPTED { while { 1 } { } }",
        Expect::NotDecided,
    ),
    (
        "binary",
        "when CLIENT_ACCEPTED { binary scan [IP::local_addr] a2 x; if { $x eq \"10\" } { snat automap } }",
        Expect::Proved,
    ),
    (
        "subst (not modelled)",
        "when CLIENT_ACCEPTED { set x [subst {a}]; snat automap }",
        Expect::NotDecided,
    ),
    (
        "SERVER_CONNECTED closing",
        "when SERVER_CONNECTED { if { [IP::addr [IP::client_addr] equals 198.51.100.0/24] } { TCP::close } }",
        Expect::Proved,
    ),
    (
        "SERVER_CONNECTED on the server's address",
        "when SERVER_CONNECTED { if { [IP::remote_addr] eq \"10.0.1.11\" } { TCP::close } }",
        Expect::NotDecided,
    ),
    (
        "SERVER_DATA after a server-side collect",
        "when SERVER_CONNECTED { TCP::collect }\nwhen SERVER_DATA { if { [TCP::payload] starts_with \"554\" } { TCP::close }; TCP::release }",
        Expect::Sampled,
    ),
    (
        "CLIENT_CLOSED",
        "when CLIENT_CLOSED { log local0. done }\nwhen CLIENT_ACCEPTED { snat automap }",
        Expect::Proved,
    ),
];

fn kind(label: &Label) -> Expect {
    match label {
        Label::Proved => Expect::Proved,
        Label::Sampled { .. } => Expect::Sampled,
        Label::NotDecided { .. } => Expect::NotDecided,
    }
}

#[test]
fn every_listed_construct_loads_and_is_proved_sampled_or_not_decided() {
    let failures: Vec<String> = CONSTRUCTS
        .iter()
        .flat_map(|(name, rule, want)| check_rule(name, rule, &["10.1.0.0/16"], "", *want))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Proves `rule` in the shared model and says what is wrong with its labels: a class
/// labelled other than `want` says, a sampled or not-decided class that names nothing,
/// a not-decided class that fails a property.
fn check_rule(name: &str, rule: &str, allowed: &[&str], extra: &str, want: Expect) -> Vec<String> {
    let mut failures = Vec::new();
    let m = model(rule, allowed, extra);
    let p = match prove(&m) {
        Ok(p) => p,
        Err(e) => return vec![format!("{name}: does not load: {e}")],
    };
    let v = &p.virtuals[0];
    let kinds: Vec<Expect> = v.classes.iter().map(|c| kind(&c.label)).collect();
    let ok = match want {
        Expect::Proved => kinds.iter().all(|k| *k == Expect::Proved),
        Expect::Sampled => kinds.contains(&Expect::Sampled) && !kinds.contains(&Expect::NotDecided),
        Expect::NotDecided => kinds.contains(&Expect::NotDecided),
    };
    if !ok {
        let labels: Vec<_> = v.classes.iter().map(|c| format!("{:?}", c.label)).collect();
        failures.push(format!("{name}: want {want:?}, got {}", labels.join("; ")));
    }
    for c in &v.classes {
        match &c.label {
            Label::Sampled { operation, .. } if operation.is_empty() => {
                failures.push(format!("{name}: a sampled class names no operation"));
            }
            Label::NotDecided { reason, at } if reason.is_empty() || at.is_empty() => {
                failures.push(format!(
                    "{name}: a not-decided class names no reason or line"
                ));
            }
            _ => {}
        }
    }
    if v.violations.iter().any(|x| x.label.is_not_decided()) {
        failures.push(format!("{name}: a not-decided class violates a property"));
    }
    failures
}

/// The three runtime failures the issue reports as wrongly proved.
#[test]
fn relaylab_gaps_are_never_proved_violations() {
    for rule in [
        "when CLIENT_ACCEPTED { if { [expr {rand()}] > 2 } { reject }; snat automap }",
        "when CLIENT_ACCEPTED { while { 1 } { }; snat automap }",
        "when RULE_INIT { set ::x [subst {a}] }\nwhen CLIENT_ACCEPTED { snat automap }",
    ] {
        let m = model(rule, &["10.1.0.0/16"], "");
        let p = prove(&m).unwrap_or_else(|e| panic!("{rule}: {e}"));
        for v in p.violations() {
            assert!(
                !matches!(v.label, Label::Proved),
                "{rule}: proved violation {:?}: {}",
                v.property,
                v.what
            );
            assert!(
                !v.label.is_not_decided(),
                "{rule}: not-decided class violates"
            );
        }
    }
}

/// A rule that closes on the server side ends those clients' connections: the prover
/// must see it, not report the clients as relayed.
#[test]
fn a_close_in_server_connected_ends_the_connection() {
    let m = model(
        "when SERVER_CONNECTED { if { [IP::addr [IP::client_addr] equals 198.51.100.0/24] } { TCP::close } }",
        &["10.1.0.0/16"],
        "",
    );
    let p = prove(&m).unwrap();
    let closed = p.virtuals[0]
        .classes
        .iter()
        .find(|c| c.end.is_some())
        .expect("a class that ends");
    assert_eq!(closed.addresses, ["198.51.100.0/24"]);
}

/// A real rule error (the rule's own bug) is still the BIG-IP's reset, proved.
#[test]
fn a_tcl_error_the_bigip_raises_too_stays_a_proved_reset() {
    let m = model(
        "when CLIENT_ACCEPTED { set x [format %d notanumber]; snat automap }",
        &["10.1.0.0/16"],
        "",
    );
    let p = prove(&m).unwrap();
    let v: Vec<_> = p.violations().collect();
    assert!(!v.is_empty());
    assert!(v.iter().all(|v| matches!(v.label, Label::Proved)));
    assert!(v.iter().any(|v| v.property == Property::InboundDelivered));
}

/// Rules in the styles public collections use (`tests/corpus/*.irule`), each with the label
/// its classes must carry in a `# expect:` line.
#[test]
fn the_style_corpus_loads_and_is_labelled_as_each_rule_says() {
    let extra = "ltm data-group internal /Common/relay_clients { records { 10.1.2.0/24 { data 10.0.0.20 } } type ip }";
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "irule"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    let mut failures = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let want = match text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
        {
            Some("proved") => Expect::Proved,
            Some("sampled") => Expect::Sampled,
            Some("not-decided") => Expect::NotDecided,
            other => panic!(
                "{name}: first line must be `# expect: proved|sampled|not-decided`, got {other:?}"
            ),
        };
        failures.extend(check_rule(&name, &text, &["10.1.2.0/24"], extra, want));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
