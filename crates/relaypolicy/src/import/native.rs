//! relaylab's own TOML form: every flavour, with the settings the exports lack (recipient
//! lists, Exchange 2003 dialogs, Postfix interfaces).

use std::net::IpAddr;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use crate::exchange::{
    AcceptedDomain, AdPermission, AuthMechanism, Binding, DomainType, ExchangeServer,
    ExchangeVersion, ExtendedRight, PermissionGroup, Principal, ReceiveConnector, RemoteRange,
};
use crate::exchange2003::{AccessList, ListEntry, ListMode, SmtpVirtualServer};
use crate::import::PolicySet;
use crate::import::error::{ImportError, ImportErrorKind};
use crate::policy::Server;
use crate::session::{Locator, Origin};

type S = Spanned<String>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    server: Vec<Spanned<ServerT>>,
    #[serde(default)]
    accepted_domain: Vec<Spanned<DomainT>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerT {
    name: S,
    flavour: S,
    version: Option<S>,
    specific_binding_wins_tie: Option<bool>,
    #[serde(default)]
    connector: Vec<Spanned<ConnectorT>>,
    #[serde(default)]
    permission: Vec<Spanned<PermissionT>>,
    #[serde(default)]
    accepted_domain: Vec<Spanned<DomainT>>,
    // Exchange 2003
    fqdn: Option<S>,
    #[serde(default)]
    local_domains: Vec<S>,
    relay_mode: Option<S>,
    #[serde(default)]
    relay_list: Vec<S>,
    relay_for_auth: Option<bool>,
    connection_mode: Option<S>,
    #[serde(default)]
    connection_list: Vec<S>,
    anonymous: Option<bool>,
    basic_auth: Option<bool>,
    integrated_auth: Option<bool>,
    // Postfix
    #[serde(default)]
    interfaces: Vec<S>,
    postconf: Option<S>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConnectorT {
    name: S,
    bindings: Option<Vec<S>>,
    remote_ip_ranges: Option<Vec<S>>,
    #[serde(default)]
    permission_groups: Vec<S>,
    #[serde(default)]
    auth_mechanism: Vec<S>,
    #[serde(default)]
    require_tls: bool,
    transport_role: Option<String>,
    max_message_size: Option<u64>,
    max_recipients_per_message: Option<usize>,
    banner: Option<String>,
    fqdn: Option<String>,
    #[serde(default)]
    bare_linefeed_rejection_enabled: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PermissionT {
    connector: String,
    user: String,
    extended_rights: Vec<String>,
    #[serde(default)]
    deny: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DomainT {
    domain: String,
    #[serde(rename = "type", default)]
    kind: Option<S>,
    #[serde(default)]
    default: bool,
    recipients: Option<Vec<String>>,
}

struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
    lines: Locator<'a>,
}

impl Ctx<'_> {
    fn origin(&self, span: Range<usize>) -> Option<Origin> {
        Some(self.lines.origin(self.file, span.start))
    }
    fn value_err(&self, s: &S, property: &str, expected: &str) -> ImportError {
        ImportError::new(
            self.file,
            self.text,
            s.span(),
            ImportErrorKind::Value {
                property: property.into(),
                value: s.get_ref().clone(),
                expected: expected.into(),
            },
        )
    }
}

/// Reads the native TOML form.
pub fn parse_native(text: &str, file: &str) -> Result<PolicySet, ImportError> {
    let f: File = toml::from_str(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        ImportError::new(
            file,
            text,
            span,
            ImportErrorKind::Toml {
                message: e.message().to_string(),
            },
        )
    })?;
    let ctx = Ctx {
        file,
        text,
        lines: Locator::new(text),
    };
    let mut set = PolicySet::default();
    for d in &f.accepted_domain {
        set.accepted_domains.push(domain(&ctx, d)?);
    }
    for s in &f.server {
        set.servers.push(server(&ctx, s)?);
    }
    Ok(set)
}

fn domain(ctx: &Ctx<'_>, d: &Spanned<DomainT>) -> Result<AcceptedDomain, ImportError> {
    let v = d.get_ref();
    let kind = match &v.kind {
        None => DomainType::Authoritative,
        Some(k) => match k.get_ref().to_ascii_lowercase().as_str() {
            "authoritative" => DomainType::Authoritative,
            "internalrelay" => DomainType::InternalRelay,
            "externalrelay" => DomainType::ExternalRelay,
            _ => {
                return Err(ctx.value_err(
                    k,
                    "type",
                    "Authoritative, InternalRelay, ExternalRelay",
                ));
            }
        },
    };
    Ok(AcceptedDomain {
        domain: v.domain.trim().to_ascii_lowercase(),
        kind,
        recipients: v
            .recipients
            .as_ref()
            .map(|r| r.iter().map(|s| s.to_ascii_lowercase()).collect()),
        default: v.default,
        origin: ctx.origin(d.span()),
    })
}

