//! `relaylab demo`: the embedded scenario gallery, each pitfall's story told in a few
//! lines: what the admin meant, what relaylab found, the counterexample, the fix.

use std::path::{Path, PathBuf};

use crate::check_cmd::prove;
use crate::scenario::{self, Scenario};
use crate::{BadInput, Outcome, report};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/gallery.rs"));
}

/// Loads every embedded scenario.
pub fn gallery() -> Result<Vec<Scenario>, BadInput> {
    let mut out = Vec::new();
    for (dir, files) in embedded::GALLERY {
        let read = |p: &Path| -> Result<String, BadInput> {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            files
                .iter()
                .find(|(f, _)| *f == name)
                .map(|(_, text)| text.to_string())
                .ok_or_else(|| BadInput::message(format!("{} is not embedded", p.display()), None))
        };
        let toml = read(Path::new("scenario.toml"))?;
        let base = PathBuf::from("scenarios").join(dir);
        out.push(scenario::load_text(
            &base.join("scenario.toml").display().to_string(),
            &toml,
            &base,
            &read,
        )?);
    }
    Ok(out)
}

/// Proves every embedded scenario and tells its story.
pub fn run(verbose: bool) -> Result<Outcome, BadInput> {
    let scenarios = gallery()?;
    outln!(
        "relaylab demo: {} scenarios from the gallery, proved for every IPv4 and IPv6 source address\n",
        scenarios.len()
    );
    let mut all_pass = true;
    for s in &scenarios {
        let proof = prove(s)?;
        all_pass &= proof.check.passes();
        outln!("━━ {}", s.model.name);
        if let Some(summary) = &s.summary {
            outln!("   {summary}");
        }
        if let Some(story) = &s.story {
            for line in story.lines() {
                outln!("   {line}");
            }
        }
        let found: Vec<&verify::Violation> = proof.violations().collect();
        if found.is_empty() {
            let classes: usize = proof.virtuals.iter().map(|v| v.classes.len()).sum();
            outln!("   relaylab: holds on every path ({classes} address classes, all proved)");
        }
        // One line per property: the first path as the example, the other paths named.
        let mut shown: Vec<verify::Property> = Vec::new();
        for v in &found {
            if shown.contains(&v.property) {
                continue;
            }
            shown.push(v.property);
            let paths: Vec<String> = found
                .iter()
                .filter(|o| o.property == v.property)
                .filter_map(|o| {
                    o.path
                        .as_ref()
                        .map(|p| format!("{} ({})", p.member, p.server))
                })
                .collect();
            let addresses = v
                .addresses
                .iter()
                .take(4)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            outln!("   relaylab found {}: {}", v.property, v.what);
            outln!(
                "      counterexample {}; addresses: {addresses}",
                verify::who(
                    verify::Client {
                        addr: v.representative,
                        port: v.representative_port
                    },
                    v.depends_on_port
                )
            );
            if paths.len() > 1 {
                outln!("      found through: {}", paths.join(", "));
            }
        }
        if verbose {
            out!(
                "{}",
                report::text(&proof, &s.path.display().to_string(), true)
            );
        }
        outln!();
    }
    outln!("Try: relaylab explain scenarios/one-member-wider-connector 192.0.2.7");
    Ok(if all_pass {
        Outcome::Holds
    } else {
        Outcome::Violated
    })
}
