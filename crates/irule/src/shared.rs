//! Variables one connection can leave for the next.
//!
//! On BIG-IP `static::` variables and globals live as long as the rules are loaded: a
//! connection event that sets one changes what every later connection reads. The engine
//! evaluates each connection on its own (a session starts from what RULE_INIT left), so a
//! value such a variable holds is an input the model does not enumerate. Which names a
//! connection may set is found once, when the rules load, by walking every handler but
//! RULE_INIT and every proc; reading one of those names in a connection event is then an
//! escape that labels the result sampled.

use std::sync::Arc;

use crate::builtins::Builtin;
use crate::expr::{Expr, ExprKind};
use crate::fx::FxMap;
use crate::interp::RuleSrc;
use crate::parse::{Op, Part, Script, VarRef, Word, WordKind};
use crate::span::Span;

/// Where a connection may write shared state.
#[derive(Debug, Default)]
pub(crate) struct SharedWrites {
    /// `static::name` and `::name`, each with the first place a connection sets it.
    names: FxMap<Box<str>, (Arc<RuleSrc>, Span)>,
    /// A write whose variable name is only known at run time (it may be any name).
    dynamic: Option<(Arc<RuleSrc>, Span)>,
}

impl SharedWrites {
    /// Where a connection may set `key` (`static::x` or `::x`), if anywhere.
    pub(crate) fn writer(&self, key: &str) -> Option<&(Arc<RuleSrc>, Span)> {
        if self.names.is_empty() && self.dynamic.is_none() {
            return None;
        }
        self.names.get(key).or(self.dynamic.as_ref())
    }

    /// Scans a connection event's handler or a proc.
    pub(crate) fn scan(&mut self, src: &Arc<RuleSrc>, script: &Script) {
        Walk { src, out: self }.script(script);
    }
}

/// The shared variable a name refers to: `static::x` and `::x` (a global), without an
/// array index; None for a connection-local variable.
pub(crate) fn shared_key(name: &str) -> Option<&str> {
    let base = name.split_once('(').map_or(name, |(b, _)| b);
    (base.starts_with("static::") || base.starts_with("::")).then_some(base)
}

struct Walk<'w> {
    src: &'w Arc<RuleSrc>,
    out: &'w mut SharedWrites,
}

impl Walk<'_> {
    fn script(&mut self, s: &Script) {
        for cmd in &s.cmds {
            // A literal `static::x` or `::x` word names a shared variable to a command
            // that takes variable names (set, incr, append, unset, foreach, regexp...).
            for w in cmd.words.iter().skip(1) {
                self.word(w);
            }
            let name_arg = cmd.words.get(1);
            match cmd.builtin {
                Some(Builtin::Set | Builtin::Incr | Builtin::Append | Builtin::Lappend)
                | Some(Builtin::Unset) => {
                    if let Some(w) = name_arg
                        && w.literal().is_none()
                    {
                        self.dynamic(w.span);
                    }
                }
                Some(Builtin::Global) => {
                    for w in cmd.words.iter().skip(1) {
                        match w.literal() {
                            Some(n) => {
                                self.name(&format!("::{}", n.trim_start_matches(':')), w.span)
                            }
                            None => self.dynamic(w.span),
                        }
                    }
                }
                // Code made at run time may set anything.
                Some(
                    Builtin::Eval
                    | Builtin::If
                    | Builtin::While
                    | Builtin::For
                    | Builtin::Foreach
                    | Builtin::Switch
                    | Builtin::Catch
                    | Builtin::Proc,
                ) if matches!(cmd.op, Op::Call)
                    && cmd.words.iter().skip(1).any(|w| w.literal().is_none()) =>
                {
                    self.dynamic(cmd.span);
                }
                _ => {}
            }
            match &cmd.op {
                Op::Call => {}
                Op::If(arms, other) => {
                    for (c, body) in arms {
                        self.expr(c);
                        self.script(body);
                    }
                    if let Some(o) = other {
                        self.script(o);
                    }
                }
                Op::While(c, body) => {
                    self.expr(c);
                    self.script(body);
                }
                Op::For(init, c, next, body) => {
                    self.script(init);
                    self.expr(c);
                    self.script(next);
                    self.script(body);
                }
                Op::Foreach(body) | Op::Catch(body) => self.script(body),
                Op::Expr(e) => self.expr(e),
                Op::Switch(arms) => {
                    for body in arms.iter().filter_map(|(_, b)| b.as_ref()) {
                        self.script(body);
                    }
                }
                Op::Proc(body) => self.script(body),
            }
        }
    }

    fn word(&mut self, w: &Word) {
        match &w.kind {
            WordKind::Lit(text, _) => {
                if let Some(key) = shared_key(text) {
                    self.name(key, w.span);
                }
            }
            WordKind::Parts(parts) => {
                if let Some(Part::Lit(first)) = parts.first()
                    && shared_key(first).is_some()
                {
                    self.dynamic(w.span);
                }
                self.parts(parts);
            }
        }
    }

    fn parts(&mut self, parts: &[Part]) {
        for p in parts {
            match p {
                Part::Lit(_) => {}
                Part::Var(v) => self.var(v),
                Part::Cmd(s) => self.script(s),
            }
        }
    }

    fn var(&mut self, v: &VarRef) {
        if let Some(index) = &v.index {
            self.parts(index);
        }
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Num(..) | ExprKind::Str(_) => {}
            ExprKind::Quoted(parts) => self.parts(parts),
            ExprKind::Var(v) => self.var(v),
            ExprKind::Cmd(s) => self.script(s),
            ExprKind::Unary(_, a) => self.expr(a),
            ExprKind::Binary(_, a, b) => {
                self.expr(a);
                self.expr(b);
            }
            ExprKind::Ternary(a, b, c) => {
                self.expr(a);
                self.expr(b);
                self.expr(c);
            }
            ExprKind::Call(_, args) => {
                for a in args {
                    self.expr(a);
                }
            }
        }
    }

    fn name(&mut self, key: &str, span: Span) {
        if !self.out.names.contains_key(key) {
            self.out.names.insert(key.into(), (self.src.clone(), span));
        }
    }

    fn dynamic(&mut self, span: Span) {
        if self.out.dynamic.is_none() {
            self.out.dynamic = Some((self.src.clone(), span));
        }
    }
}
