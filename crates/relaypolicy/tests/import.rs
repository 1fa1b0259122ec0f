//! Importers on hand-written exports in the documented shapes.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

mod common;
use std::path::{Path, PathBuf};

use common::*;
use relaypolicy::exchange::{
    AuthMechanism as M, DomainType, ExtendedRight, PermissionGroup as G, Principal,
};
use relaypolicy::import::{self, ImportErrorKind, PolicySet};
use relaypolicy::{Probe, Server, Verdict};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn exchange(set: &PolicySet, name: &str) -> relaypolicy::exchange::ExchangeServer {
    set.resolved()
        .into_iter()
        .find_map(|s| match s {
            Server::Exchange(e) if e.name == name => Some(e),
            _ => None,
        })
        .unwrap()
}

#[test]
fn connectors_as_strings() {
    let set = import::load_file(&data("receive-connectors-strings.json")).unwrap();
    let ex = exchange(&set, "EX1");
    assert_eq!(ex.connectors.len(), 3);
    let fe = &ex.connectors[0];
    assert_eq!(
        fe.bindings
            .iter()
            .map(|b| b.to_string())
            .collect::<Vec<_>>(),
        ["[::]:25", "0.0.0.0:25"]
    );
    assert_eq!(
        fe.permission_groups,
        vec![
            G::AnonymousUsers,
            G::ExchangeServers,
            G::ExchangeLegacyServers
        ]
    );
    assert_eq!(
        fe.auth,
        vec![
            M::Tls,
            M::Integrated,
            M::BasicAuth,
            M::BasicAuthRequireTLS,
            M::ExchangeServer
        ]
    );
    assert_eq!(fe.max_message_size, Some(37_748_736));
    assert_eq!(fe.fqdn.as_deref(), Some("ex1.contoso.com"));
    assert_eq!(fe.transport_role.as_deref(), Some("FrontendTransport"));
    let relay = &ex.connectors[1];
    assert_eq!(relay.max_message_size, None, "Unlimited");
    assert_eq!(relay.max_recipients, Some(200));
    assert!(relay.bare_linefeed_rejection);
    assert_eq!(relay.banner.as_deref(), Some("220 relay.contoso.com"));
    let hub = &ex.connectors[2];
    assert_eq!(hub.bindings.len(), 2, "brace-wrapped string list");
    assert_eq!(hub.remote_ranges.len(), 2);
    assert!(ex.config_errors().is_empty(), "{:?}", ex.config_errors());
    // Origins point into the file.
    let o = relay.remote_ranges[0].origin.as_ref().unwrap();
    assert_eq!((o.line, o.column), (30, 32));
}

#[test]
fn connectors_as_objects() {
    let set = import::load_file(&data("receive-connectors-objects.json")).unwrap();
    let ex = exchange(&set, "EX2");
    let fe = &ex.connectors[0];
    assert_eq!(
        fe.bindings
            .iter()
            .map(|b| b.to_string())
            .collect::<Vec<_>>(),
        ["[::]:25", "0.0.0.0:25"]
    );
    assert_eq!(fe.remote_ranges.len(), 2);
    assert!(fe.remote_set().contains(&addr("2001:db8::1")));
    assert_eq!(
        fe.permission_groups,
        vec![
            G::AnonymousUsers,
            G::ExchangeServers,
            G::ExchangeLegacyServers
        ],
        "flags 13"
    );
    assert_eq!(fe.auth.len(), 5);
    assert_eq!(fe.transport_role.as_deref(), Some("FrontendTransport"));
    assert_eq!(fe.max_message_size, Some(37_748_736));
    assert_eq!(fe.fqdn.as_deref(), Some("ex2.contoso.com"));
    let relay = &ex.connectors[1];
    assert_eq!(relay.permission_groups, vec![G::AnonymousUsers]);
    assert!(relay.auth.is_empty());
    assert!(relay.remote_set().contains(&addr("10.0.0.20")));
    assert!(relay.remote_set().contains(&addr("10.1.2.9")));
}

#[test]
fn single_object_export() {
    let set = import::load_file(&data("receive-connector-single.json")).unwrap();
    let ex = exchange(&set, "EDGE1");
    assert_eq!(ex.connectors.len(), 1);
    assert_eq!(
        ex.connectors[0].permission_groups,
        vec![G::AnonymousUsers, G::Partners]
    );
}

