//! Exchange 2007 and later: receive connectors, the rights their permission groups and AD
//! permissions grant, accepted domains, connector selection and the reply to each step.

use std::fmt;
use std::net::IpAddr;

use addrspace::{Addr, AddrSet, Domain};
use serde::Serialize;

use crate::recipient::{self, Destination, Flavour, LocalNames};
use crate::session::{
    Decision, Effect, Endpoint, Identity, Origin, Reply, SessionState, Step, Trace, TraceKind,
};

/// Which reply texts Exchange uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub enum ExchangeVersion {
    /// Exchange 2007 and 2010: `550 5.7.1 Unable to relay`.
    Ex2010,
    /// Exchange 2013 and later: `550 5.7.54 SMTP; Unable to relay recipient in non-accepted
    /// domain`.
    #[default]
    Ex2013,
}

/// Connector selection settings that DOMAIN.md marks UNCONFIRMED.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SelectionSettings {
    /// UNCONFIRMED: when two connectors' ranges are equally specific for the remote address,
    /// a connector bound to the specific local IP beats one bound to `0.0.0.0`/`[::]`.
    /// When false, such a tie is ambiguous and reported as such.
    pub specific_binding_wins_tie: bool,
}

impl Default for SelectionSettings {
    fn default() -> SelectionSettings {
        SelectionSettings {
            specific_binding_wins_tie: true,
        }
    }
}

/// A local binding: an IP (or the wildcard of a family) and a port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Binding {
    /// The IP; `0.0.0.0` or `::` means every local address of that family.
    pub ip: IpAddr,
    /// The port.
    pub port: u16,
    /// Where it was read.
    pub origin: Option<Origin>,
}

impl Binding {
    /// Parses `0.0.0.0:25`, `[::]:25`, `10.0.1.11:25`.
    pub fn parse(text: &str) -> Option<Binding> {
        let t = text.trim();
        let (ip, port) = if let Some(rest) = t.strip_prefix('[') {
            let (ip, port) = rest.split_once("]:")?;
            (ip, port)
        } else {
            t.rsplit_once(':')?
        };
        Some(Binding {
            ip: ip.parse().ok()?,
            port: port.parse().ok()?,
            origin: None,
        })
    }

    /// Whether it listens on every address of its family.
    pub fn is_wildcard(&self) -> bool {
        self.ip.is_unspecified()
    }

    /// Whether a connection to `local` arrives on this binding.
    pub fn matches(&self, local: &Endpoint) -> bool {
        if self.port != local.port {
            return false;
        }
        let local_ip = local.addr.ip;
        if self.is_wildcard() {
            self.ip.is_ipv4() == local_ip.is_ipv4()
        } else {
            Addr::new(self.ip) == Addr::new(local_ip)
        }
    }

    /// Whether two bindings listen on a common IP:port.
    pub fn overlaps(&self, other: &Binding) -> bool {
        self.port == other.port
            && self.ip.is_ipv4() == other.ip.is_ipv4()
            && (self.ip == other.ip || self.is_wildcard() || other.is_wildcard())
    }
}

impl fmt::Display for Binding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.ip {
            IpAddr::V6(v6) => write!(f, "[{v6}]:{}", self.port),
            IpAddr::V4(v4) => write!(f, "{v4}:{}", self.port),
        }
    }
}

/// One RemoteIPRanges entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemoteRange {
    /// As written (`192.168.1.0/24`, `10.0.0.1-10.0.0.9`, `2001:db8::/32`).
    pub text: String,
    /// The addresses.
    #[serde(skip)]
    pub set: AddrSet,
    /// Where it was read.
    pub origin: Option<Origin>,
}

impl RemoteRange {
    /// Parses an entry with addrspace's forms.
    pub fn parse(text: &str) -> Result<RemoteRange, addrspace::AddrError> {
        Ok(RemoteRange {
            text: text.trim().to_string(),
            set: AddrSet::parse(text)?,
            origin: None,
        })
    }

    /// The number of addresses: smaller is more specific.
    pub fn size(&self) -> u128 {
        let mut n: u128 = 0;
        for d in self.set.domains() {
            n = n.saturating_add(self.set.count_in(d));
        }
        n
    }
}

macro_rules! flag_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $bit:expr),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        pub enum $name { $($(#[$vm])* $v),* }
        impl $name {
            /// Every value, in Exchange's flag order.
            pub const ALL: &'static [$name] = &[$($name::$v),*];
            /// The flag bit Exchange serialises it as.
            pub fn bit(self) -> u32 { match self { $($name::$v => $bit),* } }
            /// The name as Exchange writes it.
            pub fn name(self) -> &'static str { match self { $($name::$v => stringify!($v)),* } }
            /// Reads a name, case-insensitively.
            pub fn from_name(s: &str) -> Option<$name> {
                let s = s.trim();
                $(if s.eq_ignore_ascii_case(stringify!($v)) { return Some($name::$v); })*
                None
            }
            /// Reads Exchange's integer flags.
            pub fn from_bits(bits: u64) -> Option<Vec<$name>> {
                let mut out = Vec::new();
                let mut seen = 0u64;
                $(if $bit != 0 && bits & $bit == $bit { out.push($name::$v); seen |= $bit; })*
                (seen == bits).then_some(out)
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.name()) }
        }
    };
}

flag_enum! {
    /// A receive connector permission group (`PermissionGroups`).
    PermissionGroup {
        /// `NT AUTHORITY\ANONYMOUS LOGON`.
        AnonymousUsers = 1,
        /// `NT AUTHORITY\Authenticated Users`.
        ExchangeUsers = 2,
        /// Exchange 2007+ servers of the organisation.
        ExchangeServers = 4,
        /// Exchange 2003 servers (`ExchangeLegacyInterop`).
        ExchangeLegacyServers = 8,
        /// `MS Exchange\Partner Servers` (domain-secure TLS).
        Partners = 16,
        /// Explicit AD permissions only.
        Custom = 32,
    }
}

flag_enum! {
    /// A receive connector authentication mechanism (`AuthMechanism`).
    AuthMechanism {
        /// STARTTLS.
        Tls = 1,
        /// NTLM and Kerberos.
        Integrated = 2,
        /// AUTH LOGIN/PLAIN.
        BasicAuth = 4,
        /// AUTH LOGIN/PLAIN only after STARTTLS.
        BasicAuthRequireTLS = 8,
        /// Exchange server authentication (X-EXPS).
        ExchangeServer = 16,
        /// Every session is treated as authenticated by an external means (IPsec, a
        /// trusted network): requires PermissionGroups ExchangeServers.
        ExternalAuthoritative = 32,
    }
}

