//! The typed, vendor-neutral model of a BIG-IP configuration.
//!
//! Every question relaylab asks is asked of this model, never of the text. Names are full
//! partition paths (`/Common/smtp_pool`); each object remembers the 1-based line it starts
//! on so that explanations can cite the configuration.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use addrspace::{Addr, AddrSet};
use irule::datagroup::DataGroup;
use serde::Serialize;

/// A parsed configuration.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Config {
    /// The file name the configuration was read from (the first, when several were).
    pub source_name: String,
    /// The files, when the configuration was read from several: lines in the model
    /// then count through all of them in order; [`Config::place`] names file and line.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourceFile>,
    /// The `#TMSH-VERSION:` header, if present.
    pub tmsh_version: Option<String>,
    /// `ltm virtual` (and v10 `virtual`).
    pub virtuals: BTreeMap<String, Virtual>,
    /// `ltm pool`.
    pub pools: BTreeMap<String, Pool>,
    /// `ltm node`.
    pub nodes: BTreeMap<String, Node>,
    /// `ltm monitor <kind>`.
    pub monitors: BTreeMap<String, Monitor>,
    /// `ltm data-group internal|external` and v10 `class`.
    pub data_groups: BTreeMap<String, DataGroupDef>,
    /// `ltm snatpool`.
    pub snatpools: BTreeMap<String, SnatPool>,
    /// `ltm snat-translation`.
    pub snat_translations: BTreeMap<String, SnatTranslation>,
    /// `ltm snat` (origin-based SNATs).
    pub snats: BTreeMap<String, Snat>,
    /// `ltm persistence source-addr` (and other persistence kinds, by name).
    pub persistence: BTreeMap<String, Persistence>,
    /// `ltm rule`.
    pub rules: BTreeMap<String, Rule>,
    /// `net self`.
    pub self_ips: BTreeMap<String, SelfIp>,
    /// `net vlan`.
    pub vlans: BTreeMap<String, Vlan>,
    /// `net route-domain`.
    pub route_domains: BTreeMap<String, RouteDomain>,
    /// `ltm profile KIND NAME`: each profile's kind (`http`, `client-ssl`, `dns`, ...), by
    /// full name. Built-in profiles (`/Common/http`) need no entry: see
    /// [`Config::profile_kind`].
    pub profile_kinds: BTreeMap<String, String>,
    /// `sys provision MODULE` at a level other than `none`: the modules whose iRule
    /// commands run on this system (`asm`, `apm`, `ilx`, ...).
    pub provisioned: BTreeSet<String>,
    /// Objects and attributes relaylab reads past without modelling, with their lines.
    pub unmodelled: Vec<Unmodelled>,
}

/// One of several files a configuration was read from.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SourceFile {
    /// The file's name as given.
    pub name: String,
    /// The model's line number of its first line.
    pub first_line: usize,
    /// Its first byte in the files read as one.
    #[serde(skip)]
    pub offset: usize,
}

impl Config {
    /// The file and that file's own line for a line the model records (an object's
    /// `line`): the configuration's one file when it was read from one.
    pub fn place(&self, line: usize) -> (&str, usize) {
        if self.sources.is_empty() {
            return (&self.source_name, line);
        }
        crate::load::place_in(&self.sources, line)
    }

    /// When the configuration has no self IP at all, the first object that may use SNAT
    /// automap (a virtual's `source-address-translation`, an origin SNAT, an iRule
    /// attached to a virtual that names `automap`), with its file and line. A device
    /// always has self IPs: their absence says the file that holds them
    /// (`bigip_base.conf`) was not given, and automap's answer would be made up.
    pub fn automap_without_self_ips(&self) -> Option<String> {
        if !self.self_ips.is_empty() {
            return None;
        }
        let at = |line: usize| {
            let (file, line) = self.place(line);
            format!("{file} line {line}")
        };
        if let Some(v) = self
            .virtuals
            .values()
            .find(|v| v.source_translation == SourceTranslation::Automap)
        {
            return Some(format!("virtual {} ({})", v.name, at(v.line)));
        }
        if let Some(s) = self
            .snats
            .values()
            .find(|s| matches!(s.target, Some(SnatTarget::Automap)))
        {
            return Some(format!("SNAT {} ({})", s.name, at(s.line)));
        }
        let names_automap = |text: &str| {
            text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .any(|w| w == "automap")
        };
        self.virtuals.values().find_map(|v| {
            let r = v
                .rules
                .iter()
                .filter_map(|r| self.rules.get(r))
                .find(|r| names_automap(&r.text))?;
            Some(format!(
                "iRule {} ({}) on virtual {}",
                r.name,
                at(r.line),
                v.name
            ))
        })
    }

