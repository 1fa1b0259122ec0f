//! RCPT (and MAIL) paths: an RFC 5321 reader that keeps what lenient servers accept, and the
//! per-flavour judgement of where a recipient really goes.
//!
//! The reader never decides policy. It splits a path into source route, local part and
//! domain, and lists every way the path departs from RFC 5321 as a [`SyntaxIssue`]; each
//! server flavour then decides in [`classify`] which departures it refuses and how it
//! rewrites the rest (percent hack, bang paths, dequoting), because that rewriting is where
//! relay tricks either die or succeed.

use std::net::IpAddr;

use serde::Serialize;

/// RFC 5321 §4.5.3.1.1: the longest local part in octets.
pub const MAX_LOCAL_PART: usize = 64;
/// RFC 5321 §4.5.3.1.2: the longest domain in octets.
pub const MAX_DOMAIN: usize = 255;
/// RFC 5321 §4.5.3.1.3: the longest path in octets, angle brackets included.
pub const MAX_PATH: usize = 256;

/// The domain of a path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum MailDomain {
    /// A host or domain name, lower-cased (SMTP domains are case-insensitive), without a
    /// trailing dot.
    Name(String),
    /// An address literal, `[192.0.2.1]` or `[IPv6:2001:db8::1]`.
    Literal(IpAddr),
}

impl std::fmt::Display for MailDomain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MailDomain::Name(n) => f.write_str(n),
            MailDomain::Literal(IpAddr::V4(v4)) => write!(f, "[{v4}]"),
            MailDomain::Literal(IpAddr::V6(v6)) => write!(f, "[IPv6:{v6}]"),
        }
    }
}

/// A way a path departs from RFC 5321 that some server still accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum SyntaxIssue {
    /// The path has no `@domain` (`"user@ext"`, `ext!user`, `user%ext`).
    NoDomain,
    /// An unquoted `@` inside the local part: `user@ext@host` (double `@`).
    AtInLocalPart,
    /// The domain ends with a dot: `user@example.net.`.
    TrailingDot,
    /// A dot-string local part with a leading, trailing or doubled dot.
    BadDots,
    /// Characters RFC 5321 does not allow unquoted in a local part.
    BadLocalChars,
}

/// Why a path cannot be read at all: every flavour answers these with a syntax error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[non_exhaustive]
pub enum PathError {
    /// Nothing between the angle brackets where a mailbox is required (`<>` as RCPT).
    #[error("empty path")]
    Empty,
    /// Missing `<` or `>`, or text after `>`.
    #[error("path is not enclosed in angle brackets: `{0}`")]
    Brackets(String),
    /// A component longer than RFC 5321 allows.
    #[error("{part} is {len} octets, longer than the RFC 5321 limit of {max}")]
    TooLong {
        /// "local part", "domain" or "path".
        part: &'static str,
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// `user@`: an `@` with nothing after it.
    #[error("nothing after the `@`")]
    TrailingAt,
    /// An empty local part (`@example.net`).
    #[error("empty local part")]
    EmptyLocalPart,
    /// A quoted string that does not close.
    #[error("unterminated quoted local part")]
    Unterminated,
    /// `[..]` that is not an IPv4 or `IPv6:` literal.
    #[error("`{0}` is not an address literal")]
    BadLiteral(String),
    /// A domain with characters outside letters, digits, `-` and `.`, or an empty label.
    #[error("`{0}` is not a domain name")]
    BadDomain(String),
    /// A source route (`@a,@b:`) that does not end with `:` or names no host.
    #[error("malformed source route")]
    BadSourceRoute,
}

/// A forward (or reverse) path as written, after removing angle brackets and quoting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForwardPath {
    /// Hosts of an RFC 821 source route (`<@a,@b:user@c>` gives `a`, `b`); RFC 5321 says
    /// to ignore them, and every modelled flavour does.
    pub source_route: Vec<String>,
    /// The local part, without the quotes when it was quoted.
    pub local_part: String,
    /// Whether the local part was a quoted string.
    pub quoted: bool,
    /// The domain, if the path had one.
    pub domain: Option<MailDomain>,
    /// RFC 5321 departures a lenient server may still accept.
    pub issues: Vec<SyntaxIssue>,
}

