//! Tests on the client address's text, answered for every address at once.
//!
//! A value holds the client address as text (`IP::client_addr`, with a literal after it,
//! or masked by `IP::addr ... mask`), or one decimal octet of it (`split` and `lindex`,
//! `getfield`, `scan`). A glob, a regular expression, a literal or a data group's keys
//! tested against such a value is answered here for every address: the set of addresses
//! that answer `true` is recorded as the prover's cut, so the class is proved. The
//! evaluation's own answer is still the engine's, on this client's text: were a set
//! wrong, the prover's classes and an address-by-address evaluation would disagree,
//! which is what the oracles test.

use std::sync::{Arc, Mutex};

use addrspace::{AddrSet, Domain};

use crate::datagroup::MatchOp;
use crate::fx::FxMap;
use crate::interp::{Interp, MatchingSets};
use crate::outcome::{Answer, ObservedBy};
use crate::span::Span;
use crate::textset::{self, Machine, View};
use crate::value::{Taint, Value, glob_match};

/// A test of text against a literal operand.
#[derive(Debug, Clone, Copy)]
pub(crate) enum TextTest<'t> {
    /// Tcl's `string match`.
    Glob { pattern: &'t str, nocase: bool },
    /// `regexp` (found anywhere, as the engine's `regexp` finds it).
    Regex { pattern: &'t str, nocase: bool },
    /// Equal to the literal.
    Exact(&'t str),
}

impl TextTest<'_> {
    fn describe(&self) -> String {
        match self {
            TextTest::Glob { pattern, .. } => format!("glob {pattern}"),
            TextTest::Regex { pattern, .. } => format!("regexp {pattern}"),
            TextTest::Exact(lit) => format!("equals {lit}"),
        }
    }

    fn key(&self) -> String {
        match self {
            TextTest::Glob { pattern, nocase } => format!("g{}{pattern}", u8::from(*nocase)),
            TextTest::Regex { pattern, nocase } => format!("r{}{pattern}", u8::from(*nocase)),
            TextTest::Exact(lit) => format!("e{lit}"),
        }
    }
}

/// Sets already computed, by (test, view): kept by the program, since a rule's literals
/// are met again on every connection and walking an automaton over the address space
/// costs far more than one evaluation. Bounded: operands computed at run time could be
/// endless.
#[derive(Debug, Default)]
pub(crate) struct TextSets {
    sets: Mutex<FxMap<(String, View), Option<MatchingSets>>>,
    /// Walk steps spent by this program: past [`TextSets::BUDGET`] new tests are no
    /// longer walked and sample instead, so a rule that builds endless patterns cannot
    /// stall the prover.
    spent: std::sync::atomic::AtomicU64,
}

impl TextSets {
    const MAX: usize = 4096;
    const BUDGET: u64 = 200_000_000;

    /// Steps the next walk may take.
    fn allowance(&self) -> u64 {
        let spent = self.spent.load(std::sync::atomic::Ordering::Relaxed);
        Self::BUDGET.saturating_sub(spent).min(textset::WALK_BUDGET)
    }

    /// The addresses of the view's domain whose text `m` accepts, within the program's
    /// allowance.
    pub(crate) fn walk<M: Machine>(&self, m: &M, view: &View) -> Option<AddrSet> {
        let mut steps = 0;
        let set = textset::accepted_within(m, view, self.allowance(), &mut steps);
        self.spent
            .fetch_add(steps, std::sync::atomic::Ordering::Relaxed);
        set
    }

    fn get(&self, key: &(String, View)) -> Option<Option<MatchingSets>> {
        self.sets.lock().ok()?.get(key).cloned()
    }

    fn insert(&self, key: (String, View), sets: Option<MatchingSets>) {
        if let Ok(mut m) = self.sets.lock()
            && m.len() < Self::MAX
        {
            m.insert(key, sets);
        }
    }
}

/// How a data group's keys are asked about the address's text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeysQuery {
    pub op: MatchOp,
    pub nocase: bool,
    /// The answer names the record, so each key's set is recorded.
    pub which: bool,
    /// The group has a name to remember its sets by (an inline group has not).
    pub cacheable: bool,
}

