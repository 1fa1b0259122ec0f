//! One small rule per command and per event of F5's iRules reference that a plain TCP
//! virtual server can run, generated from the catalogue: each loads, and evaluating it
//! ends as the catalogue's [`Support`] says. A command the engine models or takes as a
//! run-time input never comes back as "relaylab does not model"; one it does not model
//! always does, naming itself; a module's command is a run-time input where the module
//! is provisioned. So the coverage figure `make bench` prints is checked, not asserted.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use irule::catalog::{self, Requirement, Support};
use irule::{RuntimeErrorKind, Settings};

fn run(rule: &str, settings: Settings) -> Result<irule::Evaluation, String> {
    let parsed = irule::parse("/Common/corpus", rule).map_err(|e| e.to_string())?;
    let p = irule::Program::new(vec![parsed], settings).map_err(|e| e.to_string())?;
    let h = common::host();
    let s = p.init(&h).map_err(|e| e.to_string())?;
    Ok(p.evaluate(&h, &s, common::conn("10.1.1.5"), "CLIENT_ACCEPTED"))
}

fn gap_names(ev: &irule::Evaluation, name: &str) -> bool {
    matches!(&ev.error, Some(e) if matches!(&e.kind, RuntimeErrorKind::Unsupported { command, .. } if command.starts_with(name)))
}

#[test]
fn every_command_a_tcp_virtual_runs_loads_and_evaluates_as_the_catalogue_says() {
    let none = BTreeSet::new();
    let mut failures = Vec::new();
    let mut seen = 0;
    for cmd in catalog::COMMANDS {
        let support = catalog::support(cmd, &none);
        if support == Support::Refused {
            continue;
        }
        seen += 1;
        // `catch` keeps the rule's own errors (wrong arguments) from ending the
        // evaluation, but cannot hide a gap in relaylab's model.
        let rule = format!("when CLIENT_ACCEPTED {{ catch {{ {} }} }}", cmd.name);
        let ev = match run(&rule, Settings::default()) {
            Ok(ev) => ev,
            Err(e) => {
                failures.push(format!("{}: does not load: {e}", cmd.name));
                continue;
            }
        };
        let gap = gap_names(&ev, cmd.name);
        match support {
            Support::NotModelled if !gap => failures.push(format!(
                "{}: catalogued as not modelled, yet evaluates ({:?})",
                cmd.name, ev.error
            )),
            Support::Modelled | Support::RunTimeInput if gap => failures.push(format!(
                "{}: catalogued as {support:?}, yet relaylab does not model it",
                cmd.name
            )),
            _ => {}
        }
    }
    assert!(seen > 300, "only {seen} commands tried");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_module_command_is_a_run_time_input_where_its_module_is_provisioned() {
    let mut failures = Vec::new();
    for cmd in catalog::COMMANDS {
        let Requirement::Module(m) = cmd.needs else {
            continue;
        };
        let mut settings = Settings::default();
        settings.modules.insert(m.to_string());
        // Called with no arguments the engine cannot tell a lookup from an action: it is
        // a run-time input either way, never an error.
        let rule = format!("when CLIENT_ACCEPTED {{ set r [{}] }}", cmd.name);
        match run(&rule, settings) {
            Err(e) if e.contains("event") => {} // a module event-only command, refused by event
            Err(e) => failures.push(format!("{}: {e}", cmd.name)),
            Ok(ev) if ev.error.is_some() => failures.push(format!(
                "{}: {:?}",
                cmd.name,
                ev.error.map(|e| e.kind.to_string())
            )),
            Ok(ev) if ev.free_inputs.iter().all(|f| &*f.command != cmd.name) => {
                failures.push(format!("{}: not recorded as a run-time input", cmd.name))
            }
            Ok(_) => {}
        }
        let refused = run(&rule, Settings::default());
        if refused.is_ok() {
            failures.push(format!("{}: loads without module {m}", cmd.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_event_a_tcp_virtual_fires_loads() {
    let mut n = 0;
    for e in catalog::EVENTS {
        if e.needs != Requirement::Any {
            continue;
        }
        n += 1;
        let rule = format!("when {} {{ log local0. \"{}\" }}", e.name, e.name);
        if let Err(err) = run(&rule, Settings::default()) {
            panic!("{}: {err}", e.name);
        }
    }
    assert!(n >= 19);
}

#[test]
fn the_coverage_figure_adds_up() {
    let f = catalog::support_figures();
    assert_eq!(
        f.modelled + f.run_time_input + f.not_modelled,
        f.runs_on_tcp
    );
    assert_eq!(f.runs_on_tcp + f.module + f.refused, f.commands);
    assert!(f.modelled > 0 && f.run_time_input > 0);
}

/// The figures the README and docs/irules.md quote are the catalogue's, so they cannot go
/// stale unnoticed.
#[test]
fn the_documented_coverage_figures_are_current() {
    let f = catalog::support_figures();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let flat = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    let claim = format!(
        "of the {} commands F5's reference lets a TCP virtual run, {} are modelled exactly, {} are run-time inputs (sampled where a decision depends on them) and {} are not decided yet",
        f.runs_on_tcp, f.modelled, f.run_time_input, f.not_modelled
    );
    assert!(flat.contains(&claim), "README should say: {claim}");
    let doc = std::fs::read_to_string(root.join("docs/irules.md")).unwrap();
    let flat = doc.split_whitespace().collect::<Vec<_>>().join(" ");
    let line = format!("irule reference coverage: {f}");
    assert!(flat.contains(&line), "docs/irules.md should quote: {line}");
}
