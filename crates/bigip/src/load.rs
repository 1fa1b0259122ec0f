//! From the statement tree to the typed model: objects, attributes, references.

use std::sync::Arc;

use addrspace::{Addr, AddrSet};
use irule::datagroup::{DataGroup, DataGroupKind, Record, RecordKey};

use crate::diag::{FileProblems, Level, LineIndex, Problem};
use crate::model::*;
use crate::syntax::{self, Attr, Block, Span, Stmt, Word};

/// A configuration that loaded, with the warnings met on the way.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The model.
    pub config: Config,
    /// Warnings (unmodelled objects and attributes, dubious values), in file order.
    pub warnings: FileProblems,
}

/// A configuration read from several files, with the warnings of each.
#[derive(Debug, Clone)]
pub struct LoadedFiles {
    /// The model: objects of every file, each line numbered as [`Config::place`] maps.
    pub config: Config,
    /// Each file's warnings, in the order the files were given.
    pub warnings: Vec<FileProblems>,
}

/// Parses a bigip.conf (tmsh saved configuration, v11+, with v10 `class` blocks).
///
/// Fails with every error found (syntax, bad values, references to objects that do not
/// exist), each with its line and column; succeeds with the model and the warnings.
pub fn parse(name: &str, text: &str) -> Result<Loaded, FileProblems> {
    let only = |mut v: Vec<FileProblems>| {
        v.pop().unwrap_or_else(|| FileProblems {
            name: name.to_string(),
            text: Arc::from(text),
            problems: Vec::new(),
        })
    };
    match parse_files(&[(name, text)]) {
        Ok(l) => Ok(Loaded {
            config: l.config,
            warnings: only(l.warnings),
        }),
        Err(e) => Err(only(e)),
    }
}

/// Parses a configuration saved in several tmsh files (`bigip_base.conf` with the self
/// IPs and VLANs, `bigip.conf`, `partitions/NAME/bigip.conf`), as BIG-IP loads them: one
/// namespace, so an object in one file may refer to one in another, and a name defined
/// in two files is an error. Each file is first checked alone (a brace left open in one
/// must not swallow the next); problems and lines are reported against the file they
/// are in.
pub fn parse_files(files: &[(&str, &str)]) -> Result<LoadedFiles, Vec<FileProblems>> {
    let alone: Vec<FileProblems> = files
        .iter()
        .filter_map(|(name, text)| syntax_problems(name, text))
        .collect();
    if !alone.is_empty() {
        return Err(alone);
    }
    // Together: each file starts on a line of its own, so a global line number names
    // one file's line.
    let mut combined = String::new();
    let mut sources = Vec::new();
    let mut first_line = 1;
    for (name, text) in files {
        sources.push(SourceFile {
            name: name.to_string(),
            first_line,
            offset: combined.len(),
        });
        combined.push_str(text);
        if !text.ends_with('\n') {
            combined.push('\n');
        }
        first_line += text.lines().count().max(1);
    }
    let (mut config, problems) = load(&combined, &sources);
    config.source_name = files
        .first()
        .map(|(n, _)| n.to_string())
        .unwrap_or_default();
    if files.len() == 1 {
        // One file's lines are its own: the model stays as a single file's always was.
        config.sources.clear();
    } else {
        for u in &mut config.unmodelled {
            let (file, line) = place_in(&sources, u.line);
            u.file = Some(file.to_string());
            u.line = line;
        }
    }
    let failed = problems.iter().any(|p| p.level == Level::Error);
    let per_file = split_problems(files, &sources, problems);
    if failed {
        Err(per_file
            .into_iter()
            .filter(|f| !f.problems.is_empty())
            .collect())
    } else {
        Ok(LoadedFiles {
            config,
            warnings: per_file,
        })
    }
}

/// The file and its own line for a line of several files read as one.
pub(crate) fn place_in(sources: &[SourceFile], line: usize) -> (&str, usize) {
    let i = sources.partition_point(|s| s.first_line <= line);
    match i.checked_sub(1).and_then(|i| sources.get(i)) {
        Some(s) => (&s.name, line + 1 - s.first_line),
        None => ("", line),
    }
}

/// Problems of several files read as one, back in the file each is in, with that file's
/// lines, columns and byte ranges.
fn split_problems(
    files: &[(&str, &str)],
    sources: &[SourceFile],
    problems: Vec<Problem>,
) -> Vec<FileProblems> {
    let mut out: Vec<FileProblems> = files
        .iter()
        .map(|(name, text)| FileProblems {
            name: name.to_string(),
            text: Arc::from(*text),
            problems: Vec::new(),
        })
        .collect();
    let indexes: Vec<LineIndex> = files.iter().map(|(_, t)| LineIndex::new(t)).collect();
    let which = |offset: usize| sources.partition_point(|s| s.offset <= offset).max(1) - 1;
    for mut p in problems {
        let i = which(p.span.start);
        let base = sources.get(i).map_or(0, |s| s.offset);
        let len = files.get(i).map_or(0, |(_, t)| t.len());
        let rebase = |r: &Span| r.start - base..(r.end - base).min(len);
        p.span = rebase(&p.span);
        (p.line, p.column) = indexes[i].locate(p.span.start);
        if let Some((r, note)) = p.related.take() {
            let j = which(r.start);
            if j == i {
                p.related = Some((rebase(&r), note));
            } else if let Some(other) = sources.get(j) {
                let (line, _) = indexes[j].locate(r.start - other.offset);
                p.message = format!("{} ({note}: {} line {line})", p.message, other.name);
            }
        }
        if let Some(f) = out.get_mut(i) {
            f.problems.push(p);
        }
    }
    out
}

/// A file's own syntax errors, or that it is no tmsh configuration at all.
fn syntax_problems(name: &str, text: &str) -> Option<FileProblems> {
    let index = LineIndex::new(text);
    let problem = match syntax::parse(text, &is_tcl_body) {
        Ok(stmts) if !stmts.is_empty() && !stmts.iter().any(is_tmsh_statement) => {
            // Some other file: say what was expected, and show none of it (its lines are
            // not a configuration the user meant to share).
            let first = stmts[0].span();
            let (line, column) = index.locate(first.start);
            let mut p = Problem::new(
                Level::Error,
                &index,
                0..0,
                format!(
                    "not a tmsh configuration: no statement begins with ltm, net, sys or another tmsh module (first statement at line {line}, column {column})"
                ),
                "here",
                Some("relaylab reads bigip.conf as saved by `tmsh save sys config` (or `tmsh list`); check the path".into()),
            );
            (p.line, p.column) = (line, column);
            return Some(FileProblems {
                name: name.to_string(),
                text: Arc::from(""),
                problems: vec![p],
            });
        }
        Ok(_) => return None,
        Err(e) => Problem::new(Level::Error, &index, e.span, e.message, "here", e.help),
    };
    Some(FileProblems {
        name: name.to_string(),
        text: Arc::from(text),
        problems: vec![problem],
    })
}

/// Loads statements that parse (every file checked alone first) into the model, with
/// the problems met, in text order.
fn load(text: &str, sources: &[SourceFile]) -> (Config, Vec<Problem>) {
    let index = LineIndex::new(text);
    let mut cx = Loader {
        index: &index,
        problems: Vec::new(),
        refs: Vec::new(),
        snat_members: Vec::new(),
        defined: Default::default(),
        config: Config {
            sources: sources.to_vec(),
            ..Config::default()
        },
    };
    cx.config.tmsh_version = text
        .lines()
        .take(5)
        .find_map(|l| l.trim().strip_prefix("#TMSH-VERSION:"))
        .map(|v| v.trim().to_string());
    match syntax::parse(text, &is_tcl_body) {
        Ok(stmts) => {
            for stmt in &stmts {
                cx.top(stmt);
            }
            cx.check_references();
        }
        Err(e) => cx.problems.push(Problem::new(
            Level::Error,
            &index,
            e.span,
            e.message,
            "here",
            e.help,
        )),
    }
    let Loader {
        mut problems,
        config,
        ..
    } = cx;
    problems.sort_by_key(|p| p.span.start);
    (config, problems)
}

