//! Arbitrary input never panics and never runs forever: the parser and interpreter get
//! random text and random token soup, as plain Tcl and as iRules on a connection.
#![allow(clippy::unwrap_used)] // Test helpers may panic: a panic is a failed test.

mod common;

use std::time::{Duration, Instant};

use common::{conn, host};
use irule::{Program, Settings};
use proptest::prelude::*;

const TOKENS: &[&str] = &[
    "set",
    "x",
    "y",
    "$x",
    "$y",
    "${x}",
    "$a(",
    "$a(k)",
    "$::x",
    "$static::s",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "\\",
    "\\\n",
    ";",
    "\n",
    " ",
    " ",
    " ",
    "#",
    "expr",
    "while",
    "for",
    "foreach",
    "if",
    "else",
    "elseif",
    "1",
    "0",
    "-1",
    "99999999999999999999",
    "0x",
    "1e400",
    "end-1",
    "proc",
    "f",
    "f",
    "{}",
    "{a b}",
    "switch",
    "-glob",
    "--",
    "default",
    "-",
    "catch",
    "incr",
    "append",
    "lappend",
    "string",
    "repeat",
    "range",
    "map",
    "match",
    "list",
    "lindex",
    "split",
    "join",
    "eval",
    "return",
    "break",
    "continue",
    "error",
    "(",
    ")",
    "+",
    "-",
    "*",
    "/",
    "%",
    "**",
    "<<",
    ">>",
    "&&",
    "||",
    "!",
    "?",
    ":",
    "==",
    "eq",
    "ne",
    "in",
    "equals",
    "contains",
    "matches_regex",
    "{(a+)+$}",
    "when",
    "CLIENT_ACCEPTED",
    "RULE_INIT",
    "priority",
    "class",
    "match",
    "lookup",
    "search",
    "-value",
    "-all",
    "smtp_relay_allowed",
    "nested",
    "IP::client_addr",
    "IP::addr",
    "mask",
    "snat",
    "automap",
    "pool",
    "smtp_pool",
    "node",
    "persist",
    "source_addr",
    "event",
    "disable",
    "call",
    "matchclass",
    "findclass",
    "log",
    "regexp",
    "abs(",
    "max(",
    "info",
    "exists",
    "global",
    "unset",
    "10.1.2.0/24",
    "%2",
    "é",
    "\u{0}",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..80).prop_map(|t| t.concat())
}

fn settings() -> Settings {
    Settings {
        step_budget: 20_000,
        ..Settings::default()
    }
}

/// Runs text as plain Tcl, and as an iRule through every event, checking the budget.
fn exercise(text: &str) {
    let start = Instant::now();
    let r = irule::run_tcl(text, &settings());
    drop(r);
    let wrapped = format!("when RULE_INIT {{ {text} }}\nwhen CLIENT_ACCEPTED {{\n{text}\n}}");
    for candidate in [text.to_string(), wrapped] {
        let Ok(rule) = irule::parse("/Common/fuzz", &candidate) else {
            continue;
        };
        let Ok(p) = Program::new(vec![rule], settings()) else {
            continue;
        };
        let h = host();
        let statics = p.init(&h).unwrap_or_default();
        let mut s = p.connect(&h, &statics, conn("10.1.2.3"));
        for ev in ["CLIENT_ACCEPTED", "LB_SELECTED"] {
            let e = s.fire(ev);
            assert!(e.steps <= settings().step_budget + 1, "{} steps", e.steps);
        }
    }
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "took {:?} for {text:?}",
        start.elapsed()
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn token_soup_never_panics_or_hangs(text in soup()) {
        exercise(&text);
    }

    #[test]
    fn arbitrary_text_never_panics_or_hangs(text in "\\PC{0,200}") {
        exercise(&text);
    }
}

#[test]
fn known_nasty_inputs() {
    for text in [
        "proc f {} { f }; f",
        "proc f {} { eval f }; f",
        "set x {[}; eval $x",
        "while 1 { lappend x [string repeat a 1000] }",
        "set s a; for {} 1 {} { append s $s$s }",
        "regexp {(a+)+$} [string repeat a 5000]b",
        "expr {2**99999999}",
        "expr {-9223372036854775808 / -1}",
        "expr {-9223372036854775808 % -1}",
        "expr {1 << 64}",
        "string range abc 9223372036854775807 end+9223372036854775807",
        "lindex {a b} end-9223372036854775807",
        "set a(1) 1; set a 2",
        "catch {return -code break}",
        "switch -regexp x {(((( y}",
        "{*}{a b}",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
        "when CLIENT_ACCEPTED { class match [IP::client_addr] equals $::nested }",
    ] {
        exercise(text);
    }
    let deep = format!("{}1{}", "{".repeat(5000), "}".repeat(5000));
    exercise(&format!("if {deep} {deep}"));
    let deep_expr = format!("expr {{{}1{}}}", "(".repeat(5000), ")".repeat(5000));
    exercise(&deep_expr);
    exercise(&format!("expr {{{}1}}", "-".repeat(5000)));
}
