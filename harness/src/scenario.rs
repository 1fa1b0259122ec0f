//! Scenario files: a BIG-IP configuration, what stands behind each pool member, the
//! owner's intent, explicit cases and the violations a pitfall expects.
//!
//! Unknown keys and bad values are errors that point into the TOML.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use addrspace::{Addr, AddrSet};
use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode};
use serde::Deserialize;
use toml::Spanned;
use verify::{
    Case, Expected, ExpectedViolation, Intent, IruleMode, MemberServer, Model, Options, Property,
};

use crate::BadInput;
use crate::input::{load_bigip_files, read_config_paths, read_text};

type S = Spanned<String>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    name: S,
    summary: Option<String>,
    story: Option<String>,
    /// One file, or the files of one configuration (`bigip_base.conf`, `bigip.conf`,
    /// partition files), read as one.
    bigip: Spanned<toml::Value>,
    #[serde(default)]
    options: Option<OptionsT>,
    #[serde(default)]
    server: Vec<Spanned<ServerT>>,
    intent: Spanned<IntentT>,
    #[serde(default)]
    case: Vec<Spanned<CaseT>>,
    #[serde(default)]
    expect: Option<ExpectT>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OptionsT {
    virtuals: Option<Vec<S>>,
    automap: Option<S>,
    irule_mode: Option<S>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerT {
    member: S,
    policy: Vec<S>,
    name: Option<S>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IntentT {
    #[serde(default)]
    relay_allowed: Vec<S>,
    external_domain: Option<String>,
    local_recipient: Option<String>,
    #[serde(default)]
    auth_requires_tls: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseT {
    from: S,
    rcpt: String,
    expect: S,
    #[serde(rename = "virtual")]
    virtual_name: Option<S>,
    /// The client's source port; a rule may read it (`TCP::client_port`).
    port: Option<toml::Spanned<u16>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectT {
    /// `"no-open-relay"` or `{ property = "no-open-relay", example = "192.0.2.7" }`.
    #[serde(default)]
    violations: Vec<Spanned<toml::Value>>,
}

/// A loaded scenario: the model plus what only people read.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Where it was read from (the scenario.toml).
    pub path: PathBuf,
    /// The model the prover checks.
    pub model: Model,
    /// One line on what it shows.
    pub summary: Option<String>,
    /// The story: what the admin meant, what goes wrong, the fix.
    pub story: Option<String>,
    /// Warnings from the BIG-IP configuration, per file.
    pub warnings: Vec<bigip::FileProblems>,
}

/// A problem at a place in a scenario file.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
struct Located {
    message: String,
    label: String,
    help: Option<String>,
    span: Range<usize>,
    src: NamedSource<Arc<str>>,
}

impl Diagnostic for Located {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new("relaylab::scenario"))
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.src)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let len = self
            .span
            .len()
            .max(1)
            .min(self.src.inner().len().saturating_sub(self.span.start));
        Some(Box::new(std::iter::once(LabeledSpan::new(
            Some(self.label.clone()),
            self.span.start,
            len,
        ))))
    }
}

struct Ctx<'a> {
    name: String,
    text: Arc<str>,
    dir: &'a Path,
}

impl Ctx<'_> {
    fn err(
        &self,
        span: Range<usize>,
        message: impl Into<String>,
        label: &str,
        help: Option<&str>,
    ) -> BadInput {
        let message = message.into();
        let (line, col) = line_col(&self.text, span.start);
        BadInput::diagnostic(Located {
            message: format!("{}:{line}:{col}: {message}", self.name),
            label: label.to_string(),
            help: help.map(str::to_string),
            span,
            src: NamedSource::new(self.name.clone(), self.text.clone()),
        })
    }

    fn addr(&self, s: &S, what: &str) -> Result<Addr, BadInput> {
        s.get_ref().parse().map_err(|e| {
            self.err(
                s.span(),
                format!("{what}: {e}"),
                "expected an address",
                None,
            )
        })
    }

    fn line(&self, span: &Range<usize>) -> usize {
        line_col(&self.text, span.start).0
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, col)
}