/// The load-balancing modes of an LTM pool (tmsh `ltm pool load-balancing-mode`).
const LB_MODES: &[&str] = &[
    "round-robin",
    "ratio-member",
    "ratio-node",
    "ratio-session",
    "ratio-least-connections-member",
    "ratio-least-connections-node",
    "least-connections-member",
    "least-connections-node",
    "least-sessions",
    "observed-member",
    "observed-node",
    "predictive-member",
    "predictive-node",
    "fastest-node",
    "fastest-app-response",
    "dynamic-ratio-member",
    "dynamic-ratio-node",
    "weighted-least-connections-member",
    "weighted-least-connections-node",
];

/// Reads an external data-group file (`network 10.0.0.0 prefixlen 8 := "x",`,
/// `host 1.2.3.4 := "y",`, `10.0.0.0/8 := "z",`, `"key" := "value",`) into records.
pub fn parse_external_file(
    name: &str,
    text: &str,
    kind: DataGroupKind,
) -> Result<Vec<Record>, FileProblems> {
    let index = LineIndex::new(text);
    let mut problems = Vec::new();
    let mut records = Vec::new();
    let mut offset = 0;
    for raw_line in text.split_inclusive('\n') {
        let line_start = offset;
        offset += raw_line.len();
        let trimmed_end = raw_line.trim_end().trim_end_matches(',');
        let lead = trimmed_end.len() - trimmed_end.trim_start().len();
        let entry = trimmed_end.trim();
        if entry.is_empty() || entry.starts_with('#') {
            continue;
        }
        let span = line_start + lead..line_start + lead + entry.len();
        let (key, data) = match entry.split_once(":=") {
            Some((k, v)) => (k.trim(), Some(unquote(v.trim()))),
            None => (entry, None),
        };
        let key = unquote(key);
        let line = index.locate(span.start).0;
        match record_key(kind, &key) {
            Ok(k) => records.push(Record {
                name: key,
                key: k,
                data,
                line,
            }),
            Err(msg) => problems.push(Problem::new(
                Level::Error,
                &index,
                span,
                msg,
                "this record",
                None,
            )),
        }
    }
    if problems.is_empty() {
        Ok(records)
    } else {
        Err(FileProblems {
            name: name.to_string(),
            text: Arc::from(text),
            problems,
        })
    }
}

/// Fills an external data group's records from its file's text.
pub fn attach_external_file(
    config: &mut Config,
    group: &str,
    file_name: &str,
    text: &str,
) -> Result<(), FileProblems> {
    let Some(def) = config.data_groups.get_mut(group) else {
        return Ok(());
    };
    def.group.records = parse_external_file(file_name, text, def.group.kind)?;
    Ok(())
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
        .replace("\\\"", "\"")
}

/// Whether a top-level statement is one tmsh writes: a module (`ltm`, `net`, `sys`, ...)
/// or a v9/v10 object keyword.
fn is_tmsh_statement(stmt: &Stmt) -> bool {
    const FIRST_WORDS: &[&str] = &[
        "ltm",
        "net",
        "sys",
        "auth",
        "cm",
        "gtm",
        "apm",
        "asm",
        "security",
        "pem",
        "wom",
        "analytics",
        "cli",
        "ilx",
        "vcmp",
        "util",
        "wam",
        "afm",
        "fpga",
        "class",
        "virtual",
        "pool",
        "rule",
        "node",
        "monitor",
        "snatpool",
        "snat",
        "nat",
        "profile",
        "partition",
        "self",
        "vlan",
        "route",
        "user",
        "shell",
        "interface",
        "trunk",
        "persist",
        "bigpipe",
        "stp",
        "route_domain",
        "vlangroup",
        "datastor",
        "remote_users",
        "snat_translation",
    ];
    stmt.words
        .first()
        .is_some_and(|w| FIRST_WORDS.contains(&w.text.as_str()))
}

fn is_tcl_body(words: &[Word]) -> bool {
    let w: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
    matches!(
        w.as_slice(),
        ["ltm", "rule", _]
            | ["rule", _]
            | ["gtm", "rule", _]
            | ["sys", "application", "template", ..]
    )
}

/// The full path of a name: bare names live in `/Common`.
pub fn full_name(name: &str) -> String {
    if name.starts_with('/') {
        name.to_string()
    } else {
        format!("/Common/{name}")
    }
}

fn last_component(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RefKind {
    Pool,
    Rule,
    Monitor,
    SnatPool,
    Persistence,
}

impl RefKind {
    fn noun(self) -> &'static str {
        match self {
            RefKind::Pool => "pool",
            RefKind::Rule => "iRule",
            RefKind::Monitor => "monitor",
            RefKind::SnatPool => "snatpool",
            RefKind::Persistence => "persistence profile",
        }
    }

    /// Objects every BIG-IP has without a line in bigip.conf.
    fn builtin(self, name: &str) -> bool {
        let n = name.strip_prefix("/Common/").unwrap_or("");
        match self {
            RefKind::Monitor => matches!(
                n,
                "smtp"
                    | "tcp"
                    | "tcp_half_open"
                    | "gateway_icmp"
                    | "icmp"
                    | "http"
                    | "https"
                    | "imap"
                    | "pop3"
                    | "udp"
                    | "none"
                    | "inband"
                    | "tcp_echo"
            ),
            RefKind::Persistence => matches!(
                n,
                "source_addr"
                    | "dest_addr"
                    | "cookie"
                    | "universal"
                    | "ssl"
                    | "hash"
                    | "msrdp"
                    | "sip_info"
            ),
            RefKind::Rule => n.starts_with("_sys_"),
            RefKind::Pool | RefKind::SnatPool => false,
        }
    }
}

struct Loader<'a> {
    index: &'a LineIndex,
    problems: Vec<Problem>,
    refs: Vec<(RefKind, String, Span, String)>,
    snat_members: Vec<(String, Vec<Word>)>,
    /// Objects read so far, by kind and full name, with where their name stands.
    defined: std::collections::HashMap<(&'static str, String), Span>,
    config: Config,
}

