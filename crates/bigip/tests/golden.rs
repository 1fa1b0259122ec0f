//! Golden tests over hand-written configurations that together use every modelled object
//! kind, plus hand-checked facts about each. `UPDATE_GOLDEN=1 cargo test -p bigip` rewrites
//! the golden files; review the diff before committing it.

#![allow(clippy::unwrap_used)] // a test that cannot read its own fixtures should stop loudly

use std::path::{Path, PathBuf};

use addrspace::Addr;
use bigip::{Config, SourceTranslation};
use irule::datagroup::{DataGroupKind, RecordKey};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/configs")
}

/// The reference configuration is the one the scenario gallery and the demo use.
fn path_of(name: &str) -> PathBuf {
    if name == "reference.conf" {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/two-snat-workaround/bigip.conf")
    } else {
        dir().join(name)
    }
}

fn load(name: &str) -> (Config, bigip::FileProblems) {
    let path = path_of(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let loaded = bigip::parse(name, &text).unwrap_or_else(|e| panic!("{name} should load:\n{e}"));
    let mut config = loaded.config;
    let externals: Vec<(String, String)> = config
        .data_groups
        .values()
        .filter_map(|d| d.external_file.clone().map(|f| (d.group.name.clone(), f)))
        .collect();
    for (group, file) in externals {
        let text = std::fs::read_to_string(dir().join(&file)).unwrap();
        bigip::attach_external_file(&mut config, &group, &file, &text).unwrap();
    }
    (config, loaded.warnings)
}

fn golden(name: &str) {
    let (config, warnings) = load(name);
    let doc = serde_json::json!({ "config": config, "warnings": warnings.problems });
    let actual = serde_json::to_string_pretty(&doc).unwrap() + "\n";
    let path = dir().join(format!("{}.golden.json", name.trim_end_matches(".conf")));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "{} is missing: run UPDATE_GOLDEN=1 cargo test -p bigip",
            path.display()
        )
    });
    assert!(
        actual == expected,
        "{name} differs from its golden file; run UPDATE_GOLDEN=1 cargo test -p bigip and review the diff"
    );
}

fn addr(s: &str) -> Addr {
    s.parse().unwrap()
}

#[test]
fn golden_files() {
    for name in [
        "reference.conf",
        "two_snat_external.conf",
        "route_domains.conf",
        "partitions.conf",
        "v10_class.conf",
        "quoting_and_unknowns.conf",
        "imap_lc.conf",
    ] {
        golden(name);
    }
}

#[test]
fn reference_configuration() {
    let (c, warnings) = load("reference.conf");
    assert_eq!(c.tmsh_version.as_deref(), Some("13.1.1"));
    assert!(warnings.problems.is_empty(), "{warnings}");
    let vs = &c.virtuals["/Common/SMTP_VS"];
    assert_eq!(vs.destination.unwrap().to_string(), "10.0.0.10:25");
    assert_eq!(vs.source_translation, SourceTranslation::Automap);
    assert_eq!(vs.rules, ["/Common/smtp_irule"]);
    assert_eq!(vs.persist, ["/Common/source_addr"]);
    assert_eq!(vs.vlans_enabled, Some(true));
    let pool = &c.pools["/Common/smtp_pool"];
    assert_eq!(pool.members.len(), 2);
    assert_eq!(pool.members[1].endpoint.addr, addr("10.0.1.12"));
    assert_eq!(pool.monitors, ["/Common/smtp_monitor"]);
    let mon = &c.monitors["/Common/smtp_monitor"];
    assert_eq!(
        (mon.interval, mon.timeout, mon.domain.as_deref()),
        (120, 361, Some("example.com"))
    );
    let dg = &c.data_groups["/Common/smtp_relay_allowed"].group;
    assert_eq!(dg.kind, DataGroupKind::Ip);
    assert_eq!(dg.records[1].data.as_deref(), Some("print servers"));
    assert!(dg.addresses().contains(&addr("10.1.2.55")));
    assert!(!dg.addresses().contains(&addr("10.1.1.6")));
    assert_eq!(
        c.snatpools["/Common/relay_snat"].members,
        [addr("10.0.0.20")]
    );
    assert!(c.self_ips["/Common/float_int"].floating);
    assert!(!c.self_ips["/Common/self_ext"].floating);
    let rule = &c.rules["/Common/smtp_irule"];
    assert!(
        rule.text
            .contains("class match [IP::client_addr] equals smtp_relay_allowed")
    );
    let text = std::fs::read_to_string(path_of("reference.conf")).unwrap();
    assert_eq!(&text[rule.offset..rule.offset + rule.text.len()], rule.text);
    assert_eq!(rule.line, 26);
}