/// An AD extended right on a receive connector.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum ExtendedRight {
    /// `ms-Exch-SMTP-Submit`: may send at all (MAIL FROM).
    Submit,
    /// `ms-Exch-SMTP-Accept-Any-Recipient`: may relay.
    AcceptAnyRecipient,
    /// `ms-Exch-SMTP-Accept-Any-Sender`: may use any sender address.
    AcceptAnySender,
    /// `ms-Exch-SMTP-Accept-Authoritative-Domain-Sender`: may use a sender in an
    /// authoritative domain.
    AcceptAuthoritativeDomainSender,
    /// `ms-Exch-SMTP-Accept-Authentication-Flag`.
    AcceptAuthenticationFlag,
    /// `ms-Exch-Bypass-Anti-Spam`.
    BypassAntiSpam,
    /// `ms-Exch-Bypass-Message-Size-Limit`.
    BypassMessageSizeLimit,
    /// `ms-Exch-Accept-Headers-Routing`.
    AcceptHeadersRouting,
    /// `ms-Exch-Accept-Headers-Organization`.
    AcceptHeadersOrganization,
    /// `ms-Exch-Accept-Headers-Forest`.
    AcceptHeadersForest,
    /// `ms-Exch-SMTP-Accept-Exch50`.
    AcceptExch50,
    /// `ms-Exch-SMTP-Accept-XShadow`.
    AcceptXShadow,
    /// Any other right, kept by name (lower-case).
    Other(String),
}

impl ExtendedRight {
    /// Every right Exchange knows by name: what ExchangeServers get, and what a GenericAll
    /// or bare ExtendedRight ACE covers.
    pub fn all() -> Vec<ExtendedRight> {
        use ExtendedRight as R;
        vec![
            R::Submit,
            R::AcceptAnyRecipient,
            R::AcceptAnySender,
            R::AcceptAuthoritativeDomainSender,
            R::AcceptAuthenticationFlag,
            R::BypassAntiSpam,
            R::BypassMessageSizeLimit,
            R::AcceptHeadersRouting,
            R::AcceptHeadersOrganization,
            R::AcceptHeadersForest,
            R::AcceptExch50,
            R::AcceptXShadow,
        ]
    }

    const NAMES: &'static [(&'static str, ExtendedRight)] = &[
        ("ms-exch-smtp-submit", ExtendedRight::Submit),
        (
            "ms-exch-smtp-accept-any-recipient",
            ExtendedRight::AcceptAnyRecipient,
        ),
        (
            "ms-exch-smtp-accept-any-sender",
            ExtendedRight::AcceptAnySender,
        ),
        (
            "ms-exch-smtp-accept-authoritative-domain-sender",
            ExtendedRight::AcceptAuthoritativeDomainSender,
        ),
        (
            "ms-exch-smtp-accept-authentication-flag",
            ExtendedRight::AcceptAuthenticationFlag,
        ),
        ("ms-exch-bypass-anti-spam", ExtendedRight::BypassAntiSpam),
        (
            "ms-exch-bypass-message-size-limit",
            ExtendedRight::BypassMessageSizeLimit,
        ),
        (
            "ms-exch-accept-headers-routing",
            ExtendedRight::AcceptHeadersRouting,
        ),
        (
            "ms-exch-accept-headers-organization",
            ExtendedRight::AcceptHeadersOrganization,
        ),
        (
            "ms-exch-accept-headers-forest",
            ExtendedRight::AcceptHeadersForest,
        ),
        ("ms-exch-smtp-accept-exch50", ExtendedRight::AcceptExch50),
        ("ms-exch-smtp-accept-xshadow", ExtendedRight::AcceptXShadow),
    ];

    /// Reads a right name case-insensitively; unknown names are kept as `Other`.
    pub fn parse(name: &str) -> ExtendedRight {
        let lower = name.trim().to_ascii_lowercase();
        Self::NAMES
            .iter()
            .find(|(n, _)| *n == lower)
            .map_or(ExtendedRight::Other(lower), |(_, r)| r.clone())
    }

    /// For a name Exchange does not know that is a few letters away from one it does
    /// (`ms-Exch-SMTP-Accept-Any-Recipent`), the right it was probably meant to be. Such a
    /// typo would otherwise read as an unmodelled right and silently grant nothing.
    pub fn near_miss(name: &str) -> Option<ExtendedRight> {
        let lower = name.trim().to_ascii_lowercase();
        if Self::NAMES.iter().any(|(n, _)| *n == lower) {
            return None;
        }
        Self::NAMES
            .iter()
            .map(|(n, r)| (edit_distance(n, &lower), r))
            .filter(|(d, _)| *d <= 3)
            .min_by_key(|(d, _)| *d)
            .map(|(_, r)| r.clone())
    }

    /// The AD name.
    pub fn name(&self) -> String {
        match self {
            ExtendedRight::Other(s) => s.clone(),
            r => {
                let n = Self::NAMES
                    .iter()
                    .find(|(_, x)| x == r)
                    .map_or("", |(n, _)| n);
                // AD writes them `ms-Exch-SMTP-Submit`: capitalise each word after `ms`.
                n.split('-')
                    .enumerate()
                    .map(|(i, w)| {
                        if i == 0 {
                            w.to_string()
                        } else if w == "smtp" {
                            "SMTP".to_string()
                        } else {
                            let mut c = w.chars();
                            c.next().map_or(String::new(), |f| {
                                f.to_ascii_uppercase().to_string() + c.as_str()
                            })
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("-")
            }
        }
    }
}

impl fmt::Display for ExtendedRight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// A security principal an ACE names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Principal {
    /// `NT AUTHORITY\ANONYMOUS LOGON`.
    Anonymous,
    /// `NT AUTHORITY\Authenticated Users`.
    AuthenticatedUsers,
    /// `Everyone`.
    Everyone,
    /// `<DOMAIN>\Exchange Servers` (also Hub/Edge Transport Servers).
    ExchangeServers,
    /// `<DOMAIN>\ExchangeLegacyInterop`.
    ExchangeLegacyInterop,
    /// `MS Exchange\Partner Servers`.
    PartnerServers,
    /// `MS Exchange\Externally Secured Servers`.
    ExternallySecuredServers,
    /// Any other account, lower-case.
    Named(String),
}

impl Principal {
    /// Reads a principal as Get-ADPermission writes it.
    pub fn parse(text: &str) -> Principal {
        let lower = text.trim().to_ascii_lowercase();
        let leaf = lower.rsplit('\\').next().unwrap_or(&lower);
        match leaf {
            "anonymous logon" => Principal::Anonymous,
            "authenticated users" => Principal::AuthenticatedUsers,
            "everyone" => Principal::Everyone,
            "exchange servers" | "hub transport servers" | "edge transport servers" => {
                Principal::ExchangeServers
            }
            "exchangelegacyinterop" => Principal::ExchangeLegacyInterop,
            "partner servers" => Principal::PartnerServers,
            "externally secured servers" => Principal::ExternallySecuredServers,
            _ => Principal::Named(lower),
        }
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Principal::Anonymous => f.write_str("NT AUTHORITY\\ANONYMOUS LOGON"),
            Principal::AuthenticatedUsers => f.write_str("NT AUTHORITY\\Authenticated Users"),
            Principal::Everyone => f.write_str("Everyone"),
            Principal::ExchangeServers => f.write_str("Exchange Servers"),
            Principal::ExchangeLegacyInterop => f.write_str("ExchangeLegacyInterop"),
            Principal::PartnerServers => f.write_str("MS Exchange\\Partner Servers"),
            Principal::ExternallySecuredServers => {
                f.write_str("MS Exchange\\Externally Secured Servers")
            }
            Principal::Named(n) => f.write_str(n),
        }
    }
}

