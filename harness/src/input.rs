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

    /// Every problem of several configuration files.
    pub fn from_files_problems(files: &[bigip::FileProblems]) -> BadInput {
        BadInput {
            diagnostics: files
                .iter()
                .flat_map(|p| BadInput::from_file_problems(p).diagnostics)
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
    text_of(path, read_bytes(path)?)
}

fn read_bytes(path: &Path) -> Result<Vec<u8>, BadInput> {
    std::fs::read(path).map_err(|e| {
        BadInput::message(
            format!("cannot read {}: {e}", path.display()),
            Some("check the path; relaylab reads configuration exports as UTF-8 text".into()),
        )
    })
}

/// The bytes of the file at `path` as text, or where they stop being UTF-8.
fn text_of(path: &Path, bytes: Vec<u8>) -> Result<String, BadInput> {
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

/// External data-group files found in a UCS archive's filestore, by partition and file
/// object name (`config/filestore/files_d/Common_d/data_group_d/:Common:relay_file_63812_1`
/// is `("Common", "relay_file")`), with the member's name and text; the newest revision
/// when there are several.
#[derive(Debug, Default)]
pub struct Filestore(std::collections::BTreeMap<(String, String), (u64, String, String)>);

impl Filestore {
    /// The file an `external-file-name` names (`/Common/relay_file` or `relay_file`),
    /// with the name to show for it.
    fn get(&self, external: &str, default_partition: &str) -> Option<(&str, &str)> {
        let (partition, name) = match external.strip_prefix('/').and_then(|r| r.split_once('/')) {
            Some((p, n)) => (p, n),
            None => (default_partition, external),
        };
        self.0
            .get(&(partition.to_string(), name.to_string()))
            .map(|(_, shown, text)| (shown.as_str(), text.as_str()))
    }

    /// Adds another archive's files (an earlier archive's stay where both have one).
    pub fn extend(&mut self, other: Filestore) {
        for (k, v) in other.0 {
            self.0.entry(k).or_insert(v);
        }
    }

    fn insert(&mut self, member: &str, shown: String, text: String) {
        // `:Common:relay_file_63812_1`: partition, object name, id and revision.
        let Some(rest) = member.strip_prefix(':') else {
            return;
        };
        let Some((partition, tail)) = rest.split_once(':') else {
            return;
        };
        let mut parts = tail.rsplitn(3, '_');
        let (Some(rev), Some(_id), Some(name)) = (parts.next(), parts.next(), parts.next()) else {
            return;
        };
        let Ok(rev) = rev.parse::<u64>() else {
            return;
        };
        let key = (partition.to_string(), name.to_string());
        if self.0.get(&key).is_none_or(|(r, _, _)| *r < rev) {
            self.0.insert(key, (rev, shown, text));
        }
    }
}

/// A configuration's files (name and text, in load order) and the external data-group
/// files of a UCS filestore.
pub type ConfigFiles = (Vec<(String, String)>, Filestore);

/// The most a UCS archive may hold in the configuration files relaylab reads from it
/// (the rest is read past, never kept): a device's configuration is megabytes.
const UCS_KEPT_BYTES: u64 = 512 << 20;

/// The most an archive may expand to, every member counted, read or not: past it the
/// archive is refused rather than decompressed for minutes (a gzip bomb).
const UCS_READ_BYTES: u64 = 4 << 30;

/// Whether bytes begin a gzip stream (a UCS archive is a gzip'd tar).
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}

/// The configuration files of a UCS archive, in the order BIG-IP loads them
/// (`config/bigip_base.conf`, `config/bigip.conf`, then each partition's), each named
/// `ARCHIVE:MEMBER`, and the external data-group files of its filestore. Everything else
/// in the archive is read past; nothing is written anywhere.
pub fn read_ucs(path: &Path, bytes: &[u8]) -> Result<ConfigFiles, BadInput> {
    let bad = |why: String| {
        BadInput::message(
            format!("{} is not a UCS archive relaylab can read: {why}", path.display()),
            Some("give the .ucs file as saved by `tmsh save sys ucs`, or the configuration files themselves (config/bigip_base.conf, config/bigip.conf)".into()),
        )
    };
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    let mut configs: Vec<(u8, String, String, String)> = Vec::new();
    let mut filestore = Filestore::default();
    let mut kept: u64 = 0;
    let entries = archive.entries().map_err(|e| bad(e.to_string()))?;
    let mut expanded: u64 = 0;
    for entry in entries {
        let mut entry = entry.map_err(|e| bad(e.to_string()))?;
        expanded = expanded.saturating_add(entry.size());
        if expanded > UCS_READ_BYTES {
            return Err(bad(format!("it expands past {} GiB", UCS_READ_BYTES >> 30)));
        }
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let member = match entry.path() {
            Ok(p) => p
                .to_string_lossy()
                .trim_start_matches("./")
                .trim_start_matches('/')
                .to_string(),
            Err(_) => continue,
        };
        let parts: Vec<&str> = member.split('/').collect();
        let rank = match parts.as_slice() {
            ["config", "bigip_base.conf"] => Some(0),
            ["config", "bigip.conf"] => Some(1),
            ["config", "partitions", p, "bigip_base.conf"] if !p.is_empty() && *p != ".." => {
                Some(2)
            }
            ["config", "partitions", p, "bigip.conf"] if !p.is_empty() && *p != ".." => Some(3),
            _ => None,
        };
        let store = matches!(
            parts.as_slice(),
            ["config", "filestore", "files_d", _, "data_group_d", f] if f.starts_with(':')
        );
        if rank.is_none() && !store {
            continue;
        }
        kept = kept.saturating_add(entry.size());
        if kept > UCS_KEPT_BYTES {
            return Err(bad(format!(
                "its configuration files hold more than {} MiB",
                UCS_KEPT_BYTES >> 20
            )));
        }
        let mut raw = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut raw).map_err(|e| bad(e.to_string()))?;
        let shown = format!("{}:{member}", path.display());
        let text = String::from_utf8(raw).map_err(|_| {
            BadInput::message(
                format!("{shown} is not UTF-8 text"),
                Some("relaylab reads configuration exports as UTF-8 text".into()),
            )
        })?;
        match rank {
            Some(rank) => {
                // config/partitions/NAME/...: the partition orders it among the others.
                let partition = if rank >= 2 { parts[2] } else { "" };
                configs.push((rank, partition.to_string(), shown, text));
            }
            None => filestore.insert(parts[5], shown, text),
        }
    }
    // Partitions after /Common, base before main in each, as BIG-IP loads them.
    configs.sort_by(|a, b| {
        let group = |r: u8| u8::from(r >= 2);
        (group(a.0), &a.1, a.0).cmp(&(group(b.0), &b.1, b.0))
    });
    if configs.is_empty() {
        return Err(bad("it holds no config/bigip.conf".into()));
    }
    Ok((
        configs.into_iter().map(|(_, _, n, t)| (n, t)).collect(),
        filestore,
    ))
}

