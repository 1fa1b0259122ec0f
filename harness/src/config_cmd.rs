//! `relaylab config show` and `relaylab policy show`.

use std::path::{Path, PathBuf};

use crate::cli::Format;
use crate::input::{load_bigip, print_warnings};
use crate::{BadInput, Outcome};

/// Prints the model of one bigip.conf.
pub fn show(
    file: &Path,
    format: Format,
    datagroup_dir: Option<&Path>,
) -> Result<Outcome, BadInput> {
    let loaded = load_bigip(file, datagroup_dir)?;
    match format {
        Format::Text => {
            out!("{}", bigip::show::render(&loaded.config));
            print_warnings(&loaded.warnings);
        }
        Format::Json => {
            let doc = serde_json::json!({
                "config": loaded.config,
                "warnings": loaded.warnings.problems,
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
