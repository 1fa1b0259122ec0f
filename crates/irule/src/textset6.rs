//! The walk of [`crate::textset`] over IPv6 texts.
//!
//! An IPv6 address renders (RFC 5952, as BIG-IP and Rust's `Ipv6Addr` write it) as eight
//! hexadecimal groups without leading zeros, the first longest run of two or more zero
//! groups written `::`. Where the `::` goes depends on the whole address, so the walk
//! follows every placement still possible at once (none, or a run at `start` of `len`
//! groups), each with its own automaton state: a placement stays while the groups so far
//! agree with it (groups in the run are zero, the run is maximal, runs before it are
//! shorter and runs after it no longer). A whole address agrees with exactly one. Where
//! every placement still possible gives the same settled answer, the rest of the address
//! does not matter, which keeps the sets whole: `2001:db8:*` is one range.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::LazyLock;

use crate::textset::{Machine, Ranges, View, append};

/// Hexadecimal texts of 0..=0xffff.
static GROUPS: LazyLock<Vec<String>> =
    LazyLock::new(|| (0..=0xffffu32).map(|g| format!("{g:x}")).collect());

/// Where the `::` goes: none, or (start, len) with len >= 2.
type Placement = Option<(u8, u8)>;

/// One placement still possible, with the automaton's state under it and the zero groups
/// just written.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Hyp<S> {
    placement: Placement,
    state: S,
    zeros: u8,
}

pub(crate) fn walk<M: Machine>(m: &M, view: &View, limit: u64, steps: &mut u64) -> Option<Ranges> {
    let mut tail = String::new();
    if view.domain.route_domain != 0 {
        tail = format!("%{}", view.domain.route_domain);
    }
    tail.push_str(&view.suffix);
    let len = u32::from(view.mask.unwrap_or(128)).min(128);
    let bits: u128 = if len == 0 {
        0
    } else {
        u128::MAX << (128 - len)
    };
    let mask: [u16; 8] = std::array::from_fn(|g| (bits >> (16 * (7 - g))) as u16);
    let start = m.start();
    let mut hyps = vec![Hyp {
        placement: None,
        state: start.clone(),
        zeros: 0,
    }];
    for run in 2..=8u8 {
        for at in 0..=8 - run {
            hyps.push(Hyp {
                placement: Some((at, run)),
                state: start.clone(),
                zeros: 0,
            });
        }
    }
    let mut w = Walk {
        m,
        tail: &tail,
        mask,
        memo: HashMap::new(),
        steps,
        limit,
    };
    w.groups(0, hyps).map(|r| (*r).clone())
}

/// Answers by (group, the placements still possible with their states).
type Memo<S> = HashMap<(u8, Vec<Hyp<S>>), Option<Rc<Ranges>>>;

struct Walk<'w, M: Machine> {
    m: &'w M,
    tail: &'w str,
    mask: [u16; 8],
    memo: Memo<M::State>,
    steps: &'w mut u64,
    limit: u64,
}

/// What group `g` asks of a hypothesis.
enum Slot {
    /// Written after `before`; zero groups in a row may reach `max_zeros`; `nonzero`:
    /// the group must not be zero.
    Written {
        before: &'static str,
        max_zeros: u8,
        nonzero: bool,
    },
    /// Inside the run: zero, written as `::` (at its start) or not at all.
    Run { start: bool },
}

fn slot(placement: Placement, g: u8) -> Slot {
    let sep = if g == 0 { "" } else { ":" };
    match placement {
        None => Slot::Written {
            before: sep,
            max_zeros: 1,
            nonzero: false,
        },
        Some((start, len)) if g < start => Slot::Written {
            before: sep,
            max_zeros: len - 1,
            nonzero: g + 1 == start,
        },
        Some((start, len)) if g < start + len => Slot::Run { start: g == start },
        Some((start, len)) => Slot::Written {
            before: if g == start + len { "" } else { ":" },
            max_zeros: len,
            nonzero: g == start + len,
        },
    }
}

