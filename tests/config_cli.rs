//! `relaylab config show` and `relaylab demo` as a user runs them: output and exit codes.

#![allow(clippy::unwrap_used)] // a test that cannot read its own fixtures should stop loudly

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn relaylab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_relaylab"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn path(rel: &str) -> String {
    root().join(rel).display().to_string()
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

#[test]
fn show_reference_text() {
    let out = relaylab(&[
        "config",
        "show",
        &path("scenarios/two-snat-workaround/bigip.conf"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    for want in [
        "/Common/SMTP_VS  10.0.0.10:25",
        "SNAT   automap (a self IP: 10.0.1.5 floating, 10.0.0.5)",
        "-> 10.0.1.11:25",
        "/Common/smtp_relay_allowed  type ip, 2 records",
        "/Common/relay_snat  10.0.0.20",
        "/Common/float_int  10.0.1.5/24  vlan /Common/internal  floating",
    ] {
        assert!(s.contains(want), "missing {want:?} in:\n{s}");
    }
    assert!(
        out.stderr.is_empty(),
        "no warnings expected: {}",
        text(&out.stderr)
    );
}

#[test]
fn show_json_with_external_data_group() {
    let out = relaylab(&[
        "config",
        "show",
        "--format",
        "json",
        &path("crates/bigip/tests/configs/two_snat_external.conf"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let records = &doc["config"]["data_groups"]["/Common/relay_clients_ext"]["group"]["records"];
    assert_eq!(records.as_array().unwrap().len(), 3);
    assert_eq!(records[0]["key"]["ip"], "10.1.2.0/24");
    assert_eq!(
        doc["config"]["virtuals"]["/Common/smtp_vs"]["source_translation"]["type"],
        "snat"
    );
}

#[test]
fn warnings_go_to_stderr_with_locations() {
    let out = relaylab(&[
        "config",
        "show",
        &path("crates/bigip/tests/configs/quoting_and_unknowns.conf"),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let err = text(&out.stderr);
    assert!(err.contains("quoting_and_unknowns.conf:27:5: warning: ltm virtual /Common/v: attribute `shiny-new-attribute`"), "{err}");
}

#[test]
fn bad_input_exits_2_with_a_located_diagnostic() {
    let dir = std::env::temp_dir().join(format!("relaylab-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.conf");
    std::fs::write(&bad, "ltm pool /Common/smtp_pool { }\nltm virtual /Common/v {\n  destination /Common/10.0.0.10:25\n  pool /Common/smtp_pol\n}\n").unwrap();
    let out = relaylab(&["config", "show", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("bad.conf:4:8"), "{err}");
    assert!(err.contains("did you mean `/Common/smtp_pool`?"), "{err}");
    assert!(out.stdout.is_empty());

    let missing = relaylab(&["config", "show", dir.join("nope.conf").to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("cannot read"));

    // An external data group whose file is missing is bad input too, not an empty group.
    let ext = dir.join("ext.conf");
    std::fs::write(
        &ext,
        "ltm data-group external /Common/x { external-file-name missing.txt type ip }\n",
    )
    .unwrap();
    let out = relaylab(&["config", "show", ext.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("missing.txt"));

    let usage = relaylab(&["config", "show"]);
    assert_eq!(usage.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn demo_needs_no_files() {
    let out = Command::new(env!("CARGO_BIN_EXE_relaylab"))
        .arg("demo")
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("10.1.1.5/32, 10.1.2.0/24"));
}

#[test]
fn policy_show_text_json_and_bad_input() {
    let dir = "scenarios/two-snat-workaround";
    let files = [
        "receive-connectors.json",
        "ad-permissions.json",
        "accepted-domains.json",
    ]
    .map(|f| path(&format!("{dir}/{f}")));
    let mut args = vec!["policy", "show"];
    args.extend(files.iter().map(String::as_str));
    let out = relaylab(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(s.contains("Relay EX1"), "{s}");
    assert!(s.contains("10.0.0.20"), "{s}");

    args.extend(["--format", "json"]);
    let out = relaylab(&args);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["servers"].as_array().unwrap().len(), 2);

    let bad = std::env::temp_dir().join(format!("relaylab-bad-{}.json", std::process::id()));
    std::fs::write(
        &bad,
        "[\n  {\"Name\": \"Relay\",\n   \"Bindings\": [\"0.0.0.0:25\"\n}]\n",
    )
    .unwrap();
    let out = relaylab(&["policy", "show", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("invalid JSON") && err.contains(":4:"), "{err}");
    std::fs::remove_file(&bad).ok();
}

/// An empty "All except the list below" on Exchange 2003 is an open relay for every
/// address, and `policy show` says so in those words.
#[test]
fn policy_show_of_an_empty_all_except_list_says_every_address() {
    let out = relaylab(&[
        "policy",
        "show",
        &path("scenarios/exchange2003-all-except-empty/exchange2003.toml"),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let t = text(&out.stdout);
    assert!(t.contains("anonymous relay from: every address\n"), "{t}");
    assert!(
        t.contains("AllExceptList: (empty list) -> grants every address"),
        "{t}"
    );
    assert!(!t.contains("any other route domain"), "{t}");
}

#[test]
fn a_configuration_in_several_files_shows_as_one() {
    let dir = std::env::temp_dir().join(format!("relaylab-split-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let base = dir.join("bigip_base.conf");
    let main = dir.join("bigip.conf");
    std::fs::write(
        &base,
        "net vlan /Common/internal { interfaces { 1.1 { } } }\nnet self /Common/self_int {\n    address 10.0.1.5/24\n    vlan /Common/internal\n}\n",
    )
    .unwrap();
    std::fs::write(
        &main,
        "ltm pool /Common/smtp_pool { members { /Common/10.0.1.11:25 { address 10.0.1.11 } } }\nltm virtual /Common/v {\n    destination /Common/10.0.0.10:25\n    pool /Common/smtp_pool\n    source-address-translation { type automap }\n}\n",
    )
    .unwrap();
    let out = relaylab(&[
        "config",
        "show",
        base.to_str().unwrap(),
        main.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(shown.contains("bigip.conf line 2"), "{shown}");
    assert!(
        shown.contains("10.0.1.5"),
        "the self IP from the other file: {shown}"
    );

    // The same object in both files: refused, naming both.
    std::fs::write(&base, "ltm pool /Common/smtp_pool { }\n").unwrap();
    let out = relaylab(&[
        "config",
        "show",
        base.to_str().unwrap(),
        main.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("bigip.conf") && err.contains("bigip_base.conf line 1"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
