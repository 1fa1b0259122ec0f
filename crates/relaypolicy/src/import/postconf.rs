//! `postconf -n` output (or main.cf): `name = value` lines.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::ops::Range;

use addrspace::{Addr, AddrSet};

use crate::import::error::{ImportError, ImportErrorKind};
use crate::postfix::{DomainEntry, NetEntry, NetworksStyle, PostfixServer, Restriction};
use crate::session::Locator;

/// A parameter as read: value and the byte range of the value in the source.
#[derive(Debug, Clone)]
struct Param {
    value: String,
    span: Range<usize>,
}

/// The comment that tells relaylab the server's interface addresses with prefix lengths,
/// which `postconf -n` does not print but `mynetworks_style` needs:
/// `# relaylab-interfaces: 10.0.1.13/24, 2001:db8::13/64`.
pub const INTERFACES_COMMENT: &str = "relaylab-interfaces:";

/// Reads `postconf -n` text from `file`. `interfaces` are the server's addresses with
/// prefix lengths; when empty, a `# relaylab-interfaces:` comment in the text is used.
pub fn parse_postconf(
    text: &str,
    file: &str,
    interfaces: &[(IpAddr, u8)],
) -> Result<PostfixServer, ImportError> {
    parse_region(text, file, 0..text.len(), interfaces)
}

