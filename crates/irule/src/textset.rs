//! The client address as text: the exact set of addresses whose text an operation
//! accepts, so that `string match`, `regexp`, `class match ... starts_with` and their kin
//! on `IP::client_addr` are proved, not sampled.
//!
//! The text of an address is a function of the address, and each of these operations is
//! an automaton over text (a [`Machine`]). Walking the address part by part (the four
//! octets of IPv4) with the automaton's state, and remembering the set of suffixes that
//! each (part position, state) accepts, gives the accepted addresses as ranges without
//! visiting 2^32 texts. Where the answer would take too many ranges (a glob on the last
//! digit holds one address in ten, in millions of pieces) there is no answer and the
//! caller samples, as before.
//!
//! A [`View`] says how a value's text follows from the address: the route domain's `%N`,
//! a literal written after it (`"[IP::client_addr]/24"`), or a mask applied first
//! (`IP::addr $a mask 255.255.0.0`). The caller checks that the view renders the very
//! text the rule holds before it trusts a set computed through it.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::rc::Rc;
use std::sync::LazyLock;

use addrspace::{Addr, AddrSet, Domain, Family};

use crate::datagroup::MatchOp;

/// At most this many ranges in an answer.
const MAX_RANGES: usize = 65_536;

/// An automaton over text: what an operation on the address's text asks.
pub(crate) trait Machine {
    /// A state; equal states accept the same continuations.
    type State: Clone + Eq + Hash;
    /// The state before any text.
    fn start(&self) -> Self::State;
    /// The state after `text`.
    fn feed(&self, s: &Self::State, text: &str) -> Self::State;
    /// The answer every continuation of the text gives, when that is already known.
    fn settled(&self, _s: &Self::State) -> Option<bool> {
        None
    }
    /// Whether the text that led to `s` is accepted.
    fn accepts(&self, s: &Self::State) -> bool;
}

/// How a value's text follows from the client address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct View {
    /// The family and route domain of the addresses (the text carries `%N` when N > 0).
    pub domain: Domain,
    /// A prefix length applied to the address before it is rendered.
    pub mask: Option<u8>,
    /// Literal text after the address (and its route domain).
    pub suffix: Box<str>,
    /// Only characters `from..=to` of that text (`string range`).
    pub range: Option<(u8, u8)>,
}

impl View {
    /// The text this view gives `addr` (an address of `self.domain`).
    pub(crate) fn render(&self, addr: &Addr) -> String {
        let shown = match self.mask {
            Some(len) => self
                .domain
                .addr(masked(addr.number(), len, self.domain.family)),
            None => *addr,
        };
        let mut out = shown.to_string();
        out.push_str(&self.suffix);
        match self.range {
            Some((from, to)) => out
                .chars()
                .skip(usize::from(from))
                .take(usize::from(to) + 1 - usize::from(from))
                .collect(),
            None => out,
        }
    }
}

fn masked(n: u128, len: u8, family: Family) -> u128 {
    let width = match family {
        Family::V4 => 32,
        Family::V6 => 128,
    };
    let len = u32::from(len).min(width);
    if len == 0 {
        0
    } else {
        let keep = (u128::MAX << (128 - len)) >> (128 - width);
        n & keep
    }
}

/// Machine steps one walk may take before it gives up (the caller then samples): a
/// hostile pattern must not stall the prover, and the engine's decisions never wait on
/// a walk.
pub(crate) const WALK_BUDGET: u64 = 4_000_000;

/// The addresses of `view.domain` whose text `m` accepts; None when too ragged or past
/// [`WALK_BUDGET`] steps.
#[cfg(test)]
pub(crate) fn accepted<M: Machine>(m: &M, view: &View) -> Option<AddrSet> {
    let mut steps = 0;
    accepted_within(m, view, WALK_BUDGET, &mut steps)
}

/// [`accepted`] within `limit` steps; `steps` counts the steps taken.
pub(crate) fn accepted_within<M: Machine>(
    m: &M,
    view: &View,
    limit: u64,
    steps: &mut u64,
) -> Option<AddrSet> {
    if let Some((from, to)) = view.range {
        let whole = View {
            range: None,
            ..view.clone()
        };
        return accepted_whole(&Window { m, from, to }, &whole, limit, steps);
    }
    accepted_whole(m, view, limit, steps)
}

