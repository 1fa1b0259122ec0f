#![allow(dead_code, clippy::unwrap_used)]

use relaypolicy::exchange::{
    AcceptedDomain, AdPermission, AuthMechanism, Binding, DomainType, ExchangeServer,
    ExtendedRight, PermissionGroup, Principal, ReceiveConnector, RemoteRange,
};
use relaypolicy::{Endpoint, SessionState};

pub fn addr(s: &str) -> addrspace::Addr {
    s.parse().unwrap()
}

pub fn local() -> Endpoint {
    Endpoint::new(addr("10.0.1.11"), 25)
}

pub fn state(remote: &str) -> SessionState {
    SessionState::new(local(), addr(remote))
}

pub fn connector(name: &str, binding: &str, ranges: &[&str]) -> ReceiveConnector {
    let mut c = ReceiveConnector::new(name);
    c.bindings = vec![Binding::parse(binding).unwrap()];
    c.remote_ranges = ranges
        .iter()
        .map(|r| RemoteRange::parse(r).unwrap())
        .collect();
    c
}

pub fn with(
    mut c: ReceiveConnector,
    groups: &[PermissionGroup],
    auth: &[AuthMechanism],
) -> ReceiveConnector {
    c.permission_groups = groups.to_vec();
    c.auth = auth.to_vec();
    c
}

pub fn anonymous_relay_ace(connector: &str, deny: bool) -> AdPermission {
    AdPermission {
        connector: connector.into(),
        server: None,
        user: Principal::parse("NT AUTHORITY\\ANONYMOUS LOGON"),
        rights: vec![ExtendedRight::parse("ms-Exch-SMTP-Accept-Any-Recipient")],
        deny,
        origin: None,
    }
}

pub fn contoso() -> AcceptedDomain {
    AcceptedDomain {
        domain: "contoso.com".into(),
        kind: DomainType::Authoritative,
        recipients: Some(vec!["alice".into(), "postmaster".into()]),
        default: true,
        origin: None,
    }
}

pub fn server(connectors: Vec<ReceiveConnector>) -> ExchangeServer {
    let mut s = ExchangeServer::new("EX1");
    s.connectors = connectors;
    s.accepted_domains.push(contoso());
    s
}