/// The rights a permission group grants, and to whom (Microsoft's "Receive connector
/// permission groups" table).
pub fn group_grants(group: PermissionGroup) -> (Principal, Vec<ExtendedRight>) {
    use ExtendedRight as R;
    match group {
        PermissionGroup::AnonymousUsers => (
            Principal::Anonymous,
            vec![
                R::Submit,
                R::AcceptAnySender,
                R::AcceptAuthoritativeDomainSender,
                R::AcceptHeadersRouting,
            ],
        ),
        PermissionGroup::ExchangeUsers => (
            Principal::AuthenticatedUsers,
            vec![
                R::Submit,
                R::AcceptAnyRecipient,
                R::BypassAntiSpam,
                R::AcceptHeadersRouting,
            ],
        ),
        PermissionGroup::ExchangeServers => (Principal::ExchangeServers, ExtendedRight::all()),
        PermissionGroup::ExchangeLegacyServers => (
            Principal::ExchangeLegacyInterop,
            vec![
                R::Submit,
                R::AcceptAnyRecipient,
                R::AcceptAnySender,
                R::AcceptAuthoritativeDomainSender,
                R::AcceptAuthenticationFlag,
                R::BypassAntiSpam,
                R::AcceptHeadersRouting,
                R::AcceptExch50,
            ],
        ),
        PermissionGroup::Partners => (
            Principal::PartnerServers,
            vec![
                R::Submit,
                R::AcceptAuthoritativeDomainSender,
                R::AcceptHeadersRouting,
            ],
        ),
        PermissionGroup::Custom => (Principal::Named("(custom)".into()), Vec::new()),
    }
}

/// The rights `AuthMechanism ExternalAuthoritative` gives every session (as the
/// `MS Exchange\Externally Secured Servers` principal).
pub fn externally_secured_grants() -> Vec<ExtendedRight> {
    use ExtendedRight as R;
    vec![
        R::Submit,
        R::AcceptAnyRecipient,
        R::AcceptAnySender,
        R::AcceptAuthoritativeDomainSender,
        R::AcceptAuthenticationFlag,
        R::BypassAntiSpam,
        R::BypassMessageSizeLimit,
        R::AcceptHeadersRouting,
        R::AcceptHeadersOrganization,
        R::AcceptExch50,
    ]
}

/// One AD permission entry (an ACE) on a receive connector, from Get-ADPermission or
/// Add-ADPermission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdPermission {
    /// The connector name (the leaf of `Identity`, e.g. `Relay` of `EX1\Relay`).
    pub connector: String,
    /// The server, when Identity named one.
    pub server: Option<String>,
    /// Who it is for.
    pub user: Principal,
    /// The rights.
    pub rights: Vec<ExtendedRight>,
    /// A deny entry: overrides every allow of the same right for the principal.
    pub deny: bool,
    /// Where it was read.
    pub origin: Option<Origin>,
}

/// A receive connector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceiveConnector {
    /// `Name`.
    pub name: String,
    /// `Server`, if the export has it.
    pub server: Option<String>,
    /// `Bindings`.
    pub bindings: Vec<Binding>,
    /// `RemoteIPRanges` (Exchange's default is every address, written as both families).
    pub remote_ranges: Vec<RemoteRange>,
    /// `PermissionGroups`.
    pub permission_groups: Vec<PermissionGroup>,
    /// `AuthMechanism`.
    pub auth: Vec<AuthMechanism>,
    /// `RequireTLS`.
    pub require_tls: bool,
    /// `TransportRole` (`FrontendTransport`, `HubTransport`), 2013+.
    pub transport_role: Option<String>,
    /// `MaxMessageSize` in octets.
    pub max_message_size: Option<u64>,
    /// `MaxRecipientsPerMessage`.
    pub max_recipients: Option<usize>,
    /// `Banner` (the whole line, e.g. `220 mail.contoso.com`).
    pub banner: Option<String>,
    /// `Fqdn`.
    pub fqdn: Option<String>,
    /// `BareLinefeedRejectionEnabled`.
    pub bare_linefeed_rejection: bool,
    /// Where the connector was read.
    pub origin: Option<Origin>,
    /// `best_range`'s index over `remote_ranges`, built on first use.
    #[serde(skip)]
    range_index: crate::rangeindex::IndexCell,
}

impl ReceiveConnector {
    /// A connector with Exchange's defaults: binding `0.0.0.0:25`, every remote address,
    /// `PermissionGroups` and `AuthMechanism` empty.
    pub fn new(name: &str) -> ReceiveConnector {
        ReceiveConnector {
            name: name.to_string(),
            server: None,
            bindings: vec![Binding {
                ip: IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
                port: 25,
                origin: None,
            }],
            remote_ranges: default_ranges(),
            permission_groups: Vec::new(),
            auth: Vec::new(),
            require_tls: false,
            transport_role: None,
            max_message_size: Some(36 * 1024 * 1024),
            max_recipients: Some(200),
            banner: None,
            fqdn: None,
            bare_linefeed_rejection: false,
            origin: None,
            range_index: Default::default(),
        }
    }

    /// Whether the connector has a permission group.
    pub fn has_group(&self, g: PermissionGroup) -> bool {
        self.permission_groups.contains(&g)
    }

    /// Whether the connector has an auth mechanism.
    pub fn has_auth(&self, m: AuthMechanism) -> bool {
        self.auth.contains(&m)
    }

    /// The union of the connector's RemoteIPRanges.
    pub fn remote_set(&self) -> AddrSet {
        AddrSet::from_sets(self.remote_ranges.iter().map(|r| &r.set))
    }

    /// The most specific of the connector's ranges that holds `remote` (the first of
    /// equally specific ones).
    pub fn best_range(&self, remote: &Addr) -> Option<&RemoteRange> {
        let index = self.range_index.get(&self.remote_ranges, || {
            crate::rangeindex::RangeIndex::new(self.remote_ranges.iter().enumerate().flat_map(
                |(i, r)| {
                    let size = r.size();
                    r.set.domains().flat_map(move |d| {
                        r.set
                            .ranges(d)
                            .into_iter()
                            .map(move |(first, last)| (d, first, last, size, i))
                    })
                },
            ))
        });
        match index {
            Some(ix) => ix.best(remote).map(|i| &self.remote_ranges[i]),
            None => self
                .remote_ranges
                .iter()
                .filter(|r| r.set.contains(remote))
                .min_by_key(|r| r.size()),
        }
    }