fn accepted_whole<M: Machine>(m: &M, view: &View, limit: u64, steps: &mut u64) -> Option<AddrSet> {
    let d = view.domain;
    let ranges = match d.family {
        Family::V4 => V4Walk::new(m, view, limit, steps).run()?,
        Family::V6 => crate::textset6::walk(m, view, limit, steps)?,
    };
    let sets: Vec<AddrSet> = ranges
        .iter()
        .map(|&(lo, hi)| AddrSet::range(d, lo, hi))
        .collect();
    Some(AddrSet::from_sets(sets.iter()).intersection(&AddrSet::full(d)))
}

/// Decimal texts of 0..=255.
static OCTETS: LazyLock<[String; 256]> = LazyLock::new(|| std::array::from_fn(|o| o.to_string()));

/// The decimal text of an octet.
pub(crate) fn octet_text(o: u8) -> &'static str {
    &OCTETS[usize::from(o)]
}

/// Inclusive ranges of a number, kept sorted and merged.
pub(crate) type Ranges = Vec<(u128, u128)>;

/// Appends `sub` (ranges below `base`) to `out`, merging neighbours; false past the cap.
pub(crate) fn append(out: &mut Ranges, base: u128, sub: &[(u128, u128)]) -> bool {
    for &(lo, hi) in sub {
        let (lo, hi) = (base | lo, base | hi);
        match out.last_mut() {
            Some(last) if last.1.checked_add(1) == Some(lo) => last.1 = hi,
            _ => out.push((lo, hi)),
        }
    }
    out.len() <= MAX_RANGES
}

struct V4Walk<'m, M: Machine> {
    m: &'m M,
    limit: u64,
    steps: &'m mut u64,
    tail: String,
    mask: [u8; 4],
    memo: HashMap<(u8, M::State), Option<Rc<Ranges>>>,
}

impl<'m, M: Machine> V4Walk<'m, M> {
    fn new(m: &'m M, view: &View, limit: u64, steps: &'m mut u64) -> Self {
        let mut tail = String::new();
        if view.domain.route_domain != 0 {
            tail = format!("%{}", view.domain.route_domain);
        }
        tail.push_str(&view.suffix);
        let bits = masked(u128::from(u32::MAX), view.mask.unwrap_or(32), Family::V4) as u32;
        V4Walk {
            m,
            limit,
            steps,
            tail,
            mask: bits.to_be_bytes(),
            memo: HashMap::new(),
        }
    }

    fn run(mut self) -> Option<Ranges> {
        let start = self.m.start();
        self.suffixes(0, start).map(|r| (*r).clone())
    }

    /// The suffixes (octets `level..4`, as a number of `8 * (4 - level)` bits) whose
    /// text takes state `s` to acceptance.
    fn suffixes(&mut self, level: u8, s: M::State) -> Option<Rc<Ranges>> {
        if let Some(hit) = self.memo.get(&(level, s.clone())) {
            return hit.clone();
        }
        let made = self.compute(level, &s);
        self.memo.insert((level, s), made.clone());
        made
    }

    fn compute(&mut self, level: u8, s: &M::State) -> Option<Rc<Ranges>> {
        let top = (1u128 << (8 * (4 - u32::from(level)))) - 1;
        match self.m.settled(s) {
            Some(true) => return Some(Rc::new(vec![(0, top)])),
            Some(false) => return Some(Rc::new(Vec::new())),
            None => {}
        }
        let shift = 8 * u32::from(3 - level);
        let mut out = Ranges::new();
        *self.steps += 256;
        if *self.steps > self.limit {
            return None;
        }
        for octet in 0..=255u8 {
            let after = self
                .m
                .feed(s, octet_text(octet & self.mask[usize::from(level)]));
            let sub: Rc<Ranges> = if level == 3 {
                let end = self.m.feed(&after, &self.tail);
                Rc::new(if self.m.accepts(&end) {
                    vec![(0, 0)]
                } else {
                    Vec::new()
                })
            } else {
                let dotted = self.m.feed(&after, ".");
                self.suffixes(level + 1, dotted)?
            };
            if !append(&mut out, u128::from(octet) << shift, &sub) {
                return None;
            }
        }
        Some(Rc::new(out))
    }
}