impl ForwardPath {
    /// The mailbox as `local@domain` (the local part re-quoted when it was quoted).
    pub fn mailbox(&self) -> String {
        let local = if self.quoted {
            format!("\"{}\"", self.local_part)
        } else {
            self.local_part.clone()
        };
        match &self.domain {
            Some(d) => format!("{local}@{d}"),
            None => local,
        }
    }
}

/// Reads a path. Accepts it with or without angle brackets (`RCPT TO:user@x` is common from
/// sloppy clients and every modelled server takes it); `<>` is [`PathError::Empty`].
pub fn parse_path(text: &str) -> Result<ForwardPath, PathError> {
    let t = text.trim();
    if t.len() > MAX_PATH {
        return Err(PathError::TooLong {
            part: "path",
            len: t.len(),
            max: MAX_PATH,
        });
    }
    let inner = match (t.strip_prefix('<'), t.ends_with('>')) {
        (Some(rest), true) => &rest[..rest.len() - 1],
        (None, false) => t,
        _ => return Err(PathError::Brackets(t.to_string())),
    };
    if inner.is_empty() {
        return Err(PathError::Empty);
    }
    let (source_route, mailbox) = split_source_route(inner)?;
    let (local_raw, domain_raw) = split_at_last_unquoted_at(mailbox)?;
    let mut issues = Vec::new();
    let (local_part, quoted) = read_local(local_raw, &mut issues)?;
    if local_part.len() > MAX_LOCAL_PART {
        return Err(PathError::TooLong {
            part: "local part",
            len: local_part.len(),
            max: MAX_LOCAL_PART,
        });
    }
    let domain = match domain_raw {
        None => {
            issues.push(SyntaxIssue::NoDomain);
            None
        }
        Some("") => return Err(PathError::TrailingAt),
        Some(d) => Some(read_domain(d, &mut issues)?),
    };
    if local_part.is_empty() && !quoted {
        return Err(PathError::EmptyLocalPart);
    }
    Ok(ForwardPath {
        source_route,
        local_part,
        quoted,
        domain,
        issues,
    })
}

fn split_source_route(inner: &str) -> Result<(Vec<String>, &str), PathError> {
    if !inner.starts_with('@') {
        return Ok((Vec::new(), inner));
    }
    let Some((route, rest)) = inner.split_once(':') else {
        // `@example.net` alone: an empty local part, not a route.
        return Err(PathError::EmptyLocalPart);
    };
    let mut hosts = Vec::new();
    for hop in route.split(',') {
        let host = hop
            .trim()
            .strip_prefix('@')
            .ok_or(PathError::BadSourceRoute)?;
        if host.is_empty() {
            return Err(PathError::BadSourceRoute);
        }
        hosts.push(host.to_ascii_lowercase());
    }
    Ok((hosts, rest))
}

/// Splits at the last `@` that is not inside a quoted string; a bracketed literal never
/// holds `@`, so the last one is the domain separator.
fn split_at_last_unquoted_at(mailbox: &str) -> Result<(&str, Option<&str>), PathError> {
    let mut in_quote = false;
    let mut escaped = false;
    let mut last_at = None;
    for (i, c) in mailbox.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if in_quote => escaped = true,
            '"' => in_quote = !in_quote,
            '@' if !in_quote => last_at = Some(i),
            _ => {}
        }
    }
    if in_quote {
        return Err(PathError::Unterminated);
    }
    Ok(match last_at {
        Some(i) => (&mailbox[..i], Some(&mailbox[i + 1..])),
        None => (mailbox, None),
    })
}