pub(crate) fn parse_region(
    full: &str,
    file: &str,
    region: Range<usize>,
    interfaces: &[(IpAddr, u8)],
) -> Result<PostfixServer, ImportError> {
    let err = |span: Range<usize>, kind| ImportError::new(file, full, span, kind);
    let lines = Locator::new(full);
    let origin = |off: usize| Some(lines.origin(file, off));
    let mut params: BTreeMap<String, Param> = BTreeMap::new();
    let mut comment_ifaces: Vec<(IpAddr, u8)> = Vec::new();
    let body = &full[region.clone()];
    let mut offset = region.start;
    let mut last_key: Option<String> = None;
    for raw_line in body.split_inclusive('\n') {
        let line_start = offset;
        offset += raw_line.len();
        let line = raw_line.trim_end_matches(['\n', '\r']);
        let trimmed = line.trim_start();
        if let Some(c) = trimmed.strip_prefix('#') {
            if let Some(list) = c.trim().strip_prefix(INTERFACES_COMMENT) {
                let base = line_start
                    + line.find(INTERFACES_COMMENT).unwrap_or(0)
                    + INTERFACES_COMMENT.len();
                for (word, r) in words(list, base) {
                    comment_ifaces.push(interface(&word).ok_or_else(|| {
                        err(
                            r,
                            ImportErrorKind::Value {
                                property: INTERFACES_COMMENT.into(),
                                value: word.clone(),
                                expected: "address/prefix-length".into(),
                            },
                        )
                    })?);
                }
            }
            continue;
        }
        if trimmed.is_empty() {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            // main.cf continuation line.
            if let Some(p) = last_key.as_ref().and_then(|k| params.get_mut(k)) {
                p.value.push(' ');
                p.value.push_str(trimmed);
                p.span.end = line_start + line.len();
                continue;
            }
        }
        let Some((k, v)) = line.split_once('=') else {
            if params.is_empty() && last_key.is_none() {
                // Nothing read so far looked like Postfix: this is some other file, whose
                // lines are not ours to print.
                let (l, c) = crate::session::line_col(full, line_start);
                return Err(ImportError::unquoted(
                    file,
                    l,
                    c,
                    ImportErrorKind::UnknownFormat {
                        reason: "expected `postconf -n` output (`name = value` lines), a Get-ReceiveConnector/Get-ADPermission/Get-AcceptedDomain JSON export (.json) or relaylab's TOML (.toml); this line is none of them".into(),
                    },
                )
                .with_hint("check the path: relaylab reads a file it does not recognise as `postconf -n` output"));
            }
            return Err(err(
                line_start..line_start + line.len(),
                ImportErrorKind::PostconfLine {
                    line: line.to_string(),
                },
            )
            .with_hint("postconf -n prints one `name = value` per line"));
        };
        let key = k.trim().to_string();
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err(err(
                line_start..line_start + line.len(),
                ImportErrorKind::PostconfLine {
                    line: line.to_string(),
                },
            ));
        }
        let v_start = line_start + k.len() + 1 + (v.len() - v.trim_start().len());
        let value = v.trim().to_string();
        params.insert(
            key.clone(),
            Param {
                span: v_start..v_start + value.len(),
                value,
            },
        );
        last_key = Some(key);
    }
    let ifaces: Vec<(IpAddr, u8)> = if interfaces.is_empty() {
        comment_ifaces
    } else {
        interfaces.to_vec()
    };

    let myhostname = params
        .get("myhostname")
        .map(|p| p.value.clone())
        .unwrap_or_else(|| "localhost.localdomain".into());
    let mut s = PostfixServer::new(&myhostname, &myhostname);
    s.origin = origin(region.start);
    s.interfaces = ifaces;
    let get = |k: &str| params.get(k);
    let mut expander = Expander {
        params: &params,
        myhostname: s.myhostname.clone(),
        done: Default::default(),
        active: Vec::new(),
    };
    let mut expand = |v: &str, property: &str, r: &Range<usize>| {
        expander.expand(v).map_err(|message| {
            err(
                r.clone(),
                ImportErrorKind::Expansion {
                    property: property.to_string(),
                    message,
                },
            )
            .with_hint(format!(
                "relaylab expands `$name` up to {MAX_EXPANSION} bytes and {MAX_EXPANSION_DEPTH} levels (relaypolicy::import::postconf); check the parameters this value refers to"
            ))
        })
    };
    if let Some(p) = get("mynetworks_style") {
        s.mynetworks_style = match p.value.as_str() {
            "host" => NetworksStyle::Host,
            "subnet" => NetworksStyle::Subnet,
            "class" => NetworksStyle::Class,
            other => {
                return Err(err(
                    p.span.clone(),
                    ImportErrorKind::Value {
                        property: "mynetworks_style".into(),
                        value: other.into(),
                        expected: "host, subnet, class".into(),
                    },
                ));
            }
        };
    }
    if let Some(p) = get("mynetworks") {
        let mut entries = Vec::new();
        for (word, r) in words(&p.value, p.span.start) {
            let word = expand(&word, "mynetworks", &r)?;
            for w in word.split([' ', ',']).filter(|w| !w.is_empty()) {
                let (negated, body) = match w.strip_prefix('!') {
                    Some(b) => (true, b),
                    None => (false, w),
                };
                let is_table = body.starts_with('/')
                    || (body.contains(':')
                        && !body.starts_with('[')
                        && body.split(':').next().is_some_and(|t| {
                            t.chars().all(|c| c.is_ascii_alphabetic()) && t.len() > 1
                        })
                        && body.parse::<Addr>().is_err()
                        && AddrSet::parse(body).is_err());
                let set = if is_table {
                    None
                } else {
                    Some(AddrSet::parse(body).map_err(|source| {
                        err(r.clone(), ImportErrorKind::Address { property: "mynetworks".into(), source })
                            .with_hint("mynetworks entries are a.b.c.d/len, [ipv6]/len, !entry, /file or type:table")
                    })?)
                };
                entries.push(NetEntry {
                    text: w.to_string(),
                    negated,
                    set,
                    origin: origin(r.start),
                });
            }
        }
        s.mynetworks = Some(entries);
    }
    for (key, target) in [
        ("smtpd_relay_restrictions", 0),
        ("smtpd_recipient_restrictions", 1),
    ] {
        if let Some(p) = get(key) {
            let mut list = Vec::new();
            for (word, r) in words(&p.value, p.span.start) {
                // `check_client_access hash:/etc/postfix/access`: a table argument belongs
                // to the restriction before it.
                let is_arg = word.starts_with('/')
                    || word.split_once(':').is_some_and(|(t, _)| {
                        !t.is_empty() && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    });
                if is_arg && let Some(prev) = list.last_mut() {
                    let prev: &mut Restriction = prev;
                    prev.text = format!("{} {word}", prev.text);
                    continue;
                }
                let mut rest = Restriction::parse(&word);
                rest.origin = origin(r.start);
                list.push(rest);
            }
            if target == 0 {
                s.relay_restrictions = list;
            } else {
                s.recipient_restrictions = list;
            }
        }
    }
    for (key, target) in [("mydestination", 0), ("relay_domains", 1)] {
        if let Some(p) = get(key) {
            let mut list = Vec::new();
            for (word, r) in words(&p.value, p.span.start) {
                for w in expand(&word, key, &r)?
                    .split([' ', ','])
                    .filter(|w| !w.is_empty())
                {
                    list.push(DomainEntry {
                        domain: w.to_ascii_lowercase(),
                        origin: origin(r.start),
                    });
                }
            }
            if target == 0 {
                s.mydestination = list;
            } else {
                s.relay_domains = list;
            }
        }
    }
    let yes = |k: &str| get(k).is_some_and(|p| p.value.eq_ignore_ascii_case("yes"));
    s.sasl_enabled = yes("smtpd_sasl_auth_enable");
    s.tls_auth_only = yes("smtpd_tls_auth_only");
    let level = get("smtpd_tls_security_level").map(|p| p.value.to_ascii_lowercase());
    s.tls = yes("smtpd_use_tls")
        || yes("smtpd_enforce_tls")
        || matches!(level.as_deref(), Some("may" | "encrypt"));
    s.tls_required = yes("smtpd_enforce_tls") || level.as_deref() == Some("encrypt");
    if let Some(p) = get("message_size_limit") {
        s.message_size_limit = p.value.parse().map_err(|_| {
            err(
                p.span.clone(),
                ImportErrorKind::Value {
                    property: "message_size_limit".into(),
                    value: p.value.clone(),
                    expected: "a number of bytes".into(),
                },
            )
        })?;
    }
    if let Some(p) = get("smtpd_recipient_limit") {
        s.recipient_limit = p.value.parse().map_err(|_| {
            err(
                p.span.clone(),
                ImportErrorKind::Value {
                    property: "smtpd_recipient_limit".into(),
                    value: p.value.clone(),
                    expected: "a number".into(),
                },
            )
        })?;
    }
    s.upstream_proxy_protocol = get("smtpd_upstream_proxy_protocol")
        .map(|p| p.value.clone())
        .filter(|v| !v.is_empty());
    s.xclient_hosts = get("smtpd_authorized_xclient_hosts")
        .map(|p| p.value.clone())
        .filter(|v| !v.is_empty());
    Ok(s)
}

