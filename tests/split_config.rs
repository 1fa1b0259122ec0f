//! A device's configuration as it is saved (self IPs and VLANs in bigip_base.conf, the
//! rest in bigip.conf) gives the verdicts the single file gives, for every gallery
//! scenario, whichever order the files are listed in; and the main file alone, with
//! automap and no self IP left, is refused with the missing file named, never judged.

#![allow(clippy::unwrap_used)] // a test that cannot read its own fixtures should stop loudly

use std::path::Path;
use std::process::Command;

use relaylab::scenario;

mod common;
use common::{copy, gallery};

/// The top-level statements of a tmsh file, each with the text that follows it up to
/// the next one (brace depth counted, so an iRule's unindented `when` stays inside).
fn statements(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut depth = 0i64;
    for line in text.split_inclusive('\n') {
        let starts = depth == 0 && line.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
        if starts || out.is_empty() {
            out.push(String::new());
        }
        out.last_mut().unwrap().push_str(line);
        let mut escaped = false;
        for c in line.chars() {
            match c {
                '\\' if !escaped => {
                    escaped = true;
                    continue;
                }
                '{' if !escaped => depth += 1,
                '}' if !escaped => depth -= 1,
                _ => {}
            }
            escaped = false;
        }
    }
    out
}

/// bigip.conf cut as a device saves it: `net ...` objects to bigip_base.conf.
fn split(text: &str) -> (String, String) {
    let (mut base, mut main) = (String::new(), String::new());
    for s in statements(text) {
        if s.starts_with("net ") {
            base.push_str(&s);
        } else {
            main.push_str(&s);
        }
    }
    (base, main)
}

/// A copy of the scenario's folder with bigip.conf split and `bigip` set to `list`.
fn copy_split(dir: &Path, to: &Path, list: &str) {
    copy(dir, to);
    let (base, main) = split(&std::fs::read_to_string(dir.join("bigip.conf")).unwrap());
    assert!(!base.is_empty(), "{} has no net objects", dir.display());
    std::fs::write(to.join("bigip_base.conf"), base).unwrap();
    std::fs::write(to.join("bigip.conf"), main).unwrap();
    let toml = std::fs::read_to_string(dir.join("scenario.toml")).unwrap();
    assert!(toml.contains("bigip = \"bigip.conf\""));
    let toml = toml.replace("bigip = \"bigip.conf\"", &format!("bigip = {list}"));
    std::fs::write(to.join("scenario.toml"), toml).unwrap();
}

/// Typed locations keep what stands at each place; which file and line it is differ by
/// design between one file and several.
fn forget_places(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            if let Some(serde_json::Value::Array(places)) = m.get_mut("locations") {
                for p in places.iter_mut() {
                    if let Some(o) = p.as_object_mut() {
                        o.remove("file");
                        o.remove("line");
                        o.remove("column");
                    }
                }
            }
            m.values_mut().for_each(forget_places);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(forget_places),
        _ => {}
    }
}