#[test]
fn external_data_group_file() {
    let (c, _) = load("two_snat_external.conf");
    let dg = &c.data_groups["/Common/relay_clients_ext"];
    assert_eq!(dg.external_file.as_deref(), Some("relay_clients.txt"));
    assert_eq!(dg.group.records.len(), 3);
    assert_eq!(
        dg.group.addresses().cidrs(),
        ["10.1.1.5/32", "10.1.2.0/24", "10.1.3.0/25"]
    );
    assert_eq!(dg.group.records[1].data.as_deref(), Some("scanner"));
    let pool = &c.pools["/Common/exchange_smtp"];
    assert_eq!(pool.monitors, ["/Common/smtp_ehlo", "/Common/tcp_25"]);
    assert_eq!(pool.members[1].endpoint.port, 25, "named port smtp");
    assert_eq!(
        c.virtuals["/Common/smtp_vs"].source_translation,
        SourceTranslation::Snat {
            pool: "/Common/snat_other".into()
        }
    );
    for kind in ["smtp", "tcp", "tcp_half_open", "gateway_icmp"] {
        assert!(c.monitors.values().any(|m| m.kind == kind), "{kind}");
    }
    assert_eq!(c.nodes["/Common/ex1"].address, Some(addr("10.0.1.11")));
}

#[test]
fn route_domains_and_ipv6() {
    let (c, _) = load("route_domains.conf");
    assert_eq!(c.route_domains["/Common/tenant_b"].id, 11);
    assert_eq!(
        c.route_domains["/Common/tenant_b"].parent.as_deref(),
        Some("/Common/0")
    );
    let a = &c.virtuals["/Common/smtp_a"];
    assert_eq!(a.destination.unwrap().addr, addr("192.0.2.10%10"));
    assert!(a.source.contains(&addr("8.8.8.8%10")));
    assert!(!a.source.contains(&addr("8.8.8.8")));
    let v6 = &c.virtuals["/Common/smtp_v6"];
    assert_eq!(v6.destination.unwrap().to_string(), "2001:db8:10::10.25");
    assert_eq!(v6.source_translation, SourceTranslation::None);
    assert_eq!(c.pools["/Common/pool_v6"].members[0].endpoint.port, 25);
    assert_eq!(
        c.self_ips["/Common/self_b"].address,
        addr("192.168.150.5%11")
    );
    let dg = &c.data_groups["/Common/relay_a"].group;
    assert!(matches!(dg.records[0].key, RecordKey::Ip { domain, .. } if domain.route_domain == 10));
    assert!(dg.addresses().contains(&addr("10.10.1.77%10")));
    assert!(
        !dg.addresses().contains(&addr("10.10.1.77")),
        "route domain 0 is another network"
    );
    assert!(dg.addresses().contains(&addr("2001:db8:99::1")));
}