fn interface(word: &str) -> Option<(IpAddr, u8)> {
    let (a, l) = word.split_once('/')?;
    let a: IpAddr = a
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()?;
    let l: u8 = l.parse().ok()?;
    let max = if a.is_ipv4() { 32 } else { 128 };
    (l <= max).then_some((a, l))
}

/// Splits a Postfix list (whitespace and commas; `{ }` groups are flattened) keeping each
/// word's byte range.
fn words(value: &str, base: usize) -> Vec<(String, Range<usize>)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in value
        .char_indices()
        .chain(std::iter::once((value.len(), ' ')))
    {
        let sep = c.is_whitespace() || c == ',' || c == '{' || c == '}';
        match (sep, start) {
            (true, Some(s)) => {
                out.push((value[s..i].to_string(), base + s..base + i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    out
}

/// The longest value a `$name` expansion may produce. Postfix itself has no such limit,
/// but a few lines of `a = $b $b $b ...` grow a value tenfold per level; a real
/// `mynetworks` or `relay_domains` is a few kilobytes.
pub const MAX_EXPANSION: usize = 1 << 20;

/// How deep `$name` references may chain, as Postfix's own `unreasonable macro call
/// nesting` limit.
pub const MAX_EXPANSION_DEPTH: usize = 100;

/// `$name` and `${name}` expansion with Postfix's defaults for the names relay depends on.
/// Each name is expanded once (the result is kept), so the work is linear in the size of
/// the result, and the result is capped at [`MAX_EXPANSION`] bytes.
struct Expander<'p> {
    params: &'p BTreeMap<String, Param>,
    myhostname: String,
    done: std::collections::HashMap<String, std::rc::Rc<str>>,
    /// Names being expanded, outermost first: a name met again is a loop.
    active: Vec<String>,
}

impl Expander<'_> {
    fn expand(&mut self, v: &str) -> Result<String, String> {
        if !v.contains('$') {
            return Ok(v.to_string());
        }
        let mut out = String::new();
        let mut rest = v;
        while let Some(i) = rest.find('$') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            let (name, len) = if let Some(b) = after.strip_prefix('{') {
                let end = b.find('}').unwrap_or(b.len());
                (&b[..end], end + 2)
            } else {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], end)
            };
            let value = self.name(name)?;
            out.push_str(&value);
            if out.len() > MAX_EXPANSION {
                return Err(format!(
                    "expanding `${name}` makes a value longer than {MAX_EXPANSION} bytes"
                ));
            }
            rest = &after[len.min(after.len())..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn name(&mut self, name: &str) -> Result<std::rc::Rc<str>, String> {
        if let Some(v) = self.done.get(name) {
            return Ok(v.clone());
        }
        if self.active.iter().any(|a| a == name) {
            return Err(format!(
                "`${name}` refers to itself (through {}); Postfix stops with \"unreasonable macro call nesting\"",
                self.active.join(" -> ")
            ));
        }
        if self.active.len() >= MAX_EXPANSION_DEPTH {
            return Err(format!(
                "`$name` references nest deeper than {MAX_EXPANSION_DEPTH} levels"
            ));
        }
        let raw = match self.params.get(name) {
            Some(p) => p.value.clone(),
            None => match name {
                "myhostname" | "myorigin" => self.myhostname.clone(),
                "mydomain" => self
                    .myhostname
                    .split_once('.')
                    .map_or("localdomain", |(_, d)| d)
                    .to_string(),
                _ => String::new(),
            },
        };
        self.active.push(name.to_string());
        let r = self.expand(&raw);
        self.active.pop();
        let v: std::rc::Rc<str> = r?.into();
        self.done.insert(name.to_string(), v.clone());
        Ok(v)
    }
}