/// Finds scenario files: the file itself, a folder's `scenario.toml`, or every
/// `*/scenario.toml` one level below a folder, sorted.
pub fn discover(path: &Path) -> Result<Vec<PathBuf>, BadInput> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    if !path.is_dir() {
        return Err(BadInput::message(
            format!("{} is neither a scenario file nor a folder", path.display()),
            Some(
                "pass a scenario.toml, a folder holding one, or a folder of scenario folders"
                    .into(),
            ),
        ));
    }
    let own = path.join("scenario.toml");
    if own.is_file() {
        return Ok(vec![own]);
    }
    let entries = std::fs::read_dir(path)
        .map_err(|e| BadInput::message(format!("cannot list {}: {e}", path.display()), None))?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path().join("scenario.toml"))
        .filter(|p| p.is_file())
        .collect();
    found.sort();
    if found.is_empty() {
        return Err(BadInput::message(
            format!(
                "no scenario.toml in {} or the folders below it",
                path.display()
            ),
            None,
        ));
    }
    Ok(found)
}

/// The one scenario a command that takes a single scenario (`explain`, `serve`) was given.
pub fn discover_one(path: &Path, command: &str) -> Result<PathBuf, BadInput> {
    let mut files = discover(path)?;
    if files.len() != 1 {
        return Err(BadInput::message(
            format!(
                "{} holds {} scenarios; {command} takes one",
                path.display(),
                files.len()
            ),
            Some("name the scenario.toml or its folder".into()),
        ));
    }
    Ok(files.remove(0))
}

/// Reads one scenario file and everything it names.
pub fn load(path: &Path) -> Result<Scenario, BadInput> {
    let text = read_text(path)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    load_text(&path.display().to_string(), &text, dir, &|p| read_text(p))
}

/// Files that replace a scenario's own: the other side of `relaylab diff --bigip
/// --policy`. Paths are as given, not relative to the scenario.
#[derive(Debug, Clone, Copy, Default)]
pub struct Replacing<'r> {
    /// The BIG-IP configuration, all of it (tmsh files read as one, or a UCS).
    pub bigip: &'r [PathBuf],
    /// Policy files, each replacing the scenario's policy file of the same name.
    pub policy: &'r [PathBuf],
}

/// Reads one scenario file with some of its files replaced.
pub fn load_replacing(path: &Path, replacing: Replacing<'_>) -> Result<Scenario, BadInput> {
    let text = read_text(path)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    load_inner(
        &path.display().to_string(),
        &text,
        dir,
        &|p| read_text(p),
        replacing,
    )
}

/// Reads a scenario from text; `read` fetches the files it names (relative to `dir`), so
/// embedded scenarios can be loaded without a file system.
pub fn load_text(
    name: &str,
    text: &str,
    dir: &Path,
    read: &dyn Fn(&Path) -> Result<String, BadInput>,
) -> Result<Scenario, BadInput> {
    load_inner(name, text, dir, read, Replacing::default())
}