    /// Where a rule's text stands in its own file, so the iRule engine's parse and load
    /// errors name that file's lines.
    pub fn rule_placed(&self, rule: &Rule) -> irule::Placed {
        let (file, line) = self.place(rule.text_line);
        irule::Placed {
            file: std::sync::Arc::from(file),
            line,
            col: rule.text_column,
        }
    }
    /// The kind of the profile `name` (full name): its `ltm profile` definition, or for
    /// BIG-IP's built-in profiles their name (`/Common/clientssl` is a client-ssl profile).
    pub fn profile_kind(&self, name: &str) -> Option<String> {
        if let Some(k) = self.profile_kinds.get(name) {
            return Some(k.clone());
        }
        let base = name.strip_prefix("/Common/")?;
        Some(match base {
            "clientssl" => "client-ssl".into(),
            "serverssl" => "server-ssl".into(),
            "httpcompression" => "http-compression".into(),
            "webacceleration" => "web-acceleration".into(),
            other => other.into(),
        })
    }
}

/// Something read but not modelled: kept so nothing is dropped silently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unmodelled {
    /// What it is (`sys ntp`, or `ltm virtual /Common/x: attribute foo`).
    pub what: String,
    /// The file, when the configuration was read from several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// 1-based line (in `file`, when given).
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// A destination or pool member endpoint: address and port (0 means any port).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Endpoint {
    /// The address with its route domain.
    #[serde(serialize_with = "display")]
    pub addr: Addr,
    /// The port; 0 is `any`.
    pub port: u16,
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // tmsh writes IPv6 endpoints with a dot before the port.
        let sep = if self.addr.ip.is_ipv6() { '.' } else { ':' };
        if self.port == 0 {
            write!(f, "{}{sep}any", self.addr)
        } else {
            write!(f, "{}{sep}{}", self.addr, self.port)
        }
    }
}

/// How a virtual translates client source addresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum SourceTranslation {
    /// No translation: servers see the client's own address.
    None,
    /// SNAT automap: a self IP of the egress VLAN.
    Automap,
    /// A SNAT pool by name.
    Snat {
        /// The snatpool's full name.
        pool: String,
    },
}

/// `ltm virtual`.
#[derive(Debug, Clone, Serialize)]
pub struct Virtual {
    /// Full name.
    pub name: String,
    /// 1-based line of the object.
    pub line: usize,
    /// `destination`.
    pub destination: Option<Endpoint>,
    /// `mask` (as written).
    pub mask: Option<String>,
    /// `source`: the clients the virtual accepts (default: every address).
    #[serde(serialize_with = "display")]
    pub source: AddrSet,
    /// `ip-protocol`.
    pub ip_protocol: Option<String>,
    /// `pool` (default pool).
    pub pool: Option<String>,
    /// `rules`, in the order written.
    pub rules: Vec<String>,
    /// `persist`: profile names, the default one first.
    pub persist: Vec<String>,
    /// `fallback-persistence`.
    pub fallback_persistence: Option<String>,
    /// `source-address-translation` (or v10 `snat automap` / `snatpool`).
    pub source_translation: SourceTranslation,
    /// `vlans`.
    pub vlans: Vec<String>,
    /// `vlans-enabled` (true), `vlans-disabled` (false); absent means all VLANs.
    pub vlans_enabled: Option<bool>,
    /// `profiles` by name.
    pub profiles: Vec<String>,
    /// `translate-address` (default enabled).
    pub translate_address: bool,
    /// `disabled` flag.
    pub disabled: bool,
}