fn read_local(raw: &str, issues: &mut Vec<SyntaxIssue>) -> Result<(String, bool), PathError> {
    if let Some(body) = raw.strip_prefix('"') {
        let Some(body) = body.strip_suffix('"') else {
            // `"user@ext"x`: a quoted part followed by more; servers read it unquoted.
            issues.push(SyntaxIssue::BadLocalChars);
            return Ok((raw.replace('"', ""), false));
        };
        let mut out = String::new();
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some(n) => out.push(n),
                    None => return Err(PathError::Unterminated),
                }
            } else if c == '"' {
                return Err(PathError::Unterminated);
            } else {
                out.push(c);
            }
        }
        return Ok((out, true));
    }
    if raw.contains('@') {
        issues.push(SyntaxIssue::AtInLocalPart);
    }
    if raw.starts_with('.') || raw.ends_with('.') || raw.contains("..") {
        issues.push(SyntaxIssue::BadDots);
    }
    const ATEXT: &str = "!#$%&'*+-/=?^_`{|}~.";
    if raw
        .chars()
        .any(|c| !(c.is_ascii_alphanumeric() || ATEXT.contains(c) || c == '@' || !c.is_ascii()))
    {
        issues.push(SyntaxIssue::BadLocalChars);
    }
    Ok((raw.to_string(), false))
}

fn read_domain(raw: &str, issues: &mut Vec<SyntaxIssue>) -> Result<MailDomain, PathError> {
    if raw.len() > MAX_DOMAIN {
        return Err(PathError::TooLong {
            part: "domain",
            len: raw.len(),
            max: MAX_DOMAIN,
        });
    }
    if let Some(lit) = raw.strip_prefix('[') {
        let body = lit
            .strip_suffix(']')
            .ok_or_else(|| PathError::BadLiteral(raw.to_string()))?;
        let ip = if let Some(v6) = body
            .strip_prefix("IPv6:")
            .or_else(|| body.strip_prefix("ipv6:"))
        {
            v6.parse::<std::net::Ipv6Addr>().map(IpAddr::V6).ok()
        } else {
            body.parse::<std::net::Ipv4Addr>().map(IpAddr::V4).ok()
        };
        return ip
            .map(MailDomain::Literal)
            .ok_or_else(|| PathError::BadLiteral(raw.to_string()));
    }
    let mut name = raw.to_ascii_lowercase();
    if name.ends_with('.') {
        issues.push(SyntaxIssue::TrailingDot);
        while name.ends_with('.') {
            name.pop();
        }
    }
    let ok = !name.is_empty()
        && name.split('.').all(|label| {
            !label.is_empty()
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        });
    if !ok {
        return Err(PathError::BadDomain(raw.to_string()));
    }
    Ok(MailDomain::Name(name))
}

/// The server flavour whose address handling applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Flavour {
    /// Exchange 2007 and later (Transport service, receive connectors).
    Exchange,
    /// Exchange 2000/2003 (IIS SMTP virtual server).
    Exchange2003,
    /// Postfix with its defaults `allow_percent_hack = yes`, `swap_bangpath = yes`,
    /// `resolve_dequoted_address = yes`, `allow_untrusted_routing = no`.
    Postfix,
}

/// What the server counts as itself when it reads a recipient.
#[derive(Clone, Copy)]
pub struct LocalNames<'a> {
    /// Whether a (lower-case) domain name is one the server accepts mail for.
    pub is_local_domain: &'a dyn Fn(&str) -> bool,
    /// The server's own host names (EHLO name, FQDN), lower-case.
    pub own_names: &'a [String],
    /// The server's own addresses, which an address literal may name.
    pub own_addresses: &'a [IpAddr],
    /// The domain a domainless recipient belongs to, where the flavour appends one.
    pub default_domain: Option<&'a str>,
}

/// Where a recipient goes, as the flavour resolves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Destination {
    /// A mailbox in a domain the server accepts; whether it exists is the server's check.
    Local {
        /// The accepted domain.
        domain: String,
        /// The local part after the flavour's rewriting.
        mailbox: String,
    },
    /// Outside the server's domains: taking it is relaying.
    Remote {
        /// Where the message would go (a name, or `[ip]`).
        domain: String,
        /// The flavour rewrote a local-looking path into this remote one (percent hack,
        /// bang path, dequoting): Postfix's `RESOLVE_FLAG_ROUTED`.
        routed: bool,
    },
    /// Addressed to the server itself by literal or host name, with a local part no mailbox
    /// has: taking it is relaying (for Exchange 2007+, which has no accepted domain for
    /// itself) but the message can only loop back and bounce.
    SelfAddressed {
        /// The literal or name.
        target: String,
    },
    /// Taken at RCPT as a local recipient that never resolves: the server sends an NDR
    /// later (Exchange 2003, KB Q304897). Never delivered to the trick's target.
    LocalThenNdr {
        /// Why it cannot be delivered.
        reason: String,
    },
    /// Refused as bad syntax.
    Invalid {
        /// What is wrong.
        reason: String,
    },
}

