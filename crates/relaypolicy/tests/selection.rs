//! Connector selection and the configurations Exchange refuses.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

mod common;
use common::*;
use relaypolicy::exchange::{ConfigError, PermissionGroup};

/// Microsoft's "Receive connectors" worked example: three connectors on 0.0.0.0:25.
#[test]
fn microsoft_selection_example() {
    let s = server(vec![
        connector("A", "0.0.0.0:25", &["0.0.0.0/0"]),
        connector("B", "0.0.0.0:25", &["192.168.1.0/24"]),
        connector("C", "0.0.0.0:25", &["192.168.1.75"]),
    ]);
    assert!(s.config_errors().is_empty(), "{:?}", s.config_errors());
    let table = [
        ("192.168.1.75", "C"),
        ("192.168.1.74", "B"),
        ("192.168.1.1", "B"),
        ("192.168.2.75", "A"),
        ("10.1.1.1", "A"),
    ];
    for (remote, want) in table {
        let sel = s.select(&local(), &addr(remote));
        assert_eq!(
            sel.connector.map(|c| c.name.as_str()),
            Some(want),
            "{remote}"
        );
        assert!(sel.tied.is_empty());
    }
}

#[test]
fn binding_must_match_local_endpoint() {
    let s = server(vec![
        connector("v4", "0.0.0.0:25", &["0.0.0.0/0"]),
        connector("v6", "[::]:25", &["::/0"]),
        connector("other-ip", "10.0.1.99:25", &["10.1.1.5"]),
        connector("hub", "0.0.0.0:2525", &["10.1.1.5"]),
    ]);
    let sel = s.select(&local(), &addr("10.1.1.5"));
    assert_eq!(sel.connector.unwrap().name, "v4");
    let v6_local = relaypolicy::Endpoint::new(addr("2001:db8::11"), 25);
    assert_eq!(
        s.select(&v6_local, &addr("2001:db8::99"))
            .connector
            .unwrap()
            .name,
        "v6"
    );
    // Nothing listens on 587.
    let sub = relaypolicy::Endpoint::new(addr("10.0.1.11"), 587);
    let sel = s.select(&sub, &addr("10.1.1.5"));
    assert!(sel.connector.is_none());
    let d = relaypolicy::Server::Exchange(s.clone()).decide(
        &relaypolicy::SessionState::new(sub, addr("10.1.1.5")),
        &relaypolicy::Step::Connect,
    );
    assert_eq!(d.reply.code, 421);
    assert_eq!(d.effect, relaypolicy::Effect::Close);
}

#[test]
fn specific_binding_wins_tie_is_a_setting() {
    let mut s = server(vec![
        connector("wild", "0.0.0.0:25", &["10.1.1.0/24"]),
        connector("specific", "10.0.1.11:25", &["10.1.1.0/24"]),
    ]);
    let sel = s.select(&local(), &addr("10.1.1.5"));
    assert_eq!(sel.connector.unwrap().name, "specific");
    assert!(sel.trace.to_string().contains("UNCONFIRMED"));
    s.selection.specific_binding_wins_tie = false;
    let sel = s.select(&local(), &addr("10.1.1.5"));
    assert_eq!(sel.tied.len(), 1, "without the rule the tie is ambiguous");
    // A less specific range on the specific binding does not beat a more specific one.
    let s = server(vec![
        connector("wild", "0.0.0.0:25", &["10.1.1.5"]),
        connector("specific", "10.0.1.11:25", &["10.1.1.0/24"]),
    ]);
    assert_eq!(
        s.select(&local(), &addr("10.1.1.5"))
            .connector
            .unwrap()
            .name,
        "wild"
    );
}

#[test]
fn exact_duplicate_is_refused() {
    let s = server(vec![
        connector("one", "0.0.0.0:25", &["10.1.1.0/24"]),
        connector("two", "0.0.0.0:25", &["10.1.1.0-10.1.1.255"]),
    ]);
    assert!(matches!(
        s.config_errors()[..],
        [ConfigError::DuplicateConnector { .. }]
    ));
}