fn server(ctx: &Ctx<'_>, s: &Spanned<ServerT>) -> Result<Server, ImportError> {
    let v = s.get_ref();
    let name = v.name.get_ref().clone();
    match v.flavour.get_ref().to_ascii_lowercase().as_str() {
        "exchange" => {
            let mut ex = ExchangeServer::new(&name);
            if let Some(ver) = &v.version {
                ex.version = match ver.get_ref().as_str() {
                    "2007" | "2010" => ExchangeVersion::Ex2010,
                    "2013" | "2016" | "2019" | "se" | "SE" => ExchangeVersion::Ex2013,
                    _ => {
                        return Err(ctx.value_err(
                            ver,
                            "version",
                            "2007, 2010, 2013, 2016, 2019, SE",
                        ));
                    }
                };
            }
            if let Some(b) = v.specific_binding_wins_tie {
                ex.selection.specific_binding_wins_tie = b;
            }
            for c in &v.connector {
                let mut rc = connector(ctx, c)?;
                rc.server = Some(name.clone());
                ex.connectors.push(rc);
            }
            for p in &v.permission {
                let pv = p.get_ref();
                for r in &pv.extended_rights {
                    if let Some(meant) = ExtendedRight::near_miss(r) {
                        // The table's span may be its header alone: look for the name after it.
                        let from = p.span().start;
                        let at = ctx.text[from..]
                            .find(r.as_str())
                            .map_or(p.span(), |i| from + i..from + i + r.len());
                        return Err(ImportError::new(
                            ctx.file,
                            ctx.text,
                            at,
                            ImportErrorKind::Value {
                                property: "extended_rights".into(),
                                value: r.clone(),
                                expected: format!(
                                    "the extended rights Exchange knows (did you mean {}?)",
                                    meant.name()
                                ),
                            },
                        )
                        .with_hint("Add-ADPermission refuses an extended right it does not know; relaylab would read this one as granting nothing"));
                    }
                }
                ex.permissions.push(AdPermission {
                    connector: pv.connector.clone(),
                    server: None,
                    user: Principal::parse(&pv.user),
                    rights: pv
                        .extended_rights
                        .iter()
                        .map(|r| ExtendedRight::parse(r))
                        .collect(),
                    deny: pv.deny,
                    origin: ctx.origin(p.span()),
                });
            }
            for d in &v.accepted_domain {
                ex.accepted_domains.push(domain(ctx, d)?);
            }
            Ok(Server::Exchange(ex))
        }
        "exchange2003" => {
            let fqdn = v.fqdn.as_ref().map_or_else(
                || name.to_ascii_lowercase(),
                |f| f.get_ref().to_ascii_lowercase(),
            );
            let mut sv = SmtpVirtualServer::new(&name, &fqdn);
            sv.origin = ctx.origin(s.span());
            sv.local_domains = v
                .local_domains
                .iter()
                .map(|d| d.get_ref().to_ascii_lowercase())
                .collect();
            let list = |mode: &Option<S>,
                        entries: &[S],
                        default: AccessList|
             -> Result<AccessList, ImportError> {
                let mut l = default;
                if let Some(m) = mode {
                    l.mode = match m.get_ref().as_str() {
                        "only_list" => ListMode::OnlyList,
                        "all_except_list" => ListMode::AllExceptList,
                        _ => return Err(ctx.value_err(m, "mode", "only_list, all_except_list")),
                    };
                    l.origin = ctx.origin(m.span());
                }
                for e in entries {
                    let mut le = ListEntry::parse(e.get_ref()).map_err(|source| {
                        ImportError::new(
                            ctx.file,
                            ctx.text,
                            e.span(),
                            ImportErrorKind::Address {
                                property: "list entry".into(),
                                source,
                            },
                        )
                        .with_hint(
                            "entries are an IP, \"IP mask\" (10.1.2.0 255.255.255.0) or a domain",
                        )
                    })?;
                    le.origin = ctx.origin(e.span());
                    l.entries.push(le);
                }
                Ok(l)
            };
            sv.relay = list(&v.relay_mode, &v.relay_list, AccessList::no_one())?;
            sv.connection = list(
                &v.connection_mode,
                &v.connection_list,
                AccessList::everyone(),
            )?;
            if let Some(b) = v.relay_for_auth {
                sv.relay_for_auth = b;
            }
            if let Some(b) = v.anonymous {
                sv.anonymous = b;
            }
            if let Some(b) = v.basic_auth {
                sv.basic_auth = b;
            }
            if let Some(b) = v.integrated_auth {
                sv.integrated_auth = b;
            }
            Ok(Server::Exchange2003(sv))
        }
        "postfix" => {
            let mut ifaces: Vec<(IpAddr, u8)> = Vec::new();
            for i in &v.interfaces {
                let parsed = i.get_ref().split_once('/').and_then(|(a, l)| {
                    let a: IpAddr = a.trim_matches(['[', ']']).parse().ok()?;
                    let l: u8 = l.parse().ok()?;
                    (l <= if a.is_ipv4() { 32 } else { 128 }).then_some((a, l))
                });
                ifaces.push(parsed.ok_or_else(|| {
                    ctx.value_err(
                        i,
                        "interfaces",
                        "address/prefix-length such as 10.0.1.13/24",
                    )
                })?);
            }
            let mut pf = match &v.postconf {
                Some(pc) => {
                    let span = pc.span();
                    let raw = &ctx.text[span.clone()];
                    if raw.starts_with("'''") {
                        // A literal string: its text is the file's text, so spans stay exact.
                        let mut start = span.start + 3;
                        if ctx.text[start..].starts_with("\r\n") {
                            start += 2;
                        } else if ctx.text[start..].starts_with('\n') {
                            start += 1;
                        }
                        crate::import::postconf::parse_region(
                            ctx.text,
                            ctx.file,
                            start..span.end - 3,
                            &ifaces,
                        )?
                    } else {
                        let inner = format!("{}#postconf", ctx.file);
                        crate::import::postconf::parse_postconf(pc.get_ref(), &inner, &ifaces)?
                    }
                }
                None => {
                    let mut p = crate::postfix::PostfixServer::new(&name, &name);
                    p.interfaces = ifaces;
                    p
                }
            };
            pf.name = name;
            pf.origin = ctx.origin(s.span());
            Ok(Server::Postfix(pf))
        }
        _ => Err(ctx.value_err(&v.flavour, "flavour", "exchange, exchange2003, postfix")),
    }
}