impl Destination {
    /// Whether taking this recipient means sending mail onwards to a domain the server
    /// does not serve.
    pub fn is_remote(&self) -> bool {
        matches!(self, Destination::Remote { .. })
    }
}

/// Resolves a path for `flavour`. This is the single place relay tricks are judged.
pub fn classify(path: &ForwardPath, flavour: Flavour, names: &LocalNames<'_>) -> Destination {
    match flavour {
        Flavour::Exchange => classify_exchange(path, names),
        Flavour::Exchange2003 => classify_2003(path, names),
        Flavour::Postfix => classify_postfix(path, names),
    }
}

fn invalid(reason: impl Into<String>) -> Destination {
    Destination::Invalid {
        reason: reason.into(),
    }
}

fn is_postmaster(path: &ForwardPath) -> bool {
    path.domain.is_none() && !path.quoted && path.local_part.eq_ignore_ascii_case("postmaster")
}

fn is_own_name(name: &str, names: &LocalNames<'_>) -> bool {
    names.own_names.iter().any(|n| n == name)
}

fn is_own_literal(ip: &IpAddr, names: &LocalNames<'_>) -> bool {
    names.own_addresses.contains(ip)
}

fn classify_exchange(path: &ForwardPath, names: &LocalNames<'_>) -> Destination {
    if is_postmaster(path)
        && let Some(d) = names.default_domain
    {
        return Destination::Local {
            domain: d.to_string(),
            mailbox: "postmaster".into(),
        };
    }
    // Exchange's address parser is strict: no domain, a bare `@` in the local part or a
    // trailing dot is `501 5.1.3 Invalid address`.
    if let Some(issue) = path.issues.first() {
        match issue {
            SyntaxIssue::NoDomain => return invalid("no domain"),
            SyntaxIssue::AtInLocalPart => return invalid("unquoted @ in the local part"),
            SyntaxIssue::TrailingDot => return invalid("domain ends with a dot"),
            SyntaxIssue::BadDots | SyntaxIssue::BadLocalChars => {
                return invalid("local part is not a valid dot-string");
            }
        }
    }
    match &path.domain {
        Some(MailDomain::Name(d)) if (names.is_local_domain)(d) => Destination::Local {
            domain: d.clone(),
            mailbox: path.local_part.clone(),
        },
        Some(MailDomain::Name(d)) if is_own_name(d, names) => {
            Destination::SelfAddressed { target: d.clone() }
        }
        Some(MailDomain::Name(d)) => Destination::Remote {
            domain: d.clone(),
            routed: false,
        },
        Some(lit @ MailDomain::Literal(ip)) if is_own_literal(ip, names) => {
            Destination::SelfAddressed {
                target: lit.to_string(),
            }
        }
        Some(lit @ MailDomain::Literal(_)) => Destination::Remote {
            domain: lit.to_string(),
            routed: false,
        },
        None => invalid("no domain"),
    }
}

fn classify_2003(path: &ForwardPath, names: &LocalNames<'_>) -> Destination {
    if path.issues.contains(&SyntaxIssue::AtInLocalPart) {
        return invalid("unquoted @ in the local part");
    }
    let local_tricky = path.quoted
        || path.local_part.contains('%')
        || path.local_part.contains('!')
        || path.local_part.contains('@');
    let local_target = match &path.domain {
        None => names.default_domain.map(str::to_string),
        Some(MailDomain::Name(d)) if (names.is_local_domain)(d) || is_own_name(d, names) => {
            Some(d.clone())
        }
        Some(lit @ MailDomain::Literal(ip)) if is_own_literal(ip, names) => Some(lit.to_string()),
        Some(other) => {
            return Destination::Remote {
                domain: other.to_string(),
                routed: false,
            };
        }
    };
    let Some(domain) = local_target else {
        return invalid("no domain and no default domain");
    };
    if local_tricky || path.domain.is_none() && !is_postmaster(path) {
        // KB Q304897: the SMTP service takes it as local and the categorizer bounces it.
        return Destination::LocalThenNdr {
            reason: format!(
                "`{}` is taken as a local recipient of {domain} and bounced (NDR) later",
                path.mailbox()
            ),
        };
    }
    Destination::Local {
        domain,
        mailbox: path.local_part.clone(),
    }
}