// ---- machines -------------------------------------------------------------------------

/// `m` asked of characters `from..=to` of the text only, as `string range` cuts them.
struct Window<'m, M> {
    m: &'m M,
    from: u8,
    to: u8,
}

impl<M: Machine> Machine for Window<'_, M> {
    /// Characters read, and `m`'s state.
    type State = (u8, M::State);
    fn start(&self) -> Self::State {
        (0, self.m.start())
    }
    fn feed(&self, s: &Self::State, text: &str) -> Self::State {
        let (mut pos, mut inner) = s.clone();
        for c in text.chars() {
            if pos > self.to {
                break;
            }
            if pos >= self.from {
                let mut buf = [0u8; 4];
                inner = self.m.feed(&inner, c.encode_utf8(&mut buf));
            }
            pos += 1;
        }
        (pos, inner)
    }
    fn settled(&self, s: &Self::State) -> Option<bool> {
        if s.0 > self.to {
            Some(self.m.accepts(&s.1))
        } else {
            self.m.settled(&s.1)
        }
    }
    fn accepts(&self, s: &Self::State) -> bool {
        self.m.accepts(&s.1)
    }
}

/// One token of a Tcl glob.
#[derive(Debug, Clone)]
enum Tok {
    Char(char),
    Any,
    Star,
    Class(Vec<(char, char)>),
}

/// Tcl's `string match` glob, as a set of positions in the pattern.
pub(crate) struct Glob {
    toks: Vec<Tok>,
    nocase: bool,
}

