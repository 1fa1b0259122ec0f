//! Issue 11, bigip's rows: nothing silently replaced or accepted, deep nesting is a
//! located error, and IPv6 records of any prefix are valid.

#![allow(clippy::unwrap_used)] // Test helpers may panic: a panic is a failed test.

fn problems(text: &str) -> bigip::FileProblems {
    match bigip::parse("t.conf", text) {
        Ok(l) => l.warnings,
        Err(e) => e,
    }
}

fn error(text: &str) -> bigip::Problem {
    let e = match bigip::parse("t.conf", text) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e,
    };
    e.problems
        .into_iter()
        .find(|p| p.level == bigip::Level::Error)
        .unwrap()
}

const POOL: &str =
    "ltm pool /Common/p {\n    members { /Common/10.0.1.11:25 { address 10.0.1.11 } }\n}\n";

/// The later definition silently replaced the earlier one.
#[test]
fn a_second_definition_is_an_error_pointing_at_the_first() {
    for (first, second) in [
        (
            "ltm data-group internal /Common/dg {\n    records { 10.1.1.5/32 { } }\n    type ip\n}\n",
            "ltm data-group internal dg {\n    records { 0.0.0.0/0 { } }\n    type ip\n}\n",
        ),
        (
            POOL,
            "ltm pool p {\n    members { /Common/10.0.1.66:25 { address 10.0.1.66 } }\n}\n",
        ),
        (
            "ltm virtual /Common/vs {\n    destination /Common/10.0.0.10:25\n    pool /Common/p\n}\n",
            "ltm virtual /Common/vs {\n    destination /Common/10.0.0.10:25\n    pool /Common/p\n    source-address-translation { type automap }\n}\n",
        ),
        (
            "ltm snatpool /Common/sp { members { /Common/10.0.0.20 } }\n",
            "ltm snatpool /Common/sp { members { /Common/10.0.0.99 } }\n",
        ),
        (
            "ltm rule /Common/r {\nwhen CLIENT_ACCEPTED { snat automap }\n}\n",
            "ltm rule /Common/r {\nwhen CLIENT_ACCEPTED { snat none }\n}\n",
        ),
        (
            "net self /Common/s { address 10.0.0.5/24 vlan /Common/external }\n",
            "net self /Common/s { address 10.0.0.6/24 vlan /Common/external }\n",
        ),
        (
            "ltm monitor smtp /Common/m { defaults-from /Common/smtp }\n",
            "ltm monitor tcp /Common/m { defaults-from /Common/tcp }\n",
        ),
    ] {
        let base = if first.contains("pool /Common/p\n") {
            POOL.to_string()
        } else {
            String::new()
        };
        let text = format!("{base}{first}{second}");
        let e = error(&text);
        let second_line = text[..text.rfind(second).unwrap()].lines().count() + 1;
        let first_line = text[..text.find(first).unwrap()].lines().count() + 1;
        assert_eq!(e.line, second_line, "{}", e.message);
        assert!(e.message.contains("defined twice"), "{}", e.message);
        let (span, note) = e.related.as_ref().expect("points at the first definition");
        let at = text[..span.start].lines().count();
        assert_eq!(at, first_line, "{note}");
        assert!(
            e.message.contains(&format!("line {first_line}")),
            "{}",
            e.message
        );
    }
    // Objects of different kinds may share a name, as on BIG-IP.
    let ok = format!("{POOL}ltm snatpool /Common/p {{ members {{ /Common/10.0.0.20 }} }}\n");
    assert!(bigip::parse("t.conf", &ok).is_ok());
}

