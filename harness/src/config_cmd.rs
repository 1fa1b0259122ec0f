//! `relaylab config show` and `relaylab policy show`.

use std::path::{Path, PathBuf};

use crate::cli::Format;
use crate::input::{load_bigip_files, print_files_warnings, read_config_paths, read_text};
use crate::{BadInput, Outcome};

/// Prints the model of one configuration (one file, or the files it was saved in).
pub fn show(
    files: &[PathBuf],
    format: Format,
    datagroup_dir: Option<&Path>,
) -> Result<Outcome, BadInput> {
    let (texts, store) = read_config_paths(files, &|p| read_text(p)).map_err(|(_, e)| e)?;
    let first_dir = files.first().and_then(|f| f.parent());
    let loaded = load_bigip_files(&texts, datagroup_dir.or(first_dir), &store)?;
    match format {
        Format::Text => {
            out!("{}", bigip::show::render(&loaded.config));
            print_files_warnings(&loaded.warnings);
        }
        Format::Json => {
            let all: Vec<&bigip::Problem> = loaded
                .warnings
                .iter()
                .flat_map(|w| w.problems.iter())
                .collect();
            let by_file: Vec<serde_json::Value> = loaded
                .warnings
                .iter()
                .map(|w| serde_json::json!({ "file": w.name, "problems": w.problems }))
                .collect();
            let doc = serde_json::json!({
                "config": loaded.config,
                "warnings": all,
                "warnings_by_file": by_file,
            });
            let text = serde_json::to_string_pretty(&doc)
                .map_err(|e| BadInput::message(format!("cannot render JSON: {e}"), None))?;
            outln!("{text}");
        }
    }
    Ok(Outcome::Holds)
}

/// Prints the relay policy of the servers the files describe.
pub fn policy_show(files: &[PathBuf], format: Format) -> Result<Outcome, BadInput> {
    let set = relaypolicy::import::load_files(files.iter().map(PathBuf::as_path))
        .map_err(BadInput::diagnostic)?;
    match format {
        Format::Text => out!("{}", relaypolicy::show::render_text(&set)),
        Format::Json => outln!("{}", relaypolicy::show::render_json(&set)),
    }
    Ok(Outcome::Holds)
}
