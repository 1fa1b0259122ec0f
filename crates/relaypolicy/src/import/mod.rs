//! Importers: Exchange exports (JSON), the native TOML form, and `postconf -n` text.
//!
//! The `parse_*` and `load_str` functions are pure: they take the text and the name to
//! report it under. [`load_file`] is the only function here that reads a file. Every error
//! is an [`ImportError`]: file, line, column, a structured [`ImportErrorKind`], and the
//! source span for miette. JSON syntax positions come from serde_json, TOML ones from toml;
//! a semantic error (a bad range, an unknown permission group) points at the offending
//! value.
//!
//! # Formats
//!
//! - `Get-ReceiveConnector | ConvertTo-Json`: one object or an array. Every property may
//!   come as a string or as the object PowerShell serialises: `Bindings` as
//!   `"0.0.0.0:25"`, `"{0.0.0.0:25, [::]:25}"` or `{"Address": .., "Port": 25}`;
//!   `RemoteIPRanges` as `"10.0.0.1-10.0.0.9"`, `"192.168.1.0/24"` or
//!   `{"LowerBound", "UpperBound", "RangeFormat", "Expression"}`; `PermissionGroups` and
//!   `AuthMechanism` as `"AnonymousUsers, ExchangeServers"`, integer flags (`5`) or
//!   `{"Value": ..}`; `MaxMessageSize` as `"36 MB (37,748,736 bytes)"`, `"Unlimited"` or
//!   `{"IsUnlimited": false, "Value": ..}`; `Server` and `Fqdn` as strings or objects.
//!   Connectors are grouped into one [`ExchangeServer`] per `Server`.
//! - `Get-ADPermission -Identity <connector> | ConvertTo-Json`: `Identity` (`EX1\Relay` or
//!   an object with `DistinguishedName`), `User` (string or `{"RawIdentity"}`),
//!   `ExtendedRights` (names or `{"RawIdentity"}`), `Deny`, `AccessRights` (`GenericAll`
//!   grants every right).
//! - `Get-AcceptedDomain | ConvertTo-Json`: `DomainName` (string or `{"Domain",
//!   "IncludeSubDomains", "Address"}`), `DomainType` (name or 0/1/2), `Default`, and the
//!   relaylab extension `Recipients` (known local parts).
//! - `postconf -n` (or main.cf): `name = value` lines; a `# relaylab-interfaces:
//!   10.0.1.13/24` comment gives the interface prefixes `mynetworks_style` needs.
//! - Native TOML: `[[server]]` tables with `flavour = "exchange" | "exchange2003" |
//!   "postfix"`, and top-level `[[accepted_domain]]`s. Exchange servers have
//!   `[[server.connector]]` (snake_case property names), `[[server.permission]]` and
//!   `[[server.accepted_domain]]`; Exchange 2003 servers `relay_mode = "only_list" |
//!   "all_except_list"`, `relay_list`, `relay_for_auth`, `connection_mode`,
//!   `connection_list`, `local_domains`; Postfix servers `interfaces` and a
//!   `postconf = '''...'''` literal whose lines keep their positions in the TOML file.
//!
//! ```
//! use relaypolicy::import::load_str;
//!
//! let err = load_str("[{\"Name\": \"Relay\" \"Bindings\": []}]", "rc.json").unwrap_err();
//! assert_eq!((err.line, err.column), (1, 19));
//! assert!(err.to_string().starts_with("rc.json:1:19: invalid JSON"));
//! ```

mod error;
mod exchange_json;
mod jsonspan;
mod native;
mod postconf;

use std::path::Path;

use serde::Serialize;

pub use error::{ImportError, ImportErrorDetails, ImportErrorKind};
pub use exchange_json::{ExportKind, accepted_domains, ad_permissions, receive_connectors};
pub use native::parse_native;
pub use postconf::{INTERFACES_COMMENT, parse_postconf};

use crate::exchange::{AcceptedDomain, AdPermission, ExchangeServer};
use crate::policy::{Problem, Server};

/// What one or more files describe: servers, plus organisation-wide Exchange accepted
/// domains and AD permissions that apply to the Exchange servers by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PolicySet {
    /// The servers.
    pub servers: Vec<Server>,
    /// `Get-AcceptedDomain` entries (organisation-wide: every Exchange server gets them).
    pub accepted_domains: Vec<AcceptedDomain>,
    /// `Get-ADPermission` entries, applied to the Exchange server their Identity names (or
    /// to every one when it names none).
    pub permissions: Vec<AdPermission>,
}

impl PolicySet {
    /// Adds another file's content; Exchange servers of the same name are merged.
    pub fn merge(&mut self, other: PolicySet) {
        for s in other.servers {
            let existing = self.servers.iter_mut().find_map(|e| match (e, &s) {
                (Server::Exchange(a), Server::Exchange(b))
                    if a.name.eq_ignore_ascii_case(&b.name) =>
                {
                    Some(a)
                }
                _ => None,
            });
            match (existing, s) {
                (Some(a), Server::Exchange(b)) => {
                    a.connectors.extend(b.connectors);
                    a.permissions.extend(b.permissions);
                    a.accepted_domains.extend(b.accepted_domains);
                }
                (_, s) => self.servers.push(s),
            }
        }
        self.accepted_domains.extend(other.accepted_domains);
        self.permissions.extend(other.permissions);
    }