impl Glob {
    /// None when the pattern is malformed or too long to follow as a bit set.
    pub(crate) fn new(pattern: &str, nocase: bool) -> Option<Glob> {
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
                        if chars.get(i) == Some(&'-') && chars.get(i + 1).is_some_and(|&e| e != ']')
                        {
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
        // A state is a 128-bit mask of token positions.
        (out.len() < 127).then_some(Glob { toks: out, nocase })
    }

    fn closure(&self, mut s: u128) -> u128 {
        for (i, t) in self.toks.iter().enumerate() {
            if s & (1 << i) != 0 && matches!(t, Tok::Star) {
                s |= 1 << (i + 1);
            }
        }
        s
    }

    fn step(&self, s: u128, c: char) -> u128 {
        let c = if self.nocase {
            c.to_ascii_lowercase()
        } else {
            c
        };
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
}

impl Machine for Glob {
    type State = u128;
    fn start(&self) -> u128 {
        self.closure(1)
    }
    fn feed(&self, s: &u128, text: &str) -> u128 {
        let mut s = *s;
        for c in text.chars() {
            if s == 0 {
                break;
            }
            s = self.step(s, c);
        }
        s
    }
    fn settled(&self, s: &u128) -> Option<bool> {
        // A trailing star reached: every continuation matches.
        let last_star = matches!(self.toks.last(), Some(Tok::Star));
        if *s == 0 {
            Some(false)
        } else if last_star && s & (1 << (self.toks.len() - 1)) != 0 {
            Some(true)
        } else {
            None
        }
    }
    fn accepts(&self, s: &u128) -> bool {
        s & (1 << self.toks.len()) != 0
    }
}

/// The text equal to one literal.
pub(crate) struct Exact(pub Box<str>);

impl Machine for Exact {
    /// Bytes matched so far; None once the text differs.
    type State = Option<usize>;
    fn start(&self) -> Option<usize> {
        Some(0)
    }
    fn feed(&self, s: &Option<usize>, text: &str) -> Option<usize> {
        let at = (*s)?;
        let want = self.0.as_bytes();
        let end = at + text.len();
        (end <= want.len() && &want[at..end] == text.as_bytes()).then_some(end)
    }
    fn settled(&self, s: &Option<usize>) -> Option<bool> {
        s.is_none().then_some(false)
    }
    fn accepts(&self, s: &Option<usize>) -> bool {
        *s == Some(self.0.len())
    }
}

/// A regular expression found anywhere in the text, as the `regex` crate (the engine's
/// own `regexp`) finds it.
pub(crate) struct Regex {
    dfa: regex_automata::dfa::dense::DFA<Vec<u32>>,
    start: regex_automata::util::primitives::StateID,
}

impl Regex {
    /// None when the pattern does not compile or its automaton would be too large.
    pub(crate) fn new(pattern: &str, nocase: bool) -> Option<Regex> {
        use regex_automata::dfa::{Automaton, dense};
        use regex_automata::util::{start, syntax};
        use regex_automata::{Anchored, MatchKind};
        let dfa = dense::Builder::new()
            .syntax(syntax::Config::new().case_insensitive(nocase))
            .configure(
                dense::Config::new()
                    .match_kind(MatchKind::All)
                    .unicode_word_boundary(true)
                    .dfa_size_limit(Some(8 << 20))
                    .determinize_size_limit(Some(8 << 20)),
            )
            .build(pattern)
            .ok()?;
        let start = dfa
            .start_state(&start::Config::new().anchored(Anchored::No))
            .ok()?;
        Some(Regex { dfa, start })
    }
}

impl Machine for Regex {
    /// The automaton's state, and whether a match was already seen.
    type State = (regex_automata::util::primitives::StateID, bool);
    fn start(&self) -> Self::State {
        (self.start, false)
    }
    fn feed(&self, s: &Self::State, text: &str) -> Self::State {
        use regex_automata::dfa::Automaton;
        let (mut id, mut seen) = *s;
        for b in text.bytes() {
            if seen || self.dfa.is_dead_state(id) {
                break;
            }
            id = self.dfa.next_state(id, b);
            // The DFA reports a match one byte late, and a quit state (a byte outside
            // ASCII with a word boundary) never arises in an address's text.
            seen |= self.dfa.is_match_state(id);
        }
        (id, seen)
    }
    fn settled(&self, s: &Self::State) -> Option<bool> {
        use regex_automata::dfa::Automaton;
        if s.1 {
            Some(true)
        } else if self.dfa.is_dead_state(s.0) || self.dfa.is_quit_state(s.0) {
            Some(false)
        } else {
            None
        }
    }
    fn accepts(&self, s: &Self::State) -> bool {
        use regex_automata::dfa::Automaton;
        s.1 || self.dfa.is_match_state(self.dfa.next_eoi_state(s.0))
    }
}

/// The text against a data group's keys, as `class match <text> <op> <group>` asks.
pub(crate) struct Keys {
    /// A contiguous NFA, not a DFA: a group of a million keys would make a DFA of
    /// gigabytes.
    dfa: aho_corasick::nfa::contiguous::NFA,
    op: MatchOp,
    /// The answer on every text when a key is empty (it starts, ends and is contained
    /// in every text); the automaton is built from the others.
    always: bool,
    anchored: aho_corasick::Anchored,
}

impl Keys {
    /// None when the automaton cannot be built.
    pub(crate) fn new<'k>(keys: impl IntoIterator<Item = &'k str>, op: MatchOp) -> Option<Keys> {
        use aho_corasick::Anchored;
        use aho_corasick::nfa::contiguous;
        let mut always = false;
        let keys: Vec<&str> = keys
            .into_iter()
            .filter(|k| {
                always |= k.is_empty() && op != MatchOp::Equals;
                !k.is_empty()
            })
            .collect();
        let dfa = contiguous::NFA::builder().build(&keys).ok()?;
        let anchored = match op {
            MatchOp::Equals | MatchOp::StartsWith => Anchored::Yes,
            MatchOp::EndsWith | MatchOp::Contains => Anchored::No,
        };
        Some(Keys {
            dfa,
            op,
            always,
            anchored,
        })
    }
}

impl Keys {
    /// Whether a key matched at `id` starts the text (`pos` bytes read): the automaton
    /// also reports keys that end here but start later, which an anchored question
    /// must not count.
    fn anchored_hit(&self, id: aho_corasick::automaton::StateID, pos: usize) -> bool {
        use aho_corasick::automaton::Automaton;
        self.dfa.is_match(id)
            && (0..self.dfa.match_len(id))
                .any(|i| self.dfa.pattern_len(self.dfa.match_pattern(id, i)) == pos)
    }
}

impl Machine for Keys {
    /// The automaton's state, whether a key was already found (sticky for
    /// `starts_with` and `contains`), and the bytes read (for the anchored operators).
    type State = (aho_corasick::automaton::StateID, bool, usize);
    fn start(&self) -> Self::State {
        use aho_corasick::automaton::Automaton;
        let id = self
            .dfa
            .start_state(self.anchored)
            .expect("an NFA starts anchored or not");
        (id, self.always, 0)
    }
    fn feed(&self, s: &Self::State, text: &str) -> Self::State {
        use aho_corasick::automaton::Automaton;
        let (mut id, mut seen, mut pos) = *s;
        let anchored = matches!(self.op, MatchOp::StartsWith | MatchOp::Equals);
        for b in text.bytes() {
            if seen || self.dfa.is_dead(id) {
                break;
            }
            id = self.dfa.next_state(self.anchored, id, b);
            if anchored {
                pos += 1;
            }
            seen |= match self.op {
                MatchOp::StartsWith => self.anchored_hit(id, pos),
                MatchOp::Contains => self.dfa.is_match(id),
                MatchOp::EndsWith | MatchOp::Equals => false,
            };
        }
        (id, seen, pos)
    }
    fn settled(&self, s: &Self::State) -> Option<bool> {
        use aho_corasick::automaton::Automaton;
        if s.1 {
            Some(true)
        } else if self.dfa.is_dead(s.0) {
            Some(false)
        } else {
            None
        }
    }
    fn accepts(&self, s: &Self::State) -> bool {
        use aho_corasick::automaton::Automaton;
        match self.op {
            MatchOp::StartsWith | MatchOp::Contains => s.1,
            MatchOp::EndsWith => self.always || self.dfa.is_match(s.0),
            MatchOp::Equals => self.anchored_hit(s.0, s.2),
        }
    }
}

/// The text's length (in characters, as `string length` counts) is one of a set.
pub(crate) struct Length {
    /// By length: accepted or not; lengths past the end are not.
    pub accept: Vec<bool>,
}

impl Machine for Length {
    type State = usize;
    fn start(&self) -> usize {
        0
    }
    fn feed(&self, s: &usize, text: &str) -> usize {
        (s + text.chars().count()).min(self.accept.len())
    }
    fn accepts(&self, s: &usize) -> bool {
        self.accept.get(*s).copied().unwrap_or(false)
    }
}

/// Where `needle` first occurs in the text (`string first`), as a character index, or
/// -1, equals `at`.
pub(crate) struct First {
    needle: Vec<char>,
    at: i64,
    /// Knuth-Morris-Pratt failure links of the needle.
    fail: Vec<usize>,
}

impl First {
    pub(crate) fn new(needle: &str, at: i64) -> First {
        let needle: Vec<char> = needle.chars().collect();
        let mut fail = vec![0; needle.len()];
        let mut k = 0;
        for i in 1..needle.len() {
            while k > 0 && needle[i] != needle[k] {
                k = fail[k - 1];
            }
            if needle[i] == needle[k] {
                k += 1;
            }
            fail[i] = k;
        }
        First { needle, at, fail }
    }
}

impl Machine for First {
    /// Characters read, needle characters matched, and where the needle was found.
    type State = (i64, usize, Option<i64>);
    fn start(&self) -> Self::State {
        (0, 0, None)
    }
    fn feed(&self, s: &Self::State, text: &str) -> Self::State {
        let (mut pos, mut k, found) = *s;
        if found.is_some() || self.needle.is_empty() {
            return *s;
        }
        for c in text.chars() {
            while k > 0 && self.needle[k] != c {
                k = self.fail[k - 1];
            }
            if self.needle[k] == c {
                k += 1;
            }
            pos += 1;
            if k == self.needle.len() {
                return (pos, k, Some(pos - k as i64));
            }
        }
        (pos, k, None)
    }
    fn settled(&self, s: &Self::State) -> Option<bool> {
        s.2.map(|at| at == self.at)
    }
    fn accepts(&self, s: &Self::State) -> bool {
        s.2.unwrap_or(-1) == self.at
    }
}

/// The decimal octet `k` (0 first) of an IPv4 address.
pub(crate) fn octet_of(addr: &Addr, k: u8) -> Option<u8> {
    match addr.ip {
        IpAddr::V4(v4) => v4.octets().get(usize::from(k)).copied(),
        IpAddr::V6(_) => None,
    }
}

/// The IPv4 addresses of `domain` whose octet `k` is in `octets`; None when too ragged.
pub(crate) fn with_octet(domain: Domain, k: u8, octets: &[bool; 256]) -> Option<AddrSet> {
    let shift = 8 * (3 - u32::from(k.min(3)));
    let below = (1u128 << shift) - 1;
    // Runs of accepted octet values.
    let mut runs: Vec<(u128, u128)> = Vec::new();
    for o in 0..256u128 {
        if octets[o as usize] {
            match runs.last_mut() {
                Some(r) if r.1 + 1 == o => r.1 = o,
                _ => runs.push((o, o)),
            }
        }
    }
    let above = 1u128 << (8 * u32::from(k.min(3)));
    if runs.is_empty() {
        return Some(AddrSet::empty());
    }
    if (above as usize).saturating_mul(runs.len()) > MAX_RANGES {
        return None;
    }
    let mut sets = Vec::new();
    for high in 0..above {
        let base = high << (shift + 8);
        for &(lo, hi) in &runs {
            sets.push(AddrSet::range(
                domain,
                base | (lo << shift),
                base | (hi << shift) | below,
            ));
        }
    }
    Some(AddrSet::from_sets(sets.iter()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::glob_match;
    use rand::{Rng, SeedableRng};

    fn v4(rd: u16, suffix: &str, mask: Option<u8>) -> View {
        View {
            domain: Domain {
                family: Family::V4,
                route_domain: rd,
            },
            mask,
            suffix: suffix.into(),
            range: None,
        }
    }

    /// Addresses to try: random ones, ones whose text begins like a literal of the
    /// test, and the edges of every range of the computed set.
    fn probes(set: Option<&AddrSet>, d: Domain, seed: u64) -> Vec<Addr> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut out: Vec<u128> = (0..2000).map(|_| u128::from(rng.random::<u32>())).collect();
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
            out.push(u128::from(u32::from_be_bytes(lit)));
        }
        if let Some(set) = set {
            for (lo, hi) in set.ranges(d).into_iter().take(300) {
                out.extend([lo, hi, lo.saturating_sub(1), hi + 1]);
            }
        }
        out.into_iter()
            .filter(|&n| n <= u128::from(u32::MAX))
            .map(|n| d.addr(n))
            .collect()
    }

    /// The oracle: every address tried is in the set exactly when `holds` says so of
    /// its text.
    /// False when there was no set to check (too ragged).
    fn agrees(m: &impl Machine, view: &View, what: &str, holds: impl Fn(&str) -> bool) -> bool {
        let Some(set) = accepted(m, view) else {
            return false;
        };
        let probes = match view.domain.family {
            Family::V4 => probes(Some(&set), view.domain, what.len() as u64),
            Family::V6 => probes6(&set, view.domain, what.len() as u64),
        };
        for a in probes {
            let text = view.render(&a);
            assert_eq!(
                set.contains(&a),
                holds(&text),
                "{what} on {text} ({:x}, {view:?})",
                a.number()
            );
        }
        true
    }

    /// IPv6 addresses to try: random ones, ones with runs of zero groups in every
    /// place (where the `::` goes), documentation and link-local prefixes, and the
    /// edges of the set's ranges.
    fn probes6(set: &AddrSet, d: Domain, seed: u64) -> Vec<Addr> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut out: Vec<u128> = Vec::new();
        for _ in 0..3000 {
            let mut groups: [u16; 8] = std::array::from_fn(|_| match rng.random_range(0..4) {
                0 | 1 => 0,
                2 => rng.random_range(0..16),
                _ => rng.random(),
            });
            match rng.random_range(0..4) {
                0 => groups[..2].copy_from_slice(&[0x2001, 0xdb8]),
                1 => groups[0] = 0xfe80,
                _ => {}
            }
            out.push(groups.iter().fold(0u128, |n, &g| (n << 16) | u128::from(g)));
        }
        out.extend([0, 1, u128::MAX, 0x2001_0db8 << 96, (0x2001_0db8 << 96) | 1]);
        for (lo, hi) in set.ranges(d).into_iter().take(300) {
            out.extend([lo, hi, lo.saturating_sub(1), hi.saturating_add(1)]);
        }
        // IPv4-mapped addresses are IPv4's (see addrspace), not this domain's.
        out.into_iter()
            .map(|n| d.addr(n))
            .filter(|a| matches!(a.ip, IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none()))
            .collect()
    }