impl<'a> Interp<'_, 'a> {
    /// How `v`'s text follows from the client address, when it does and the view
    /// renders this very client's text (the check that keeps a set honest).
    pub(crate) fn text_view(&self, v: &Value<'a>) -> Option<View> {
        let client = self.conn?.client;
        let domain = client.domain();
        let view = match v.taint() {
            Taint::Client => {
                let plain = View {
                    domain,
                    mask: None,
                    suffix: "".into(),
                    range: None,
                };
                let rendered = plain.render(&client);
                let suffix = v.as_str().strip_prefix(rendered.as_str())?;
                View {
                    suffix: suffix.into(),
                    ..plain
                }
            }
            Taint::Masked(len) => View {
                domain,
                mask: Some(len),
                suffix: "".into(),
                range: None,
            },
            Taint::Range(from, to) => View {
                domain,
                mask: None,
                suffix: "".into(),
                range: Some((from, to)),
            },
            _ => return None,
        };
        (view.render(&client) == v.as_str()).then_some(view)
    }

    /// Records `sets` as the cuts of a test on the text of `domain`'s addresses: first
    /// the domain (where the text has this form), then the sets.
    fn observe_in(
        &mut self,
        what: String,
        domain: Domain,
        sets: MatchingSets,
        answer: Answer,
        span: Span,
    ) {
        self.observe(
            ObservedBy::Text(what.clone()),
            Arc::from(vec![AddrSet::full(domain)]),
            Answer::AnyHolds,
            span,
        );
        self.observe(ObservedBy::Text(what), sets, answer, span);
    }

    /// Records the addresses whose text (through `v`'s view) `make()` accepts. False:
    /// nothing recorded (no view, or the set too ragged), and the caller samples.
    pub(crate) fn observe_machine<M: Machine>(
        &mut self,
        what: String,
        key: String,
        v: &Value<'a>,
        span: Span,
        make: impl FnOnce() -> Option<M>,
    ) -> bool {
        let Some(view) = self.text_view(v) else {
            return false;
        };
        let key = (key, view);
        let sets = match self.text_sets.get(&key) {
            Some(hit) => hit,
            None => {
                let made = make()
                    .and_then(|m| self.text_sets.walk(&m, &key.1))
                    .map(|s| Arc::from(vec![s]));
                self.text_sets.insert(key.clone(), made.clone());
                made
            }
        };
        let Some(sets) = sets else {
            return false;
        };
        self.observe_in(what, key.1.domain, sets, Answer::AnyHolds, span);
        true
    }

    /// A test of `v` (derived from the client address) against a literal, recorded for
    /// every address; false where it cannot be and the caller must sample.
    pub(crate) fn observe_test(&mut self, v: &Value<'a>, test: TextTest<'_>, span: Span) -> bool {
        if let Taint::Octet(k) = v.taint() {
            return match test {
                TextTest::Glob { pattern, nocase } => self.observe_octet(
                    k,
                    test.describe(),
                    |_, t| Some(glob_match(pattern, t, nocase)),
                    v,
                    span,
                ),
                TextTest::Regex { pattern, nocase } => {
                    let Ok(re) = self.regex(pattern, nocase, span) else {
                        return false;
                    };
                    self.observe_octet(k, test.describe(), |_, t| Some(re.is_match(t)), v, span)
                }
                TextTest::Exact(lit) => {
                    self.observe_octet(k, test.describe(), |_, t| Some(t == lit), v, span)
                }
            };
        }
        let (what, key) = (test.describe(), test.key());
        match test {
            TextTest::Glob { pattern, nocase } => {
                self.observe_machine(what, key, v, span, || textset::Glob::new(pattern, nocase))
            }
            TextTest::Regex { pattern, nocase } => {
                self.observe_machine(what, key, v, span, || textset::Regex::new(pattern, nocase))
            }
            TextTest::Exact(lit) => {
                let Some(view) = self.text_view(v) else {
                    return false;
                };
                if view.mask.is_some() || !view.suffix.is_empty() || view.range.is_some() {
                    return self.observe_machine(what, key, v, span, || {
                        Some(textset::Exact(Box::from(lit)))
                    });
                }
                // The bare address needs no walk: only an address literal in canonical
                // form is ever its text.
                if let Ok(addr) = lit.parse::<addrspace::Addr>()
                    && addr.to_string() == lit
                {
                    self.observe(
                        ObservedBy::Equality(lit.to_string()),
                        Arc::from(vec![AddrSet::single(addr)]),
                        Answer::AnyHolds,
                        span,
                    );
                }
                true
            }
        }
    }

    /// The octet `k` of this client, when `v` is that octet's decimal text.
    fn octet_value_of(&self, v: &Value<'a>) -> Option<(u8, u8)> {
        let Taint::Octet(k) = v.taint() else {
            return None;
        };
        let client = self.conn?.client;
        let o = textset::octet_of(&client, k)?;
        (textset::octet_text(o) == v.as_str()).then_some((k, o))
    }

    /// Records the addresses whose octet `k` makes `holds` true of its decimal text;
    /// `holds` answers None where it cannot (then nothing is recorded and the caller
    /// samples).
    pub(crate) fn observe_octet(
        &mut self,
        k: u8,
        what: String,
        mut holds: impl FnMut(&mut Self, &str) -> Option<bool>,
        v: &Value<'a>,
        span: Span,
    ) -> bool {
        if self.octet_value_of(v).is_none() {
            return false;
        }
        let Some(client) = self.conn.map(|c| c.client) else {
            return false;
        };
        let mut accept = [false; 256];
        for (o, slot) in accept.iter_mut().enumerate() {
            match holds(self, textset::octet_text(o as u8)) {
                Some(b) => *slot = b,
                None => return false,
            }
        }
        let Some(set) = textset::with_octet(client.domain(), k, &accept) else {
            return false;
        };
        let what = format!("octet {} {what}", k + 1);
        self.observe_in(
            what,
            client.domain(),
            Arc::from(vec![set]),
            Answer::AnyHolds,
            span,
        );
        true
    }

    /// The value for octet `k` of the client address as an operation took it out as
    /// `text`: an octet value when it is that octet's decimal text, else (a route domain
    /// on the last, say) a derived value the model cannot follow.
    pub(crate) fn octet_value(
        &mut self,
        k: i64,
        text: &str,
        operation: &str,
        span: Span,
    ) -> Value<'a> {
        let client = self.conn.map(|c| c.client);
        let exact = u8::try_from(k).ok().filter(|_| k < 4).and_then(|k| {
            let o = textset::octet_of(&client?, k)?;
            (textset::octet_text(o) == text).then_some(k)
        });
        match exact {
            Some(k) => Value::tainted(text, Taint::Octet(k)),
            None => {
                let what = format!("{operation} on a value derived from the client address");
                self.escape(&what, span);
                Value::tainted(text, Taint::Derived)
            }
        }
    }

    /// `split <client address> .` : the octets, kept as such for `lindex`; None when the
    /// address is not plain IPv4 text.
    pub(crate) fn split_octets(&self, subject: &Value<'a>, chars: &str) -> Option<Value<'a>> {
        if chars != "." || subject.taint() != Taint::Client {
            return None;
        }
        let view = self.text_view(subject)?;
        if view.domain.family != addrspace::Family::V4 || !view.suffix.is_empty() {
            return None;
        }
        let list = subject.as_str().replace('.', " ");
        Some(Value::tainted(list, Taint::Octets))
    }

    /// `class match <client text> <op> <group>` on a group's keys as text: recorded for
    /// every address. `which`: the answer names the record (first in record order), so
    /// each key's set is recorded. False where it cannot be.
    pub(crate) fn observe_keys(
        &mut self,
        v: &Value<'a>,
        group: &crate::datagroup::IndexedDataGroup,
        q: KeysQuery,
        span: Span,
    ) -> bool {
        let KeysQuery {
            op,
            nocase,
            which,
            cacheable,
        } = q;
        // Too many keys to record one by one; the plain answer takes one automaton.
        const MAX_WHICH: usize = 1024;
        let Some(view) = self.text_view(v) else {
            return false;
        };
        if nocase && v.as_str() != v.as_str().to_lowercase() {
            return false;
        }
        let names: Vec<String> = group
            .group()
            .records
            .iter()
            .map(|r| {
                if nocase {
                    r.name.to_lowercase()
                } else {
                    r.name.clone()
                }
            })
            .collect();
        let name = group.name().to_string();
        let what = format!("data group {name} {}", op.word());
        let key = format!(
            "k{}{}{}{}",
            u8::from(nocase),
            u8::from(which),
            op.word(),
            group.name()
        );
        let cached = if cacheable {
            self.st
                .rare()
                .and_then(|r| r.key_sets.get(&(key.clone(), view.clone())))
                .cloned()
        } else {
            None
        };
        let sets = match cached {
            Some(hit) => hit,
            None => {
                let made: Option<MatchingSets> = if which {
                    (names.len() <= MAX_WHICH)
                        .then(|| {
                            names
                                .iter()
                                .map(|n| {
                                    textset::Keys::new([n.as_str()], op)
                                        .and_then(|m| self.text_sets.walk(&m, &view))
                                })
                                .collect::<Option<Vec<AddrSet>>>()
                        })
                        .flatten()
                        .map(Arc::from)
                } else {
                    textset::Keys::new(names.iter().map(|n| n.as_str()), op)
                        .and_then(|m| self.text_sets.walk(&m, &view))
                        .map(|s| Arc::from(vec![s]))
                };
                let cache = &mut self.st.rare_mut().key_sets;
                if cacheable && cache.len() < 256 {
                    cache.insert((key, view.clone()), made.clone());
                }
                made
            }
        };
        let Some(sets) = sets else {
            return false;
        };
        let answer = if which {
            Answer::WhichHold
        } else {
            Answer::AnyHolds
        };
        self.observe_in(what, view.domain, sets, answer, span);
        true
    }
}
