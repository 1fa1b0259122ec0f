//! Issue 11, relaypolicy's rows: `$name` expansion is bounded, JSON nesting is a located
//! error at a stated depth, and imports stay near-linear in the entries a user writes.
#![allow(clippy::unwrap_used)] // Test helpers may panic: a panic is a failed test.

use std::fmt::Write;
use std::time::{Duration, Instant};

use relaypolicy::import::{self, ImportErrorKind};

/// Generous: a bound on behaviour, not a timing (timings are in benches/import.rs).
const BEHAVIOUR_BOUND: Duration = Duration::from_secs(10);

/// Ten references per level, six levels, eight lines: 27 s and 1.25 GB before.
#[test]
fn postconf_expansion_is_bounded_and_located() {
    let mut text = String::from("myhostname = mx.example.com\nv0 = 10.0.0.1\n");
    for i in 1..=6 {
        let refs = vec![format!("$v{}", i - 1); 10].join(" ");
        let _ = writeln!(text, "v{i} = {refs}");
    }
    text.push_str("mynetworks = 127.0.0.0/8 $v6\n");
    let start = Instant::now();
    let e = import::load_str(&text, "main.cf").unwrap_err();
    assert!(start.elapsed() < BEHAVIOUR_BOUND, "{:?}", start.elapsed());
    assert!(
        matches!(&e.kind, ImportErrorKind::Expansion { property, .. } if property == "mynetworks"),
        "{e}"
    );
    assert_eq!((e.line, e.column), (9, 26), "{e}");
    assert!(e.to_string().contains("longer than 1048576 bytes"), "{e}");
}

/// Expansion is shared: a value used many times is expanded once, so a wide but small
/// configuration reads, with the same answer as before.
#[test]
fn postconf_expansion_below_the_limit_is_unchanged() {
    let text = "myhostname = mx.example.com\nnets = 10.0.0.0/8 ${more}\nmore = 192.0.2.0/24, 172.16.0.0/12\nmynetworks = $nets $nets\nrelay_domains = $mydomain\n";
    let set = import::load_str(text, "main.cf").unwrap();
    let relaypolicy::Server::Postfix(p) = &set.servers[0] else {
        panic!("not postfix")
    };
    let nets: Vec<&str> = p
        .mynetworks
        .as_ref()
        .unwrap()
        .iter()
        .map(|e| e.text.as_str())
        .collect();
    assert_eq!(
        nets,
        [
            "10.0.0.0/8",
            "192.0.2.0/24",
            "172.16.0.0/12",
            "10.0.0.0/8",
            "192.0.2.0/24",
            "172.16.0.0/12"
        ]
    );
    assert_eq!(p.relay_domains[0].domain, "example.com");
}

#[test]
fn postconf_expansion_loop_is_an_error() {
    let text = "a = $b\nb = x ${a}\nmynetworks = 10.0.0.0/8 $a\n";
    let e = import::load_str(text, "main.cf").unwrap_err();
    assert!(e.to_string().contains("refers to itself"), "{e}");
    assert_eq!((e.line, e.column), (3, 25), "{e}");
}

/// 7,000 nested arrays overflowed the stack (exit 134).
#[test]
fn deep_json_is_a_located_error() {
    let text = format!("{}{}", "[".repeat(7000), "]".repeat(7000));
    let e = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || import::load_str(&text, "rc.json").unwrap_err().to_string())
        .unwrap()
        .join()
        .unwrap();
    assert!(
        e.starts_with("rc.json:1:129: invalid JSON: arrays and objects nested deeper than 128"),
        "{e}"
    );
}

/// Every entry's origin scanned the file from its start: quadratic in the entries.
#[test]
fn big_exports_import_in_near_linear_time() {
    let n = 20_000;
    let addr = |i: usize| std::net::Ipv4Addr::from(0x0a00_0000u32 + (i as u32) * 4);
    let mut postconf = String::from("myhostname = mx.contoso.com\nmynetworks =");
    let mut ranges = Vec::new();
    let mut relay = String::from(
        "[[server]]\nname = \"EXCH03\"\nflavour = \"exchange2003\"\nrelay_mode = \"only_list\"\nrelay_list = [\n",
    );
    for i in 0..n {
        let _ = write!(postconf, "\n  {}/30", addr(i));
        ranges.push(format!("\"{}/30\"", addr(i)));
        let _ = writeln!(relay, "  \"{} 255.255.255.252\",", addr(i));
    }
    postconf.push('\n');
    relay.push_str("]\n");
    let json = format!(
        "[{{\"Name\": \"Relay\", \"Server\": \"EX1\", \"Bindings\": [\"0.0.0.0:25\"],\n\"RemoteIPRanges\": [\n{}\n], \"PermissionGroups\": \"AnonymousUsers\"}}]",
        ranges.join(",\n")
    );
    for (file, text) in [
        ("main.cf", postconf),
        ("rc.json", json),
        ("ex2003.toml", relay),
    ] {
        let start = Instant::now();
        let set = import::load_str(&text, file).unwrap();
        let took = start.elapsed();
        assert!(took < BEHAVIOUR_BOUND, "{file}: {took:?}");
        let sets: usize = set.resolved().iter().map(|s| s.decision_sets().len()).sum();
        assert!(sets >= n, "{file}: {sets}");
    }
}