    /// The principals a session is given on this connector: who it proved to be, if the
    /// connector's AuthMechanism lets it prove that.
    pub fn principals(&self, state: &SessionState) -> (Vec<Principal>, String) {
        if self.has_auth(AuthMechanism::ExternalAuthoritative) {
            return (
                vec![Principal::ExternallySecuredServers, Principal::Everyone],
                "AuthMechanism ExternalAuthoritative: every session counts as an externally secured server".into(),
            );
        }
        let anonymous = (
            vec![Principal::Anonymous, Principal::Everyone],
            "anonymous session".to_string(),
        );
        match &state.identity {
            Identity::Anonymous => anonymous,
            Identity::User { name, integrated } => {
                let ok = if *integrated {
                    self.has_auth(AuthMechanism::Integrated)
                } else {
                    self.has_auth(AuthMechanism::BasicAuth)
                        || self.has_auth(AuthMechanism::BasicAuthRequireTLS) && state.tls
                };
                if !ok {
                    return (
                        anonymous.0,
                        format!(
                            "user {name} cannot authenticate on this connector's AuthMechanism; treated as anonymous"
                        ),
                    );
                }
                (
                    vec![
                        Principal::Named(name.to_ascii_lowercase()),
                        Principal::AuthenticatedUsers,
                        Principal::Everyone,
                    ],
                    format!("authenticated user {name}"),
                )
            }
            Identity::ExchangeServer { name } => {
                if !self.has_auth(AuthMechanism::ExchangeServer) {
                    return (
                        anonymous.0,
                        format!(
                            "Exchange server {name} cannot use Exchange server authentication here (AuthMechanism lacks ExchangeServer); treated as anonymous"
                        ),
                    );
                }
                (
                    vec![
                        Principal::Named(name.to_ascii_lowercase()),
                        Principal::ExchangeServers,
                        Principal::AuthenticatedUsers,
                        Principal::Everyone,
                    ],
                    format!("Exchange server {name}"),
                )
            }
            Identity::LegacyExchangeServer { name } => {
                let ok = self.has_auth(AuthMechanism::Integrated)
                    || self.has_auth(AuthMechanism::BasicAuth)
                    || self.has_auth(AuthMechanism::BasicAuthRequireTLS) && state.tls;
                if !ok {
                    return (
                        anonymous.0,
                        format!(
                            "legacy server {name} cannot authenticate here; treated as anonymous"
                        ),
                    );
                }
                (
                    vec![
                        Principal::Named(name.to_ascii_lowercase()),
                        Principal::ExchangeLegacyInterop,
                        Principal::AuthenticatedUsers,
                        Principal::Everyone,
                    ],
                    format!("legacy Exchange server {name}"),
                )
            }
            Identity::Partner { domain } => {
                if !(self.has_auth(AuthMechanism::Tls) && state.tls) {
                    return (
                        anonymous.0,
                        format!(
                            "partner {domain} needs mutual TLS (AuthMechanism Tls and STARTTLS done); treated as anonymous"
                        ),
                    );
                }
                (
                    vec![Principal::PartnerServers, Principal::Everyone],
                    format!("partner {domain} (domain-secure TLS)"),
                )
            }
        }
    }
}

/// Exchange's default RemoteIPRanges: every IPv4 and IPv6 address.
pub fn default_ranges() -> Vec<RemoteRange> {
    vec![
        RemoteRange {
            text: "0.0.0.0-255.255.255.255".into(),
            set: AddrSet::full(Domain::V4),
            origin: None,
        },
        RemoteRange {
            text: "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff".into(),
            set: AddrSet::full(Domain::V6),
            origin: None,
        },
    ]
}

/// How an accepted domain is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum DomainType {
    /// Mailboxes live here; unknown recipients are refused (`550 5.1.10`).
    Authoritative,
    /// Some mailboxes here, the rest forwarded inside the organisation: relay by design.
    InternalRelay,
    /// Forwarded to an external host: relay by design.
    ExternalRelay,
}

/// An accepted domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AcceptedDomain {
    /// `contoso.com` or `*.contoso.com` (lower-case).
    pub domain: String,
    /// The type.
    pub kind: DomainType,
    /// Known recipients (local parts or full addresses, lower-case); `None` when the
    /// recipient list is not known, in which case every local part is taken.
    pub recipients: Option<Vec<String>>,
    /// Whether it is the default domain.
    pub default: bool,
    /// Where it was read.
    pub origin: Option<Origin>,
}

impl AcceptedDomain {
    /// An accepted domain without a recipient list (every local part is taken).
    pub fn new(domain: &str, kind: DomainType) -> AcceptedDomain {
        AcceptedDomain {
            domain: domain.trim().to_ascii_lowercase(),
            kind,
            recipients: None,
            default: false,
            origin: None,
        }
    }

    /// Whether a (lower-case) domain falls under this entry; `*.x` covers `x`'s
    /// subdomains and (as Exchange does) `x` itself.
    pub fn matches(&self, domain: &str) -> bool {
        match self.domain.strip_prefix("*.") {
            Some(parent) => domain == parent || domain.ends_with(&format!(".{parent}")),
            None => domain == self.domain,
        }
    }

    /// Specificity for choosing among matching entries: exact beats wildcard, longer
    /// beats shorter.
    fn specificity(&self) -> (bool, usize) {
        (!self.domain.starts_with("*."), self.domain.len())
    }
}

/// A configuration error Exchange refuses (`Set-ReceiveConnector` fails) or that makes the
/// model's answer meaningless.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ConfigError {
    /// Two connectors on the same binding with the same RemoteIPRanges.
    DuplicateConnector {
        /// The first connector.
        first: String,
        /// The second.
        second: String,
        /// The binding.
        binding: String,
    },
    /// Two connectors on one binding with ranges that overlap without one holding the other.
    OverlappingRanges {
        /// The first connector and range.
        first: (String, String),
        /// The second connector and range.
        second: (String, String),
        /// The binding.
        binding: String,
    },
    /// A FrontendTransport and a HubTransport connector listen on one IP:port.
    RoleConflict {
        /// The frontend connector.
        frontend: String,
        /// The hub connector.
        hub: String,
        /// The shared IP:port.
        binding: String,
    },
    /// ExternalAuthoritative without PermissionGroups ExchangeServers.
    ExternalAuthoritativeWithoutExchangeServers {
        /// The connector.
        connector: String,
    },
}

