//! `postconf -n` output (or main.cf): `name = value` lines.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::ops::Range;

use addrspace::{Addr, AddrSet};

use crate::import::error::{ImportError, ImportErrorKind};
use crate::postfix::{DomainEntry, NetEntry, NetworksStyle, PostfixServer, Restriction};
use crate::session::Origin;

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
    let origin = |off: usize| Some(Origin::at(file, full, off));
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
    let expand = |v: &str| expand_vars(v, &params, &s.myhostname, 0);
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
            let word = expand(&word);
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
                for w in expand(&word).split([' ', ',']).filter(|w| !w.is_empty()) {
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
    let a = a.trim_start_matches('[').trim_end_matches(']');
    Some((a.parse().ok()?, l.parse().ok()?))
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

/// `$name` and `${name}` expansion with Postfix's defaults for the names relay depends on.
fn expand_vars(v: &str, params: &BTreeMap<String, Param>, myhostname: &str, depth: u8) -> String {
    if depth > 8 || !v.contains('$') {
        return v.to_string();
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
        let value = match params.get(name) {
            Some(p) => p.value.clone(),
            None => match name {
                "myhostname" => myhostname.to_string(),
                "mydomain" => myhostname
                    .split_once('.')
                    .map_or("localdomain", |(_, d)| d)
                    .to_string(),
                "myorigin" => myhostname.to_string(),
                _ => String::new(),
            },
        };
        out.push_str(&expand_vars(&value, params, myhostname, depth + 1));
        rest = &after[len.min(after.len())..];
    }
    out.push_str(rest);
    out
}
