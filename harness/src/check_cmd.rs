//! `relaylab check` and `relaylab explain`.

use std::path::{Path, PathBuf};

use addrspace::Addr;

use crate::cli::ReportFormat;
use crate::scenario::{self, Scenario};
use crate::{BadInput, Outcome, report};

/// Proves every scenario found at `path`; exit 0 when every one passes.
pub fn check(
    path: &Path,
    format: ReportFormat,
    verbose: bool,
    out: Option<&Path>,
    samples: usize,
) -> Result<Outcome, BadInput> {
    let files = scenario::discover(path)?;
    let mut proofs = Vec::new();
    for f in &files {
        let mut s = scenario::load(f)?;
        s.model.options.search = samples;
        crate::input::print_files_warnings(&s.warnings);
        let proof = prove(&s)?;
        proofs.push((f.display().to_string(), proof));
    }
    let rendered = match format {
        ReportFormat::Text => {
            let mut s = String::new();
            for (p, proof) in &proofs {
                s.push_str(&report::text(proof, p, verbose));
                s.push('\n');
            }
            let passed = proofs.iter().filter(|(_, p)| p.check.passes()).count();
            s.push_str(&format!("{passed} of {} scenarios pass\n", proofs.len()));
            s
        }
        ReportFormat::Json => {
            let doc: Vec<serde_json::Value> = proofs
                .iter()
                .map(|(p, proof)| serde_json::json!({ "path": p, "passes": proof.check.passes(), "proof": proof }))
                .collect();
            serde_json::to_string_pretty(&doc)
                .map_err(|e| BadInput::message(format!("cannot render JSON: {e}"), None))?
                + "\n"
        }
        ReportFormat::Junit => report::junit(&proofs),
        ReportFormat::Sarif => crate::sarif::check(&proofs),
    };
    emit(&rendered, out, format)?;
    Ok(if proofs.iter().all(|(_, p)| p.check.passes()) {
        Outcome::Holds
    } else {
        Outcome::Violated
    })
}

/// Proves one loaded scenario; a model that cannot be proved is bad input.
pub fn prove(s: &Scenario) -> Result<verify::Proof, BadInput> {
    verify::prove(&s.model).map_err(|e| prove_error(&s.path, e))
}

fn prove_error(path: &Path, e: verify::ProveError) -> BadInput {
    BadInput::plan(format!("{}: {e}", path.display()), e)
}

fn emit(text: &str, out: Option<&Path>, format: ReportFormat) -> Result<(), BadInput> {
    emit_named(text, out, format, "report")
}

/// Prints the report, or writes it into `out` as `STEM.txt`, `STEM.json` or `junit.xml`.
pub(crate) fn emit_named(
    text: &str,
    out: Option<&Path>,
    format: ReportFormat,
    stem: &str,
) -> Result<(), BadInput> {
    match out {
        None => {
            out!("{text}");
            Ok(())
        }
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| {
                BadInput::message(format!("cannot create {}: {e}", dir.display()), None)
            })?;
            let name = match format {
                ReportFormat::Text => format!("{stem}.txt"),
                ReportFormat::Json => format!("{stem}.json"),
                ReportFormat::Junit => "junit.xml".to_string(),
                ReportFormat::Sarif => format!("{stem}.sarif"),
            };
            let file: PathBuf = dir.join(name);
            std::fs::write(&file, text).map_err(|e| {
                BadInput::message(format!("cannot write {}: {e}", file.display()), None)
            })?;
            errln!("wrote {}", file.display());
            Ok(())
        }
    }
}

/// Every hop for one client address.
pub fn explain(
    path: &Path,
    address: &str,
    port: u16,
    virtual_name: Option<&str>,
) -> Result<Outcome, BadInput> {
    let file = &scenario::discover_one(path, "explain")?;
    let addr: Addr = address
        .parse()
        .map_err(|e| BadInput::message(format!("{address}: {e}"), None))?;
    let s = scenario::load(file)?;
    let text = verify::explain::explain(
        &s.model,
        addr,
        port,
        virtual_name.map(bigip::full_name).as_deref(),
    )
    .map_err(|e| prove_error(file, e))?;
    out!("{text}");
    Ok(Outcome::Holds)
}