fn load_inner(
    name: &str,
    text: &str,
    dir: &Path,
    read: &dyn Fn(&Path) -> Result<String, BadInput>,
    replacing: Replacing<'_>,
) -> Result<Scenario, BadInput> {
    let cx = Ctx {
        name: name.to_string(),
        text: Arc::from(text),
        dir,
    };
    let file: File = toml::from_str(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        cx.err(
            span,
            e.message().to_string(),
            "here",
            Some("see the scenario format in docs/GUIDE.md"),
        )
    })?;

    let bigip_span = file.bigip.span();
    let bigip_names: Vec<&str> = match file.bigip.get_ref() {
        toml::Value::String(one) => vec![one.as_str()],
        toml::Value::Array(many) if !many.is_empty() => many
            .iter()
            .map(|v| v.as_str())
            .collect::<Option<Vec<&str>>>()
            .ok_or_else(|| {
                cx.err(
                    bigip_span.clone(),
                    "bigip lists files by name: every entry is a string",
                    "here",
                    Some(r#"bigip = ["bigip_base.conf", "bigip.conf"]"#),
                )
            })?,
        _ => {
            return Err(cx.err(
                bigip_span,
                "bigip names the configuration file, or lists its files",
                "here",
                Some(r#"bigip = "bigip.conf", or bigip = ["bigip_base.conf", "bigip.conf"]"#),
            ));
        }
    };
    let bigip_paths: Vec<PathBuf> = if replacing.bigip.is_empty() {
        bigip_names.iter().map(|n| cx.dir.join(n)).collect()
    } else {
        replacing.bigip.to_vec()
    };
    let bigip_path = bigip_paths[0].clone();
    let shown = bigip_paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let (bigip_files, filestore) = read_config_paths(&bigip_paths, read).map_err(|(i, e)| {
        cx.err(
            bigip_span.clone(),
            format!("cannot read {}", bigip_paths[i].display()),
            "this file",
            None,
        )
        .then(e)
    })?;
    let loaded = load_bigip_files(&bigip_files, bigip_path.parent(), &filestore).map_err(|e| {
        cx.err(
            bigip_span.clone(),
            format!("{shown} cannot be used"),
            "this configuration",
            None,
        )
        .then(e)
    })?;
    if let Some(user) = loaded.config.automap_without_self_ips() {
        return Err(cx.err(
            bigip_span.clone(),
            format!(
                "{user} may use SNAT automap, and {shown} defines no self IP: automap would have no address to use, so no verdict would describe the device"
            ),
            "no self IP in these files",
            Some(
                r#"BIG-IP keeps self IPs and VLANs in config/bigip_base.conf (or in a DO declaration): list it too, bigip = ["bigip_base.conf", "bigip.conf"]"#,
            ),
        ));
    }

    for v in file
        .options
        .as_ref()
        .and_then(|o| o.virtuals.as_ref())
        .into_iter()
        .flatten()
    {
        if !loaded
            .config
            .virtuals
            .contains_key(&bigip::full_name(v.get_ref()))
        {
            return Err(cx.err(
                v.span(),
                format!(
                    "options.virtuals names `{}`, which {} does not define",
                    v.get_ref(),
                    bigip_path.display()
                ),
                "no such virtual",
                None,
            ));
        }
    }
    let options = options(&cx, file.options)?;

    // A replacement that replaces nothing is a mistake the user should hear about.
    for p in replacing.policy {
        let used = file
            .server
            .iter()
            .flat_map(|s| s.get_ref().policy.iter())
            .any(|q| Path::new(q.get_ref()).file_name() == p.file_name());
        if !used {
            return Err(BadInput::message(
                format!(
                    "--policy {}: {name} names no policy file of that name",
                    p.display()
                ),
                Some("--policy replaces the scenario's policy file with the same file name".into()),
            ));
        }
    }
    let mut servers = Vec::new();
    for s in &file.server {
        servers.push(server(&cx, s, read, replacing.policy)?);
    }
    let members: Vec<Addr> = loaded
        .config
        .pools
        .values()
        .flat_map(|p| p.members.iter().map(|m| m.endpoint.addr))
        .collect();
    for (s, t) in servers.iter().zip(&file.server) {
        if !members.contains(&s.member) {
            return Err(cx.err(
                t.get_ref().member.span(),
                format!("no pool member has address {}", s.member),
                "not a pool member",
                Some("`member` is the pool member address this server stands behind"),
            ));
        }
    }

    let intent = intent(&cx, &file.intent, &servers)?;
    let mut cases = Vec::new();
    for c in &file.case {
        let t = c.get_ref();
        let expect: Expected = t
            .expect
            .get_ref()
            .parse()
            .map_err(|e: String| cx.err(t.expect.span(), e, "here", None))?;
        cases.push(Case {
            from: cx.addr(&t.from, "case from")?,
            rcpt: t.rcpt.clone(),
            expect,
            virtual_name: match &t.virtual_name {
                None => None,
                Some(v) => {
                    let full = bigip::full_name(v.get_ref());
                    if !loaded.config.virtuals.contains_key(&full) {
                        return Err(cx.err(
                            v.span(),
                            format!("case names virtual server `{}`, which {} does not define", v.get_ref(), bigip_path.display()),
                            "no such virtual",
                            Some("write the virtual's name as in bigip.conf (/Common/SMTP_VS), or leave `virtual` out to check the case on every virtual"),
                        ));
                    }
                    Some(full)
                }
            },
            port: match &t.port {
                Some(p) if *p.get_ref() == 0 => {
                    return Err(cx.err(
                        p.span(),
                        "port 0 is not a source port",
                        "here",
                        Some("a client connects from a port in 1-65535"),
                    ));
                }
                Some(p) => *p.get_ref(),
                None => 49152,
            },
            line: cx.line(&c.span()),
        });
    }
    let mut expected = Vec::new();
    for v in file.expect.map(|e| e.violations).unwrap_or_default() {
        let span = v.span();
        let bad = |msg: &str| {
            cx.err(span.clone(), msg.to_string(), "this entry", Some("write \"no-open-relay\" or { property = \"no-open-relay\", example = \"192.0.2.7\" }"))
        };
        let (prop, example) = match v.get_ref() {
            toml::Value::String(p) => (p.clone(), None),
            toml::Value::Table(t) => {
                if let Some(k) = t.keys().find(|k| *k != "property" && *k != "example") {
                    return Err(bad(&format!("unknown key `{k}` in an expected violation")));
                }
                let Some(toml::Value::String(p)) = t.get("property") else {
                    return Err(bad("an expected violation needs `property`"));
                };
                let example = match t.get("example") {
                    None => None,
                    Some(toml::Value::String(e)) => Some(e.clone()),
                    Some(_) => return Err(bad("`example` is an address in quotes")),
                };
                (p.clone(), example)
            }
            _ => return Err(bad("an expected violation is a property name or a table")),
        };
        let property: Property = prop.parse().map_err(|e: String| bad(&e))?;
        let example = example
            .map(|e| {
                e.parse::<Addr>()
                    .map_err(|err| bad(&format!("example: {err}")))
            })
            .transpose()?;
        expected.push(ExpectedViolation {
            property,
            example,
            line: cx.line(&span),
        });
    }

    // Every member of a checked virtual's pool needs a server behind it; say so here,
    // where the [[server]] list is written, rather than when the prover reaches it.
    let in_scope: Vec<&bigip::Virtual> = match &options.virtuals {
        Some(names) => names
            .iter()
            .filter_map(|n| loaded.config.virtuals.get(&bigip::full_name(n)))
            .collect(),
        None => loaded
            .config
            .virtuals
            .values()
            .filter(|v| !v.disabled && v.destination.is_some_and(|d| d.port == 25 || d.port == 0))
            .collect(),
    };
    for v in in_scope {
        let Some(pool) = v.pool.as_ref().and_then(|p| loaded.config.pools.get(p)) else {
            continue;
        };
        for m in pool.members.iter().filter(|m| !m.disabled) {
            if servers.iter().any(|s| s.member == m.endpoint.addr) {
                continue;
            }
            let (span, label) = match file.server.last() {
                Some(last) => (last.span(), "add a [[server]] after this one"),
                None => (bigip_span.clone(), "no [[server]] in this scenario"),
            };
            return Err(cx.err(
                span,
                format!(
                    "pool member {} of {} ({} line {}) has no [[server]]",
                    m.endpoint,
                    v.name,
                    loaded.config.place(m.line).0,
                    loaded.config.place(m.line).1
                ),
                label,
                Some(&format!(
                    "add [[server]] with member = \"{}\" and the policy files of the mail server behind it",
                    m.endpoint.addr
                )),
            ));
        }
    }

    let model = Model {
        name: file.name.get_ref().clone(),
        config: Arc::new(loaded.config),
        servers,
        intent,
        cases,
        expected,
        options,
    };
    Ok(Scenario {
        path: PathBuf::from(name),
        model,
        summary: file.summary,
        story: file.story,
        warnings: loaded.warnings,
    })
}

fn options(cx: &Ctx<'_>, o: Option<OptionsT>) -> Result<Options, BadInput> {
    let Some(o) = o else {
        return Ok(Options::default());
    };
    let automap = match o.automap.as_ref().map(|s| (s.get_ref().as_str(), s.span())) {
        None | Some(("preferred-tier", _)) => bigip::snat::AutomapModel::PreferredTier,
        Some(("any-self-ip", _)) => bigip::snat::AutomapModel::AnySelfIp,
        Some((_, span)) => {
            return Err(cx.err(
                span,
                "unknown automap model",
                "here",
                Some("expected preferred-tier or any-self-ip"),
            ));
        }
    };
    let irule_mode = match o
        .irule_mode
        .as_ref()
        .map(|s| (s.get_ref().as_str(), s.span()))
    {
        None | Some(("v11", _)) => IruleMode::V11,
        Some(("v10", _)) => IruleMode::V10,
        Some((_, span)) => {
            return Err(cx.err(
                span,
                "unknown iRule mode",
                "here",
                Some("expected v11 or v10"),
            ));
        }
    };
    let virtuals = o
        .virtuals
        .map(|v| v.iter().map(|n| bigip::full_name(n.get_ref())).collect());
    Ok(Options {
        virtuals,
        automap,
        irule_mode,
        search: verify::DEFAULT_SEARCH,
        fault: None,
    })
}

fn server(
    cx: &Ctx<'_>,
    s: &Spanned<ServerT>,
    read: &dyn Fn(&Path) -> Result<String, BadInput>,
    replacing: &[PathBuf],
) -> Result<MemberServer, BadInput> {
    let t = s.get_ref();
    let member = cx.addr(&t.member, "server member")?;
    if t.policy.is_empty() {
        return Err(cx.err(
            s.span(),
            "a server needs at least one policy file",
            "this server",
            Some("policy = [\"receive-connectors.json\", ...]"),
        ));
    }
    let mut set = relaypolicy::import::PolicySet::default();
    for p in &t.policy {
        let own = cx.dir.join(p.get_ref());
        let path = replacing
            .iter()
            .find(|r| r.file_name() == own.file_name())
            .cloned()
            .unwrap_or(own);
        let text = read(&path).map_err(|e| {
            cx.err(
                p.span(),
                format!("cannot read {}", path.display()),
                "this file",
                None,
            )
            .then(e)
        })?;
        let part =
            relaypolicy::import::load_str(&text, &path.display().to_string()).map_err(|e| {
                cx.err(
                    p.span(),
                    format!("policy file {} cannot be used", path.display()),
                    "this policy file",
                    None,
                )
                .then(BadInput::diagnostic(e))
            })?;
        set.merge(part);
    }
    let servers = set.resolved();
    let chosen = match &t.name {
        Some(n) => servers
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(n.get_ref()))
            .ok_or_else(|| {
                cx.err(
                    n.span(),
                    format!("the policy files define no server named `{}`", n.get_ref()),
                    "no such server",
                    None,
                )
            })?,
        None => {
            let count = servers.len();
            let mut it = servers.into_iter();
            match (it.next(), count) {
                (Some(only), 1) => only,
                (_, 0) => {
                    return Err(cx.err(
                        s.span(),
                        "the policy files define no server",
                        "this server",
                        None,
                    ));
                }
                _ => {
                    return Err(cx.err(
                        s.span(),
                        format!("the policy files define {count} servers; say which one stands behind {member}"),
                        "this server",
                        Some("add name = \"EX1\""),
                    ));
                }
            }
        }
    };
    Ok(MemberServer {
        member,
        server: chosen,
    })
}