impl Loader<'_> {
    fn line(&self, span: &Span) -> usize {
        self.index.locate(span.start).0
    }

    fn error(
        &mut self,
        span: Span,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<&str>,
    ) {
        let p = Problem::new(
            Level::Error,
            self.index,
            span,
            message,
            label,
            help.map(str::to_string),
        );
        self.problems.push(p);
    }

    fn unmodelled(&mut self, span: Span, what: String) {
        let (line, column) = self.index.locate(span.start);
        self.problems.push(Problem::new(
            Level::Warning,
            self.index,
            span,
            format!("{what} is not modelled; relaylab reads past it"),
            "not modelled",
            None,
        ));
        self.config.unmodelled.push(Unmodelled {
            what,
            file: None,
            line,
            column,
        });
    }

    fn reference(&mut self, kind: RefKind, word: &Word, from: &str) {
        self.refs.push((
            kind,
            full_name(&word.text),
            word.span.clone(),
            from.to_string(),
        ));
    }

    /// Refuses a second object of the same kind and full name: BIG-IP keeps one, and
    /// which one a reader keeps would silently decide the verdict.
    fn first_definition(&mut self, stmt: &Stmt) -> bool {
        let words: Vec<&str> = stmt.words.iter().map(|w| w.text.as_str()).collect();
        let kind = match words.as_slice() {
            ["ltm", "virtual", _] | ["virtual", _] => "ltm virtual",
            ["ltm", "pool", _] | ["pool", _] => "ltm pool",
            ["ltm", "node", _] => "ltm node",
            // One namespace for monitors of every type, as for data groups and classes:
            // they share one table here and on BIG-IP.
            ["ltm", "monitor", _, _] => "ltm monitor",
            ["ltm", "data-group", _, _] | ["class", _] => "ltm data-group",
            ["ltm", "snatpool", _] | ["snatpool", _] => "ltm snatpool",
            ["ltm", "snat-translation", _] => "ltm snat-translation",
            ["ltm", "snat", _] => "ltm snat",
            ["ltm", "persistence", _, _] => "ltm persistence",
            ["ltm", "rule", _] | ["rule", _] => "ltm rule",
            ["net", "self", _] => "net self",
            ["net", "vlan", _] => "net vlan",
            ["net", "route-domain", _] => "net route-domain",
            _ => return true,
        };
        let Some(name) = stmt.words.last() else {
            return true;
        };
        let full = full_name(&name.text);
        match self.defined.get(&(kind, full.clone())) {
            None => {
                self.defined.insert((kind, full), name.span.clone());
                true
            }
            Some(first) => {
                let first = first.clone();
                let (line, column) = self.index.locate(first.start);
                let mut p = Problem::new(
                    Level::Error,
                    self.index,
                    name.span.clone(),
                    format!(
                        "{kind} {full} is defined twice (first at line {line}, column {column}); BIG-IP keeps one definition per name"
                    ),
                    "defined again here",
                    Some(
                        "remove one of the two definitions, or rename one and its references"
                            .into(),
                    ),
                );
                p.related = Some((first, "first defined here".into()));
                self.problems.push(p);
                false
            }
        }
    }

    fn top(&mut self, stmt: &Stmt) {
        if stmt.block.is_some() && !self.first_definition(stmt) {
            return;
        }
        let words: Vec<&str> = stmt.words.iter().map(|w| w.text.as_str()).collect();
        let span = stmt.span();
        let block = stmt.block.as_ref();
        let name_word = |i: usize| &stmt.words[i];
        match (words.as_slice(), block) {
            (["ltm", "virtual", _], Some(b)) => self.virtual_server(name_word(2), b, &span),
            (["virtual", _], Some(b)) => self.virtual_server(name_word(1), b, &span),
            (["ltm", "pool", _], Some(b)) | (["pool", _], Some(b)) => {
                self.pool(name_word(words.len() - 1), b, &span)
            }
            (["ltm", "node", _], Some(b)) => self.node(name_word(2), b, &span),
            (["ltm", "monitor", kind, _], Some(b)) => self.monitor(kind, name_word(3), b, &span),
            (["ltm", "data-group", origin @ ("internal" | "external"), _], Some(b)) => {
                self.data_group(origin, name_word(3), b, &span)
            }
            (["class", _], Some(b)) => self.v10_class(name_word(1), b, &span),
            (["ltm", "snatpool", _], Some(b)) | (["snatpool", _], Some(b)) => {
                self.snatpool(name_word(words.len() - 1), b, &span)
            }
            (["ltm", "snat-translation", _], Some(b)) => {
                self.snat_translation(name_word(2), b, &span)
            }
            (["ltm", "snat", _], Some(b)) => self.snat(name_word(2), b, &span),
            (["ltm", "persistence", kind, _], Some(b)) => {
                self.persistence(kind, name_word(3), b, &span)
            }
            (["ltm", "rule", _], Some(b)) | (["rule", _], Some(b)) => {
                self.rule(name_word(words.len() - 1), b, &span)
            }
            (["net", "self", _], Some(b)) => self.self_ip(name_word(2), b, &span),
            (["net", "vlan", _], Some(b)) => self.vlan(name_word(2), b, &span),
            (["net", "route-domain", _], Some(b)) => self.route_domain(name_word(2), b, &span),
            (["ltm", "profile", kind, _], Some(_)) => {
                // Only the kind is read (it decides which iRule commands load); the
                // settings are not modelled, and `config show` says so.
                let full = full_name(&name_word(3).text);
                self.config.profile_kinds.insert(full, (*kind).to_string());
                let what = describe(&words);
                self.unmodelled(span, what);
            }
            (["sys", "provision", module], Some(b)) => {
                let level = b.attrs().into_iter().find_map(|a| match a {
                    Attr::Value(k, v) if k.text == "level" => Some(v.text.clone()),
                    _ => None,
                });
                if level.as_deref().is_some_and(|l| l != "none") {
                    self.config.provisioned.insert((*module).to_string());
                }
                let what = describe(&words);
                self.unmodelled(span, what);
            }
            _ => {
                let what = describe(&words);
                self.unmodelled(span, what);
            }
        }
    }

    /// Warns about an attribute the object kind does not model.
    fn unknown_attr(&mut self, object: &str, attr: &Attr<'_>) {
        let key = attr.key();
        self.unmodelled(
            key.span.clone(),
            format!("{object}: attribute `{}`", key.text),
        );
    }

    fn endpoint(&mut self, word: &Word, what: &str) -> Option<Endpoint> {
        match parse_endpoint(last_component(&word.text)) {
            Ok(ep) => Some(ep),
            Err(msg) => {
                self.error(
                    word.span.clone(),
                    format!("{what} `{}` is not an address and port: {msg}", word.text),
                    "expected address:port",
                    Some("write it as tmsh does: /Common/10.0.0.10:25, /Common/10.0.0.10%2:25 or /Common/2001:db8::5.25"),
                );
                None
            }
        }
    }

    fn addr(&mut self, word: &Word, what: &str) -> Option<Addr> {
        match last_component(&word.text).parse::<Addr>() {
            Ok(a) => Some(a),
            Err(e) => {
                self.error(
                    word.span.clone(),
                    format!("{what}: {e}"),
                    "expected an address",
                    None,
                );
                None
            }
        }
    }

    fn addr_set(&mut self, word: &Word, what: &str) -> Option<AddrSet> {
        match AddrSet::parse(&word.text) {
            Ok(s) => Some(s),
            Err(e) => {
                self.error(
                    word.span.clone(),
                    format!("{what}: {e}"),
                    "expected an address or network",
                    None,
                );
                None
            }
        }
    }

    fn number<T: std::str::FromStr>(&mut self, word: &Word, what: &str) -> Option<T> {
        match word.text.parse::<T>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.error(
                    word.span.clone(),
                    format!("{what} `{}` is not a number", word.text),
                    "expected a number",
                    None,
                );
                None
            }
        }
    }

    fn virtual_server(&mut self, name: &Word, b: &Block, span: &Span) {
        let full = full_name(&name.text);
        let object = format!("ltm virtual {full}");
        let mut v = Virtual {
            name: full.clone(),
            line: self.line(span),
            destination: None,
            mask: None,
            source: AddrSet::everything(),
            ip_protocol: None,
            pool: None,
            rules: Vec::new(),
            persist: Vec::new(),
            fallback_persistence: None,
            source_translation: SourceTranslation::None,
            vlans: Vec::new(),
            vlans_enabled: None,
            profiles: Vec::new(),
            translate_address: true,
            disabled: false,
        };
        let mut destination_written = false;
        for attr in b.attrs() {
            match attr {
                Attr::Value(k, val) => match k.text.as_str() {
                    "destination" => {
                        // A bad destination is reported where it stands; mark it seen.
                        v.destination = self.endpoint(val, "destination");
                        destination_written = true;
                    }
                    "mask" => {
                        self.check_mask(val, &object);
                        v.mask = Some(val.text.clone());
                    }
                    "source" => {
                        if let Some(s) = self.addr_set(val, "source") {
                            v.source = s;
                        }
                    }
                    "ip-protocol" => v.ip_protocol = Some(val.text.clone()),
                    "pool" => {
                        if val.text != "none" {
                            v.pool = Some(full_name(&val.text));
                            self.reference(RefKind::Pool, val, &object);
                        }
                    }
                    "fallback-persistence" => {
                        v.fallback_persistence = Some(full_name(&val.text));
                        self.reference(RefKind::Persistence, val, &object);
                    }
                    "translate-address" => v.translate_address = val.text != "disabled",
                    // v10 syntax.
                    "snat" if val.text == "automap" => {
                        v.source_translation = SourceTranslation::Automap
                    }
                    "snatpool" => {
                        v.source_translation = SourceTranslation::Snat {
                            pool: full_name(&val.text),
                        };
                        self.reference(RefKind::SnatPool, val, &object);
                    }
                    "rules" | "rule" => {
                        v.rules.push(full_name(&val.text));
                        self.reference(RefKind::Rule, val, &object);
                    }
                    "persist" => {
                        v.persist.push(full_name(&val.text));
                        self.reference(RefKind::Persistence, val, &object);
                    }
                    k if IGNORED_ATTRS.contains(&k) => {}
                    _ => self.unknown_attr(&object, &attr),
                },
                Attr::Block(k, inner) => match k.text.as_str() {
                    "rules" => {
                        for w in inner.names() {
                            v.rules.push(full_name(&w.text));
                            self.reference(RefKind::Rule, w, &object);
                        }
                    }
                    "persist" => {
                        let mut entries: Vec<(String, bool)> = Vec::new();
                        for (w, body) in inner.entries() {
                            let default = body.is_some_and(|b| {
                                b.attrs().iter().any(|a| matches!(a, Attr::Value(k, v) if k.text == "default" && v.text == "yes"))
                            });
                            entries.push((full_name(&w.text), default));
                            self.reference(RefKind::Persistence, w, &object);
                        }
                        entries.sort_by_key(|(_, d)| !d);
                        v.persist = entries.into_iter().map(|(n, _)| n).collect();
                    }
                    "source-address-translation" => {
                        v.source_translation = self.translation(inner, &object)
                    }
                    "vlans" => v.vlans = inner.names().iter().map(|w| full_name(&w.text)).collect(),
                    "profiles" => {
                        v.profiles = inner
                            .entries()
                            .iter()
                            .map(|(w, _)| full_name(&w.text))
                            .collect()
                    }
                    k if IGNORED_ATTRS.contains(&k) => {}
                    _ => self.unknown_attr(&object, &attr),
                },
                Attr::Flag(k) => match k.text.as_str() {
                    "vlans-enabled" => v.vlans_enabled = Some(true),
                    "vlans-disabled" => v.vlans_enabled = Some(false),
                    "disabled" => v.disabled = true,
                    "enabled" => v.disabled = false,
                    k if IGNORED_ATTRS.contains(&k) => {}
                    _ => self.unknown_attr(&object, &attr),
                },
                Attr::Words(..) => self.unknown_attr(&object, &attr),
            }
        }
        if !destination_written {
            self.error(
                name.span.clone(),
                format!("{object} has no usable destination"),
                "this virtual",
                Some("a virtual server needs `destination <address>:<port>`"),
            );
        }
        self.config.virtuals.insert(full, v);
    }

    /// A virtual's `mask`: an address of the destination's family whose bits are a run of
    /// ones then zeros (`any` and `any6` as tmsh writes them).
    fn check_mask(&mut self, val: &Word, object: &str) {
        let text = val.text.as_str();
        if matches!(text, "any" | "any6" | "none") {
            return;
        }
        let contiguous = match text.parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V4(m)) => {
                let bits = u32::from(m);
                bits.leading_ones() + bits.trailing_zeros() == 32
            }
            Ok(std::net::IpAddr::V6(m)) => {
                let bits = u128::from(m);
                bits.leading_ones() + bits.trailing_zeros() == 128
            }
            Err(_) => {
                self.error(
                    val.span.clone(),
                    format!("{object}: mask `{text}` is not a netmask"),
                    "expected a netmask",
                    Some("write it as 255.255.255.255 (one address) or 255.255.255.0"),
                );
                return;
            }
        };
        if !contiguous {
            self.error(
                val.span.clone(),
                format!("{object}: mask `{text}` is not contiguous"),
                "not a run of ones then zeros",
                Some("BIG-IP refuses a non-contiguous destination mask"),
            );
        }
    }

    fn translation(&mut self, b: &Block, object: &str) -> SourceTranslation {
        let mut kind = None;
        let mut pool = None;
        for attr in b.attrs() {
            match attr {
                Attr::Value(k, v) if k.text == "type" => kind = Some(v.clone()),
                Attr::Value(k, v) if k.text == "pool" => pool = Some(v.clone()),
                _ => self.unknown_attr(object, &attr),
            }
        }
        match (kind.as_ref().map(|w| w.text.as_str()), pool) {
            (Some("automap"), _) => SourceTranslation::Automap,
            (Some("snat"), Some(p)) => {
                self.reference(RefKind::SnatPool, &p, object);
                SourceTranslation::Snat {
                    pool: full_name(&p.text),
                }
            }
            (Some("snat"), None) => {
                let span = kind.map_or(b.span.clone(), |w| w.span);
                self.error(
                    span,
                    format!("{object}: SNAT type snat without a pool"),
                    "type snat",
                    Some("add `pool /Common/<snatpool>`"),
                );
                SourceTranslation::None
            }
            (Some("none") | None, _) => SourceTranslation::None,
            (Some(other), _) => {
                let span = kind.as_ref().map_or(b.span.clone(), |w| w.span.clone());
                self.error(
                    span,
                    format!("{object}: unknown source-address-translation type `{other}`"),
                    "unknown type",
                    Some("expected automap, snat or none"),
                );
                SourceTranslation::None
            }
        }
    }

    fn monitor_list(&mut self, val: &Attr<'_>, object: &str) -> (Vec<String>, Option<u32>) {
        // `a`, `a and b`, `min 1 of { a b }`.
        let mut min = None;
        let words: Vec<&Word> = match val {
            Attr::Value(_, v) => vec![*v],
            Attr::Words(_, rest, block) => match (rest, block) {
                ([m, n, of], Some(list)) if m.text == "min" && of.text == "of" => {
                    let names = list.names();
                    match n.text.parse::<u32>() {
                        Ok(k) if k >= 1 && k as usize <= names.len() => min = Some(k),
                        _ => self.error(
                            n.span.clone(),
                            format!(
                                "{object}: monitor min `{}` is not between 1 and the {} monitors listed",
                                n.text,
                                names.len()
                            ),
                            "expected a count of monitors",
                            Some("BIG-IP refuses a `min` larger than the list; write `monitor min <n> of { a b }`"),
                        ),
                    }
                    names
                }
                _ => rest.iter().filter(|w| w.text != "and").collect(),
            },
            Attr::Block(_, b) => b.names(),
            Attr::Flag(_) => Vec::new(),
        };
        let mut names = Vec::new();
        for w in words.into_iter().filter(|w| w.text != "none") {
            self.reference(RefKind::Monitor, w, object);
            names.push(full_name(&w.text));
        }
        (names, min)
    }

    fn pool(&mut self, name: &Word, b: &Block, span: &Span) {
        let full = full_name(&name.text);
        let object = format!("ltm pool {full}");
        let mut p = Pool {
            name: full.clone(),
            line: self.line(span),
            load_balancing_mode: "round-robin".into(),
            members: Vec::new(),
            monitors: Vec::new(),
            monitor_min: None,
            service_down_action: "none".into(),
        };
        for attr in b.attrs() {
            match attr {
                Attr::Value(k, v) => {
                    match k.text.as_str() {
                        "load-balancing-mode" | "lb-method" => {
                            if !LB_MODES.contains(&v.text.as_str()) {
                                let near = closest(
                                    &v.text,
                                    &LB_MODES
                                        .iter()
                                        .map(|m| m.to_string())
                                        .collect::<Vec<_>>()
                                        .iter()
                                        .collect::<Vec<_>>(),
                                )
                                .cloned();
                                self.error(
                                v.span.clone(),
                                format!("{object}: unknown load-balancing-mode `{}`", v.text),
                                "unknown mode",
                                Some(&match near {
                                    Some(m) => format!("did you mean `{m}`? BIG-IP refuses a mode it does not know"),
                                    None => format!("BIG-IP's modes are {}", LB_MODES.join(", ")),
                                }),
                            );
                            }
                            p.load_balancing_mode = v.text.clone()
                        }
                        "service-down-action" | "action-on-service-down" => {
                            p.service_down_action = v.text.clone()
                        }
                        "monitor" => p.monitors = self.monitor_list(&attr, &object).0,
                        k if IGNORED_ATTRS.contains(&k) => {}
                        _ => self.unknown_attr(&object, &attr),
                    }
                }
                Attr::Words(k, ..) | Attr::Block(k, _) if k.text == "monitor" => {
                    (p.monitors, p.monitor_min) = self.monitor_list(&attr, &object);
                }
                Attr::Block(k, inner) if k.text == "members" => {
                    for (w, body) in inner.entries() {
                        if let Some(m) = self.member(w, body, &object) {
                            p.members.push(m);
                        }
                    }
                }
                _ if IGNORED_ATTRS.contains(&attr.key().text.as_str()) => {}
                _ => self.unknown_attr(&object, &attr),
            }
        }
        self.config.pools.insert(full, p);
    }

    fn member(&mut self, name: &Word, body: Option<&Block>, pool: &str) -> Option<PoolMember> {
        let object = format!("{pool} member {}", name.text);
        let mut address = None;
        let mut ratio = 1;
        let mut priority_group = 0;
        let mut disabled = false;
        let mut monitors = Vec::new();
        for attr in body.map(|b| b.attrs()).unwrap_or_default() {
            match attr {
                Attr::Value(k, v) => match k.text.as_str() {
                    "address" => address = self.addr(v, "member address"),
                    "ratio" => ratio = self.number(v, "ratio").unwrap_or(1),
                    "priority-group" => {
                        priority_group = self.number(v, "priority-group").unwrap_or(0)
                    }
                    "session" => disabled |= v.text == "user-disabled",
                    "state" => disabled |= v.text == "user-down",
                    "monitor" => monitors = self.monitor_list(&attr, &object).0,
                    k if IGNORED_ATTRS.contains(&k) => {}
                    _ => self.unknown_attr(&object, &attr),
                },
                _ if IGNORED_ATTRS.contains(&attr.key().text.as_str()) => {}
                _ => self.unknown_attr(&object, &attr),
            }
        }
        let leaf = last_component(&name.text);
        let endpoint = match (address, split_port(leaf)) {
            (Some(addr), Some((_, port_text))) => match port_number(port_text) {
                Some(port) => Endpoint { addr, port },
                None => {
                    self.error(
                        name.span.clone(),
                        format!("member `{}` has no valid port", name.text),
                        "expected name:port",
                        None,
                    );
                    return None;
                }
            },
            _ => self.endpoint(name, "pool member")?,
        };
        Some(PoolMember {
            name: full_name(&name.text),
            line: self.line(&name.span),
            endpoint,
            ratio,
            priority_group,
            disabled,
            monitors,
        })
    }

    fn node(&mut self, name: &Word, b: &Block, span: &Span) {
        let full = full_name(&name.text);
        let object = format!("ltm node {full}");
        let mut n = Node {
            name: full.clone(),
            line: self.line(span),
            address: None,
            monitors: Vec::new(),
        };
        for attr in b.attrs() {
            match attr {
                Attr::Value(k, v) if k.text == "address" => {
                    n.address = self.addr(v, "node address")
                }
                Attr::Value(k, _) | Attr::Words(k, ..) if k.text == "monitor" => {
                    n.monitors = self.monitor_list(&attr, &object).0
                }
                _ if IGNORED_ATTRS.contains(&attr.key().text.as_str()) => {}
                _ => self.unknown_attr(&object, &attr),
            }
        }
        self.config.nodes.insert(full, n);
    }

    fn monitor(&mut self, kind: &str, name: &Word, b: &Block, span: &Span) {
        let full = full_name(&name.text);
        let object = format!("ltm monitor {kind} {full}");
        let mut m = Monitor::with_defaults(&full, kind, self.line(span));
        for attr in b.attrs() {
            match attr {
                Attr::Value(k, v) => match k.text.as_str() {
                    "defaults-from" => m.defaults_from = Some(full_name(&v.text)),
                    "interval" => m.interval = self.number(v, "interval").unwrap_or(5),
                    "timeout" => m.timeout = self.number(v, "timeout").unwrap_or(16),
                    "domain" => m.domain = Some(v.text.clone()),
                    "destination" => m.destination = Some(v.text.clone()),
                    "send" => m.send = Some(v.text.clone()),
                    "recv" => m.recv = Some(v.text.clone()),
                    k if IGNORED_ATTRS.contains(&k) => {}
                    _ => self.unknown_attr(&object, &attr),
                },
                _ if IGNORED_ATTRS.contains(&attr.key().text.as_str()) => {}
                _ => self.unknown_attr(&object, &attr),
            }
        }
        if !matches!(kind, "smtp" | "tcp" | "tcp_half_open" | "gateway_icmp") {
            self.unmodelled(name.span.clone(), format!("monitor kind `{kind}` ({full})"));
        }
        self.config.monitors.insert(full, m);
    }

    fn data_group(&mut self, origin: &str, name: &Word, b: &Block, span: &Span) {
        let full = full_name(&name.text);
        let object = format!("ltm data-group {origin} {full}");
        let attrs = b.attrs();
        let kind_word = attrs.iter().find_map(|a| match a {
            Attr::Value(k, v) if k.text == "type" => Some(*v),
            _ => None,
        });
        let kind = match kind_word.map(|w| w.text.as_str()) {
            Some("ip") => DataGroupKind::Ip,
            Some("integer") => DataGroupKind::Integer,
            Some("string") | None => DataGroupKind::String,
            Some(other) => {
                let span = kind_word.map_or(name.span.clone(), |w| w.span.clone());
                self.error(
                    span,
                    format!("{object}: unknown data-group type `{other}`"),
                    "unknown type",
                    Some("expected ip, string or integer"),
                );
                DataGroupKind::String
            }
        };
        let mut records = Vec::new();
        let mut external_file = None;
        for attr in &attrs {
            match attr {
                Attr::Value(k, _) if k.text == "type" => {}
                Attr::Value(k, v) if k.text == "external-file-name" => {
                    external_file = Some(v.text.clone())
                }
                Attr::Block(k, inner) if k.text == "records" => {
                    for (key, body) in inner.entries() {
                        let data = body.and_then(|b| {
                            b.attrs().iter().find_map(|a| match a {
                                Attr::Value(k, v) if k.text == "data" => Some(v.text.clone()),
                                _ => None,
                            })
                        });
                        self.record(kind, key, data, &mut records);
                    }
                }
                _ if IGNORED_ATTRS.contains(&attr.key().text.as_str()) => {}
                _ => self.unknown_attr(&object, attr),
            }
        }
        let def = DataGroupDef {
            group: DataGroup {
                name: full.clone(),
                kind,
                records,
            },
            line: self.line(span),
            origin: origin.to_string(),
            external_file,
        };
        self.config.data_groups.insert(full, def);
    }

    fn record(
        &mut self,
        kind: DataGroupKind,
        key: &Word,
        data: Option<String>,
        out: &mut Vec<Record>,
    ) {
        let parsed = match (record_key(kind, &key.text), raw_v6_block(&key.text)) {
            (Err(_), Some(k)) if kind == DataGroupKind::Ip => {
                // An IPv6 block that takes in part of ::ffff:0:0/96, which relaylab reads
                // as IPv4 (`::/0`, `::/64`): one IPv6 record all the same.
                self.problems.push(Problem::new(
                    Level::Warning,
                    self.index,
                    key.span.clone(),
                    format!(
                        "data-group record `{}` spans the IPv4-mapped block ::ffff:0:0/96; relaylab assumes it matches IPv6 clients only, not IPv4 ones (UNCONFIRMED)",
                        key.text
                    ),
                    "IPv6 clients only",
                    Some("add an IPv4 record (0.0.0.0/0) if IPv4 clients should match too".into()),
                ));
                Ok(k)
            }
            (r, _) => r,
        };
        match parsed {
            Ok(k) => out.push(Record {
                name: key.text.clone(),
                key: k,
                data,
                line: self.line(&key.span),
            }),
            Err(msg) => self.error(key.span.clone(), msg, "this record", None),
        }
    }

    /// v9/v10 `class name { type ip  { host a  network b/n  network c mask m } }`.
    fn v10_class(&mut self, name: &Word, b: &Block, span: &Span) {
        let full = full_name(&name.text);
        let object = format!("class {full}");
        let mut kind = None;
        let mut records = Vec::new();
        let mut external_file = None;
        for stmt in &b.stmts {
            let words: Vec<&str> = stmt.words.iter().map(|w| w.text.as_str()).collect();
            match (words.as_slice(), &stmt.block) {
                ([], Some(list)) => {
                    for inner in &list.stmts {
                        self.v10_records(
                            &inner.words,
                            inner.block.as_ref(),
                            &mut kind,
                            &mut records,
                        );
                    }
                }
                (["type", t], None) => {
                    kind = match *t {
                        "ip" | "address" => Some(DataGroupKind::Ip),
                        "value" | "integer" => Some(DataGroupKind::Integer),
                        _ => Some(DataGroupKind::String),
                    }
                }
                (["filename", _], None) => external_file = Some(stmt.words[1].text.clone()),
                _ => {
                    let span = stmt.span();
                    self.unmodelled(span, format!("{object}: `{}`", words.join(" ")));
                }
            }
        }
        let kind = kind.unwrap_or(DataGroupKind::String);
        // Records were typed as they came; re-type string guesses once the kind is known.
        let records = records
            .into_iter()
            .filter_map(
                |(w, data): (Word, Option<String>)| match record_key(kind, &w.text) {
                    Ok(key) => Some(Record {
                        name: w.text.clone(),
                        key,
                        data,
                        line: self.line(&w.span),
                    }),
                    Err(msg) => {
                        self.error(w.span.clone(), msg, "this record", None);
                        None
                    }
                },
            )
            .collect();
        let def = DataGroupDef {
            group: DataGroup {
                name: full.clone(),
                kind,
                records,
            },
            line: self.line(span),
            origin: "v10 class".into(),
            external_file,
        };
        self.config.data_groups.insert(full, def);
    }

    fn v10_records(
        &mut self,
        words: &[Word],
        value: Option<&Block>,
        kind: &mut Option<DataGroupKind>,
        out: &mut Vec<(Word, Option<String>)>,
    ) {
        let mut i = 0;
        let start = out.len();
        while i < words.len() {
            let w = &words[i];
            let t = |j: usize| words.get(j).map(|w| w.text.as_str());
            let joined = |a: usize, b: usize| Word {
                text: words[a..=b.min(words.len() - 1)]
                    .iter()
                    .map(|w| w.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                span: words[a].span.start..words[b.min(words.len() - 1)].span.end,
            };
            match w.text.as_str() {
                "host" if i + 1 < words.len() => {
                    kind.get_or_insert(DataGroupKind::Ip);
                    out.push((words[i + 1].clone(), None));
                    i += 2;
                }
                "network"
                    if matches!(t(i + 2), Some("mask" | "prefixlen")) && i + 3 < words.len() =>
                {
                    kind.get_or_insert(DataGroupKind::Ip);
                    out.push((joined(i + 1, i + 3), None));
                    i += 4;
                }
                "network" if i + 1 < words.len() => {
                    kind.get_or_insert(DataGroupKind::Ip);
                    out.push((words[i + 1].clone(), None));
                    i += 2;
                }
                _ => {
                    out.push((w.clone(), None));
                    i += 1;
                }
            }
        }
        // `"key" { "value" }` or `network a/n { "value" }`: the value belongs to the last key.
        if let (Some(v), true) = (value, out.len() > start) {
            let data = v.names().first().map(|w| w.text.clone());
            if let Some(last) = out.last_mut() {
                last.1 = data;
            }
        }
    }

    fn snatpool(&mut self, name: &Word, b: &Block, span: &Span) {
        let full = full_name(&name.text);
        let object = format!("ltm snatpool {full}");
        let mut members = Vec::new();
        for attr in b.attrs() {
            match attr {
                Attr::Block(k, inner) if k.text == "members" => {
                    members.extend(inner.names().into_iter().cloned());
                }
                Attr::Value(k, v) if k.text == "members" || k.text == "member" => {
                    members.push(v.clone())
                }
                _ if IGNORED_ATTRS.contains(&attr.key().text.as_str()) => {}
                _ => self.unknown_attr(&object, &attr),
            }
        }
        // Members name snat-translations, which may come later in the file.
        self.snat_members.push((full.clone(), members));
        self.config.snatpools.insert(
            full.clone(),
            SnatPool {
                name: full,
                line: self.line(span),
                members: Vec::new(),
            },
        );
    }

    fn snat_translation(&mut self, name: &Word, b: &Block, span: &Span) {
        let full = full_name(&name.text);
        let object = format!("ltm snat-translation {full}");
        let mut address = None;
        let mut traffic_group = None;
        for attr in b.attrs() {
            match attr {
                Attr::Value(k, v) if k.text == "address" => {
                    address = self.addr(v, "snat-translation address")
                }
                Attr::Value(k, v) if k.text == "traffic-group" => {
                    traffic_group = Some(full_name(&v.text))
                }
                _ if IGNORED_ATTRS.contains(&attr.key().text.as_str()) => {}
                _ => self.unknown_attr(&object, &attr),
            }
        }
        let address = address.or_else(|| last_component(&name.text).parse().ok());
        match address {
            Some(address) => {
                let t = SnatTranslation {
                    name: full.clone(),
                    line: self.line(span),
                    address,
                    traffic_group,
                };
                self.config.snat_translations.insert(full, t);
            }
            None => self.error(
                name.span.clone(),
                format!("{object} has no address"),
                "no address",
                Some("add `address <ip>`"),
            ),
        }
    }

    fn snat(&mut self, name: &Word, b: &Block, span: &Span) {
        let full = full_name(&name.text);
        let object = format!("ltm snat {full}");
        let mut s = Snat {
            name: full.clone(),
            line: self.line(span),
            origins: AddrSet::empty(),
            target: None,
            vlans: Vec::new(),
        };
        let mut origins = Vec::new();
        for attr in b.attrs() {
            match attr {
                Attr::Block(k, inner) if k.text == "origins" => {
                    for (w, _) in inner.entries() {
                        if let Some(set) = self.addr_set(w, "snat origin") {
                            origins.push(set);
                        }
                    }
                }
                Attr::Value(k, v) if k.text == "translation" => {
                    s.target = Some(SnatTarget::Translation {
                        address: last_component(&v.text).to_string(),
                    })
                }
                Attr::Value(k, v) if k.text == "snatpool" => {
                    self.reference(RefKind::SnatPool, v, &object);
                    s.target = Some(SnatTarget::Snatpool {
                        pool: full_name(&v.text),
                    });
                }
                Attr::Flag(k) | Attr::Value(k, _) if k.text == "automap" => {
                    s.target = Some(SnatTarget::Automap)
                }
                Attr::Block(k, inner) if k.text == "vlans" => {
                    s.vlans = inner.names().iter().map(|w| full_name(&w.text)).collect()
                }
                Attr::Flag(k) if k.text == "vlans-enabled" || k.text == "vlans-disabled" => {}
                _ if IGNORED_ATTRS.contains(&attr.key().text.as_str()) => {}
                _ => self.unknown_attr(&object, &attr),
            }
        }
        s.origins = AddrSet::from_sets(&origins);
        self.config.snats.insert(full, s);
    }

    fn persistence(&mut self, kind: &str, name: &Word, b: &Block, span: &Span) {
        let full = full_name(&name.text);
        let object = format!("ltm persistence {kind} {full}");
        let mut p = Persistence {
            name: full.clone(),
            line: self.line(span),
            kind: kind.to_string(),
            defaults_from: None,
            mask: None,
            timeout: 180,
        };
        for attr in b.attrs() {
            match attr {
                Attr::Value(k, v) => match k.text.as_str() {
                    "defaults-from" => p.defaults_from = Some(full_name(&v.text)),
                    "mask" => p.mask = Some(v.text.clone()),
                    "timeout" => {
                        p.timeout = if v.text == "indefinite" {
                            u32::MAX
                        } else {
                            self.number(v, "timeout").unwrap_or(180)
                        }
                    }
                    k if IGNORED_ATTRS.contains(&k) => {}
                    _ => self.unknown_attr(&object, &attr),
                },
                _ if IGNORED_ATTRS.contains(&attr.key().text.as_str()) => {}
                _ => self.unknown_attr(&object, &attr),
            }
        }
        self.config.persistence.insert(full, p);
    }

    fn rule(&mut self, name: &Word, b: &Block, span: &Span) {
        let full = full_name(&name.text);
        let Some((text, body_span)) = &b.raw else {
            return;
        };
        let (text_line, text_column) = self.index.locate(body_span.start);
        let r = Rule {
            name: full.clone(),
            line: self.line(span),
            text: text.clone(),
            offset: body_span.start,
            text_line,
            text_column,
        };
        // A rule that does not parse makes the file unusable, as on BIG-IP (the load
        // fails): say so here, at the rule's line in this file, whatever reads it next.
        if let Err(e) = irule::parse_placed(&full, text, self.config.rule_placed(&r)) {
            let at = body_span.start + e.span.start;
            let end = (body_span.start + e.span.end).max(at);
            let mut p = Problem::new(
                Level::Error,
                self.index,
                at..end,
                format!("iRule {full} does not parse: {}", e.message),
                e.message.clone(),
                e.hint.clone(),
            );
            if let Some((span, note)) = &e.related {
                p.related = Some((
                    body_span.start + span.start..body_span.start + span.end,
                    note.clone(),
                ));
            }
            self.problems.push(p);
        }
        self.config.rules.insert(full, r);
    }

    fn self_ip(&mut self, name: &Word, b: &Block, span: &Span) {
        let full = full_name(&name.text);
        let object = format!("net self {full}");
        let mut address = None;
        let mut vlan = None;
        let mut traffic_group = None;
        for attr in b.attrs() {
            match attr {
                Attr::Value(k, v) if k.text == "address" => {
                    let (a, len) = v.text.split_once('/').unwrap_or((v.text.as_str(), ""));
                    match (a.parse::<Addr>(), len.parse::<u8>()) {
                        (Ok(a), Ok(l)) if l <= if a.ip.is_ipv4() { 32 } else { 128 } => {
                            address = Some((a, l))
                        }
                        _ => self.error(
                            v.span.clone(),
                            format!("{object}: `{}` is not address/prefix-length", v.text),
                            "expected address/len",
                            Some("write it as 10.0.0.5/24 or 10.0.0.5%2/24"),
                        ),
                    }
                }
                Attr::Value(k, v) if k.text == "vlan" => vlan = Some(full_name(&v.text)),
                Attr::Value(k, v) if k.text == "traffic-group" => {
                    traffic_group = Some(full_name(&v.text))
                }
                _ if IGNORED_ATTRS.contains(&attr.key().text.as_str()) => {}
                _ => self.unknown_attr(&object, &attr),
            }
        }
        let Some((address, prefix_len)) = address else {
            if !self
                .problems
                .iter()
                .any(|p| p.level == Level::Error && p.message.starts_with(&object))
            {
                self.error(
                    name.span.clone(),
                    format!("{object} has no address"),
                    "no address",
                    Some("add `address <ip>/<len>`"),
                );
            }
            return;
        };
        let floating = traffic_group
            .as_deref()
            .is_some_and(|g| !g.ends_with("/traffic-group-local-only"));
        let s = SelfIp {
            name: full.clone(),
            line: self.line(span),
            address,
            prefix_len,
            vlan,
            traffic_group,
            floating,
        };
        self.config.self_ips.insert(full, s);
    }

    fn vlan(&mut self, name: &Word, b: &Block, span: &Span) {
        let full = full_name(&name.text);
        let mut tag = None;
        for attr in b.attrs() {
            if let Attr::Value(k, v) = attr
                && k.text == "tag"
            {
                tag = self.number(v, "tag");
            }
            // Interfaces, MTU and friends say nothing about relay; read past them quietly.
        }
        self.config.vlans.insert(
            full.clone(),
            Vlan {
                name: full,
                line: self.line(span),
                tag,
            },
        );
    }

    fn route_domain(&mut self, name: &Word, b: &Block, span: &Span) {
        let full = full_name(&name.text);
        let object = format!("net route-domain {full}");
        let mut id = None;
        let mut vlans = Vec::new();
        let mut parent = None;
        for attr in b.attrs() {
            match attr {
                Attr::Value(k, v) if k.text == "id" => id = self.number(v, "route domain id"),
                Attr::Value(k, v) if k.text == "parent" => parent = Some(full_name(&v.text)),
                Attr::Block(k, inner) if k.text == "vlans" => {
                    vlans = inner.names().iter().map(|w| full_name(&w.text)).collect()
                }
                _ if IGNORED_ATTRS.contains(&attr.key().text.as_str()) => {}
                _ => self.unknown_attr(&object, &attr),
            }
        }
        // `/Common/0` style names carry the id when the attribute is absent.
        let id = id.or_else(|| last_component(&name.text).parse().ok());
        match id {
            Some(id) => {
                self.config.route_domains.insert(
                    full.clone(),
                    RouteDomain {
                        name: full,
                        line: self.line(span),
                        id,
                        vlans,
                        parent,
                    },
                );
            }
            None => self.error(
                name.span.clone(),
                format!("{object} has no id"),
                "no id",
                Some("add `id <number>`"),
            ),
        }
    }

    /// A snatpool member names a snat-translation (whose address may differ from its
    /// name) or, when no such object exists, is itself the address.
    fn resolve_snat_members(&mut self) {
        for (pool, words) in std::mem::take(&mut self.snat_members) {
            let mut members = Vec::new();
            for w in words {
                let name = full_name(&w.text);
                if let Some(t) = self.config.snat_translations.get(&name) {
                    members.push(t.address);
                } else if let Ok(a) = last_component(&w.text).parse::<Addr>() {
                    members.push(a);
                } else {
                    self.error(
                        w.span.clone(),
                        format!("ltm snatpool {pool} refers to snat-translation `{name}`, which does not exist"),
                        "no such snat-translation",
                        Some("define `ltm snat-translation` with that name, or list the address itself"),
                    );
                }
            }
            if let Some(p) = self.config.snatpools.get_mut(&pool) {
                p.members = members;
            }
        }
    }

    fn check_references(&mut self) {
        self.resolve_snat_members();
        let refs = std::mem::take(&mut self.refs);
        for (kind, target, span, from) in refs {
            let c = &self.config;
            let exists = match kind {
                RefKind::Pool => c.pools.contains_key(&target),
                RefKind::Rule => c.rules.contains_key(&target),
                RefKind::Monitor => c.monitors.contains_key(&target),
                RefKind::SnatPool => c.snatpools.contains_key(&target),
                RefKind::Persistence => c.persistence.contains_key(&target),
            };
            if exists || kind.builtin(&target) {
                continue;
            }
            let candidates: Vec<&String> = match kind {
                RefKind::Pool => c.pools.keys().collect(),
                RefKind::Rule => c.rules.keys().collect(),
                RefKind::Monitor => c.monitors.keys().collect(),
                RefKind::SnatPool => c.snatpools.keys().collect(),
                RefKind::Persistence => c.persistence.keys().collect(),
            };
            let help = closest(&target, &candidates)
                .map(|n| format!("did you mean `{n}`?"))
                .unwrap_or_else(|| {
                    format!("define `ltm {} {target}` or fix the name", kind.noun())
                });
            self.error(
                span,
                format!(
                    "{from} refers to {} `{target}`, which does not exist",
                    kind.noun()
                ),
                format!("no such {}", kind.noun()),
                Some(&help),
            );
        }
    }
}

