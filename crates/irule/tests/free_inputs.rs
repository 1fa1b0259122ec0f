//! Inputs the client or the device's history control besides the client address: the
//! source port, modelled exactly; and shared variables, which make a result a sample.
#![allow(clippy::unwrap_used)] // Test helpers may panic: a panic is a failed test.

mod common;

use common::*;
use irule::{Evaluation, Snat};

fn at_port(text: &str, client: &str, port: u16) -> Evaluation {
    let p = program(text);
    let h = host();
    let s = p.init(&h).unwrap();
    let mut c = conn(client);
    c.client_port = port;
    p.evaluate(&h, &s, c, "CLIENT_ACCEPTED")
}

const PORT_RULE: &str = r#"when CLIENT_ACCEPTED {
  if { [class match [IP::client_addr] equals smtp_relay_allowed] or [TCP::client_port] == 1025 } {
    snat 10.0.0.20
  } else {
    snat automap
  }
}"#;

#[test]
fn a_port_comparison_is_observed_with_every_port_it_holds_for() {
    let ev = at_port(PORT_RULE, "192.0.2.7", 40000);
    assert_eq!(ev.snat(), Some(&Snat::Automap));
    assert!(!ev.is_sampled(), "{:?}", ev.escapes);
    assert_eq!(ev.observed_ports.len(), 1);
    let o = &ev.observed_ports[0];
    assert_eq!(o.ports.to_string(), "port 1025");
    assert_eq!(o.test, "== 1025");
    assert_eq!(o.origin.at.line, 2);
    let ev = at_port(PORT_RULE, "192.0.2.7", 1025);
    assert!(matches!(ev.snat(), Some(Snat::Addr { .. })));
}

/// Every operator and operand form the engine decides for all ports must agree, port by
/// port, with evaluating the rule at that port: the set is what the prover cuts on.
#[test]
fn observed_port_sets_agree_with_evaluating_each_port() {
    let tests = [
        "[TCP::client_port] == 1025",
        "[TCP::client_port] != 0x401",
        "[TCP::client_port] < 1024",
        "1024 <= [TCP::client_port]",
        "[TCP::client_port] >= 60000.5",
        "[TCP::client_port] eq \"01025\"",
        "[TCP::client_port] == \"01025\"",
        "[TCP::client_port] starts_with 10",
        "[TCP::client_port] ends_with 5",
        "[TCP::client_port] contains 99",
        "[TCP::client_port] matches_glob {1?2*}",
        "[TCP::client_port] in {25 587 1025}",
        "[TCP::client_port] > \"abc\"",
        "[TCP::remote_port] ne 49152",
    ];
    let probe: Vec<u16> = (1..=u16::MAX)
        .step_by(97)
        .chain([1, 8, 25, 1024, 1025, 1026, 49152, 60000, 60001, 65535])
        .collect();
    for t in tests {
        let rule = format!("when CLIENT_ACCEPTED {{\n  if {{ {t} }} {{ reject }}\n}}");
        let p = program(&rule);
        let h = host();
        let s = p.init(&h).unwrap();
        // One session, reset per connection, as the prover and the balancer use it.
        let mut sess = p.connect(&h, &s, conn("192.0.2.7"));
        let first = sess.fire("CLIENT_ACCEPTED");
        assert!(first.error.is_none(), "{t}: {:?}", first.error);
        assert!(!first.is_sampled(), "{t}: {:?}", first.escapes);
        let set = first.observed_ports[0].ports.clone();
        for &port in &probe {
            let mut c = conn("192.0.2.7");
            c.client_port = port;
            sess.reset(c);
            let ev = sess.fire("CLIENT_ACCEPTED");
            assert_eq!(
                ev.resets(),
                set.contains(port),
                "{t} at port {port}: set {set}"
            );
        }
    }
}