fn classify_postfix(path: &ForwardPath, names: &LocalNames<'_>) -> Destination {
    // resolve_dequoted_address: a quoted local part is read as its content, so
    // `"user@ext"` becomes `user@ext` and `"user@ext"@[ip]` becomes `user@ext@[ip]`.
    let mut address = match &path.domain {
        Some(d) => format!("{}@{d}", path.local_part),
        None => path.local_part.clone(),
    };
    // A dequoted local part that holds a routing operator is already a rewrite.
    let mut routed = path.quoted && path.local_part.contains(['@', '%', '!']);
    // trivial-rewrite's resolver: strip local domains from the right, then apply the
    // percent hack and the bang path swap, and repeat while the result is local.
    for _ in 0..8 {
        let (local, domain) = match address.rsplit_once('@') {
            Some((l, d)) => (l.to_string(), Some(d.to_ascii_lowercase())),
            None => (address.clone(), None),
        };
        let domain = domain.map(|d| d.trim_end_matches('.').to_string());
        let is_local = match &domain {
            None => true,
            Some(d) => postfix_is_local(d, names),
        };
        if !is_local {
            let Some(d) = domain else {
                return invalid("no domain");
            };
            if d.is_empty() {
                return invalid("nothing after the @");
            }
            return Destination::Remote { domain: d, routed };
        }
        if local.contains('@') {
            routed = true;
            address = local;
            continue;
        }
        if let Some((user, host)) = local.rsplit_once('%') {
            routed = true;
            address = format!("{user}@{host}");
            continue;
        }
        if let Some((host, user)) = local.split_once('!') {
            routed = true;
            address = format!("{user}@{host}");
            continue;
        }
        let domain = domain
            .or_else(|| names.default_domain.map(str::to_string))
            .unwrap_or_default();
        if routed {
            // allow_untrusted_routing = no: a routed address that ends up local is still
            // not an authorised destination for strangers; model it as remote-routed so
            // reject_unauth_destination sees it exactly as Postfix does.
            return Destination::Remote { domain, routed };
        }
        return Destination::Local {
            domain,
            mailbox: local,
        };
    }
    invalid("too many routing operators")
}

fn postfix_is_local(domain: &str, names: &LocalNames<'_>) -> bool {
    if let Some(lit) = domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
        let lit = lit.strip_prefix("ipv6:").unwrap_or(lit);
        return lit
            .parse::<IpAddr>()
            .is_ok_and(|ip| is_own_literal(&ip, names));
    }
    (names.is_local_domain)(domain) || is_own_name(domain, names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_forms() {
        let p = parse_path("<@a.example,@b.example:User@Example.NET>").unwrap();
        assert_eq!(p.source_route, vec!["a.example", "b.example"]);
        assert_eq!(p.domain, Some(MailDomain::Name("example.net".into())));
        assert_eq!(p.local_part, "User");
        let q = parse_path("<\"user@ext\"@[10.0.0.1]>").unwrap();
        assert!(q.quoted);
        assert_eq!(q.local_part, "user@ext");
        assert!(parse_path("<>").is_err());
        assert_eq!(parse_path("<user@>"), Err(PathError::TrailingAt));
        assert!(
            parse_path("<u@x@y>")
                .unwrap()
                .issues
                .contains(&SyntaxIssue::AtInLocalPart)
        );
        let long = format!("<{}@x.example>", "a".repeat(65));
        assert!(matches!(
            parse_path(&long),
            Err(PathError::TooLong {
                part: "local part",
                ..
            })
        ));
    }
}