/// `ltm pool`.
#[derive(Debug, Clone, Serialize)]
pub struct Pool {
    /// Full name.
    pub name: String,
    /// 1-based line.
    pub line: usize,
    /// `load-balancing-mode` (default `round-robin`).
    pub load_balancing_mode: String,
    /// `members`.
    pub members: Vec<PoolMember>,
    /// Monitor names from `monitor` (`a and b`, `min 1 of { a b }`).
    pub monitors: Vec<String>,
    /// `min N of`: how many monitors must pass (None: all).
    pub monitor_min: Option<u32>,
    /// `service-down-action` (default `none`).
    pub service_down_action: String,
}

/// A pool member.
#[derive(Debug, Clone, Serialize)]
pub struct PoolMember {
    /// The member's name (`/Common/10.0.1.11:25` or `/Common/ex1:25`).
    pub name: String,
    /// 1-based line.
    pub line: usize,
    /// Address and port.
    pub endpoint: Endpoint,
    /// `ratio` (default 1).
    pub ratio: u32,
    /// `priority-group` (default 0).
    pub priority_group: u32,
    /// `session user-disabled` or `state user-down`.
    pub disabled: bool,
    /// Member-specific `monitor`, if any.
    pub monitors: Vec<String>,
}

/// `ltm node`.
#[derive(Debug, Clone, Serialize)]
pub struct Node {
    /// Full name.
    pub name: String,
    /// 1-based line.
    pub line: usize,
    /// `address`.
    #[serde(serialize_with = "display_opt")]
    pub address: Option<Addr>,
    /// `monitor`.
    pub monitors: Vec<String>,
}

/// `ltm monitor <kind>`.
#[derive(Debug, Clone, Serialize)]
pub struct Monitor {
    /// Full name.
    pub name: String,
    /// 1-based line.
    pub line: usize,
    /// `smtp`, `tcp`, `tcp_half_open`, `gateway_icmp` or another kind.
    pub kind: String,
    /// `defaults-from`.
    pub defaults_from: Option<String>,
    /// `interval` seconds (default 5).
    pub interval: u32,
    /// `timeout` seconds (default 16).
    pub timeout: u32,
    /// `domain` (smtp monitors: the HELO name).
    pub domain: Option<String>,
    /// `destination` (`*:*` when absent).
    pub destination: Option<String>,
    /// `send`.
    pub send: Option<String>,
    /// `recv`.
    pub recv: Option<String>,
}

/// A data group with where it came from.
#[derive(Debug, Clone, Serialize)]
pub struct DataGroupDef {
    /// The records, typed.
    pub group: DataGroup,
    /// 1-based line.
    pub line: usize,
    /// `internal`, `external` or `v10 class`.
    pub origin: String,
    /// For external data groups: `external-file-name`; records come from
    /// [`crate::attach_external_file`].
    pub external_file: Option<String>,
}

/// `ltm snatpool`.
#[derive(Debug, Clone, Serialize)]
pub struct SnatPool {
    /// Full name.
    pub name: String,
    /// 1-based line.
    pub line: usize,
    /// Translation addresses.
    #[serde(serialize_with = "display_vec")]
    pub members: Vec<Addr>,
}

/// `ltm snat-translation`.
#[derive(Debug, Clone, Serialize)]
pub struct SnatTranslation {
    /// Full name.
    pub name: String,
    /// 1-based line.
    pub line: usize,
    /// `address`.
    #[serde(serialize_with = "display")]
    pub address: Addr,
    /// `traffic-group`.
    pub traffic_group: Option<String>,
}

/// What an origin-based SNAT translates to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum SnatTarget {
    /// Self IP automap.
    Automap,
    /// One translation address.
    Translation {
        /// The address.
        address: String,
    },
    /// A SNAT pool.
    Snatpool {
        /// The pool's full name.
        pool: String,
    },
}