#[test]
fn anything_else_done_with_the_port_is_a_sample_naming_the_operation() {
    for body in [
        "if { [TCP::client_port] % 2 } { reject }",
        "if { [TCP::client_port] } { reject }",
        "snat 10.0.0.20 [TCP::client_port]",
        "if { [string index [TCP::client_port] 0] == 1 } { reject }",
        "if { [TCP::client_port] == [IP::client_addr] } { reject }",
    ] {
        let ev = at_port(
            &format!("when CLIENT_ACCEPTED {{\n{body}\n}}"),
            "192.0.2.7",
            1025,
        );
        assert!(ev.is_sampled(), "{body}");
        assert_eq!(ev.escapes[0].origin.at.line, 2, "{body}");
    }
}

#[test]
fn a_shared_variable_set_by_connections_makes_its_readers_samples() {
    let rule = r#"when RULE_INIT { set static::relay 10.0.0.20 }
when CLIENT_ACCEPTED {
  incr static::seen
  if { $static::seen > 5 } { snat $static::relay }
}"#;
    let ev = at_port(rule, "192.0.2.7", 40000);
    assert!(ev.is_sampled());
    let op = &ev.escapes[0].operation;
    assert!(op.contains("static::seen") && op.contains("line 3"), "{op}");
    // A static only RULE_INIT sets is a constant of the configuration: proved.
    let rule = r#"when RULE_INIT { set static::relay 10.0.0.20 }
when CLIENT_ACCEPTED { snat $static::relay }"#;
    let ev = at_port(rule, "192.0.2.7", 40000);
    assert!(!ev.is_sampled(), "{:?}", ev.escapes);
    // Globals, a proc's `global`, `info exists` and a name made at run time count too.
    for rule in [
        "when CLIENT_ACCEPTED { set ::n 1 }\nwhen LB_SELECTED { if { [info exists ::n] } { reject } }",
        "proc bump {} { global hits; incr hits }\nwhen CLIENT_ACCEPTED { call bump; if { $::hits > 1 } { reject } }",
        "when CLIENT_ACCEPTED { set name static::x; set $name 1; if { [info exists static::y] } { reject } }",
    ] {
        let p = program(rule);
        let h = host();
        let s = p.init(&h).unwrap();
        let mut sess = p.connect(&h, &s, conn("192.0.2.7"));
        let a = sess.fire("CLIENT_ACCEPTED");
        let b = sess.fire("LB_SELECTED");
        assert!(
            a.is_sampled() || b.is_sampled(),
            "{rule}: {:?} {:?} {:?}",
            a.escapes,
            b.escapes,
            a.error
        );
    }
}

/// Deciding a port comparison for every port must not spend the rule's step budget, even
/// for an operator that charges per character.
#[test]
fn observing_a_port_comparison_costs_the_rule_no_steps() {
    // `in` is charged per list element: 200 elements asked of 65,535 ports would be 13
    // million steps, far over the budget of one connection.
    let list: Vec<String> = (1000..1200).map(|p| p.to_string()).collect();
    let rule = format!(
        "when CLIENT_ACCEPTED {{\n  if {{ [TCP::client_port] in {{{}}} }} {{ reject }}\n}}",
        list.join(" ")
    );
    let ev = at_port(&rule, "192.0.2.7", 1100);
    assert!(ev.error.is_none(), "{:?}", ev.error);
    assert!(ev.resets());
    assert_eq!(ev.observed_ports[0].ports.to_string(), "ports 1000-1199");
    assert!(ev.steps < 10_000, "{} steps", ev.steps);
}

/// The balancer starts a session per connection: a port comparison is decided for every
/// port once per program, not once per connection.
#[test]
fn a_port_comparison_is_decided_once_per_program() {
    let p = program(PORT_RULE);
    let h = host();
    let s = p.init(&h).unwrap();
    let a = p.evaluate(&h, &s, conn("192.0.2.7"), "CLIENT_ACCEPTED");
    let b = p.evaluate(&h, &s, conn("192.0.2.8"), "CLIENT_ACCEPTED");
    assert!(std::sync::Arc::ptr_eq(
        &a.observed_ports[0].ports,
        &b.observed_ports[0].ports
    ));
}