#[test]
fn permissions_and_domains_merge_into_servers() {
    let files = [
        "receive-connectors-strings.json",
        "receive-connectors-objects.json",
        "adpermission.json",
        "accepted-domains.json",
    ]
    .map(data);
    let set = import::load_files(files.iter().map(PathBuf::as_path)).unwrap();
    assert_eq!(set.permissions.len(), 3);
    assert_eq!(
        set.permissions[1].server.as_deref(),
        Some("EX2"),
        "server from the DistinguishedName"
    );
    assert_eq!(set.permissions[1].user, Principal::Anonymous);
    assert_eq!(
        set.permissions[1].rights,
        vec![ExtendedRight::AcceptAnyRecipient]
    );
    assert_eq!(set.accepted_domains[1].domain, "*.fabrikam.com");
    assert_eq!(set.accepted_domains[1].kind, DomainType::InternalRelay);
    let servers = set.resolved();
    let ex1 = servers.iter().find(|s| s.name() == "EX1").unwrap();
    let ex2 = servers.iter().find(|s| s.name() == "EX2").unwrap();
    let probe = Probe::AnonymousRelay {
        external_domain: "example.net".into(),
    };
    let ex1_local = relaypolicy::Endpoint::new(addr("10.0.1.11"), 25);
    let ex2_local = relaypolicy::Endpoint::new(addr("10.0.1.12"), 25);
    assert_eq!(
        ex1.probe(ex1_local, addr("10.0.0.20"), &probe).verdict,
        Verdict::Relayed
    );
    assert_eq!(
        ex1.probe(ex1_local, addr("10.0.0.21"), &probe).verdict,
        Verdict::Rejected
    );
    // EX2's relay connector has an allow and a deny: the deny wins.
    assert_eq!(
        ex2.probe(ex2_local, addr("10.0.0.20"), &probe).verdict,
        Verdict::Rejected
    );
    // Accepted domains apply: sub.fabrikam.com is InternalRelay (relay by design).
    let st = relaypolicy::SessionState::new(ex1_local, addr("203.0.113.1"));
    assert_eq!(
        ex1.decide(&st, &relaypolicy::Step::Rcpt("<x@sub.fabrikam.com>"))
            .reply
            .code,
        250
    );
}

#[test]
fn malformed_json_names_line_and_column() {
    let err = import::load_file(&data("malformed.json")).unwrap_err();
    assert!(matches!(err.kind, ImportErrorKind::Json { .. }));
    assert_eq!((err.line, err.column), (5, 9));
    let msg = err.to_string();
    assert!(msg.contains("malformed.json:5:9"), "{msg}");
    assert!(msg.contains("expected `,` or `}`"), "{msg}");
    // miette renders the source with the label.
    let report = format!("{:?}", miette::Report::new(err));
    assert!(report.contains("RemoteIPRanges"), "{report}");
}

#[test]
fn semantic_errors_point_at_the_value() {
    let err = import::load_file(&data("bad-range.json")).unwrap_err();
    assert!(matches!(err.kind, ImportErrorKind::Address { .. }), "{err}");
    assert_eq!((err.line, err.column), (5, 43));
    let err = import::load_file(&data("bad-group.json")).unwrap_err();
    assert!(err.to_string().contains("Everybody"), "{err}");
    assert_eq!(err.line, 3);
    let err = import::load_file(&data("bad-native.toml")).unwrap_err();
    assert_eq!((err.line, err.column), (7, 34), "{err}");
    let err = import::load_str(
        "[[server]]\nname = \"x\"\nflavor = \"exchange\"\n",
        "typo.toml",
    )
    .unwrap_err();
    assert!(matches!(err.kind, ImportErrorKind::Toml { .. }));
    assert_eq!(err.line, 3, "{err}");
    let err = import::load_str(
        "mynetworks = 10.0.0.0/8\nthis is not a parameter\n",
        "main.cf",
    )
    .unwrap_err();
    assert_eq!((err.line, err.column), (2, 1));
    let err = import::load_str("mynetworks = 10.0.0.0/8 10.1.2.0/33\n", "main.cf").unwrap_err();
    assert_eq!((err.line, err.column), (1, 25));
    let err = import::load_file(&data("does-not-exist.json")).unwrap_err();
    assert!(matches!(err.kind, ImportErrorKind::Io { .. }));
    let err = import::load_str("[{\"Foo\": 1}]", "x.json").unwrap_err();
    assert!(matches!(err.kind, ImportErrorKind::UnknownFormat { .. }));
}

#[test]
fn postconf_file() {
    let set = import::load_file(&data("postconf-n.txt")).unwrap();
    let Server::Postfix(p) = &set.servers[0] else {
        panic!()
    };
    assert_eq!(p.myhostname, "mx1.example.com");
    assert_eq!(p.upstream_proxy_protocol.as_deref(), Some("haproxy"));
    assert_eq!(
        p.mydestination
            .iter()
            .map(|d| d.domain.as_str())
            .collect::<Vec<_>>(),
        ["mx1.example.com", "localhost.example.com", "localhost"]
    );
    let m = p.mynetworks_set();
    assert!(m.contains(&addr("10.1.2.4")) && !m.contains(&addr("10.1.2.5")));
    assert!(m.contains(&addr("127.0.0.9")) && m.contains(&addr("::1")));
    assert_eq!(p.interfaces, vec![("10.0.1.13".parse().unwrap(), 24)]);
}