impl ConfigError {
    /// The connector the error is best shown at: the later of two, or the one at fault.
    pub fn connector(&self) -> &str {
        match self {
            ConfigError::DuplicateConnector { second, .. } => second,
            ConfigError::OverlappingRanges { second, .. } => &second.0,
            ConfigError::RoleConflict { hub, .. } => hub,
            ConfigError::ExternalAuthoritativeWithoutExchangeServers { connector } => connector,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::DuplicateConnector {
                first,
                second,
                binding,
            } => write!(
                f,
                "connectors `{first}` and `{second}` both bind {binding} with the same RemoteIPRanges; Exchange refuses this"
            ),
            ConfigError::OverlappingRanges {
                first,
                second,
                binding,
            } => write!(
                f,
                "on {binding}, `{}` range {} and `{}` range {} overlap without one containing the other; Exchange refuses this",
                first.0, first.1, second.0, second.1
            ),
            ConfigError::RoleConflict {
                frontend,
                hub,
                binding,
            } => write!(
                f,
                "FrontendTransport connector `{frontend}` and HubTransport connector `{hub}` both listen on {binding}"
            ),
            ConfigError::ExternalAuthoritativeWithoutExchangeServers { connector } => write!(
                f,
                "connector `{connector}` has AuthMechanism ExternalAuthoritative without PermissionGroups ExchangeServers; Exchange refuses this"
            ),
        }
    }
}

/// The connector chosen for a connection, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection<'a> {
    /// The connector, if any takes the connection.
    pub connector: Option<&'a ReceiveConnector>,
    /// Other connectors that tied with it (non-empty only for ambiguous configurations).
    pub tied: Vec<&'a ReceiveConnector>,
    /// Why.
    pub trace: Trace,
}

/// An Exchange 2007+ server: its connectors, AD permissions and accepted domains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExchangeServer {
    /// The server name.
    pub name: String,
    /// Which reply texts to use.
    pub version: ExchangeVersion,
    /// UNCONFIRMED selection behaviour.
    pub selection: SelectionSettings,
    /// The receive connectors.
    pub connectors: Vec<ReceiveConnector>,
    /// Explicit AD permissions (Get-ADPermission / Add-ADPermission).
    pub permissions: Vec<AdPermission>,
    /// Accepted domains.
    pub accepted_domains: Vec<AcceptedDomain>,
}

/// The effective value of one right for a session, with the ACEs that decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RightCheck {
    /// Granted?
    pub granted: bool,
    /// Why, in words.
    pub reason: String,
    /// The AD permission entry that decided it, if one did.
    pub origin: Option<Origin>,
}

impl ExchangeServer {
    /// A server with no connectors.
    pub fn new(name: &str) -> ExchangeServer {
        ExchangeServer {
            name: name.to_string(),
            version: ExchangeVersion::default(),
            selection: SelectionSettings::default(),
            connectors: Vec::new(),
            permissions: Vec::new(),
            accepted_domains: Vec::new(),
        }
    }

    /// The configuration errors Exchange would refuse.
    pub fn config_errors(&self) -> Vec<ConfigError> {
        let mut out = Vec::new();
        for c in &self.connectors {
            if c.has_auth(AuthMechanism::ExternalAuthoritative)
                && !c.has_group(PermissionGroup::ExchangeServers)
            {
                out.push(ConfigError::ExternalAuthoritativeWithoutExchangeServers {
                    connector: c.name.clone(),
                });
            }
        }
        for (i, a) in self.connectors.iter().enumerate() {
            for b in &self.connectors[i + 1..] {
                for ba in &a.bindings {
                    for bb in &b.bindings {
                        if ba.ip == bb.ip && ba.port == bb.port {
                            self.same_binding_errors(a, b, &ba.to_string(), &mut out);
                        }
                        if ba.overlaps(bb) {
                            let roles = (a.transport_role.as_deref(), b.transport_role.as_deref());
                            let pair = match roles {
                                (Some(x), Some(y))
                                    if x.eq_ignore_ascii_case("FrontendTransport")
                                        && y.eq_ignore_ascii_case("HubTransport") =>
                                {
                                    Some((a, b))
                                }
                                (Some(x), Some(y))
                                    if y.eq_ignore_ascii_case("FrontendTransport")
                                        && x.eq_ignore_ascii_case("HubTransport") =>
                                {
                                    Some((b, a))
                                }
                                _ => None,
                            };
                            if let Some((fe, hub)) = pair {
                                out.push(ConfigError::RoleConflict {
                                    frontend: fe.name.clone(),
                                    hub: hub.name.clone(),
                                    binding: if ba.is_wildcard() { bb } else { ba }.to_string(),
                                });
                            }
                        }
                    }
                }
            }
        }
        out.dedup();
        out
    }

    fn same_binding_errors(
        &self,
        a: &ReceiveConnector,
        b: &ReceiveConnector,
        binding: &str,
        out: &mut Vec<ConfigError>,
    ) {
        if a.remote_set() == b.remote_set() {
            out.push(ConfigError::DuplicateConnector {
                first: a.name.clone(),
                second: b.name.clone(),
                binding: binding.to_string(),
            });
            return;
        }
        // Connectors with thousands of ranges make this pairwise: compare the ranges' blocks
        // as plain numbers first and build sets only for pairs that really overlap.
        let blocks = |c: &ReceiveConnector| -> Vec<Vec<(addrspace::Domain, u128, u128)>> {
            c.remote_ranges
                .iter()
                .map(|r| {
                    r.set
                        .domains()
                        .flat_map(|d| r.set.ranges(d).into_iter().map(move |(lo, hi)| (d, lo, hi)))
                        .collect()
                })
                .collect()
        };
        let (blocks_a, blocks_b) = (blocks(a), blocks(b));
        // b's blocks sorted by start, with the running maximum of their ends: the blocks
        // of b that can touch [lo, hi] are found by one binary search and a walk back
        // that stops where no earlier block reaches `lo`.
        let mut sorted: Vec<(addrspace::Domain, u128, u128, usize)> = blocks_b
            .iter()
            .enumerate()
            .flat_map(|(k, bl)| bl.iter().map(move |&(d, lo, hi)| (d, lo, hi, k)))
            .collect();
        sorted.sort_unstable();
        let mut reach: Vec<u128> = Vec::with_capacity(sorted.len());
        for (n, &(d, _, hi, _)) in sorted.iter().enumerate() {
            let prev = if n > 0 && sorted[n - 1].0 == d {
                reach[n - 1]
            } else {
                0
            };
            reach.push(prev.max(hi));
        }
        let mut pairs = std::collections::BTreeSet::new();
        for (ka, bl) in blocks_a.iter().enumerate() {
            for &(d, lo, hi) in bl {
                let end = sorted.partition_point(|&(db, lb, _, _)| (db, lb) <= (d, hi));
                for n in (0..end).rev() {
                    if sorted[n].0 != d || reach[n] < lo {
                        break;
                    }
                    if sorted[n].2 >= lo {
                        pairs.insert((ka, sorted[n].3));
                    }
                }
            }
        }
        for (ka, kb) in pairs {
            let (ra, rb) = (&a.remote_ranges[ka], &b.remote_ranges[kb]);
            if !ra.set.is_superset(&rb.set) && !rb.set.is_superset(&ra.set) {
                out.push(ConfigError::OverlappingRanges {
                    first: (a.name.clone(), ra.text.clone()),
                    second: (b.name.clone(), rb.text.clone()),
                    binding: binding.to_string(),
                });
            }
        }
    }