/// Whether the file at `path` is on disk and begins a gzip stream: two bytes read, so a
/// text file is then read once, by whoever reads text.
fn gzip_on_disk(path: &Path) -> bool {
    let mut head = [0u8; 2];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok_and(|()| is_gzip(&head))
}

/// The files some configuration paths stand for, in order: each a tmsh file, read with
/// `read` (the file system, or an embedded scenario's files), or a UCS archive on disk
/// (recognised by its first bytes, not its name) with its configuration files and
/// filestore. A path that cannot be used fails with its index.
pub fn read_config_paths(
    paths: &[std::path::PathBuf],
    read: &dyn Fn(&Path) -> Result<String, BadInput>,
) -> Result<ConfigFiles, (usize, BadInput)> {
    let mut files = Vec::new();
    let mut filestore = Filestore::default();
    for (i, path) in paths.iter().enumerate() {
        if gzip_on_disk(path) {
            let bytes = read_bytes(path).map_err(|e| (i, e))?;
            let (more, store) = read_ucs(path, &bytes).map_err(|e| (i, e))?;
            files.extend(more);
            filestore.extend(store);
        } else {
            files.push((path.display().to_string(), read(path).map_err(|e| (i, e))?));
        }
    }
    Ok((files, filestore))
}

/// Parses the files of one configuration (`bigip_base.conf`, `bigip.conf`, partition
/// files) as one; external data-group files are read from `dir` when given.
pub fn load_bigip_files(
    files: &[(String, String)],
    dir: Option<&Path>,
    filestore: &Filestore,
) -> Result<bigip::LoadedFiles, BadInput> {
    let named: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let mut loaded = bigip::parse_files(&named).map_err(|p| BadInput::from_files_problems(&p))?;
    let externals: Vec<(String, String)> = loaded
        .config
        .data_groups
        .values()
        .filter_map(|d| d.external_file.clone().map(|f| (d.group.name.clone(), f)))
        .collect();
    for (group, file) in externals {
        let partition = group
            .strip_prefix('/')
            .and_then(|g| g.split_once('/'))
            .map_or("Common", |(p, _)| p);
        if let Some((shown, text)) = filestore.get(&file, partition) {
            bigip::attach_external_file(&mut loaded.config, &group, shown, text)
                .map_err(|p| BadInput::from_file_problems(&p))?;
            continue;
        }
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

/// [`print_warnings`] for each file of a configuration.
pub fn print_files_warnings(warnings: &[bigip::FileProblems]) {
    for w in warnings {
        print_warnings(w);
    }
}