#[test]
fn native_and_exchange2003_toml() {
    let set = import::load_file(&data("native.toml")).unwrap();
    let servers = set.resolved();
    assert_eq!(servers.len(), 2);
    let Server::Exchange(ex) = &servers[0] else {
        panic!()
    };
    assert_eq!(ex.accepted_domains[0].recipients.as_ref().unwrap().len(), 2);
    let Server::Postfix(pf) = &servers[1] else {
        panic!()
    };
    assert_eq!(pf.name, "PF1");
    // Origins inside the embedded postconf point into the TOML file.
    let o = pf.relay_restrictions[1].origin.as_ref().unwrap();
    assert_eq!((o.file.ends_with("native.toml"), o.line), (true, 38));

    let set = import::load_file(&data("exchange2003.toml")).unwrap();
    let s = &set.servers[0];
    assert_eq!(s.flavour(), "exchange2003");
    let probe = Probe::AnonymousRelay {
        external_domain: "example.net".into(),
    };
    assert_eq!(
        s.probe(local(), addr("10.1.2.9"), &probe).verdict,
        Verdict::Relayed
    );
    assert_eq!(
        s.probe(local(), addr("10.1.3.9"), &probe).verdict,
        Verdict::Rejected
    );
    assert_eq!(
        s.probe(local(), addr("192.0.2.66"), &probe).verdict,
        Verdict::Deferred
    );
    assert_eq!(set.problems().len(), 1, "the domain entry is not provable");
}

#[test]
fn sniffing_by_content() {
    use import::{Format, sniff};
    assert_eq!(sniff("x", "  [\n {\"Name\": 1}]"), Format::ExchangeJson);
    assert_eq!(sniff("x", "\u{feff}{}"), Format::ExchangeJson);
    assert_eq!(sniff("x", "[[server]]\nname='a'"), Format::NativeToml);
    assert_eq!(sniff("x", "mynetworks = 10.0.0.0/8"), Format::Postconf);
    assert_eq!(sniff("a.toml", "[x]"), Format::NativeToml);
    assert_eq!(sniff("main.cf", "[[server]]"), Format::Postconf);
}

#[test]
fn policy_show_text_and_json() {
    let files = [
        "receive-connectors-strings.json",
        "adpermission.json",
        "accepted-domains.json",
        "exchange2003.toml",
        "postconf-n.txt",
    ]
    .map(data);
    let set = import::load_files(files.iter().map(PathBuf::as_path)).unwrap();
    let text = relaypolicy::show::render_text(&set);
    assert!(text.contains("server EX1 (exchange)"), "{text}");
    assert!(text.contains("connector \"Relay EX1\""), "{text}");
    assert!(
        text.contains("anonymous relay from: 10.0.0.20/32"),
        "{text}"
    );
    assert!(text.contains("server EXCH03 (exchange2003)"), "{text}");
    assert!(text.contains("NotProvable"), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&relaypolicy::show::render_json(&set)).unwrap();
    let servers = json["servers"].as_array().unwrap();
    assert_eq!(servers.len(), 3);
    let relay = &servers[0]["connectors"][1];
    assert_eq!(relay["name"], "Relay EX1");
    assert_eq!(relay["anonymous_relay_from"][0], "10.0.0.20/32");
    assert_eq!(relay["rights"][0]["client"], "anonymous");
    assert_eq!(relay["rights"][0]["relay"], true);
    let fe = &servers[0]["connectors"][0];
    assert_eq!(fe["rights"][0]["relay"], false);
}

#[test]
fn truncated_depth_gets_a_hint() {
    let text = r#"[{"Name": "R", "Bindings": ["Microsoft.Exchange.Data.MultiValuedProperty`1[Microsoft.Exchange.Data.IPBinding]"]}]"#;
    let err = import::load_str(text, "rc.json").unwrap_err();
    assert_eq!((err.line, err.column), (1, 29));
    assert!(
        err.hint.as_deref().unwrap_or("").contains("-Depth"),
        "{:?}",
        err.hint
    );
}

#[test]
fn range_objects_with_cidr_length_or_single_bound() {
    let text = r#"{"Name": "R", "RemoteIPRanges": [
        {"LowerBound": "192.168.1.0", "UpperBound": "192.168.1.255", "CIDRLength": 24, "RangeFormat": "CIDR"},
        {"LowerBound": "10.0.0.0", "Netmask": "255.0.0.0"},
        {"LowerBound": "10.9.9.9", "RangeFormat": "SingleAddress"}
    ]}"#;
    let c = &import::receive_connectors(text, "rc.json").unwrap()[0];
    let set = c.remote_set();
    assert!(set.contains(&addr("192.168.1.200")) && set.contains(&addr("10.200.0.1")));
    assert_eq!(c.remote_ranges[0].text, "192.168.1.0/24");
    assert_eq!(c.remote_ranges[2].size(), 1);
}
