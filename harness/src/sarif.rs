//! SARIF 2.1.0 for `check`, `diff` and `run` (`--format sarif`): what GitHub code scanning
//! and GitLab read. One rule per property (and per kind of change for `diff`, one for the
//! live agreement of `run`); each violation a result located at the configuration lines
//! that decide it (the virtual server, each iRule decision, each mail-server entry), with
//! the counterexample in the message. Built with the typed `serde-sarif` structures.

use serde_sarif::sarif::{
    ArtifactLocation, Location, Message, MultiformatMessageString, PhysicalLocation, Region,
    ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif, Tool, ToolComponent,
};
use verify::diff::{ChangeKind, Diff, Direction};
use verify::{ConfigLocation, Label, Proof, Property, Violation};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// A file path as a URI reference: forward slashes, and what a URI cannot hold escaped.
fn uri(file: &str) -> String {
    let mut out = String::with_capacity(file.len());
    for c in file.replace('\\', "/").chars() {
        match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '-' | '.' | '_' | '~' | '/' | ':' => out.push(c),
            other => {
                let mut buf = [0u8; 4];
                for b in other.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
        }
    }
    out
}

fn location(l: &ConfigLocation, id: Option<i64>) -> Location {
    let physical = PhysicalLocation::builder()
        .artifact_location(ArtifactLocation::builder().uri(uri(&l.file)).build())
        .region(
            Region::builder()
                .start_line(l.line.max(1) as i64)
                .start_column(l.column.max(1) as i64)
                .build(),
        )
        .build();
    let message = Message::builder().text(l.what.clone()).build();
    match id {
        Some(id) => Location::builder()
            .id(id)
            .physical_location(physical)
            .message(message)
            .build(),
        None => Location::builder()
            .physical_location(physical)
            .message(message)
            .build(),
    }
}

/// The primary location (the first) and the related ones.
fn located(result: SarifResult, places: &[ConfigLocation]) -> SarifResult {
    let mut result = result;
    if let Some((first, rest)) = places.split_first() {
        result.locations = Some(vec![location(first, None)]);
        if !rest.is_empty() {
            result.related_locations = Some(
                rest.iter()
                    .enumerate()
                    .map(|(i, l)| location(l, Some(i as i64 + 1)))
                    .collect(),
            );
        }
    }
    result
}

fn rule(id: &str, text: &str) -> ReportingDescriptor {
    ReportingDescriptor::builder()
        .id(id)
        .short_description(MultiformatMessageString::builder().text(text).build())
        .build()
}

fn property_rules() -> Vec<ReportingDescriptor> {
    Property::ALL
        .iter()
        .map(|p| rule(p.name(), p.meaning()))
        .collect()
}

fn label_word(l: &Label) -> &'static str {
    match l {
        Label::Proved => "proved",
        Label::Sampled { .. } => "sampled",
        Label::NotDecided { .. } => "not decided",
    }
}

/// A violation as a result: an error when proved, a warning when sampled.
fn violation_result(v: &Violation, scenario: &str) -> SarifResult {
    let level = match v.label {
        Label::Proved => ResultLevel::Error,
        _ => ResultLevel::Warning,
    };
    let mut addresses = v.addresses.join(", ");
    if v.address_blocks > v.addresses.len() {
        addresses.push_str(&format!(
            " (and {} more blocks)",
            v.address_blocks - v.addresses.len()
        ));
    }
    let text = format!(
        "{} ({} on {}, {}; addresses {addresses}; scenario {scenario})",
        v.what,
        v.property.name(),
        v.virtual_name,
        label_word(&v.label)
    );
    located(
        SarifResult::builder()
            .rule_id(v.property.name())
            .level(level)
            .message(Message::builder().text(text).build())
            .build(),
        &v.locations,
    )
}

fn log(rules: Vec<ReportingDescriptor>, results: Vec<SarifResult>) -> String {
    let driver = ToolComponent::builder()
        .name("relaylab")
        .version(env!("CARGO_PKG_VERSION"))
        .information_uri("https://example.invalid/relaylab")
        .rules(rules)
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .build();
    let log = Sarif::builder()
        .schema(SCHEMA)
        .version(serde_json::json!("2.1.0"))
        .runs(vec![run])
        .build();
    serde_json::to_string_pretty(&log).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}")) + "\n"
}

/// `check --format sarif`.
pub fn check(proofs: &[(String, Proof)]) -> String {
    let results = proofs
        .iter()
        .flat_map(|(path, p)| p.violations().map(move |v| violation_result(v, path)))
        .collect();
    log(property_rules(), results)
}

/// `diff --format sarif`: a regression is an error at the lines that decide it after the
/// change; a fix and every other change are notes.
pub fn diff(d: &Diff) -> String {
    let mut rules = property_rules();
    rules.extend(
        ChangeKind::ALL
            .iter()
            .map(|k| rule(k.name(), "a change in what these clients get")),
    );
    let mut results = Vec::new();
    for v in &d.virtuals {
        for p in &v.properties {
            let (level, word) = match p.direction {
                Direction::Regression => (ResultLevel::Error, "regression"),
                Direction::Fixed => (ResultLevel::Note, "fixed"),
            };
            let text = format!(
                "{word} of {} on {}: {} (addresses {})",
                p.property.name(),
                v.name,
                p.what,
                p.addresses.join(", ")
            );
            results.push(located(
                SarifResult::builder()
                    .rule_id(p.property.name())
                    .level(level)
                    .message(Message::builder().text(text).build())
                    .build(),
                &p.locations,
            ));
        }
        for c in &v.changes {
            let text = format!(
                "{} on {}: {} (before: {}; after: {})",
                c.kind.name(),
                v.name,
                c.addresses.join(", "),
                c.before,
                c.after
            );
            results.push(
                SarifResult::builder()
                    .rule_id(c.kind.name())
                    .level(ResultLevel::Note)
                    .message(Message::builder().text(text).build())
                    .build(),
            );
        }
    }
    log(rules, results)
}

/// `run --format sarif`: the proof's violations, and every live trial that disagrees with
/// it, located at the scenario.
pub fn run(reports: &[crate::run_cmd::RunReport]) -> String {
    let mut rules = property_rules();
    rules.push(rule(
        "live-agreement",
        "a real session through the live balancer gives what the proof predicts",
    ));
    let mut results = Vec::new();
    for r in reports {
        if let Some(p) = &r.proof {
            results.extend(p.violations().map(|v| violation_result(v, &r.path)));
        }
        for o in r.observations.iter().filter(|o| !o.agree) {
            let text = format!(
                "trial {}: the live run does not agree with the proof: {:?} ({})",
                o.trial.id, o.reason, r.scenario
            );
            let at = ConfigLocation {
                file: r.path.clone(),
                line: 1,
                column: 1,
                what: r.scenario.clone(),
            };
            results.push(located(
                SarifResult::builder()
                    .rule_id("live-agreement")
                    .level(ResultLevel::Error)
                    .message(Message::builder().text(text).build())
                    .build(),
                &[at],
            ));
        }
    }
    log(rules, results)
}