#[test]
fn out_of_range_values_are_located_errors() {
    for (text, needle, line) in [
        (
            format!("{POOL}ltm virtual /Common/vs {{\n    destination /Common/10.0.0.10:25\n    mask 255.255.255.256\n    pool /Common/p\n}}\n"),
            "mask",
            6,
        ),
        (
            format!("{POOL}ltm virtual /Common/vs {{\n    destination /Common/10.0.0.10:25\n    mask 255.0.255.0\n    pool /Common/p\n}}\n"),
            "mask",
            6,
        ),
        (
            "ltm pool /Common/p {\n    members { /Common/10.0.1.11:25 { address 10.0.1.11 } }\n    monitor min 99999999999 of { /Common/smtp /Common/tcp }\n}\n".to_string(),
            "min",
            3,
        ),
        (
            "ltm pool /Common/p {\n    members { /Common/10.0.1.11:25 { address 10.0.1.11 } }\n    monitor min 3 of { /Common/smtp /Common/tcp }\n}\n".to_string(),
            "min",
            3,
        ),
        (
            "ltm pool /Common/p {\n    load-balancing-mode round-robbin\n    members { /Common/10.0.1.11:25 { address 10.0.1.11 } }\n}\n".to_string(),
            "load-balancing-mode",
            2,
        ),
        (
            "net self /Common/s { address 10.0.0.5/99 vlan /Common/external }\n".to_string(),
            "address/prefix-length",
            1,
        ),
    ] {
        let e = error(&text);
        assert_eq!(e.line, line, "{}: {}", needle, e.message);
        assert!(e.message.contains(needle), "{needle}: {}", e.message);
    }
    // Every mode BIG-IP offers loads.
    for mode in [
        "round-robin",
        "ratio-member",
        "least-connections-member",
        "observed-node",
        "predictive-member",
        "fastest-app-response",
        "dynamic-ratio-node",
        "weighted-least-connections-member",
        "ratio-least-connections-node",
        "least-sessions",
        "ratio-session",
    ] {
        let text = format!(
            "ltm pool /Common/p {{\n    load-balancing-mode {mode}\n    members {{ /Common/10.0.1.11:25 {{ address 10.0.1.11 }} }}\n}}\n"
        );
        assert!(bigip::parse("t.conf", &text).is_ok(), "{mode}");
    }
}

/// `::/0` and `::/64` were refused as "not one address block".
#[test]
fn ipv6_records_of_any_prefix_are_valid() {
    let text = "ltm data-group internal /Common/v6 {\n    records {\n        ::/0 { }\n        2001:db8::/64 { }\n        ::/64 { }\n        2001:db8::5/128 { }\n        0.0.0.0/0 { }\n    }\n    type ip\n}\n";
    let loaded = bigip::parse("t.conf", text).unwrap_or_else(|e| panic!("{e}"));
    let dg = &loaded.config.data_groups["/Common/v6"];
    assert_eq!(dg.group.records.len(), 5);
}

/// 5,000 nested braces overflowed the parser's stack (exit 134).
#[test]
fn deep_braces_are_a_located_error_on_a_small_stack() {
    let text = format!(
        "ltm pool /Common/p {}\n{}",
        "{ ".repeat(5000),
        "} ".repeat(5000)
    );
    let p = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || error(&text))
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(p.line, 1);
    assert!(p.message.contains("nested deeper than 64"), "{}", p.message);
    let _ = problems(POOL);
}

/// `config show /etc/passwd` listed every line of it as "not modelled".
#[test]
fn a_file_that_is_not_tmsh_is_refused_without_quoting_it() {
    let e = bigip::parse(
        "passwd",
        "root:x:0:0:root:/root:/bin/bash\nsecretuser:x:1000:1000::/home/secretuser:/bin/sh\n",
    )
    .unwrap_err();
    assert_eq!(e.problems.len(), 1);
    assert!(
        e.problems[0]
            .message
            .starts_with("not a tmsh configuration")
    );
    assert!(e.text.is_empty());
    let shown = format!("{e}");
    assert!(
        !shown.contains("root:x") && !shown.contains("secretuser"),
        "{shown}"
    );
    // A configuration with one tmsh statement among unknown ones is read as one.
    assert!(bigip::parse("x.conf", &format!("{POOL}whatever {{ }}\n")).is_ok());
}