fn connector(ctx: &Ctx<'_>, c: &Spanned<ConnectorT>) -> Result<ReceiveConnector, ImportError> {
    let v = c.get_ref();
    let mut rc = ReceiveConnector::new(v.name.get_ref());
    rc.origin = ctx.origin(c.span());
    if let Some(bs) = &v.bindings {
        rc.bindings.clear();
        for b in bs {
            let mut binding = Binding::parse(b.get_ref()).ok_or_else(|| {
                ctx.value_err(b, "bindings", "IP:port such as 0.0.0.0:25 or [::]:25")
            })?;
            binding.origin = ctx.origin(b.span());
            rc.bindings.push(binding);
        }
    }
    if let Some(rs) = &v.remote_ip_ranges {
        rc.remote_ranges.clear();
        for r in rs {
            let mut range = RemoteRange::parse(r.get_ref()).map_err(|source| {
                ImportError::new(
                    ctx.file,
                    ctx.text,
                    r.span(),
                    ImportErrorKind::Address {
                        property: "remote_ip_ranges".into(),
                        source,
                    },
                )
            })?;
            range.origin = ctx.origin(r.span());
            rc.remote_ranges.push(range);
        }
    }
    for g in &v.permission_groups {
        if g.get_ref().eq_ignore_ascii_case("none") {
            continue;
        }
        rc.permission_groups.push(PermissionGroup::from_name(g.get_ref()).ok_or_else(|| ctx.value_err(g, "permission_groups", "AnonymousUsers, ExchangeUsers, ExchangeServers, ExchangeLegacyServers, Partners, Custom"))?);
    }
    for m in &v.auth_mechanism {
        if m.get_ref().eq_ignore_ascii_case("none") {
            continue;
        }
        rc.auth.push(AuthMechanism::from_name(m.get_ref()).ok_or_else(|| ctx.value_err(m, "auth_mechanism", "Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer, ExternalAuthoritative"))?);
    }
    rc.require_tls = v.require_tls;
    rc.transport_role = v.transport_role.clone();
    if v.max_message_size.is_some() {
        rc.max_message_size = v.max_message_size;
    }
    if v.max_recipients_per_message.is_some() {
        rc.max_recipients = v.max_recipients_per_message;
    }
    rc.banner = v.banner.clone();
    rc.fqdn = v.fqdn.as_ref().map(|f| f.to_ascii_lowercase());
    rc.bare_linefeed_rejection = v.bare_linefeed_rejection_enabled;
    Ok(rc)
}