/// Statements a generated rule is built from: reads of run-time inputs, transformations
/// of them, and decisions on them or on the client address.
const READS: &[&str] = &[
    "set f [clock seconds]",
    "set f [expr {rand()}]",
    "set f [active_members smtp_pool]",
    "set f [table lookup -notouch k]",
    "set f [info hostname]",
    "set f [TMM::cmp_unit]",
    "set f [LB::status pool smtp_pool member 10.0.1.11 25]",
    "set f [session lookup source_addr k]",
];
const TRANSFORMS: &[&str] = &[
    "set g [string length $f]",
    "set g [format %s-x $f]",
    "set g \"<$f>\"",
    "set g [string toupper $f]",
    "set g [list $f a]",
    "set g $f",
];
const DECISIONS: &[&str] = &[
    "if { $f > 5 } { snat automap }",
    "if { $g eq \"<>\" } { reject }",
    "if { [string length $g] > 3 } { snatpool relay_snat }",
    "snat automap",
    "if { [IP::addr [IP::client_addr] equals 10.1.2.0/24] } { snat 10.0.0.20 }",
    "log local0. \"f=$f g=$g\"",
    "switch -- $f { 0 { reject } default { snat automap } }",
    "if { [catch { expr {$f + 1} } r] } { drop }",
    "set h [expr {$f eq \"\" ? 1 : 2}]; if { $h == 1 } { reject }",
];

/// The oracle for free inputs: an evaluation that records no escape (the prover would
/// call its class proved) makes the same decisions whatever values the run-time inputs
/// take. Each generated rule is evaluated with the documented sample and eight other
/// draws of every input.
#[test]
fn an_evaluation_without_escapes_decides_the_same_for_every_draw_of_its_inputs() {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    let mut rng = StdRng::seed_from_u64(18);
    let (mut proved, mut sampled) = (0, 0);
    for _ in 0..400 {
        let mut body = vec![READS[rng.random_range(0..READS.len())].to_string()];
        body.push(TRANSFORMS[rng.random_range(0..TRANSFORMS.len())].to_string());
        for _ in 0..rng.random_range(1..4) {
            body.push(DECISIONS[rng.random_range(0..DECISIONS.len())].to_string());
        }
        let rule = format!("when CLIENT_ACCEPTED {{\n{}\n}}", body.join("\n"));
        let client = ["10.1.2.9", "192.0.2.7"][rng.random_range(0..2)];
        let run = |draw: u32| {
            let settings = irule::Settings {
                free_draw: draw,
                ..irule::Settings::default()
            };
            let p = program_with(&[("/Common/test_rule", &rule)], settings);
            let h = host();
            let s = p.init(&h).unwrap();
            p.evaluate(&h, &s, conn(client), "CLIENT_ACCEPTED")
        };
        let base = run(0);
        assert!(
            !base.free_inputs.is_empty(),
            "every rule reads an input:\n{rule}"
        );
        if !base.escapes.is_empty() {
            sampled += 1;
            continue;
        }
        proved += 1;
        let decided = |ev: &Evaluation| {
            let d: Vec<_> = ev.decisions.iter().map(|r| r.decision.clone()).collect();
            (d, ev.error.as_ref().map(|e| e.kind.to_string()))
        };
        for draw in 1..=8 {
            let other = run(draw);
            assert_eq!(
                decided(&base),
                decided(&other),
                "no escape was recorded, yet draw {draw} decides otherwise:\n{rule}"
            );
        }
    }
    // Both kinds must occur, or the oracle checks nothing.
    assert!(
        proved > 20 && sampled > 20,
        "proved {proved}, sampled {sampled}"
    );
}
