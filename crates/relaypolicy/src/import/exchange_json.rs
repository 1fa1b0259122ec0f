//! `Get-ReceiveConnector`, `Get-ADPermission` and `Get-AcceptedDomain` piped to
//! `ConvertTo-Json`, in both the shapes PowerShell writes: values as strings (remote
//! sessions, `Select` with string conversion) or as objects (local Exchange Management Shell).

use std::ops::Range;

use crate::exchange::{
    AcceptedDomain, AdPermission, AuthMechanism, Binding, DomainType, ExtendedRight,
    PermissionGroup, Principal, ReceiveConnector, RemoteRange,
};
use crate::import::error::{ImportError, ImportErrorKind, offset_of};
use crate::import::jsonspan::{self, J, Node};
use crate::session::{Locator, Origin};

pub(crate) struct Ctx<'a> {
    pub file: &'a str,
    pub text: &'a str,
    pub lines: Locator<'a>,
}

impl Ctx<'_> {
    fn err(&self, span: Range<usize>, kind: ImportErrorKind) -> ImportError {
        // ConvertTo-Json's default -Depth 2 writes deeper objects as their type name.
        let truncated = matches!(&kind, ImportErrorKind::Value { value, .. } if value.starts_with("Microsoft.") || value.starts_with("System."));
        let e = ImportError::new(self.file, self.text, span, kind);
        if truncated {
            e.with_hint("this is a .NET type name: ConvertTo-Json cut the object at its default depth; export again with `ConvertTo-Json -Depth 5`")
        } else {
            e
        }
    }

    fn origin(&self, span: &Range<usize>) -> Origin {
        self.lines.origin(self.file, span.start)
    }

    pub(crate) fn misspelt_right(
        &self,
        name: &str,
        meant: &ExtendedRight,
        span: Range<usize>,
    ) -> ImportError {
        self.err(
            span,
            ImportErrorKind::Value {
                property: "ExtendedRights".into(),
                value: name.to_string(),
                expected: format!("the extended rights Exchange knows (did you mean {}?)", meant.name()),
            },
        )
        .with_hint("Add-ADPermission refuses an extended right it does not know; relaylab would read this one as granting nothing")
    }

    fn expected(&self, prop: &str, expected: &'static str, n: &Node) -> ImportError {
        self.err(
            n.span.clone(),
            ImportErrorKind::Expected {
                property: prop.to_string(),
                expected,
                found: n.type_name(),
            },
        )
    }
}

/// Checks the syntax with serde_json (whose line and column are reported) and reads the
/// spanned tree.
pub(crate) fn read_tree(file: &str, text: &str) -> Result<Node, ImportError> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(body) {
        let bom = text.len() - body.len();
        let off = bom + offset_of(body, e.line(), e.column());
        let msg = e.to_string();
        let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
        return Err(ImportError::new(file, text, off..off + 1, ImportErrorKind::Json { message: msg })
            .with_hint("the file should be the output of `... | ConvertTo-Json` (PowerShell); check for truncated or hand-edited text"));
    }
    jsonspan::parse(text).map_err(|why| match why {
        jsonspan::Unread::TooDeep(at) => ImportError::new(
            file,
            text,
            at..at + 1,
            ImportErrorKind::Json {
                message: format!(
                    "arrays and objects nested deeper than {} levels",
                    jsonspan::MAX_JSON_DEPTH
                ),
            },
        )
        .with_hint("exports of Get-ReceiveConnector, Get-ADPermission and Get-AcceptedDomain nest a few levels; is this the right file?"),
        jsonspan::Unread::Syntax => ImportError::new(
            file,
            text,
            0..0,
            ImportErrorKind::Json {
                message: "unreadable JSON".into(),
            },
        ),
    })
}

/// The objects of an export: an array of objects, or one object (ConvertTo-Json of a
/// single result).
pub(crate) fn objects(root: &Node) -> Vec<&Node> {
    match &root.v {
        J::Arr(a) => a.iter().collect(),
        J::Obj(_) => vec![root],
        _ => Vec::new(),
    }
}

