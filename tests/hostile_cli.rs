//! Issue 11 as a user meets it: hostile files end in exit 2 with `file:line:column`, in
//! seconds, and a file that is not one relaylab reads is never quoted back.

#![allow(clippy::unwrap_used)] // a test that cannot write its own fixtures should stop loudly

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Generous: a bound on behaviour, not a timing.
const BEHAVIOUR_BOUND: Duration = Duration::from_secs(10);

fn relaylab(args: &[&str]) -> Output {
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_relaylab"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        start.elapsed() < BEHAVIOUR_BOUND,
        "{args:?}: {:?}",
        start.elapsed()
    );
    out
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

fn gallery(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scenarios")
        .join(name)
}

/// A scratch copy of the two-SNAT scenario to break.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("relaylab-hostile-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for e in std::fs::read_dir(gallery("two-snat-workaround")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
    dir
}

fn exits_2_at(out: &Output, location: &str) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(location), "expected {location} in:\n{err}");
}

#[test]
fn deep_nesting_in_bigip_conf_and_json_is_exit_2_not_an_abort() {
    let dir = scratch("deep");
    let conf = dir.join("deep.conf");
    std::fs::write(
        &conf,
        format!(
            "ltm pool /Common/p {}\n{}",
            "{ ".repeat(5000),
            "} ".repeat(5000)
        ),
    )
    .unwrap();
    exits_2_at(
        &relaylab(&["config", "show", conf.to_str().unwrap()]),
        "deep.conf:1:148",
    );
    let json = dir.join("deep.json");
    std::fs::write(&json, format!("{}{}", "[".repeat(7000), "]".repeat(7000))).unwrap();
    exits_2_at(
        &relaylab(&["policy", "show", json.to_str().unwrap()]),
        "deep.json:1:129",
    );
}

#[test]
fn a_1200_term_expr_in_a_rule_is_exit_2_at_its_bigip_conf_line() {
    let dir = scratch("expr");
    let conf = std::fs::read_to_string(dir.join("bigip.conf")).unwrap();
    let at = conf.find("when CLIENT_ACCEPTED {").unwrap() + "when CLIENT_ACCEPTED {".len();
    let long = format!("\n  set y 1\n  set z [expr {{$y{}}}]", "+1".repeat(1199));
    let line = conf[..at].lines().count() + 2;
    std::fs::write(
        dir.join("bigip.conf"),
        format!("{}{long}{}", &conf[..at], &conf[at..]),
    )
    .unwrap();
    let conf_path = dir.join("bigip.conf");
    // The first operator past the depth limit, on the `set z` line.
    let col = 14 + 2 * irule::MAX_EXPR_DEPTH as usize + 2;
    let at = format!("bigip.conf:{line}:{col}");
    exits_2_at(
        &relaylab(&["config", "show", conf_path.to_str().unwrap()]),
        &at,
    );
    exits_2_at(
        &relaylab(&["check", dir.join("scenario.toml").to_str().unwrap()]),
        &at,
    );
}

#[test]
fn an_irule_that_does_not_parse_fails_config_show_at_its_bigip_conf_line() {
    let dir = scratch("rule");
    let conf = std::fs::read_to_string(dir.join("bigip.conf")).unwrap();
    let broken = conf.replacen("snat automap", "snat [IP::client_addr", 1);
    let at = broken.find("snat [IP::client_addr").unwrap() + "snat ".len();
    let line = broken[..at].lines().count();
    let col = broken[..at].rsplit('\n').next().unwrap().len() + 1;
    std::fs::write(dir.join("bigip.conf"), broken).unwrap();
    let out = relaylab(&["config", "show", dir.join("bigip.conf").to_str().unwrap()]);
    exits_2_at(&out, &format!("bigip.conf:{line}:{col}"));
    assert!(text(&out.stderr).contains("missing close-bracket"));
}

#[test]
fn postconf_expansion_bomb_is_exit_2_in_seconds() {
    let dir = scratch("postconf");
    let mut t = String::from("myhostname = mx.example.com\nv0 = 10.0.0.1\n");
    for i in 1..=7 {
        t.push_str(&format!(
            "v{i} = {}\n",
            vec![format!("$v{}", i - 1); 10].join(" ")
        ));
    }
    t.push_str("mynetworks = 127.0.0.0/8 $v7\n");
    let f = dir.join("main.cf");
    std::fs::write(&f, t).unwrap();
    exits_2_at(
        &relaylab(&["policy", "show", f.to_str().unwrap()]),
        "main.cf:10:26",
    );
}