    fn v6(rd: u16, suffix: &str, mask: Option<u8>) -> View {
        View {
            domain: Domain {
                family: Family::V6,
                route_domain: rd,
            },
            mask,
            suffix: suffix.into(),
            range: None,
        }
    }

    #[test]
    fn globs_and_regexps_on_ipv6_text_agree_with_each_address() {
        let globs = [
            "2001:db8:*",
            "2001:db8::*",
            "fe80::*",
            "*::1",
            "::",
            "::*",
            "*:0:*",
            "2001:db8:?:*",
            "*%5",
            "2001:db8::/32",
            "[0-9a-f]*:*",
        ];
        let mut checked = 0;
        for view in [v6(0, "", None), v6(5, "", None), v6(0, "", Some(32))] {
            for p in globs {
                let m = Glob::new(p, false).unwrap();
                checked += usize::from(agrees(&m, &view, p, |t| glob_match(p, t, false)));
            }
            for p in [r"^2001:db8:", r"^fe80::", r"::1$", r"^[0-9a-f]{4}:"] {
                let re = regex::Regex::new(p).unwrap();
                let m = Regex::new(p, false).unwrap();
                checked += usize::from(agrees(&m, &view, p, |t| re.is_match(t)));
            }
        }
        assert!(checked >= 20, "only {checked} sets computed");
    }