/// Attributes that say nothing about who may relay: read past without a warning.
const IGNORED_ATTRS: &[&str] = &[
    "app-service",
    "creation-time",
    "last-modified-time",
    "description",
    "partition",
    "metadata",
    "translate-port",
    "source-port",
    "connection-limit",
    "rate-limit",
    "min-active-members",
    "slow-ramp-time",
    "allow-nat",
    "allow-snat",
    "queue-on-connection-limit",
    "reselect-tries",
    "session",
    "state",
    "ip-tos-to-client",
    "ip-tos-to-server",
    "link-qos-to-client",
    "link-qos-to-server",
    "port",
    "mirror",
    "cmp-enabled",
    "auto-lasthop",
    "serverssl-use-sni",
    "allow-service",
    "unit",
    "fqdn",
    "inherited-traffic-group",
    "match-across-pools",
    "match-across-services",
    "match-across-virtuals",
    "override-connection-limit",
    "mirror-enabled",
    "time-until-up",
    "up-interval",
    "manual-resume",
    "ip-dscp",
    "debug",
    "dynamic-ratio",
    "token",
];

fn describe(words: &[&str]) -> String {
    match words {
        [] => "an unnamed block".to_string(),
        _ => words.iter().take(4).copied().collect::<Vec<_>>().join(" "),
    }
}