    /// The servers with organisation-wide accepted domains and AD permissions attached.
    pub fn resolved(&self) -> Vec<Server> {
        self.servers
            .iter()
            .map(|s| match s {
                Server::Exchange(ex) => {
                    let mut ex = ex.clone();
                    ex.accepted_domains
                        .extend(self.accepted_domains.iter().cloned());
                    ex.permissions.extend(
                        self.permissions
                            .iter()
                            .filter(|p| {
                                p.server
                                    .as_ref()
                                    .is_none_or(|n| n.eq_ignore_ascii_case(&ex.name))
                            })
                            .cloned(),
                    );
                    Server::Exchange(ex)
                }
                other => other.clone(),
            })
            .collect()
    }

    /// Configuration errors and unprovable entries of every server.
    pub fn problems(&self) -> Vec<Problem> {
        self.resolved().iter().flat_map(Server::problems).collect()
    }
}

/// Which format a text is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A PowerShell `ConvertTo-Json` export.
    ExchangeJson,
    /// The native TOML form (any flavour, including Exchange 2003 settings).
    NativeToml,
    /// `postconf -n` output.
    Postconf,
}

/// Guesses the format from the file name's extension, then from the content: JSON starts
/// with `{` or `[` followed by a JSON value; TOML has a `[server]`/`[[server]]` table or
/// `flavour =`; anything else is read as `postconf -n`.
pub fn sniff(file: &str, text: &str) -> Format {
    let lower = file.to_ascii_lowercase();
    if lower.ends_with(".json") {
        return Format::ExchangeJson;
    }
    if lower.ends_with(".toml") {
        return Format::NativeToml;
    }
    if lower.ends_with(".cf") {
        return Format::Postconf;
    }
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if t.starts_with('{') {
        return Format::ExchangeJson;
    }
    if let Some(rest) = t.strip_prefix('[') {
        let next = rest.trim_start().chars().next();
        if matches!(next, Some('{' | ']' | '"')) {
            return Format::ExchangeJson;
        }
    }
    let tomlish = text.lines().any(|l| {
        let l = l.trim();
        l.starts_with("[[server") || l.starts_with("[[accepted_domain") || l.starts_with("flavour")
    });
    if tomlish {
        Format::NativeToml
    } else {
        Format::Postconf
    }
}

/// Reads any supported text, reported as `file`.
pub fn load_str(text: &str, file: &str) -> Result<PolicySet, ImportError> {
    match sniff(file, text) {
        Format::NativeToml => parse_native(text, file),
        Format::Postconf => Ok(PolicySet {
            servers: vec![Server::Postfix(parse_postconf(text, file, &[])?)],
            ..PolicySet::default()
        }),
        Format::ExchangeJson => {
            let root = exchange_json::read_tree(file, text)?;
            match exchange_json::sniff(&root) {
                Some(ExportKind::ReceiveConnectors) => {
                    let mut set = PolicySet::default();
                    for c in receive_connectors(text, file)? {
                        let name = c.server.clone().unwrap_or_else(|| "Exchange".to_string());
                        let mut ex = ExchangeServer::new(&name);
                        ex.connectors.push(c);
                        set.merge(PolicySet { servers: vec![Server::Exchange(ex)], ..PolicySet::default() });
                    }
                    Ok(set)
                }
                Some(ExportKind::AdPermissions) => Ok(PolicySet { permissions: ad_permissions(text, file)?, ..PolicySet::default() }),
                Some(ExportKind::AcceptedDomains) => Ok(PolicySet { accepted_domains: accepted_domains(text, file)?, ..PolicySet::default() }),
                None => Err(ImportError::new(file, text, root.span.start..root.span.start + 1, ImportErrorKind::UnknownFormat {
                    reason: "a JSON export without Bindings/RemoteIPRanges (Get-ReceiveConnector), ExtendedRights/User (Get-ADPermission) or DomainName/DomainType (Get-AcceptedDomain)".into(),
                })),
            }
        }
    }
}

/// Reads a file of any supported format (the one function here that does IO).
pub fn load_file(path: &Path) -> Result<PolicySet, ImportError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        ImportError::unquoted(
            &name,
            1,
            1,
            ImportErrorKind::Io {
                message: e.to_string(),
            },
        )
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let valid = String::from_utf8_lossy(&e.as_bytes()[..at]).into_owned();
        let (line, column) = crate::session::line_col(&valid, valid.len());
        ImportError::unquoted(
            &name,
            line,
            column,
            ImportErrorKind::NotUtf8 {
                byte: e.as_bytes()[at],
                offset: at,
            },
        )
        .with_hint("exports are read as UTF-8 (PowerShell: `Out-File -Encoding utf8`); convert the file, or check that this is the file you meant")
    })?;
    load_str(&text, &name)
}

/// Reads several files into one set (connectors, permissions and accepted domains of one
/// organisation usually come in three exports).
pub fn load_files<'a>(paths: impl IntoIterator<Item = &'a Path>) -> Result<PolicySet, ImportError> {
    let mut set = PolicySet::default();
    for p in paths {
        set.merge(load_file(p)?);
    }
    Ok(set)
}