    const GLOBS: [&str; 18] = [
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
        "*%2",
    ];

    #[test]
    fn globs_on_the_address_text_agree_with_matching_each_address() {
        for view in [
            v4(0, "", None),
            v4(2, "", None),
            v4(0, "/24", None),
            v4(0, "", Some(16)),
        ] {
            for p in GLOBS.iter().copied().chain(["*/24", "10.1.0.0", "*.0.0*"]) {
                let m = Glob::new(p, false).unwrap();
                agrees(&m, &view, p, |t| glob_match(p, t, false));
            }
        }
    }

    #[test]
    fn regexps_agree_with_the_regex_crate_on_each_address() {
        let pats = [
            r"^10\.1\.",
            r"^10\.1\.[0-9]+\.5$",
            r"^192\.168\.(1|2)\.",
            r"\.25[0-5]$",
            r"^1.2",
            r"^(10|172)\.",
            r"^10\.[0-9]{2}\.",
            r"1\.1",
            r"^\d+\.\d+\.0\.",
            r"\b5\b",
            r"%2$",
            r"^10\.1\.1\.1$",
        ];
        for view in [v4(0, "", None), v4(2, "", None), v4(0, "", Some(24))] {
            for p in pats {
                let re = regex::Regex::new(p).unwrap();
                let Some(m) = Regex::new(p, false) else {
                    panic!("{p} compiles");
                };
                agrees(&m, &view, p, |t| re.is_match(t));
            }
        }
    }