fn record_key(kind: DataGroupKind, text: &str) -> Result<RecordKey, String> {
    match kind {
        DataGroupKind::Ip => {
            let set = AddrSet::parse(text).map_err(|e| format!("data-group record: {e}"))?;
            let domain = set.domains().next();
            match (domain, set.domains().count()) {
                (Some(domain), 1) => match set.ranges(domain).as_slice() {
                    [(first, last)] => Ok(RecordKey::Ip {
                        domain,
                        first: *first,
                        last: *last,
                    }),
                    _ => Err(format!(
                        "data-group record `{text}` is not one address block"
                    )),
                },
                _ => Err(format!(
                    "data-group record `{text}` is not one address block"
                )),
            }
        }
        DataGroupKind::Integer => text.parse::<i64>().map(RecordKey::Integer).map_err(|_| {
            format!(
                "data-group record `{text}` is not an integer, but the data group's type is integer"
            )
        }),
        DataGroupKind::String => Ok(RecordKey::Text(text.to_string())),
    }
}

/// `a/len` (or `a%N/len`) written as IPv6, as one block of IPv6 numbers, without folding
/// the IPv4-mapped part into IPv4 as address sets do.
fn raw_v6_block(text: &str) -> Option<RecordKey> {
    let (a, len) = text.trim().split_once('/').unwrap_or((text.trim(), "128"));
    let (ip, rd) = match a.split_once('%') {
        Some((ip, rd)) => (ip, rd.parse::<u16>().ok()?),
        None => (a, 0),
    };
    let ip: std::net::Ipv6Addr = ip.trim_matches(['[', ']']).parse().ok()?;
    let len: u32 = len.parse().ok().filter(|l| *l <= 128)?;
    let host = u128::MAX.checked_shr(len).unwrap_or(0);
    let n = u128::from(ip);
    Some(RecordKey::Ip {
        domain: addrspace::Domain {
            family: addrspace::Family::V6,
            route_domain: rd,
        },
        first: n & !host,
        last: n | host,
    })
}

