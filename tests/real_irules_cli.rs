//! Issue 18 as a user meets it: a rule with a run-time input, one that runs past
//! relaylab's step budget, and one whose RULE_INIT uses a command relaylab does not model
//! load, and the report says "sampled" or "not decided", never a proved violation
//! blamed on the BIG-IP.

#![allow(clippy::unwrap_used)] // a test that cannot write its own fixtures should stop loudly

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scratch(test: &str, rule: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("relaylab-irules-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let gallery = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/two-snat-workaround");
    for e in std::fs::read_dir(gallery).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
    let conf = dir.join("bigip.conf");
    let text = std::fs::read_to_string(&conf).unwrap();
    let start = text.find("ltm rule /Common/smtp_irule {").unwrap();
    let end = text.find("ltm snat-translation").unwrap();
    let replaced = format!(
        "{}ltm rule /Common/smtp_irule {{\n{rule}\n}}\n{}",
        &text[..start],
        &text[end..]
    );
    std::fs::write(&conf, replaced).unwrap();
    dir
}

fn check(dir: &Path) -> (Output, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_relaylab"))
        .args(["check", dir.to_str().unwrap()])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (out, text)
}

/// No violation line of the report claims a proof.
fn no_proved_violation(report: &str) {
    for line in report.lines().filter(|l| l.contains('✗')) {
        assert!(
            !line.contains("[proved"),
            "proved violation: {line}\n{report}"
        );
    }
}

#[test]
fn a_decision_on_rand_is_sampled_naming_it() {
    let dir = scratch(
        "rand",
        "when CLIENT_ACCEPTED { if { [expr {rand()}] > 2 } { reject }; snat automap }",
    );
    let (out, report) = check(&dir);
    assert_ne!(out.status.code(), Some(2), "{report}");
    assert!(report.contains("sampled, not proved"), "{report}");
    assert!(report.contains("rand() line 2"), "{report}");
    assert!(!report.contains("tcl::mathfunc::rand"), "{report}");
    no_proved_violation(&report);
}

#[test]
fn the_step_budget_is_not_decided_and_fails_nothing() {
    let dir = scratch(
        "budget",
        "when CLIENT_ACCEPTED { while { 1 } { }; snat automap }",
    );
    let (out, report) = check(&dir);
    assert_ne!(out.status.code(), Some(2), "{report}");
    assert!(report.contains("not decided"), "{report}");
    assert!(report.contains("steps"), "{report}");
    assert!(!report.contains('✗'), "{report}");
}

#[test]
fn a_gap_in_rule_init_is_not_decided_not_bad_input() {
    let dir = scratch(
        "init",
        "when RULE_INIT { set ::x [subst {a}] }\nwhen CLIENT_ACCEPTED { snat automap }",
    );
    let (out, report) = check(&dir);
    assert_ne!(
        out.status.code(),
        Some(2),
        "{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.contains("not decided"), "{report}");
    assert!(report.contains("subst"), "{report}");
    assert!(!report.contains('✗'), "{report}");
}
