//! The client address as text: the exact set of IPv4 addresses whose dotted-quad text a
//! glob matches, so that `string match` on `IP::client_addr` is proved, not sampled.
//!
//! The text of an address is a function of the address; a glob is an automaton. Walking
//! the four octets with the automaton's state sets, and remembering the set of suffixes
//! that each (octet position, state set) accepts, gives the matching addresses as ranges
//! without visiting 2^32 texts. Where the answer would take too many ranges (a glob on
//! the last digit holds one address in ten, in millions of pieces) there is no answer and
//! the caller samples, as before.

use std::collections::HashMap;

use addrspace::{AddrSet, Domain};

/// At most this many ranges in an answer.
const MAX_RANGES: usize = 65_536;

/// One token of a Tcl glob.
#[derive(Debug, Clone)]
enum Tok {
    Char(char),
    Any,
    Star,
    Class(Vec<(char, char)>),
}

fn tokens(pattern: &str, nocase: bool) -> Option<Vec<Tok>> {
    let fold = |c: char| if nocase { c.to_ascii_lowercase() } else { c };
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        out.push(match c {
            '*' => {
                if matches!(out.last(), Some(Tok::Star)) {
                    continue;
                }
                Tok::Star
            }
            '?' => Tok::Any,
            '\\' => {
                let e = *chars.get(i)?;
                i += 1;
                Tok::Char(fold(e))
            }
            '[' => {
                let mut ranges = Vec::new();
                loop {
                    let a = *chars.get(i)?;
                    i += 1;
                    if a == ']' {
                        break;
                    }
                    let a = if a == '\\' {
                        let e = *chars.get(i)?;
                        i += 1;
                        e
                    } else {
                        a
                    };
                    if chars.get(i) == Some(&'-') && chars.get(i + 1).is_some_and(|&e| e != ']') {
                        let b = chars[i + 1];
                        i += 2;
                        let (a, b) = (fold(a), fold(b));
                        ranges.push((a.min(b), a.max(b)));
                    } else {
                        ranges.push((fold(a), fold(a)));
                    }
                }
                Tok::Class(ranges)
            }
            c => Tok::Char(fold(c)),
        });
    }
    // A state set is a 128-bit mask of token positions.
    (out.len() < 127).then_some(out)
}

/// Accepted suffixes as inclusive ranges of numbers; None: too many.
type Suffixes = Option<Vec<(u32, u32)>>;

struct Walk {
    toks: Vec<Tok>,
    /// By (octet position, automaton state set).
    memo: HashMap<(u8, u128), Suffixes>,
}

impl Walk {
    fn closure(&self, mut s: u128) -> u128 {
        let mut i = 0;
        while i < self.toks.len() {
            if s & (1 << i) != 0 && matches!(self.toks[i], Tok::Star) {
                s |= 1 << (i + 1);
            }
            i += 1;
        }
        s
    }

    fn step(&self, s: u128, c: char) -> u128 {
        let mut next = 0u128;
        for (i, t) in self.toks.iter().enumerate() {
            if s & (1 << i) == 0 {
                continue;
            }
            match t {
                Tok::Star => next |= 1 << i,
                Tok::Any => next |= 1 << (i + 1),
                Tok::Char(x) if *x == c => next |= 1 << (i + 1),
                Tok::Class(r) if r.iter().any(|&(a, b)| a <= c && c <= b) => next |= 1 << (i + 1),
                _ => {}
            }
        }
        self.closure(next)
    }

    fn feed(&self, mut s: u128, text: &str) -> u128 {
        for c in text.chars() {
            if s == 0 {
                break;
            }
            s = self.step(s, c);
        }
        s
    }

