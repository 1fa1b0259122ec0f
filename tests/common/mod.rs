//! What the tests that copy and edit gallery scenarios share.

#![allow(dead_code)] // each test binary uses its own part
#![allow(clippy::unwrap_used)] // a test that cannot read its own fixtures should stop loudly

use std::path::{Path, PathBuf};

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