    /// Chooses the connector for a connection to `local` from `remote`, as Exchange does:
    /// among connectors with a binding that takes `local`, the one whose most specific
    /// RemoteIPRange holding `remote` is smallest; on a tie, a specific-IP binding beats a
    /// wildcard one (UNCONFIRMED, see [`SelectionSettings`]).
    pub fn select(&self, local: &Endpoint, remote: &Addr) -> Selection<'_> {
        let mut trace = Trace::default();
        let mut candidates: Vec<(&ReceiveConnector, &RemoteRange, bool)> = Vec::new();
        for c in &self.connectors {
            let Some(binding) = c
                .bindings
                .iter()
                .filter(|b| b.matches(local))
                .min_by_key(|b| b.is_wildcard())
            else {
                continue;
            };
            let Some(range) = c.best_range(remote) else {
                trace.push(
                    TraceKind::Address,
                    format!(
                        "connector `{}` binds {binding} but no RemoteIPRange holds {remote}",
                        c.name
                    ),
                    c.origin.as_ref(),
                );
                continue;
            };
            candidates.push((c, range, !binding.is_wildcard()));
        }
        let Some(best_size) = candidates.iter().map(|(_, r, _)| r.size()).min() else {
            trace.push(
                TraceKind::Connector,
                format!(
                    "no receive connector on {local} accepts {remote}: the connection is refused"
                ),
                None,
            );
            return Selection {
                connector: None,
                tied: Vec::new(),
                trace,
            };
        };
        let mut best: Vec<_> = candidates
            .into_iter()
            .filter(|(_, r, _)| r.size() == best_size)
            .collect();
        if best.len() > 1 && self.selection.specific_binding_wins_tie && best.iter().any(|b| b.2) {
            best.retain(|b| b.2);
            trace.push(
                TraceKind::Assumption,
                "UNCONFIRMED: equally specific ranges; the connector bound to the specific local IP wins over 0.0.0.0/[::]",
                None,
            );
        }
        let (chosen, range, _) = best[0];
        trace.push(
            TraceKind::Connector,
            format!(
                "connector `{}` takes {local} from {remote}: its RemoteIPRange {} is the most specific holding the client",
                chosen.name, range.text
            ),
            chosen.origin.as_ref(),
        );
        trace.push(
            TraceKind::Address,
            format!("RemoteIPRange {}", range.text),
            range.origin.as_ref(),
        );
        let tied: Vec<_> = best[1..].iter().map(|b| b.0).collect();
        if !tied.is_empty() {
            trace.push(
                TraceKind::Assumption,
                format!(
                    "ambiguous: {} tie with `{}` (a configuration Exchange refuses); answering with the first",
                    tied.iter().map(|c| format!("`{}`", c.name)).collect::<Vec<_>>().join(", "),
                    chosen.name
                ),
                None,
            );
        }
        Selection {
            connector: Some(chosen),
            tied,
            trace,
        }
    }

    /// The remote addresses for which `connector` is the one selected on at least one of its
    /// bindings: its RemoteIPRanges less what more specific connectors on the same
    /// IP:port take. A wildcard binding is judged for a local address no other connector
    /// binds specifically.
    pub fn selected_from(&self, connector: &ReceiveConnector) -> AddrSet {
        let sets: Vec<AddrSet> = self
            .connectors
            .iter()
            .flat_map(|c| c.remote_ranges.iter().map(|r| r.set.clone()))
            .collect();
        let part = addrspace::Partition::new(sets.iter(), &[Domain::V4, Domain::V6]);
        let mut taken = Vec::new();
        for b in &connector.bindings {
            let local = Endpoint::new(Addr::new(b.ip), b.port);
            for iv in part.intervals() {
                let sel = self.select(&local, &iv.representative());
                if sel.connector.is_some_and(|c| std::ptr::eq(c, connector)) {
                    taken.push(iv.to_set());
                }
            }
        }
        AddrSet::from_sets(taken.iter())
    }

    /// Whether `principals` hold `right` on `connector`: a deny ACE for any of them wins over
    /// every allow; else any allow (from a permission group, ExternalAuthoritative or an
    /// explicit ACE) grants.
    pub fn right(
        &self,
        connector: &ReceiveConnector,
        principals: &[Principal],
        right: &ExtendedRight,
    ) -> RightCheck {
        let aces = self.permissions.iter().filter(|p| {
            p.connector.eq_ignore_ascii_case(&connector.name)
                && match (&p.server, &connector.server) {
                    (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                    _ => true,
                }
                && principals.contains(&p.user)
                && p.rights.contains(right)
        });
        let mut allow: Option<RightCheck> = None;
        for ace in aces {
            if ace.deny {
                return RightCheck {
                    granted: false,
                    reason: format!("deny entry for {} on {right}", ace.user),
                    origin: ace.origin.clone(),
                };
            }
            allow.get_or_insert(RightCheck {
                granted: true,
                reason: format!("AD permission grants {right} to {}", ace.user),
                origin: ace.origin.clone(),
            });
        }
        if let Some(a) = allow {
            return a;
        }
        if principals.contains(&Principal::ExternallySecuredServers)
            && connector.has_group(PermissionGroup::ExchangeServers)
            && externally_secured_grants().contains(right)
        {
            return RightCheck {
                granted: true,
                reason: format!("ExternalAuthoritative with ExchangeServers grants {right}"),
                origin: connector.origin.clone(),
            };
        }
        for g in &connector.permission_groups {
            let (who, rights) = group_grants(*g);
            if principals.contains(&who) && rights.contains(right) {
                return RightCheck {
                    granted: true,
                    reason: format!("PermissionGroups {g} grants {right} to {who}"),
                    origin: connector.origin.clone(),
                };
            }
        }
        RightCheck {
            granted: false,
            reason: format!("no permission group or AD permission grants {right} to this session"),
            origin: connector.origin.clone(),
        }
    }

    /// The accepted domain entry covering `domain`, most specific first.
    pub fn accepted_domain(&self, domain: &str) -> Option<&AcceptedDomain> {
        self.accepted_domains
            .iter()
            .filter(|d| d.matches(domain))
            .max_by_key(|d| d.specificity())
    }

    fn fqdn(&self, c: &ReceiveConnector) -> String {
        c.fqdn
            .clone()
            .unwrap_or_else(|| self.name.to_ascii_lowercase())
    }

    fn own_names(&self, c: &ReceiveConnector) -> Vec<String> {
        let mut v = vec![
            self.fqdn(c).to_ascii_lowercase(),
            self.name.to_ascii_lowercase(),
        ];
        v.dedup();
        v
    }

    /// The AUTH mechanisms the connector offers in the session's state.
    pub fn sasl_mechanisms(c: &ReceiveConnector, tls: bool) -> Vec<&'static str> {
        let mut m = Vec::new();
        if c.has_auth(AuthMechanism::Integrated) {
            m.extend(["NTLM", "GSSAPI"]);
        }
        if c.has_auth(AuthMechanism::BasicAuth)
            || c.has_auth(AuthMechanism::BasicAuthRequireTLS) && tls
        {
            m.extend(["LOGIN", "PLAIN"]);
        }
        m
    }

    /// The reply to one step, with its trace.
    pub fn decide(&self, state: &SessionState, step: &Step<'_>) -> Decision {
        let sel = self.select(&state.local, &state.remote);
        let mut trace = sel.trace.clone();
        let Some(c) = sel.connector else {
            return Decision {
                reply: Reply::new(421, Some("4.3.2"), "Service not available"),
                effect: Effect::Close,
                trace,
            };
        };
        let reply = |code, esc: &str, text: &str| Reply::new(code, Some(esc), text);
        let done = |reply: Reply, effect: Effect, trace: Trace| Decision {
            reply,
            effect,
            trace,
        };
        let fqdn = self.fqdn(c);
        match step {
            Step::Connect => {
                let text = match &c.banner {
                    Some(b) => b.trim_start_matches("220").trim().to_string(),
                    None => format!("{fqdn} Microsoft ESMTP MAIL Service ready"),
                };
                done(Reply::new(220, None, text), Effect::None, trace)
            }
            Step::Ehlo(name) => {
                let mut lines = vec![format!("{fqdn} Hello [{}]", state.remote)];
                if let Some(max) = c.max_message_size {
                    lines.push(format!("SIZE {max}"));
                }
                lines.extend(["PIPELINING", "DSN", "ENHANCEDSTATUSCODES"].map(String::from));
                if c.has_auth(AuthMechanism::Tls) && !state.tls {
                    lines.push("STARTTLS".into());
                    if c.has_group(PermissionGroup::ExchangeServers) {
                        lines.push("X-ANONYMOUSTLS".into());
                    }
                }
                let mechs = Self::sasl_mechanisms(c, state.tls);
                if !mechs.is_empty() {
                    lines.push(format!("AUTH {}", mechs.join(" ")));
                }
                if c.has_auth(AuthMechanism::ExchangeServer) {
                    lines.push("X-EXPS GSSAPI NTLM".into());
                }
                lines.extend(["8BITMIME", "BINARYMIME", "CHUNKING"].map(String::from));
                trace.push(
                    TraceKind::Setting,
                    format!("EHLO {name}: extensions from AuthMechanism {:?}", c.auth),
                    c.origin.as_ref(),
                );
                done(Reply::multi(250, lines), Effect::None, trace)
            }
            Step::StartTls => {
                if !c.has_auth(AuthMechanism::Tls) || state.tls {
                    trace.push(
                        TraceKind::Setting,
                        "STARTTLS not offered (AuthMechanism lacks Tls, or TLS already on)",
                        c.origin.as_ref(),
                    );
                    return done(
                        reply(500, "5.3.3", "Unrecognized command"),
                        Effect::None,
                        trace,
                    );
                }
                done(
                    reply(220, "2.0.0", "SMTP server ready"),
                    Effect::StartTls,
                    trace,
                )
            }
            Step::Auth(mech) => {
                if state.identity.is_authenticated() {
                    return done(
                        reply(503, "5.5.2", "Already authenticated"),
                        Effect::None,
                        trace,
                    );
                }
                let offered = Self::sasl_mechanisms(c, state.tls);
                if !offered.iter().any(|m| m.eq_ignore_ascii_case(mech)) {
                    trace.push(
                        TraceKind::Setting,
                        format!(
                            "AUTH {mech} not offered by AuthMechanism {:?} (TLS: {})",
                            c.auth, state.tls
                        ),
                        c.origin.as_ref(),
                    );
                    return done(
                        reply(504, "5.7.4", "Unrecognized authentication type"),
                        Effect::None,
                        trace,
                    );
                }
                done(
                    reply(235, "2.7.0", "Authentication successful"),
                    Effect::Authenticate,
                    trace,
                )
            }
            Step::Mail { path, size } => self.decide_mail(c, state, path, *size, trace),
            Step::Rcpt(path) => self.decide_rcpt(c, state, path, trace),
            Step::EndOfData {
                size,
                bare_linefeeds,
            } => {
                if *bare_linefeeds && c.bare_linefeed_rejection {
                    trace.push(
                        TraceKind::Setting,
                        "BareLinefeedRejectionEnabled",
                        c.origin.as_ref(),
                    );
                    return done(
                        reply(
                            554,
                            "5.6.0",
                            "Invalid message content, contains bare linefeeds",
                        ),
                        Effect::None,
                        trace,
                    );
                }
                let (principals, _) = c.principals(state);
                if let Some(max) = c.max_message_size
                    && *size > max
                    && !self
                        .right(c, &principals, &ExtendedRight::BypassMessageSizeLimit)
                        .granted
                {
                    trace.push(
                        TraceKind::Setting,
                        format!("MaxMessageSize {max}"),
                        c.origin.as_ref(),
                    );
                    return done(
                        reply(
                            552,
                            "5.3.4",
                            "Message size exceeds fixed maximum message size",
                        ),
                        Effect::None,
                        trace,
                    );
                }
                done(
                    reply(250, "2.6.0", "Queued mail for delivery"),
                    Effect::Queued,
                    trace,
                )
            }
        }
    }

    fn decide_mail(
        &self,
        c: &ReceiveConnector,
        state: &SessionState,
        path: &str,
        size: Option<u64>,
        mut trace: Trace,
    ) -> Decision {
        let reply = |code, esc: &str, text: &str| Reply::new(code, Some(esc), text);
        let refuse = |r: Reply, trace: Trace| Decision {
            reply: r,
            effect: Effect::None,
            trace,
        };
        if c.require_tls && !state.tls {
            trace.push(
                TraceKind::Setting,
                "RequireTLS is set and STARTTLS has not been done",
                c.origin.as_ref(),
            );
            return refuse(
                reply(530, "5.7.0", "Must issue a STARTTLS command first"),
                trace,
            );
        }
        let (principals, who) = c.principals(state);
        trace.push(TraceKind::Right, who, None);
        let submit = self.right(c, &principals, &ExtendedRight::Submit);
        trace.push(
            TraceKind::Right,
            submit.reason.clone(),
            submit.origin.as_ref(),
        );
        if !submit.granted {
            return refuse(reply(530, "5.7.1", "Client was not authenticated"), trace);
        }
        if let (Some(max), Some(size)) = (c.max_message_size, size)
            && size > max
            && !self
                .right(c, &principals, &ExtendedRight::BypassMessageSizeLimit)
                .granted
        {
            trace.push(
                TraceKind::Setting,
                format!("MaxMessageSize {max}"),
                c.origin.as_ref(),
            );
            return refuse(
                reply(
                    552,
                    "5.3.4",
                    "Message size exceeds fixed maximum message size",
                ),
                trace,
            );
        }
        let t = path.trim();
        if t != "<>" {
            let p = match recipient::parse_path(t) {
                Ok(p) => p,
                Err(e) => {
                    trace.push(TraceKind::Recipient, format!("sender: {e}"), None);
                    return refuse(reply(501, "5.1.7", "Invalid address"), trace);
                }
            };
            let authoritative = match &p.domain {
                Some(recipient::MailDomain::Name(d)) => self
                    .accepted_domain(d)
                    .is_some_and(|a| a.kind == DomainType::Authoritative),
                _ => false,
            };
            let any = self.right(c, &principals, &ExtendedRight::AcceptAnySender);
            let user_session = principals.iter().any(|p| matches!(p, Principal::Named(_)));
            if user_session {
                // Without Accept-Any-Sender an authenticated account may send only as itself:
                // that is its mailbox's send-as permission, which the model does not hold.
                if !any.granted {
                    trace.push(
                        TraceKind::Assumption,
                        "authenticated session: send-as (a mailbox permission) is assumed to hold for this sender",
                        None,
                    );
                }
            } else if authoritative {
                // ms-Exch-SMTP-Accept-Authoritative-Domain-Sender: anonymous and partner
                // sessions may not claim a sender in an authoritative domain without it.
                let auth_dom = self.right(
                    c,
                    &principals,
                    &ExtendedRight::AcceptAuthoritativeDomainSender,
                );
                if !auth_dom.granted && !any.granted {
                    trace.push(TraceKind::Right, auth_dom.reason, auth_dom.origin.as_ref());
                    return refuse(
                        reply(
                            550,
                            "5.7.1",
                            "Client does not have permissions to send as this sender",
                        ),
                        trace,
                    );
                }
            }
        }
        Decision {
            reply: reply(250, "2.1.0", "Sender OK"),
            effect: Effect::Transaction,
            trace,
        }
    }

    fn decide_rcpt(
        &self,
        c: &ReceiveConnector,
        state: &SessionState,
        path: &str,
        mut trace: Trace,
    ) -> Decision {
        let reply = |code, esc: &str, text: &str| Reply::new(code, Some(esc), text);
        let refuse = |r: Reply, destination: Destination, trace: Trace| Decision {
            reply: r,
            effect: Effect::Recipient {
                destination,
                relay: false,
            },
            trace,
        };
        if let Some(max) = c.max_recipients
            && state.recipients >= max
        {
            trace.push(
                TraceKind::Setting,
                format!("MaxRecipientsPerMessage {max}"),
                c.origin.as_ref(),
            );
            return refuse(
                reply(452, "4.5.3", "Too many recipients"),
                Destination::Invalid {
                    reason: "too many recipients".into(),
                },
                trace,
            );
        }
        let parsed = match recipient::parse_path(path) {
            Ok(p) => p,
            Err(e) => {
                trace.push(TraceKind::Recipient, format!("{path}: {e}"), None);
                return refuse(
                    reply(501, "5.1.3", "Invalid address"),
                    Destination::Invalid {
                        reason: e.to_string(),
                    },
                    trace,
                );
            }
        };
        let is_local = |d: &str| self.accepted_domain(d).is_some();
        let own_names = self.own_names(c);
        let own_addrs: Vec<IpAddr> = std::iter::once(state.local.addr.ip)
            .chain(c.bindings.iter().filter(|b| !b.is_wildcard()).map(|b| b.ip))
            .collect();
        let default_domain = self
            .accepted_domains
            .iter()
            .find(|d| d.default)
            .map(|d| d.domain.as_str());
        let names = LocalNames {
            is_local_domain: &is_local,
            own_names: &own_names,
            own_addresses: &own_addrs,
            default_domain,
        };
        let dest = recipient::classify(&parsed, Flavour::Exchange, &names);
        trace.push(
            TraceKind::Recipient,
            format!("{} reads as {dest:?}", parsed.mailbox()),
            None,
        );
        match &dest {
            Destination::Invalid { .. } => {
                refuse(reply(501, "5.1.3", "Invalid address"), dest, trace)
            }
            Destination::Local { domain, mailbox } => {
                let Some(ad) = self.accepted_domain(domain) else {
                    return refuse(reply(501, "5.1.3", "Invalid address"), dest, trace);
                };
                trace.push(
                    TraceKind::Domain,
                    format!("accepted domain {} ({:?})", ad.domain, ad.kind),
                    ad.origin.as_ref(),
                );
                if ad.kind == DomainType::Authoritative
                    && let Some(list) = &ad.recipients
                {
                    let full = format!("{}@{domain}", mailbox.to_ascii_lowercase());
                    let lm = mailbox.to_ascii_lowercase();
                    // RFC 5321 §4.5.1: every domain has a postmaster, listed or not.
                    if lm != "postmaster" && !list.iter().any(|r| *r == lm || *r == full) {
                        let r = match self.version {
                            ExchangeVersion::Ex2013 => reply(
                                550,
                                "5.1.10",
                                "RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
                            ),
                            ExchangeVersion::Ex2010 => reply(550, "5.1.1", "User unknown"),
                        };
                        return refuse(r, dest, trace);
                    }
                }
                Decision {
                    reply: reply(250, "2.1.5", "Recipient OK"),
                    effect: Effect::Recipient {
                        destination: dest,
                        relay: false,
                    },
                    trace,
                }
            }
            Destination::Remote { .. } | Destination::SelfAddressed { .. } => {
                let (principals, who) = c.principals(state);
                trace.push(TraceKind::Right, who, None);
                let relay = self.right(c, &principals, &ExtendedRight::AcceptAnyRecipient);
                trace.push(
                    TraceKind::Right,
                    relay.reason.clone(),
                    relay.origin.as_ref(),
                );
                if !relay.granted {
                    let r = match self.version {
                        ExchangeVersion::Ex2013 => reply(
                            550,
                            "5.7.54",
                            "SMTP; Unable to relay recipient in non-accepted domain",
                        ),
                        ExchangeVersion::Ex2010 => reply(550, "5.7.1", "Unable to relay"),
                    };
                    return refuse(r, dest, trace);
                }
                let is_relay = dest.is_remote();
                Decision {
                    reply: reply(250, "2.1.5", "Recipient OK"),
                    effect: Effect::Recipient {
                        destination: dest,
                        relay: is_relay,
                    },
                    trace,
                }
            }
            Destination::LocalThenNdr { .. } => Decision {
                reply: reply(250, "2.1.5", "Recipient OK"),
                effect: Effect::Recipient {
                    destination: dest,
                    relay: false,
                },
                trace,
            },
        }
    }
}

/// Levenshtein distance, for suggesting the name a typo was meant to be.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