/// The proof as JSON, with every `FILE line N` reference and the folder taken out: the
/// files and their own line numbers differ by design; everything else must not. (The
/// copies sit in folders of one length, so text that sorts by path sorts alike.)
fn verdicts(path: &Path) -> String {
    let s = scenario::load(path).unwrap_or_else(|e| {
        e.report();
        panic!("{} does not load", path.display())
    });
    let proof = verify::prove(&s.model).unwrap();
    let folder = path.parent().unwrap().display().to_string();
    let mut doc = serde_json::to_value(&proof).unwrap();
    forget_places(&mut doc);
    let json = serde_json::to_string_pretty(&doc)
        .unwrap()
        .replace(&folder, "DIR");
    let mut out = String::new();
    let mut rest = json.as_str();
    while let Some(i) = rest.find(".conf line ") {
        let start = rest[..i].rfind([' ', '"', '(']).map_or(0, |k| k + 1);
        out.push_str(&rest[..start]);
        out.push_str("CONF");
        let after = &rest[i + ".conf line ".len()..];
        rest = after.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    out.push_str(rest);
    out
}

#[test]
fn split_files_give_the_single_files_verdicts() {
    let tmp = tempfile::tempdir().unwrap();
    let dirs = gallery();
    assert!(dirs.len() >= 12, "the gallery is smaller than expected");
    for dir in &dirs {
        let name = dir.file_name().unwrap();
        let orig = tmp.path().join("o").join(name);
        copy(dir, &orig);
        let want = verdicts(&orig.join("scenario.toml"));
        for (i, list) in [
            r#"["bigip_base.conf", "bigip.conf"]"#,
            r#"["bigip.conf", "bigip_base.conf"]"#,
        ]
        .iter()
        .enumerate()
        {
            let to = tmp.path().join(format!("{i}")).join(name);
            copy_split(dir, &to, list);
            let got = verdicts(&to.join("scenario.toml"));
            assert_eq!(
                got,
                want,
                "{} with bigip = {list} judges differently",
                dir.display()
            );
        }
    }
}

#[test]
fn without_bigip_base_automap_is_refused_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let mut refused = 0;
    for dir in gallery() {
        let to = tmp.path().join(dir.file_name().unwrap());
        copy_split(&dir, &to, r#""bigip.conf""#);
        let main = std::fs::read_to_string(to.join("bigip.conf")).unwrap();
        let parsed = bigip::parse("bigip.conf", &main);
        let uses_automap = parsed
            .as_ref()
            .is_ok_and(|l| l.config.automap_without_self_ips().is_some());
        let out = Command::new(env!("CARGO_BIN_EXE_relaylab"))
            .args(["check"])
            .arg(to.join("scenario.toml"))
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        if uses_automap {
            refused += 1;
            assert_eq!(out.status.code(), Some(2), "{}: {err}", dir.display());
            assert!(
                err.contains("defines no self IP") && err.contains("bigip_base.conf"),
                "{}: {err}",
                dir.display()
            );
        } else {
            assert_ne!(
                out.status.code(),
                Some(2),
                "{} refused without automap: {err}",
                dir.display()
            );
        }
    }
    assert!(refused >= 3, "only {refused} gallery scenarios use automap");
}

/// A gzip'd tar of `members` (path, bytes), with a symlink among them.
fn ucs(members: &[(&str, &[u8])]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    for (path, bytes) in members {
        let mut h = tar::Header::new_gnu();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        // Written raw, so a hostile path (`../`) goes in as it would in a crafted archive.
        let name = h.as_old_mut().name.as_mut();
        name[..path.len()].copy_from_slice(path.as_bytes());
        h.set_cksum();
        tar.append(&h, *bytes).unwrap();
    }
    let mut link = tar::Header::new_gnu();
    link.set_entry_type(tar::EntryType::Symlink);
    link.set_size(0);
    tar.append_link(&mut link, "config/bigip_user.conf", "/etc/passwd")
        .unwrap();
    tar.into_inner().unwrap().finish().unwrap()
}

#[test]
fn a_ucs_archive_gives_the_single_files_verdicts() {
    let tmp = tempfile::tempdir().unwrap();
    for dir in gallery() {
        let name = dir.file_name().unwrap();
        let orig = tmp.path().join("o").join(name);
        copy(&dir, &orig);
        let want = verdicts(&orig.join("scenario.toml"));
        let to = tmp.path().join("u").join(name);
        copy_split(&dir, &to, r#""device.ucs""#);
        let base = std::fs::read(to.join("bigip_base.conf")).unwrap();
        let main = std::fs::read(to.join("bigip.conf")).unwrap();
        std::fs::remove_file(to.join("bigip_base.conf")).unwrap();
        std::fs::remove_file(to.join("bigip.conf")).unwrap();
        let archive = ucs(&[
            ("./var/log/ltm", b"not a configuration\n"),
            ("config/bigip.conf", &main),
            ("../../outside.conf", b"ltm pool /Common/evil { }\n"),
            ("config/bigip_base.conf", &base),
            (
                "config/profile_base.conf",
                b"ltm profile tcp /Common/x { }\n",
            ),
        ]);
        std::fs::write(to.join("device.ucs"), archive).unwrap();
        let got = verdicts(&to.join("scenario.toml"));
        assert_eq!(got, want, "{} from a UCS judges differently", dir.display());
    }
    assert!(
        !tmp.path().join("outside.conf").exists() && !Path::new("../../outside.conf").exists(),
        "nothing from the archive is written"
    );
}

#[test]
fn a_ucs_archive_reads_external_data_groups_from_its_filestore() {
    let tmp = tempfile::tempdir().unwrap();
    let conf = "\
ltm data-group external /Common/relay_clients {
    external-file-name /Common/relay_file
    type ip
}
sys file data-group /Common/relay_file {
    type ip
}
";
    let old = b"host 192.0.2.1,\n";
    let new = b"network 10.1.2.0 prefixlen 24,\nhost 10.1.1.5,\n";
    let archive = ucs(&[
        ("config/bigip.conf", conf.as_bytes()),
        (
            "config/filestore/files_d/Common_d/data_group_d/:Common:relay_file_63812_1",
            old,
        ),
        (
            "config/filestore/files_d/Common_d/data_group_d/:Common:relay_file_63812_2",
            new,
        ),
    ]);
    let path = tmp.path().join("device.ucs");
    std::fs::write(&path, archive).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_relaylab"))
        .args(["config", "show", "--format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let records = &doc["config"]["data_groups"]["/Common/relay_clients"]["group"]["records"];
    assert_eq!(
        records.as_array().map(Vec::len),
        Some(2),
        "the newest revision: {doc}"
    );

    // Not an archive relaylab can read: bad input, named.
    let broken = tmp.path().join("broken.ucs");
    std::fs::write(&broken, [0x1f, 0x8b, 0x08, 0x00, 1, 2, 3]).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_relaylab"))
        .args(["config", "show"])
        .arg(&broken)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a UCS archive"));
}

#[test]
fn a_ucs_archive_loads_common_then_each_partition() {
    let tmp = tempfile::tempdir().unwrap();
    let common = "ltm pool /Common/shared { }\n";
    let a = "ltm pool /A/a { }\nltm virtual /A/v {\n    destination /A/10.0.0.10:25\n    pool /Common/shared\n}\n";
    let b = "ltm pool /B/b { }\n";
    let archive = ucs(&[
        ("config/partitions/B/bigip.conf", b.as_bytes()),
        ("config/partitions/A/bigip.conf", a.as_bytes()),
        ("config/bigip.conf", common.as_bytes()),
    ]);
    let path = tmp.path().join("device.ucs");
    std::fs::write(&path, archive).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_relaylab"))
        .args(["config", "show"])
        .arg(&path)
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let header = shown.lines().next().unwrap();
    let order: Vec<&str> = header
        .split(" + ")
        .map(|n| n.rsplit(':').next().unwrap())
        .collect();
    assert_eq!(
        order,
        [
            "config/bigip.conf",
            "config/partitions/A/bigip.conf",
            "config/partitions/B/bigip.conf"
        ]
    );
    // The partition's virtual uses /Common's pool: one namespace across the files.
    assert!(
        shown.contains("/A/v") && shown.contains("partitions/A/bigip.conf line 2"),
        "{shown}"
    );
}

#[test]
fn an_archive_that_expands_past_the_limit_is_refused_before_it_is_read() {
    use std::io::Write as _;
    let tmp = tempfile::tempdir().unwrap();
    // A header declaring 5 GiB, and none of the bytes: refused on the declaration alone.
    let mut h = tar::Header::new_gnu();
    h.set_path("var/huge.bin").unwrap();
    h.set_size(5 << 30);
    h.set_entry_type(tar::EntryType::Regular);
    h.set_cksum();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(h.as_bytes()).unwrap();
    let path = tmp.path().join("bomb.ucs");
    std::fs::write(&path, gz.finish().unwrap()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_relaylab"))
        .args(["config", "show"])
        .arg(&path)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expands past 4 GiB"));
}