/// A misspelt right read as an unmodelled one and granted nothing, silently.
#[test]
fn a_misspelt_extended_right_is_a_located_error() {
    let json = "[\n  {\n    \"Identity\": \"EX1\\\\Relay\",\n    \"User\": \"NT AUTHORITY\\\\ANONYMOUS LOGON\",\n    \"ExtendedRights\": [\"ms-Exch-SMTP-Accept-Any-Recipent\"],\n    \"Deny\": false\n  }\n]\n";
    let e = import::load_str(json, "perm.json").unwrap_err();
    assert_eq!((e.line, e.column), (5, 24), "{e}");
    assert!(
        e.to_string()
            .contains("did you mean ms-Exch-SMTP-Accept-Any-Recipient"),
        "{e}"
    );
    // A right Exchange has that relaylab does not model is still read.
    let other = json.replace(
        "ms-Exch-SMTP-Accept-Any-Recipent",
        "ms-Exch-SMTP-Submit-For-MLS",
    );
    assert!(import::load_str(&other, "perm.json").is_ok());
    let toml = "[[server]]\nname = \"EX1\"\nflavour = \"exchange\"\n[[server.permission]]\nconnector = \"Relay\"\nuser = \"NT AUTHORITY\\\\ANONYMOUS LOGON\"\nextended_rights = [\"ms-Exch-SMTP-Acept-Any-Recipient\"]\n";
    let e = import::load_str(toml, "ex.toml").unwrap_err();
    assert_eq!(e.line, 7, "{e}");
}

/// `# relaylab-interfaces: 10.0.1.13/99` was accepted.
#[test]
fn an_interface_prefix_out_of_range_is_a_located_error() {
    let text = "# relaylab-interfaces: 10.0.1.13/99\nmyhostname = mx\nmynetworks_style = subnet\n";
    let e = import::load_str(text, "main.cf").unwrap_err();
    assert_eq!((e.line, e.column), (1, 24), "{e}");
}

/// `policy show` asked `selected_from` of a connector with 8,000 ranges: every interval
/// of the partition scanned every range (27 s in a debug build).
#[test]
fn selection_among_many_ranges_is_near_linear() {
    let n = 20_000;
    let mut ex = relaypolicy::exchange::ExchangeServer::new("EX1");
    let mut relay = relaypolicy::exchange::ReceiveConnector::new("Relay");
    relay.remote_ranges = (0..n)
        .map(|i| {
            let a = std::net::Ipv4Addr::from(0x0a00_0000u32 + (i as u32) * 4);
            relaypolicy::exchange::RemoteRange::parse(&format!("{a}/30")).unwrap()
        })
        .collect();
    ex.connectors
        .push(relaypolicy::exchange::ReceiveConnector::new("Default"));
    ex.connectors.push(relay);
    let start = Instant::now();
    let taken = ex.selected_from(&ex.connectors[1]);
    assert!(start.elapsed() < BEHAVIOUR_BOUND, "{:?}", start.elapsed());
    assert_eq!(taken.count_in(addrspace::Domain::V4), 4 * n as u128);
}

proptest::proptest! {
    /// The index answers as a scan of every range would: the smallest range holding the
    /// address, the first of equal sizes.
    #[test]
    fn best_range_agrees_with_a_scan(
        ranges in proptest::collection::vec((0u32..64, 24u8..=32, proptest::bool::ANY), 1..40),
        probes in proptest::collection::vec(0u32..80, 1..40),
    ) {
        let mut c = relaypolicy::exchange::ReceiveConnector::new("C");
        c.remote_ranges = ranges
            .iter()
            .map(|&(base, len, v6)| {
                let text = if v6 {
                    format!("2001:db8::{:x}/{}", base, u32::from(len) + 96)
                } else {
                    format!("{}/{len}", std::net::Ipv4Addr::from(0x0a00_0000u32 + base))
                };
                relaypolicy::exchange::RemoteRange::parse(&text).unwrap()
            })
            .collect();
        for p in probes {
            for text in [
                std::net::Ipv4Addr::from(0x0a00_0000u32 + p).to_string(),
                format!("2001:db8::{p:x}"),
            ] {
                let addr: addrspace::Addr = text.parse().unwrap();
                let scan = c
                    .remote_ranges
                    .iter()
                    .filter(|r| r.set.contains(&addr))
                    .min_by_key(|r| r.size())
                    .map(|r| r as *const _);
                let got = c.best_range(&addr).map(|r| r as *const _);
                proptest::prop_assert_eq!(got, scan, "{}", text);
            }
        }
    }
}

/// A file that could not be read said `:1:1`, as if its first character were to blame,
/// and a foreign file's error carried a snippet of it.
#[test]
fn unreadable_and_foreign_files_show_no_location_or_snippet() {
    let missing = std::env::temp_dir().join("relaylab-no-such-export.json");
    let e = import::load_file(&missing).unwrap_err();
    assert!(
        e.to_string()
            .starts_with(&format!("{}: cannot read the file", missing.display())),
        "{e}"
    );
    assert!(e.src.is_none() && e.span.is_none());
    let e = import::load_str("root:x:0:0:root:/root:/bin/bash\n", "passwd").unwrap_err();
    assert!(e.src.is_none() && !e.to_string().contains("root:x"), "{e}");
}
