//! Generated hostile inputs for every parser a scenario goes through: each gallery
//! scenario with one of its files mangled (truncated, bytes flipped, nesting piled in, a
//! region repeated). Loading must never panic, must end well within a loose time bound,
//! and when it fails, the message must name a file with a line and column.

#![allow(clippy::unwrap_used)] // a test that cannot write its own fixtures should stop loudly

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use proptest::prelude::*;

/// Generous: a bound on behaviour, not a timing.
const BEHAVIOUR_BOUND: Duration = Duration::from_secs(10);

fn gallery() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("scenario.toml").exists())
        .collect();
    dirs.sort();
    dirs
}

#[derive(Debug, Clone)]
enum Mangle {
    /// Keep the first `n` per mille of the bytes.
    Truncate(u16),
    /// Replace the byte at this per mille position.
    Flip(u16, u8),
    /// Insert this many copies of an opener at a per mille position.
    Nest(u16, usize, &'static str),
    /// Repeat the bytes between two per mille positions.
    Repeat(u16, u16),
}

fn mangle() -> impl Strategy<Value = Mangle> {
    prop_oneof![
        (0u16..1000).prop_map(Mangle::Truncate),
        (0u16..1000, any::<u8>()).prop_map(|(p, b)| Mangle::Flip(p, b)),
        (
            0u16..1000,
            1usize..6000,
            prop::sample::select(vec!["{", "{ ", "[", "[{\"a\":", "(", "[expr {1+", "$x"])
        )
            .prop_map(|(p, n, s)| Mangle::Nest(p, n, s)),
        (0u16..1000, 0u16..1000).prop_map(|(a, b)| Mangle::Repeat(a.min(b), a.max(b))),
    ]
}

fn at(len: usize, per_mille: u16) -> usize {
    len * per_mille as usize / 1000
}

fn apply(bytes: &[u8], m: &Mangle) -> Vec<u8> {
    let n = bytes.len();
    match m {
        Mangle::Truncate(p) => bytes[..at(n, *p)].to_vec(),
        Mangle::Flip(p, b) => {
            let mut v = bytes.to_vec();
            if let Some(x) = v.get_mut(at(n, *p)) {
                *x = *b;
            }
            v
        }
        Mangle::Nest(p, k, s) => {
            let i = at(n, *p);
            let mut v = bytes[..i].to_vec();
            v.extend(s.repeat(*k).bytes());
            v.extend_from_slice(&bytes[i..]);
            v
        }
        Mangle::Repeat(a, b) => {
            let (a, b) = (at(n, *a), at(n, *b));
            let mut v = bytes[..b].to_vec();
            for _ in 0..50 {
                v.extend_from_slice(&bytes[a..b]);
            }
            v.extend_from_slice(&bytes[b..]);
            v
        }
    }
}

/// `name.ext:line:col` somewhere in the text.
fn located(text: &str) -> bool {
    text.split(|c: char| c.is_whitespace() || c == '[' || c == ']')
        .any(|w| {
            let parts: Vec<&str> = w.trim_end_matches(':').rsplitn(3, ':').collect();
            parts.len() == 3
                && parts[0].parse::<usize>().is_ok_and(|c| c >= 1)
                && parts[1].parse::<usize>().is_ok_and(|l| l >= 1)
                && parts[2].contains('.')
        })
}

fn run(scenario: usize, file: usize, m: &Mangle) -> Result<(), TestCaseError> {
    let dirs = gallery();
    let src = &dirs[scenario % dirs.len()];
    let tmp = std::env::temp_dir().join(format!(
        "relaylab-mangled-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(src)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    for f in &files {
        std::fs::copy(f, tmp.join(f.file_name().unwrap())).unwrap();
    }
    let victim = &files[file % files.len()];
    let mangled = apply(&std::fs::read(victim).unwrap(), m);
    std::fs::write(tmp.join(victim.file_name().unwrap()), &mangled).unwrap();

    let start = Instant::now();
    let loaded = relaylab::scenario::load(&tmp.join("scenario.toml"));
    match loaded {
        Ok(s) => {
            // What loads must also be provable (or refused with a reason) in bounded time.
            let _ = verify::prove(&s.model);
        }
        Err(e) => {
            let text = e.render(miette::GraphicalTheme::unicode_nocolor());
            prop_assert!(
                located(&text),
                "{} mangled by {m:?}: no file:line:col in\n{text}",
                victim.display()
            );
        }
    }
    prop_assert!(
        start.elapsed() < BEHAVIOUR_BOUND,
        "{} mangled by {m:?}: {:?}",
        victim.display(),
        start.elapsed()
    );
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn mangled_scenarios_never_panic_and_errors_are_located(
        scenario in 0usize..64,
        file in 0usize..16,
        m in mangle(),
    ) {
        run(scenario, file, &m)?;
    }
}

#[test]
fn nesting_piled_into_each_file_is_a_located_error() {
    for scenario in 0..gallery().len() {
        for file in 0..6 {
            for opener in ["{", "[", "(", "[expr {1+"] {
                run(scenario, file, &Mangle::Nest(500, 5000, opener)).unwrap();
            }
        }
    }
}