/// `{"Value": x}` (and `value`) wrappers around enums and sizes: look through them.
fn unwrap_value(n: &Node) -> &Node {
    match &n.v {
        J::Obj(m) if m.len() <= 3 => n.get("Value").map_or(n, unwrap_value),
        _ => n,
    }
}

/// A string property, from a string, a number, or an object with a usual name key.
fn text_of(n: &Node) -> Option<String> {
    let n = unwrap_value(n);
    match &n.v {
        J::Str(s) => Some(s.clone()),
        J::Num(s) => Some(s.clone()),
        J::Bool(b) => Some(b.to_string()),
        J::Obj(_) => n
            .get_any(&[
                "IPAddressToString",
                "RawIdentity",
                "Expression",
                "Name",
                "Domain",
                "Address",
                "DisplayName",
            ])
            .and_then(text_of),
        _ => None,
    }
}

/// A list property: an array, a comma-separated string (possibly in `{}`), or a wrapper.
fn list_of(n: &Node) -> Vec<&Node> {
    let n = unwrap_value(n);
    match &n.v {
        J::Arr(a) => a.iter().collect(),
        J::Null => Vec::new(),
        _ => vec![n],
    }
}

fn split_words(s: &str) -> Vec<String> {
    s.trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .split(',')
        .map(|w| w.trim().to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

fn bool_of(ctx: &Ctx<'_>, prop: &str, n: &Node) -> Result<bool, ImportError> {
    let n = unwrap_value(n);
    match &n.v {
        J::Bool(b) => Ok(*b),
        J::Str(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        J::Str(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        J::Null => Ok(false),
        _ => Err(ctx.expected(prop, "true or false", n)),
    }
}

/// Sizes: `36 MB (37,748,736 bytes)`, `Unlimited`, a number, or
/// `{"IsUnlimited": false, "Value": "..."}`.
fn size_of(ctx: &Ctx<'_>, prop: &str, n: &Node) -> Result<Option<u64>, ImportError> {
    if let Some(u) = n.get("IsUnlimited")
        && matches!(u.v, J::Bool(true))
    {
        return Ok(None);
    }
    let inner = unwrap_value(n);
    let inner = inner.get_any(&["ToBytes", "Value"]).unwrap_or(inner);
    let Some(s) = text_of(inner) else {
        return Err(ctx.expected(prop, "a size such as \"36 MB (37,748,736 bytes)\"", n));
    };
    if s.eq_ignore_ascii_case("unlimited") {
        return Ok(None);
    }
    let digits = match s.split_once('(') {
        Some((_, b)) => b.split_whitespace().next().unwrap_or("").replace(',', ""),
        None => s.replace(',', "").trim().to_string(),
    };
    digits
        .parse::<u64>()
        .map(Some)
        .map_err(|_| ctx.expected(prop, "a size such as \"36 MB (37,748,736 bytes)\"", n))
}

fn flags<T: Copy>(
    ctx: &Ctx<'_>,
    prop: &str,
    n: &Node,
    from_name: fn(&str) -> Option<T>,
    from_bits: fn(u64) -> Option<Vec<T>>,
    vocabulary: &str,
) -> Result<Vec<T>, ImportError> {
    let mut out = Vec::new();
    for item in list_of(n) {
        let item = unwrap_value(item);
        let bad = |v: String| {
            ctx.err(
                item.span.clone(),
                ImportErrorKind::Value {
                    property: prop.to_string(),
                    value: v,
                    expected: vocabulary.to_string(),
                },
            )
        };
        match &item.v {
            J::Num(s) => {
                let bits: u64 = s.parse().map_err(|_| bad(s.clone()))?;
                out.extend(from_bits(bits).ok_or_else(|| bad(s.clone()))?);
            }
            J::Str(s) => {
                for w in split_words(s) {
                    if w.eq_ignore_ascii_case("none") {
                        continue;
                    }
                    if let Ok(bits) = w.parse::<u64>() {
                        out.extend(from_bits(bits).ok_or_else(|| bad(w.clone()))?);
                        continue;
                    }
                    out.push(from_name(&w).ok_or_else(|| bad(w.clone()))?);
                }
            }
            _ => {
                return Err(ctx.expected(
                    prop,
                    "flag names (\"A, B\"), an integer or {\"Value\": ...}",
                    item,
                ));
            }
        }
    }
    Ok(out)
}

fn binding_of(ctx: &Ctx<'_>, n: &Node) -> Result<Vec<Binding>, ImportError> {
    let mut out = Vec::new();
    for item in list_of(n) {
        let origin = Some(ctx.origin(&item.span));
        let bad = |v: String| {
            ctx.err(
                item.span.clone(),
                ImportErrorKind::Value {
                    property: "Bindings".into(),
                    value: v,
                    expected: "IP:port such as 0.0.0.0:25 or [::]:25".into(),
                },
            )
        };
        match &item.v {
            J::Str(s) => {
                for w in split_words(s) {
                    let mut b = Binding::parse(&w).ok_or_else(|| bad(w.clone()))?;
                    b.origin = origin.clone();
                    out.push(b);
                }
            }
            J::Obj(_) => {
                let addr = item.get("Address").and_then(text_of);
                let port = item.get("Port").and_then(text_of);
                let (Some(addr), Some(port)) = (addr, port) else {
                    return Err(ctx.err(
                        item.span.clone(),
                        ImportErrorKind::Missing {
                            property: "Address/Port",
                            object: "binding object",
                        },
                    ));
                };
                let text = if addr.contains(':') {
                    format!("[{addr}]:{port}")
                } else {
                    format!("{addr}:{port}")
                };
                let mut b = Binding::parse(&text).ok_or_else(|| bad(text.clone()))?;
                b.origin = origin;
                out.push(b);
            }
            _ => {
                return Err(ctx.expected(
                    "Bindings",
                    "\"IP:port\" strings or {Address, Port} objects",
                    item,
                ));
            }
        }
    }
    Ok(out)
}

fn ranges_of(ctx: &Ctx<'_>, n: &Node) -> Result<Vec<RemoteRange>, ImportError> {
    let mut out = Vec::new();
    for item in list_of(n) {
        let texts: Vec<String> = match &item.v {
            J::Str(s) => split_words(s),
            J::Obj(_) => {
                if let Some(e) = item.get("Expression").and_then(text_of) {
                    vec![e]
                } else {
                    let lo = item.get("LowerBound").and_then(text_of);
                    let hi = item.get("UpperBound").and_then(text_of);
                    let cidr = item.get_any(&["CIDRLength", "Netmask"]).and_then(text_of);
                    match (lo, hi) {
                        (Some(lo), _) if cidr.is_some() => {
                            vec![format!("{lo}/{}", cidr.unwrap_or_default())]
                        }
                        (Some(lo), None) => vec![lo],
                        (Some(lo), Some(hi)) if lo == hi => vec![lo],
                        (Some(lo), Some(hi)) => vec![format!("{lo}-{hi}")],
                        _ => {
                            return Err(ctx.err(
                                item.span.clone(),
                                ImportErrorKind::Missing {
                                    property: "Expression or LowerBound/UpperBound",
                                    object: "RemoteIPRanges object",
                                },
                            ));
                        }
                    }
                }
            }
            _ => {
                return Err(ctx.expected(
                    "RemoteIPRanges",
                    "range strings or {LowerBound, UpperBound, Expression} objects",
                    item,
                ));
            }
        };
        for t in texts {
            let mut r = RemoteRange::parse(&t).map_err(|source| {
                ctx.err(
                    item.span.clone(),
                    ImportErrorKind::Address {
                        property: "RemoteIPRanges".into(),
                        source,
                    },
                )
                .with_hint("Exchange writes single IPs, a-b ranges and CIDRs (192.168.1.0/24)")
            })?;
            r.origin = Some(ctx.origin(&item.span));
            out.push(r);
        }
    }
    Ok(out)
}

fn transport_role(n: &Node) -> Option<String> {
    let t = text_of(n)?;
    // ServerRole flag values as Exchange serialises them when not a string.
    Some(match t.as_str() {
        "32" => "HubTransport".into(),
        "16384" => "FrontendTransport".into(),
        _ => t,
    })
}

/// Reads `Get-ReceiveConnector | ConvertTo-Json`.
pub fn receive_connectors(text: &str, file: &str) -> Result<Vec<ReceiveConnector>, ImportError> {
    let ctx = Ctx {
        file,
        text,
        lines: Locator::new(text),
    };
    let root = read_tree(file, text)?;
    let mut out = Vec::new();
    for obj in objects(&root) {
        out.push(connector_of(&ctx, obj)?);
    }
    Ok(out)
}

pub(crate) fn connector_of(ctx: &Ctx<'_>, obj: &Node) -> Result<ReceiveConnector, ImportError> {
    if !matches!(obj.v, J::Obj(_)) {
        return Err(ctx.expected("receive connector", "an object", obj));
    }
    let name = obj
        .get("Name")
        .and_then(text_of)
        .or_else(|| {
            obj.get("Identity")
                .and_then(text_of)
                .map(|i| i.rsplit('\\').next().unwrap_or(&i).to_string())
        })
        .ok_or_else(|| {
            ctx.err(
                obj.span.clone(),
                ImportErrorKind::Missing {
                    property: "Name",
                    object: "receive connector",
                },
            )
        })?;
    let mut c = ReceiveConnector::new(&name);
    c.origin = Some(ctx.origin(&obj.span));
    c.server = obj.get("Server").and_then(text_of).or_else(|| {
        obj.get("Identity")
            .and_then(text_of)
            .and_then(|i| i.split_once('\\').map(|(s, _)| s.to_string()))
    });
    if let Some(n) = obj.get("Bindings") {
        c.bindings = binding_of(ctx, n)?;
    }
    if let Some(n) = obj.get("RemoteIPRanges") {
        c.remote_ranges = ranges_of(ctx, n)?;
    }
    if let Some(n) = obj.get("PermissionGroups") {
        c.permission_groups = flags(
            ctx,
            "PermissionGroups",
            n,
            PermissionGroup::from_name,
            PermissionGroup::from_bits,
            "None, AnonymousUsers, ExchangeUsers, ExchangeServers, ExchangeLegacyServers, Partners, Custom",
        )?;
    }
    if let Some(n) = obj.get("AuthMechanism") {
        c.auth = flags(
            ctx,
            "AuthMechanism",
            n,
            AuthMechanism::from_name,
            AuthMechanism::from_bits,
            "None, Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer, ExternalAuthoritative",
        )?;
    }
    if let Some(n) = obj.get("RequireTLS") {
        c.require_tls = bool_of(ctx, "RequireTLS", n)?;
    }
    if let Some(n) = obj.get("BareLinefeedRejectionEnabled") {
        c.bare_linefeed_rejection = bool_of(ctx, "BareLinefeedRejectionEnabled", n)?;
    }
    if let Some(n) = obj.get_any(&["TransportRole"]) {
        c.transport_role = transport_role(n);
    }
    if let Some(n) = obj.get("MaxMessageSize") {
        c.max_message_size = size_of(ctx, "MaxMessageSize", n)?;
    }
    if let Some(n) = obj.get("MaxRecipientsPerMessage") {
        c.max_recipients = match text_of(n) {
            Some(s) if s.eq_ignore_ascii_case("unlimited") => None,
            Some(s) => Some(
                s.trim()
                    .parse()
                    .map_err(|_| ctx.expected("MaxRecipientsPerMessage", "a number", n))?,
            ),
            None => None,
        };
    }
    if let Some(n) = obj.get_any(&["Banner"]) {
        c.banner = text_of(n);
    }
    if let Some(n) = obj.get_any(&["Fqdn"]) {
        c.fqdn = text_of(n).map(|s| s.to_ascii_lowercase());
    }
    Ok(c)
}

/// Splits a connector Identity into server and connector: `EX1\Relay`, or an ADObjectId
/// object whose DistinguishedName is `CN=Relay,CN=SMTP Receive Connectors,CN=Protocols,CN=EX1,...`.
fn identity_of(n: &Node) -> Option<(Option<String>, String)> {
    if let Some(dn) = n.get("DistinguishedName").and_then(text_of) {
        let cns: Vec<&str> = dn
            .split(',')
            .filter_map(|p| p.trim().strip_prefix("CN="))
            .collect();
        if let Some(first) = cns.first() {
            let server = cns
                .iter()
                .position(|c| c.eq_ignore_ascii_case("Protocols"))
                .and_then(|i| cns.get(i + 1))
                .map(|s| s.to_string());
            return Some((server, first.to_string()));
        }
    }
    let t = text_of(n)?;
    Some(match t.split_once('\\') {
        Some((s, c)) => (Some(s.to_string()), c.to_string()),
        None => (None, t),
    })
}

/// Reads `Get-ADPermission -Identity <connector> | ConvertTo-Json`.
pub fn ad_permissions(text: &str, file: &str) -> Result<Vec<AdPermission>, ImportError> {
    let ctx = Ctx {
        file,
        text,
        lines: Locator::new(text),
    };
    let root = read_tree(file, text)?;
    let mut out = Vec::new();
    for obj in objects(&root) {
        out.push(permission_of(&ctx, obj)?);
    }
    Ok(out)
}

pub(crate) fn permission_of(ctx: &Ctx<'_>, obj: &Node) -> Result<AdPermission, ImportError> {
    let missing = |p| {
        ctx.err(
            obj.span.clone(),
            ImportErrorKind::Missing {
                property: p,
                object: "AD permission entry",
            },
        )
    };
    let ident = obj.get("Identity").ok_or_else(|| missing("Identity"))?;
    let (server, connector) = identity_of(ident).ok_or_else(|| {
        ctx.expected(
            "Identity",
            "a connector identity such as \"EX1\\Relay\"",
            ident,
        )
    })?;
    let user_n = obj.get("User").ok_or_else(|| missing("User"))?;
    let user = text_of(user_n).ok_or_else(|| {
        ctx.expected(
            "User",
            "a principal such as \"NT AUTHORITY\\ANONYMOUS LOGON\"",
            user_n,
        )
    })?;
    let mut rights = Vec::new();
    let right = |name: &str, at: &Node| match ExtendedRight::near_miss(name) {
        Some(meant) => Err(ctx.misspelt_right(name, &meant, at.span.clone())),
        None => Ok(ExtendedRight::parse(name)),
    };
    if let Some(n) = obj.get("ExtendedRights") {
        for item in list_of(n) {
            match &unwrap_value(item).v {
                J::Str(s) => {
                    for w in split_words(s) {
                        rights.push(right(&w, unwrap_value(item))?);
                    }
                }
                _ => match text_of(item) {
                    Some(s) => rights.push(right(&s, item)?),
                    None => {
                        return Err(ctx.expected(
                            "ExtendedRights",
                            "right names or {RawIdentity} objects",
                            item,
                        ));
                    }
                },
            }
        }
    }
    if let Some(n) = obj.get("AccessRights") {
        let words: Vec<String> = list_of(n)
            .iter()
            .filter_map(|i| text_of(i))
            .flat_map(|s| split_words(&s))
            .collect();
        if words.iter().any(|w| w.eq_ignore_ascii_case("GenericAll"))
            || (rights.is_empty()
                && words
                    .iter()
                    .any(|w| w.eq_ignore_ascii_case("ExtendedRight")))
        {
            rights = ExtendedRight::all();
        }
    }
    let deny = match obj.get("Deny") {
        Some(n) => bool_of(ctx, "Deny", n)?,
        None => false,
    };
    Ok(AdPermission {
        connector,
        server,
        user: Principal::parse(&user),
        rights,
        deny,
        origin: Some(ctx.origin(&obj.span)),
    })
}

/// Reads `Get-AcceptedDomain | ConvertTo-Json`. A `Recipients` array (a relaylab
/// extension) lists known recipients.
pub fn accepted_domains(text: &str, file: &str) -> Result<Vec<AcceptedDomain>, ImportError> {
    let ctx = Ctx {
        file,
        text,
        lines: Locator::new(text),
    };
    let root = read_tree(file, text)?;
    let mut out = Vec::new();
    for obj in objects(&root) {
        out.push(domain_of(&ctx, obj)?);
    }
    Ok(out)
}

fn domain_of(ctx: &Ctx<'_>, obj: &Node) -> Result<AcceptedDomain, ImportError> {
    let n = obj.get_any(&["DomainName", "Name"]).ok_or_else(|| {
        ctx.err(
            obj.span.clone(),
            ImportErrorKind::Missing {
                property: "DomainName",
                object: "accepted domain",
            },
        )
    })?;
    let domain = match (
        n.get("Address").and_then(text_of),
        n.get("Domain").and_then(text_of),
    ) {
        (Some(a), _) => a,
        (None, Some(d))
            if n.get("IncludeSubDomains")
                .is_some_and(|b| b.v == J::Bool(true)) =>
        {
            format!("*.{d}")
        }
        (None, Some(d)) => d,
        _ => text_of(n)
            .ok_or_else(|| ctx.expected("DomainName", "a domain such as \"contoso.com\"", n))?,
    };
    let kind = match obj.get("DomainType") {
        None => DomainType::Authoritative,
        Some(t) => match text_of(t).unwrap_or_default().to_ascii_lowercase().as_str() {
            "authoritative" | "0" => DomainType::Authoritative,
            "externalrelay" | "1" => DomainType::ExternalRelay,
            "internalrelay" | "2" => DomainType::InternalRelay,
            other => {
                return Err(ctx.err(
                    t.span.clone(),
                    ImportErrorKind::Value {
                        property: "DomainType".into(),
                        value: other.into(),
                        expected: "Authoritative, InternalRelay, ExternalRelay".into(),
                    },
                ));
            }
        },
    };
    let default = match obj.get("Default") {
        Some(n) => bool_of(ctx, "Default", n)?,
        None => false,
    };
    let recipients = obj.get("Recipients").map(|n| {
        list_of(n)
            .iter()
            .filter_map(|i| text_of(i))
            .map(|s| s.to_ascii_lowercase())
            .collect()
    });
    Ok(AcceptedDomain {
        domain: domain.trim().to_ascii_lowercase(),
        kind,
        recipients,
        default,
        origin: Some(ctx.origin(&obj.span)),
    })
}

/// Which export a JSON document is, judged by the properties of its first object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    /// Get-ReceiveConnector.
    ReceiveConnectors,
    /// Get-ADPermission.
    AdPermissions,
    /// Get-AcceptedDomain.
    AcceptedDomains,
}

pub(crate) fn sniff(root: &Node) -> Option<ExportKind> {
    let first = objects(root).into_iter().next()?;
    if first.get("Bindings").is_some()
        || first.get("RemoteIPRanges").is_some()
        || first.get("PermissionGroups").is_some()
    {
        Some(ExportKind::ReceiveConnectors)
    } else if first.get("ExtendedRights").is_some() || first.get("User").is_some() {
        Some(ExportKind::AdPermissions)
    } else if first.get("DomainType").is_some() || first.get("DomainName").is_some() {
        Some(ExportKind::AcceptedDomains)
    } else {
        None
    }
}