fn intent(
    cx: &Ctx<'_>,
    t: &Spanned<IntentT>,
    servers: &[MemberServer],
) -> Result<Intent, BadInput> {
    let i = t.get_ref();
    let mut allowed = Vec::new();
    for r in &i.relay_allowed {
        allowed.push(AddrSet::parse(r.get_ref()).map_err(|e| {
            cx.err(
                r.span(),
                format!("relay_allowed: {e}"),
                "expected an address or network",
                None,
            )
        })?);
    }
    let local_recipient = match &i.local_recipient {
        Some(r) => r.clone(),
        None => {
            let domain = servers
                .iter()
                .find_map(|s| first_accepted_domain(&s.server));
            match domain {
                Some(d) => format!("postmaster@{d}"),
                None => {
                    return Err(cx.err(
                        t.span(),
                        "no accepted domain to probe inbound mail with",
                        "this intent",
                        Some("add local_recipient = \"postmaster@contoso.com\""),
                    ));
                }
            }
        }
    };
    Ok(Intent {
        relay_allowed: AddrSet::from_sets(&allowed),
        external_domain: i
            .external_domain
            .clone()
            .unwrap_or_else(|| "example.net".into()),
        local_recipient,
        auth_requires_tls: i.auth_requires_tls,
    })
}

fn first_accepted_domain(s: &relaypolicy::policy::Server) -> Option<String> {
    use relaypolicy::policy::Server;
    match s {
        Server::Exchange(e) => e
            .accepted_domains
            .iter()
            .map(|d| d.domain.trim_start_matches("*.").to_string())
            .next(),
        Server::Exchange2003(e) => e.local_domains.first().cloned(),
        Server::Postfix(p) => p
            .mydestination
            .iter()
            .map(|d| d.domain.trim_start_matches('.').to_string())
            .find(|d| !d.contains('$')),
    }
}
