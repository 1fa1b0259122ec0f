//! A small in-memory model shared by the prover's tests: one virtual with a rule, a pool
//! of two Exchange servers (one disabled), a relay SNAT pool.
#![allow(dead_code, clippy::unwrap_used)] // Shared by several test crates; fixtures are literals.

use addrspace::AddrSet;
use verify::{Intent, MemberServer, Model, Options};

const EXCHANGE: &str = r#"
[[server]]
name = "EX1"
flavour = "exchange"
version = "2016"

[[server.connector]]
name = "Default Frontend"
bindings = ["0.0.0.0:25"]
remote_ip_ranges = ["0.0.0.0-255.255.255.255"]
permission_groups = ["AnonymousUsers", "ExchangeServers"]
auth_mechanism = ["Tls", "ExchangeServer"]

[[server.connector]]
name = "Relay"
bindings = ["0.0.0.0:25"]
remote_ip_ranges = ["10.0.0.20", "10.0.0.21"]
permission_groups = ["AnonymousUsers"]
auth_mechanism = ["Tls"]

[[server.permission]]
connector = "Relay"
user = "NT AUTHORITY\\ANONYMOUS LOGON"
extended_rights = ["ms-Exch-SMTP-Accept-Any-Recipient"]

[[accepted_domain]]
domain = "contoso.com"
type = "Authoritative"
"#;

pub fn model(rule: &str, allowed: &[&str], extra: &str) -> Model {
    let conf = format!(
        "ltm pool /Common/p {{ members {{ /Common/10.0.1.11:25 {{ address 10.0.1.11 }} /Common/10.0.1.12:25 {{ address 10.0.1.12 session user-disabled }} }} }}
ltm snatpool /Common/relay_pool {{ members {{ /Common/10.0.0.20 /Common/10.0.0.21 }} }}
ltm rule /Common/r {{
{rule}
}}
ltm virtual /Common/vs {{ destination /Common/10.0.0.10:25 pool /Common/p rules {{ /Common/r }} source-address-translation {{ type automap }} }}
net self /Common/float {{ address 10.0.1.5/24 vlan /Common/internal traffic-group /Common/traffic-group-1 }}
{extra}"
    );
    let config = bigip::parse("t.conf", &conf).unwrap().config;
    let set = relaypolicy::import::parse_native(EXCHANGE, "ex.toml").unwrap();
    let server = set.resolved().remove(0);
    Model {
        name: "t".into(),
        config: std::sync::Arc::new(config),
        servers: vec![
            MemberServer {
                member: "10.0.1.11".parse().unwrap(),
                server: server.clone(),
            },
            MemberServer {
                member: "10.0.1.12".parse().unwrap(),
                server,
            },
        ],
        intent: Intent {
            relay_allowed: AddrSet::from_sets(
                &allowed
                    .iter()
                    .map(|a| AddrSet::parse(a).unwrap())
                    .collect::<Vec<_>>(),
            ),
            external_domain: "example.net".into(),
            local_recipient: "postmaster@contoso.com".into(),
            auth_requires_tls: false,
        },
        cases: Vec::new(),
        expected: Vec::new(),
        options: Options::default(),
    }
}