#[test]
fn overlapping_ranges_must_nest() {
    let s = server(vec![
        connector("one", "0.0.0.0:25", &["10.1.1.0/24"]),
        connector("two", "0.0.0.0:25", &["10.1.1.128-10.1.2.10"]),
    ]);
    let e = s.config_errors();
    assert!(
        matches!(e[..], [ConfigError::OverlappingRanges { .. }]),
        "{e:?}"
    );
    assert!(e[0].to_string().contains("overlap"));
    // Nested is fine; disjoint is fine; different ports never clash.
    let ok = server(vec![
        connector("a", "0.0.0.0:25", &["10.0.0.0/8"]),
        connector("b", "0.0.0.0:25", &["10.1.1.0/24"]),
        connector("c", "0.0.0.0:25", &["192.168.0.0/16"]),
        connector("d", "0.0.0.0:2525", &["10.1.1.128-10.1.2.10"]),
    ]);
    assert!(ok.config_errors().is_empty());
}

#[test]
fn frontend_and_hub_on_one_port_is_refused() {
    let mut fe = connector("Default Frontend", "0.0.0.0:25", &["0.0.0.0/0"]);
    fe.transport_role = Some("FrontendTransport".into());
    let mut hub = connector("Default", "10.0.1.11:25", &["10.0.0.0/8"]);
    hub.transport_role = Some("HubTransport".into());
    let s = server(vec![fe.clone(), hub.clone()]);
    assert!(matches!(
        s.config_errors()[..],
        [ConfigError::RoleConflict { .. }]
    ));
    hub.bindings = vec![relaypolicy::exchange::Binding::parse("0.0.0.0:2525").unwrap()];
    assert!(server(vec![fe, hub]).config_errors().is_empty());
}

#[test]
fn external_authoritative_needs_exchange_servers() {
    let c = with(
        connector("x", "0.0.0.0:25", &["10.0.0.20"]),
        &[PermissionGroup::AnonymousUsers],
        &[relaypolicy::exchange::AuthMechanism::ExternalAuthoritative],
    );
    assert!(matches!(
        server(vec![c]).config_errors()[..],
        [ConfigError::ExternalAuthoritativeWithoutExchangeServers { .. }]
    ));
}

#[test]
fn decision_sets_hold_every_range() {
    let s = relaypolicy::Server::Exchange(server(vec![
        connector("A", "0.0.0.0:25", &["0.0.0.0/0"]),
        connector("C", "0.0.0.0:25", &["192.168.1.75"]),
    ]));
    let sets = s.decision_sets();
    assert_eq!(sets.len(), 2);
    assert!(sets[1].set.contains(&addr("192.168.1.75")));
    assert!(sets[1].label.contains("192.168.1.75"));
}

#[test]
fn selected_from_subtracts_more_specific_connectors() {
    let s = server(vec![
        connector("A", "0.0.0.0:25", &["0.0.0.0/0"]),
        connector("B", "0.0.0.0:25", &["192.168.1.0/24"]),
        connector("C", "0.0.0.0:25", &["192.168.1.75"]),
        connector("D", "10.0.1.11:25", &["10.0.0.0/8"]),
    ]);
    let b = s.selected_from(&s.connectors[1]);
    assert!(b.contains(&addr("192.168.1.74")) && !b.contains(&addr("192.168.1.75")));
    let a = s.selected_from(&s.connectors[0]);
    assert!(!a.contains(&addr("192.168.1.10")));
    // On 10.0.1.11 D takes 10/8, but on every other local address A still does.
    assert!(a.contains(&addr("10.1.1.1")));
    assert_eq!(
        s.selected_from(&s.connectors[3]),
        addrspace::AddrSet::parse("10.0.0.0/8").unwrap()
    );
}