/// Splits `addr:port` (IPv4) or `addr.port` (IPv6, tmsh style) at the port separator.
fn split_port(text: &str) -> Option<(&str, &str)> {
    if text.matches(':').count() > 1 {
        text.rsplit_once('.')
    } else {
        text.rsplit_once(':')
    }
}

fn port_number(text: &str) -> Option<u16> {
    Some(match text {
        "any" | "0" => 0,
        "smtp" => 25,
        "submission" => 587,
        "smtps" | "urd" => 465,
        "imap" | "imap2" => 143,
        "imaps" => 993,
        "pop3" => 110,
        "pop3s" => 995,
        "http" => 80,
        "https" => 443,
        n => n.parse().ok()?,
    })
}

/// Parses `10.0.0.10:25`, `10.0.0.10%2:25`, `2001:db8::5.25`, `any:smtp`, `any6.25`.
pub fn parse_endpoint(text: &str) -> Result<Endpoint, String> {
    let (a, p) = split_port(text).ok_or("no port separator")?;
    let port = port_number(p).ok_or_else(|| format!("`{p}` is not a port"))?;
    let addr: Addr = match a {
        "any" => "0.0.0.0".parse().map_err(|e| format!("{e}"))?,
        "any6" => "::".parse().map_err(|e| format!("{e}"))?,
        _ => a.parse().map_err(|e| format!("{e}"))?,
    };
    Ok(Endpoint { addr, port })
}

/// The closest name by edit distance, if it is close enough to be a likely typo.
fn closest<'a>(target: &str, candidates: &[&'a String]) -> Option<&'a String> {
    let t = last_component(target);
    candidates
        .iter()
        .map(|c| (edit_distance(t, last_component(c)), *c))
        .filter(|(d, _)| *d <= 3.max(t.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for j in 0..b.len() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != b[j]))
                .min(row[j] + 1)
                .min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}