    #[test]
    fn data_group_keys_agree_with_each_operator_on_each_address() {
        // Keys that end where a longer one is still being read ("8" inside
        // "10.0.0.80"): an anchored question must not count them.
        let keys = [
            "10.1.",
            "192.168.1",
            ".5",
            "10.1.1.1",
            "172.16.0.0",
            "0.0",
            "8",
            "10.0.0.80",
            "1",
        ];
        for view in [v4(0, "", None), v4(3, "", None)] {
            for op in [
                MatchOp::StartsWith,
                MatchOp::EndsWith,
                MatchOp::Contains,
                MatchOp::Equals,
            ] {
                let m = Keys::new(keys.iter().copied(), op).unwrap();
                let what = format!("{op:?}");
                agrees(&m, &view, &what, |t| {
                    keys.iter().any(|k| match op {
                        MatchOp::StartsWith => t.starts_with(k),
                        MatchOp::EndsWith => t.ends_with(k),
                        MatchOp::Contains => t.contains(k),
                        MatchOp::Equals => t == *k,
                    })
                });
            }
        }
        // An empty key starts, ends and is contained in every text; equals none.
        let m = Keys::new(["", "10."], MatchOp::EndsWith).unwrap();
        agrees(&m, &v4(0, "", None), "empty", |_| true);
    }

