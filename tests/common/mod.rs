//! What the tests that copy and edit gallery scenarios share.

#![allow(dead_code)] // each test binary uses its own part
#![allow(clippy::unwrap_used)] // a test that cannot read its own fixtures should stop loudly

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository's root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every gallery scenario's folder, in name order.
pub fn gallery() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("scenario.toml").exists() && p.join("bigip.conf").exists())
        .collect();
    dirs.sort();
    dirs
}

/// A copy of a scenario's folder (its files, not subfolders).
pub fn copy(dir: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
}

/// The glob pitfall (`string match "10.1.2*"`) as it is, in `tmp/before`, and after its
/// documented fix (`IP::addr ... equals 10.1.2.0/24`), in `tmp/after`.
pub fn glob_pair(tmp: &Path) -> (PathBuf, PathBuf) {
    let dir = root().join("scenarios/glob-prefix-matches-neighbours");
    let (before, after) = (tmp.join("before"), tmp.join("after"));
    copy(&dir, &before);
    copy(&dir, &after);
    let conf = std::fs::read_to_string(dir.join("bigip.conf")).unwrap();
    let fixed = conf.replace(
        r#"[string match "10.1.2*" [IP::client_addr]]"#,
        "[IP::addr [IP::client_addr] equals 10.1.2.0/24]",
    );
    assert_ne!(conf, fixed);
    std::fs::write(after.join("bigip.conf"), fixed).unwrap();
    (before, after)
}

/// The SARIF 2.1.0 schema serde-sarif ships, found through `cargo metadata`.
pub fn schema() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--manifest-path",
        ])
        .arg(root().join("Cargo.toml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let manifest = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "serde-sarif")
        .and_then(|p| p["manifest_path"].as_str())
        .unwrap()
        .to_string();
    let path = Path::new(&manifest)
        .parent()
        .unwrap()
        .join("src/schema.json");
    assert!(path.exists(), "{} is missing", path.display());
    path
}

/// Whether Python's jsonschema validates `doc` against the schema; None (after saying
/// SKIPPED) when it is not installed, outside CI.
pub fn validate(doc: &Path, schema: &Path) -> Option<()> {
    let probe = Command::new("python3")
        .args(["-c", "import jsonschema"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        assert!(
            std::env::var_os("CI").is_none(),
            "python3 with jsonschema is needed in CI (apt-get install python3-jsonschema)"
        );
        println!("SKIPPED: python3 with jsonschema not found (apt-get install python3-jsonschema)");
        return None;
    }
    let out = Command::new("python3")
        .args([
            "-c",
            "import json, sys, jsonschema\njsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))",
        ])
        .arg(doc)
        .arg(schema)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{} does not validate: {}",
        doc.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(())
}
