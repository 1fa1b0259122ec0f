//! The clients a sampled class is searched with besides its representative.
//!
//! A class is sampled when its rules did something with the client address the prover
//! cannot enumerate (`string range`, `regexp`, a glob): one representative then stands for
//! addresses it may not speak for. Search decides more of them, chosen where a text
//! operation changes its answer: the class's edges, addresses whose text extends a literal
//! written in the rules (`10.1.2` is a prefix of `10.1.2.7` and of `10.1.20.7` and
//! `10.1.200.7`), and random ones. A counterexample found this way is a real client's
//! outcome, reported as found by search; finding none proves nothing.

use addrspace::{Addr, Domain};

use crate::clients::{Client, ClientSet};

/// How many clients each sampled class is searched with unless the scenario or the
/// command line says otherwise.
pub const DEFAULT_SEARCH: usize = 64;

/// Up to `n` clients of `set` (never its representative), deterministic for a `seed`.
pub(crate) fn search_clients(
    set: &ClientSet,
    literals: &[String],
    n: usize,
    seed: u64,
) -> Vec<Client> {
    let Some(rep) = set.representative() else {
        return Vec::new();
    };
    let mut out: Vec<Client> = Vec::new();
    let push = |c: Client, out: &mut Vec<Client>| {
        if c != rep && set.contains(c) && !out.contains(&c) && out.len() < n {
            out.push(c);
        }
    };
    for c in set.edges(n / 4) {
        push(c, &mut out);
    }
    for lit in literals {
        for addr in extensions(lit) {
            push(
                Client {
                    addr,
                    port: rep.port,
                },
                &mut out,
            );
        }
    }
    let mut rng = SplitMix(seed);
    let parts = set.parts();
    let mut tries = 0;
    while out.len() < n && tries < 4 * n && !parts.is_empty() {
        tries += 1;
        let (ports, addrs) = &parts[(rng.next() % parts.len() as u64) as usize];
        let domains: Vec<Domain> = addrs.domains().collect();
        if domains.is_empty() {
            continue;
        }
        let d = domains[(rng.next() % domains.len() as u64) as usize];
        let ranges = addrs.ranges(d);
        if ranges.is_empty() {
            continue;
        }
        let (lo, hi) = ranges[(rng.next() % ranges.len() as u64) as usize];
        let width = hi - lo;
        let r = (u128::from(rng.next()) << 64) | u128::from(rng.next());
        let number = lo
            + if width == u128::MAX {
                r
            } else {
                r % (width + 1)
            };
        let port = ports.representative().unwrap_or(rep.port);
        push(
            Client {
                addr: d.addr(number),
                port,
            },
            &mut out,
        );
    }
    out
}

/// Address-like literals in rule text: runs of digits and dots holding a dot, at most 32.
pub(crate) fn literals(texts: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for text in texts {
        for word in text.split(|c: char| !(c.is_ascii_digit() || c == '.')) {
            if word.contains('.')
                && word.chars().any(|c| c.is_ascii_digit())
                && !out.iter().any(|w| w == word)
                && out.len() < 32
            {
                out.push(word.to_string());
            }
        }
    }
    out
}

/// IPv4 addresses whose dotted-quad text begins with `lit` (`10.1.2` gives 10.1.2.x,
/// 10.1.20.x ... 10.1.29.x, 10.1.200.x ... 10.1.255.x), a few per way of completing it.
pub(crate) fn extensions(lit: &str) -> Vec<Addr> {
    let lit = lit.trim_start_matches('.');
    let parts: Vec<&str> = lit.split('.').collect();
    if parts.len() > 4 || parts.is_empty() {
        return Vec::new();
    }
    let (full, partial) = parts.split_at(parts.len() - 1);
    let mut fixed = Vec::new();
    for p in full {
        match octet(p) {
            Some(o) => fixed.push(o),
            None => return Vec::new(),
        }
    }
    let partial = partial[0];
    // Every octet whose text starts with the partial one.
    let mut lasts: Vec<u8> = (0..=255u8)
        .filter(|o| o.to_string().starts_with(partial))
        .collect();
    // The smallest and largest of each length: where a text comparison changes.
    lasts = thin(&lasts);
    let mut out = Vec::new();
    for last in lasts {
        let mut octets = fixed.clone();
        octets.push(last);
        if octets.len() > 4 {
            continue;
        }
        for fill in [0u8, 1, 254, 255] {
            let mut o = octets.clone();
            while o.len() < 4 {
                o.push(fill);
            }
            let n = u32::from_be_bytes([o[0], o[1], o[2], o[3]]);
            out.push(Domain::V4.addr(u128::from(n)));
        }
    }
    out.sort_unstable();
    out.dedup();
    out.truncate(48);
    out
}

fn octet(text: &str) -> Option<u8> {
    if text.is_empty() || (text.len() > 1 && text.starts_with('0')) {
        return None;
    }
    text.parse().ok()
}

/// The first and last octet of each text length among `xs`.
fn thin(xs: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for len in 1..=3 {
        let same: Vec<u8> = xs
            .iter()
            .copied()
            .filter(|o| o.to_string().len() == len)
            .collect();
        if let (Some(a), Some(b)) = (same.first(), same.last()) {
            out.push(*a);
            out.push(*b);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// A small, seeded generator (SplitMix64): reproducible searches, no dependency.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(addrs: &[Addr]) -> Vec<String> {
        addrs.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn extensions_of_a_partial_address_reach_every_octet_length() {
        let t = texts(&extensions("10.1.2"));
        for want in ["10.1.2.0", "10.1.29.255", "10.1.200.0", "10.1.255.255"] {
            assert!(t.contains(&want.to_string()), "{want} not in {t:?}");
        }
        assert!(t.iter().all(|a| a.starts_with("10.1.2")), "{t:?}");
        assert!(extensions("300.1").is_empty());
        assert!(extensions("1.2.3.4.5").is_empty());
    }

    #[test]
    fn literals_are_address_like_words() {
        let l = literals(&[
            "if { [string range [IP::client_addr] 0 5] eq \"10.1.2\" } { snat 10.0.0.20 }",
        ]);
        assert_eq!(l, ["10.1.2", "10.0.0.20"]);
    }
}