    /// The suffixes (octets `level..4`, as a number of `8 * (4 - level)` bits) whose text
    /// takes state set `s` to acceptance. None: too many ranges.
    fn suffixes(&mut self, level: u8, s: u128) -> Suffixes {
        if let Some(hit) = self.memo.get(&(level, s)) {
            return hit.clone();
        }
        let accept = 1u128 << self.toks.len();
        let shift = 8 * u32::from(3 - level);
        let mut out: Vec<(u32, u32)> = Vec::new();
        if s != 0 {
            for octet in 0..=255u32 {
                let after = self.feed(s, &octet.to_string());
                let sub: Vec<(u32, u32)> = if level == 3 {
                    if after & accept != 0 {
                        vec![(0, 0)]
                    } else {
                        Vec::new()
                    }
                } else {
                    let dotted = self.feed(after, ".");
                    self.suffixes(level + 1, dotted)?
                };
                let base = octet << shift;
                for (lo, hi) in sub {
                    let (lo, hi) = (base | lo, base | hi);
                    match out.last_mut() {
                        Some(last) if last.1.checked_add(1) == Some(lo) => last.1 = hi,
                        _ => out.push((lo, hi)),
                    }
                }
                if out.len() > MAX_RANGES {
                    self.memo.insert((level, s), None);
                    return None;
                }
            }
        }
        self.memo.insert((level, s), Some(out.clone()));
        Some(out)
    }
}

/// The IPv4 addresses (route domain 0) whose dotted-quad text `pattern` matches, as
/// Tcl's `string match` does; None when the pattern is malformed or the set too ragged.
pub(crate) fn glob_v4(pattern: &str, nocase: bool) -> Option<AddrSet> {
    let toks = tokens(pattern, nocase)?;
    let mut w = Walk {
        toks,
        memo: HashMap::new(),
    };
    let start = w.closure(1);
    let ranges = w.suffixes(0, start)?;
    let sets: Vec<AddrSet> = ranges
        .iter()
        .map(|&(lo, hi)| AddrSet::range(Domain::V4, u128::from(lo), u128::from(hi)))
        .collect();
    Some(AddrSet::from_sets(sets.iter()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::glob_match;

    /// The oracle: every address the test tries is in the set exactly when Tcl's glob
    /// (the engine's own `string match`) matches its text.
    fn agrees(pattern: &str, nocase: bool, probes: &[u32]) {
        let Some(set) = glob_v4(pattern, nocase) else {
            return;
        };
        for &n in probes {
            let a = Domain::V4.addr(u128::from(n));
            let text = a.to_string();
            assert_eq!(
                set.contains(&a),
                glob_match(pattern, &text, nocase),
                "{pattern} on {text}"
            );
        }
    }

    #[test]
    fn globs_on_the_address_text_agree_with_matching_each_address() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(12);
        let patterns = [
            "10.1.2*",
            "10.1.2.*",
            "10.*",
            "*.5",
            "10.?.*",
            "1[0-2].*",
            "192.168.*.1?",
            "*.*.*.*",
            "10.1.1.5",
            "*",
            "1*1",
            "[!0-9]*",
            "10.\\1*",
            "172.1[6-9].*",
            "*.25[0-5]",
            "?.?.?.?",
            "10.1.2?.*",
        ];
        for p in patterns {
            let mut probes: Vec<u32> = (0..3000).map(|_| rng.random()).collect();
            // Near the pattern: addresses whose text begins like it.
            for lit in [
                [10u8, 1, 2, 7],
                [10, 1, 20, 9],
                [10, 1, 200, 0],
                [172, 16, 0, 1],
                [192, 168, 3, 12],
                [1, 2, 3, 5],
                [10, 1, 1, 5],
                [0, 0, 0, 0],
                [255, 255, 255, 255],
            ] {
                probes.push(u32::from_be_bytes(lit));
            }
            if let Some(set) = glob_v4(p, false) {
                for (lo, hi) in set.ranges(Domain::V4).into_iter().take(200) {
                    for n in [lo, hi, lo.saturating_sub(1), hi + 1] {
                        if n <= u128::from(u32::MAX) {
                            probes.push(n as u32);
                        }
                    }
                }
            }
            agrees(p, false, &probes);
        }
    }

    #[test]
    fn a_prefix_pattern_is_the_blocks_whose_text_starts_with_it() {
        let set = glob_v4("10.1.2*", false).unwrap();
        for yes in ["10.1.2.0", "10.1.29.255", "10.1.200.1", "10.1.255.255"] {
            assert!(set.contains(&yes.parse().unwrap()), "{yes}");
        }
        for no in ["10.1.3.0", "10.1.1.255", "10.1.30.0", "10.10.2.0"] {
            assert!(!set.contains(&no.parse().unwrap()), "{no}");
        }
    }

    #[test]
    fn a_last_digit_glob_is_too_ragged_and_says_so() {
        assert!(glob_v4("*7", false).is_none());
    }
}
