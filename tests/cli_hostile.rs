//! The binary under hostile use of its command line: a reader that goes away (`| head`),
//! float flags given NaN, infinity, zero or a negative number.

#![allow(clippy::unwrap_used)] // a test that cannot start the binary should stop loudly

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn path(rel: &str) -> String {
    root().join(rel).display().to_string()
}

/// Waits for the child at most `limit`; kills it (and fails) when it runs longer.
fn wait_bounded(child: &mut Child, limit: Duration, what: &str) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs the binary with its standard output closed before it writes anything, as
/// `relaylab ... | head -0` would: every write fails with EPIPE.
fn with_closed_stdout(args: &[&str]) -> (ExitStatus, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_relaylab"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let status = wait_bounded(&mut child, Duration::from_secs(120), &args.join(" "));
    (status, reader.join().unwrap())
}

#[test]
fn closed_stdout_ends_quietly() {
    let scenario = path("scenarios/two-snat-workaround");
    let conf = path("scenarios/two-snat-workaround/bigip.conf");
    let runs: Vec<Vec<&str>> = vec![
        vec!["demo"],
        vec!["check", &scenario],
        vec!["check", &scenario, "--format", "json"],
        vec!["check", &scenario, "--format", "junit"],
        vec!["explain", &scenario, "192.0.2.7"],
        vec!["config", "show", &conf],
        vec!["config", "show", &conf, "--format", "json"],
    ];
    for args in runs {
        let (status, stderr) = with_closed_stdout(&args);
        assert!(
            !stderr.contains("panicked"),
            "{args:?} panicked on a closed pipe:\n{stderr}"
        );
        assert!(stderr.is_empty(), "{args:?} must end quietly:\n{stderr}");
        // 141 as for any filter SIGPIPE ended: a cut report never claims that all holds.
        assert_eq!(
            status.code(),
            Some(141),
            "{args:?} must end with 141 on a closed pipe:\n{stderr}"
        );
    }
}

#[test]
fn float_flags_reject_nan_infinity_zero_and_negatives() {
    let scenario = path("scenarios/two-snat-workaround");
    let flags = ["--time-scale", "--idle-timeout", "--rule-budget"];
    let values = ["inf", "NaN", "-inf", "0", "-1", "1e400", "x"];
    for (flag, bad) in flags
        .iter()
        .flat_map(|f| values.iter().map(move |v| (*f, *v)))
    {
        let mut child = Command::new(env!("CARGO_BIN_EXE_relaylab"))
            .args(["serve", &scenario, flag, bad])
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        // A rejected flag never starts the lab; one that is taken runs until killed.
        let status = wait_bounded(
            &mut child,
            Duration::from_secs(20),
            &format!("{flag} {bad}"),
        );
        let stderr = reader.join().unwrap();
        assert_eq!(status.code(), Some(2), "{flag} {bad}:\n{stderr}");
        assert!(
            stderr.contains(flag) && !stderr.contains("panicked"),
            "{flag} {bad}: the error must name the flag:\n{stderr}"
        );
    }
}