impl<M: Machine> Walk<'_, M> {
    fn top(g: u8) -> u128 {
        if g == 0 {
            u128::MAX
        } else {
            (1u128 << (16 * (8 - u32::from(g)))) - 1
        }
    }

    /// The group suffixes `g..8` (a number of `16 * (8 - g)` bits) that, after the
    /// groups that led to `hyps`, render to accepted text.
    fn groups(&mut self, g: u8, hyps: Vec<Hyp<M::State>>) -> Option<Rc<Ranges>> {
        let key = (g, hyps);
        if let Some(hit) = self.memo.get(&key) {
            return hit.clone();
        }
        let made = self.compute(key.0, &key.1);
        self.memo.insert(key, made.clone());
        made
    }

    fn compute(&mut self, g: u8, hyps: &[Hyp<M::State>]) -> Option<Rc<Ranges>> {
        if hyps.is_empty() {
            return Some(Rc::new(Vec::new()));
        }
        if g == 8 {
            let hit = hyps.iter().any(|h| {
                let end = self.m.feed(&h.state, self.tail);
                self.m.accepts(&end)
            });
            return Some(Rc::new(if hit { vec![(0, 0)] } else { Vec::new() }));
        }
        let settled: Vec<Option<bool>> = hyps.iter().map(|h| self.m.settled(&h.state)).collect();
        if settled.iter().all(|s| *s == Some(true)) {
            return Some(Rc::new(vec![(0, Self::top(g))]));
        }
        if settled.iter().all(|s| *s == Some(false)) {
            return Some(Rc::new(Vec::new()));
        }
        let shift = 16 * (7 - u32::from(g));
        let mg = self.mask[usize::from(g)];
        let slots: Vec<Slot> = hyps.iter().map(|h| slot(h.placement, g)).collect();
        // The texts fed before the group, by distinct (state, text): hypotheses mostly
        // share their state, and each distinct one is fed once per value.
        let mut inputs: Vec<M::State> = Vec::new();
        let mut input_of: Vec<usize> = Vec::with_capacity(hyps.len());
        for (h, sl) in hyps.iter().zip(&slots) {
            let fed = match sl {
                Slot::Written { before, .. } => self.m.feed(&h.state, before),
                Slot::Run { start: true } => self.m.feed(&h.state, "::"),
                Slot::Run { start: false } => h.state.clone(),
            };
            let k = match inputs.iter().position(|x| *x == fed) {
                Some(k) => k,
                None => {
                    inputs.push(fed);
                    inputs.len() - 1
                }
            };
            input_of.push(k);
        }
        let mut out = Ranges::new();
        let mut last: Option<(u16, Rc<Ranges>)> = None;
        let mut after: Vec<Option<M::State>> = vec![None; inputs.len()];
        // The states the last non-zero value led to, and what followed: a non-zero
        // value passes the same placements as any other, so equal states mean an equal
        // answer (most values of a group lead where their neighbours did).
        let mut last_nonzero: Option<(Vec<M::State>, Rc<Ranges>)> = None;
        for v in 0..=0xffffu32 {
            let shown = (v as u16) & mg;
            if shown != 0
                && let Some((states, sub)) = &last_nonzero
            {
                let now: Vec<M::State> = inputs
                    .iter()
                    .map(|i| {
                        *self.steps += 1;
                        if self.m.settled(i).is_some() {
                            i.clone()
                        } else {
                            self.m.feed(i, &GROUPS[usize::from(shown)])
                        }
                    })
                    .collect();
                if *self.steps > self.limit {
                    return None;
                }
                if now == *states {
                    if !append(&mut out, u128::from(v) << shift, sub) {
                        return None;
                    }
                    last = Some((shown, sub.clone()));
                    continue;
                }
            }
            // Values the mask shows alike are alike.
            let sub = match &last {
                Some((s, sub)) if *s == shown => sub.clone(),
                _ => {
                    after.iter_mut().for_each(|a| *a = None);
                    let mut next: Vec<Hyp<M::State>> = Vec::with_capacity(hyps.len());
                    for ((h, sl), &k) in hyps.iter().zip(&slots).zip(&input_of) {
                        let zero = shown == 0;
                        match sl {
                            Slot::Run { .. } => {
                                if zero {
                                    next.push(Hyp {
                                        placement: h.placement,
                                        state: inputs[k].clone(),
                                        zeros: 0,
                                    });
                                }
                            }
                            Slot::Written {
                                max_zeros, nonzero, ..
                            } => {
                                let zeros = if zero { h.zeros + 1 } else { 0 };
                                if (zero && *nonzero) || zeros > *max_zeros {
                                    continue;
                                }
                                let state = match &after[k] {
                                    Some(st) => st.clone(),
                                    None => {
                                        *self.steps += 1;
                                        let st = if self.m.settled(&inputs[k]).is_some() {
                                            inputs[k].clone()
                                        } else {
                                            self.m.feed(&inputs[k], &GROUPS[usize::from(shown)])
                                        };
                                        after[k] = Some(st.clone());
                                        st
                                    }
                                };
                                next.push(Hyp {
                                    placement: h.placement,
                                    state,
                                    zeros,
                                });
                            }
                        }
                    }
                    if *self.steps > self.limit {
                        return None;
                    }
                    let sub = self.groups(g + 1, next)?;
                    last = Some((shown, sub.clone()));
                    if shown != 0 {
                        let states: Vec<M::State> = inputs
                            .iter()
                            .zip(&after)
                            .map(|(i, a)| {
                                a.clone().unwrap_or_else(|| {
                                    if self.m.settled(i).is_some() {
                                        i.clone()
                                    } else {
                                        self.m.feed(i, &GROUPS[usize::from(shown)])
                                    }
                                })
                            })
                            .collect();
                        last_nonzero = Some((states, sub.clone()));
                    }
                    sub
                }
            };
            if !append(&mut out, u128::from(v) << shift, &sub) {
                return None;
            }
        }
        Some(Rc::new(out))
    }
}