    #[test]
    fn lengths_and_first_positions_agree_with_each_address() {
        for view in [v4(0, "", None), v4(12, "", None)] {
            for len in 7..=18 {
                let mut accept = vec![false; 64];
                accept[len] = true;
                agrees(&Length { accept }, &view, "length", |t| t.len() == len);
            }
            for (needle, at) in [("10.", 0), ("1.1", 3), (".5", -1), ("%1", 9), ("", -1)] {
                let m = First::new(needle, at);
                agrees(&m, &view, needle, |t| {
                    let found = if needle.is_empty() {
                        -1
                    } else {
                        t.find(needle).map_or(-1, |i| i as i64)
                    };
                    found == at
                });
            }
        }
    }

    #[test]
    fn exact_literals_agree_with_each_address() {
        for view in [v4(0, "", None), v4(0, "/16", None), v4(4, "", Some(8))] {
            for lit in ["10.1.1.1", "10.0.0.0%4", "10.1.0.0/16", "x"] {
                agrees(&Exact(lit.into()), &view, lit, |t| t == lit);
            }
        }
    }

    #[test]
    fn tests_on_a_range_of_the_text_agree_with_each_address() {
        let mut checked = 0;
        for (from, to) in [(0u8, 6u8), (0, 3), (3, 7), (8, 20), (2, 2)] {
            for base in [v4(0, "", None), v4(7, "", None), v6(0, "", None)] {
                let view = View {
                    range: Some((from, to)),
                    ..base
                };
                for lit in ["10.1.2.", "10.1", ".1.2", "2001:db", "1", "2.3%7", ""] {
                    checked += usize::from(agrees(&Exact(lit.into()), &view, lit, |t| t == lit));
                    let g = format!("{lit}*");
                    let m = Glob::new(&g, false).unwrap();
                    checked += usize::from(agrees(&m, &view, &g, |t| glob_match(&g, t, false)));
                }
            }
        }
        assert!(checked >= 150, "only {checked} sets computed");
    }

    #[test]
    fn octet_sets_hold_the_addresses_with_that_octet() {
        let mut octets = [false; 256];
        for o in [0, 5, 6, 7, 200] {
            octets[o] = true;
        }
        for k in 0..2u8 {
            let set = with_octet(Domain::V4, k, &octets).unwrap();
            for a in probes(Some(&set), Domain::V4, u64::from(k)) {
                let o = octet_of(&a, k).unwrap();
                assert_eq!(set.contains(&a), octets[usize::from(o)], "{a}");
            }
        }
        assert!(with_octet(Domain::V4, 3, &octets).is_none());
    }

    #[test]
    fn a_prefix_pattern_is_the_blocks_whose_text_starts_with_it() {
        let set = accepted(&Glob::new("10.1.2*", false).unwrap(), &v4(0, "", None)).unwrap();
        for yes in ["10.1.2.0", "10.1.29.255", "10.1.200.1", "10.1.255.255"] {
            assert!(set.contains(&yes.parse().unwrap()), "{yes}");
        }
        for no in ["10.1.3.0", "10.1.1.255", "10.1.30.0", "10.10.2.0"] {
            assert!(!set.contains(&no.parse().unwrap()), "{no}");
        }
    }

    #[test]
    fn a_last_digit_glob_is_too_ragged_and_says_so() {
        assert!(accepted(&Glob::new("*7", false).unwrap(), &v4(0, "", None)).is_none());
    }
}