#[test]
fn partitions_and_origin_snats() {
    let (c, _) = load("partitions.conf");
    let vs = &c.virtuals["/Mail/mx_vs"];
    assert_eq!(vs.pool.as_deref(), Some("/Mail/mx_pool"));
    assert_eq!(vs.source.cidrs(), ["198.51.100.0/22"]);
    assert_eq!(
        c.pools["/Mail/mx_pool"].load_balancing_mode,
        "least-connections-member"
    );
    assert!(c.pools["/Mail/mx_pool"].members[1].disabled);
    assert_eq!(c.snatpools["/Mail/mx_snat"].members, [addr("10.20.0.250")]);
    assert_eq!(
        c.snat_translations["/Mail/outbound_mail"].address,
        addr("10.20.0.250")
    );
    let legacy = &c.snats["/Common/legacy_out"];
    assert_eq!(legacy.target, Some(bigip::SnatTarget::Automap));
    assert_eq!(legacy.origins.cidrs(), ["172.16.5.0/24", "172.16.6.10/32"]);
}

#[test]
fn v10_classes() {
    let (c, _) = load("v10_class.conf");
    let hosts = &c.data_groups["/Common/relay_hosts"];
    assert_eq!(hosts.origin, "v10 class");
    assert_eq!(hosts.group.kind, DataGroupKind::Ip);
    assert_eq!(
        hosts.group.addresses().cidrs(),
        ["10.1.1.5/32", "10.1.2.0/23", "10.1.4.0/25"]
    );
    let inline = &c.data_groups["/Common/relay_hosts_inline"].group;
    assert_eq!(inline.addresses().cidrs(), ["1.2.3.4/32", "10.0.0.0/8"]);
    let domains = &c.data_groups["/Common/sender_domains"].group;
    assert_eq!(domains.kind, DataGroupKind::String);
    assert_eq!(domains.records[0].data.as_deref(), Some("internal"));
    assert_eq!(
        domains.records[1].key,
        RecordKey::Text("fabrikam.com".into())
    );
}

#[test]
fn quoting_and_unknowns() {
    let (c, warnings) = load("quoting_and_unknowns.conf");
    let banners = &c.data_groups["/Common/banners"].group;
    assert_eq!(banners.records[0].name, "say \"hello\"");
    assert_eq!(
        banners.records[0].data.as_deref(),
        Some("line one\nline two")
    );
    let ports = &c.data_groups["/Common/ports"].group;
    assert_eq!(ports.records[1].key, RecordKey::Integer(587));
    let pool = &c.pools["/Common/p"];
    assert_eq!(pool.monitor_min, Some(1));
    assert_eq!(pool.monitors, ["/Common/t1", "/Common/t2"]);
    assert_eq!(pool.members[0].ratio, 3);
    assert_eq!(pool.members[0].priority_group, 2);
    assert_eq!(pool.load_balancing_mode, "ratio-member");
    // Nothing dropped silently: the sys object, the http monitor kind and the new
    // attribute are each a warning with its line.
    let lines: Vec<(usize, &str)> = warnings
        .problems
        .iter()
        .map(|p| (p.line, p.message.as_str()))
        .collect();
    assert!(
        lines.iter().any(|(l, m)| *l == 4 && m.contains("sys ntp")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|(l, m)| *l == 21 && m.contains("monitor kind `http`")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|(l, m)| *l == 27 && m.contains("shiny-new-attribute")),
        "{lines:?}"
    );
    assert_eq!(c.unmodelled.len(), warnings.problems.len());
}

#[test]
fn imap_and_persistence() {
    let (c, _) = load("imap_lc.conf");
    let vs = &c.virtuals["/Common/imap_vs"];
    assert_eq!(vs.destination.unwrap().port, 143);
    assert_eq!(vs.persist, ["/Common/imap_src"]);
    assert_eq!(
        vs.fallback_persistence.as_deref(),
        Some("/Common/dest_addr")
    );
    assert_eq!(vs.vlans_enabled, Some(false));
    assert!(c.virtuals["/Common/imaps_vs"].disabled);
    let p = &c.persistence["/Common/imap_src"];
    assert_eq!(
        (p.mask.as_deref(), p.timeout),
        (Some("255.255.255.0"), 3600)
    );
    assert!(c.pools["/Common/imap_pool"].members[1].disabled);
    assert_eq!(c.self_ips.values().filter(|s| s.floating).count(), 1);
}
