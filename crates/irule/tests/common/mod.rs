//! Shared fixtures: the reference rule, a host with the DOMAIN.md §2 objects, runners.
#![allow(dead_code, clippy::unwrap_used)] // Shared by several test crates; helpers may panic.

use std::io::Write;
use std::process::Command;

use irule::{Connection, DataGroup, Evaluation, Program, Settings, StaticHost};

pub const REFERENCE: &str = r#"when CLIENT_ACCEPTED {
  set accepted_snat "10.0.0.20"
  if { [class exists smtp_relay_allowed] } {
    if { [class match [IP::client_addr] equals smtp_relay_allowed] } {
      snat $accepted_snat
    } else {
      snat automap
    }
  } else {
    snat automap
  }
}
"#;

pub fn host() -> StaticHost {
    StaticHost::new()
        .with_data_group(
            DataGroup::ip(
                "/Common/smtp_relay_allowed",
                &[
                    ("10.1.1.5/32", None),
                    ("10.1.2.0/24", Some("print servers")),
                ],
            )
            .unwrap(),
        )
        .with_data_group(
            DataGroup::ip(
                "nested",
                &[
                    ("10.0.0.0/8", Some("wide")),
                    ("10.1.0.0/16", Some("mid")),
                    ("10.1.2.0/24", Some("narrow")),
                    ("10.1.2.0%2/24", Some("rd2")),
                ],
            )
            .unwrap(),
        )
        .with_data_group(DataGroup::string(
            "domains",
            &[
                ("contoso.com", Some("internal")),
                ("example", Some("ext")),
                ("mail.", None),
            ],
        ))
        .with_pool("smtp_pool")
        .with_snatpool("relay_snat")
        .with_virtual("/Common/SMTP_VS")
}

pub fn program_with(rules: &[(&str, &str)], settings: Settings) -> Program {
    let rules = rules
        .iter()
        .map(|(n, t)| irule::parse(n, t).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    Program::new(rules, settings).unwrap_or_else(|e| panic!("{e}"))
}

pub fn program(text: &str) -> Program {
    program_with(&[("/Common/test_rule", text)], Settings::default())
}

pub fn conn(client: &str) -> Connection {
    Connection {
        client: client.parse().unwrap(),
        client_port: 40000,
        local: "10.0.0.10".parse().unwrap(),
        local_port: 25,
    }
}

/// Runs CLIENT_ACCEPTED of `text` for `client`.
pub fn accepted(text: &str, client: &str) -> Evaluation {
    let p = program(text);
    let h = host();
    let s = p.init(&h).unwrap();
    p.evaluate(&h, &s, conn(client), "CLIENT_ACCEPTED")
}

/// The log messages of an evaluation.
pub fn logs(ev: &Evaluation) -> Vec<String> {
    ev.logs.iter().map(|l| l.message.clone()).collect()
}

/// Runs a rule whose CLIENT_ACCEPTED logs results; returns the messages, panicking on
/// an error.
pub fn logged(body: &str, client: &str) -> Vec<String> {
    let ev = accepted(&format!("when CLIENT_ACCEPTED {{\n{body}\n}}"), client);
    if let Some(e) = &ev.error {
        panic!("{e}");
    }
    logs(&ev)
}

/// Plain Tcl output.
pub fn tcl(script: &str) -> String {
    let r = irule::run_tcl(script, &Settings::default());
    if let Err(e) = &r.result {
        panic!("{e}\n--- output so far:\n{}", r.output);
    }
    r.output
}

/// The real `tclsh`, or None (with SKIPPED on stderr) when it is missing outside CI.
pub fn tclsh() -> Option<&'static str> {
    static FOUND: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let found = *FOUND.get_or_init(|| {
        let ok = Command::new("tclsh")
            .arg("/dev/null")
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok && std::env::var("CI").as_deref() != Ok("true") {
            // Straight to the process's stderr: the harness captures print! of passing
            // tests.
            let _ = writeln!(std::io::stderr(), "SKIPPED: tclsh not found");
        }
        ok
    });
    if found {
        return Some("tclsh");
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("tclsh not found, and CI=true forbids skipping the differential test");
    }
    None
}

/// What a script prints under the real tclsh, its error appended.
pub fn run_tclsh(tclsh: &str, script: &str) -> String {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(script.as_bytes()).unwrap();
    let out = Command::new(tclsh).arg(f.path()).output().unwrap();
    let mut s = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        s.push_str(&format!("\n(error: {})", err.lines().next().unwrap_or("")));
    }
    s
}

/// What a script prints under relaylab's engine in plain-Tcl mode, its error appended.
pub fn run_relaylab(script: &str) -> String {
    let r = irule::run_tcl(script, &irule::Settings::default());
    let mut s = r.output;
    match r.result {
        Ok(_) => {}
        Err(irule::Error::Runtime(e)) => s.push_str(&format!("\n(error: {})", e.kind)),
        Err(e) => s.push_str(&format!("\n(error: {e})")),
    }
    s
}
