//! `--format sarif`: every gallery scenario's `check`, and a `diff` with a regression,
//! validate against the SARIF 2.1.0 schema (the one serde-sarif is generated from, checked
//! by Python's `jsonschema`, a validator that is not ours); every violation is a result
//! under its property's rule; and every location points at a real line that says what
//! the location claims (the virtual's `ltm virtual`, the iRule's decision command, the
//! mail server's entry).

#![allow(clippy::unwrap_used)] // a test that cannot read its own fixtures should stop loudly

use std::process::Command;

mod common;
use common::{gallery, glob_pair, schema, validate};

fn relaylab(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_relaylab"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// The text at a location's line and column.
fn at(uri: &str, line: u64, column: u64) -> String {
    let text = std::fs::read_to_string(uri).unwrap_or_else(|e| panic!("{uri}: {e}"));
    let l = text
        .lines()
        .nth(line as usize - 1)
        .unwrap_or_else(|| panic!("{uri} has no line {line}"));
    l.chars().skip(column as usize - 1).collect()
}

fn locations(result: &serde_json::Value) -> Vec<&serde_json::Value> {
    result["locations"]
        .as_array()
        .into_iter()
        .chain(result["relatedLocations"].as_array())
        .flatten()
        .collect()
}

/// Every location says what stands there.
fn check_locations(result: &serde_json::Value) {
    for l in locations(result) {
        let what = l["message"]["text"].as_str().unwrap();
        let p = &l["physicalLocation"];
        let uri = p["artifactLocation"]["uri"].as_str().unwrap();
        let (line, column) = (
            p["region"]["startLine"].as_u64().unwrap(),
            p["region"]["startColumn"].as_u64().unwrap(),
        );
        let there = at(uri, line, column);
        if let Some(name) = what.strip_prefix("virtual ") {
            assert!(
                there.starts_with("ltm virtual") && there.contains(name),
                "{uri}:{line}: `{there}` is not {what}"
            );
        } else if what.starts_with("iRule ") && !what.contains(" fails") {
            let word = there.split_whitespace().next().unwrap_or_default();
            assert!(
                [
                    "snat",
                    "snatpool",
                    "pool",
                    "node",
                    "reject",
                    "drop",
                    "discard",
                    "persist",
                    "forward",
                    "translate"
                ]
                .contains(&word)
                    || word.starts_with("LB::")
                    || word.starts_with("TCP::"),
                "{uri}:{line}:{column}: `{there}` is no decision"
            );
        } else {
            assert!(
                !there.trim().is_empty(),
                "{uri}:{line}:{column} is blank for {what}"
            );
        }
    }
}

#[test]
fn check_sarif_validates_and_points_at_the_deciding_lines() {
    let schema = schema();
    let tmp = tempfile::tempdir().unwrap();
    let mut results = 0;
    for dir in gallery() {
        let out = relaylab(&["check", dir.to_str().unwrap(), "--format", "sarif"]);
        assert!(
            out.status.code().is_some_and(|c| c < 2),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let file = tmp.path().join(format!(
            "{}.sarif",
            dir.file_name().unwrap().to_string_lossy()
        ));
        std::fs::write(&file, &out.stdout).unwrap();
        validate(&file, &schema);
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let run = &doc["runs"][0];
        let rules: Vec<&str> = run["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        // The JSON report's violations, one result each, under their property's rule.
        let json = relaylab(&["check", dir.to_str().unwrap(), "--format", "json"]);
        let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
        let want: Vec<String> = report[0]["proof"]["virtuals"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|v| v["violations"].as_array().unwrap().iter())
            .map(|v| v["property"].as_str().unwrap().to_string())
            .collect();
        let got = run["results"].as_array().unwrap();
        assert_eq!(got.len(), want.len(), "{}", dir.display());
        for (r, p) in got.iter().zip(&want) {
            assert_eq!(r["ruleId"].as_str(), Some(p.as_str()));
            assert!(rules.contains(&p.as_str()));
            assert!(
                !locations(r).is_empty(),
                "{}: a result without a location",
                dir.display()
            );
            check_locations(r);
            results += 1;
        }
    }
    assert!(results >= 10, "only {results} results across the gallery");
}

#[test]
fn diff_sarif_locates_the_regression() {
    let schema = schema();
    let tmp = tempfile::tempdir().unwrap();
    let (broken, fixed) = glob_pair(tmp.path());
    let out = relaylab(&[
        "diff",
        fixed.to_str().unwrap(),
        broken.to_str().unwrap(),
        "--format",
        "sarif",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let file = tmp.path().join("diff.sarif");
    std::fs::write(&file, &out.stdout).unwrap();
    validate(&file, &schema);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let regression = results
        .iter()
        .find(|r| r["level"] == "error")
        .expect("the regression is an error");
    assert_eq!(regression["ruleId"], "no-open-relay");
    assert!(
        regression["message"]["text"]
            .as_str()
            .unwrap()
            .contains("10.1.20.0/22")
    );
    // Located in the broken side's files, at the glob's snat.
    let uris: Vec<&str> = locations(regression)
        .iter()
        .map(|l| {
            l["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    let broken_dir = broken.display().to_string();
    assert!(uris.iter().all(|u| u.starts_with(&broken_dir)), "{uris:?}");
    check_locations(regression);
    assert!(
        results
            .iter()
            .any(|r| r["ruleId"] == "relay-gained" && r["level"] == "note")
    );
}