/// `ltm snat`: translation for traffic from listed origins, outside any virtual.
#[derive(Debug, Clone, Serialize)]
pub struct Snat {
    /// Full name.
    pub name: String,
    /// 1-based line.
    pub line: usize,
    /// `origins`.
    #[serde(serialize_with = "display")]
    pub origins: AddrSet,
    /// `translation`, `automap` or `snatpool`.
    pub target: Option<SnatTarget>,
    /// `vlans`.
    pub vlans: Vec<String>,
}

/// `ltm persistence <kind>`.
#[derive(Debug, Clone, Serialize)]
pub struct Persistence {
    /// Full name.
    pub name: String,
    /// 1-based line.
    pub line: usize,
    /// `source-addr`, `dest-addr`, ...
    pub kind: String,
    /// `defaults-from`.
    pub defaults_from: Option<String>,
    /// `mask` (`none` means /32 or /128).
    pub mask: Option<String>,
    /// `timeout` seconds (default 180).
    pub timeout: u32,
}

/// `ltm rule`: iRule text with where it stands in the file.
#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    /// Full name.
    pub name: String,
    /// 1-based line of the `ltm rule` statement.
    pub line: usize,
    /// The Tcl text between the outer braces.
    pub text: String,
    /// Byte offset of `text` in the configuration file.
    pub offset: usize,
    /// 1-based line on which `text` begins.
    pub text_line: usize,
    /// 1-based column (in bytes) at which `text` begins.
    #[serde(skip)]
    pub text_column: usize,
}

/// `net self`.
#[derive(Debug, Clone, Serialize)]
pub struct SelfIp {
    /// Full name.
    pub name: String,
    /// 1-based line.
    pub line: usize,
    /// The self IP's own address.
    #[serde(serialize_with = "display")]
    pub address: Addr,
    /// Its prefix length.
    pub prefix_len: u8,
    /// `vlan`.
    pub vlan: Option<String>,
    /// `traffic-group`.
    pub traffic_group: Option<String>,
    /// Floating: in a traffic group other than `traffic-group-local-only`.
    pub floating: bool,
}

/// `net vlan`.
#[derive(Debug, Clone, Serialize)]
pub struct Vlan {
    /// Full name.
    pub name: String,
    /// 1-based line.
    pub line: usize,
    /// `tag`.
    pub tag: Option<u16>,
}

/// `net route-domain`.
#[derive(Debug, Clone, Serialize)]
pub struct RouteDomain {
    /// Full name.
    pub name: String,
    /// 1-based line.
    pub line: usize,
    /// `id`.
    pub id: u16,
    /// `vlans`.
    pub vlans: Vec<String>,
    /// `parent`.
    pub parent: Option<String>,
}

fn display<T: fmt::Display, S: serde::Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

fn display_opt<T: fmt::Display, S: serde::Serializer>(
    v: &Option<T>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.collect_str(v),
        None => s.serialize_none(),
    }
}

fn display_vec<T: fmt::Display, S: serde::Serializer>(v: &[T], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(|x| x.to_string()))
}

impl Monitor {
    /// A monitor with BIG-IP's defaults (5 s interval, 16 s timeout) and nothing else set.
    pub fn with_defaults(name: &str, kind: &str, line: usize) -> Monitor {
        Monitor {
            name: name.to_string(),
            line,
            kind: kind.to_string(),
            defaults_from: None,
            interval: 5,
            timeout: 16,
            domain: None,
            destination: None,
            send: None,
            recv: None,
        }
    }

    /// BIG-IP's built-in monitor of this name (`/Common/smtp`, `/Common/tcp`,
    /// `/Common/tcp_half_open`, `/Common/gateway_icmp`) with its default timings: pools
    /// name them without a line in bigip.conf.
    pub fn builtin(name: &str) -> Option<Monitor> {
        let kind = name.strip_prefix("/Common/")?;
        matches!(kind, "smtp" | "tcp" | "tcp_half_open" | "gateway_icmp")
            .then(|| Monitor::with_defaults(name, kind, 0))
    }
}
