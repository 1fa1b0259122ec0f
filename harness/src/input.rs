//! Reading what users give us; every failure becomes a [`BadInput`] that names the file,
//! and where it can, the line and column.

use std::path::Path;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};

/// Why a command could not run: input relaylab cannot use (exit code 2), or an
/// environment that does not let it run (exit code 3: a carrier address or port in use, a
/// runtime that cannot start). Printed as diagnostics.
#[derive(Debug)]
pub struct BadInput {
    diagnostics: Vec<Box<dyn Diagnostic + Send + Sync>>,
    environment: bool,
}

impl BadInput {
    /// A plain message with a hint.
    pub fn message(text: impl Into<String>, help: Option<String>) -> BadInput {
        BadInput {
            diagnostics: vec![Box::new(Plain {
                text: text.into(),
                help,
            })],
            environment: false,
        }
    }

    /// The machine, not the input, is in the way (exit code 3): say what, and a hint.
    pub fn environment(text: impl Into<String>, help: impl Into<String>) -> BadInput {
        BadInput {
            environment: true,
            ..BadInput::message(text, Some(help.into()))
        }
    }

    /// Whether the environment, not the input, is at fault.
    pub fn is_environment(&self) -> bool {
        self.environment
    }

    /// The process exit code: 3 for the environment, 2 for bad input.
    pub fn exit_code(&self) -> u8 {
        if self.environment { 3 } else { 2 }
    }

    /// One diagnostic (it carries its own source and labels).
    pub fn diagnostic(d: impl Diagnostic + Send + Sync + 'static) -> BadInput {
        BadInput {
            diagnostics: vec![Box::new(d)],
            environment: false,
        }
    }

    /// This, then `more` (the cause, from another file).
    pub fn then(mut self, more: BadInput) -> BadInput {
        self.diagnostics.extend(more.diagnostics);
        self
    }

    /// A scenario whose iRules cannot be used: the headline, then the engine's own
    /// diagnostic pointing into the rule.
    pub fn plan(headline: String, e: verify::ProveError) -> BadInput {
        use bigip::decide::PlanError;
        let engine: Option<Box<dyn Diagnostic + Send + Sync>> = match e {
            verify::ProveError::Plan(PlanError::Parse { error, .. }) => Some(error),
            verify::ProveError::Plan(PlanError::Load { error, .. }) => Some(error),
            verify::ProveError::Plan(PlanError::Init { error, .. }) => Some(error),
            _ => None,
        };
        let mut b = BadInput::message(headline, None);
        b.diagnostics.extend(engine);
        b
    }

    /// Every problem of a configuration file.
    pub fn from_file_problems(p: &bigip::FileProblems) -> BadInput {
        BadInput {
            diagnostics: p
                .diagnostics()
                .into_iter()
                .map(|d| Box::new(d) as Box<dyn Diagnostic + Send + Sync>)
                .collect(),
            environment: false,
        }
    }

    /// Prints every diagnostic to stderr, with source snippets.
    pub fn report(&self) {
        let theme = if std::env::var_os("NO_COLOR").is_some()
            || !std::io::IsTerminal::is_terminal(&std::io::stderr())
        {
            GraphicalTheme::unicode_nocolor()
        } else {
            GraphicalTheme::unicode()
        };
        errout!("{}", self.render(theme));
    }

    /// Every diagnostic as text, with source snippets, as [`BadInput::report`] prints it.
    pub fn render(&self, theme: GraphicalTheme) -> String {
        let handler = GraphicalReportHandler::new_themed(theme);
        let mut all = String::new();
        for d in &self.diagnostics {
            let mut out = String::new();
            if handler.render_report(&mut out, d.as_ref()).is_err() {
                out = format!("error: {d}\n");
            }
            all.push_str(&out);
        }
        all
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{text}")]
struct Plain {
    text: String,
    help: Option<String>,
}

impl Diagnostic for Plain {
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }
}

/// Reads a text file the user named. Bytes that are not UTF-8 are reported at their line
/// and column, without quoting the file (it may not be the file the user meant).
pub fn read_text(path: &Path) -> Result<String, BadInput> {
    let bytes = std::fs::read(path).map_err(|e| {
        BadInput::message(
            format!("cannot read {}: {e}", path.display()),
            Some("check the path; relaylab reads configuration exports as UTF-8 text".into()),
        )
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let valid = String::from_utf8_lossy(&bytes[..at]);
        let line = valid.matches('\n').count() + 1;
        let column = valid.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        BadInput::message(
            format!(
                "{}:{line}:{column}: not UTF-8 text: byte 0x{:02x} (byte offset {at}) is not valid UTF-8",
                path.display(),
                bytes[at]
            ),
            Some("relaylab reads configuration exports as UTF-8 text; convert the file (for example `iconv -f latin1 -t utf-8`), or check that this is the file you meant".into()),
        )
    })
}

/// Parses a bigip.conf and fills its external data groups from files beside it.
pub fn load_bigip(path: &Path, datagroup_dir: Option<&Path>) -> Result<bigip::Loaded, BadInput> {
    let text = read_text(path)?;
    load_bigip_text(
        &path.display().to_string(),
        &text,
        datagroup_dir.or(path.parent()),
    )
}

/// Parses bigip.conf text; external data-group files are read from `dir` when given.
pub fn load_bigip_text(
    name: &str,
    text: &str,
    dir: Option<&Path>,
) -> Result<bigip::Loaded, BadInput> {
    let mut loaded = bigip::parse(name, text).map_err(|p| BadInput::from_file_problems(&p))?;
    let externals: Vec<(String, String)> = loaded
        .config
        .data_groups
        .values()
        .filter_map(|d| d.external_file.clone().map(|f| (d.group.name.clone(), f)))
        .collect();
    for (group, file) in externals {
        let Some(dir) = dir else {
            return Err(BadInput::message(
                format!(
                    "data group {group} reads its records from `{file}`, and no folder was given to find it in"
                ),
                None,
            ));
        };
        let path = dir.join(&file);
        let text = read_text(&path).map_err(|_| {
            BadInput::message(
                format!(
                    "data group {group} reads its records from `{}`, which cannot be read",
                    path.display()
                ),
                Some(
                    "put the external data-group file beside bigip.conf, or pass --datagroup-dir"
                        .into(),
                ),
            )
        })?;
        bigip::attach_external_file(
            &mut loaded.config,
            &group,
            &path.display().to_string(),
            &text,
        )
        .map_err(|p| BadInput::from_file_problems(&p))?;
    }
    Ok(loaded)
}

/// Prints warnings as one `file:line:column: warning: ...` line each.
pub fn print_warnings(warnings: &bigip::FileProblems) {
    if !warnings.problems.is_empty() {
        errln!("{warnings}");
    }
}