#[test]
fn invalid_utf8_is_located_in_every_input() {
    let dir = scratch("utf8");
    let bad = |name: &str, prefix: &[u8]| {
        let mut bytes = prefix.to_vec();
        bytes.extend_from_slice(b"\xff\xfe tail\n");
        std::fs::write(dir.join(name), bytes).unwrap();
    };
    bad("b.conf", b"ltm pool /Common/p {\n  description \"");
    exits_2_at(
        &relaylab(&["config", "show", dir.join("b.conf").to_str().unwrap()]),
        "b.conf:2:16",
    );
    bad("main.cf", b"myhostname = mx\nmynetworks = ");
    exits_2_at(
        &relaylab(&["policy", "show", dir.join("main.cf").to_str().unwrap()]),
        "main.cf:2:14",
    );
    bad("rc.json", b"[\n  {\"Name\": \"");
    exits_2_at(
        &relaylab(&["policy", "show", dir.join("rc.json").to_str().unwrap()]),
        "rc.json:2:13",
    );
    let scenario = std::fs::read(dir.join("scenario.toml")).unwrap();
    bad("scenario.toml", &scenario[..10]);
    exits_2_at(
        &relaylab(&["check", dir.join("scenario.toml").to_str().unwrap()]),
        "scenario.toml:1:11",
    );
    // A policy file of the scenario: the scenario's line, then the file's.
    std::fs::write(dir.join("scenario.toml"), &scenario).unwrap();
    bad("receive-connectors.json", b"[\n  {\"Name\": \"");
    let out = relaylab(&["check", dir.join("scenario.toml").to_str().unwrap()]);
    exits_2_at(&out, "scenario.toml:15:11");
    exits_2_at(&out, "receive-connectors.json:2:13");
}

#[test]
fn scenario_mistakes_point_at_scenario_toml() {
    let dir = scratch("scenario");
    let s = std::fs::read_to_string(dir.join("scenario.toml")).unwrap();
    let second = s.find("[[server]]\nmember = \"10.0.1.12\"").unwrap();
    let intent = s.find("[intent]").unwrap();
    std::fs::write(
        dir.join("scenario.toml"),
        format!("{}{}", &s[..second], &s[intent..]),
    )
    .unwrap();
    let out = relaylab(&["check", dir.join("scenario.toml").to_str().unwrap()]);
    exits_2_at(&out, "scenario.toml:13:1");
    assert!(text(&out.stderr).contains("10.0.1.12:25"));

    let with_case = s.replacen(
        "expect = \"relayed\"",
        "expect = \"relayed\"\nvirtual = \"SMTP_VSS\"",
        1,
    );
    std::fs::write(dir.join("scenario.toml"), &with_case).unwrap();
    let line = with_case[..with_case.find("SMTP_VSS").unwrap()]
        .lines()
        .count();
    let out = relaylab(&["check", dir.join("scenario.toml").to_str().unwrap()]);
    exits_2_at(&out, &format!("scenario.toml:{line}:11"));

    let with_option = s.replacen(
        "bigip = \"bigip.conf\"\n",
        "bigip = \"bigip.conf\"\n[options]\nvirtuals = [\"SMTP_VS\", \"NOPE\"]\n",
        1,
    );
    std::fs::write(dir.join("scenario.toml"), &with_option).unwrap();
    let line = with_option[..with_option.find("\"NOPE\"").unwrap()]
        .lines()
        .count();
    let out = relaylab(&["check", dir.join("scenario.toml").to_str().unwrap()]);
    exits_2_at(&out, &format!("scenario.toml:{line}:24"));
}

#[test]
fn a_file_of_another_format_is_never_quoted() {
    let dir = scratch("foreign");
    std::fs::write(
        dir.join("passwd"),
        "root:x:0:0:root:/root:/bin/bash\nsecretuser:x:1000:1000::/home/secretuser:/bin/sh\n",
    )
    .unwrap();
    let s = std::fs::read_to_string(dir.join("scenario.toml")).unwrap();
    let s = s.replacen(
        "policy = [\"receive-connectors.json\", \"ad-permissions.json\", \"accepted-domains.json\"]",
        "policy = [\"passwd\"]",
        1,
    );
    std::fs::write(dir.join("scenario.toml"), s).unwrap();
    let out = relaylab(&["check", dir.join("scenario.toml").to_str().unwrap()]);
    exits_2_at(&out, "scenario.toml:15:11");
    let err = text(&out.stderr);
    assert!(err.contains("expected `postconf -n` output"), "{err}");
    assert!(
        !err.contains("root:x") && !err.contains("secretuser"),
        "{err}"
    );
    let out = relaylab(&["policy", "show", dir.join("passwd").to_str().unwrap()]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !err.contains("root:x") && !err.contains("secretuser"),
        "{err}"
    );
    // The same file given as bigip.conf.
    let out = relaylab(&["config", "show", dir.join("passwd").to_str().unwrap()]);
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    exits_2_at(&out, "not a tmsh configuration");
    assert!(
        !all.contains("root:x") && !all.contains("secretuser"),
        "{all}"
    );
    let s = std::fs::read_to_string(dir.join("scenario.toml"))
        .unwrap()
        .replacen("bigip = \"bigip.conf\"", "bigip = \"passwd\"", 1);
    std::fs::write(dir.join("scenario.toml"), s).unwrap();
    let out = relaylab(&["check", dir.join("scenario.toml").to_str().unwrap()]);
    exits_2_at(&out, "scenario.toml:11:9");
    assert!(!text(&out.stderr).contains("root:x"));
}
